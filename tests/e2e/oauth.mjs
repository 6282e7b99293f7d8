// oauth.mjs: the OAuth2-code flow of the CSC API in the browser (issue 15's
// acceptance), against the server tests/integration/e2e_oauth.sh starts:
//   PAR with authorization_details (two documents with labels) by the
//   client (fetch), authorize opened in the browser -> the sign-in page
//   (password, TOTP) -> back on the consent page: the client's name, the
//   document labels and hashes -> a wrong TOTP code refused at its field ->
//   the right code -> the browser goes to the client's redirect URI
//   (caught here) with the code and the state; the token endpoint refuses
//   a wrong PKCE verifier, takes the right one; signatures/signHash with
//   the credential token and no SAD signs both documents (node's crypto
//   verifies them against the certificate); the code again is refused and
//   its token then too. The service scope approved without a code; the
//   settings' authorized apps list it; revoked there (confirm dialog), the
//   row goes and its token is refused. A refusal on the consent page
//   sends the client access_denied. Screenshots at 1280 and 360 px.
// Env: PC_URL, E2E_SHOTS, E2E_TMP, E2E_CLOCK, E2E_LAST_STEP, E2E_PW,
// E2E_EMAIL, E2E_SECRET, E2E_CRED, E2E_CERT, E2E_PUB, E2E_CB, E2E_CONF,
// E2E_CONF_SECRET.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tapOk, tapSkip, tapDone, shots, until, Steps, ServerClock, assert, launchChromium, desktopPage }
	from './lib.mjs';

const E = process.env;
const URL0 = E.PC_URL || 'http://127.0.0.1:8080';
const SHOTS = E.E2E_SHOTS;
const TMP = E.E2E_TMP;
const CLOCK = E.E2E_CLOCK;
const CB = E.E2E_CB;
const CONF_CB = 'https://docs.example/cb';
fs.mkdirSync(SHOTS, { recursive: true });

// ---- the server's clock and TOTP codes ----------------------------------------------
// The last step in TMP/last_step, for the shell to go on from.
const clock = new ServerClock(CLOCK, E.E2E_LAST_STEP, path.join(TMP, 'last_step'));
const code = () => clock.code(E.E2E_SECRET);

// ---- steps ----------------------------------------------------------------------------
const S = new Steps(SHOTS, '');
const step = (what, fn) => S.step(what, fn);

// ---- the client's side (what an OAuth2 client library does) ----------------------------
const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest();
async function form(p, params, basic) {
	const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
	if (basic)
		headers.Authorization = 'Basic ' + Buffer.from(basic).toString('base64');
	const r = await fetch(URL0 + p, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
	return { status: r.status, body: await r.json() };
}
async function csc(p, body, token) {
	const r = await fetch(URL0 + '/csc/v2/' + p, { method: 'POST',
		headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
		body: JSON.stringify(body) });
	return { status: r.status, body: await r.json().catch(() => ({})) };
}

const verifier = b64url(crypto.randomBytes(32));
const challenge = b64url(sha256(verifier));
const DOCS = [
	{ text: 'Contract de prestări servicii nr. 17', label: 'Contract 17.pdf' },
	{ text: 'Anexa 1 la contractul nr. 17', label: 'Anexa 1.pdf' },
];
const certKey = crypto.createPublicKey(fs.readFileSync(E.E2E_CERT));
const rsa = certKey.asymmetricKeyType === 'rsa';
const SIGN_ALGO = rsa ? '1.2.840.113549.1.1.11' : '1.2.840.10045.4.3.2';

// ---- the browser ------------------------------------------------------------------------
const browser = await launchChromium();
async function ready(page) {
	await page.waitForSelector('main:not([aria-busy]) h1', { timeout: 30000 });
}
// The client's redirect URIs are caught: the URL the browser was sent to.
let landed = null;
async function catchRedirects(ctx) {
	const h = (route) => {
		landed = new URL(route.request().url());
		route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>client</title><h1>client</h1>' });
	};
	await ctx.route(CB + '**', h);
	await ctx.route(CONF_CB + '**', h);
}
// Waits until the page has committed the client's URL too (not only the
// request caught): a navigation started right after would else be
// interrupted by this one.
async function waitLanded(page, ms = 15000) {
	const end = Date.now() + ms;
	while (!landed && Date.now() < end)
		await new Promise((r) => setTimeout(r, 100));
	assert(landed, 'the browser never reached the client');
	const u = landed;
	landed = null;
	await page.waitForURL((x) => x.origin === u.origin && x.pathname === u.pathname,
		{ waitUntil: 'load', timeout: ms });
	return u;
}

let failed = 0;
try {
	const { page } = await desktopPage(browser, S, catchRedirects);
	let requestUri, acode, ctok;

	await step('PAR with authorization_details: 201 and a request_uri', async () => {
		const details = [{ type: 'credential', credentialID: E.E2E_CRED, hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
			documentDigests: DOCS.map((d) => ({ hash: sha256(d.text).toString('base64'), label: d.label })) }];
		const r = await form('/csc/v2/oauth2/pushed_authorize', { client_id: E.E2E_PUB, response_type: 'code',
			redirect_uri: CB, code_challenge: challenge, code_challenge_method: 'S256', state: 'st-e2e',
			authorization_details: JSON.stringify(details) });
		assert(r.status === 201 && r.body.request_uri, 'PAR: ' + JSON.stringify(r));
		requestUri = r.body.request_uri;
	});
	await step('authorize, signed out: the sign-in page first', async () => {
		await page.goto(`${URL0}/csc/v2/oauth2/authorize?client_id=${E.E2E_PUB}&request_uri=${encodeURIComponent(requestUri)}`);
		await page.waitForURL(/\/signin$/, { timeout: 15000 });
		await ready(page);
		await page.fill('#si-email', E.E2E_EMAIL);
		await page.fill('#si-password', E.E2E_PW);
		await page.click('#si-submit');
		await page.waitForSelector('#si-totp');
		await page.fill('#si-totp', code());
		await page.click('#si-totp-submit');
	});
	await step('... then back on the consent page: the client, the labels and the hashes', async () => {
		await page.waitForURL(/\/oauth\/consent\?id=[0-9a-f]{64}$/, { timeout: 15000 });
		await page.waitForSelector('#oauth-docs');
		const client = await page.textContent('#oauth-client');
		assert(client.includes('Portofel EUDI'), 'client: ' + client);
		const rows = await page.$$eval('#oauth-docs tbody tr', (trs) => trs.map((tr) =>
			[...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
		assert(rows.length === 2, 'two documents: ' + JSON.stringify(rows));
		DOCS.forEach((d, i) => {
			assert(rows[i][0] === d.label, `label ${i}: ${rows[i][0]}`);
			assert(rows[i][1] === sha256(d.text).toString('base64'), `hash ${i}: ${rows[i][1]}`);
		});
		assert(await page.$('#oauth-code'), 'the TOTP code is asked');
		await shots(page, SHOTS, 'consent');
	});
	await step('a wrong TOTP code: refused at its field, no redirect', async () => {
		await page.fill('#oauth-code', '000000');
		await page.click('#oauth-allow');
		await until(page, () => !!(document.getElementById('oauth-code-err') || {}).textContent);
		assert(!landed, 'the browser left for the client');
	});
	await step('the right code: to the client with a code and the state', async () => {
		await page.fill('#oauth-code', code());
		await page.click('#oauth-allow');
		const u = await waitLanded(page);
		assert(u.origin + u.pathname === CB, 'redirect: ' + u);
		assert(u.searchParams.get('state') === 'st-e2e', 'state: ' + u);
		acode = u.searchParams.get('code');
		assert(/^[0-9a-f]{64}$/.test(acode || ''), 'code: ' + u);
	});
	await step('the token endpoint: a wrong PKCE verifier is invalid_grant', async () => {
		const r = await form('/csc/v2/oauth2/token', { grant_type: 'authorization_code', client_id: E.E2E_PUB,
			code: acode, redirect_uri: CB, code_verifier: b64url(crypto.randomBytes(32)) });
		assert(r.status === 400 && r.body.error === 'invalid_grant', JSON.stringify(r));
	});
	await step('the right verifier: a credential token', async () => {
		const r = await form('/csc/v2/oauth2/token', { grant_type: 'authorization_code', client_id: E.E2E_PUB,
			code: acode, redirect_uri: CB, code_verifier: verifier });
		assert(r.status === 200 && r.body.scope === 'credential' && r.body.token_type === 'Bearer', JSON.stringify(r));
		ctok = r.body.access_token;
	});
	await step('signHash with the token, no SAD: both signatures verify (node crypto, the certificate)', async () => {
		const r = await csc('signatures/signHash', { credentialID: E.E2E_CRED, signAlgo: SIGN_ALGO,
			hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
			hashes: DOCS.map((d) => sha256(d.text).toString('base64')) }, ctok);
		assert(r.status === 200 && r.body.signatures && r.body.signatures.length === 2, JSON.stringify(r));
		DOCS.forEach((d, i) => assert(crypto.verify('sha256', Buffer.from(d.text), certKey,
			Buffer.from(r.body.signatures[i], 'base64')), `signature ${i} does not verify`));
	});
	await step('the code again: invalid_grant, and its token is then refused', async () => {
		const r = await form('/csc/v2/oauth2/token', { grant_type: 'authorization_code', client_id: E.E2E_PUB,
			code: acode, redirect_uri: CB, code_verifier: verifier });
		assert(r.status === 400 && r.body.error === 'invalid_grant', JSON.stringify(r));
		const s = await csc('signatures/signHash', { credentialID: E.E2E_CRED, signAlgo: SIGN_ALGO,
			hashes: [sha256(DOCS[0].text).toString('base64')] }, ctok);
		assert(s.status === 401 && s.body.error === 'invalid_token', JSON.stringify(s));
	});

	let stok;
	await step('the service scope: the consent asks no code; allowed', async () => {
		await page.goto(`${URL0}/csc/v2/oauth2/authorize?response_type=code&client_id=${E.E2E_CONF}` +
			`&redirect_uri=${encodeURIComponent(CONF_CB)}&scope=service&state=st-svc` +
			`&code_challenge=${challenge}&code_challenge_method=S256`);
		await page.waitForSelector('#oauth-allow');
		assert(!(await page.$('#oauth-code')), 'no code field for the service scope');
		assert((await page.textContent('#oauth-client')).includes('Arhiva Docs'), 'the client');
		await shots(page, SHOTS, 'consent-service');
		await page.click('#oauth-allow');
		const u = await waitLanded(page);
		assert(u.searchParams.get('state') === 'st-svc', 'state: ' + u);
		const r = await form('/csc/v2/oauth2/token', { grant_type: 'authorization_code',
			code: u.searchParams.get('code'), redirect_uri: CONF_CB, code_verifier: verifier },
		`${E.E2E_CONF}:${E.E2E_CONF_SECRET}`);
		assert(r.status === 200 && r.body.scope === 'service' && r.body.refresh_token, JSON.stringify(r));
		stok = r.body.access_token;
		const l = await csc('credentials/list', {}, stok);
		assert(l.status === 200 && l.body.credentialIDs.includes(E.E2E_CRED), JSON.stringify(l));
	});
	await step('settings: the authorized app listed, revoked, its token refused', async () => {
		await page.goto(URL0 + '/settings');
		await page.waitForSelector('#set-apps tbody tr');
		const row = page.locator('#set-apps tbody tr', { hasText: 'Arhiva Docs' });
		assert(await row.count() === 1, 'the app row');
		await shots(page, SHOTS, 'settings-apps');
		await row.locator('button').click();
		await page.click('#dialog-confirm');
		await until(page, () => !!document.getElementById('set-apps-status').textContent);
		assert(await page.locator('#set-apps tr', { hasText: 'Arhiva Docs' }).count() === 0, 'the row is gone');
		const l = await csc('credentials/list', {}, stok);
		assert(l.status === 401 && l.body.error === 'invalid_token', JSON.stringify(l));
	});
	await step('a refusal on the consent page: the client hears access_denied', async () => {
		await page.goto(`${URL0}/csc/v2/oauth2/authorize?response_type=code&client_id=${E.E2E_PUB}` +
			`&redirect_uri=${encodeURIComponent(CB)}&scope=service&state=st-no` +
			`&code_challenge=${challenge}&code_challenge_method=S256`);
		await page.waitForSelector('#oauth-deny');
		await page.click('#oauth-deny');
		const u = await waitLanded(page);
		assert(u.searchParams.get('error') === 'access_denied' && u.searchParams.get('state') === 'st-no' &&
			!u.searchParams.get('code'), 'redirect: ' + u);
	});
} finally {
	failed = tapDone();
	await browser.close();
}
process.exit(failed ? 1 : 0);
