// shopview.js: how orders are shown wherever they appear (My orders,
// home, the payment return page, the operator area): money, states, the
// PDF links, and the "pay" / "cancel" actions the server allows
// (ShopOrder.can_pay, can_cancel).
import { t, getLang } from './i18n.js';
import { errorText } from './api.js';
import * as C from './contract.js';
import { h, busy, statusBox, setStatus, confirmDialog } from './ui.js';

// Amounts are integer minor units (cents, bani).
export function fmtMoney(minor, cur) {
	if (minor === undefined || minor === null)
		return '';
	return new Intl.NumberFormat(getLang() === 'ro' ? 'ro-RO' : 'en-GB', {
		minimumFractionDigits: 2, maximumFractionDigits: 2,
	}).format(Number(minor) / 100) + ' ' + cur;
}

export function stateText(s) {
	const k = 'order.state_' + s;
	const v = t(k);
	return v === k ? s : v;
}

// Package code -> name, from the catalog (orders carry the code).
export async function packageNames() {
	try {
		const r = await C.packages();
		return Object.fromEntries(r.packages.map((p) => [p.code, p.name]));
	} catch (e) {
		return {};
	}
}

export function docLinks(o) {
	const kids = [];
	if (o.invoice)
		kids.push(h('a', { href: C.invoicePdfUrl(o.id), download: true, class: 'doc-invoice' },
		    t('order.invoice_pdf', { no: o.invoice.label })));
	kids.push(h('a', { href: C.notePdfUrl(o.id), download: true, class: 'doc-note' }, t('order.note_pdf')));
	return kids.flatMap((k, i) => (i ? [h('br'), k] : [k]));
}

// Start a payment of order o and go to the provider's page.
export async function startPayment(o) {
	const r = await C.payOrder(o.id);
	location.assign(r.redirect_url);
	await new Promise(() => {});	// keep the button busy while leaving
}

// The buttons for what the buyer may do with an unpaid order; onChange
// runs after a cancellation. ids: ord-pay-ID, ord-cancel-ID.
export function orderActions(o, onChange) {
	if (!o.can_pay && !o.can_cancel)
		return null;
	const st = statusBox('ord-st-' + o.id);
	const kids = [];
	if (o.can_pay) {
		const b = h('button', { type: 'button', class: 'btn', id: 'ord-pay-' + o.id }, t('ord.pay'));
		b.addEventListener('click', () => busy(b, async () => {
			setStatus(st, '');
			try {
				await startPayment(o);
			} catch (e) {
				setStatus(st, errorText(e), 'err');
			}
		}));
		kids.push(b);
	}
	if (o.can_cancel) {
		const b = h('button', { type: 'button', class: 'btn secondary', id: 'ord-cancel-' + o.id }, t('ord.cancel'));
		b.addEventListener('click', async () => {
			if (!await confirmDialog(t('ord.cancel_title'), t('ord.cancel_text', { number: o.number }),
			    t('ord.cancel_yes'), t('ord.cancel_no')))
				return;
			await busy(b, async () => {
				try {
					await C.cancelOrder(o.id);
					if (onChange)
						await onChange(t('ord.cancelled', { number: o.number }));
				} catch (e) {
					setStatus(st, errorText(e), 'err');
				}
			});
		});
		kids.push(b);
	}
	return h('div', { class: 'actions compact' }, kids, st);
}

// What happens after the payment: the video identification (its state
// and button come from pages/identify.js where the page knows it); a
// fulfilled order's certificate was issued.
export function nextStepText(o) {
	if (o.state === 'paid')
		return t('order.next_paid');
	if (o.state === 'fulfilled')
		return t('order.next_fulfilled');
	if (o.can_pay)
		return t('order.next_pay');
	return '';
}
