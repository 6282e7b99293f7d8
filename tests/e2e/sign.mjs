// sign.mjs: the browser journeys J8 (issuance at sign-in) and J9 (signing
// in the browser) of issue 13 against a running server
// (tests/integration/e2e_journey.sh starts it with real SMTP, the SMS
// receiver, the sandbox payment provider, and its clock in a file this
// test moves forward):
//   the user idv.mjs made in the browser (registered, paid, identified by
//   video with another phone number, accepted by an operator in the RA
//   console), read from E2E_HANDOVER: signed in with password and TOTP,
//   home leads to /issue; "associate the number?" answered yes
//   (the account's phone changes); what the certificate will say and the
//   package; the terms linked with their version; a wrong code refused
//   with its message; the right code; the wait; the certificates. Settings
//   list both certificates (DER and PEM with the chain downloaded and
//   judged by openssl) and the signed terms (pdfsig, qpdf). Home shows the
//   transactions left. Signing: three PDFs and a .docx chosen with the
//   button (the .docx's upload progress seen under a throttled network),
//   an encrypted and an XFA PDF dropped on the page (refused next to them
//   with their messages), a file added and deleted; a box drawn by mouse
//   on page 2 of the two-page PDF (mapped to PDF points), a placement the
//   server refuses shown with its message; the certificate that will sign
//   and the quota; the help hidden for good; a wrong code refused (the
//   quota shown and the server's do not move); the right code;
//   SignedFiles.zip downloaded by itself and unzipped: each PDF by pdfsig
//   and qpdf --check, the .docx.p7s by openssl cms -verify against the
//   exported chain, the box where it was drawn (pdftoppm before/after:
//   pixels change inside it only), one file downloaded alone equal to the
//   archive's; the refused files not signed; the history; a batch larger
//   than the quota refused before the code; the clock 400 days on: sign
//   in again, the expired certificate's message. Screenshots at 1280 and
//   360 px. TAP output; a missing piece FAILS its step.
// Env: E2E_HANDOVER (idv.mjs's user), PC_URL, E2E_MAIL_DIR, E2E_SMS_DIR, E2E_SHOTS, E2E_TMP (d/ is the
// server's data), E2E_FIX (the documents), E2E_PKI (pecete pki export),
// E2E_CLOCK (the server's libfaketime file), PECETE_BIN.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
	tapOk, tapSkip, tapDone, shots, until, Client, Steps } from './lib.mjs';

const URL0 = process.env.PC_URL || 'http://127.0.0.1:8080';
const HERE = path.dirname(new URL(import.meta.url).pathname);
const SHOTS = process.env.E2E_SHOTS || path.join(HERE, 'screenshots', 'sign');
const TMP = process.env.E2E_TMP || '/tmp';
const DATA = path.join(TMP, 'd');
const FIX = process.env.E2E_FIX || path.join(TMP, 'fix');
const PKI = process.env.E2E_PKI || path.join(TMP, 'pki');
const CLOCK = process.env.E2E_CLOCK || path.join(TMP, 'clock');
const OUT = path.join(TMP, 'out');
const RO = JSON.parse(fs.readFileSync(path.join(HERE, '..', '..', 'web', 'i18n', 'ro.json'), 'utf8'));
const EN = JSON.parse(fs.readFileSync(path.join(HERE, '..', '..', 'web', 'i18n', 'en.json'), 'utf8'));
fs.mkdirSync(SHOTS, { recursive: true });
fs.mkdirSync(OUT, { recursive: true });

// The user idv.mjs made and an operator accepted.
let HAND = null;
try {
	HAND = JSON.parse(fs.readFileSync(process.env.E2E_HANDOVER || path.join(TMP, 'user.json'), 'utf8'));
} catch (e) {
	tapOk(false, 'the identified user from idv.mjs (E2E_HANDOVER): ' + e.message);
	process.exit(1);
}
const USER = { email: HAND.email, pw: HAND.pw, secret: HAND.secret, phone: HAND.phone };
const IDV_PHONE = HAND.idv_phone;
const CNP = HAND.cnp;

const S = new Steps(SHOTS, 'sign-');
const step = (what, fn) => S.step(what, fn);
function journey(name) {
	console.log(`# ---- ${name}`);
}
function assert(cond, msg) {
	if (!cond)
		throw new Error(msg);
}
const ro = (k, vars) => (RO[k] || k).replace(/\{(\w+)\}/g, (m, v) => (vars && v in vars ? String(vars[v]) : m));
async function shot(page, name) {
	const main = (await page.textContent('main')) || '';
	const bad = /\b(null|undefined|NaN)\b|\{[a-z_]+\}/.exec(main);
	assert(!bad, `page ${name} shows "${bad && bad[0]}"`);
	await shots(page, SHOTS, 'sign-' + name);
}
async function ready(page) {
	await page.waitForSelector('main:not([aria-busy]) h1', { timeout: 15000 });
}
const text = async (page, sel) => ((await page.textContent(sel)) || '').trim();
const run = (cmd, args, opts) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
function sql(q) {
	return run('sqlite3', ['-cmd', '.timeout 10000', path.join(DATA, 'pecete.db'), q]).trim();
}

// ---- the server's clock and TOTP codes ------------------------------------------------
// Each code must be of a time step not used before (replay is refused).
// The server's clock is moved ahead (the libfaketime file is read at
// every call) instead of waiting for the next step.
let ahead = 0;
let lastStep = 0;
function setAhead(sec) {
	ahead = sec;
	fs.writeFileSync(CLOCK, `+${sec}s\n`);
}
function codeAt(secret, s) {
	return run('oathtool', ['--totp', '-b', '-N', '@' + s * 30, secret]).trim();
}
// A code the server takes now, of a step after every one used: the
// current step or the next (the server takes a step either side of its
// own); the clock moves ahead only when both are spent.
function freshCode(secret) {
	const now = Math.floor((Date.now() / 1000 + ahead) / 30);
	const s = Math.max(now, lastStep + 1);
	if (s > now + 1)
		setAhead(ahead + (s - now - 1) * 30);
	lastStep = s;
	return codeAt(secret, s);
}
// A code that is wrong now (not the code of any step the server accepts).
function wrongCode(secret) {
	const s = Math.floor((Date.now() / 1000 + ahead) / 30);
	const near = [s - 1, s, s + 1].map((x) => codeAt(secret, x));
	let c = Number(near[1]);
	do
		c = (c + 1) % 1000000;
	while (near.includes(String(c).padStart(6, '0')));
	return String(c).padStart(6, '0');
}

// ---- the API from node -----------------------------------------------------------------
// ---- PDFs, pictures ------------------------------------------------------------------------
function pdfsigValid(file) {
	let out;
	try {
		out = run('pdfsig', [file]);
	} catch (e) {
		out = String(e.stdout || '') + String(e.stderr || '');
	}
	return out;
}
function pgm(file) {
	const d = fs.readFileSync(file);
	// P5\nW H\n255\n then the bytes (pdftoppm writes no comments)
	let i = 0, fields = [];
	while (fields.length < 4) {
		while (/\s/.test(String.fromCharCode(d[i])))
			i++;
		let s = '';
		while (!/\s/.test(String.fromCharCode(d[i])))
			s += String.fromCharCode(d[i++]);
		fields.push(s);
	}
	return { w: Number(fields[1]), h: Number(fields[2]), px: d.subarray(i + 1) };
}
// Page p of a PDF in grey at 72 dpi (1 pixel = 1 point).
function render(pdf, p, prefix) {
	run('pdftoppm', ['-gray', '-r', '72', '-f', String(p), '-l', String(p), pdf, prefix]);
	const f = fs.readdirSync(path.dirname(prefix)).find((x) => x.startsWith(path.basename(prefix)) && x.endsWith('.pgm'));
	return pgm(path.join(path.dirname(prefix), f));
}

// ---- the suite ---------------------------------------------------------------------------------
const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const api = new Client(URL0);
let ctx, page;
let signDer = null; // the signing certificate as Settings downloads it
let iss = null;		// the issuance status after issuance
let batch = null;	// the batch signed
let box = null;		// the placement the server kept
const cspErrors = [];
const t0 = Date.now();

// A page whose script errors are printed and CSP violations collected.
async function watched(c) {
	const p = await c.newPage();
	p.on('pageerror', (e) => console.log('  # page error: ' + e.message));
	p.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
			cspErrors.push(m.text());
	});
	return p;
}

async function download(page, action) {
	const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), action()]);
	const f = path.join(OUT, dl.suggestedFilename());
	await dl.saveAs(f);
	return { name: dl.suggestedFilename(), file: f };
}

try {
	journey('the user identified in idv.mjs signs in');
	ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO', acceptDownloads: true });
	page = S.page = await watched(ctx);
	await step('sign-in in the browser (password, a fresh TOTP code): home leads to /issue, ready, asking about the video\'s number', async () => {
		await page.goto(URL0 + '/signin');
		await page.waitForSelector('#si-email');
		await page.fill('#si-email', USER.email);
		await page.fill('#si-password', USER.pw);
		await page.click('#si-submit');
		await page.waitForSelector('#si-totp');
		// The steps idv.mjs used are spent.
		lastStep = HAND.last_step || 0;
		await page.fill('#si-totp', freshCode(USER.secret));
		await page.click('#si-totp-submit');
		// The first page after this sign-in: home sends to /issue.
		await page.waitForURL('**/issue', { timeout: 20000 });
		// The API client shares the browser's session.
		for (const c of await ctx.cookies())
			api.jar.set(c.name, c.value);
		const st = (await api.call('GET', '/api/v1/issuance', undefined, [200])).data;
		assert(st.state === 'ready' && st.phone.question && st.phone.number === IDV_PHONE, 'issuance: ' + JSON.stringify(st));
	});
	if (S.broken)
		throw new Error('the identified user cannot sign in: the journeys cannot run');

	journey('J8 issuance in the browser');
	await step('the phone question first: "associate the number?" yes', async () => {
		await page.waitForSelector('#iss-phone');
		assert((await text(page, '#iss-phone-text')).includes(IDV_PHONE), 'the number asked about');
		await shot(page, 'issue-phone');
		await page.click('#iss-phone-yes');
		await page.waitForSelector('#iss-identity');
		assert(await text(page, '#iss-phone-done') === ro('iss.phone_done_yes'), 'the answer confirmed');
		const acc = (await api.call('GET', '/api/v1/account', undefined, [200])).data;
		assert(acc.phone_masked && acc.phone_masked.endsWith(IDV_PHONE.slice(-3)), 'the account\'s phone: ' + acc.phone_masked);
	});
	await step('what the certificate will say (the operator\'s identity), the package, the terms with their version', async () => {
		const st = (await api.call('GET', '/api/v1/issuance', undefined, [200])).data;
		assert(await text(page, '#iss-given') === 'Ana' && await text(page, '#iss-surname') === 'Pop', 'names');
		assert(await text(page, '#iss-cnp') === CNP, 'CNP');
		assert((await text(page, '#iss-doc')).includes('CJ 123456'), 'document: ' + await text(page, '#iss-doc'));
		assert(await text(page, '#iss-package') === st.order.package_name, 'package name');
		assert(await text(page, '#iss-years') === ro('iss.years', { n: st.order.years }), 'years');
		assert(await text(page, '#iss-transactions') === String(st.order.transactions), 'transactions');
		assert((await page.getAttribute('#iss-terms-link', 'href')).startsWith('/legal/terms'), 'terms linked');
		assert((await text(page, '#iss-terms-link')).includes(st.terms_version), 'the terms\' version ' + st.terms_version);
		await shot(page, 'issue-summary');
	});
	await step('continue: the code; a wrong code refused with its message, nothing issued', async () => {
		await page.click('#iss-continue');
		await page.waitForSelector('#iss-code');
		await shot(page, 'issue-code');
		await page.fill('#iss-code', wrongCode(USER.secret));
		await page.click('#iss-code-submit');
		await page.waitForSelector('#iss-code-err:not(:empty)', { timeout: 30000 });
		assert(await text(page, '#iss-code-err') === RO['err.totp_invalid'], 'message: ' + await text(page, '#iss-code-err'));
		assert(sql("SELECT count(*) FROM credentials") === '0', 'nothing issued');
	});
	await step('the right code: "please wait, issuing" with progress, then the certificates', async () => {
		const code = freshCode(USER.secret);
		await page.evaluate(() => {
			window.__sawWait = false;
			new MutationObserver(() => {
				if (document.getElementById('iss-wait') && document.getElementById('iss-progress'))
					window.__sawWait = true;
			}).observe(document.body, { childList: true, subtree: true });
		});
		await page.fill('#iss-code', code);
		await page.click('#iss-code-submit');
		await page.waitForSelector('#iss-done', { timeout: 90000 });
		assert(await page.evaluate(() => window.__sawWait), 'the wait with its progress bar was shown');
		iss = (await api.call('GET', '/api/v1/issuance', undefined, [200])).data;
		assert(iss.state === 'issued', 'state ' + iss.state);
		assert(await text(page, '#iss-sign-serial') === iss.certificate.sign_serial, 'signing serial shown');
		assert(await text(page, '#iss-left') === String(iss.transactions_left), 'transactions left shown');
		await shot(page, 'issue-done');
	});
	await step('Settings: both certificates; DER and PEM with the chain (openssl verify), the signed terms (pdfsig, qpdf)', async () => {
		await page.goto(URL0 + '/settings');
		await page.waitForSelector('#set-certs');
		const s = iss.certificate.sign_serial, a = iss.certificate.auth_serial;
		assert(await page.getAttribute(`#set-cert-${s}`, 'data-kind') === 'sign', 'signing certificate listed');
		assert(await page.getAttribute(`#set-cert-${a}`, 'data-kind') === 'auth', 'authentication certificate listed');
		assert((await text(page, `#set-cert-${s}`)).includes('Ana Pop'), 'subject shown');
		await shot(page, 'settings');
		const der = await download(page, () => page.click(`#set-cert-der-${s}`));
		signDer = der.file;
		const pem1 = path.join(OUT, 'sign1.pem');
		run('openssl', ['x509', '-inform', 'DER', '-in', der.file, '-out', pem1]);
		run('openssl', ['verify', '-CAfile', path.join(PKI, 'root.pem'), '-untrusted', path.join(PKI, 'issuing.pem'), pem1]);
		const subj = run('openssl', ['x509', '-in', pem1, '-noout', '-subject', '-nameopt', 'RFC2253']);
		assert(subj.includes('serialNumber=PNORO-' + CNP), 'subject: ' + subj);
		const pem = await download(page, () => page.click(`#set-cert-pem-${s}`));
		assert((fs.readFileSync(pem.file, 'utf8').match(/BEGIN CERTIFICATE/g) || []).length === 3, 'PEM with the chain: 3 certificates');
		const terms = await download(page, () => page.click('#set-terms-pdf'));
		const sig = pdfsigValid(terms.file);
		assert(/Signature Validation: Signature is Valid\./.test(sig) && /Common Name: Ana Pop/.test(sig), 'pdfsig: ' + sig.slice(0, 400));
		run('qpdf', ['--check', terms.file]);
	});
	await step('Settings: an appearance profile (OUG 140/2020) with lines and a PNG, made in the form', async () => {
		const png = path.join(OUT, 'stamp.png');
		run('python3', ['-c', 'import sys,zlib,struct\n' +
		    'c=lambda t,d: struct.pack(">I",len(d))+t+d+struct.pack(">I",zlib.crc32(t+d)&0xffffffff)\n' +
		    'raw=b"".join(b"\\0"+b"\\xff\\x00\\xff"*16 for y in range(16))\n' +
		    'open(sys.argv[1],"wb").write(b"\\x89PNG\\r\\n\\x1a\\n"+c(b"IHDR",struct.pack(">IIBBBBB",16,16,8,2,0,0,0))+c(b"IDAT",zlib.compress(raw))+c(b"IEND",b""))', png]);
		await page.waitForSelector('#set-ap-add');
		await page.fill('#set-ap-name', 'Arhitect');
		await page.fill('#set-ap-line0', 'Arhitect cu drept de semnătură');
		await page.fill('#set-ap-line1', 'Nr. TNA 1234');
		await page.setInputFiles('#set-ap-image', png);
		await page.click('#set-ap-add');
		await page.waitForSelector('#set-appearances li');
		const li = await text(page, '#set-appearances li');
		assert(li.includes('Arhitect') && li.includes('Nr. TNA 1234') && li.includes(RO['set.ap_with_image']), 'listed: ' + li);
		assert(await text(page, '#set-ap-status') === RO['set.ap_added'], await text(page, '#set-ap-status'));
		const r = (await api.call('GET', '/api/v1/appearances', undefined, [200])).data;
		assert(r.profiles.length === 1 && r.profiles[0].image && r.profiles[0].lines.length === 2, 'server: ' + JSON.stringify(r));
	});
	await step('the public registry (J16), signed out: by name and by e-mail; the DER is the one in Settings; no CNP; the CA page', async () => {
		const anon = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO', acceptDownloads: true });
		const p2 = await anon.newPage();
		try {
			const s = iss.certificate.sign_serial, a = iss.certificate.auth_serial;
			await p2.goto(URL0 + '/');
			await p2.waitForSelector('#foot-registry');
			await p2.click('#foot-registry');
			await p2.waitForSelector('#pr-q');
			await p2.fill('#pr-q', 'pop  ANA');
			await p2.click('#pr-search');
			await p2.waitForSelector(`#pr-results tr[data-serial="${s}"]`);
			assert(!await p2.$(`#pr-results tr[data-serial="${a}"]`), 'the authentication certificate is not listed');
			const row = await text(p2, `#pr-results tr[data-serial="${s}"]`);
			assert(row.includes('CN=Ana Pop') && row.includes(RO['pubreg.st_good']), 'row: ' + row);
			const body = await p2.evaluate(() => document.body.innerText);
			assert(!body.includes(CNP) && !body.includes('PNORO') && !body.includes('serialNumber'), 'no personal number on the page');
			await shot(p2, 'registry');
			const der = await download(p2, () => p2.click(`#pr-crt-${s}`));
			assert(fs.readFileSync(der.file).equals(fs.readFileSync(signDer)), 'the registry DER is the certificate of Settings');
			const pem = await download(p2, () => p2.click(`#pr-pem-${s}`));
			const pemDer = run('openssl', ['x509', '-in', pem.file, '-outform', 'DER', '-out', path.join(OUT, 'reg.der')]);
			assert(pemDer !== null && fs.readFileSync(path.join(OUT, 'reg.der')).equals(fs.readFileSync(signDer)), 'the PEM too');
			await p2.fill('#pr-q', USER.email.toUpperCase());
			await p2.click('#pr-search');
			await p2.waitForSelector(`#pr-results tr[data-serial="${s}"]`);
			await p2.fill('#pr-q', 'Nimeni Necunoscut');
			await p2.click('#pr-search');
			await p2.waitForSelector('#pr-none');
			await p2.click('#pr-ca-link');
			await p2.waitForSelector('#ca-certs');
			for (const n of ['root', 'issuing', 'tsa', 'ocsp']) {
				const fp = run('openssl', ['x509', '-in', path.join(PKI, n + '.pem'), '-noout', '-fingerprint', '-sha256'])
				    .replace(/.*=/, '').replace(/:/g, '').trim().toLowerCase();
				assert(await text(p2, '#ca-fp-' + n) === fp, n + ' fingerprint');
			}
			assert(await p2.$('#ca-crl-issuing') && await p2.$('#ca-crl-root'), 'the CRL links');
			await shot(p2, 'registry-ca');
		} finally {
			await anon.close();
		}
	});
	await step('home: the signing home with the expiry and the transactions left', async () => {
		await page.goto(URL0 + '/home');
		await page.waitForSelector('#home-sign');
		assert(await text(page, '#home-sign-left') === String(iss.transactions_left), 'left: ' + await text(page, '#home-sign-left'));
		await shot(page, 'home');
	});

	journey('J9 signing in the browser');
	const cdp = await ctx.newCDPSession(page);
	await step('"Sign documents": three PDFs and a .docx with the button; the .docx\'s upload progress', async () => {
		await page.click('#home-sign-go');
		await page.waitForURL('**/sign');
		await page.waitForSelector('#sign-drop');
		await cdp.send('Network.enable');
		await cdp.send('Network.emulateNetworkConditions', {
			offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400 * 1024,
		});
		await page.setInputFiles('#sign-input', ['contract.pdf', 'anexa.pdf', 'proces-verbal.pdf', 'raport.docx']
		    .map((n) => path.join(FIX, n)));
		// The fourth file (key 3) is the .docx: its bar moves.
		await until(page, () => {
			const p = document.getElementById('sign-up-3-progress');
			return p && p.value > 0 && p.value < p.max;
		}, undefined, 30000);
		const mid = await page.evaluate(() => document.getElementById('sign-up-3-text').textContent);
		assert(/^\d+ %$/.test(mid), 'percent shown: ' + mid);
		await page.waitForSelector('#sign-file-3', { timeout: 30000 });
		await cdp.send('Network.emulateNetworkConditions', {
			offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
		});
		for (let i = 0; i < 4; i++)
			assert(await page.getAttribute(`#sign-file-${i}`, 'data-state') === 'ready', `file ${i} ready`);
	});
	await step('an encrypted and an XFA PDF dropped on the page: refused next to them with their messages', async () => {
		const files = ['protejat.pdf', 'formular.pdf'].map((n) => ({
			name: n, b64: fs.readFileSync(path.join(FIX, n)).toString('base64'),
		}));
		const dt = await page.evaluateHandle((fs) => {
			const d = new DataTransfer();
			for (const f of fs)
				d.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'application/pdf' }));
			return d;
		}, files);
		await page.dispatchEvent('#sign-drop', 'dragenter', { dataTransfer: dt });
		await page.dispatchEvent('#sign-drop', 'drop', { dataTransfer: dt });
		await page.waitForSelector('#sign-file-5', { timeout: 20000 });
		assert(await text(page, '#sign-file-4-intake') === RO['sign.intake_pdf_encrypted'], 'encrypted: ' + await text(page, '#sign-file-4-intake'));
		assert(await text(page, '#sign-file-5-intake') === RO['sign.intake_pdf_xfa'], 'XFA: ' + await text(page, '#sign-file-5-intake'));
		assert(/token/.test(RO['sign.intake_pdf_xfa']), 'the XFA advice names the virtual token');
		assert(await page.$('#sign-place-4') === null && await page.$('#sign-place-5') === null, 'no box for a refused PDF');
	});
	await step('a file added and deleted', async () => {
		await page.setInputFiles('#sign-input', path.join(FIX, 'extra.pdf'));
		await page.waitForSelector('#sign-file-6');
		await page.click('#sign-del-6');
		await page.waitForSelector('#sign-file-6', { state: 'detached' });
		const id = await page.evaluate((k) => sessionStorage.getItem(k), 'pc_sign_batch:' +
		    (await api.call('GET', '/api/v1/session', undefined, [200])).data.user.id);
		batch = (await api.call('GET', '/api/v1/sign/batches/' + id, undefined, [200])).data;
		assert(batch.files.map((f) => f.name).join() === 'contract.pdf,anexa.pdf,proces-verbal.pdf,raport.docx,protejat.pdf,formular.pdf',
		    'the server\'s list: ' + batch.files.map((f) => f.name).join());
		assert(batch.files[3].sha256 === sha256(fs.readFileSync(path.join(FIX, 'raport.docx'))), 'the .docx arrived whole');
		await shot(page, 'files');
	});
	await step('a box drawn by mouse on page 2 of contract.pdf, kept in PDF points (origin bottom-left)', async () => {
		await page.click('#sign-place-0');
		await page.waitForSelector('#sign-surface[data-ready="true"]');
		assert(await page.$$eval('#sign-page option', (o) => o.length) === 2, 'two pages (X-Pdf-Pages)');
		await page.selectOption('#sign-page', '2');
		await until(page, () => document.getElementById('sign-surface').dataset.ready === 'true' &&
		    /2/.test(document.getElementById('sign-page-img').alt));
		// The target: x 100-300, y 100-160 points from the bottom-left of
		// 595 x 842, scrolled into the viewport first.
		let r = await page.locator('#sign-page-img').boundingBox();
		await page.evaluate((dy) => window.scrollBy(0, dy), r.y + ((842 - 160) / 842) * r.height - 400);
		r = await page.locator('#sign-page-img').boundingBox();
		const px = (x) => r.x + (x / 595) * r.width, py = (y) => r.y + ((842 - y) / 842) * r.height;
		await page.mouse.move(px(100), py(160));
		await page.mouse.down();
		await page.mouse.move(px(200), py(130), { steps: 5 });
		await page.mouse.move(px(300), py(100), { steps: 5 });
		await page.mouse.up();
		const d = await page.evaluate(() => ({ ...document.getElementById('sign-box-pts').dataset }));
		const near = (a, b) => Math.abs(Number(a) - b) <= 2;
		assert(d.page === '2' && near(d.x, 100) && near(d.y, 100) && near(d.w, 200) && near(d.h, 60), 'drawn: ' + JSON.stringify(d));
		await shot(page, 'place');
		await page.selectOption('#sign-appearance', { label: 'Arhitect' });
		await page.click('#sign-place-save');
		await page.waitForSelector('#sign-file-0-box');
		assert(await text(page, '#sign-file-0-box') === ro('sign.visible_on', { page: 2 }), 'the row says where');
		batch = (await api.call('GET', '/api/v1/sign/batches/' + batch.id, undefined, [200])).data;
		box = batch.files[0].placement;
		assert(box && box.page === 2 && near(box.x, 100) && near(box.y, 100) && near(box.w, 200) && near(box.h, 60),
		    'the server kept ' + JSON.stringify(box));
		const aps = (await api.call('GET', '/api/v1/appearances', undefined, [200])).data.profiles;
		assert(box.appearance === aps[0].id, 'with the appearance profile: ' + JSON.stringify(box));
	});
	await step('a placement the server refuses: its message shown; the file stays invisible', async () => {
		await page.click('#sign-place-1');
		await page.waitForSelector('#sign-surface[data-ready="true"]');
		await page.click('#sign-place-default');
		// The request altered on its way: a box off the page.
		await page.route('**/files/1/placement', (route) => {
			const b = JSON.parse(route.request().postData());
			route.continue({ postData: JSON.stringify({ ...b, x: 500, w: 200 }) });
		});
		await page.click('#sign-place-save');
		await page.waitForSelector('#sign-place-status:not(:empty)');
		assert(await text(page, '#sign-place-status') === RO['err.bad_placement'], 'message: ' + await text(page, '#sign-place-status'));
		await page.unroute('**/files/1/placement');
		await page.click('#sign-place-back');
		await page.waitForSelector('#sign-file-1-box');
		assert(await text(page, '#sign-file-1-box') === RO['sign.invisible'], 'still invisible');
	});
	let left0 = 0;
	await step('continue: the certificate that will sign, what is signed, the transactions needed and left, the help', async () => {
		await page.click('#sign-continue');
		await page.waitForSelector('#sign-code');
		left0 = Number(sql(`SELECT transactions_left FROM credentials WHERE serial = '${iss.certificate.sign_serial}'`));
		assert((await text(page, '#sign-cert-subject')).includes('Ana Pop'), 'subject');
		assert((await text(page, '#sign-cert-issuer')).length > 3, 'issuer');
		assert(await text(page, '#sign-cert-serial') === iss.certificate.sign_serial, 'serial');
		// B-LTA, the default: three per file (a PDF's document timestamp,
		// the .p7s's archive timestamp).
		assert(await text(page, '#sign-needed') === '12', 'needed: ' + await text(page, '#sign-needed'));
		assert(await text(page, '#sign-needed-hint') === RO['sign.needed_hint'], 'the hint says why');
		assert(await text(page, '#sign-left') === String(left0), 'left');
		assert(await page.$$eval('#sign-todo li', (l) => l.length) === 4, 'four to sign');
		assert((await text(page, '#sign-skipped')).includes('protejat.pdf'), 'refused ones listed apart');
		assert(await page.getAttribute('#sign-help', 'open') !== null, 'help open the first time');
		await shot(page, 'confirm');
		await page.check('#sign-help-hide');
	});
	await step('a wrong code: refused with its message, the quota shown and the server\'s unchanged', async () => {
		await page.fill('#sign-code', wrongCode(USER.secret));
		await page.click('#sign-code-submit');
		await page.waitForSelector('#sign-code-err:not(:empty)', { timeout: 30000 });
		assert(await text(page, '#sign-code-err') === RO['err.totp_invalid'], 'message: ' + await text(page, '#sign-code-err'));
		assert(await text(page, '#sign-left') === String(left0), 'quota shown: ' + await text(page, '#sign-left'));
		assert(sql(`SELECT transactions_left FROM credentials WHERE serial = '${iss.certificate.sign_serial}'`) === String(left0), 'quota kept');
		assert(await page.getAttribute('#sign-help', 'open') === null, 'the help stays folded once hidden');
	});
	let zip = null;
	await step('the right code (the server\'s clock moved to a fresh step): SignedFiles.zip downloads by itself', async () => {
		await page.fill('#sign-code', freshCode(USER.secret));
		const dl = page.waitForEvent('download', { timeout: 90000 });
		// Every per-file row the page shows while the pool signs.
		await page.evaluate(() => {
			window.__rows = [];
			new MutationObserver(() => {
				for (const li of document.querySelectorAll('#sign-file-progress li'))
					window.__rows.push(li.dataset.name + ':' + li.dataset.state);
			}).observe(document.body, { childList: true, subtree: true });
		});
		await page.click('#sign-code-submit');
		await page.waitForSelector('#sign-wait', { timeout: 10000 }).catch(() => null);
		const d = await dl;
		const rows = await page.evaluate(() => window.__rows);
		const names = new Set(rows.map((r) => r.split(':')[0]));
		assert(names.size === 4 && rows.every((r) => /:(pending|signing|signed)$/.test(r)),
		    'the page showed each of the 4 files with its progress: ' + [...new Set(rows)].join(' '));
		assert(d.suggestedFilename() === 'SignedFiles.zip', 'name ' + d.suggestedFilename());
		zip = path.join(OUT, 'SignedFiles.zip');
		await d.saveAs(zip);
		await page.waitForSelector('#sign-done');
		assert(sql(`SELECT transactions_left FROM credentials WHERE serial = '${iss.certificate.sign_serial}'`) === String(left0 - 12),
		    'twelve transactions taken');
		await page.waitForSelector('#sign-dl-1');
		await shot(page, 'done');
	});
	const Z = path.join(OUT, 'z');
	await step('the archive: four files; each PDF pdfsig "Signature is Valid." and qpdf --check; refused ones absent', async () => {
		run('unzip', ['-q', '-o', zip, '-d', Z]);
		const names = fs.readdirSync(Z).sort().join(' ');
		assert(names === 'anexa.pdf contract.pdf proces-verbal.pdf raport.docx.p7s', 'entries: ' + names);
		for (const n of ['contract.pdf', 'anexa.pdf', 'proces-verbal.pdf']) {
			const s = pdfsigValid(path.join(Z, n));
			assert(/Signature is Valid\./.test(s) && /ETSI\.CAdES\.detached/.test(s), `${n}: ${s.slice(0, 300)}`);
			run('qpdf', ['--check', path.join(Z, n)]);
		}
	});
	await step('raport.docx.p7s: openssl cms -verify against the exported chain, with a time-stamp', async () => {
		run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(Z, 'raport.docx.p7s'),
			'-content', path.join(FIX, 'raport.docx'), '-CAfile', path.join(PKI, 'root.pem'),
			'-certfile', path.join(PKI, 'issuing.pem'), '-purpose', 'any', '-out', '/dev/null']);
		const p = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', path.join(Z, 'raport.docx.p7s')]);
		assert(p.includes('id-smime-aa-timeStampToken'), 'B-T');
	});
	await step('the visible box is where it was drawn: page 2 changes inside it only (pdftoppm)', async () => {
		const a = render(path.join(FIX, 'contract.pdf'), 2, path.join(OUT, 'before'));
		const b = render(path.join(Z, 'contract.pdf'), 2, path.join(OUT, 'after'));
		assert(a.w === 595 && a.h === 842 && b.w === a.w, `sizes ${a.w}x${a.h} ${b.w}x${b.h}`);
		const m = 3;
		const x0 = box.x - m, x1 = box.x + box.w + m, y0 = 842 - box.y - box.h - m, y1 = 842 - box.y + m;
		let inside = 0, outside = 0;
		for (let y = 0; y < a.h; y++)
			for (let x = 0; x < a.w; x++)
				if (a.px[y * a.w + x] !== b.px[y * a.w + x]) {
					if (x >= x0 && x <= x1 && y >= y0 && y <= y1)
						inside++;
					else
						outside++;
				}
		assert(inside > 200 && outside === 0, `changed pixels: inside ${inside}, outside ${outside}`);
		const p1a = render(path.join(FIX, 'contract.pdf'), 1, path.join(OUT, 'before1'));
		const p1b = render(path.join(Z, 'contract.pdf'), 1, path.join(OUT, 'after1'));
		assert(Buffer.compare(p1a.px, p1b.px) === 0, 'page 1 unchanged');
	});
	await step('each file also downloadable: anexa.pdf alone equals the archive\'s', async () => {
		const one = await download(page, () => page.click('#sign-dl-1'));
		assert(one.name === 'anexa.pdf', 'name ' + one.name);
		assert(Buffer.compare(fs.readFileSync(one.file), fs.readFileSync(path.join(Z, 'anexa.pdf'))) === 0, 'same bytes');
		assert(sql(`SELECT count(*) FROM documents WHERE batch_id = '${batch.id}' AND kind = 'signed'`) === '0',
		    'the server deleted the signed files after the archive');
	});
	await step('history: the batch, its files, hashes, format, the certificate, the count', async () => {
		await page.click('#sign-done-history');
		await page.waitForSelector(`#hist-${batch.id}`);
		const sec = await text(page, `#hist-${batch.id}`);
		for (const n of ['contract.pdf', 'anexa.pdf', 'proces-verbal.pdf', 'raport.docx', 'protejat.pdf', 'formular.pdf'])
			assert(sec.includes(n), 'history names ' + n);
		assert(sec.includes(sha256(fs.readFileSync(path.join(FIX, 'contract.pdf')))), 'the uploaded hash');
		assert(sec.includes(sha256(fs.readFileSync(path.join(Z, 'contract.pdf')))), 'the signed hash');
		assert(await text(page, `#hist-${batch.id} tr[data-name="protejat.pdf"] td:nth-child(3)`) ===
		    ro('hist.not_signed', { why: RO['sign.short_pdf_encrypted'] }), 'a refused file: why');
		assert(await text(page, `#hist-${batch.id}-cert`) === iss.certificate.sign_serial, 'serial');
		assert(await text(page, `#hist-${batch.id}-used`) === ro('hist.used_n', { n: 12, sig: 4, ts: 8 }), 'count: ' + await text(page, `#hist-${batch.id}-used`));
		await shot(page, 'history');
	});
	await step('the /validate page (footer link): contract.pdf TOTAL-PASSED, B-LTA, the signature and its document timestamp', async () => {
		await page.click('#foot-validate');
		await page.waitForSelector('#val-file');
		await page.setInputFiles('#val-file', path.join(Z, 'contract.pdf'));
		await page.click('#val-go');
		await page.waitForSelector('#val-result', { timeout: 30000 });
		assert((await text(page, '#val-result')).startsWith(RO['val.ind_total_passed']), 'result: ' + await text(page, '#val-result'));
		assert(await text(page, '#val-sig-1-level') === 'B-LTA', 'level: ' + await text(page, '#val-sig-1-level'));
		assert((await page.$$('#val-report .val-sig')).length === 2, 'the signature and the document timestamp');
		assert((await text(page, '#val-sig-2-ind')).startsWith(RO['val.ind_total_passed']), 'the document timestamp passed');
		await shot(page, 'validate');
		// The XML report (ETSI TS 119 102-2): a download, valid against the schema.
		const xml = await download(page, () => page.click('#val-xml'));
		assert(xml.name === 'validation-report.xml', 'XML report name: ' + xml.name);
		run('xmllint', ['--noout', '--schema', path.join(HERE, '..', '..', 'schemas', 'etsi', 'ts_119102-2_v1.3.1.xsd'), xml.file]);
		assert(run('xmllint', ['--xpath', 'count(/*[local-name()="ValidationReport"]/*[local-name()="SignatureValidationReport"]/*[local-name()="SignatureValidationStatus"]/*[local-name()="MainIndication"][.="urn:etsi:019102:mainindication:total-passed"])', xml.file]).trim() === '2',
		    'XML report: the signature and the document timestamp total-passed');
	});
	await step('/validate with a .p7s: raport.docx.p7s alone is a detached signature (its file asked for); with raport.docx beside it TOTAL-PASSED, B-LTA, the XML report offered', async () => {
		await page.reload();
		await page.waitForSelector('#val-content');
		await page.setInputFiles('#val-file', path.join(Z, 'raport.docx.p7s'));
		await page.click('#val-go');
		await until(page, () => document.querySelector('#val-status').textContent.trim() !== '');
		assert(await text(page, '#val-status') === RO['err.signed_file_missing'], 'alone: ' + await text(page, '#val-status'));
		await page.setInputFiles('#val-content', path.join(FIX, 'raport.docx'));
		await page.click('#val-go');
		await page.waitForSelector('#val-result', { timeout: 30000 });
		assert((await text(page, '#val-result')).startsWith(RO['val.ind_total_passed']), 'result: ' + await text(page, '#val-result'));
		assert(await text(page, '#val-sig-1-level') === 'B-LTA', 'level: ' + await text(page, '#val-sig-1-level'));
		assert(await page.$('#val-xml') && !(await page.$('#val-pdf')), 'the XML report offered, the sealed PDF report (of a PDF only) not');
		await shot(page, 'validate-p7s');
	});
	await step('".p7s for all" (the split button) makes the encrypted PDF signable; a batch larger than the quota is refused before the code', async () => {
		sql(`UPDATE credentials SET transactions_left = 3 WHERE serial = '${iss.certificate.sign_serial}'`);
		await page.goto(URL0 + '/sign');
		await page.waitForSelector('#sign-drop');
		await page.setInputFiles('#sign-input', ['anexa.pdf', 'protejat.pdf'].map((n) => path.join(FIX, n)));
		await page.waitForSelector('#sign-file-1[data-state="refused"]');
		await page.click('#sign-more-btn');
		await page.click('#sign-p7s-all');
		await page.waitForSelector('#sign-short');
		const todo = await page.$$eval('#sign-todo li', (l) => l.map((x) => x.textContent));
		assert(todo.length === 2 && todo.every((x) => x.includes(RO['sign.fmt_cades'])), 'both as .p7s: ' + todo.join(' | '));
		assert(await text(page, '#sign-short') === ro('sign.quota_short', { needed: 6, left: 3 }), await text(page, '#sign-short'));
		assert(await page.$('#sign-code') === null, 'no code asked');
		await shot(page, 'quota');
	});
	await step('Settings: suspend (a confirmation), OCSP says certificateHold, signing says suspended; resume: a wrong code refused, the right one; revoke asks the confirmation and checks the code', async () => {
		const s = iss.certificate.sign_serial;
		const pem = path.join(OUT, 'sign-ocsp.pem');
		run('openssl', ['x509', '-inform', 'DER', '-in', signDer, '-out', pem]);
		const ocsp = () => {
			try {
				return run('openssl', ['ocsp', '-issuer', path.join(PKI, 'issuing.pem'), '-cert', pem, '-url', URL0 + '/ocsp',
					'-CAfile', path.join(PKI, 'root.pem')]);
			} catch (e) {
				return String(e.stdout || '') + String(e.stderr || '');
			}
		};
		assert(/: good/.test(ocsp()), 'OCSP good first');
		await page.goto(URL0 + '/settings');
		await page.waitForSelector('#set-suspend');
		await page.click('#set-suspend');
		await page.waitForSelector('#dialog-confirm');
		await page.click('#dialog-confirm');
		await page.waitForSelector('#set-resume-form');
		assert(await text(page, '#set-cert-status') === RO['set.suspended'], await text(page, '#set-cert-status'));
		assert((await text(page, `#set-cert-${s}`)).includes(RO['set.cert_suspended']), 'the table says suspended');
		const o1 = ocsp();
		assert(/: revoked/.test(o1) && /Reason: certificateHold/.test(o1), 'OCSP: ' + o1);
		await shot(page, 'settings-suspended');
		await page.evaluate(() => sessionStorage.clear()); // no batch kept from the quota step
		await page.goto(URL0 + '/sign');
		await page.waitForSelector('#sign-refused');
		assert(await text(page, '#sign-refused') === RO['err.cert_suspended'], await text(page, '#sign-refused'));
		assert(await page.$('#sign-resume'), 'a way to Settings');
		await page.goto(URL0 + '/settings');
		await page.waitForSelector('#set-resume-form');
		await page.fill('#set-resume-code', wrongCode(USER.secret));
		await page.click('#set-resume');
		await until(page, () => document.getElementById('set-resume-code-err').textContent !== '');
		assert(await text(page, '#set-resume-code-err') === RO['err.totp_invalid'], await text(page, '#set-resume-code-err'));
		assert(/Reason: certificateHold/.test(ocsp()), 'still on hold');
		await page.fill('#set-resume-code', freshCode(USER.secret));
		await page.click('#set-resume');
		await page.waitForSelector('#set-suspend');
		assert(await text(page, '#set-cert-status') === RO['set.resumed'], await text(page, '#set-cert-status'));
		assert(/: good/.test(ocsp()), 'OCSP good again');
		await page.fill('#set-revoke-code', wrongCode(USER.secret));
		await page.click('#set-revoke');
		await until(page, () => document.getElementById('set-revoke-confirm-err').textContent !== '');
		assert(await text(page, '#set-revoke-confirm-err') === RO['err.confirm_required'], await text(page, '#set-revoke-confirm-err'));
		await page.check('#set-revoke-confirm');
		await page.click('#set-revoke');
		await until(page, () => document.getElementById('set-revoke-code-err').textContent !== '');
		assert(await text(page, '#set-revoke-code-err') === RO['err.totp_invalid'], await text(page, '#set-revoke-code-err'));
		assert(/: good/.test(ocsp()), 'a refused revocation changes nothing');
		await shot(page, 'settings-revoke-refused');
	});
	await step('400 days on (the server\'s clock): signed in again, home and the signing page say the certificate ended, to re-issue', async () => {
		setAhead(ahead + 400 * 86400);
		lastStep = Math.floor((Date.now() / 1000 + ahead) / 30) - 2;
		// The session ended long ago: the page asks for a sign-in. A year
		// on is another browser session (no batch kept from this one).
		await page.goto(URL0 + '/sign');
		await page.waitForURL('**/signin');
		await ctx.close();
		ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ro-RO' });
		page = S.page = await watched(ctx);
		await page.goto(URL0 + '/signin');
		await page.fill('#si-email', USER.email);
		await page.fill('#si-password', USER.pw);
		await page.click('#si-submit');
		await page.waitForSelector('#si-totp');
		await page.fill('#si-totp', freshCode(USER.secret));
		await page.click('#si-totp-submit');
		await page.waitForURL('**/home');
		await page.waitForSelector('#home-sign[data-state="ended"] #home-sign-expired');
		assert(await page.$('#home-sign-reissue'), 'home: a way to re-issue');
		await page.goto(URL0 + '/sign');
		await page.waitForSelector('#sign-refused');
		assert(await text(page, '#sign-refused') === RO['err.cert_expired'], await text(page, '#sign-refused'));
		assert(await page.$('#sign-reissue'), 'a way to re-issue');
		await shot(page, 'expired');
		// The same in English.
		await page.selectOption('#lang-select', 'en');
		const h1is = (s) => until(page, (x) => {
			const e = document.querySelector('main:not([aria-busy]) h1');
			return !!e && e.textContent === x;
		}, s);
		await h1is(EN['sign.title']);
		assert(await text(page, '#sign-refused') === EN['err.cert_expired'], 'English: ' + await text(page, '#sign-refused'));
		await page.goto(URL0 + '/history');
		await h1is(EN['hist.title']);
		await page.waitForSelector('.hist-batch');
		await shot(page, 'history-en');
	});
	await step('no Content-Security-Policy violation on any page', async () => {
		assert(cspErrors.length === 0, cspErrors.join('\n'));
	});
} catch (e) {
	tapOk(false, 'suite: ' + (e && e.message));
} finally {
	console.log(`# sign suite: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	await browser.close();
}
process.exit(tapDone() ? 1 : 0);
