// cluster.mjs: the browser against two nodes behind HAProxy
// (tests/integration/cluster_pg.sh, which issued the user a certificate
// through the proxy and runs both nodes on one clock file): sign-in with
// password and TOTP, three PDFs dropped on /sign; then node A is killed
// (SIGKILL) and the user goes on through the proxy: the code authorizes
// the batch on node B, SignedFiles.zip comes down. Both nodes' /metrics
// (read directly, not through the proxy) show they served the page's
// requests before the kill. TAP output; the shell judges the archive.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { tapDone, ServerClock, Steps, signInUi } from './lib.mjs';

const E = process.env;
const URL0 = E.PC_URL;
const TMP = E.E2E_TMP;
const clock = new ServerClock(E.E2E_CLOCK, E.E2E_LAST_STEP, path.join(TMP, 'last_step'));
const USER = { email: E.E2E_EMAIL, pw: E.E2E_PW, secret: E.E2E_SECRET };

function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}
async function served(port) {
	const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
	return t.split('\n').filter((l) => l.startsWith('pecete_http_requests_total'))
		.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}
const S = new Steps(TMP, 'cluster-');
const step = (what, fn) => S.step(what, fn);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO', acceptDownloads: true });
const page = await ctx.newPage();
S.page = page;
page.on('pageerror', (e) => console.log('  # page error: ' + e.message));
let a0 = 0, b0 = 0;
try {
	await step('sign-in through the proxy (password, TOTP)', async () => {
		a0 = await served(E.E2E_PORT_A);
		b0 = await served(E.E2E_PORT_B);
		await signInUi(page, URL0, USER.email, USER.pw, () => clock.code(USER.secret));
	});
	await step('three PDFs dropped on /sign, each ready', async () => {
		await page.goto(URL0 + '/sign');
		await page.waitForSelector('#sign-drop');
		await page.setInputFiles('#sign-input', ['c1.pdf', 'c2.pdf', 'c3.pdf'].map((n) => path.join(TMP, n)));
		await page.waitForSelector('#sign-file-2', { timeout: 30000 });
	});
	await step('the page\'s requests were spread over both nodes', async () => {
		const a = await served(E.E2E_PORT_A) - a0, b = await served(E.E2E_PORT_B) - b0;
		assert(a >= 3 && b >= 3, `node A served ${a}, node B ${b}`);
	});
	await step('node A killed; the code authorizes the batch through the proxy and SignedFiles.zip comes down', async () => {
		process.kill(Number(E.E2E_PID_A), 'SIGKILL');
		fs.writeFileSync(path.join(TMP, 'a_killed'), '1');
		await page.click('#sign-continue');
		await page.waitForSelector('#sign-code');
		await page.fill('#sign-code', clock.code(USER.secret));
		const dl = page.waitForEvent('download', { timeout: 90000 });
		await page.click('#sign-code-submit');
		const d = await dl;
		assert(d.suggestedFilename() === 'SignedFiles.zip', 'name ' + d.suggestedFilename());
		await d.saveAs(path.join(TMP, 'browser.zip'));
		await page.waitForSelector('#sign-done');
	});
} finally {
	await browser.close();
}
process.exit(tapDone() ? 1 : 0);
