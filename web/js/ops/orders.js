// ops/orders.js: the operators' orders: filters (state, dates, a search
// over number, e-mail, name, CUI), the documents, refunds with a
// confirmation (audited by the server with the operator's id).
import { t, fmtTime } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, notice, statusBox, setStatus, busy, button, confirmDialog } from '../ui.js';
import { fmtMoney, stateText, docLinks } from '../shopview.js';

const STATES = ['created', 'awaiting_payment', 'paid', 'fulfilled', 'cancelled', 'refunded'];

export async function opsOrders(ctx) {
	const q = new URLSearchParams(location.search);
	const stateSel = h('select', { id: 'adm-state', class: 'input' },
	    h('option', { value: '' }, t('adm.any_state')),
	    STATES.map((s) => h('option', { value: s, selected: q.get('state') === s }, stateText(s))));
	const from = h('input', { type: 'date', id: 'adm-from', value: q.get('from') || '' });
	const to = h('input', { type: 'date', id: 'adm-to', value: q.get('to') || '' });
	const search = h('input', { type: 'text', id: 'adm-q', value: q.get('q') || '', maxlength: 100 });
	const status = statusBox('adm-status');
	const tbody = h('tbody', { id: 'adm-rows' });
	const count = h('p', { class: 'muted', id: 'adm-count', role: 'status' });

	async function load() {
		const f = { state: stateSel.value, from: from.value, to: to.value, q: search.value.trim() };
		const p = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
		const qs = p.toString();
		history.replaceState({}, '', '/ops/orders' + (qs ? '?' + qs : ''));
		let r;
		try {
			r = await C.adminOrders(f);
		} catch (e) {
			if (e instanceof ApiError && e.status === 403)
				throw e;
			setStatus(status, errorText(e), 'err');
			return;
		}
		count.textContent = t(r.orders.length === 1 ? 'adm.count_1' : 'adm.count', { n: r.orders.length });
		tbody.replaceChildren(...r.orders.map((o) => {
			const rb = o.state === 'paid' || o.state === 'fulfilled'
			    ? h('button', { type: 'button', class: 'btn secondary', id: `adm-refund-${o.id}` }, t('adm.refund'))
			    : null;
			if (rb)
				rb.addEventListener('click', () => refund(o, rb));
			const who = o.invoice_data ? o.invoice_data.name : '';
			return h('tr', { id: 'adm-' + o.id },
			    h('td', { 'data-label': t('order.number') }, o.number),
			    h('td', { 'data-label': t('order.date') }, fmtTime(o.created_at)),
			    h('td', { 'data-label': t('adm.customer') }, [who, o.email].filter(Boolean).join(' · ')),
			    h('td', { 'data-label': t('order.total') }, fmtMoney(o.quote.total_cents, o.quote.currency), h('br'),
				fmtMoney(o.quote.total_bani, 'RON')),
			    h('td', { 'data-label': t('order.state') }, stateText(o.state)),
			    h('td', { 'data-label': t('order.docs') }, docLinks(o)),
			    h('td', { 'data-label': t('adm.actions') }, rb || ''));
		}));
	}
	async function refund(o, btn) {
		if (!await confirmDialog(t('adm.refund_title'),
		    t('adm.refund_text', { number: o.number, amount: fmtMoney(o.quote.total_bani, 'RON') }),
		    t('adm.refund_confirm')))
			return;
		await busy(btn, async () => {
			try {
				await C.refundOrder(o.id);
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
		return page('adm.title', notice(t('ops.forbidden'), 'warn', 'ops-forbidden'));
	}
	const sec = page('adm.title', form, status, count,
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'adm-list' },
		h('thead', {}, h('tr', {}, ['order.number', 'order.date', 'adm.customer', 'order.total', 'order.state', 'order.docs', 'adm.actions']
		    .map((k) => h('th', { scope: 'col' }, t(k))))),
		tbody)));
	sec.classList.add('wide');
	return sec;
}
