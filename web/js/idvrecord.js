// idvrecord.js: the recording of the video identification and its
// upload (the page is pages/identify.js).
//
// Recording: the camera's live picture, then the server's plan one step
// at a time, each started with POST /api/v1/idv/:id/step (the server
// records the time; the SMS code is sent at that moment; a challenge's
// side or number is revealed only then), with a prompt and a timer. The
// step ends when the timer runs out or the person presses "Next" (after
// a short hold). The SMS step waits for the code: a wrong one is refused
// with the server's message and the step repeats. Still frames (JPEG)
// of the document's front, tilt and back and of the face are taken at
// the end of their steps. Then the recording stops, is kept in this
// browser (upload.js) and sent in pieces with a progress bar; the
// submission carries what the browser reports (camera and microphone
// labels, user agent, screen, step timings, duration).
import { t, getLang } from './i18n.js';
import { ApiError, errorText, fmtWait } from './api.js';
import * as C from './contract.js';
import {
	h, field, phoneField, statusBox, setStatus, clearErrors, fieldError, busy, button,
	countdown, every, onLeave,
} from './ui.js';
import { openCamera, closeCamera, deviceLabels, Recording, frame } from './recorder.js';
import { uploadAll, keepRecording, forgetRecording } from './upload.js';

// Each step: seconds on the timer; the still frame taken at its end.
const STEPS = {
	doc_front: { secs: 10, frame: 'doc_front' },
	doc_tilt: { secs: 8, frame: 'doc_tilt' },
	doc_back: { secs: 10, frame: 'doc_back' },
	sms_code: { code: true },
	smile: { secs: 5 },
	neutral: { secs: 5, frame: 'face' },
	head_turn: { secs: 6 },
	read_number: { secs: 8 },
};
// "Next" is offered after this hold (the camera needs a moment).
const HOLD_MS = 2000;

export function stepLabel(s) {
	return STEPS[s] ? t('idv.s_' + s) : s;
}

function mmss(ms) {
	const s = Math.floor(ms / 1000);
	return String(Math.floor(s / 60)).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
}

function megabytes(n) {
	return (n / 1048576).toLocaleString(getLang() === 'ro' ? 'ro-RO' : 'en-GB',
	    { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

// Leaving while recording or sending loses work: the browser asks first.
function guardUnload() {
	const warn = (ev) => {
		ev.preventDefault();
		ev.returnValue = '';
	};
	window.addEventListener('beforeunload', warn);
	return () => window.removeEventListener('beforeunload', warn);
}

// o: {body, c: IdvCase, onRecorded({caseId, files, client}), onCancel()}
export function recordSession(o) {
	const c = o.c;
	let stream = null, rec = null, stopped = false;
	const frames = {};
	const timings = [];
	const video = h('video', { id: 'idv-preview', autoplay: true, muted: true, playsinline: true });
	video.muted = true;
	const elapsed = h('span', { id: 'idv-elapsed', class: 'timer' });
	const recDot = h('p', { class: 'rec-dot', id: 'idv-rec', hidden: true, 'aria-live': 'off' },
	    h('span', { 'aria-hidden': 'true' }, '\u25CF '), t('idv.rec'), ' ', elapsed);
	const stepNo = h('p', { class: 'rec-count', id: 'idv-stepno' });
	const prompt = h('h2', { id: 'idv-prompt', tabindex: '-1' });
	const detail = h('p', { id: 'idv-detail' });
	const big = h('p', { class: 'rec-big', id: 'idv-challenge', hidden: true });
	const timer = h('span', { class: 'timer', id: 'idv-timer', role: 'timer' });
	const timerLine = h('p', { id: 'idv-timer-line', hidden: true }, t('idv.time_left') + ' ', timer);
	const extra = h('div', { id: 'idv-extra' });
	const next = button('idv.next', { type: 'button', id: 'idv-next' });
	next.hidden = true;
	const cancel = button('idv.cancel', { type: 'button', id: 'idv-cancel', kind: 'secondary' });
	const status = statusBox('idv-rec-status');
	const actions = h('div', { class: 'actions' }, next, cancel);
	// The prompt is announced when it changes; the timers are not.
	const view = h('div', { class: 'rec', id: 'idv-rec-view', 'data-step': 'camera' },
	    h('div', { class: 'rec-video' }, video, recDot),
	    h('div', { class: 'rec-panel' },
		h('div', { 'aria-live': 'polite' }, stepNo, prompt, detail, big),
		timerLine, extra, actions, status));
	o.body.replaceChildren(view);
	window.scrollTo(0, 0);

	let unguard = () => {};
	const stopAll = () => {
		stopped = true;
		unguard();
		if (rec && rec.recording)
			rec.stop();
		closeCamera(stream);
	};
	const cancelLeave = onLeave(stopAll);
	cancel.addEventListener('click', async () => {
		stopAll();
		cancelLeave();
		await o.onCancel();
	});
	const say = (title, text) => {
		prompt.textContent = title;
		detail.textContent = text || '';
		big.hidden = true;
		timerLine.hidden = true;
		extra.replaceChildren();
		setStatus(status, '');
	};

	// ---- the camera -------------------------------------------------------------------
	const prepare = async () => {
		say(t('idv.cam_title'), t('idv.cam_asking'));
		next.hidden = true;
		try {
			stream = await openCamera();
		} catch (e) {
			say(t('idv.cam_title'), t(e.key || 'idv.cam_failed'));
			const again = button('idv.cam_retry', { type: 'button', id: 'idv-cam-retry' });
			again.addEventListener('click', prepare);
			extra.replaceChildren(h('div', { class: 'actions' }, again));
			return;
		}
		if (stopped) {
			closeCamera(stream);
			return;
		}
		video.srcObject = stream;
		await video.play().catch(() => null);
		say(t('idv.ready_title'), t('idv.ready'));
		const go = button('idv.record', { type: 'button', id: 'idv-record' });
		go.addEventListener('click', () => run());
		extra.replaceChildren(h('ul', { class: 'conditions' },
		    ['light', 'frame', 'steps'].map((k) => h('li', {}, t('idv.ready_' + k)))),
		h('div', { class: 'actions' }, go));
	};

	// Start step s on the server; a failure offers to try again.
	const startStep = async (s) => {
		for (;;) {
			try {
				return await C.idvStep(c.id, s);
			} catch (e) {
				if (stopped)
					throw e;
				setStatus(status, errorText(e), 'err');
				if (!(e instanceof ApiError) || (e.status && e.status < 500 && e.code !== 'rate_limited'))
					throw e;
				const again = button('idv.try_again', { type: 'button', id: 'idv-step-retry' });
				extra.replaceChildren(h('div', { class: 'actions' }, again));
				await new Promise((resolve) => again.addEventListener('click', resolve, { once: true }));
				extra.replaceChildren();
				setStatus(status, '');
			}
		}
	};

	// A timed step: resolves at the end of the timer or on "Next".
	const timed = (secs) => new Promise((resolve) => {
		let stop = null;
		const hold = setTimeout(() => {
			next.disabled = false;
		}, HOLD_MS);
		const end = () => {
			clearTimeout(hold);
			if (stop)
				stop();
			next.removeEventListener('click', end);
			next.disabled = true;
			resolve();
		};
		timerLine.hidden = false;
		next.hidden = false;
		next.disabled = true;
		next.addEventListener('click', end);
		stop = countdown(timer, secs, end);
	});

	// The SMS step: resolves once the server has taken the code.
	const smsStep = (info) => new Promise((resolve) => {
		next.hidden = true;
		const code = field({ id: 'idv-code', label: 'idv.code', inputmode: 'numeric',
			autocomplete: 'one-time-code', maxlength: 6, hint: 'idv.code_hint' });
		const sentTo = h('p', { id: 'idv-sent-to' });
		const ctimer = h('span', { class: 'timer', id: 'idv-code-timer', role: 'timer' });
		const cline = h('p', { class: 'hint', id: 'idv-code-valid' }, t('code.expires_in') + ' ', ctimer);
		let stopC = null;
		const arm = (sent) => {
			if (stopC)
				stopC();
			if (!sent)
				return;
			sentTo.textContent = t(sent.sent ? 'idv.code_sent' : 'idv.code_still', { to: sent.to_masked });
			cline.hidden = !(sent.expires_in > 0);
			if (sent.expires_in > 0)
				stopC = countdown(ctimer, sent.expires_in);
		};
		arm(info.code);
		const submit = button('idv.code_submit', { id: 'idv-code-submit' });
		const form = h('form', { novalidate: true, id: 'idv-code-form' }, sentTo, code.wrap, cline,
		    h('div', { class: 'actions' }, submit));
		// Code not arriving: another number (remembered for issuance).
		const other = phoneField('idv-newphone', 'idv.other_phone', 'idv.other_phone_hint');
		const send = button('idv.other_send', { type: 'button', id: 'idv-newphone-send', kind: 'secondary' });
		const otherBox = h('details', { id: 'idv-other' }, h('summary', {}, t('idv.other_title')),
		    other.wrap, h('div', { class: 'actions' }, send));
		send.addEventListener('click', () => busy(send, async () => {
			clearErrors({ other });
			try {
				arm((await C.idvPhone(c.id, other.value())).code);
				otherBox.open = false;
				setStatus(status, t('code.resent'), 'ok');
			} catch (e) {
				if (e instanceof ApiError && e.field === 'phone')
					fieldError(other, errorText(e));
				else
					setStatus(status, errorText(e), 'err');
			}
		}));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors({ code });
			setStatus(status, '');
			const v = code.input.value.replace(/\s/g, '');
			if (!/^[0-9]{6}$/.test(v)) {
				fieldError(code, t('code.bad_format6'));
				return;
			}
			await busy(submit, async () => {
				try {
					await C.idvCode(c.id, v);
				} catch (e) {
					timings.push({ step: 'sms_code', ms: rec.elapsed(), refused: e.code || 'error' });
					fieldError(code, errorText(e));
					code.input.select();
					// The step repeats (its time recorded again); a code
					// no longer valid is replaced by a new one.
					if (e instanceof ApiError && e.status > 0 && e.status < 500) {
						try {
							const again = await C.idvStep(c.id, 'sms_code');
							timings.push({ step: 'sms_code', ms: rec.elapsed() });
							arm(again.code);
						} catch (e2) {
							setStatus(status, errorText(e2), 'err');
						}
					}
					return;
				}
				if (stopC)
					stopC();
				timings.push({ step: 'sms_code', ms: rec.elapsed(), verified: true });
				resolve();
			});
		});
		extra.replaceChildren(form, otherBox);
		code.input.focus();
	});

	// ---- the steps ----------------------------------------------------------------------
	const run = async () => {
		unguard = guardUnload();
		rec = new Recording(stream);
		rec.start();
		recDot.hidden = false;
		every(500, () => {
			elapsed.textContent = mmss(rec.elapsed());
		});
		elapsed.textContent = '00:00';
		try {
			for (let i = 0; i < c.steps.length; i++) {
				const s = c.steps[i];
				const def = STEPS[s] || { secs: 5 };
				stepNo.textContent = t('idv.step_of', { k: i + 1, n: c.steps.length });
				view.dataset.step = s;
				say(stepLabel(s), '…');
				const info = await startStep(s);
				if (stopped)
					return;
				timings.push({ step: s, ms: rec.elapsed() });
				say(stepLabel(s), t('idv.s_' + s + '_text'));
				if (s === 'head_turn') {
					big.textContent = t('idv.dir_' + (info.direction || 'left'));
					big.className = 'rec-big dir';
					big.hidden = false;
				} else if (s === 'read_number') {
					big.textContent = (info.number || '').split('').join(' ');
					big.className = 'rec-big';
					big.hidden = false;
				}
				prompt.focus({ preventScroll: true });
				if (def.code)
					await smsStep(info);
				else
					await timed(def.secs);
				if (def.frame) {
					const jpg = await frame(video);
					if (jpg) {
						frames[def.frame] = jpg;
						setStatus(status, t('idv.photo_taken'), 'ok');
					}
				}
				if (stopped)
					return;
			}
		} catch (e) {
			say(t('idv.rec_failed'), errorText(e));
			stopAll();
			return;
		}
		next.hidden = true;
		cancel.hidden = true;
		stepNo.textContent = '';
		view.dataset.step = 'done';
		say(t('idv.rec_done'), t('idv.rec_saving'));
		const { blob, type } = await rec.stop();
		const labels = deviceLabels(stream);
		closeCamera(stream);
		video.srcObject = null;
		const files = [{ kind: 'video', type, blob }];
		for (const k of ['doc_front', 'doc_tilt', 'doc_back', 'face'])
			if (frames[k])
				files.push({ kind: k, type: 'image/jpeg', blob: frames[k] });
		const r = {
			caseId: c.id, files,
			client: {
				camera_label: labels.camera.slice(0, 500),
				microphone_label: labels.microphone.slice(0, 500),
				user_agent: navigator.userAgent.slice(0, 500),
				screen: `${screen.width}x${screen.height}`,
				timings: JSON.stringify(timings).slice(0, 8000),
				duration_ms: Math.min(rec.elapsed(), 3600000),
			},
		};
		await keepRecording(r);
		unguard();
		cancelLeave();
		stopped = true;
		o.onRecorded(r);
	};

	prepare();
}

// o: {body, rec: {caseId, files, client}, onSubmitted(status)}
export function uploadView(o) {
	const { caseId, files, client } = o.rec;
	const total = files.reduce((n, f) => n + f.blob.size, 0);
	const bar = h('progress', { id: 'idv-progress', max: String(total), value: '0' });
	const text = h('p', { id: 'idv-progress-text', class: 'muted' });
	const status = statusBox('idv-upload-status');
	const retry = button('idv.try_now', { type: 'button', id: 'idv-try-now', kind: 'secondary' });
	retry.hidden = true;
	o.body.replaceChildren(h('div', { id: 'idv-upload' },
	    h('h2', { id: 'idv-upload-title' }, t('idv.up_title')),
	    h('p', {}, t('idv.up_intro')),
	    h('label', { for: 'idv-progress', class: 'sr-only' }, t('idv.up_progress')),
	    bar, text, status, h('div', { class: 'actions' }, retry)));
	window.scrollTo(0, 0);
	let left = false, wake = null;
	const unguard = guardUnload();
	const cancelLeave = onLeave(() => {
		left = true;
		unguard();
		if (wake)
			wake();
	});
	retry.addEventListener('click', () => {
		if (wake)
			wake();
	});
	const show = (p) => {
		bar.value = p.sent;
		text.textContent = t('idv.up_bytes', {
			sent: megabytes(p.sent), total: megabytes(p.total),
			pct: p.total ? Math.floor((100 * p.sent) / p.total) : 100,
		});
		if (p.waiting) {
			setStatus(status, t('idv.up_retry', { when: fmtWait(p.waiting / 1000), n: p.tries }), 'err');
			retry.hidden = false;
		} else {
			setStatus(status, '');
			retry.hidden = true;
		}
	};
	const sizes = Object.fromEntries(files.map((f) => [f.kind, f.blob.size]));
	const fail = (e) => {
		unguard();
		setStatus(status, errorText(e), 'err');
		const again = button('idv.try_again', { type: 'button', id: 'idv-up-again' });
		again.addEventListener('click', () => uploadView(o));
		status.after(h('div', { class: 'actions' }, again));
	};
	const run = async () => {
		const opts = { progress: show, stopped: () => left, onWait: (w) => { wake = w; } };
		let tries = 0;
		for (;;) {
			try {
				await uploadAll(caseId, files, opts);
				setStatus(status, t('idv.up_finishing'));
				const st = await C.idvSubmit(caseId, { client, files: sizes });
				unguard();
				cancelLeave();
				await forgetRecording(caseId);
				await o.onSubmitted(st);
				return;
			} catch (e) {
				if (left)
					return;
				// A file the server did not get whole: resume it (the
				// loop asks where each stands), the time-stamp service
				// or the connection away: wait and submit again.
				const again = e instanceof ApiError && (e.code === 'upload_incomplete' ||
				    e.status === 0 || e.status >= 500 || e.status === 429);
				if (!again || ++tries > 8) {
					fail(e);
					return;
				}
				setStatus(status, errorText(e), 'err');
				await new Promise((r) => setTimeout(r, e.retryAfter ? e.retryAfter * 1000 : 2000));
			}
		}
	};
	run();
}
