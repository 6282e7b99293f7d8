// vtoken.mjs: the virtual token's login in the browser (issue 16's
// acceptance), against the server tests/integration/e2e_vtoken.sh starts:
//   `pecete-vtoken login` prints the authorization URL -> the browser opens
//   it -> the sign-in page (password, TOTP) -> the consent page names the
//   token's client and asks no code (service scope) -> allowed -> the
//   browser lands on the token's own loopback listener, which ends the
//   login; pkcs11-tool then signs through libpecete-pkcs11.so (the scripted
//   pinentry gives the code) and node's crypto verifies the signature;
//   Settings' authorized apps list the token, revoked there (confirm
//   dialog) -> the module's next sign fails with CKR_USER_NOT_LOGGED_IN
//   and `pecete-vtoken status` says why. Screenshots at 1280 and 360 px.
// Env: PC_URL, E2E_SHOTS, E2E_TMP, E2E_CLOCK, E2E_LAST_STEP, E2E_PW,
// E2E_EMAIL, E2E_SECRET, E2E_CERT, E2E_VT, E2E_MOD, E2E_CID (and the
// token's XDG_*, PINENTRY, VT_PIN_* from the shell).
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tapDone, shots, until, Steps, ServerClock, assert, launchChromium, desktopPage } from './lib.mjs';

const E = process.env;
const URL0 = E.PC_URL;
const SHOTS = E.E2E_SHOTS;
const TMP = E.E2E_TMP;
const CLOCK = E.E2E_CLOCK;
fs.mkdirSync(SHOTS, { recursive: true });

// The scripted pinentry goes on from the last step (TMP/last_step).
const clock = new ServerClock(CLOCK, E.E2E_LAST_STEP, path.join(TMP, 'last_step'));
const code = () => clock.code(E.E2E_SECRET);
const doc = path.join(TMP, 'doc.txt');
fs.writeFileSync(doc, 'semnat din browser prin tokenul virtual\n');
function p11sign(out) {
	return spawnSync('pkcs11-tool', ['--module', E.E2E_MOD, '--sign', '-m', 'SHA256-RSA-PKCS',
		'--label', 'Pecete signing', '-i', doc, '-o', out], { encoding: 'utf8', timeout: 120000 });
}

const S = new Steps(SHOTS, '');
const step = (what, fn) => S.step(what, fn);
const browser = await launchChromium();
let login = null;
try {
	const { page } = await desktopPage(browser, S);
	let url = null, out = '';
	const done = new Promise((resolve) => {
		login = spawn(E.E2E_VT, ['login', '--server', URL0, '--client-id', E.E2E_CID, '--timeout', '120'],
			{ stdio: ['ignore', 'pipe', 'inherit'] });
		login.stdout.on('data', (d) => { out += d; });
		login.on('exit', (c) => resolve(c));
	});

	await step('pecete-vtoken login prints the authorization URL', async () => {
		const end = Date.now() + 10000;
		while (!url && Date.now() < end) {
			const m = out.match(/(http:\/\/\S+\/csc\/v2\/oauth2\/authorize\?\S+)/);
			if (m)
				url = m[1];
			else
				await new Promise((r) => setTimeout(r, 100));
		}
		assert(url, 'no URL: ' + out);
		const u = new URL(url);
		assert(u.searchParams.get('scope') === 'service' && u.searchParams.get('code_challenge_method') === 'S256',
			'URL: ' + url);
	});
	await step('the browser opens it: the sign-in page (password, TOTP)', async () => {
		await page.goto(url);
		await page.waitForURL(/\/signin$/, { timeout: 15000 });
		await page.waitForSelector('main:not([aria-busy]) h1', { timeout: 30000 });
		await page.fill('#si-email', E.E2E_EMAIL);
		await page.fill('#si-password', E.E2E_PW);
		await page.click('#si-submit');
		await page.waitForSelector('#si-totp');
		await page.fill('#si-totp', code());
		await page.click('#si-totp-submit');
	});
	await step('the consent page names the token, asks no code; allowed', async () => {
		await page.waitForURL(/\/oauth\/consent\?id=[0-9a-f]{64}$/, { timeout: 15000 });
		await page.waitForSelector('#oauth-allow');
		assert((await page.textContent('#oauth-client')).includes('Pecete virtual token'), 'the client');
		assert(!(await page.$('#oauth-code')), 'no code field for the service scope');
		await shots(page, SHOTS, 'vtoken-consent');
		await page.click('#oauth-allow');
	});
	await step('the browser lands on the token\'s loopback: signed in', async () => {
		await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/cb\?/, { timeout: 15000 });
		assert((await page.textContent('body')).includes('signed in'), 'the loopback page');
		const rc = await done;
		assert(rc === 0 && out.includes('Signed in'), `login exit ${rc}: ${out}`);
	});
	await step('pkcs11-tool signs through the module; node verifies it with the certificate', async () => {
		const sig = path.join(TMP, 'vt.sig');
		const r = p11sign(sig);
		assert(r.status === 0, 'pkcs11-tool: ' + r.stdout + r.stderr);
		const key = crypto.createPublicKey(fs.readFileSync(E.E2E_CERT));
		assert(crypto.verify('sha256', fs.readFileSync(doc), key, fs.readFileSync(sig)), 'the signature');
	});
	await step('settings: the token listed among the authorized apps, revoked', async () => {
		await page.goto(URL0 + '/settings');
		await page.waitForSelector('#set-apps tbody tr');
		const row = page.locator('#set-apps tbody tr', { hasText: 'Pecete virtual token' });
		assert(await row.count() === 1, 'the app row');
		await shots(page, SHOTS, 'vtoken-settings-apps');
		await row.locator('button').click();
		await page.click('#dialog-confirm');
		await until(page, () => !!document.getElementById('set-apps-status').textContent);
		assert(await page.locator('#set-apps tr', { hasText: 'Pecete virtual token' }).count() === 0, 'the row is gone');
	});
	await step('the module\'s next sign: CKR_USER_NOT_LOGGED_IN; status says why', async () => {
		const r = p11sign(path.join(TMP, 'vt2.sig'));
		assert(r.status !== 0 && (r.stdout + r.stderr).includes('CKR_USER_NOT_LOGGED_IN'), 'pkcs11-tool: ' + r.stdout + r.stderr);
		const s = spawnSync(E.E2E_VT, ['status'], { encoding: 'utf8' });
		assert(s.stdout.includes('revoked in Settings'), 'status: ' + s.stdout);
	});
} finally {
	if (login && login.exitCode === null)
		login.kill();
	spawnSync(E.E2E_VT, ['stop']);
	await browser.close();
}
process.exit(tapDone() ? 1 : 0);
