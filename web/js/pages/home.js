// home.js: the account's home: 2FA state, and the order in progress with
// what comes next (pay it, or, once paid, the video identification that
// follows; until that exists the page says so plainly).
import { t, fmtTime } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, notice, link, linkButton } from '../ui.js';
import { stateText, fmtMoney, orderActions, nextStepText, docLinks, packageNames } from '../shopview.js';

function orderCard(o, names, ctx) {
	return h('section', { class: 'order-box', id: 'home-order', 'aria-labelledby': 'home-order-title',
		'data-state': o.state },
	    h('h2', { id: 'home-order-title' }, t('home.order_title', { number: o.number })),
	    h('dl', { class: 'kv' },
		h('dt', {}, t('order.package')), h('dd', {}, names[o.package] || o.package),
		h('dt', {}, t('order.date')), h('dd', {}, fmtTime(o.created_at)),
		h('dt', {}, t('order.total')), h('dd', {}, fmtMoney(o.quote.total_bani, 'RON')),
		h('dt', {}, t('order.state')), h('dd', { id: 'home-order-state' }, stateText(o.state)),
		h('dt', {}, t('order.docs')), h('dd', {}, docLinks(o))),
	    h('p', { class: 'next', id: 'home-next' }, nextStepText(o)),
	    orderActions(o, async (msg) => {
		    ctx.flash(msg, 'ok');
		    ctx.go('/home');
	    }));
}

export async function home(ctx) {
	const u = ctx.session.user || {};
	const [list, names] = await Promise.all([
		C.orders().then((r) => r.orders).catch(() => []),
		packageNames(),
	]);
	// The order to talk about: an unpaid one first, else the last paid.
	const pending = list.filter((o) => o.can_pay);
	const paid = list.filter((o) => o.state === 'paid' || o.state === 'fulfilled');
	const cur = pending[0] || paid[0] || null;
	return page('home.title',
	    h('p', { class: 'lead', id: 'home-hello' }, t('home.hello', { name: u.given_name || '' })),
	    u.twofa_enabled ? notice(t('home.twofa_on'), 'ok', 'home-2fa')
		: h('p', { class: 'notice warn', id: 'home-2fa' }, t('home.twofa_off'), ' ',
		    link('/pair', 'home.configure', 'home-pair')),
	    cur ? orderCard(cur, names, ctx)
		: h('section', { class: 'order-box', id: 'home-order', 'data-state': 'none' },
		    h('p', {}, t('home.no_order')),
		    h('p', {}, linkButton('/shop', 'nav.shop', 'home-buy'))),
	    pending.length > 1 ? h('p', { id: 'home-more-pending' }, t('home.more_pending', { n: pending.length - 1 }), ' ',
		link('/shop/orders', 'nav.orders')) : null,
	    h('ul', { class: 'links' },
		h('li', {}, link('/shop', 'nav.shop', 'home-shop')),
		h('li', {}, link('/shop/orders', 'nav.orders', 'home-orders')),
		h('li', {}, link('/settings', 'nav.settings', 'home-settings')),
		h('li', {}, link('/password', 'nav.password')),
		h('li', {}, link('/phone', 'nav.phone')),
		u.twofa_enabled ? h('li', {}, link('/totp', 'nav.totp')) : null));
}
