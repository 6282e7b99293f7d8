// home.js: the account's home: 2FA state; with a certificate, the
// signing home (its expiry, the transactions left, "Sign documents", the
// history); issuance waiting (the first visit in a browser session goes
// to /issue); the video identification of the paid order (start it,
// where it stands, record again), and the order in progress with what
// comes next (pay it, or cancel it; a renewal's order: the renewal
// form).
import { t, fmtTime } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, notice, link, linkButton } from '../ui.js';
import { stateText, fmtMoney, orderActions, nextStepText, docLinks, packageNames } from '../shopview.js';
import { idvNextBox } from './identify.js';
import { issueBox, issueRedirect, signingBox } from './issue.js';

function orderCard(o, names, ctx, idv, renewing) {
	// The identification box says what comes next for its order; a
	// renewal's order (J10) goes on to the renewal form.
	const next = renewing && renewing.id === o.id ? t(renewing.key)
	    : idv && idv.order && idv.order.id === o.id ? null : nextStepText(o);
	return h('section', { class: 'order-box', id: 'home-order', 'aria-labelledby': 'home-order-title',
		'data-state': o.state },
	    h('h2', { id: 'home-order-title' }, t('home.order_title', { number: o.number })),
	    h('dl', { class: 'kv' },
		h('dt', {}, t('order.package')), h('dd', {}, names[o.package] || o.package),
		h('dt', {}, t('order.date')), h('dd', {}, fmtTime(o.created_at)),
		h('dt', {}, t('order.total')), h('dd', {}, fmtMoney(o.quote.total_bani, 'RON')),
		h('dt', {}, t('order.state')), h('dd', { id: 'home-order-state' }, stateText(o.state)),
		h('dt', {}, t('order.docs')), h('dd', {}, docLinks(o))),
	    next ? h('p', { class: 'next', id: 'home-next' }, next) : null,
	    renewing && renewing.id === o.id && renewing.go
		? h('p', {}, linkButton('/renew', 'ren.continue', 'home-renew')) : null,
	    orderActions(o, async (msg) => {
		    ctx.flash(msg, 'ok');
		    ctx.go('/home');
	    }));
}

export async function home(ctx) {
	const u = ctx.session.user || {};
	const [list, names, idv0, iss, certs, ren] = await Promise.all([
		C.orders().then((r) => r.orders).catch(() => []),
		packageNames(),
		C.idvStatus().catch(() => null),
		C.issuance().catch(() => null),
		C.certificates().then((r) => r.certificates).catch(() => []),
		C.renewal().catch(() => null),
	]);
	// A paid order the renewal offers (a valid certificate, the window
	// open), or the one of the request being checked, is for the renewal,
	// not for a video identification.
	const rq = ren && ren.request;
	const renewing = !ren || !ren.serial ? null
	    : ren.offered && ren.order_id ? { id: ren.order_id, key: 'ren.paid_next', go: true }
		: rq && rq.old_serial === ren.serial && ['submitted', 'approved'].includes(rq.state)
		    ? { id: rq.order_id, key: 'ren.order_checking', go: false } : null;
	const idv = idv0 && idv0.order && renewing && idv0.order.id === renewing.id ? null : idv0;
	if (issueRedirect(iss, ctx.session))
		return ctx.redirect('/issue');
	const issueNext = issueBox(iss, 'home-issue');
	// The order to talk about: an unpaid one first, else the last paid.
	const pending = list.filter((o) => o.can_pay);
	const paid = list.filter((o) => o.state === 'paid' || o.state === 'fulfilled');
	const cur = pending[0] || paid[0] || null;
	return page('home.title',
	    h('p', { class: 'lead', id: 'home-hello' }, t('home.hello', { name: u.given_name || '' })),
	    u.twofa_enabled ? notice(t('home.twofa_on'), 'ok', 'home-2fa')
		: h('p', { class: 'notice warn', id: 'home-2fa' }, t('home.twofa_off'), ' ',
		    link('/pair', 'home.configure', 'home-pair')),
	    signingBox(iss, 'home-sign', certs),
	    issueNext || idvNextBox(idv, 'home-idv'),
	    cur ? orderCard(cur, names, ctx, idv, renewing)
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
