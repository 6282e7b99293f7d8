// upload.js: a recording's files go to the server in pieces of 1 MiB
// (POST /api/v1/idv/:id/files/:kind?offset=N, raw bytes) and the upload
// resumes from what the server holds, never from zero: after a lost
// connection or a server error it waits (1, 2, 4 ... 30 s, or the
// server's retry_after; at once when the browser is back online), asks
// GET /api/v1/idv/:id/files/:kind for "received" and goes on from there;
// a 409 upload_offset answer carries "received" too.
//
// The finished recording is also kept in this browser (IndexedDB) until
// the case is submitted, so a reload or a closed tab during the upload
// resumes it instead of asking for a new recording. Kept recordings older
// than a day, and any of another case, are deleted when the page opens.
import { ApiError } from './api.js';
import * as C from './contract.js';

export const PIECE = 1024 * 1024;
const MAX_WAIT = 30000;

// Errors worth another try: no answer, the server busy or failing.
function retryable(e) {
	if (!(e instanceof ApiError))
		return false;
	return e.status === 0 || e.status === 408 || e.status === 429 || e.status >= 500;
}

// Wait ms, or less when the browser comes back online or the page is left.
function pause(ms, o) {
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(tm);
			window.removeEventListener('online', done);
			resolve();
		};
		const tm = setTimeout(done, ms);
		window.addEventListener('online', done);
		if (o.onWait)
			o.onWait(done);
	});
}

// One file: {kind, type, blob}. held: Map kind -> bytes the server holds.
async function uploadOne(caseId, f, held, o) {
	let off = null;	// unknown: ask the server
	let tries = 0;
	for (;;) {
		if (o.stopped())
			throw new ApiError(0, { error: { code: 'stopped' } });
		try {
			if (off === null)
				off = (await C.idvFileState(caseId, f.kind)).received;
			if (off > f.blob.size)
				throw new ApiError(409, { error: { code: 'upload_incomplete', field: f.kind } });
			held.set(f.kind, off);
			o.progress({ kind: f.kind });
			if (off === f.blob.size)
				return;
			const r = await C.idvPiece(caseId, f.kind, off, f.type, f.blob.slice(off, off + PIECE));
			off = r.received;
			tries = 0;
		} catch (e) {
			// The server says where it stands: go on from there.
			if (e instanceof ApiError && e.code === 'upload_offset' && e.body &&
			    Number.isInteger(e.body.received)) {
				off = e.body.received;
				continue;
			}
			if (!retryable(e))
				throw e;
			tries++;
			const ms = e.retryAfter ? e.retryAfter * 1000 : Math.min(MAX_WAIT, 1000 * 2 ** (tries - 1));
			o.progress({ kind: f.kind, waiting: ms, error: e, tries });
			await pause(ms, o);
			off = null;
		}
	}
}

// files: [{kind, type, blob}]; o: {progress({sent, total, kind, waiting,
// error, tries}), stopped() -> bool, onWait(wake)}. Resolves when the
// server holds every byte.
export async function uploadAll(caseId, files, o) {
	const total = files.reduce((n, f) => n + f.blob.size, 0);
	const held = new Map(files.map((f) => [f.kind, 0]));
	const opts = {
		stopped: o.stopped || (() => false),
		onWait: o.onWait,
		progress: (x) => o.progress({ sent: [...held.values()].reduce((a, b) => a + b, 0), total, ...x }),
	};
	for (const f of files)
		await uploadOne(caseId, f, held, opts);
	opts.progress({ done: true });
}

// ---- the recording kept in this browser -----------------------------------------
const DB = 'pecete-idv';
const STORE = 'recordings';
const KEEP_MS = 24 * 3600 * 1000;

function openDb() {
	return new Promise((resolve, reject) => {
		if (!window.indexedDB) {
			reject(new Error('no IndexedDB'));
			return;
		}
		const rq = indexedDB.open(DB, 1);
		rq.onupgradeneeded = () => rq.result.createObjectStore(STORE, { keyPath: 'caseId' });
		rq.onsuccess = () => resolve(rq.result);
		rq.onerror = () => reject(rq.error);
	});
}

async function tx(mode, fn) {
	const db = await openDb();
	try {
		return await new Promise((resolve, reject) => {
			const t = db.transaction(STORE, mode);
			const rq = fn(t.objectStore(STORE));
			t.oncomplete = () => resolve(rq ? rq.result : undefined);
			t.onerror = () => reject(t.error);
			t.onabort = () => reject(t.error);
		});
	} finally {
		db.close();
	}
}

// rec: {caseId, files: [{kind, type, blob}], client}. Failing to keep it
// (private mode, a full disk) only loses the resume after a reload.
export async function keepRecording(rec) {
	try {
		await tx('readwrite', (s) => s.put({ ...rec, savedAt: Date.now() }));
		return true;
	} catch (e) {
		return false;
	}
}

// The recording kept for caseId, or null. Others (another case, older
// than a day) are deleted.
export async function keptRecording(caseId) {
	let all = [];
	try {
		all = await tx('readonly', (s) => s.getAll());
	} catch (e) {
		return null;
	}
	let mine = null;
	for (const r of all) {
		if (r.caseId === caseId && Date.now() - r.savedAt < KEEP_MS)
			mine = r;
		else
			await forgetRecording(r.caseId);
	}
	return mine;
}

export async function forgetRecording(caseId) {
	try {
		await tx('readwrite', (s) => (caseId ? s.delete(caseId) : s.clear()));
	} catch (e) { /* nothing kept */ }
}
