// api.js: the transport of the JSON API under /api/v1 (the calls
// themselves are in contract.js). Sends the CSRF token on every
// state-changing request and takes the new one from any answer that
// carries "csrf" (the session and CSRF tokens change at every elevation:
// TOTP step, 2FA deferral, pairing, password change). Error bodies
// {"error":{"code","message","field","retry_after"}} become ApiError.
// A 403 consent_pending or 401 not_signed_in also goes to the handler the
// router registers (the server decides; the UI follows).
import { t, has } from './i18n.js';

const BASE = '/api/v1';
let csrf = null;
let onRefused = null;

export class ApiError extends Error {
	constructor(status, body) {
		const e = (body && body.error) || {};
		super(e.message || `HTTP ${status}`);
		this.status = status;
		this.code = e.code || (status === 0 ? 'network' : 'http_' + status);
		this.field = e.field || null;
		this.retryAfter = e.retry_after ?? null;
		this.serverMessage = e.message || '';
		// Members next to "error" (upload_offset carries "received").
		this.body = body || null;
	}
}

// fn(ApiError): the router's reaction to consent_pending / not_signed_in.
export function setRefusedHandler(fn) {
	onRefused = fn;
}

// body: a value sent as JSON, or {bytes: Blob} sent as it is
// (application/octet-stream).
async function raw(method, path, body) {
	const opts = {
		method,
		credentials: 'same-origin',
		headers: { Accept: 'application/json' },
	};
	if (method !== 'GET' && method !== 'HEAD') {
		if (csrf === null && path !== '/session')
			await session();
		if (csrf)
			opts.headers['X-CSRF-Token'] = csrf;
	}
	if (body instanceof Object && body.bytes instanceof Blob) {
		opts.headers['Content-Type'] = 'application/octet-stream';
		Object.assign(opts.headers, body.headers || {});
		opts.body = body.bytes;
	} else if (body !== undefined) {
		opts.headers['Content-Type'] = 'application/json';
		opts.body = JSON.stringify(body);
	}
	let r;
	try {
		r = await fetch(BASE + path, opts);
	} catch (e) {
		throw new ApiError(0, null);
	}
	const ct = r.headers.get('Content-Type') || '';
	let data = null;
	if (ct.startsWith('application/json')) {
		try {
			data = await r.json();
		} catch (e) {
			data = null;
		}
	}
	if (data && typeof data.csrf === 'string')
		csrf = data.csrf;
	if (!r.ok)
		throw new ApiError(r.status, data);
	return data || {};
}

async function call(method, path, body) {
	try {
		return await raw(method, path, body);
	} catch (e) {
		// A stale token (new session after sign-in/out): refresh, retry once.
		if (e instanceof ApiError && e.code === 'csrf' && method !== 'GET') {
			await session();
			return raw(method, path, body).catch(refused);
		}
		return refused(e);
	}
}

function refused(e) {
	if (onRefused && e instanceof ApiError &&
	    (e.code === 'consent_pending' || e.code === 'not_signed_in'))
		onRefused(e);
	throw e;
}

// GET /session: SessionInfo {state, csrf, next, user, twofa_mandatory_after}.
export async function session() {
	const s = await raw('GET', '/session');
	csrf = s.csrf || null;
	return s;
}

export const http = {
	get: (p) => call('GET', p),
	post: (p, b) => call('POST', p, b === undefined ? {} : b),
	del: (p) => call('DELETE', p),
	// Raw bytes (a piece of an upload).
	bytes: (p, blob, headers) => call('POST', p, { bytes: blob, headers }),
};

// A binary answer: the Response, or ApiError from its JSON body.
async function fetchOk(path, init) {
	let r;
	try {
		r = await fetch(BASE + path, { credentials: 'same-origin', ...init });
	} catch (e) {
		throw new ApiError(0, null);
	}
	if (!r.ok) {
		let data = null;
		try {
			data = await r.json();
		} catch (e) { /* not JSON */ }
		throw refusedNow(new ApiError(r.status, data));
	}
	return r;
}

function refusedNow(e) {
	if (onRefused && (e.code === 'consent_pending' || e.code === 'not_signed_in'))
		onRefused(e);
	return e;
}

function dataUrl(blob) {
	return new Promise((resolve, reject) => {
		const fr = new FileReader();
		fr.onload = () => resolve(fr.result);
		fr.onerror = () => reject(fr.error);
		fr.readAsDataURL(blob);
	});
}

// A binary resource (the QR PNG) as a data: URL (the CSP allows data:
// images; blob: is not allowed as an image source).
export async function getDataUrl(path) {
	const r = await fetchOk(path);
	return dataUrl(await r.blob());
}

// An image as a data: URL with the answer's headers: {url, headers}.
export async function getImage(path) {
	const r = await fetchOk(path);
	return { url: await dataUrl(await r.blob()), headers: r.headers };
}

// A file as a Blob (a download the page hands on itself).
export async function getBlob(path) {
	const r = await fetchOk(path);
	return r.blob();
}

// POST a file as the raw body to a route without CSRF token (the public
// validation service) and get the answer as a Blob (a download).
export async function postBlob(path, file) {
	const r = await fetchOk(path, { method: 'POST', body: file,
	    headers: { 'Content-Type': 'application/octet-stream' } });
	return r.blob();
}

// POST a file as the raw body with upload progress (fetch reports none):
// progress(loaded, total); resolves to the JSON answer, rejects with
// ApiError. abort() of the returned promise's .xhr cancels it.
export function upload(path, file, progress) {
	const xhr = new XMLHttpRequest();
	const send = (token) => new Promise((resolve, reject) => {
		xhr.open('POST', BASE + path);
		xhr.withCredentials = true;
		xhr.setRequestHeader('Accept', 'application/json');
		xhr.setRequestHeader('Content-Type', 'application/octet-stream');
		if (token)
			xhr.setRequestHeader('X-CSRF-Token', token);
		xhr.upload.onprogress = (ev) => {
			if (progress)
				progress(ev.loaded, ev.lengthComputable ? ev.total : file.size);
		};
		xhr.onload = () => {
			let data = null;
			if ((xhr.getResponseHeader('Content-Type') || '').startsWith('application/json')) {
				try {
					data = JSON.parse(xhr.responseText);
				} catch (e) {
					data = null;
				}
			}
			if (data && typeof data.csrf === 'string')
				csrf = data.csrf;
			if (xhr.status >= 200 && xhr.status < 300)
				resolve(data || {});
			else
				reject(new ApiError(xhr.status, data));
		};
		xhr.onerror = () => reject(new ApiError(0, null));
		xhr.onabort = () => reject(new ApiError(0, { error: { code: 'aborted' } }));
		xhr.send(file);
	});
	const run = async () => {
		if (csrf === null)
			await session();
		try {
			return await send(csrf);
		} catch (e) {
			if (e.code === 'csrf') {
				await session();
				return send(csrf);
			}
			throw refusedNow(e);
		}
	};
	const p = run();
	p.xhr = xhr;
	return p;
}

// The message to show for an error: our translation of its code (with
// the wait when the server gives one), else the server's message.
export function errorText(e) {
	if (!(e instanceof ApiError))
		return t('err.generic');
	const key = 'err.' + e.code;
	if (has(key)) {
		let s = t(key);
		if (e.retryAfter)
			s += ' ' + t('err.retry_after', { when: fmtWait(e.retryAfter) });
		return s;
	}
	return e.serverMessage || t('err.generic');
}

export function fmtWait(sec) {
	sec = Math.max(0, Math.ceil(sec));
	const m = Math.floor(sec / 60), s = sec % 60;
	return m > 0 ? t('time.min_sec', { m, s }) : t('time.sec', { s });
}
