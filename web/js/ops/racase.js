// ops/racase.js: one identification in the RA console (/ra/cases/:id):
// the video (served by ranges, so the player seeks) with a button per
// step at its time in the recording (the server's step times from the
// first step, the browser's own beside them); the still frames side by
// side with the declared data; the SMS code's result and the challenges
// as they were shown; the evidence (what the browser reported, what the
// server saw, the manifest's and the files' hashes); the order; the
// claim ("take the case" / release) and, for the holder, the decisions
// (radecide.js). Opening the page is audited by the server as a view.
import { t, fmtTime, getLang } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, notice, statusBox, setStatus, busy, button, link, kv, capital } from '../ui.js';
import { fmtMoney } from '../shopview.js';
import { docLabel } from '../pages/identify.js';
import { stepLabel } from '../idvrecord.js';
import { caseState, deadlineBadge, claimText, refusal, fmtDur } from './ra.js';
import { decisionForms } from './radecide.js';

const FRAMES = ['doc_front', 'doc_tilt', 'doc_back', 'face'];

function clock(sec) {
	sec = Math.max(0, Math.floor(sec));
	return String(Math.floor(sec / 60)).padStart(2, '0') + ':' + String(sec % 60).padStart(2, '0');
}

function parseTimings(client) {
	try {
		const a = JSON.parse((client && client.timings) || '[]');
		return Array.isArray(a) ? a : [];
	} catch (e) {
		return [];
	}
}

// The player: MediaRecorder files carry no duration; asking for a time
// past the end makes the browser find it, then back to the start.
function player(src) {
	const v = h('video', { id: 'ra-video', controls: true, preload: 'auto', src, playsinline: true });
	v.addEventListener('loadedmetadata', () => {
		if (!isFinite(v.duration)) {
			const back = () => {
				if (isFinite(v.duration)) {
					v.removeEventListener('durationchange', back);
					v.currentTime = 0;
				}
			};
			v.addEventListener('durationchange', back);
			v.currentTime = 1e9;
		}
	});
	return v;
}

// Each started step with its offset in the recording: the server's times
// from the first step; the browser's, in order, for the same steps.
function stepTimes(c) {
	const steps = Array.isArray(c.steps) ? c.steps : [];
	const t0 = steps.length ? steps[0].at : 0;
	const browser = parseTimings(c.client).filter((x) => x.step && x.refused === undefined && !x.verified);
	return steps.map((s, i) => ({
		step: s.step, at: s.at, off: s.at - t0,
		client: browser[i] && browser[i].step === s.step ? browser[i].ms / 1000 : null,
	}));
}

export async function raCaseView(ctx) {
	const id = ctx.params.id;
	const me = (ctx.session.user || {}).id;
	let c, meta;
	try {
		[c, meta] = await Promise.all([C.raCase(id), C.raMeta()]);
	} catch (e) {
		return refusal(ctx, e);
	}
	const lang = getLang();
	const body = h('div', { id: 'ra-case' });
	const sec = page('ra.case_title', body);
	sec.classList.add('wide');
	const status = statusBox('ra-case-status');
	const reload = async (msg, kind) => {
		try {
			c = await C.raCase(id);
		} catch (e) {
			setStatus(status, errorText(e), 'err');
			return;
		}
		draw();
		if (msg)
			setStatus(status, msg, kind || 'ok');
	};

	const header = () => h('section', { class: 'ra-head', 'aria-labelledby': 'ra-sum-title' },
	    h('h2', { id: 'ra-sum-title' }, t('ra.case_short', { id: c.id.slice(0, 8), n: c.attempt })),
	    kv([
		['ra.state', caseState(c.state), 'ra-state-value'],
		['idv.order', c.order.number],
		['idv.submitted_at', fmtTime(c.submitted_at)],
		['ra.waiting', c.submitted_at ? fmtDur(c.waiting_s) : '—'],
		['ra.holder', claimText(c, me), 'ra-holder'],
	    ]),
	    h('p', {}, t('ra.deadline') + ': ', deadlineBadge(c, 'ra-deadline')));

	const claimBar = () => {
		if (!['submitted', 'contact'].includes(c.state))
			return null;
		const kids = [];
		if (c.mine) {
			const rel = button('ra.release', { type: 'button', id: 'ra-release', kind: 'secondary' });
			rel.addEventListener('click', () => busy(rel, async () => {
				try {
					await C.raRelease(c.id);
					await reload(t('ra.released'));
				} catch (e) {
					setStatus(status, errorText(e), 'err');
				}
			}));
			kids.push(notice(t('ra.held', { until: fmtTime(c.claim_until) }), 'ok', 'ra-held'), rel);
		} else {
			const take = button('ra.claim', { type: 'button', id: 'ra-claim' });
			take.addEventListener('click', () => busy(take, async () => {
				try {
					await C.raClaim(c.id);
					await reload(t('ra.claimed', { min: meta.claim_minutes }));
				} catch (e) {
					setStatus(status, errorText(e), 'err');
				}
			}));
			if (c.claimed_by)
				kids.push(notice(claimText(c, me), 'warn', 'ra-held-other'));
			kids.push(take);
		}
		return h('div', { class: 'actions ra-claim' }, kids);
	};

	const recording = () => {
		const video = c.files.find((f) => f.kind === 'video' && f.final);
		if (!video)
			return notice(t('ra.no_video'), 'warn', 'ra-no-video');
		const v = player(C.raFileUrl(c.id, 'video'));
		const times = stepTimes(c);
		const seek = (sec) => {
			v.currentTime = sec;
			v.play().catch(() => null);
		};
		return h('section', { 'aria-labelledby': 'ra-rec-title' },
		    h('h2', { id: 'ra-rec-title' }, t('ra.recording')),
		    h('div', { class: 'ra-player' }, v),
		    h('p', { class: 'hint' }, t('ra.seek_hint')),
		    h('ol', { class: 'ra-steps', id: 'ra-steps' }, times.map((s, i) => h('li', {},
			h('button', { type: 'button', class: 'btn secondary', id: 'ra-seek-' + i, 'data-step': s.step,
				'data-offset': String(s.off), onclick: () => seek(s.off) },
			    clock(s.off) + ' ' + stepLabel(s.step)),
			s.client !== null ? h('span', { class: 'muted small' }, ' ' + t('ra.browser_at', { t: clock(s.client) })) : null))));
	};

	const frames = () => h('section', { 'aria-labelledby': 'ra-frames-title' },
	    h('h2', { id: 'ra-frames-title' }, t('ra.frames')),
	    h('div', { class: 'ra-compare' },
		h('div', { class: 'ra-frames' }, FRAMES.filter((k) => c.files.some((f) => f.kind === k && f.final))
		    .map((k) => h('figure', {}, h('img', { src: C.raFileUrl(c.id, k), alt: t('ra.frame_' + k), id: 'ra-img-' + k }),
			h('figcaption', {}, t('ra.frame_' + k))))),
		h('div', { class: 'ra-declared' }, h('h3', {}, t('ra.declared')), kv([
			['idv.doc_type', docLabel(c.doc_type), 'ra-doc'],
			['idv.email', c.email, 'ra-email'],
			['ra.phone', c.phone, 'ra-phone'],
			['ra.phone_changed', t(c.phone_changed ? 'ra.phone_changed_yes' : 'ra.no'), 'ra-phone-changed'],
		]))));

	const checks = () => {
		const times = stepTimes(c);
		const shownAt = (step) => {
			const s = times.find((x) => x.step === step);
			return s ? clock(s.off) : '—';
		};
		const chal = (Array.isArray(c.challenges) ? c.challenges : []).map((x, i) => {
			const what = x.kind === 'head' ? t('ra.ch_head', { dir: t('ra.dir_' + x.direction) })
			    : t('ra.ch_number', { n: x.value });
			const step = x.kind === 'head' ? 'head_turn' : 'read_number';
			return h('li', { id: 'ra-ch-' + i }, what, ' ', h('span', { class: 'muted' }, t('ra.shown_at', { t: shownAt(step) })));
		});
		return h('section', { 'aria-labelledby': 'ra-checks-title' },
		    h('h2', { id: 'ra-checks-title' }, t('ra.checks')),
		    kv([
			['ra.sms', c.sms.verified_at ? t('ra.sms_ok', { at: fmtTime(c.sms.verified_at), t: shownAt('sms_code') })
			    : t('ra.sms_no'), 'ra-sms'],
			['ra.sms_failures', String(c.sms.failures), 'ra-sms-failures'],
		    ]),
		    h('h3', {}, t('ra.challenges')),
		    h('ul', { id: 'ra-challenges' }, chal));
	};

	const evidence = () => {
		const cl = c.client || {};
		const timings = parseTimings(cl);
		return h('section', { 'aria-labelledby': 'ra-ev-title' },
		    h('h2', { id: 'ra-ev-title' }, t('ra.evidence')),
		    kv([
			['ra.camera', cl.camera_label, 'ra-camera'],
			['ra.microphone', cl.microphone_label, 'ra-microphone'],
			['ra.ua_browser', cl.user_agent, 'ra-ua-browser'],
			['ra.ua_server', c.user_agent, 'ra-ua-server'],
			['ra.ip', c.ip, 'ra-ip'],
			['ra.screen', cl.screen],
			['ra.duration', cl.duration_ms ? clock(cl.duration_ms / 1000) : '—', 'ra-duration'],
			['ra.created', fmtTime(c.created_at)],
			['ra.manifest', h('code', {}, c.manifest_sha256 || '—'), 'ra-manifest'],
		    ]),
		    h('details', {}, h('summary', {}, t('ra.timings')),
			h('ol', { id: 'ra-timings' }, timings.map((x) => h('li', {}, `${clock((x.ms || 0) / 1000)} ${stepLabel(x.step)}` +
			    (x.refused ? ' · ' + t('ra.code_refused') : x.verified ? ' · ' + t('ra.code_ok') : ''))))),
		    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'ra-files' },
			h('thead', {}, h('tr', {}, ['ra.file', 'ra.type', 'ra.size', 'SHA-256'].map((k) => h('th', { scope: 'col' }, k.includes('.') ? t(k) : k)))),
			h('tbody', {}, c.files.map((f) => h('tr', {},
			    h('td', { 'data-label': t('ra.file') }, t('ra.frame_' + f.kind)),
			    h('td', { 'data-label': t('ra.type') }, f.type),
			    h('td', { 'data-label': t('ra.size') }, String(f.size)),
			    h('td', { 'data-label': 'SHA-256' }, h('code', {}, f.sha256 || '—'))))))));
	};

	const order = () => h('section', { 'aria-labelledby': 'ra-order-title' },
	    h('h2', { id: 'ra-order-title' }, t('ra.order')),
	    kv([
		['order.number', c.order.number, 'ra-order-number'],
		['order.package', c.order.package],
		['order.state', t('order.state_' + c.order.state)],
		['order.total', fmtMoney(c.order.total_bani, 'RON')],
		['ra.paid_at', fmtTime(c.order.paid_at)],
	    ]));

	const decided = () => {
		if (!c.decided_at)
			return null;
		const who = c.identity || {};
		return h('section', { 'aria-labelledby': 'ra-dec-title', id: 'ra-decided' },
		    h('h2', { id: 'ra-dec-title' }, t('ra.decision')),
		    kv([
			['ra.state', caseState(c.state)],
			['ra.decided_at', fmtTime(c.decided_at)],
			['ra.decided_by', c.decided_by === me ? t('ra.you') : c.decided_by],
			c.reason ? ['ra.reason', capital((meta.reasons.find((r) => r.code === c.reason) || {})[lang] || c.reason), 'ra-dec-reason'] : null,
			c.reason_text ? ['idv.note', c.reason_text] : null,
			c.identity ? ['ra.id_name', `${who.given_name} ${who.surname}`, 'ra-dec-name'] : null,
			c.identity ? ['ra.id_doc', `${docLabel(who.doc_type)} ${who.doc_series || ''} ${who.doc_number}`.replace(/\s+/g, ' '), 'ra-dec-doc'] : null,
			c.identity ? ['ra.id_expiry', who.doc_expiry] : null,
			c.identity && who.cnp ? ['ra.id_cnp', who.cnp, 'ra-dec-cnp'] : null,
			c.identity ? ['ra.id_country', who.country] : null,
		    ]));
	};

	// The player and the pictures stay across redraws (each load of a
	// file is an audited read).
	let media = null;
	function draw() {
		media = media || [recording(), frames()];
		body.replaceChildren(...[
		    h('p', {}, link('/ra', 'ra.back', 'ra-back')),
		    header(), claimBar(), status, decided(),
		    ...media, checks(), evidence(), order(),
		    c.mine ? decisionForms(c, meta, reload) : null].filter(Boolean));
	}
	draw();
	return sec;
}
