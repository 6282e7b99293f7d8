// ops/radecide.js: the decisions on a case the operator holds: accept
// (every item of the checklist ticked, and the identity that goes into
// the certificate: names, document, expiry, CNP, country), reject with a
// reason from the server's list and a note the person gets by e-mail, or
// ask for a new recording (also after the call a "contact" case waits
// for). The server checks it all (checklist, CNP check digit, document
// number, expiry) and names the field; the message shows at that field.
import { t, getLang } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, field, selectField, checkbox, statusBox, setStatus, clearErrors, fieldError, busy,
	button, confirmDialog, capital,
} from '../ui.js';
import { DOC_TYPES, docLabel } from '../pages/identify.js';

function textArea(id, labelKey, hintKey) {
	const errId = id + '-err';
	const input = h('textarea', { id, name: id, rows: 3, maxlength: 500, 'aria-describedby': `${id}-hint ${errId}` });
	const err = h('p', { class: 'field-error', id: errId });
	const wrap = h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), input,
	    h('p', { class: 'hint', id: id + '-hint' }, t(hintKey)), err);
	return { wrap, input, err, focus: () => input.focus() };
}

// Show an API error at its field, else in status.
function showAt(e, fields, status) {
	if (e instanceof ApiError && e.field && fields[e.field]) {
		fieldError(fields[e.field], errorText(e));
		setStatus(status, t('ra.fix_field'), 'err');
	} else {
		setStatus(status, errorText(e), 'err');
	}
}

function acceptForm(c, meta, done) {
	const lang = getLang();
	const checks = Object.fromEntries(meta.checklist.map((i) => {
		return [i.key, checkbox('ra-ck-' + i.key, 'ra.check', { text: i[lang] || i.en })];
	}));
	const f = {
		given_name: field({ id: 'ra-given', label: 'ra.id_given', autocomplete: 'off', maxlength: 100 }),
		surname: field({ id: 'ra-surname', label: 'ra.id_surname', maxlength: 100 }),
		doc_type: selectField('ra-doctype', 'idv.doc_type', DOC_TYPES.map((d) => [d, docLabel(d)])),
		doc_series: field({ id: 'ra-series', label: 'ra.id_series', hint: 'ra.id_series_hint', maxlength: 8, required: false }),
		doc_number: field({ id: 'ra-number', label: 'ra.id_number', hint: 'ra.id_number_hint', maxlength: 20 }),
		doc_expiry: field({ id: 'ra-expiry', label: 'ra.id_expiry', type: 'date' }),
		cnp: field({ id: 'ra-cnp', label: 'ra.id_cnp', hint: 'ra.id_cnp_hint', inputmode: 'numeric', maxlength: 13, required: false }),
		country: field({ id: 'ra-country', label: 'ra.id_country', hint: 'ra.id_country_hint', maxlength: 2 }),
	};
	f.doc_type.input.value = c.doc_type;
	const roCard = () => f.doc_type.input.value === 'ro_id_card';
	const follow = () => {
		// A Romanian identity card is Romanian: the country is RO.
		if (roCard())
			f.country.input.value = 'RO';
		f.country.input.readOnly = roCard();
	};
	f.doc_type.input.addEventListener('change', follow);
	follow();
	const fields = { ...f, ...checks };
	const status = statusBox('ra-accept-status');
	const submit = button('ra.accept', { id: 'ra-accept' });
	const form = h('form', { novalidate: true, id: 'ra-accept-form' },
	    h('fieldset', { class: 'plain', id: 'ra-checklist' }, h('legend', {}, t('ra.checklist')),
		h('p', { class: 'hint' }, t('ra.checklist_hint')), Object.values(checks).map((x) => x.wrap)),
	    h('fieldset', { class: 'plain', id: 'ra-identity' }, h('legend', {}, t('ra.identity')),
		h('p', { class: 'hint' }, t('ra.identity_hint')),
		h('div', { class: 'grid2' }, f.given_name.wrap, f.surname.wrap),
		f.doc_type.wrap,
		h('div', { class: 'grid2' }, f.doc_series.wrap, f.doc_number.wrap),
		h('div', { class: 'grid2' }, f.doc_expiry.wrap, f.country.wrap),
		f.cnp.wrap),
	    h('div', { class: 'actions' }, submit), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(fields);
		setStatus(status, '');
		const v = (x) => x.input.value.trim();
		const body = {
			checklist: Object.fromEntries(Object.entries(checks).map(([k, x]) => [k, x.input.checked])),
			identity: {
				given_name: v(f.given_name), surname: v(f.surname), doc_type: f.doc_type.input.value,
				doc_series: v(f.doc_series).toUpperCase(), doc_number: v(f.doc_number).toUpperCase().replace(/\s/g, ''),
				doc_expiry: v(f.doc_expiry), cnp: v(f.cnp).replace(/\s/g, ''), country: v(f.country).toUpperCase(),
			},
		};
		if (!await confirmDialog(t('ra.accept_title'), t('ra.accept_text', {
			name: `${body.identity.given_name} ${body.identity.surname}`,
		}), t('ra.accept')))
			return;
		await busy(submit, async () => {
			try {
				await C.raAccept(c.id, body);
			} catch (e) {
				showAt(e, fields, status);
				return;
			}
			await done(t('ra.accepted'));
		});
	});
	return form;
}

function rejectForm(c, meta, done) {
	const lang = getLang();
	const f = {
		reason: selectField('ra-reason', 'ra.reason',
		    [['', t('ra.reason_choose')], ...meta.reasons.map((r) => [r.code, capital(r[lang] || r.en)])], 'ra.reason_hint'),
		text: textArea('ra-reject-text', 'ra.note_person', 'ra.note_person_hint'),
	};
	const status = statusBox('ra-reject-status');
	const submit = button('ra.reject', { id: 'ra-reject' });
	const form = h('form', { novalidate: true, id: 'ra-reject-form' }, f.reason.wrap, f.text.wrap,
	    h('div', { class: 'actions' }, submit), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(f);
		setStatus(status, '');
		const reason = f.reason.input.value;
		if (!await confirmDialog(t('ra.reject_title'), t('ra.reject_text'), t('ra.reject')))
			return;
		await busy(submit, async () => {
			try {
				await C.raReject(c.id, reason, f.text.input.value.trim());
			} catch (e) {
				showAt(e, f, status);
				return;
			}
			await done(t('ra.rejected'));
		});
	});
	return form;
}

function redoForm(c, done) {
	const f = { text: textArea('ra-redo-text', 'ra.note_person', 'ra.redo_hint') };
	const status = statusBox('ra-redo-status');
	const submit = button('ra.redo', { id: 'ra-redo' });
	const form = h('form', { novalidate: true, id: 'ra-redo-form' }, f.text.wrap,
	    h('div', { class: 'actions' }, submit), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(f);
		setStatus(status, '');
		if (!await confirmDialog(t('ra.redo_title'), t('ra.redo_text'), t('ra.redo')))
			return;
		await busy(submit, async () => {
			try {
				await C.raRedo(c.id, f.text.input.value.trim());
			} catch (e) {
				showAt(e, f, status);
				return;
			}
			await done(t('ra.redone'));
		});
	});
	return form;
}

// The decisions for the state of c; reload(message) redraws the case.
export function decisionForms(c, meta, reload) {
	if (c.state === 'contact')
		return h('section', { class: 'ra-decide', 'aria-labelledby': 'ra-decide-title' },
		    h('h2', { id: 'ra-decide-title' }, t('ra.after_call')),
		    h('p', {}, t('ra.after_call_text')), redoForm(c, reload));
	if (c.state !== 'submitted')
		return null;
	return h('section', { class: 'ra-decide', 'aria-labelledby': 'ra-decide-title' },
	    h('h2', { id: 'ra-decide-title' }, t('ra.decide')),
	    h('h3', {}, t('ra.accept_head')), acceptForm(c, meta, reload),
	    h('h3', {}, t('ra.reject_head')), rejectForm(c, meta, reload),
	    h('h3', {}, t('ra.redo_head')), redoForm(c, reload));
}
