// invoice.js: the invoice part of the checkout: for a person or a
// company (with the "are you sure?" prompt for a person, since an issued
// invoice cannot change), the CUI check digit, the Romanian address.
import { t } from '../i18n.js';
import { h, field } from '../ui.js';

// CUI (Romanian fiscal code) check digit; the server checks it too.
export function cuiValid(s) {
	let v = String(s || '').trim().toUpperCase().replace(/\s+/g, '');
	if (v.startsWith('RO'))
		v = v.slice(2);
	if (!/^[1-9][0-9]{1,9}$/.test(v))
		return false;
	const key = '753217532';
	const body = v.slice(0, -1).padStart(9, '0');
	let sum = 0;
	for (let i = 0; i < 9; i++)
		sum += Number(body[i]) * Number(key[i]);
	let c = (sum * 10) % 11;
	if (c === 10)
		c = 0;
	return c === Number(v.slice(-1));
}

// "Are you sure? a person"; resolves 'person' or 'company'.
function personDialog() {
	return new Promise((resolve) => {
		let answer = 'company';
		const yes = h('button', { type: 'button', class: 'btn', id: 'co-person-yes' }, t('co.person_yes'));
		const no = h('button', { type: 'button', class: 'btn secondary', id: 'co-person-no' }, t('co.person_no'));
		const dlg = h('dialog', { 'aria-labelledby': 'co-person-title', 'aria-describedby': 'co-person-text', id: 'co-person-dialog' },
		    h('h2', { id: 'co-person-title' }, t('co.person_title')),
		    h('div', { id: 'co-person-text' },
			h('p', {}, t('co.person_text1')),
			h('p', {}, h('strong', {}, t('co.person_text2')))),
		    h('div', { class: 'actions' }, no, yes));
		yes.addEventListener('click', () => { answer = 'person'; dlg.close(); });
		no.addEventListener('click', () => { answer = 'company'; dlg.close(); });
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve(answer);
		});
		document.body.append(dlg);
		dlg.showModal();
		no.focus();
	});
}

function markError(f, text) {
	f.err.textContent = text;
	f.input.setAttribute('aria-invalid', 'true');
	f.input.addEventListener('input', () => {
		f.err.textContent = '';
		f.input.removeAttribute('aria-invalid');
	}, { once: true });
}

// -> {el, F (the fields), kind (radio pseudo-field), restore(), current()}
export function invoiceFields(user) {
	const opt = (o) => field({ required: false, ...o });
	const rPerson = h('input', { type: 'radio', name: 'co-invoice-kind', id: 'co-kind-person', value: 'person' });
	const rCompany = h('input', { type: 'radio', name: 'co-invoice-kind', id: 'co-kind-company', value: 'company' });
	const kindErr = h('p', { class: 'field-error', id: 'co-kind-err' });
	const kind = { input: rPerson, err: kindErr, focus: () => rPerson.focus() };
	const F = {
		person: field({ id: 'co-name', label: 'co.person_name', maxlength: 200, autocomplete: 'name',
		    value: [user.given_name, user.surname].filter(Boolean).join(' ') || undefined }),
		cui: field({ id: 'co-cui', label: 'co.cui', hint: 'co.cui_hint', maxlength: 14, inputmode: 'text' }),
		company: field({ id: 'co-company', label: 'co.company', maxlength: 200, autocomplete: 'organization' }),
		reg_no: opt({ id: 'co-regno', label: 'co.reg_no', maxlength: 40 }),
		county: field({ id: 'co-county', label: 'co.county', maxlength: 60, autocomplete: 'address-level1' }),
		town: field({ id: 'co-town', label: 'co.town', maxlength: 80, autocomplete: 'address-level2' }),
		street: field({ id: 'co-street', label: 'co.street', maxlength: 120, autocomplete: 'address-line1' }),
		number: field({ id: 'co-number', label: 'co.number', maxlength: 20 }),
		building: opt({ id: 'co-building', label: 'co.building', maxlength: 20 }),
		entrance: opt({ id: 'co-entrance', label: 'co.entrance', maxlength: 20 }),
		apartment: opt({ id: 'co-apartment', label: 'co.apartment', maxlength: 20 }),
		postal_code: field({ id: 'co-postal', label: 'co.postal', maxlength: 6, inputmode: 'numeric', autocomplete: 'postal-code' }),
	};
	const companyBox = h('fieldset', { class: 'plain', id: 'co-company-box', hidden: true },
	    h('legend', {}, t('co.company_data')), F.cui.wrap, F.company.wrap, F.reg_no.wrap);
	const personBox = h('fieldset', { class: 'plain', id: 'co-person-box', hidden: true },
	    h('legend', {}, t('co.person_data')), F.person.wrap);
	const addrLegend = h('legend', { id: 'co-address-legend' }, t('co.address'));
	const addrBox = h('fieldset', { class: 'plain', id: 'co-address', hidden: true },
	    addrLegend, h('p', { class: 'muted' }, t('co.country_ro')),
	    h('div', { class: 'grid2' }, F.county.wrap, F.town.wrap),
	    F.street.wrap,
	    h('div', { class: 'grid4' }, F.number.wrap, F.building.wrap, F.entrance.wrap, F.apartment.wrap),
	    h('div', { class: 'grid2' }, F.postal_code.wrap));
	const personNote = h('p', { class: 'notice', id: 'co-person-chosen', hidden: true }, t('co.person_chosen'));
	let cur = null;
	const show = (k) => {
		cur = k;
		rPerson.checked = k === 'person';
		rCompany.checked = k === 'company';
		companyBox.hidden = k !== 'company';
		personBox.hidden = k !== 'person';
		addrBox.hidden = !k;
		personNote.hidden = k !== 'person';
		addrLegend.textContent = t(k === 'company' ? 'co.address_company' : 'co.address');
		kindErr.textContent = '';
	};
	rCompany.addEventListener('change', () => show('company'));
	rPerson.addEventListener('change', async () => {
		const a = await personDialog();
		show(a);
		rPerson.dispatchEvent(new Event('input', { bubbles: true }));	// keep the answer
		(a === 'company' ? F.cui : F.county).focus();
	});
	// The check digit is checked as soon as the field is left.
	F.cui.input.addEventListener('blur', () => {
		const v = F.cui.input.value.trim();
		if (v && !cuiValid(v))
			markError(F.cui, t('co.cui_invalid'));
	});
	const el = h('div', { id: 'co-invoice' },
	    h('h2', {}, t('co.invoice')),
	    h('fieldset', { class: 'plain', 'aria-describedby': 'co-kind-err co-kind-note' },
		h('legend', {}, t('co.invoice_for')),
		h('div', { class: 'check' }, rPerson, h('label', { for: 'co-kind-person' }, t('co.kind_person'))),
		h('div', { class: 'check' }, rCompany, h('label', { for: 'co-kind-company' }, t('co.kind_company'))),
		kindErr,
		h('p', { class: 'hint', id: 'co-kind-note' }, t('co.invoice_note'))),
	    personNote, personBox, companyBox, addrBox);
	return {
		el, F, kind,
		current: () => cur,
		// After the kept state was put back: show the chosen kind.
		restore: () => show(rCompany.checked ? 'company' : rPerson.checked ? 'person' : null),
	};
}

// -> [[field, message]...] for what is missing or wrong.
export function validateInvoice(inv) {
	const { F } = inv;
	const k = inv.current();
	const errs = [];
	const need = (f) => {
		if (!f.input.value.trim())
			errs.push([f, t('form.required')]);
	};
	if (!k)
		return [[inv.kind, t('co.kind_required')]];
	if (k === 'company') {
		need(F.cui);
		if (F.cui.input.value.trim() && !cuiValid(F.cui.input.value))
			errs.push([F.cui, t('co.cui_invalid')]);
		need(F.company);
	} else {
		need(F.person);
	}
	for (const n of ['county', 'town', 'street', 'number', 'postal_code'])
		need(F[n]);
	const pc = F.postal_code.input.value.trim();
	if (pc && !/^[0-9]{6}$/.test(pc))
		errs.push([F.postal_code, t('co.postal_invalid')]);
	return errs;
}

// ShopInvoiceData of docs/api.yaml.
export function invoiceBody(inv) {
	const { F } = inv;
	const k = inv.current();
	const v = (f) => f.input.value.trim();
	const b = {
		type: k, name: v(k === 'company' ? F.company : F.person),
		county: v(F.county), town: v(F.town), street: v(F.street), number: v(F.number),
		building: v(F.building), entrance: v(F.entrance), apartment: v(F.apartment),
		postal_code: v(F.postal_code),
	};
	if (k === 'company') {
		b.cui = v(F.cui).toUpperCase().replace(/\s+/g, '');
		if (v(F.reg_no))
			b.reg_no = v(F.reg_no);
	}
	return b;
}

// The server's "field" (invoice.cui, accept_terms...) to our fields.
export function invoiceFieldMap(all, inv) {
	const m = { ...all };
	for (const [k, f] of Object.entries(inv.F))
		m['invoice.' + k] = f;
	m['invoice.name'] = m.name = inv.current() === 'company' ? inv.F.company : inv.F.person;
	m['invoice.type'] = m.invoice = all.kind;
	m['invoice.postal_code'] = inv.F.postal_code;
	m.accept_terms = all.terms;
	m.accept_conditions = all.conditions;
	m.accept_withdrawal = all.withdrawal;
	return m;
}
