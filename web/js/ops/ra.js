// ops/ra.js: the RA console's queue (/ra): the identifications waiting
// for an operator, the longest waiting first, with the review deadline
// (24 h by default) highlighted when it has passed or is near; other
// states on demand. Also what the console's pages share: durations, the
// deadline badge, the states, and the page for a refusal (403 forbidden,
// or operator_totp_required: the console needs a sign-in with the
// authenticator).
import { t, fmtTime } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, notice, statusBox, setStatus, busy, button, link, linkButton } from '../ui.js';
import { docLabel } from '../pages/identify.js';

// A deadline within this is "near".
const NEAR_S = 4 * 3600;
const STATES = ['submitted', 'contact', 'accepted', 'rejected', 'redo', 'open', 'abandoned'];

export function caseState(s) {
	return STATES.includes(s) ? t('ra.state_' + s) : s;
}

// 3 h 05 min, 12 min, 40 s.
export function fmtDur(sec) {
	sec = Math.max(0, Math.round(sec));
	const hh = Math.floor(sec / 3600), mm = Math.floor((sec % 3600) / 60);
	if (hh > 0)
		return t('ra.dur_h', { h: hh, m: String(mm).padStart(2, '0') });
	if (mm > 0)
		return t('ra.dur_m', { m: mm });
	return t('ra.dur_s', { s: sec });
}

// The deadline with its urgency: {cls: overdue|near|'', text}.
export function deadline(c) {
	if (!c.deadline_at || !['submitted', 'contact'].includes(c.state))
		return { cls: '', text: c.deadline_at ? fmtTime(c.deadline_at) : '—' };
	const left = (new Date(c.deadline_at) - Date.now()) / 1000;
	if (c.overdue || left <= 0)
		return { cls: 'overdue', text: t('ra.overdue', { dur: fmtDur(-left), at: fmtTime(c.deadline_at) }) };
	if (left < NEAR_S)
		return { cls: 'near', text: t('ra.due_soon', { dur: fmtDur(left), at: fmtTime(c.deadline_at) }) };
	return { cls: '', text: t('ra.due_in', { dur: fmtDur(left), at: fmtTime(c.deadline_at) }) };
}

export function deadlineBadge(c, id) {
	const d = deadline(c);
	return h('span', { class: 'deadline' + (d.cls ? ' ' + d.cls : ''), id, 'data-urgency': d.cls || 'ok' }, d.text);
}

// Who holds a case.
export function claimText(c, me) {
	if (!c.claimed_by)
		return t('ra.free');
	return c.claimed_by === me ? t('ra.claimed_me', { until: fmtTime(c.claim_until) })
	    : t('ra.claimed_other', { until: fmtTime(c.claim_until) });
}

// The page for a refusal of the console's API; other errors as text.
export function refusal(ctx, e) {
	if (e instanceof ApiError && e.code === 'operator_totp_required') {
		const u = ctx.session.user || {};
		return page('ra.title', notice(t('ra.totp_required'), 'warn', 'ra-refused'),
		    h('p', {}, t(u.twofa_enabled ? 'ra.totp_signin' : 'ra.totp_pair')),
		    h('div', { class: 'actions' }, u.twofa_enabled
			? button('nav.signout', { type: 'button', id: 'ra-signout', onclick: () => ctx.signOut() })
			: linkButton('/pair', 'nav.pair', 'ra-pair')));
	}
	if (e instanceof ApiError && e.code === 'forbidden')
		return page('ops.forbidden_title', notice(t('ops.forbidden'), 'warn', 'ra-refused'),
		    h('p', {}, link('/home', 'nf.home')));
	return page('ra.title', notice(errorText(e), 'warn', 'ra-error'));
}

export async function raQueue(ctx) {
	const q = new URLSearchParams(location.search);
	const me = (ctx.session.user || {}).id;
	const stateSel = h('select', { id: 'ra-state', class: 'input' },
	    h('option', { value: '' }, t('ra.queue_waiting')),
	    STATES.map((s) => h('option', { value: s, selected: q.get('state') === s }, caseState(s))));
	const tbody = h('tbody', { id: 'ra-rows' });
	const count = h('p', { class: 'muted', id: 'ra-count', role: 'status' });
	const status = statusBox('ra-status');

	const row = (c) => {
		const d = deadline(c);
		return h('tr', { id: 'ra-case-' + c.id, class: d.cls ? 'urgent-' + d.cls : '', 'data-state': c.state },
		    h('td', { 'data-label': t('ra.case') },
			h('a', { href: '/ra/cases/' + c.id, 'data-link': true, id: 'ra-open-' + c.id },
			    t('ra.case_short', { id: c.id.slice(0, 8), n: c.attempt }))),
		    h('td', { 'data-label': t('idv.doc_type') }, docLabel(c.doc_type)),
		    h('td', { 'data-label': t('idv.submitted_at') }, fmtTime(c.submitted_at)),
		    h('td', { 'data-label': t('ra.waiting') }, c.submitted_at ? fmtDur(c.waiting_s) : '—'),
		    h('td', { 'data-label': t('ra.deadline') }, deadlineBadge(c, 'ra-deadline-' + c.id)),
		    h('td', { 'data-label': t('ra.state') }, caseState(c.state)),
		    h('td', { 'data-label': t('ra.holder') }, claimText(c, me)));
	};
	async function load() {
		const st = stateSel.value;
		history.replaceState({}, '', '/ra' + (st ? '?state=' + encodeURIComponent(st) : ''));
		const r = await C.raCases(st);
		// The longest waiting first (the server's order too).
		const list = r.cases.slice().sort((a, b) => (b.waiting_s || 0) - (a.waiting_s || 0));
		const late = list.filter((c) => deadline(c).cls === 'overdue').length;
		count.textContent = t(list.length === 1 ? 'ra.count_1' : 'ra.count', { n: list.length }) +
		    (late ? ' ' + t('ra.count_late', { n: late }) : '');
		tbody.replaceChildren(...list.map(row));
	}
	try {
		await load();
	} catch (e) {
		return refusal(ctx, e);
	}
	const refresh = button('ra.refresh', { id: 'ra-refresh' });
	const form = h('form', { id: 'ra-form', class: 'filters' },
	    h('div', { class: 'field' }, h('label', { for: 'ra-state' }, t('ra.show')), stateSel),
	    h('div', { class: 'actions' }, refresh));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(refresh, async () => {
			setStatus(status, '');
			try {
				await load();
			} catch (e) {
				setStatus(status, errorText(e), 'err');
			}
		});
	});
	stateSel.addEventListener('change', () => form.requestSubmit());
	const sec = page('ra.title', h('p', { class: 'lead' }, t('ra.intro')),
	    h('p', {}, link('/ra/renewals', 'rr.title', 'ra-renewals-link')), form, status, count,
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'ra-list' },
		h('thead', {}, h('tr', {}, ['ra.case', 'idv.doc_type', 'idv.submitted_at', 'ra.waiting', 'ra.deadline',
			'ra.state', 'ra.holder'].map((k) => h('th', { scope: 'col' }, t(k))))),
		tbody)));
	sec.classList.add('wide');
	return sec;
}
