// bench/load.mjs: virtual users against a running Pecete server, each on
// its own keep-alive connection and its own address (X-Forwarded-For, the
// server trusting this host as its proxy), for a fixed time. Mixed traffic:
//   page    the app's files and the API calls a page makes when signed in
//   signin  a password sign-in (Argon2id on the server), once a minute
//           per user at a random moment
//   sign    a signing batch: create, upload 3 PDFs, authorize with the
//           TOTP code of a step not used yet, poll until signed, download
//           the ZIP (only for users with a certificate, at most once per
//           30 s time step each: the server refuses a code twice)
// Every request's latency is kept; any status other than the expected one,
// or a network error, is an error. Prints a Markdown table and a JSON line.
// usage: node bench/load.mjs USERS.json SECONDS
//   USERS.json: {"url": "...", "pdf": "path", "users": [{"email", "password",
//   "cookie": "name=value", "secret": "BASE32" (signers only)}]}
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import http from 'node:http';

const [cfgPath, secondsArg] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
const seconds = Number(secondsArg || 60);
const pdf = readFileSync(cfg.pdf);
const base = new URL(cfg.url);

const lat = {};	// class -> [ms]
const errors = {};	// "class status" -> count
let signedDocs = 0;

function record(cls, ms) {
	(lat[cls] ||= []).push(ms);
}
function error(cls, what) {
	const k = `${cls} ${what}`;
	errors[k] = (errors[k] || 0) + 1;
}

// One request on the user's own agent (one keep-alive connection).
function request(u, method, path, body, headers = {}) {
	return new Promise((resolve) => {
		const h = {
			'X-Forwarded-For': u.ip,
			Cookie: u.cookie,
			...headers,
		};
		if (method !== 'GET') h['X-CSRF-Token'] = u.csrf || '';
		if (body !== undefined) h['Content-Length'] = Buffer.byteLength(body);
		const t0 = process.hrtime.bigint();
		const req = http.request({
			host: base.hostname, port: base.port, method, path,
			headers: h, agent: u.agent,
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({
				status: res.statusCode,
				headers: res.headers,
				body: Buffer.concat(chunks),
				ms: Number(process.hrtime.bigint() - t0) / 1e6,
			}));
			res.on('error', (e) => resolve({ status: 0, err: e, ms: 0 }));
		});
		req.on('error', (e) => resolve({ status: 0, err: e, ms: 0 }));
		req.setTimeout(60000, () => req.destroy(new Error('timeout')));
		if (body !== undefined) req.write(body);
		req.end();
	});
}

// r: the answer; ok: expected statuses. Records latency or an error.
function check(cls, r, ...ok) {
	if (r.status === 0) {
		error(cls, r.err ? r.err.code || r.err.message : 'network');
		return false;
	}
	record(cls, r.ms);
	if (!ok.includes(r.status)) {
		error(cls, `${r.status} ${r.body.toString().slice(0, 120)}`);
		return false;
	}
	return true;
}

function json(r) {
	try { return JSON.parse(r.body.toString()); } catch { return {}; }
}

// RFC 6238 with SHA-1, 30 s, 6 digits.
function b32(s) {
	const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '', out = [];
	for (const c of s.replace(/=+$/, '').toUpperCase()) bits += a.indexOf(c).toString(2).padStart(5, '0');
	for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
	return Buffer.from(out);
}
function totp(secret, step) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const h = createHmac('sha1', b32(secret)).update(msg).digest();
	const o = h[19] & 15;
	return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

async function page(u) {
	for (const p of ['/', '/css/app.css', '/js/app.js'])
		check('page: static file', await request(u, 'GET', p), 200);
	for (const p of ['/api/v1/session', '/api/v1/account', '/api/v1/certificates', '/api/v1/sign/history'])
		check('page: API GET', await request(u, 'GET', p), 200);
}

async function signin(u) {
	// As a browser does: the sign-in page's anonymous session (its cookie
	// and CSRF token), then the password; the new session is dropped.
	const anon = { ...u, cookie: '', csrf: '' };
	let r = await request(anon, 'GET', '/api/v1/session');
	if (!check('signin: anonymous session', r, 200)) return;
	anon.cookie = [].concat(r.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
	anon.csrf = json(r).csrf;
	const body = JSON.stringify({ email: u.email, password: u.password });
	r = await request(anon, 'POST', '/api/v1/session', body, { 'Content-Type': 'application/json' });
	check('signin: password (Argon2id)', r, 200);
}

async function sign(u, step) {
	const t0 = Date.now();
	let r = await request(u, 'POST', '/api/v1/sign/batches', '{}', { 'Content-Type': 'application/json' });
	if (!check('sign: API POST', r, 200, 201)) return;
	const id = json(r).id;
	for (let i = 1; i <= 3; i++) {
		r = await request(u, 'POST', `/api/v1/sign/batches/${id}/files?name=doc${i}.pdf`, pdf,
			{ 'Content-Type': 'application/octet-stream' });
		if (!check('sign: upload', r, 200, 201)) return;
	}
	u.lastStep = step;
	r = await request(u, 'POST', `/api/v1/sign/batches/${id}/sign`,
		JSON.stringify({ code: totp(u.secret, step) }), { 'Content-Type': 'application/json' });
	if (!check('sign: authorize', r, 200, 202)) return;
	for (;;) {
		r = await request(u, 'GET', `/api/v1/sign/batches/${id}`);
		if (!check('sign: poll', r, 200)) return;
		const st = json(r).state;
		if (st === 'done') break;
		if (st !== 'signing') { error('sign: batch', st); return; }
		await new Promise((res) => setTimeout(res, 100));
	}
	r = await request(u, 'GET', `/api/v1/sign/batches/${id}/zip`);
	if (!check('sign: ZIP', r, 200)) return;
	record('sign: whole batch (3 PDFs)', Date.now() - t0);
	signedDocs += 3;
}

async function vu(u, deadline) {
	const r = await request(u, 'GET', '/api/v1/session');
	u.csrf = json(r).csrf;
	while (Date.now() < deadline) {
		const x = Math.random();
		// A step the server has not seen from this user: the current one
		// or the next (it accepts one step either side).
		const now = Math.floor(Date.now() / 30000);
		const step = u.secret ? [now, now + 1].find((s) => s > u.lastStep) : undefined;
		if (Date.now() >= u.signinAt) {
			u.signinAt = Date.now() + SIGNIN_EVERY_MS;
			await signin(u);
		} else if (step !== undefined && x < 0.5) await sign(u, step);
		else await page(u);
	}
}

// Each user signs in once a minute, at a random moment: a person signs
// in, then works (64 users: about one Argon2id check a second).
const SIGNIN_EVERY_MS = 60000;
const deadline = Date.now() + seconds * 1000;
const users = cfg.users.map((u, i) => ({
	...u,
	ip: `10.77.${i >> 8}.${(i & 255) + 1}`,
	agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
	lastStep: u.lastStep || 0,
	signinAt: Date.now() + Math.random() * Math.min(seconds * 1000, SIGNIN_EVERY_MS),
}));
const t0 = Date.now();
const cpu0 = process.cpuUsage();
await Promise.all(users.map((u) => vu(u, deadline)));
const wall = (Date.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const clientCores = (cpu.user + cpu.system) / 1e6 / wall;
for (const u of users) u.agent.destroy();

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))];
const rows = [];
let total = 0;
for (const [cls, a] of Object.entries(lat).sort()) {
	a.sort((x, y) => x - y);
	total += cls.startsWith('sign: whole') ? 0 : a.length;
	rows.push({ cls, n: a.length, rps: a.length / wall, p50: pct(a, 50), p95: pct(a, 95), p99: pct(a, 99), max: a[a.length - 1] });
}
const nerr = Object.values(errors).reduce((s, v) => s + v, 0);
console.log(`| class | requests | per s | p50 ms | p95 ms | p99 ms | max ms |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|`);
for (const r of rows)
	console.log(`| ${r.cls} | ${r.n} | ${r.rps.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`);
console.log(`| **all requests** | ${total} | ${(total / wall).toFixed(1)} | | | | |`);
console.log(`\nusers ${users.length}, ${wall.toFixed(1)} s, ${signedDocs} documents signed, errors: ${nerr}, ` +
    `load generator CPU ${clientCores.toFixed(2)} cores (one thread: 1.00 is saturated)`);
for (const [k, v] of Object.entries(errors)) console.log(`  error ${v} x ${k}`);
console.log('JSON ' + JSON.stringify({ users: users.length, seconds: wall, requests: total, errors: nerr, signedDocs, clientCores, classes: rows }));
process.exit(nerr === 0 ? 0 : 1);
