// chrome.js: what surrounds every page: the skip link, the language
// switch, the account menu (what it offers follows the session: "Reset
// TOTP" only with an authenticator, the operator area only for
// operators) and the footer with the legal texts.
import { t, getLang } from './i18n.js';
import { isOperator } from './contract.js';
import { h } from './ui.js';
import { renderFooter } from './legal.js';

export function applyChrome() {
	document.getElementById('skip-link').textContent = t('nav.skip');
	document.getElementById('lang-label').textContent = t('nav.language');
	document.getElementById('lang-select').value = getLang();
	renderFooter();
}

export function renderMenu(sess, signOut) {
	const menu = document.getElementById('account-menu');
	const list = document.getElementById('account-menu-list');
	const full = sess.state === 'full' && !sess.next;
	const u = sess.user || {};
	menu.hidden = !full;
	menu.open = false;
	document.getElementById('account-menu-btn').textContent =
	    full && u.given_name ? u.given_name : t('nav.account');
	list.setAttribute('aria-label', t('nav.account'));
	const a = (href, key, id) => h('a', { href, 'data-link': true, id }, t(key));
	list.replaceChildren(...[
	    a('/home', 'nav.home', 'menu-home'),
	    a('/sign', 'home.sign', 'menu-sign'),
	    a('/history', 'nav.history', 'menu-history'),
	    a('/confirmation', 'nav.confirm', 'menu-confirm'),
	    a('/shop', 'nav.shop', 'menu-shop'),
	    a('/shop/orders', 'nav.orders', 'menu-orders'),
	    isOperator(sess) ? a('/ra', 'nav.ra', 'menu-ra') : null,
	    isOperator(sess) ? a('/ops/orders', 'nav.admin_orders', 'menu-admin-orders') : null,
	    a('/settings', 'nav.settings', 'menu-settings'),
	    a('/password', 'nav.password', 'menu-password'),
	    a('/phone', 'nav.phone', 'menu-phone'),
	    u.twofa_enabled ? a('/totp', 'nav.totp', 'menu-totp') : a('/pair', 'nav.pair', 'menu-pair'),
	    h('button', { type: 'button', id: 'menu-signout', onclick: signOut }, t('nav.signout')),
	].filter(Boolean));
}
