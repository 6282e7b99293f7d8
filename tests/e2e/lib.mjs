// lib.mjs: helpers of the browser suite: TAP output, the maildir written
// by tests/support/smtp-sink.sh, the SMS log of sms-receiver.py, TOTP
// codes (oathtool) and QR decoding (zbarimg), screenshots at two widths.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

let n = 0;
let failed = 0;
export function tapOk(ok, what, extra) {
	n++;
	if (!ok)
		failed++;
	console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}${extra ? ' # ' + extra : ''}`);
}
export function tapSkip(what, why) {
	n++;
	console.log(`ok ${n} - ${what} # SKIP ${why}`);
}
export function tapDone() {
	console.log(`1..${n}`);
	console.log(`# ${n - failed} passed, ${failed} failed`);
	return failed;
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Wait until fn(arg), evaluated in the page, is true. (waitForFunction
// evaluates a string, which the app's CSP refuses: no 'unsafe-eval'.)
export async function until(page, fn, arg, timeoutMs = 10000) {
	const end = Date.now() + timeoutMs;
	for (;;) {
		if (await page.evaluate(fn, arg))
			return;
		if (Date.now() > end)
			throw new Error('timed out waiting for ' + String(fn).slice(0, 120));
		await sleep(100);
	}
}

// ---- e-mail --------------------------------------------------------------
function decodeQP(s) {
	const bytes = [];
	const t = s.replace(/=\r?\n/g, '');
	for (let i = 0; i < t.length; i++) {
		if (t[i] === '=' && /^[0-9A-F]{2}$/i.test(t.slice(i + 1, i + 3))) {
			bytes.push(parseInt(t.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(...Buffer.from(t[i], 'utf8'));
		}
	}
	return Buffer.from(bytes).toString('utf8');
}
function splitHead(raw) {
	const i = raw.search(/\r?\n\r?\n/);
	const head = i < 0 ? raw : raw.slice(0, i);
	const body = i < 0 ? '' : raw.slice(i).replace(/^\r?\n\r?\n/, '');
	const headers = {};
	for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
		const m = /^([^:]+):\s*(.*)$/.exec(line);
		if (m)
			headers[m[1].toLowerCase()] = m[2];
	}
	return { headers, body };
}
function decodeWords(s) {
	return (s || '').replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (m, cs, enc, txt) =>
	    enc.toUpperCase() === 'B' ? Buffer.from(txt, 'base64').toString('utf8')
		: decodeQP(txt.replace(/_/g, ' ')));
}
// All text parts of a message, decoded.
function texts(raw) {
	const { headers, body } = splitHead(raw);
	const ct = headers['content-type'] || 'text/plain';
	const m = /boundary="?([^";]+)"?/i.exec(ct);
	if (/^multipart\//i.test(ct) && m) {
		const parts = body.split('--' + m[1]).slice(1);
		return parts.filter((p) => !p.startsWith('--')).flatMap((p) => texts(p.replace(/^\r?\n/, '')));
	}
	const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
	let text = body;
	if (cte === 'base64')
		text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	else if (cte === 'quoted-printable')
		text = decodeQP(body);
	return [{ type: ct.split(';')[0].trim().toLowerCase(), text }];
}

// The MIME parts of a message (nested multiparts flattened), raw bodies.
export function mimeParts(raw) {
	const { headers, body } = splitHead(raw);
	const ct = headers['content-type'] || 'text/plain';
	const b = /boundary="?([^";]+)"?/i.exec(ct);
	if (/^multipart\//i.test(ct) && b) {
		return body.split('--' + b[1]).slice(1).filter((p) => !p.startsWith('--'))
		    .flatMap((p) => mimeParts(p.replace(/^\r?\n/, '')));
	}
	return [{ headers, type: ct.split(';')[0].trim().toLowerCase(), body }];
}

// Every message to `to` in the maildir, oldest first: {file, subject,
// text, html, attachments: [{name, type, buf}]}.
export function messagesTo(dir, to) {
	const d = path.join(dir, 'maildir', 'new');
	let files = [];
	try {
		files = fs.readdirSync(d).sort();
	} catch (e) {
		return [];
	}
	const out = [];
	for (const f of files) {
		const raw = fs.readFileSync(path.join(d, f), 'latin1');
		const { headers } = splitHead(raw);
		if (!(headers.to || '').toLowerCase().includes(to.toLowerCase()))
			continue;
		const m = { file: f, subject: decodeWords(headers.subject), text: '', html: '', attachments: [] };
		for (const p of mimeParts(raw)) {
			const disp = (p.headers['content-disposition'] || '') + ';' + (p.headers['content-type'] || '');
			const name = /name="?([^";]+)"?/i.exec(disp);
			const cte = (p.headers['content-transfer-encoding'] || '').toLowerCase();
			const bytes = cte === 'base64' ? Buffer.from(p.body.replace(/\s+/g, ''), 'base64')
			    : cte === 'quoted-printable' ? Buffer.from(decodeQP(p.body), 'utf8')
				: Buffer.from(p.body, 'latin1');
			if (name || /^attachment/i.test(p.headers['content-disposition'] || ''))
				m.attachments.push({ name: name ? name[1] : 'part', type: p.type, buf: bytes });
			else if (p.type === 'text/plain')
				m.text += bytes.toString('utf8');
			else if (p.type === 'text/html')
				m.html += bytes.toString('utf8');
		}
		out.push(m);
	}
	return out;
}

// The text of a PDF, by pdftotext (poppler).
export function pdfText(buf, tmpDir) {
	const f = path.join(tmpDir, `pdf-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.pdf`);
	fs.writeFileSync(f, buf);
	try {
		return execFileSync('pdftotext', ['-layout', f, '-'], { encoding: 'utf8' });
	} finally {
		fs.rmSync(f, { force: true });
	}
}

export class Mailbox {
	constructor(dir) {
		this.dir = path.join(dir, 'maildir', 'new');
		this.seen = new Set();
	}
	list() {
		try {
			return fs.readdirSync(this.dir).sort();
		} catch (e) {
			return [];
		}
	}
	// Wait for a new message to `to` whose text matches re. Returns
	// {subject, text, html, match}.
	async wait(to, re, timeoutMs = 30000) {
		const end = Date.now() + timeoutMs;
		while (Date.now() < end) {
			for (const f of this.list()) {
				if (this.seen.has(f))
					continue;
				const raw = fs.readFileSync(path.join(this.dir, f), 'utf8');
				const { headers } = splitHead(raw);
				if (!(headers.to || '').toLowerCase().includes(to.toLowerCase()))
					continue;
				const parts = texts(raw);
				const plain = parts.filter((p) => p.type === 'text/plain').map((p) => p.text).join('\n');
				const html = parts.filter((p) => p.type === 'text/html').map((p) => p.text).join('\n');
				const m = re.exec(plain) || re.exec(html);
				if (!m)
					continue;
				this.seen.add(f);
				return { subject: decodeWords(headers.subject), text: plain, html, match: m };
			}
			await sleep(200);
		}
		throw new Error(`no e-mail to ${to} matching ${re} within ${timeoutMs} ms`);
	}
	// Mark everything present as seen (older mail must not match later).
	skipAll() {
		for (const f of this.list())
			this.seen.add(f);
	}
}

// ---- SMS ------------------------------------------------------------------
export class SmsLog {
	constructor(dir) {
		this.file = path.join(dir, 'sms.log');
		this.used = 0;
	}
	lines() {
		try {
			return fs.readFileSync(this.file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
		} catch (e) {
			return [];
		}
	}
	// Wait for a new SMS to `to` with a 6-digit code; returns the code.
	async code(to, timeoutMs = 30000) {
		const end = Date.now() + timeoutMs;
		while (Date.now() < end) {
			const all = this.lines();
			for (let i = this.used; i < all.length; i++) {
				const b = all[i].body || {};
				if (b.to !== to)
					continue;
				const m = /\b(\d{6})\b/.exec(b.text || '');
				if (m) {
					this.used = i + 1;
					return m[1];
				}
			}
			await sleep(200);
		}
		throw new Error(`no SMS to ${to} within ${timeoutMs} ms`);
	}
	skipAll() {
		this.used = this.lines().length;
	}
}

// ---- TOTP and QR ------------------------------------------------------------
const lastStep = new Map();
// A code for secret in a time step not used before for it (replay is
// refused). The server accepts the steps next to the current one (window
// +-1), so after a step was used the next one is taken at once; only a
// third use within one 30-s step waits for the next step.
async function freeStep(secret) {
	for (;;) {
		const now = Date.now() / 1000;
		const cur = Math.floor(now / 30);
		const last = lastStep.get(secret) ?? -1;
		if (cur > last && now % 30 < 27)
			return cur;
		if (cur + 1 > last)
			return cur + 1;
		await sleep(500);
	}
}
function codeAt(secret, step) {
	return execFileSync('oathtool', ['--totp', '-b', '-N', '@' + step * 30, secret], { encoding: 'utf8' }).trim();
}
export async function totp(secret) {
	const step = await freeStep(secret);
	lastStep.set(secret, step);
	return codeAt(secret, step);
}
// The code of an old secret for the step the current one would use next:
// a code the server would take (in time, not a replay) if the old secret
// still counted. The step stays free for the current secret.
export async function totpOld(oldSecret, curSecret) {
	return codeAt(oldSecret, await freeStep(curSecret));
}
// Every used step, of any secret, advances: sign-in with a secret just
// used for pairing must wait too.
// The last step used for secret in this process (0: none): handed to
// another suite that goes on with the same authenticator.
export function usedStep(secret) {
	return lastStep.get(secret) || 0;
}
export function markUsed(secret) {
	lastStep.set(secret, Math.floor(Date.now() / 1000 / 30));
}

export function decodeQr(pngFile) {
	return execFileSync('zbarimg', ['-q', '--raw', pngFile],
	    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

// ---- screenshots -----------------------------------------------------------
export async function shots(page, dir, name) {
	fs.mkdirSync(dir, { recursive: true });
	const vp = page.viewportSize();
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.screenshot({ path: path.join(dir, `${name}-1280.png`), fullPage: true });
	await page.setViewportSize({ width: 360, height: 740 });
	await page.screenshot({ path: path.join(dir, `${name}-360.png`), fullPage: true });
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	await page.setViewportSize(vp);
	if (w > 360)
		throw new Error(`page ${name} is ${w} px wide at 360 px`);
}

// ---- the JSON API from node (a cookie jar, the CSRF token) ----------------------
export class Client {
	constructor(base) {
		this.base = base;
		this.jar = new Map();
		this.csrf = '';
	}
	cookieHeader() {
		return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
	}
	// The session's cookies for a browser context (context.addCookies).
	cookies() {
		return [...this.jar].map(([name, value]) => ({ name, value, url: this.base }));
	}
	// body: a value sent as JSON, or a Buffer sent as raw bytes.
	async raw(method, p, body) {
		const headers = { Accept: 'application/json', Cookie: this.cookieHeader() };
		if (method !== 'GET')
			headers['X-CSRF-Token'] = this.csrf;
		const bytes = Buffer.isBuffer(body);
		if (body !== undefined)
			headers['Content-Type'] = bytes ? 'application/octet-stream' : 'application/json';
		const r = await fetch(this.base + p, {
			method, headers, redirect: 'manual',
			body: body === undefined ? undefined : bytes ? body : JSON.stringify(body),
		});
		for (const c of r.headers.getSetCookie()) {
			const m = /^([^=]+)=([^;]*)/.exec(c);
			if (m)
				this.jar.set(m[1], m[2]);
		}
		const ct = r.headers.get('content-type') || '';
		const data = ct.startsWith('application/json') ? await r.json() : Buffer.from(await r.arrayBuffer());
		if (data && data.csrf)
			this.csrf = data.csrf;
		return { status: r.status, data, type: ct };
	}
	async call(method, p, body, want) {
		if (!this.csrf && method !== 'GET')
			await this.raw('GET', '/api/v1/session');
		const r = await this.raw(method, p, body);
		if (want && !want.includes(r.status))
			throw new Error(`${method} ${p}: HTTP ${r.status} ${JSON.stringify(r.data).slice(0, 300)}`);
		return r;
	}
}

// Register, activate, sign in, pair TOTP (or put it off), consents: a
// fully signed-in user u {given, surname, email, phone, pw, lang}; with
// pair, u.secret is the authenticator's key. o: {mail: Mailbox, sms:
// SmsLog, pair}.
export async function makeUser(c, u, o) {
	const fail = (msg) => {
		throw new Error(msg);
	};
	await c.call('GET', '/api/v1/session', undefined, [200]);
	await c.call('POST', '/api/v1/register', {
		given_name: u.given, surname: u.surname, email: u.email, phone: u.phone,
		privacy_consent: true, lang: u.lang,
	}, [202]);
	const inv = await o.mail.wait(u.email, /\/activate#([0-9a-f]{64})/);
	const tok = inv.match[1];
	await c.call('POST', `/api/v1/activation/${tok}/phone`, { phone: u.phone }, [200]);
	const code = await o.sms.code(u.phone);
	await c.call('POST', `/api/v1/activation/${tok}/code`, { code }, [200]);
	await c.call('POST', `/api/v1/activation/${tok}/password`, { password: u.pw, password_confirm: u.pw }, [200]);
	await c.call('POST', '/api/v1/session', { email: u.email, password: u.pw }, [200]);
	if (o.pair !== false)
		await pairApi(c, u, o.sms);
	else
		await c.call('POST', '/api/v1/session/twofa-defer', { mode: 'never' }, [200]);
	const cons = await c.call('GET', '/api/v1/consents', undefined, [200]);
	for (const r of cons.data.required || [])
		await c.call('POST', '/api/v1/consents', { kind: r.kind, version: r.version }, [201]);
	const s = await c.call('GET', '/api/v1/session', undefined, [200]);
	if (!(s.data.state === 'full' && !s.data.next))
		fail('session not full: ' + JSON.stringify(s.data));
	if (s.data.user.lang !== u.lang)
		fail('account language ' + s.data.user.lang);
}

// Pair an authenticator in c's session (the session then counts as
// signed in with TOTP); sets u.secret.
export async function pairApi(c, u, sms) {
	await c.call('POST', '/api/v1/totp/pairing', {}, [200]);
	const psms = await sms.code(u.phone);
	const v = await c.call('POST', '/api/v1/totp/pairing/verify', { code: psms, installed: true }, [200]);
	u.secret = v.data.secret;
	await c.call('POST', '/api/v1/totp/pairing/confirm', { code: await totp(u.secret) }, [200]);
}

// TOTP codes for a server whose clock is the offset in a libfaketime clock
// file ("+Ns"), as the shell tests run it: each code is of a step newer
// than any used before (from lastStep); when that step is still ahead of
// the server, the file moves the server's clock on to it. The last step is
// also written to stepFile (when given) for the shell to go on from.
export class ServerClock {
	constructor(file, lastStep, stepFile) {
		this.file = file;
		this.lastStep = Number(lastStep) || 0;
		this.stepFile = stepFile;
	}
	ahead() {
		return Number(fs.readFileSync(this.file, 'utf8').replace(/[^0-9-]/g, '')) || 0;
	}
	code(secret) {
		let off = this.ahead();
		let step = Math.floor((Date.now() / 1000 + off) / 30);
		if (step <= this.lastStep) {
			off += (this.lastStep - step + 1) * 30;
			fs.writeFileSync(this.file, `+${off}s\n`);
			step = this.lastStep + 1;
		}
		this.lastStep = step;
		if (this.stepFile)
			fs.writeFileSync(this.stepFile, String(step));
		return codeAt(secret, step);
	}
}

// The steps of a browser suite: one TAP line each with its time; after a
// failed step the next ones are skipped (until broken is cleared, between
// independent journeys); the current page (page) is saved as
// <shots>/FAIL-<prefix><n>.png when a step fails.
export class Steps {
	constructor(shots, prefix = '') {
		this.shots = shots;
		this.prefix = prefix;
		this.broken = null;
		this.page = null;
		this.fails = 0;
	}
	async step(what, fn) {
		if (this.broken) {
			tapSkip(what, `after failure of "${this.broken}"`);
			return undefined;
		}
		const t0 = Date.now();
		try {
			const r = await fn();
			tapOk(true, what, `${((Date.now() - t0) / 1000).toFixed(1)} s`);
			return r;
		} catch (e) {
			tapOk(false, what);
			console.log('  # ' + String(e && e.stack || e).split('\n').slice(0, 4).join('\n  # '));
			this.broken = what;
			if (this.page)
				await this.page.screenshot({ path: path.join(this.shots, `FAIL-${this.prefix}${++this.fails}.png`),
					fullPage: true }).catch(() => null);
			return undefined;
		}
	}
}

export function assert(c, msg) {
	if (!c)
		throw new Error(msg);
}

// Debian's Chromium, headless, quiet (no updates, sync or QUIC).
export async function launchChromium() {
	const { chromium } = await import('playwright-core');
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
}

// A desktop page (1280 x 900, ro-RO) in a new context of browser, its
// script errors logged, the steps' page (S.page) for their screenshots;
// setup(ctx), when given, runs first (routes).
export async function desktopPage(browser, S, setup) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO' });
	if (setup)
		await setup(ctx);
	const page = await ctx.newPage();
	page.on('pageerror', (e) => console.log('  # page error: ' + e.message));
	if (S)
		S.page = page;
	return { ctx, page };
}

// Sign in on /signin with a password, then the TOTP code code() gives
// (called when the code field is there); ends on /home, the page drawn.
export async function signInUi(page, url, email, pw, code) {
	const ready = () => page.waitForSelector('main:not([aria-busy]) h1', { timeout: 30000 });
	await page.goto(url + '/signin');
	await ready();
	await page.fill('#si-email', email);
	await page.fill('#si-password', pw);
	await page.click('#si-submit');
	await page.waitForSelector('#si-totp');
	await page.fill('#si-totp', code());
	await page.click('#si-totp-submit');
	await page.waitForURL(/\/home$/, { timeout: 15000 });
	await ready();
}
