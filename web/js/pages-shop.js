// pages-shop.js: buying a certificate (J6): the packages, the checkout
// (promo code and live quote, the three required agreements and the
// optional marketing consent, invoice for a person or a company), the
// return page from the payment provider (polls the order), "My orders"
// with the PDF documents, and the operators' orders page with refunds.
// Every path and member name of the shop API is in the SHOP table and the
// norm*() functions below, so a change of the contract is one place.
import { t, fmtTime, fmtDate, getLang } from './i18n.js';
import { api, errorText } from './api.js';
import {
	h, page, field, checkbox, statusBox, setStatus, clearErrors, fieldError,
	showError, busy, button, link, notice,
} from './ui.js';

export const SHOP = {
	packages: '/shop/packages',
	quote: '/shop/quote',
	orders: '/shop/orders',
	order: (id) => `/shop/orders/${encodeURIComponent(id)}`,
	pay: (id) => `/shop/orders/${encodeURIComponent(id)}/pay`,
	invoicePdf: (id) => `/api/v1/shop/orders/${encodeURIComponent(id)}/invoice.pdf`,
	notePdf: (id) => `/api/v1/shop/orders/${encodeURIComponent(id)}/note.pdf`,
	adminOrders: '/admin/orders',
	refund: (id) => `/admin/orders/${encodeURIComponent(id)}/refund`,
	// The documents (same text as the PDFs e-mailed with the order).
	terms: () => '/legal/terms?lang=' + getLang(),
	conditions: () => '/legal/shop?lang=' + getLang(),
};

// ---- money -----------------------------------------------------------------
// Amounts are integer minor units (cents, bani).
export function fmtMoney(minor, cur) {
	if (minor === undefined || minor === null || minor === '')
		return '';
	const n = Number(minor) / 100;
	return new Intl.NumberFormat(getLang() === 'ro' ? 'ro-RO' : 'en-GB', {
		minimumFractionDigits: 2, maximumFractionDigits: 2,
	}).format(n) + ' ' + cur;
}

function pick(o, ...names) {
	for (const k of names)
		if (o && o[k] !== undefined && o[k] !== null)
			return o[k];
	return undefined;
}

function normPackage(p) {
	return {
		code: pick(p, 'code', 'id', 'sku'),
		name: pick(p, 'name', 'title') || '',
		years: pick(p, 'years', 'validity_years'),
		transactions: pick(p, 'transactions'),
		net: pick(p, 'net_cents'),
		includes: [].concat(pick(p, 'includes', 'description') || []).filter(Boolean),
	};
}

function normQuote(q) {
	q = q.quote || q;
	return {
		list: pick(q, 'list_cents'),
		net: pick(q, 'net_cents'),
		discount: pick(q, 'discount_cents'),
		vat: pick(q, 'vat_cents'),
		vatRate: q.vat_bp !== undefined ? q.vat_bp / 100 : undefined,
		total: pick(q, 'total_cents'),
		ron: pick(q, 'total_bani'),
		rate: pick(q, 'rate'),
		rateDate: pick(q, 'rate_date'),
		fallback: !!q.rate_fallback,
		promo: pick(q, 'promo'),
	};
}

function normOrder(o) {
	o = o.order || o;
	const q = o.quote || {};
	const inv = o.invoice || null;
	const inv_d = o.invoice_data || {};
	const pays = o.payments || [];
	const last = pays.length ? pays[pays.length - 1] : (o.last_payment || o.payment || null);
	return {
		id: o.id,
		number: o.number || o.id,
		state: o.state || '',
		pkg: o.package_name || o.package || '',
		total: pick(q, 'total_cents'),
		ron: pick(q, 'total_bani'),
		created: o.created_at,
		email: o.email,
		name: inv_d.name,
		cui: inv_d.cui,
		invoiceNo: inv ? `${inv.series || ''} ${inv.number ?? ''}/${inv.year ?? ''}`.trim() : null,
		hasInvoice: !!inv,
		payState: last ? (last.state || last.status || '') : (o.payment_state || o.last_payment_status || ''),
	};
}

function stateText(s) {
	const k = 'order.state_' + s;
	const v = t(k);
	return v === k ? s : v;
}

function quoteView(q) {
	const dl = h('dl', { class: 'kv quote', id: 'co-quote' });
	const row = (id, label, val) => {
		dl.append(h('dt', {}, label), h('dd', { id }, val));
	};
	if (q.discount) {
		row('co-q-list', t('co.q_list'), fmtMoney(q.list, 'EUR'));
		row('co-q-discount', t('co.q_discount', { code: q.promo || '' }), '− ' + fmtMoney(q.discount, 'EUR'));
	}
	row('co-q-net', t(q.discount ? 'co.q_net_after' : 'co.q_net'), fmtMoney(q.net, 'EUR'));
	row('co-q-vat', q.vatRate !== undefined ? t('co.q_vat_pct', { pct: q.vatRate }) : t('co.q_vat'), fmtMoney(q.vat, 'EUR'));
	row('co-q-total', t('co.q_total'), fmtMoney(q.total, 'EUR'));
	row('co-q-ron', t('co.q_ron'), fmtMoney(q.ron, 'RON'));
	dl.append(h('dd', { class: 'muted rate', id: 'co-q-rate' },
	    t(q.fallback ? 'co.q_rate_fallback' : 'co.q_rate', { rate: q.rate ?? '', date: fmtDate(q.rateDate) })));
	return dl;
}

// ---- the packages -------------------------------------------------------------
async function loadPackages() {
	const r = await api.get(SHOP.packages);
	return (r.packages || r.items || []).map(normPackage);
}

// What every package includes (the catalog's description is English only).
const INCLUDES = ['shop.inc_video', 'shop.inc_hsm', 'shop.inc_tsa', 'shop.inc_invoice'];

export async function shop(ctx) {
	const pkgs = await loadPackages();
	const cards = pkgs.map((p) => h('li', { class: 'pkg', id: 'pkg-' + p.code },
	    h('h2', {}, p.name),
	    h('p', { class: 'price' }, h('strong', {}, fmtMoney(p.net, 'EUR')), ' ', h('span', { class: 'muted' }, t('shop.no_vat'))),
	    h('ul', { class: 'pkg-facts' },
		h('li', {}, t(p.years === 1 ? 'shop.valid_1' : 'shop.valid_n', { n: p.years })),
		h('li', {}, t('shop.transactions', { n: p.transactions })),
		INCLUDES.map((k) => h('li', {}, t(k)))),
	    h('a', {
		class: 'btn', href: '/shop/checkout?package=' + encodeURIComponent(p.code),
		'data-link': true, id: 'pkg-buy-' + p.code,
		'aria-label': t('shop.choose_named', { name: p.name }),
	    }, t('shop.choose'))));
	return page('shop.title',
	    h('p', { class: 'lead' }, t('shop.lead')),
	    h('ul', { class: 'pkgs', id: 'shop-packages' }, cards),
	    h('p', { class: 'muted' }, t('shop.vat_note')),
	    h('p', {}, link('/shop/orders', 'shop.my_orders', 'shop-orders-link')));
}

// ---- CUI (Romanian fiscal code): the server checks it too -------------------
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

// A "are you sure? person" dialog; resolves 'person' or 'company'.
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

function opt(o) {
	return field({ required: false, ...o });
}

// ---- checkout -------------------------------------------------------------------
export async function checkout(ctx) {
	const pkgs = await loadPackages();
	const want = new URLSearchParams(location.search).get('package');
	let cur = pkgs.find((p) => p.code === want) || pkgs[0];
	if (!cur)
		return page('co.title', notice(t('shop.none'), 'warn', 'co-none'));
	let promo = '';
	let quoteSeq = 0;
	const status = statusBox('co-status');

	// package choice (radio cards)
	const radios = pkgs.map((p) => {
		const r = h('input', { type: 'radio', name: 'co-package', id: 'co-pkg-' + p.code, value: p.code, checked: p === cur });
		r.addEventListener('change', () => {
			cur = p;
			history.replaceState({}, '', '/shop/checkout?package=' + encodeURIComponent(p.code));
			refreshQuote();
		});
		return h('div', { class: 'check radio-card' }, r,
		    h('label', { for: 'co-pkg-' + p.code },
			h('strong', {}, p.name), ' — ', fmtMoney(p.net, 'EUR'), ' ', t('shop.no_vat'),
			h('br'), h('span', { class: 'muted' },
			    t(p.years === 1 ? 'shop.valid_1' : 'shop.valid_n', { n: p.years }), ', ',
			    t('shop.transactions', { n: p.transactions }))));
	});

	// promo code + quote
	const promoF = opt({ id: 'co-promo', label: 'co.promo', maxlength: 40, autocomplete: 'off' });
	const promoBtn = button('co.promo_apply', { type: 'button', kind: 'secondary', id: 'co-promo-apply' });
	const promoMsg = h('p', { class: 'status', id: 'co-promo-status', role: 'status', 'aria-live': 'polite' });
	const quoteBox = h('div', { id: 'co-quote-box', 'aria-live': 'polite' }, h('p', { class: 'loading' }, '…'));

	async function getQuote(code) {
		const body = { package: cur.code };
		if (code)
			body.promo = code;
		return normQuote(await api.post(SHOP.quote, body));
	}
	async function refreshQuote() {
		const seq = ++quoteSeq;
		try {
			const q = await getQuote(promo);
			if (seq === quoteSeq)
				quoteBox.replaceChildren(quoteView(q));
		} catch (e) {
			if (seq !== quoteSeq)
				return;
			if (promo && /promo/.test(e.code || '')) {
				// The code stopped applying (other package): drop it.
				promo = '';
				setStatus(promoMsg, '');
				fieldError(promoF, errorText(e));
				return refreshQuote();
			}
			quoteBox.replaceChildren(notice(errorText(e), 'warn', 'co-quote-err'));
		}
	}
	promoBtn.addEventListener('click', () => busy(promoBtn, async () => {
		clearErrors({ promoF });
		setStatus(promoMsg, '');
		const code = promoF.input.value.trim();
		if (!code) {
			promo = '';
			await refreshQuote();
			return;
		}
		try {
			const q = await getQuote(code);
			promo = code;
			++quoteSeq;
			quoteBox.replaceChildren(quoteView(q));
			setStatus(promoMsg, t('co.promo_ok', { code }), 'ok');
		} catch (e) {
			fieldError(promoF, errorText(e));
		}
	}));
	promoF.input.addEventListener('keydown', (ev) => {
		if (ev.key === 'Enter') {
			ev.preventDefault();
			promoBtn.click();
		}
	});

	// agreements
	const docLink = (href, key, id) => h('a', { href, target: '_blank', rel: 'noopener', id }, t(key));
	const mkAgree = (id, before, linkEl) => {
		const c = checkbox(id, 'common.ok');
		c.input.required = true;
		const label = c.wrap.querySelector('label');
		label.replaceChildren(t(before), ' ', linkEl || '');
		return c;
	};
	const agTerms = mkAgree('co-terms', 'co.ag_terms', docLink(SHOP.terms(), 'co.ag_terms_doc', 'co-terms-doc'));
	const agCond = mkAgree('co-conditions', 'co.ag_conditions', docLink(SHOP.conditions(), 'co.ag_conditions_doc', 'co-conditions-doc'));
	const agWithdraw = mkAgree('co-withdrawal', 'co.ag_withdrawal', null);
	const mkt = checkbox('co-marketing', 'co.marketing');

	// invoice
	const kindName = 'co-invoice-kind';
	const rPerson = h('input', { type: 'radio', name: kindName, id: 'co-kind-person', value: 'person' });
	const rCompany = h('input', { type: 'radio', name: kindName, id: 'co-kind-company', value: 'company' });
	const kindErr = h('p', { class: 'field-error', id: 'co-kind-err' });
	const kind = { input: rPerson, err: kindErr, focus: () => rPerson.focus() };
	const u = ctx.session.user || {};
	const F = {
		person: field({ id: 'co-name', label: 'co.person_name', maxlength: 200, autocomplete: 'name',
		    value: [u.given_name, u.surname].filter(Boolean).join(' ') || undefined }),
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
	const addrBox = h('fieldset', { class: 'plain', id: 'co-address', hidden: true },
	    h('legend', { id: 'co-address-legend' }, t('co.address')),
	    h('p', { class: 'muted' }, t('co.country_ro')),
	    h('div', { class: 'grid2' }, F.county.wrap, F.town.wrap),
	    F.street.wrap,
	    h('div', { class: 'grid4' }, F.number.wrap, F.building.wrap, F.entrance.wrap, F.apartment.wrap),
	    h('div', { class: 'grid2' }, F.postal_code.wrap));
	const personNote = h('p', { class: 'notice', id: 'co-person-chosen', hidden: true }, t('co.person_chosen'));
	let invKind = null;
	let orderId = null;
	function showKind(k) {
		invKind = k;
		rPerson.checked = k === 'person';
		rCompany.checked = k === 'company';
		companyBox.hidden = k !== 'company';
		personBox.hidden = k !== 'person';
		addrBox.hidden = !k;
		personNote.hidden = k !== 'person';
		document.getElementById('co-address-legend') &&
		    (document.getElementById('co-address-legend').textContent = t(k === 'company' ? 'co.address_company' : 'co.address'));
		kindErr.textContent = '';
	}
	rCompany.addEventListener('change', () => showKind('company'));
	rPerson.addEventListener('change', async () => {
		const a = await personDialog();
		showKind(a);
		(a === 'company' ? F.cui : F.county).focus();
	});
	// The check digit is checked as soon as the field is left.
	F.cui.input.addEventListener('blur', () => {
		const v = F.cui.input.value.trim();
		if (v && !cuiValid(v))
			showFieldErr(F.cui, t('co.cui_invalid'));
	});
	function showFieldErr(f, text) {
		f.err.textContent = text;
		f.input.setAttribute('aria-invalid', 'true');
		f.input.addEventListener('input', () => {
			f.err.textContent = '';
			f.input.removeAttribute('aria-invalid');
		}, { once: true });
	}

	const payBtn = button('co.pay', { id: 'co-pay' });
	const all = { ...F, terms: agTerms, conditions: agCond, withdrawal: agWithdraw, kind, promo: promoF };
	const form = h('form', { id: 'co-form', novalidate: true },
	    h('fieldset', { class: 'plain' }, h('legend', {}, t('co.package')), radios),
	    h('h2', {}, t('co.promo_title')),
	    h('div', { class: 'promo-row' }, promoF.wrap, promoBtn),
	    promoMsg,
	    h('h2', {}, t('co.price')),
	    quoteBox,
	    h('h2', {}, t('co.agreements')),
	    h('p', { class: 'muted' }, t('co.read_docs')),
	    agTerms.wrap, agCond.wrap, agWithdraw.wrap,
	    h('p', { class: 'muted small' }, t('co.optional')),
	    mkt.wrap,
	    h('h2', {}, t('co.invoice')),
	    h('fieldset', { class: 'plain', 'aria-describedby': 'co-kind-err co-kind-note' },
		h('legend', {}, t('co.invoice_for')),
		h('div', { class: 'check' }, rPerson, h('label', { for: 'co-kind-person' }, t('co.kind_person'))),
		h('div', { class: 'check' }, rCompany, h('label', { for: 'co-kind-company' }, t('co.kind_company'))),
		kindErr,
		h('p', { class: 'hint', id: 'co-kind-note' }, t('co.invoice_note'))),
	    personNote, personBox, companyBox, addrBox,
	    h('p', { class: 'muted small', id: 'co-pay-note' }, t('co.pay_note')),
	    h('div', { class: 'actions' }, payBtn),
	    status);

	function validate() {
		clearErrors(all);
		const errs = [];
		const need = (f, key) => {
			if (!f.input.value.trim())
				errs.push([f, t(key || 'form.required')]);
		};
		for (const c of [agTerms, agCond, agWithdraw])
			if (!c.input.checked)
				errs.push([c, t('co.must_agree')]);
		if (!invKind) {
			errs.push([kind, t('co.kind_required')]);
		} else {
			if (invKind === 'company') {
				need(F.cui);
				if (F.cui.input.value.trim() && !cuiValid(F.cui.input.value))
					errs.push([F.cui, t('co.cui_invalid')]);
				need(F.company);
			} else {
				need(F.person);
			}
			for (const k of ['county', 'town', 'street', 'number', 'postal_code'])
				need(F[k]);
			const pc = F.postal_code.input.value.trim();
			if (pc && !/^[0-9]{6}$/.test(pc))
				errs.push([F.postal_code, t('co.postal_invalid')]);
		}
		for (const [f, text] of errs.reverse())
			fieldError(f, text);	// reverse: the first one keeps the focus
		return errs.length === 0;
	}

	// A change after an order was created makes a new order.
	form.addEventListener('change', () => { orderId = null; });
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(payBtn, async () => {
			setStatus(status, '');
			if (!validate()) {
				setStatus(status, t('co.fix_errors'), 'err');
				return;
			}
			const v = (f) => f.input.value.trim();
			const invoice = {
				type: invKind,
				name: v(invKind === 'company' ? F.company : F.person),
				county: v(F.county), town: v(F.town), street: v(F.street),
				number: v(F.number), building: v(F.building), entrance: v(F.entrance),
				apartment: v(F.apartment), postal_code: v(F.postal_code),
			};
			if (invKind === 'company') {
				invoice.cui = v(F.cui).toUpperCase().replace(/\s+/g, '');
				if (v(F.reg_no))
					invoice.reg_no = v(F.reg_no);
			}
			const body = {
				package: cur.code,
				accept_terms: agTerms.input.checked,
				accept_conditions: agCond.input.checked,
				accept_withdrawal: agWithdraw.input.checked,
				marketing: mkt.input.checked,
				invoice,
			};
			if (promo)
				body.promo = promo;
			const codes = {
				cui_invalid: 'cui', postal_code_invalid: 'postal_code', promo_invalid: 'promo',
				promo_expired: 'promo', promo_exhausted: 'promo', promo_package: 'promo',
				terms_required: 'terms',
			};
			// One order per visit of the page: after a refused payment
			// start, "Pay" again reuses it.
			let r;
			try {
				if (!orderId)
					orderId = normOrder(await api.post(SHOP.orders, body)).id;
				r = await api.post(SHOP.pay(orderId), {});
			} catch (e) {
				if (e.code === 'order_state')
					orderId = null;
				const m = mapFields(all);
				m['invoice.name'] = m.name = invKind === 'company' ? F.company : F.person;
				showError(e, m, status, codes);
				return;
			}
			const url = r.redirect_url;
			if (!url) {
				setStatus(status, t('err.generic'), 'err');
				return;
			}
			setStatus(status, t('co.redirecting'), 'ok');
			location.assign(url);
			await new Promise(() => {});	// keep the button busy while leaving
		});
	});
	refreshQuote();
	return page('co.title', h('p', { class: 'lead' }, t('co.lead')), form);
}

// Server field names (invoice.cui, invoice.address.county...) to our fields.
function mapFields(all) {
	const m = { ...all };
	for (const [k, f] of Object.entries(all)) {
		m['invoice.' + k] = f;
		m['invoice.address.' + k] = f;
		m['address.' + k] = f;
	}
	m['invoice.type'] = m.invoice = all.kind;
	m.accept_terms = all.terms;
	m.accept_conditions = all.conditions;
	m.accept_withdrawal = all.withdrawal;
	return m;
}

// ---- return page: poll the order until paid or failed --------------------------
const FINAL_OK = ['paid', 'fulfilled', 'invoiced', 'completed'];
const FINAL_BAD = ['cancelled', 'refunded'];
// A declined payment leaves the order awaiting_payment (it can be paid
// again): the page knows it from the order's last payment, or from the
// result the provider's redirect carries.
const PAY_BAD = ['declined', 'failed', 'error', 'cancelled'];

export async function orderReturn(ctx) {
	const q = new URLSearchParams(location.search);
	const id = q.get('order') || q.get('order_id') || q.get('id');
	if (!id)
		return page('ret.title', notice(t('ret.no_order'), 'warn', 'ret-none'));
	const box = h('div', { id: 'ret-box', 'aria-live': 'polite' },
	    h('p', { class: 'loading', id: 'ret-waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('ret.waiting')));
	const sec = page('ret.title', box);
	const started = Date.now();
	let stop = false;
	const poll = async () => {
		if (stop || !document.body.contains(sec) && Date.now() - started > 1000)
			return;
		let o = null;
		try {
			o = normOrder(await api.get(SHOP.order(id)));
		} catch (e) {
			if (e.status === 404 || e.status === 401) {
				box.replaceChildren(notice(errorText(e), 'warn', 'ret-error'));
				return;
			}
		}
		if (o && FINAL_OK.includes(o.state)) {
			box.replaceChildren(
			    h('p', { class: 'notice ok', id: 'ret-paid', role: 'status' }, t('ret.paid', { number: o.number })),
			    h('dl', { class: 'kv' },
				h('dt', {}, t('order.number')), h('dd', { id: 'ret-number' }, o.number),
				o.ron !== undefined ? [h('dt', {}, t('order.paid_ron')), h('dd', { id: 'ret-ron' }, fmtMoney(o.ron, 'RON'))] : null),
			    h('p', {}, t('ret.next')),
			    h('p', {}, link('/shop/orders', 'shop.my_orders', 'ret-orders')));
			return;
		}
		const bad = o && (FINAL_BAD.includes(o.state) ||
		    (o.state === 'awaiting_payment' && (PAY_BAD.includes(o.payState) || PAY_BAD.includes(q.get('result') || q.get('status') || ''))));
		if (bad) {
			box.replaceChildren(
			    h('p', { class: 'notice warn', id: 'ret-failed', role: 'alert' }, t('ret.failed')),
			    h('div', { class: 'actions' },
				o.state === 'awaiting_payment' ? retryBtn(o) : null,
				h('a', { class: 'btn secondary', href: '/shop', 'data-link': true, id: 'ret-shop' }, t('ret.other'))));
			return;
		}
		if (Date.now() - started > 60000) {
			box.replaceChildren(notice(t('ret.slow'), 'warn', 'ret-slow'),
			    h('p', {}, link('/shop/orders', 'shop.my_orders', 'ret-orders')));
			return;
		}
		setTimeout(poll, 1000);
	};
	window.addEventListener('popstate', () => { stop = true; }, { once: true });
	setTimeout(poll, 0);
	return sec;
}

// "Try again": a new payment of the same order (same price and rate).
function retryBtn(o) {
	const b = h('button', { type: 'button', class: 'btn', id: 'ret-retry' }, t('ret.retry'));
	const st = statusBox('ret-retry-status');
	b.addEventListener('click', () => busy(b, async () => {
		try {
			const r = await api.post(SHOP.pay(o.id), {});
			location.assign(r.redirect_url);
			await new Promise(() => {});
		} catch (e) {
			setStatus(st, errorText(e), 'err');
		}
	}));
	return [b, st];
}

// ---- my orders ------------------------------------------------------------------
function docLinks(o) {
	const kids = [];
	if (o.hasInvoice)
		kids.push(h('a', { href: SHOP.invoicePdf(o.id), download: true, class: 'doc-invoice' }, t('order.invoice_pdf', { no: o.invoiceNo || '' })));
	kids.push(h('a', { href: SHOP.notePdf(o.id), download: true, class: 'doc-note' }, t('order.note_pdf')));
	return kids.length ? kids.flatMap((k, i) => (i ? [h('br'), k] : [k])) : t('order.no_docs');
}

// Package code -> name, from the catalog (orders carry the code).
async function pkgNames() {
	try {
		return Object.fromEntries((await loadPackages()).map((p) => [p.code, p.name]));
	} catch (e) {
		return {};
	}
}

export async function myOrders(ctx) {
	const [r, names] = await Promise.all([api.get(SHOP.orders), pkgNames()]);
	const list = (r.orders || r.items || []).map(normOrder);
	const rows = list.map((o) => h('tr', { id: 'ord-' + o.id },
	    h('td', { 'data-label': t('order.number') }, o.number),
	    h('td', { 'data-label': t('order.date') }, fmtTime(o.created)),
	    h('td', { 'data-label': t('order.package') }, names[o.pkg] || o.pkg || ''),
	    h('td', { 'data-label': t('order.total') }, fmtMoney(o.total, 'EUR'), o.ron !== undefined ? [h('br'), fmtMoney(o.ron, 'RON')] : null),
	    h('td', { 'data-label': t('order.state'), class: 'state-' + o.state }, stateText(o.state)),
	    h('td', { 'data-label': t('order.docs') }, docLinks(o))));
	return page('ord.title',
	    rows.length
		? h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'ord-list' },
		    h('thead', {}, h('tr', {}, ['order.number', 'order.date', 'order.package', 'order.total', 'order.state', 'order.docs']
			.map((k) => h('th', { scope: 'col' }, t(k))))),
		    h('tbody', {}, rows)))
		: h('p', { class: 'muted', id: 'ord-list' }, t('ord.none')),
	    h('p', {}, h('a', { class: 'btn', href: '/shop', 'data-link': true, id: 'ord-buy' }, t('shop.title'))));
}

// ---- operators: all orders, filters, refunds -------------------------------------
export function isOperator(sess) {
	const u = (sess && sess.user) || {};
	const roles = [].concat(u.roles || [], u.role || [], sess.roles || [], sess.role || []);
	return roles.some((r) => r === 'operator' || r === 'admin');
}

const ADMIN_STATES = ['created', 'awaiting_payment', 'paid', 'fulfilled', 'cancelled', 'refunded'];

export async function adminOrders(ctx) {
	// The server decides (403 forbidden); the session's role only hides
	// the menu item.
	const q = new URLSearchParams(location.search);
	const stateSel = h('select', { id: 'adm-state', class: 'input' },
	    h('option', { value: '' }, t('adm.any_state')),
	    ADMIN_STATES.map((s) => h('option', { value: s, selected: q.get('state') === s }, stateText(s))));
	const from = h('input', { type: 'date', id: 'adm-from', value: q.get('from') || '' });
	const to = h('input', { type: 'date', id: 'adm-to', value: q.get('to') || '' });
	const search = h('input', { type: 'text', id: 'adm-q', value: q.get('q') || '', maxlength: 100 });
	const status = statusBox('adm-status');
	const tbody = h('tbody', { id: 'adm-rows' });
	const count = h('p', { class: 'muted', id: 'adm-count', role: 'status' });

	async function load() {
		const p = new URLSearchParams();
		if (stateSel.value)
			p.set('state', stateSel.value);
		if (from.value)
			p.set('from', from.value);
		if (to.value)
			p.set('to', to.value);
		if (search.value.trim())
			p.set('q', search.value.trim());
		const qs = p.toString();
		history.replaceState({}, '', '/shop/admin' + (qs ? '?' + qs : ''));
		let r;
		try {
			r = await api.get(SHOP.adminOrders + (qs ? '?' + qs : ''));
		} catch (e) {
			if (e.status === 403)
				throw e;
			setStatus(status, errorText(e), 'err');
			return;
		}
		const list = (r.orders || r.items || []).map(normOrder);
		count.textContent = t(list.length === 1 ? 'adm.count_1' : 'adm.count', { n: list.length });
		tbody.replaceChildren(...list.map((o) => {
			const canRefund = ['paid', 'fulfilled'].includes(o.state);
			const rb = canRefund ? h('button', { type: 'button', class: 'btn secondary', id: `adm-refund-${o.id}` }, t('adm.refund')) : null;
			if (rb)
				rb.addEventListener('click', () => refund(o, rb));
			return h('tr', { id: 'adm-' + o.id },
			    h('td', { 'data-label': t('order.number') }, o.number),
			    h('td', { 'data-label': t('order.date') }, fmtTime(o.created)),
			    h('td', { 'data-label': t('adm.customer') }, [o.name, o.email].filter(Boolean).join(' · ')),
			    h('td', { 'data-label': t('order.total') }, fmtMoney(o.total, 'EUR'), o.ron !== undefined ? [h('br'), fmtMoney(o.ron, 'RON')] : null),
			    h('td', { 'data-label': t('order.state') }, stateText(o.state)),
			    h('td', { 'data-label': t('order.docs') }, docLinks(o)),
			    h('td', { 'data-label': t('adm.actions') }, rb || ''));
		}));
	}
	async function refund(o, btn) {
		if (!await confirmDialog(t('adm.refund_title'), t('adm.refund_text', { number: o.number, amount: fmtMoney(o.ron ?? o.total, o.ron !== undefined ? 'RON' : 'EUR') })))
			return;
		await busy(btn, async () => {
			try {
				await api.post(SHOP.refund(o.id), {});
				setStatus(status, t('adm.refunded', { number: o.number }), 'ok');
				await load();
			} catch (e) {
				setStatus(status, errorText(e), 'err');
			}
		});
	}
	const filterBtn = button('adm.filter', { id: 'adm-filter' });
	const form = h('form', { id: 'adm-form', class: 'filters' },
	    h('div', { class: 'field' }, h('label', { for: 'adm-state' }, t('order.state')), stateSel),
	    h('div', { class: 'field' }, h('label', { for: 'adm-from' }, t('adm.from')), from),
	    h('div', { class: 'field' }, h('label', { for: 'adm-to' }, t('adm.to')), to),
	    h('div', { class: 'field' }, h('label', { for: 'adm-q' }, t('adm.search')), search),
	    h('div', { class: 'actions' }, filterBtn));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(filterBtn, load);
	});
	try {
		await load();
	} catch (e) {
		return page('adm.title', notice(t('adm.forbidden'), 'warn', 'adm-forbidden'));
	}
	const sec = page('adm.title', form, status, count,
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'adm-list' },
		h('thead', {}, h('tr', {}, ['order.number', 'order.date', 'adm.customer', 'order.total', 'order.state', 'order.docs', 'adm.actions']
		    .map((k) => h('th', { scope: 'col' }, t(k))))),
		tbody)));
	sec.classList.add('wide');
	return sec;
}

function confirmDialog(title, text) {
	return new Promise((resolve) => {
		let yes = false;
		const ok = h('button', { type: 'button', class: 'btn', id: 'dialog-confirm' }, t('adm.refund_confirm'));
		const no = h('button', { type: 'button', class: 'btn secondary', id: 'dialog-cancel' }, t('common.cancel'));
		const dlg = h('dialog', { 'aria-labelledby': 'dialog-title', id: 'dialog' },
		    h('h2', { id: 'dialog-title' }, title), h('p', {}, text),
		    h('div', { class: 'actions' }, no, ok));
		ok.addEventListener('click', () => { yes = true; dlg.close(); });
		no.addEventListener('click', () => dlg.close());
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve(yes);
		});
		document.body.append(dlg);
		dlg.showModal();
		no.focus();
	});
}
