// shop.js: J6, the packages on sale (GET /api/v1/shop/packages).
import { t } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, link } from '../ui.js';
import { fmtMoney } from '../shopview.js';

// What every package includes (the catalog's description is English only).
const INCLUDES = ['shop.inc_video', 'shop.inc_hsm', 'shop.inc_tsa', 'shop.inc_invoice'];

export function validityText(p) {
	return t(p.years === 1 ? 'shop.valid_1' : 'shop.valid_n', { n: p.years });
}

export async function shop(ctx) {
	const { packages } = await C.packages();
	const cards = packages.map((p) => h('li', { class: 'pkg', id: 'pkg-' + p.code },
	    h('h2', {}, p.name),
	    h('p', { class: 'price' }, h('strong', {}, fmtMoney(p.net_cents, p.currency)), ' ',
		h('span', { class: 'muted' }, t('shop.no_vat'))),
	    h('ul', { class: 'pkg-facts' },
		h('li', {}, validityText(p)),
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
