// renew.mjs: the browser journey of the renewal (J10, issue 14) against a
// server tests/integration/e2e_renew.sh runs under libfaketime (its clock
// offset in E2E_CLOCK: TOTP codes are made for the server's time, and a
// step already used moves that clock on, as the shell tests do).
// E2E_PHASE=before (10 days before ana's end): ana's banner, the privacy
// notice, a package paid with the sandbox card, the form (field errors
// from the server and the page), the terms signed with TOTP (the PDF
// downloaded, pdfsig: valid, signed by ana); the operator
// (a second browser context) approves ana's request and rejects rita's
// with a reason; rita's banner shows it, "start again" goes to the form
// with the same order. E2E_PHASE=after (3 days before the end, the
// renewals job ran): ana's home shows the new certificate and no banner;
// she downloads it from Settings (E2E_TMP/new.pem, judged by openssl in
// the shell); a signature is made with it; the e-mails of the SMTP server.
// TAP output; a failed step breaks the rest of its journey.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { tapOk, tapSkip, tapDone, Mailbox, until, shots, ServerClock, Steps } from './lib.mjs';

const E = process.env;
const URL0 = E.PC_URL;
const PHASE = E.E2E_PHASE;
const SHOTS = E.E2E_SHOTS;
const TMP = E.E2E_TMP;
const CLOCK = E.E2E_CLOCK;
const mail = new Mailbox(E.E2E_MAIL_DIR);
const ANA = { email: 'ana.rn@example.ro', secret: E.E2E_ANA_SECRET };
const RITA = { email: 'rita.rn@example.ro', secret: E.E2E_RITA_SECRET };
const OP = { email: 'op.rn@example.ro', secret: E.E2E_OP_SECRET };
const END = Number(E.E2E_END);	// ana's certificate's end (epoch s)
const REASON = 'Fotografia actului este neclară';
const CARD_OK = '4111 1111 1111 1111';

function assert(c, msg) {
	if (!c)
		throw new Error(msg);
}

// ---- the server's clock and TOTP codes -------------------------------------------------
const clock = new ServerClock(CLOCK, E.E2E_LAST_STEP, path.join(TMP, 'last_step'));
const code = (secret) => clock.code(secret);
const day = (epoch) => new Date(epoch * 1000).toISOString().slice(0, 10);

// ---- steps -------------------------------------------------------------------------
const S = new Steps(SHOTS, `${PHASE}-`);
const step = (what, fn) => S.step(what, fn);
function journey(name) {
	S.broken = null;
	console.log('# ' + name);
}
async function shot(page, name) {
	await page.screenshot({ path: path.join(SHOTS, `${PHASE}-${name}.png`), fullPage: true });
}

// ---- browser helpers -------------------------------------------------------------------
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
async function ready(page) {
	await page.waitForSelector('main:not([aria-busy]) h1', { timeout: 30000 });
}
async function text(page, sel) {
	return ((await page.textContent(sel, { timeout: 10000 })) || '').trim();
}
// A new context signed in as u through the sign-in page (password, TOTP).
async function signIn(u) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO', acceptDownloads: true });
	const page = await ctx.newPage();
	page.on('pageerror', (e) => console.log('  # page error: ' + e.message));
	S.page = page;
	await page.goto(URL0 + '/signin');
	await ready(page);
	await page.fill('#si-email', u.email);
	await page.fill('#si-password', E.E2E_PW);
	await page.click('#si-submit');
	await page.waitForSelector('#si-totp');
	await page.fill('#si-totp', code(u.secret));
	await page.click('#si-totp-submit');
	await page.waitForURL(/\/home$/, { timeout: 15000 });
	await ready(page);
	return [ctx, page];
}
async function fillDoc(page, expiry) {
	await page.selectOption('#ren-doc-type', 'ro_id_card');
	await page.fill('#ren-doc-series', 'CJ');
	await page.fill('#ren-doc-number', '654321');
	await page.fill('#ren-doc-issued', '2025-06-01');
	await page.fill('#ren-doc-expiry', expiry);
	await page.fill('#ren-doc-issuer', 'SPCLEP Cluj-Napoca');
}
// The form sent; wait for the field's error from the server.
async function fieldErr(page, id) {
	await page.click('#ren-register');
	await until(page, (sel) => (document.querySelector(sel) || {}).textContent, `#${id}-err`, 15000);
	return text(page, `#${id}-err`);
}
// The terms, the code, "sent".
async function signTerms(page, u) {
	await page.waitForSelector('#ren-terms-continue', { timeout: 15000 });
	assert(await page.$('#ren-terms-link'), 'a link to the terms');
	await page.click('#ren-terms-continue');
	await page.fill('#ren-code', code(u.secret));
	await page.click('#ren-code-submit');
	await page.waitForSelector('#ren-sent', { timeout: 15000 });
}

let failed = 0;
try {
	if (PHASE === 'before') {
		let ana, anaCtx, op, opCtx, rita, ritaCtx;
		journey('J10 ana: banner, privacy notice, payment, form, terms');
		await step('signed in 10 days before the end: the banner with the end date and "start the process"', async () => {
			[anaCtx, ana] = await signIn(ANA);
			await ana.waitForSelector('#renew-banner[data-state=open]', { timeout: 10000 });
			const s = await text(ana, '#renew-banner-text');
			const end = new Date(END * 1000);
			assert(s.includes(String(end.getFullYear())) && /expiră/.test(s), 'banner text: ' + s);
			await shots(ana, SHOTS, PHASE + '-banner');
			// On another page too.
			await ana.goto(URL0 + '/shop');
			await ready(ana);
			await ana.waitForSelector('#renew-banner[data-state=open]');
		});
		await step('"start the process": the privacy notice, confirmed -> the packages', async () => {
			await ana.click('#renew-banner-go');
			await ana.waitForURL(/\/renew$/);
			await ana.waitForSelector('#ren-gdpr-confirm');
			assert(await ana.$('#ren-gdpr-link'), 'a link to the privacy notice');
			assert(!(await ana.$('#renew-banner')), 'no banner on the renewal page itself');
			await shot(ana, 'gdpr');
			await ana.click('#ren-gdpr-confirm');
			await ana.waitForSelector('#ren-pkg-pecete2');
			await shot(ana, 'packages');
		});
		await step('pecete2 through the checkout, the sandbox card -> the return page leads back to the renewal', async () => {
			await ana.click('#ren-pkg-pecete2');
			await ana.waitForURL(/\/shop\/checkout\?package=pecete2/);
			await ana.waitForSelector('#co-q-ron', { timeout: 15000 });
			for (const id of ['#co-terms', '#co-conditions', '#co-withdrawal'])
				await ana.check(id);
			await ana.check('#co-kind-person');
			await ana.waitForSelector('#co-person-dialog[open]');
			await ana.click('#co-person-yes');
			await ana.waitForSelector('#co-address:not([hidden])');
			await ana.fill('#co-county', 'Cluj');
			await ana.fill('#co-town', 'Cluj-Napoca');
			await ana.fill('#co-street', 'Strada Memorandumului');
			await ana.fill('#co-number', '28');
			await ana.fill('#co-building', 'A');
			await ana.fill('#co-entrance', '2');
			await ana.fill('#co-apartment', '14');
			await ana.fill('#co-postal', '400114');
			await ana.click('#co-pay');
			await ana.waitForURL(/\/sandbox\/pay\//, { timeout: 15000 });
			await ana.fill('input[name=card]:not([type=hidden])', CARD_OK);
			await ana.click('form button[type=submit]');
			await ana.waitForURL(/\/shop\/return\?/, { timeout: 15000 });
			await ana.waitForSelector('#ret-renew', { timeout: 20000 });
			assert(!(await ana.$('#ret-identify')), 'a renewal needs no video identification');
			await shot(ana, 'paid');
			await ana.click('#ret-renew');
			await ana.waitForURL(/\/renew$/);
			await ana.waitForSelector('#ren-form');
		});
		await step('the form: her data read-only (name, CNP, phone, e-mail, country)', async () => {
			assert(await text(ana, '#ren-id-cnp') === '2900101410011', 'CNP');
			assert(await text(ana, '#ren-id-email') === ANA.email, 'e-mail');
			assert(await text(ana, '#ren-id-country') === 'RO', 'country');
			assert(await text(ana, '#ren-id-phone') === '+40722000902', 'phone');
			assert(!(await ana.$('#ren-identity input')), 'no input among her data');
			await shots(ana, SHOTS, PHASE + '-form');	// also: nothing wider than 360 px
		});
		await step('a document ending the day before the new start: the server\'s error at the expiry date', async () => {
			await fillDoc(ana, day(END - 4 * 86400));
			await ana.setInputFiles('#ren-photo', E.E2E_JPEG);
			const err = await fieldErr(ana, 'ren-doc-expiry');
			assert(/valabil/.test(err), 'expiry error: ' + err);
			assert(await ana.getAttribute('#ren-doc-expiry', 'aria-invalid') === 'true', 'the field is marked invalid');
			await shot(ana, 'doc-expired');
		});
		await step('a disguised photo (text named .jpg): the server\'s error at the photo', async () => {
			await ana.fill('#ren-doc-expiry', '2035-01-01');
			await ana.setInputFiles('#ren-photo', E.E2E_FAKE);
			const err = await fieldErr(ana, 'ren-photo');
			assert(/JPEG, PNG sau PDF/.test(err), 'photo error: ' + err);
		});
		await step('a photo over 3 MB: refused at the field before sending', async () => {
			await ana.setInputFiles('#ren-photo', E.E2E_BIG);
			const err = await fieldErr(ana, 'ren-photo');
			assert(/3 MB/.test(err), 'photo error: ' + err);
		});
		await step('a JPEG -> "register" -> the terms signed with the TOTP code -> "request sent for approval"', async () => {
			await ana.setInputFiles('#ren-photo', E.E2E_JPEG);
			await ana.click('#ren-register');
			await shot(ana, 'terms').catch(() => null);
			await signTerms(ana, ANA);
			await shot(ana, 'sent');
			// The terms she signed with her current certificate.
			const [dl] = await Promise.all([ana.waitForEvent('download', { timeout: 30000 }), ana.click('#ren-terms-pdf')]);
			const f = path.join(TMP, 'renewal-terms.pdf');
			await dl.saveAs(f);
			const ps = execFileSync('pdfsig', [f]).toString();
			assert(/Signature is Valid/.test(ps) && /CN=Ana|Ana /.test(ps), 'the signed terms (pdfsig): ' + ps);
			await ana.click('#ren-ok');
			await ana.waitForURL(/\/home$/);
			await ana.waitForSelector('#renew-banner[data-state=checking]', { timeout: 10000 });
			await shot(ana, 'banner-checking');
			// The renewal's order is not one to identify for.
			assert(!(await ana.$('#home-idv')), 'home offers no video identification for the renewal\'s order');
			assert(/reînnoire/.test(await text(ana, '#home-next')), 'home: the order pays for the renewal: ' + await text(ana, '#home-next'));
			await anaCtx.close();
		});

		journey('the operator: approve ana, reject rita (RA console, second context)');
		await step('operator signed in with TOTP: the renewal requests waiting', async () => {
			[opCtx, op] = await signIn(OP);
			await op.goto(URL0 + '/ra');
			await ready(op);
			await op.click('#ra-renewals-link');
			await op.waitForSelector('#rr-count');
			const n = await op.$$eval('#rr-rows tr', (r) => r.length);
			assert(n === 2, `two requests waiting, got ${n}`);
			await shot(op, 'ra-list');
		});
		// The request waiting with the document number given (the list's row).
		const openFor = async (number) => {
			await op.goto(URL0 + '/ra/renewals');
			await op.waitForSelector('#rr-count');
			const id = await op.$$eval('#rr-rows tr', (rows, n) => {
				const r = rows.find((x) => x.textContent.includes(n));
				return r ? r.id.replace(/^rr-row-/, '') : null;
			}, number);
			assert(id, 'no request waiting with document ' + number);
			return id;
		};
		await step('ana\'s request beside her current identity and the photo; approved', async () => {
			const id = await openFor('654321');
			await op.click('#rr-open-' + id);
			await op.waitForSelector('#rr-compare');
			assert(await text(op, '#rr-cur-cnp') === '2900101410011', 'current CNP');
			assert(await text(op, '#rr-cur-number') === '123456', 'current document number');
			assert(await text(op, '#rr-req-number') === '654321', 'new document number');
			await until(op, () => {
				const i = document.querySelector('#rr-photo');
				return i && i.complete && i.naturalWidth === 320 && i.naturalHeight === 200;
			});
			await shot(op, 'ra-request');
			await op.click('#rr-approve');
			await op.click('#dialog-confirm');
			await op.waitForSelector('#rr-done');
			assert(await text(op, '#rr-state-now') === 'Aprobată', 'state after approval');
		});
		await step('ana is e-mailed the approval with the issuance day (SMTP)', async () => {
			await mail.wait(ANA.email, new RegExp('aprobată[\\s\\S]*' + day(END - 3 * 86400)), 20000);
		});
		await step('rita\'s request rejected with a reason (required)', async () => {
			const id = await openFor('777888');
			await op.goto(URL0 + '/ra/renewals/' + id);
			await op.waitForSelector('#rr-reject');
			await op.click('#rr-reject');
			assert((await text(op, '#rr-reason-err')).length > 0, 'a reason is asked for');
			await op.fill('#rr-reason', REASON);
			await op.click('#rr-reject');
			await op.waitForSelector('#rr-done');
			assert(await text(op, '#rr-reason-now') === REASON, 'the reason kept');
			await mail.wait(RITA.email, new RegExp(REASON), 20000);
			await opCtx.close();
		});

		journey('J10 rita: the reason in the banner, start again without paying twice');
		await step('the banner shows the reason and "start again"', async () => {
			[ritaCtx, rita] = await signIn(RITA);
			await rita.waitForSelector('#renew-banner[data-state=rejected]');
			assert(await text(rita, '#renew-banner-reason') === REASON, 'the reason in the banner');
			assert(!(await rita.$('#home-idv')), 'no video identification offered for the renewal\'s order');
			assert(await rita.$('#home-renew'), 'home: continue the renewal with the paid order');
			await shot(rita, 'banner-rejected');
		});
		await step('"start again" -> the form at once (the paid order used again), prefilled -> sent', async () => {
			const seen = [];
			rita.on('framenavigated', (f) => seen.push(f.url()));
			await rita.click('#renew-banner-go');
			await rita.waitForSelector('#ren-form');
			assert(await rita.$('#ren-rejected'), 'the reason on the form');
			assert(await rita.inputValue('#ren-doc-number') === '777888', 'the previous document number');
			assert(!(await rita.$('#ren-pkg-pecete1')), 'no package to buy again');
			await rita.setInputFiles('#ren-photo', E.E2E_JPEG);
			await rita.click('#ren-register');
			await signTerms(rita, RITA);
			assert(!seen.some((u) => /checkout|sandbox/.test(u)), 'no payment page: ' + seen.join(' '));
			await rita.click('#ren-ok');
			await rita.waitForSelector('#renew-banner[data-state=checking]');
		});
	} else {
		let ana, anaCtx, rita, ritaCtx;
		journey('J10 after the renewals job (3 days before the end)');
		await step('ana: no banner; home shows the new certificate\'s end', async () => {
			[anaCtx, ana] = await signIn(ANA);
			await ana.waitForSelector('#home-sign-until');
			assert(!(await ana.$('#renew-banner')), 'no banner after the renewal');
			const iss = await ana.evaluate(async () => (await fetch('/api/v1/issuance')).json());
			assert(iss.certificate.sign_serial === E.E2E_NEW, 'issuance shows the new serial: ' + JSON.stringify(iss.certificate));
			assert(new Date(iss.not_after).getTime() / 1000 > END + 365 * 86400, 'the new end is two years on: ' + iss.not_after);
			assert(iss.transactions_left === 398, 'the new package\'s quota (400 - the terms\' 2): ' + iss.transactions_left);
			await shot(ana, 'home-renewed');
		});
		await step('Settings: the new certificate downloaded (PEM with the chain)', async () => {
			await ana.goto(URL0 + '/settings');
			await ready(ana);
			const [dl] = await Promise.all([ana.waitForEvent('download'), ana.click('#set-cert-pem-' + E.E2E_NEW)]);
			await dl.saveAs(path.join(TMP, 'new.pem'));
			assert(/BEGIN CERTIFICATE/.test(fs.readFileSync(path.join(TMP, 'new.pem'), 'utf8')), 'a PEM');
			assert(await ana.$('#set-cert-' + E.E2E_ANA_OLD), 'the old one still listed');
		});
		await step('"Sign documents": the page names the new certificate, a file signed with it', async () => {
			await ana.goto(URL0 + '/home');
			await ready(ana);
			await ana.click('#home-sign-go');
			await ana.waitForURL('**/sign');
			await ana.waitForSelector('#sign-drop');
			await ana.setInputFiles('#sign-input', E.E2E_TXT);
			await ana.waitForSelector('#sign-file-0');
			await ana.click('#sign-continue');
			await ana.waitForSelector('#sign-code');
			assert(await text(ana, '#sign-cert-serial') === E.E2E_NEW, 'the certificate that signs: ' + await text(ana, '#sign-cert-serial'));
			await ana.fill('#sign-code', code(ANA.secret));
			await ana.click('#sign-code-submit');
			await ana.waitForSelector('#sign-done', { timeout: 30000 });
			await shot(ana, 'signed');
		});
		await step('ana is e-mailed the new certificate (SMTP)', async () => {
			await mail.wait(ANA.email, new RegExp(E.E2E_NEW), 20000);
		});
		await step('rita: refunded, e-mailed; no banner any more', async () => {
			await mail.wait(RITA.email, /returnat/, 20000);
			[ritaCtx, rita] = await signIn(RITA);
			await ready(rita);
			assert(!(await rita.$('#renew-banner')), 'no banner once the window closed');
		});
	}
} finally {
	failed = tapDone();
	await browser.close();
}
process.exit(failed ? 1 : 0);
