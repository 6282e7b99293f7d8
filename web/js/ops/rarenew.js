// ops/rarenew.js: the RA console's renewal requests (J10). /ra/renewals
// lists them (those waiting by default, oldest first); /ra/renewals/{id}
// shows one request beside the identity of the holder's current
// certificate (the accepted identification's) and the photo of the
// document sent (an image inline; a PDF to download); the operator
// approves it (the renewals job issues it 3 days before the current
// certificate ends) or rejects it with a reason the holder sees. The
// server checks the role, the sign-in with the authenticator and the
// request's state.
import { t, fmtTime, fmtDate } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, notice, field, statusBox, setStatus, clearErrors, fieldError, showError, busy, button, link,
	confirmDialog, kv,
} from '../ui.js';
import { docLabel } from '../pages/identify.js';
import { refusal } from './ra.js';

const STATES = ['submitted', 'approved', 'rejected', 'issued', 'refunded', 'closed', 'draft'];

function stateText(s) {
	return STATES.includes(s) ? t('rr.state_' + s) : s;
}

function docText(d) {
	return [docLabel(d.type), [d.series, d.number].filter(Boolean).join(' ')].filter(Boolean).join(', ');
}

export async function raRenewals(ctx) {
	const q = new URLSearchParams(location.search).get('state') ?? 'submitted';
	const sel = h('select', { id: 'rr-state', class: 'input' },
	    h('option', { value: '' }, t('rr.all')),
	    STATES.map((s) => h('option', { value: s, selected: q === s }, stateText(s))));
	let r;
	try {
		r = await C.raRenewals(q);
	} catch (e) {
		return refusal(ctx, e);
	}
	sel.addEventListener('change', () => ctx.go('/ra/renewals?state=' + encodeURIComponent(sel.value)));
	const rows = r.renewals.map((x) => h('tr', { id: 'rr-row-' + x.id, 'data-state': x.state },
	    h('td', { 'data-label': t('rr.request') },
		h('a', { href: '/ra/renewals/' + x.id, 'data-link': true, id: 'rr-open-' + x.id }, x.id.slice(0, 8))),
	    h('td', { 'data-label': t('rr.submitted_at') }, fmtTime(x.submitted_at) || '—'),
	    h('td', { 'data-label': t('rr.old_not_after') }, fmtTime(x.old_not_after)),
	    h('td', { 'data-label': t('rr.document') }, docText(x.document)),
	    h('td', { 'data-label': t('rr.state') }, stateText(x.state))));
	const sec = page('rr.title', h('p', { class: 'lead' }, t('rr.intro')),
	    h('div', { class: 'field' }, h('label', { for: 'rr-state' }, t('ra.show')), sel),
	    h('p', { class: 'muted', id: 'rr-count', role: 'status' }, t('rr.count', { n: rows.length })),
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'rr-list' },
		h('thead', {}, h('tr', {}, ['rr.request', 'rr.submitted_at', 'rr.old_not_after', 'rr.document', 'rr.state']
		    .map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', { id: 'rr-rows' }, rows))),
	    h('p', {}, link('/ra', 'rr.back_cases', 'rr-cases')));
	sec.classList.add('wide');
	return sec;
}

// The photo: an image inline, a PDF as a download.
async function photoView(x) {
	if (!x.photo_type)
		return notice(t('rr.no_photo'), 'warn', 'rr-photo-none');
	try {
		if (x.photo_type === 'application/pdf') {
			const blob = await C.raRenewalPhotoBlob(x.id);
			const url = URL.createObjectURL(blob);
			return h('p', {}, h('a', { href: url, download: 'document-' + x.id.slice(0, 8) + '.pdf', id: 'rr-photo-pdf' },
			    t('rr.photo_pdf')));
		}
		const img = await C.raRenewalPhoto(x.id);
		return h('img', { src: img.url, id: 'rr-photo', class: 'doc-photo', alt: t('rr.photo_alt') });
	} catch (e) {
		return notice(errorText(e), 'warn', 'rr-photo-error');
	}
}

export async function raRenewalView(ctx) {
	const id = ctx.params.id;
	let r;
	try {
		r = await C.raRenewal(id);
	} catch (e) {
		return refusal(ctx, e);
	}
	const body = h('div', { id: 'rr-body' });
	const sec = page('rr.one_title', body);
	sec.classList.add('wide');
	const render = async (v, said) => {
		const x = v.request;
		const d = x.document || {};
		const i = v.identity || {};
		const decide = x.state === 'submitted' ? decideForm(x) : null;
		body.replaceChildren(...[
			said ? notice(said, 'ok', 'rr-done') : null,
			kv([
				['rr.state', stateText(x.state), 'rr-state-now'],
				['rr.old_serial', x.old_serial, 'rr-old-serial'],
				['rr.old_not_after', fmtTime(x.old_not_after), 'rr-old-end'],
				['rr.submitted_at', fmtTime(x.submitted_at), 'rr-sent'],
				['rr.terms', x.terms_version, 'rr-terms'],
				x.reason ? ['rr.reason', x.reason, 'rr-reason-now'] : null,
				x.new_serial ? ['rr.new_serial', x.new_serial, 'rr-new-serial'] : null,
			], 'rr-meta'),
			h('div', { class: 'grid2', id: 'rr-compare' },
			    h('section', { 'aria-labelledby': 'rr-req-title' },
				h('h2', { id: 'rr-req-title' }, t('rr.req_title')),
				kv([
					['idv.doc_type', docLabel(d.type), 'rr-req-type'],
					['ren.doc_series', d.series, 'rr-req-series'],
					['ren.doc_number', d.number, 'rr-req-number'],
					['ren.doc_issued', fmtDate(d.issued), 'rr-req-issued'],
					['ren.doc_expiry', fmtDate(d.expiry), 'rr-req-expiry'],
					['ren.doc_issuer', d.issuer, 'rr-req-issuer'],
				], 'rr-request')),
			    h('section', { 'aria-labelledby': 'rr-cur-title' },
				h('h2', { id: 'rr-cur-title' }, t('rr.cur_title')),
				kv([
					['ren.given_name', i.given_name, 'rr-cur-given'],
					['ren.surname', i.surname, 'rr-cur-surname'],
					['ren.cnp', i.cnp, 'rr-cur-cnp'],
					['idv.doc_type', docLabel(i.doc_type), 'rr-cur-type'],
					['ren.doc_series', i.doc_series, 'rr-cur-series'],
					['ren.doc_number', i.doc_number, 'rr-cur-number'],
					['ren.doc_expiry', fmtDate(i.doc_expiry), 'rr-cur-expiry'],
					['ren.country', i.country, 'rr-cur-country'],
				], 'rr-current'))),
			h('h2', {}, t('rr.photo_title')),
			await photoView(x),
			decide,
			h('p', {}, link('/ra/renewals', 'rr.back', 'rr-back')),
		].filter(Boolean));
	};
	const decideForm = (x) => {
		const reason = field({ id: 'rr-reason', label: 'rr.reason', hint: 'rr.reason_hint', maxlength: 500,
			required: false });
		const st = statusBox('rr-status');
		const ok = button('rr.approve', { type: 'button', id: 'rr-approve' });
		const no = button('rr.reject', { type: 'button', id: 'rr-reject', kind: 'danger' });
		ok.addEventListener('click', async () => {
			if (!await confirmDialog(t('rr.approve_title'), t('rr.approve_text'), t('rr.approve')))
				return;
			await busy(ok, async () => {
				try {
					await render(await C.raRenewalApprove(x.id), t('rr.approved'));
				} catch (e) {
					setStatus(st, errorText(e), 'err');
				}
			});
		});
		no.addEventListener('click', () => busy(no, async () => {
			clearErrors({ reason });
			setStatus(st, '');
			const text = reason.input.value.trim();
			if (text.length < 3) {
				fieldError(reason, t('rr.reason_required'));
				return;
			}
			try {
				await render(await C.raRenewalReject(x.id, text), t('rr.rejected'));
			} catch (e) {
				showError(e, { reason }, st);
			}
		}));
		return h('section', { id: 'rr-decide', 'aria-labelledby': 'rr-decide-title' },
		    h('h2', { id: 'rr-decide-title' }, t('rr.decide_title')),
		    h('p', { class: 'muted' }, t('rr.decide_hint')),
		    h('div', { class: 'actions' }, ok), reason.wrap, h('div', { class: 'actions' }, no), st);
	};
	await render(r);
	return sec;
}
