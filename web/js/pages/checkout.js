// checkout.js: J6, the order: package, promo code and live quote, the
// documents (terms of the service, conditions of sale: the server's, in
// their current version) with the seller's identity and the consumer-
// protection links, the optional marketing consent, the invoice for a
// person or a company. What was typed survives a reload, a language
// switch and the way back from the payment page; an order made on this
// page is paid again rather than made twice.
import { t, fmtDate } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, field, checkbox, statusBox, setStatus, clearErrors, fieldError,
	showError, busy, button, notice,
} from '../ui.js';
import { keepForm } from '../formstate.js';
import { legalTexts, legalLink, sellerBlock, ANPC } from '../legal.js';
import { fmtMoney, startPayment } from '../shopview.js';
import { validityText } from './shop.js';
import { invoiceFields, invoiceBody, invoiceFieldMap, validateInvoice } from './invoice.js';

function quoteView(q) {
	const dl = h('dl', { class: 'kv quote', id: 'co-quote' });
	const row = (id, label, val) => dl.append(h('dt', {}, label), h('dd', { id }, val));
	if (q.discount_cents) {
		row('co-q-list', t('co.q_list'), fmtMoney(q.list_cents, q.currency));
		row('co-q-discount', t('co.q_discount', { code: q.promo || '' }), '− ' + fmtMoney(q.discount_cents, q.currency));
	}
	row('co-q-net', t(q.discount_cents ? 'co.q_net_after' : 'co.q_net'), fmtMoney(q.net_cents, q.currency));
	row('co-q-vat', t('co.q_vat_pct', { pct: q.vat_bp / 100 }), fmtMoney(q.vat_cents, q.currency));
	row('co-q-total', t('co.q_total'), fmtMoney(q.total_cents, q.currency));
	row('co-q-ron', t('co.q_ron'), fmtMoney(q.total_bani, 'RON'));
	dl.append(h('dd', { class: 'muted rate', id: 'co-q-rate' },
	    t(q.rate_fallback ? 'co.q_rate_fallback' : 'co.q_rate', { rate: q.rate, date: fmtDate(q.rate_date) })));
	return dl;
}

// The seller, the documents to read and the consumer-protection links.
function sellerSection(L) {
	return h('section', { class: 'seller-box', id: 'co-seller-box', 'aria-labelledby': 'co-seller-title' },
	    h('h2', { id: 'co-seller-title' }, t('co.seller_title')),
	    sellerBlock(L && L.provider) || h('p', { class: 'muted', id: 'co-seller' }, t('co.seller_unknown')),
	    h('p', { class: 'small', id: 'co-anpc' }, t('co.anpc'), ' ',
		h('a', { href: ANPC.sal, id: 'co-anpc-sal', target: '_blank', rel: 'noopener' }, t('foot.anpc_sal')), ' · ',
		h('a', { href: ANPC.sol, id: 'co-anpc-sol', target: '_blank', rel: 'noopener' }, t('foot.anpc_sol'))));
}

export async function checkout(ctx) {
	const [{ packages }, L] = await Promise.all([C.packages(), legalTexts().catch(() => null)]);
	const want = new URLSearchParams(location.search).get('package');
	let cur = packages.find((p) => p.code === want) || packages[0];
	if (!cur)
		return page('co.title', notice(t('shop.none'), 'warn', 'co-none'));
	let promo = '';
	let quoteSeq = 0;
	let kept = null;
	const status = statusBox('co-status');

	const radios = packages.map((p) => {
		const r = h('input', { type: 'radio', name: 'co-package', id: 'co-pkg-' + p.code, value: p.code,
			checked: p === cur, 'data-nokeep': true });
		r.addEventListener('change', () => {
			cur = p;
			history.replaceState({}, '', '/shop/checkout?package=' + encodeURIComponent(p.code));
			refreshQuote();
		});
		return h('div', { class: 'check radio-card' }, r,
		    h('label', { for: 'co-pkg-' + p.code },
			h('strong', {}, p.name), ' — ', fmtMoney(p.net_cents, p.currency), ' ', t('shop.no_vat'),
			h('br'), h('span', { class: 'muted' }, validityText(p), ', ', t('shop.transactions', { n: p.transactions }))));
	});

	// promo code + quote
	const promoF = field({ id: 'co-promo', label: 'co.promo', maxlength: 40, required: false });
	const promoBtn = button('co.promo_apply', { type: 'button', kind: 'secondary', id: 'co-promo-apply' });
	const promoMsg = h('p', { class: 'status', id: 'co-promo-status', role: 'status', 'aria-live': 'polite' });
	const quoteBox = h('div', { id: 'co-quote-box', 'aria-live': 'polite' }, h('p', { class: 'loading' }, '…'));
	const setPromo = (code) => {
		promo = code;
		if (kept) {
			kept.set('promo', code || null);
			setOrder(null);
		}
	};
	async function refreshQuote() {
		const seq = ++quoteSeq;
		try {
			const q = await C.quote(cur.code, promo);
			if (seq === quoteSeq)
				quoteBox.replaceChildren(quoteView(q));
		} catch (e) {
			if (seq !== quoteSeq)
				return;
			if (promo && /^promo_/.test(e.code || '')) {
				// The code stopped applying (other package): drop it.
				setPromo('');
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
			setPromo('');
			await refreshQuote();
			return;
		}
		try {
			const q = await C.quote(cur.code, code);
			setPromo(code);
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

	// the documents and the agreements
	const docLink = (doc, key, id) => {
		const d = L && L.docs[doc];
		return d ? [legalLink(d, id, { newTab: true, text: t(key) }), ' ', t('legal.version_paren', { version: d.version })]
		    : t(key);
	};
	const agree = (id, before, linkEl) => {
		const c = checkbox(id, 'common.ok');
		c.wrap.querySelector('label').replaceChildren(t(before), ' ', h('span', {}, linkEl));
		return c;
	};
	const agTerms = agree('co-terms', 'co.ag_terms', docLink('terms', 'co.ag_terms_doc', 'co-terms-doc'));
	const agCond = agree('co-conditions', 'co.ag_conditions', docLink('shop', 'co.ag_conditions_doc', 'co-conditions-doc'));
	const agWithdraw = agree('co-withdrawal', 'co.ag_withdrawal', null);
	const mkt = checkbox('co-marketing', 'co.marketing');

	const inv = invoiceFields(ctx.session.user || {});
	const payBtn = button('co.pay', { id: 'co-pay' });
	const all = { ...inv.F, terms: agTerms, conditions: agCond, withdrawal: agWithdraw, kind: inv.kind, promo: promoF };
	const form = h('form', { id: 'co-form', novalidate: true },
	    h('fieldset', { class: 'plain' }, h('legend', {}, t('co.package')), radios),
	    h('h2', {}, t('co.promo_title')),
	    h('div', { class: 'promo-row' }, promoF.wrap, promoBtn),
	    promoMsg,
	    h('h2', {}, t('co.price')),
	    quoteBox,
	    sellerSection(L),
	    h('h2', {}, t('co.agreements')),
	    h('p', { class: 'muted' }, t('co.read_docs')),
	    agTerms.wrap, agCond.wrap, agWithdraw.wrap,
	    h('p', { class: 'muted small' }, t('co.optional')),
	    mkt.wrap,
	    inv.el,
	    h('p', { class: 'muted small', id: 'co-pay-note' }, t('co.pay_note')),
	    h('div', { class: 'actions' }, payBtn),
	    status);

	// What was typed before (reload, language switch, back from paying).
	kept = keepForm('checkout', form);
	inv.restore();
	promo = kept.get('promo') || '';
	// The order made from this form, for this package only.
	const keptOrder = kept.get('order');
	let orderId = keptOrder && keptOrder.package === cur.code ? keptOrder.id : null;
	const setOrder = (id) => {
		orderId = id;
		kept.set('order', id ? { id, package: cur.code } : null);
	};
	// A change after an order was made makes a new order.
	form.addEventListener('change', (ev) => {
		if (ev.target !== promoF.input)
			setOrder(null);
	});

	function validate() {
		clearErrors(all);
		const errs = [];
		for (const c of [agTerms, agCond, agWithdraw])
			if (!c.input.checked)
				errs.push([c, t('co.must_agree')]);
		errs.push(...validateInvoice(inv));
		for (const [f, text] of errs.reverse())
			fieldError(f, text);	// reverse: the first one keeps the focus
		return errs.length === 0;
	}

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(payBtn, async () => {
			setStatus(status, '');
			if (!validate()) {
				setStatus(status, t('co.fix_errors'), 'err');
				return;
			}
			const body = {
				package: cur.code,
				accept_terms: agTerms.input.checked,
				accept_conditions: agCond.input.checked,
				accept_withdrawal: agWithdraw.input.checked,
				marketing: mkt.input.checked,
				invoice: invoiceBody(inv),
			};
			if (promo)
				body.promo = promo;
			try {
				// One order per filled form: paying again reuses it while
				// the server still lets it be paid.
				if (orderId) {
					const o = await C.order(orderId).catch(() => null);
					if (!o || !o.can_pay)
						setOrder(null);
				}
				if (!orderId)
					setOrder((await C.createOrder(body)).id);
				setStatus(status, t('co.redirecting'), 'ok');
				await startPayment({ id: orderId });
			} catch (e) {
				if (e instanceof ApiError && e.code === 'order_state')
					setOrder(null);
				setStatus(status, '');
				showError(e, invoiceFieldMap(all, inv), status, {
					cui_invalid: 'cui', postal_code_invalid: 'postal_code', promo_invalid: 'promo',
					promo_expired: 'promo', promo_exhausted: 'promo', promo_package: 'promo',
					terms_required: 'terms', name_invalid: 'name',
				});
			}
		});
	});
	refreshQuote();
	return page('co.title', h('p', { class: 'lead' }, t('co.lead')), form);
}
