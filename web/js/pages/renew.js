// renew.js: J10, renewing the certificate before it ends (rekey). The
// banner every page shows while a renewal can be asked (GET
// /api/v1/renewal: banner): the certificate's end and "start the
// process"; once sent, that it is being checked (approved: the day the
// new certificate comes); rejected, the operator's reason and "start
// again" (the paid order is used again: no second payment). The page
// /renew: the privacy notice confirmed (recorded as the gdpr_notice
// consent), a package bought in the shop's checkout when no paid order
// waits (the payment's return page leads back here), then the form: the
// holder's data read-only, the identity document editable with a photo
// of it (JPEG, PNG or PDF, at most 3 MB; the server reads the type from
// the bytes and says which field is wrong), "register", the renewal
// terms signed with the authenticator's code, "request sent for
// approval". The server enforces every rule (the 72-hour window, one
// request at a time, the document valid on the new start day).
import { t, fmtTime, fmtDate } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, notice, field, selectField, statusBox, setStatus, clearErrors, fieldError, showError, busy,
	button, link, linkButton, kv,
} from '../ui.js';
import { codeStep } from '../steps.js';
import { legalTexts, legalLink } from '../legal.js';
import { fmtMoney } from '../shopview.js';
import { validityText } from './shop.js';
import { DOC_TYPES, docLabel } from './identify.js';

export const PHOTO_MAX = 3 * 1024 * 1024;
const PENDING = ['submitted', 'approved'];

// The request of the current certificate, or null.
function current(st) {
	const r = st && st.request;
	return r && r.old_serial === st.serial ? r : null;
}

// The day the new certificate is issued (3 days before the end).
function issueDay(st) {
	return new Date(new Date(st.not_after).getTime() - 3 * 86400 * 1000).toISOString();
}

// The banner on top of every page (router.js); null when none.
export function renewalBanner(st) {
	if (!st || !st.banner)
		return null;
	const r = current(st);
	const id = 'renew-banner';
	const box = (state, kids) => h('aside', { class: 'notice warn renew-banner', id, role: 'status',
		'data-state': state, 'aria-label': t('ren.banner_label') }, kids);
	const go = (key) => h('p', { class: 'actions compact' }, linkButton('/renew', key, id + '-go'));
	if (r && r.state === 'submitted')
		return box('checking', h('p', { id: id + '-text' }, t('ren.banner_checking', { date: fmtTime(st.not_after) })));
	if (r && r.state === 'approved')
		return box('approved', h('p', { id: id + '-text' }, t('ren.banner_approved', { date: fmtDate(issueDay(st)) })));
	if (!st.offered)
		return null;
	if (r && r.state === 'rejected')
		return box('rejected', [
			h('p', { id: id + '-text' }, t('ren.banner_rejected', { date: fmtTime(st.not_after) })),
			h('p', {}, t('ren.reason'), ' ', h('strong', { id: id + '-reason' }, r.reason)),
			go('ren.start_again')]);
	return box('open', [
		h('p', { id: id + '-text' }, t('ren.banner_open', { date: fmtTime(st.not_after), closes: fmtTime(st.closes_at) })),
		go('ren.start')]);
}

// The payment's return page: a paid order the renewal can use leads
// back to the form; null otherwise.
export async function renewalAfterPayment(o) {
	const st = await C.renewal().catch(() => null);
	if (!st || !st.serial || !st.offered || st.order_id !== o.id)
		return null;
	return [h('p', { id: 'ret-next' }, t('ren.paid_next')),
		h('div', { class: 'actions' }, linkButton('/renew', 'ren.continue', 'ret-renew'),
		    linkButton('/home', 'ret.home', 'ret-home', 'secondary'))];
}

function identityRows(st) {
	const i = st.identity || {};
	return kv([
		['ren.given_name', i.given_name, 'ren-id-given'],
		['ren.surname', i.surname, 'ren-id-surname'],
		['ren.cnp', i.cnp, 'ren-id-cnp'],
		['ren.phone', i.phone, 'ren-id-phone'],
		['ren.email', i.email, 'ren-id-email'],
		['ren.country', i.country, 'ren-id-country'],
	], 'ren-identity');
}

export async function renew(ctx) {
	const body = h('div', { id: 'ren-body' });
	const card = page('ren.title', body);
	card.classList.add('mid');
	const show = (...kids) => {
		body.replaceChildren(...kids.filter(Boolean));
		window.scrollTo(0, 0);
	};
	let st;
	try {
		st = await C.renewal();
	} catch (e) {
		show(notice(errorText(e), 'warn', 'ren-error'));
		return card;
	}
	const L = await legalTexts().catch(() => null);

	// ---- 6. sent --------------------------------------------------------------------
	const sent = (s) => {
		show(notice(t('ren.sent'), 'ok', 'ren-sent'),
		    h('p', { id: 'ren-sent-text' }, t('ren.sent_text', { date: fmtDate(issueDay(s)) })),
		    h('p', {}, h('a', { href: C.renewalTermsPdfUrl(), download: 'renewal-terms-signed.pdf',
			id: 'ren-terms-pdf' }, t('ren.terms_pdf'))),
		    h('div', { class: 'actions' }, button('common.ok', { type: 'button', id: 'ren-ok',
			onclick: () => ctx.go('/home') })));
	};

	// ---- 5. the terms, signed with the code ----------------------------------------------
	const terms = (rid) => {
		const doc = L && L.docs.terms;
		const cs = codeStep({
			id: 'ren-code', sent: {}, labelKey: 'si.totp_label', hintKey: 'si.totp_hint',
			submitKey: 'ren.sign', introKeyUnknown: 'ren.code_intro',
			codeToField: { totp_invalid: 'code', totp_replay: 'code', field_invalid: 'code' },
			submit: async (code) => {
				try {
					sent(await C.renewalSubmit(rid, code));
				} catch (e) {
					cs.input.value = '';
					throw e;
				}
			},
		});
		const cont = button('common.continue', { type: 'button', id: 'ren-terms-continue', onclick: () => {
			cont.hidden = true;
			codeBox.hidden = false;
			cs.input.focus();
		} });
		const codeBox = h('div', { id: 'ren-code-box', hidden: true }, cs.el);
		show(h('h2', {}, t('ren.terms_title')),
		    h('p', { id: 'ren-terms' }, t('ren.terms_text'), ' ',
			doc ? legalLink(doc, 'ren-terms-link', { newTab: true,
				text: t('iss.terms_link', { version: doc.version }) }) : null),
		    h('p', { class: 'muted' }, t('ren.terms_hint')),
		    h('div', { class: 'actions' }, cont), codeBox);
	};

	// ---- 4. the form ------------------------------------------------------------------
	const form = (s) => {
		const prev = (current(s) || {}).document || {};
		const F = {
			doc_type: selectField('ren-doc-type', 'idv.doc_type', DOC_TYPES.map((d) => [d, docLabel(d)])),
			doc_series: field({ id: 'ren-doc-series', label: 'ren.doc_series', hint: 'ren.doc_series_hint',
				maxlength: 8, required: false, value: prev.series }),
			doc_number: field({ id: 'ren-doc-number', label: 'ren.doc_number', maxlength: 20, value: prev.number }),
			doc_issued: field({ id: 'ren-doc-issued', label: 'ren.doc_issued', type: 'date', value: prev.issued }),
			doc_expiry: field({ id: 'ren-doc-expiry', label: 'ren.doc_expiry', type: 'date', value: prev.expiry,
				hint: 'ren.doc_expiry_hint' }),
			doc_issuer: field({ id: 'ren-doc-issuer', label: 'ren.doc_issuer', maxlength: 120, value: prev.issuer }),
			photo: field({ id: 'ren-photo', label: 'ren.photo', type: 'file', hint: 'ren.photo_hint' }),
		};
		if (prev.type)
			F.doc_type.input.value = prev.type;
		F.photo.input.setAttribute('accept', 'image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf');
		const status = statusBox('ren-status');
		const reg = button('ren.register', { id: 'ren-register' });
		const up = (k) => F[k].input.value.trim().toUpperCase();
		const validate = () => {
			const errs = [];
			for (const k of ['doc_number', 'doc_issued', 'doc_expiry', 'doc_issuer'])
				if (!F[k].input.value.trim())
					errs.push([F[k], t('form.required')]);
			if (F.doc_type.input.value === 'ro_id_card' && !up('doc_series'))
				errs.push([F.doc_series, t('form.required')]);
			const file = F.photo.input.files[0];
			if (!file)
				errs.push([F.photo, t('ren.photo_required')]);
			else if (file.size > PHOTO_MAX)
				errs.push([F.photo, t('err.photo_invalid')]);
			for (const [f, text] of errs.reverse())
				fieldError(f, text);
			return errs.length === 0;
		};
		const el = h('form', { id: 'ren-form', novalidate: true },
		    h('div', { class: 'grid2' },
			h('section', { 'aria-labelledby': 'ren-user-title' },
			    h('h2', { id: 'ren-user-title' }, t('ren.user_title')), identityRows(s),
			    h('p', { class: 'muted small' }, t('ren.user_hint'))),
			h('section', { 'aria-labelledby': 'ren-doc-title' },
			    h('h2', { id: 'ren-doc-title' }, t('ren.doc_title')),
			    h('p', { class: 'muted' }, t('ren.doc_hint', { date: fmtDate(issueDay(s)) })),
			    F.doc_type.wrap, F.doc_series.wrap, F.doc_number.wrap, F.doc_issued.wrap, F.doc_expiry.wrap,
			    F.doc_issuer.wrap, F.photo.wrap)),
		    h('div', { class: 'actions' }, reg), status);
		el.addEventListener('submit', (ev) => {
			ev.preventDefault();
			clearErrors(F);
			setStatus(status, '');
			if (!validate()) {
				setStatus(status, t('co.fix_errors'), 'err');
				return;
			}
			busy(reg, async () => {
				let rid;
				try {
					rid = (await C.renewalCreate({
						order_id: s.order_id, doc_type: F.doc_type.input.value,
						doc_series: up('doc_series'), doc_number: up('doc_number'),
						doc_issued: F.doc_issued.input.value, doc_expiry: F.doc_expiry.input.value,
						doc_issuer: F.doc_issuer.input.value.trim(),
					})).id;
					await C.renewalPhoto(rid, F.photo.input.files[0]);
				} catch (e) {
					showError(e, F, status, {
						doc_type_invalid: 'doc_type', doc_number_invalid: 'doc_number',
						renewal_doc_expired: 'doc_expiry', photo_invalid: 'photo', too_large: 'photo',
					});
					return;
				}
				terms(rid);
			});
		});
		show(current(s) && current(s).state === 'rejected'
			? notice(t('ren.rejected_note', { reason: current(s).reason }), 'warn', 'ren-rejected') : null,
		    h('p', { class: 'lead' }, t('ren.form_lead')), el);
	};

	// ---- 3. the package (the shop's checkout; its return page leads back) ------------------
	const packages = async () => {
		const { packages: list } = await C.packages();
		show(h('h2', {}, t('ren.pkg_title')),
		    h('p', { class: 'lead' }, t('ren.pkg_lead')),
		    h('ul', { class: 'pkgs', id: 'ren-packages' }, list.map((p) => h('li', { class: 'pkg' },
			h('h3', {}, p.name),
			h('p', { class: 'price' }, h('strong', {}, fmtMoney(p.net_cents, p.currency)), ' ',
			    h('span', { class: 'muted' }, t('shop.no_vat'))),
			h('ul', { class: 'pkg-facts' }, h('li', {}, validityText(p)),
			    h('li', {}, t('shop.transactions', { n: p.transactions }))),
			h('a', { class: 'btn', href: '/shop/checkout?package=' + encodeURIComponent(p.code),
				'data-link': true, id: 'ren-pkg-' + p.code,
				'aria-label': t('shop.choose_named', { name: p.name }) }, t('shop.choose'))))));
	};

	// ---- 2. the privacy notice ------------------------------------------------------------
	const gdpr = (s) => {
		const doc = L && L.docs.privacy;
		const st2 = statusBox('ren-gdpr-status');
		const ok = button('ren.confirm', { type: 'button', id: 'ren-gdpr-confirm' });
		ok.addEventListener('click', () => busy(ok, async () => {
			try {
				if (doc)
					await C.acceptConsent('gdpr_notice', doc.version);
				if (s.order_id)
					form(s);
				else
					await packages();
			} catch (e) {
				setStatus(st2, errorText(e), 'err');
			}
		}));
		show(h('p', { class: 'lead', id: 'ren-intro' }, t('ren.intro', { date: fmtTime(s.not_after),
			closes: fmtTime(s.closes_at) })),
		    h('h2', {}, t('ren.gdpr_title')),
		    h('p', { id: 'ren-gdpr-text' }, t('ren.gdpr_text')),
		    doc ? h('p', {}, legalLink(doc, 'ren-gdpr-link', { newTab: true,
			text: t('ren.gdpr_link', { version: doc.version }) })) : null,
		    h('div', { class: 'actions' }, linkButton('/home', 'common.cancel', 'ren-gdpr-cancel', 'secondary'), ok),
		    st2);
	};

	// ---- 1. where it stands ----------------------------------------------------------------
	const r = current(st);
	if (!st.serial) {
		show(notice(t('ren.no_cert'), 'warn', 'ren-no-cert'),
		    h('div', { class: 'actions' }, linkButton('/shop', 'sign.reissue', 'ren-reissue')));
	} else if (r && PENDING.includes(r.state)) {
		show(notice(t(r.state === 'approved' ? 'ren.st_approved' : 'ren.st_submitted',
			{ date: fmtDate(issueDay(st)) }), 'ok', 'ren-pending'),
		    h('p', {}, link('/home', 'nav.home', 'ren-home')));
	} else if (!st.offered) {
		show(notice(t('err.renewal_closed'), 'warn', 'ren-closed'),
		    h('p', {}, link('/home', 'nav.home', 'ren-home')));
	} else if (st.order_id) {
		form(st);	// paid (back from the payment), or again after a rejection
	} else {
		gdpr(st);
	}
	return card;
}
