// confirm.mjs: the confirmation document for ANAF's SPV in the browser
// (tests/integration/confirm.sh, which issued the user a certificate and
// runs the node on a clock file): sign-in with password and TOTP; on
// /confirmation the declaration is asked for and downloaded, signed here
// with a code from the authenticator, sealed at once; the sealed PDF is
// downloaded into E2E_TMP/sealed.pdf for the shell to judge. TAP output.
import path from 'node:path';
import { chromium } from 'playwright-core';
import { tapDone, ServerClock, Steps, signInUi } from './lib.mjs';

const E = process.env;
const URL0 = E.PC_URL;
const TMP = E.E2E_TMP;
const clock = new ServerClock(E.E2E_CLOCK, E.E2E_LAST_STEP, path.join(TMP, 'last_step'));
const USER = { email: E.E2E_EMAIL, pw: E.E2E_PW, secret: E.E2E_SECRET };
const S = new Steps(TMP, 'confirm-');
const step = (what, fn) => S.step(what, fn);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO', acceptDownloads: true });
const page = await ctx.newPage();
S.page = page;
page.on('pageerror', (e) => console.log('  # page error: ' + e.message));
try {
	await step('sign-in (password, TOTP)', async () => {
		await signInUi(page, URL0, USER.email, USER.pw, () => clock.code(USER.secret));
	});
	await step('the menu leads to /confirmation; the declaration is issued and downloads', async () => {
		if (await page.getAttribute('#menu-confirm', 'href') !== '/confirmation')
			throw new Error('no menu entry for /confirmation');
		await page.goto(URL0 + '/confirmation');
		await page.waitForSelector('#confirm-new');
		await page.click('#confirm-new');
		await page.waitForSelector('#confirm-issued');
		if (!/\/confirmation\?id=[0-9a-f]{32}$/.test(page.url()))
			throw new Error('the address names no request: ' + page.url());
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#confirm-decl')]);
		await dl.saveAs(path.join(TMP, 'declaration.pdf'));
	});
	await step('signed here with a code: sealed at once', async () => {
		await page.fill('#confirm-code', clock.code(USER.secret));
		await page.click('#confirm-sign');
		await page.waitForSelector('#confirm-sealed', { timeout: 120000 });
	});
	await step('the sealed declaration downloads; the page shows it again after a reload', async () => {
		const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#confirm-download')]);
		await dl.saveAs(path.join(TMP, 'sealed.pdf'));
		await page.reload();
		await page.waitForSelector('#confirm-sealed', { timeout: 30000 });
	});
} catch (e) {
	console.log('# ' + e.message);
}
await browser.close();
process.exit(tapDone() || S.broken ? 1 : 0);
