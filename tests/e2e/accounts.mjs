// accounts.mjs: the browser journeys of issue 4 against a running server
// (tests/integration/e2e_accounts.sh starts it with real SMTP and SMS):
//   RO: J1 register -> J2 activate -> J3/J4 sign-in, 2FA pairing (QR read
//   with zbarimg, codes from oathtool) -> J5 GDPR notice + app consent ->
//   sign out -> sign in with 2FA -> J12 change password -> J13 change
//   phone (signed out) -> J12 recover password -> J14 lost phone from the
//   2FA prompt -> J14 re-pair from settings (old secret refused);
//   EN: J1 -> J4 once more with another user.
// Issue 9 and 8 in the same walk: the not-found page, the legal pages (RO
// and EN) linked from the footer and the registration form, names judged
// by the server (emoji, digit, URL refused with the field message; ş/ţ
// stored as ș/ț; 60 characters with diacritics accepted by form and API),
// the password strength meter showing the server's verdict, the GDPR
// notice enforced by the server (/shop/checkout lands on it, the order
// API answers consent_pending), the account language (registration,
// settings), recovery reopened after the SMS. English: J1 -> J4, then
// the account erased from Settings (the list of what is kept), sign-in
// refused.
// Env: PC_URL, E2E_MAIL_DIR, E2E_SMS_DIR, E2E_SHOTS. TAP output.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
	tapOk, tapSkip, tapDone, Mailbox, SmsLog, totp, totpOld, decodeQr, shots, sleep, until, Steps } from './lib.mjs';

const URL0 = process.env.PC_URL || 'http://127.0.0.1:8080';
const SHOTS = process.env.E2E_SHOTS || path.join(path.dirname(new URL(import.meta.url).pathname), 'screenshots');
const mail = new Mailbox(process.env.E2E_MAIL_DIR || '/tmp/e2e-mail');
const sms = new SmsLog(process.env.E2E_SMS_DIR || '/tmp/e2e-sms');
const TMP = fs.mkdtempSync('/tmp/pecete-e2e-');

const stamp = Date.now().toString(36);
const PW1 = 'Ceai verde cu lamaie 2026!';
const PW2 = 'Munte, mare si delta 77';
const PW3 = 'Toamna tarzie pe Olt 1911';

// A step of the suite: prints ok/not ok; later steps of a journey are
// skipped once one failed (they depend on it).
const S = new Steps(SHOTS, '');
const step = (what, fn) => S.step(what, fn);
function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}

// Does the server have this API route? (404/405: not yet.)
async function hasRoute(method, p) {
	const r = await fetch(URL0 + '/api/v1' + p, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
	return r.status !== 404 && r.status !== 405;
}

async function shot(page, name) {
	await page.waitForLoadState('networkidle').catch(() => null);
	await shots(page, SHOTS, name);
}

async function path0(page) {
	return new URL(page.url()).pathname;
}

// The UI's strings (web/i18n), as the server serves them.
const STR = {};
async function strings(lang) {
	if (!STR[lang])
		STR[lang] = await (await fetch(`${URL0}/i18n/${lang}.json`)).json();
	return STR[lang];
}

// A JSON API call from inside the page: its cookies, its CSRF token.
async function pageApi(page, method, p, body) {
	return page.evaluate(async ([m, u, b]) => {
		const s = await (await fetch('/api/v1/session')).json();
		const r = await fetch('/api/v1' + u, {
			method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
			body: b === null ? undefined : JSON.stringify(b),
		});
		let data = null;
		try {
			data = await r.json();
		} catch (e) { /* not JSON */ }
		return { status: r.status, data };
	}, [method, p, body === undefined ? null : body]);
}

// With the GDPR notice pending: the app's pages land on the notice and
// the server refuses the order API (403 consent_pending).
async function consentEnforced(page) {
	await page.goto(URL0 + '/shop/checkout');
	await page.waitForURL((u) => u.pathname === '/gdpr', { timeout: 15000 });
	await page.waitForSelector('#gdpr-text');
	const post = await pageApi(page, 'POST', '/shop/orders', { package: 'pecete1', invoice: {} });
	assert(post.status === 403 && post.data.error.code === 'consent_pending',
	    'POST /shop/orders with the notice pending: ' + JSON.stringify(post));
	const get = await pageApi(page, 'GET', '/shop/orders');
	assert(get.status === 403 && get.data.error.code === 'consent_pending',
	    'GET /shop/orders with the notice pending: ' + JSON.stringify(get));
	const s = await pageApi(page, 'GET', '/session');
	assert(s.data.state === 'full' && s.data.next === 'gdpr_notice', 'session: ' + JSON.stringify(s.data));
}

// After sign-in (or pairing), answer the screens the server asks for
// until home: 2FA offer (configure now), pairing, GDPR, app consent.
async function untilHome(page, user, opts = {}) {
	const end = Date.now() + 60000;
	for (let i = 0; i < 8 && Date.now() < end;) {
		await page.waitForSelector('main:not([aria-busy]) h1', { timeout: 15000 });
		const p = await path0(page);
		if (p === '/home')
			return;
		if (p === '/signin') {
			// Still signing in: wait for the next page, or report the error.
			const st = await page.evaluate(() => ['si-status', 'si-totp-status', 'si-totp-err']
			    .map((id) => (document.getElementById(id) || {}).textContent || '').join(''));
			if (st)
				throw new Error('sign-in refused: ' + st);
			await sleep(200);
			continue;
		}
		i++;
		if (p === '/2fa') {
			await shot(page, `${opts.lang}-2fa-offer`);
			await page.click('#tf-configure');
			await page.waitForURL('**/pair');
		} else if (p === '/pair') {
			await pairFlow(page, user, opts.lang, { reloads: opts.lang === 'en' });
		} else if (p === '/gdpr') {
			if (opts.consentCheck) {
				opts.consentCheck = false;
				await consentEnforced(page);
			}
			await page.waitForSelector('#gdpr-accept');
			assert(await page.isDisabled('#gdpr-accept'), 'GDPR button enabled before scrolling');
			await shot(page, `${opts.lang}-gdpr`);
			await page.$eval('#gdpr-text', (el) => { el.scrollTop = el.scrollHeight; });
			await page.waitForSelector('#gdpr-accept:not([disabled])', { timeout: 5000 });
			await page.click('#gdpr-accept');
			await page.waitForURL((u) => u.pathname !== '/gdpr');
		} else if (p === '/consent') {
			await shot(page, `${opts.lang}-consent`);
			await page.click('#consent-allow');
			await page.waitForURL((u) => u.pathname !== '/consent');
		} else {
			throw new Error('unexpected page ' + p);
		}
	}
	throw new Error('did not reach /home');
}

// J4 / J14: SMS code, "installed" box, QR (screenshot -> zbarimg), confirm.
async function pairFlow(page, user, lang, opts = {}) {
	await page.waitForSelector('#pair-sms', { timeout: 15000 });
	const code = await sms.code(user.phone);
	await shot(page, `${lang}-pair-sms`);
	const sent = () => sms.lines().filter((l) => (l.body || {}).to === user.phone).length;
	if (opts.reloads) {
		// A reload while the SMS code is valid sends no other SMS and says
		// when a new code can be asked for.
		const before = sent();
		await page.reload();
		await page.waitForSelector('#pair-sms');
		assert(await page.isVisible('#pair-sms-resend-line') && await page.isHidden('#pair-sms-resend'),
		    'reloaded SMS step: no "new code in" timer, or resend offered');
		await sleep(1000);
		assert(sent() === before, 'a reload of the pairing page sent another SMS');
	}
	await page.fill('#pair-sms', code);
	// The box is required: without it the page refuses before the server.
	await page.click('#pair-sms-submit');
	await page.waitForSelector('#pair-installed-err:not(:empty)');
	await page.check('#pair-installed');
	await page.click('#pair-sms-submit');
	await page.waitForSelector('#pair-qr', { timeout: 15000 });
	for (let i = 0; i < 50 && !(await page.$eval('#pair-qr', (im) => im.complete && im.naturalWidth > 0)); i++)
		await sleep(100);
	await shot(page, `${lang}-pair-qr`);
	const png = path.join(TMP, `qr-${Date.now()}.png`);
	await page.locator('#pair-qr').screenshot({ path: png });
	const uri = decodeQr(png);
	assert(uri.startsWith('otpauth://totp/'), 'QR is not an otpauth URI: ' + uri);
	const q = new URL(uri).searchParams;
	const secret = q.get('secret');
	assert(secret && /^[A-Z2-7]+=*$/.test(secret), 'no base32 secret in the QR');
	assert(q.get('issuer') === 'Pecete', 'issuer is not Pecete');
	const shown = (await page.textContent('#pair-secret')).replace(/\s/g, '');
	assert(shown === secret, 'secret text differs from the QR');
	const href = await page.getAttribute('#pair-save', 'href');
	assert(href && href.startsWith('data:image/png'), 'no "save to device" PNG link');
	user.oldSecret = user.secret;
	user.secret = secret;
	if (opts.reloads) {
		// A reload after the QR asks for the app's code (no new SMS).
		const before = sent();
		await page.reload();
		await page.waitForSelector('#pair-resume');
		assert(!(await page.$('#pair-qr')) && !(await page.$('#pair-secret')), 'the QR or key shown twice');
		assert(sent() === before, 'a reload after the QR sent another SMS');
		await shot(page, `${lang}-pair-resume`);
	}
	await page.fill('#pair-code', await totp(secret));
	await page.click('#pair-confirm');
	await page.waitForURL((u) => u.pathname !== '/pair', { timeout: 15000 });
}

async function signIn(page, user, lang) {
	await page.goto(URL0 + '/signin');
	await page.waitForSelector('#si-email');
	await page.fill('#si-email', user.email);
	await page.fill('#si-password', user.password);
	await page.click('#si-submit');
	if (user.secret) {
		await page.waitForSelector('#si-totp');
		await page.fill('#si-totp', await totp(user.secret));
		await page.click('#si-totp-submit');
	}
	await untilHome(page, user, { lang });
}

async function signOut(page) {
	await page.click('#account-menu-btn');
	await page.click('#menu-signout');
	await page.waitForURL('**/signin');
}

// The strength meter of the password form shows the server's verdict
// (POST /api/v1/password/strength, asked here too) for a weak and a
// strong password.
async function strengthMeter(page, user, lang) {
	const S = await strings(lang);
	const words = { email: user.email, given_name: user.stored.split(' ')[0], surname: user.stored.split(' ').slice(1).join(' ') };
	for (const pw of ['password1234', user.password]) {
		const v = (await pageApi(page, 'POST', '/password/strength', { password: pw, ...words })).data;
		assert(v && typeof v.score === 'number', 'strength API: ' + JSON.stringify(v));
		assert(v.ok === (pw === user.password), `the server says ok=${v.ok} for "${pw}"`);
		await page.fill('#act-pw', pw);
		await until(page, (w) => {
			const el = document.getElementById('pw-strength');
			return el && !el.hidden && el.dataset.score === String(w.score) && el.dataset.ok === String(w.ok) &&
			    el.dataset.code === (w.code || '');
		}, v);
		const meter = await page.getAttribute('#pw-meter', 'value');
		assert(Number(meter) === v.score, `meter ${meter}, server ${v.score}`);
		const said = await page.textContent('#pw-verdict');
		const want = v.ok ? S['pw.strength_ok'] : S['err.' + v.code];
		assert(said.includes(want) && said.includes(S['pw.score' + v.score]), `verdict "${said}" lacks "${want}"`);
		if (!v.ok)
			await shot(page, `${lang}-password-weak`);
	}
}

// Names: the server judges (name_invalid, with the field), the form
// shows its field message and counts characters, not bytes.
async function names(page) {
	const S = await strings('ro');
	const fillRest = async (email) => {
		await page.fill('#reg-email', email);
		await page.selectOption('#reg-phone-cc', '+40');
		await page.fill('#reg-phone', '72' + String(Date.now()).slice(-7));
		await page.check('#reg-consent');
	};
	const submit = async () => {
		const resp = page.waitForResponse((r) => r.url().endsWith('/api/v1/register') && r.request().method() === 'POST');
		await page.click('#reg-submit');
		const r = await resp;
		return { status: r.status(), body: await r.json().catch(() => null) };
	};
	await step('ro: names with an emoji, a digit or a link are refused by the server, its message next to the field', async () => {
		await page.goto(URL0 + '/register');
		await page.waitForSelector('#reg-given');
		await fillRest(`refused.${stamp}@example.ro`);
		for (const [sel, value, member] of [['#reg-given', 'Ana \u{1F600}', 'given_name'],
			['#reg-surname', 'Popescu2', 'surname'], ['#reg-given', 'Ana https://x.example', 'given_name']]) {
			await page.fill('#reg-given', 'Ana');
			await page.fill('#reg-surname', 'Popescu');
			await page.fill(sel, value);
			const r = await submit();
			assert(r.status === 400 && r.body.error.code === 'name_invalid' && r.body.error.field === member,
			    `"${value}": HTTP ${r.status} ${JSON.stringify(r.body)}`);
			await page.waitForSelector(`${sel}-err:not(:empty)`);
			assert((await page.textContent(`${sel}-err`)) === S['err.name_invalid'], 'field message: ' + await page.textContent(`${sel}-err`));
			assert(await page.getAttribute(sel, 'aria-invalid') === 'true', 'field not marked');
			assert(!(await page.$('#reg-done')), 'accepted');
		}
		await shot(page, 'ro-register-name-refused');
	});
	await step('ro: a 60-character name with diacritics is accepted by the form and by the API (61 refused)', async () => {
		const long = 'Brâncoveanu-Ștefănescu Țăranu Îndrăzneață Mănăstireanu Ăâîșț';
		assert([...long].length === 60 && Buffer.byteLength(long) > 60, 'the test name is not 60 characters: ' + [...long].length);
		await page.fill('#reg-given', 'Ioana');
		await page.fill('#reg-surname', long);
		await page.waitForSelector('#reg-surname-count:not(.over)');
		const count = await page.textContent('#reg-surname-count');
		assert(count.includes('60'), 'counter ' + count);
		await fillRest(`long.${stamp}@example.ro`);
		const r = await submit();
		assert(r.status === 202, `form: HTTP ${r.status} ${JSON.stringify(r.body)}`);
		await page.waitForSelector('#reg-done');
		const api = async (surname, email) => pageApi(page, 'POST', '/register', {
			given_name: 'Ioana', surname, email, phone: '+4072' + String(Date.now()).slice(-7), privacy_consent: true, lang: 'ro',
		});
		const a = await api(long, `long2.${stamp}@example.ro`);
		assert(a.status === 202, `API, 60: HTTP ${a.status} ${JSON.stringify(a.data)}`);
		const b = await api(long + 'ă', `long3.${stamp}@example.ro`);
		assert(b.status === 400 && b.data.error.code === 'name_invalid' && b.data.error.field === 'surname',
		    `API, 61: HTTP ${b.status} ${JSON.stringify(b.data)}`);
	});
}

// J1 + J2 + J3/J4/J5 for a new user, in the page's language.
async function onboard(page, user, lang) {
	await step(`${lang}: J1 register page and submit`, async () => {
		await page.goto(URL0 + '/register');
		await page.waitForSelector('#reg-given');
		const htmlLang = await page.getAttribute('html', 'lang');
		assert(htmlLang === lang, `html lang is ${htmlLang}`);
		await shot(page, `${lang}-register`);
		// Errors next to the fields: submit empty first.
		await page.click('#reg-submit');
		await page.waitForSelector('#reg-given-err:not(:empty)');
		const described = await page.getAttribute('#reg-given', 'aria-describedby');
		assert(described.includes('reg-given-err'), 'error not tied to the field');
		assert(await page.inputValue('#reg-lang') === lang, 'the account language does not default to the page\'s');
		await page.fill('#reg-given', user.given);
		// Editing a field clears its error.
		const stale = await page.textContent('#reg-given-err');
		assert(stale === '', `error still shown after editing: ${stale}`);
		assert(await page.getAttribute('#reg-given', 'aria-invalid') === null,
		    'field still marked invalid after editing');
		await page.fill('#reg-surname', user.surname);
		await page.fill('#reg-email', user.email);
		await page.selectOption('#reg-phone-cc', '+40');
		await page.fill('#reg-phone', user.phone.slice(3));
		await page.check('#reg-consent');
		await shot(page, `${lang}-register-filled`);
		await page.click('#reg-submit');
		await page.waitForSelector('#reg-done');
		await shot(page, `${lang}-register-sent`);
	});
	let link;
	await step(`${lang}: J1 invitation e-mail with a single-use link arrives by SMTP`, async () => {
		const m = await mail.wait(user.email, /(https?:\/\/[^\s"<>]+\/activate#[A-Za-z0-9_\-.~%]+)/);
		link = m.match[1];
	});
	await step(`${lang}: J2 activation: data, phone, SMS code, password`, async () => {
		await page.goto(link);
		await page.waitForSelector('#act-phone');
		const email = await page.textContent('#act-email');
		assert(email.includes(user.email), 'activation page shows another e-mail');
		const name = await page.textContent('#act-name');
		assert(name === user.stored, `the name is stored as "${name}", not "${user.stored}"`);
		await shot(page, `${lang}-activate`);
		await page.fill('#act-phone', user.phone.slice(3));
		await page.click('#act-phone-submit');
		await page.waitForSelector('#act-code');
		const timer = await page.textContent('#act-code-timer');
		assert(/^(09|10):\d\d$/.test(timer), 'countdown is not ~10 min: ' + timer);
		assert(await page.isHidden('#act-code-resend'), 'resend shown before expiry');
		await shot(page, `${lang}-activate-code`);
		const code = await sms.code(user.phone);
		await page.fill('#act-code', code === '000000' ? '111111' : '000000');
		await page.click('#act-code-submit');
		await page.waitForSelector('#act-code-err:not(:empty)');
		await page.fill('#act-code', code);
		await page.click('#act-code-submit');
		await page.waitForSelector('#act-pw');
		await page.fill('#act-pw', 'short');
		await page.waitForSelector('#rule-len.unmet');
		await strengthMeter(page, user, lang);
		await page.fill('#act-pw', user.password);
		await page.fill('#act-pw2', user.password);
		await page.waitForSelector('#rule-len.met');
		await page.waitForSelector('#rule-match.met');
		await shot(page, `${lang}-activate-password`);
		await page.click('#act-submit');
		await page.waitForURL('**/signin**');
		await page.waitForSelector('#flash');
		await shot(page, `${lang}-signin`);
	});
	await step(`${lang}: J3 sign-in -> J4 pairing (QR via zbarimg, oathtool) -> J5 GDPR + consent${lang === 'ro' ? ' (the notice enforced by the server first)' : ' (pairing page reloaded at the SMS and after the QR: no new SMS, resumed)'}`, async () => {
		await page.fill('#si-email', user.email);
		await page.fill('#si-password', user.password);
		await page.click('#si-submit');
		await untilHome(page, user, { lang, consentCheck: lang === 'ro' });
		assert(user.secret, 'no TOTP secret was paired');
		const s = (await pageApi(page, 'GET', '/session')).data;
		assert(s.user.given_name + ' ' + s.user.surname === user.stored, 'session name ' + JSON.stringify(s.user));
		assert(s.user.lang === lang, `the account's language is ${s.user.lang}, chosen ${lang}`);
		await shot(page, `${lang}-home`);
	});
}

async function main() {
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const t0 = Date.now();
	try {
		// ---- static UI, always -----------------------------------------
		const ctx0 = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		const p0 = await ctx0.newPage();
		const errors = [];
		p0.on('pageerror', (e) => errors.push(String(e)));
		p0.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
		await step('UI: index served with the strict CSP; register page renders in Romanian', async () => {
			const r = await p0.goto(URL0 + '/register');
			const csp = r.headers()['content-security-policy'] || '';
			assert(csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'"), 'CSP: ' + csp);
			await p0.waitForSelector('#reg-given');
			assert((await p0.getAttribute('html', 'lang')) === 'ro', 'default language is not ro');
			assert((await p0.textContent('h1')).includes('cont'), 'title not Romanian');
		});
		await step('UI: language switch to English, remembered after reload', async () => {
			await p0.selectOption('#lang-select', 'en');
			await p0.waitForSelector('html[lang="en"]', { state: 'attached' });
			await p0.waitForSelector('text=Create an account');
			await p0.reload();
			await p0.waitForSelector('#reg-given');
			assert((await p0.getAttribute('html', 'lang')) === 'en', 'language not remembered');
			await p0.selectOption('#lang-select', 'ro');
			await p0.waitForSelector('html[lang="ro"]', { state: 'attached' });
		});
		await step('UI: 360 px wide without horizontal scrolling', async () => {
			await p0.setViewportSize({ width: 360, height: 740 });
			for (const u of ['/register', '/signin', '/recover']) {
				await p0.goto(URL0 + u);
				await p0.waitForSelector('main h1');
				const w = await p0.evaluate(() => document.documentElement.scrollWidth);
				assert(w <= 360, `${u} is ${w}px wide`);
			}
			await p0.setViewportSize({ width: 1280, height: 900 });
		});
		const hasSession = await hasRoute('GET', '/session');
		if (!hasSession) {
			await step('UI: sign-in and recovery pages render', async () => {
				await p0.goto(URL0 + '/signin');
				await p0.waitForSelector('#si-email');
				await shot(p0, 'ro-signin');
				await p0.goto(URL0 + '/recover');
				await p0.waitForSelector('#rc-email');
				await shot(p0, 'ro-recover');
				await p0.goto(URL0 + '/register');
				await p0.waitForSelector('#reg-given');
				await shot(p0, 'ro-register');
			});
		}
		await step('UI: an unknown address shows the not-found page (RO and EN), not the server\'s JSON', async () => {
			for (const [lang, u] of [['ro', '/nu/exista'], ['en', '/no-such-page']]) {
				await p0.selectOption('#lang-select', lang);
				await p0.waitForSelector(`html[lang="${lang}"]`, { state: 'attached' });
				const r = await p0.goto(URL0 + u);
				assert(r.status() === 200 && (r.headers()['content-type'] || '').startsWith('text/html'),
				    `${u}: HTTP ${r.status()} ${r.headers()['content-type']}`);
				await p0.waitForSelector('#not-found h1');
				const S = await strings(lang);
				assert((await p0.textContent('#not-found h1')) === S['nf.title'], 'title');
				assert((await p0.textContent('#nf-path')) === u, 'the page does not name the address');
				assert(await p0.getAttribute('#nf-home', 'href') === '/', 'no way back');
				assert((await p0.title()).startsWith(S['nf.title']), 'document title ' + await p0.title());
				await shot(p0, `${lang}-not-found`);
			}
			await p0.selectOption('#lang-select', 'ro');
			await p0.waitForSelector('html[lang="ro"]', { state: 'attached' });
		});
		await step('legal: privacy notice, terms and conditions of sale exist in RO and EN, linked from the footer and the registration form', async () => {
			for (const lang of ['ro', 'en']) {
				const L = await (await fetch(`${URL0}/api/v1/legal?lang=${lang}`)).json();
				const docs = Object.fromEntries(L.documents.map((d) => [d.doc, d]));
				for (const doc of ['privacy', 'terms', 'shop']) {
					const d = docs[doc];
					assert(d && /^\d{4}-\d{2}-\d{2}$/.test(d.version), `${lang} ${doc}: ${JSON.stringify(d)}`);
					assert(d.html === `/legal/${doc}?lang=${lang}`, `${doc} page address ${d.html}`);
					const r = await fetch(URL0 + d.html);
					const html = await r.text();
					assert(r.status === 200 && html.includes(d.title) && html.includes(d.version) &&
					    html.includes(`lang="${lang}"`), `${d.html}: HTTP ${r.status}, title/version/lang missing`);
					const pdf = await fetch(URL0 + d.pdf);
					assert(pdf.status === 200 && (pdf.headers.get('content-type') || '').startsWith('application/pdf'), d.pdf);
				}
				await p0.goto(URL0 + '/register');
				await p0.selectOption('#lang-select', lang);
				await p0.waitForSelector(`html[lang="${lang}"]`, { state: 'attached' });
				// The page and the footer are built again in the language.
				await p0.waitForSelector(`#reg-privacy-link[href="${docs.privacy.html}"]`);
				await p0.waitForSelector(`#foot-privacy[href="${docs.privacy.html}"]`);
				for (const doc of ['privacy', 'terms', 'shop'])
					assert(await p0.getAttribute('#foot-' + doc, 'href') === docs[doc].html, `footer ${doc} link`);
				assert((await p0.textContent('#foot-terms')) === docs.terms.title, 'footer link text is not the title');
				assert(await p0.getAttribute('#reg-privacy-link', 'href') === docs.privacy.html, 'registration link');
				assert((await p0.textContent('label[for=reg-consent]')).includes(docs.privacy.version), 'the version is not named');
				for (const a of ['#foot-anpc-sal', '#foot-anpc-sol'])
					assert(/^https:\/\//.test(await p0.getAttribute(a, 'href')), a);
			}
			await p0.selectOption('#lang-select', 'ro');
			await p0.waitForSelector('html[lang="ro"]', { state: 'attached' });
		});
		await step('UI: no JavaScript errors', async () => {
			assert(errors.filter((e) => !/status of 404/.test(e)).length === 0, errors.join('; '));
		});
		await ctx0.close();

		const need = {
			J1J2: hasSession && await hasRoute('POST', '/register') && await hasRoute('POST', '/activation/x/phone'),
			J4: await hasRoute('POST', '/totp/pairing/verify'),
			J5: await hasRoute('GET', '/consents'),
			J12: await hasRoute('POST', '/account/password') && await hasRoute('POST', '/recovery'),
			J13: await hasRoute('POST', '/account/phone/email-code'),
		};
		if (!need.J1J2 || !need.J4 || !need.J5) {
			const miss = Object.entries(need).filter(([, v]) => !v).map(([k]) => k).join(' ');
			for (const j of ['RO J1-J5', 'RO 2FA sign-in', 'J12', 'J13', 'J14', 'EN J1-J4'])
				tapSkip(j, `backend API not there yet (${miss})`);
			return;
		}

		// ---- Romanian: the whole path ----------------------------------
		S.broken = null;
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO' });
		const page = await ctx.newPage();
		page.setDefaultTimeout(20000);
		S.page = page;
		// Typed with the cedilla letters; stored with the comma below.
		const ro = {
			given: '\u015etefan', surname: '\u0162u\u0163ea', stored: '\u0218tefan \u021au\u021bea',
			email: `stefan.${stamp}@example.ro`,
			phone: '+4072' + String(Date.now()).slice(-7), password: PW1,
		};
		mail.skipAll();
		sms.skipAll();
		await names(page);
		S.broken = null;	// the journey does not depend on the name checks
		await onboard(page, ro, 'ro');
		await step('ro: sign out from the account menu', async () => {
			await shot(page, 'ro-menu');
			await signOut(page);
		});
		await step('ro: J4 sign-in with 2FA code (fresh time step)', async () => {
			await page.fill('#si-email', ro.email);
			await page.fill('#si-password', ro.password);
			await page.click('#si-submit');
			await page.waitForSelector('#si-totp');
			await shot(page, 'ro-signin-2fa');
			await page.fill('#si-totp', await totp(ro.secret));
			await page.click('#si-totp-submit');
			await untilHome(page, ro, { lang: 'ro' });
		});
		await step('ro: settings list the consents with version and time', async () => {
			await page.click('#account-menu-btn');
			await page.click('#menu-settings');
			await page.waitForSelector('#set-consents');
			const rows = await page.$$eval('#set-consents tbody tr', (r) => r.length);
			assert(rows >= 2, `only ${rows} consents listed`);
			await shot(page, 'ro-settings');
		});
		await step('ro: the account language changed in settings (e-mails, documents; the UI follows), and back', async () => {
			for (const lang of ['en', 'ro']) {
				await page.selectOption('#set-lang', lang);
				// The page is drawn again in the new language: mark this one
				// and wait for the new select, or the next choice lands on
				// the old one.
				await page.$eval('#set-lang', (el) => { el.dataset.old = '1'; });
				await page.click('#set-lang-save');
				await page.waitForSelector(`html[lang="${lang}"]`, { state: 'attached' });
				await page.waitForSelector('main:not([aria-busy]) #set-lang:not([data-old])');
				const s = (await pageApi(page, 'GET', '/session')).data;
				assert(s.user.lang === lang, `account language ${s.user.lang} after choosing ${lang}`);
				assert(await page.inputValue('#set-lang') === lang, 'the setting shows another language');
			}
			assert(await page.$('#menu-totp'), '"Reset TOTP" not offered to a user with 2FA');
		});
		// The order spares TOTP codes (one 30-s step each): J13 and the
		// recovery end signed out, the lost-phone reset signs in with a new
		// secret, the re-pair with another.
		if (need.J12 && need.J13) {
			await step('ro: J12 change password (wrong current refused, then changed)', async () => {
				await page.goto(URL0 + '/password');
				await page.waitForSelector('#cp-current');
				await shot(page, 'ro-change-password');
				await page.fill('#cp-current', 'not the password at all');
				await page.fill('#cp-pw', PW2);
				await page.fill('#cp-pw2', PW2);
				await page.click('#cp-submit');
				await page.waitForSelector('#cp-current-err:not(:empty)');
				await page.fill('#cp-current', ro.password);
				await page.click('#cp-submit');
				await page.waitForSelector('#cp-done');
				ro.password = PW2;
			});
			await step('ro: J13 change phone (e-mail code -> new number -> SMS code, page reloaded: resumed -> pop-up -> signed out; confirmation e-mail)', async () => {
				await page.goto(URL0 + '/phone');
				await page.waitForSelector('#ph-send-email');
				await shot(page, 'ro-phone');
				await page.click('#ph-send-email');
				await page.waitForSelector('#ph-ecode');
				const m = await mail.wait(ro.email, /\b(\d{6})\b/);
				await page.fill('#ph-ecode', m.match[1]);
				await page.click('#ph-ecode-submit');
				await page.waitForSelector('#ph-phone');
				await shot(page, 'ro-phone-new');
				const newPhone = '+4073' + String(Date.now()).slice(-7);
				await page.fill('#ph-phone', newPhone.slice(3));
				await page.click('#ph-send-sms');
				await page.waitForSelector('#ph-scode');
				const code = await sms.code(newPhone);
				// Reloaded at the SMS step: the page resumes there (no new code).
				await page.reload();
				await page.waitForSelector('#ph-scode');
				assert(/^0[45]:\d\d$/.test(await page.textContent('#ph-scode-timer')), 'reloaded: no code countdown');
				await page.fill('#ph-scode', code);
				await page.click('#ph-scode-submit');
				await page.waitForSelector('#dialog-ok');
				await shot(page, 'ro-phone-dialog');
				await page.click('#dialog-ok');
				await page.waitForURL('**/signin**');
				ro.phone = newPhone;
				await mail.wait(ro.email, /./);
			});
			await step('ro: J12 recover password (e-mail link -> SMS code, page reopened after the SMS -> code works -> new password)', async () => {
				await page.click('#si-forgot');
				await page.waitForSelector('#rc-email');
				await shot(page, 'ro-recover');
				await page.fill('#rc-email', ro.email);
				await page.click('#rc-submit');
				await page.waitForSelector('#rc-sent');
				const m = await mail.wait(ro.email, /(https?:\/\/[^\s"<>]+\/recover#[A-Za-z0-9_\-.~%]+)/);
				await page.goto(m.match[1]);
				await page.waitForSelector('#rc-send-sms');
				await page.click('#rc-send-sms');
				await page.waitForSelector('#rc-code');
				// Reopened after the SMS: the code field is there, with its
				// timer and when a new code may be asked for.
				await page.reload();
				await page.waitForSelector('#rc-code');
				assert(!(await page.$('#rc-send-sms')), 'reopened: "send the code" offered again');
				const timer = await page.textContent('#rc-code-timer');
				assert(/^(09|10):\d\d$/.test(timer), 'reopened: code countdown ' + timer);
				assert(await page.isHidden('#rc-code-resend'), 'reopened: resend offered before it is allowed');
				assert(/^\d\d:\d\d$/.test(await page.textContent('#rc-code-resend-timer')) && await page.isVisible('#rc-code-resend-line'),
				    'reopened: no "new code in" timer');
				await shot(page, 'ro-recover-code');
				await page.fill('#rc-code', await sms.code(ro.phone));
				await page.click('#rc-code-submit');
				await page.waitForSelector('#rc-pw');
				await page.fill('#rc-pw', PW3);
				await page.fill('#rc-pw2', PW3);
				await page.click('#rc-submit');
				await page.waitForURL('**/signin**');
				ro.password = PW3;
			});
		} else {
			tapSkip('J12, J13', 'backend API not there yet');
		}
		// ---- J14 ----
		await step('ro: J14 lost phone, from the 2FA prompt (with the recovered password): e-mail code -> SMS code -> new QR', async () => {
			// Signed out by the recovery: the new password, then the 2FA
			// prompt's "lost phone".
			await page.waitForSelector('#si-email');
			await page.fill('#si-email', ro.email);
			await page.fill('#si-password', ro.password);
			await page.click('#si-submit');
			await page.waitForSelector('#si-totp-reset');
			await page.click('#si-totp-reset');
			await page.waitForSelector('#tz-send');
			await shot(page, 'ro-totp-lost');
			await page.click('#tz-send');
			await page.waitForSelector('#tz-code');
			const m = await mail.wait(ro.email, /\b(\d{6})\b/);
			await page.fill('#tz-code', m.match[1]);
			await page.click('#tz-code-submit');
			await page.waitForURL('**/pair');
			await pairFlow(page, ro, 'ro');
			await untilHome(page, ro, { lang: 'ro' });
		});
		await step('ro: J14 re-pair from settings; the old secret stops working', async () => {
			await page.click('#account-menu-btn');
			await page.click('#menu-totp');
			await page.waitForSelector('#tr-start');
			await shot(page, 'ro-totp-reset');
			await page.click('#tr-start');
			await page.waitForURL('**/pair');
			await pairFlow(page, ro, 'ro');
			await untilHome(page, ro, { lang: 'ro' });
			await signOut(page);
			await page.fill('#si-email', ro.email);
			await page.fill('#si-password', ro.password);
			await page.click('#si-submit');
			await page.waitForSelector('#si-totp');
			await page.fill('#si-totp', await totpOld(ro.oldSecret, ro.secret));
			await page.click('#si-totp-submit');
			await page.waitForSelector('#si-totp-err:not(:empty)');
			await page.fill('#si-totp', await totp(ro.secret));
			await page.click('#si-totp-submit');
			await untilHome(page, ro, { lang: 'ro' });
		});
		await ctx.close();

		// ---- English: J1 -> J4 ---------------------------------------------
		S.broken = null;
		const ctxEn = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
		const pe = await ctxEn.newPage();
		pe.setDefaultTimeout(20000);
		S.page = pe;
		await pe.goto(URL0 + '/signin');
		await pe.waitForSelector('#lang-select');
		await pe.selectOption('#lang-select', 'en');
		await pe.waitForSelector('html[lang="en"]', { state: 'attached' });
		const en = {
			given: 'Andrew', surname: 'Smithson', stored: 'Andrew Smithson', email: `andrew.${stamp}@example.org`,
			phone: '+4074' + String(Date.now()).slice(-7), password: 'Blue kettle over green hills 9',
		};
		await onboard(pe, en, 'en');
		await step('en: erasure from Settings (GDPR art. 17): password and code, then what is kept; sign-in refused', async () => {
			await pe.click('#account-menu-btn');
			await pe.click('#menu-settings');
			await pe.waitForSelector('#set-erase-form');
			await pe.fill('#set-erase-password', en.password);
			await pe.fill('#set-erase-code', await totp(en.secret));
			await pe.click('#set-erase-go');
			await pe.waitForSelector('#set-erase-confirm-err:not(:empty)');
			await pe.check('#set-erase-confirm');
			await pe.fill('#set-erase-code', await totp(en.secret));
			await pe.click('#set-erase-go');
			await pe.waitForSelector('#set-erased');
			const kept = await pe.$$eval('#set-kept li', (l) => l.map((x) => x.dataset.what));
			assert(kept.includes('audit log entries') && !kept.includes('certificate'), 'kept: ' + kept.join(', '));
			await shot(pe, 'en-erased');
			await pe.goto(URL0 + '/signin');
			await pe.waitForSelector('#si-email');
			await pe.fill('#si-email', en.email);
			await pe.fill('#si-password', en.password);
			await pe.click('#si-submit');
			await pe.waitForSelector('#si-status:not(:empty), #si-password-err:not(:empty), #si-email-err:not(:empty)');
			assert(!(await pe.$('#si-totp')), 'the erased account reached the code step');
		});
		await ctxEn.close();
	} finally {
		await browser.close();
		fs.rmSync(TMP, { recursive: true, force: true });
		console.log(`# suite took ${Math.round((Date.now() - t0) / 1000)} s`);
	}
}

main().then(() => process.exit(tapDone() ? 1 : 0), (e) => {
	console.log('not ok - suite crashed: ' + (e && e.stack || e));
	tapDone();
	process.exit(1);
});
