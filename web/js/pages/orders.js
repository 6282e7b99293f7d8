// orders.js: "My orders": every order with its state and documents; the
// unpaid ones can be paid (again) or cancelled from here; the paid one
// waiting for identification leads to it (/identify).
import { t, fmtTime } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, notice, linkButton } from '../ui.js';
import { fmtMoney, stateText, docLinks, orderActions, packageNames } from '../shopview.js';
import { idvNext } from './identify.js';

export async function myOrders(ctx) {
	const [{ orders }, names, idv] = await Promise.all([C.orders(), packageNames(),
		C.idvStatus().catch(() => null)]);
	// The identification of the paid order waiting for it.
	const idvCell = (o) => {
		const n = idv && idv.order && idv.order.id === o.id ? idvNext(idv) : null;
		if (!n)
			return null;
		return h('div', { class: 'idv-cell', id: 'ord-idv-' + o.id, 'data-state': n.state },
		    h('p', { class: 'small' }, n.text),
		    n.label ? linkButton('/identify', n.label, 'ord-idv-go-' + o.id) : null);
	};
	const done = (msg) => {
		ctx.flash(msg, 'ok');
		ctx.go('/shop/orders');
	};
	const rows = orders.map((o) => h('tr', { id: 'ord-' + o.id, 'data-state': o.state },
	    h('td', { 'data-label': t('order.number') }, o.number),
	    h('td', { 'data-label': t('order.date') }, fmtTime(o.created_at)),
	    h('td', { 'data-label': t('order.package') }, names[o.package] || o.package),
	    h('td', { 'data-label': t('order.total') }, fmtMoney(o.quote.total_cents, o.quote.currency), h('br'),
		fmtMoney(o.quote.total_bani, 'RON')),
	    h('td', { 'data-label': t('order.state'), class: 'state-' + o.state }, stateText(o.state)),
	    h('td', { 'data-label': t('order.docs') }, docLinks(o)),
	    h('td', { 'data-label': t('order.actions') }, orderActions(o, done) || idvCell(o) || '')));
	const pending = orders.filter((o) => o.can_pay).length;
	const sec = page('ord.title',
	    pending ? notice(t(pending === 1 ? 'ord.pending_1' : 'ord.pending_n', { n: pending }), 'warn', 'ord-pending') : null,
	    rows.length
		? h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'ord-list' },
		    h('thead', {}, h('tr', {}, ['order.number', 'order.date', 'order.package', 'order.total', 'order.state', 'order.docs', 'order.actions']
			.map((k) => h('th', { scope: 'col' }, t(k))))),
		    h('tbody', {}, rows)))
		: h('p', { class: 'muted', id: 'ord-list' }, t('ord.none')),
	    h('p', {}, linkButton('/shop', 'shop.title', 'ord-buy')));
	sec.classList.add('wide');
	return sec;
}
