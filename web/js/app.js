// app.js: the single-page app: a router on the history API, the header
// (language switch, account menu) and the rules that send a half
// signed-in user to the next required screen. Pages are functions
// (ctx) -> Promise<Node>. The server answers every page path with
// index.html (the list in src/http/static.c must name each first segment).
import { initI18n, setLang, getLang, t } from './i18n.js';
import { api, session, errorText } from './api.js';
import { h, notice, stopTimers } from './ui.js';
import * as A from './pages-auth.js';
import * as B from './pages-account.js';
import * as S from './pages-shop.js';

// path -> [page, who may see it]: any | partial (signed in, maybe not
// finished) | full (signed in completely).
const ROUTES = {
	'/': [null, 'any'],
	'/home': [B.home, 'full'],
	'/register': [A.register, 'any'],
	'/activate': [A.activate, 'any'],
	'/signin': [A.signin, 'any'],
	'/2fa': [A.twofaOffer, 'partial'],
	'/pair': [B.pair, 'partial'],
	'/gdpr': [B.gdpr, 'partial'],
	'/consent': [B.consent, 'partial'],
	'/settings': [B.settings, 'full'],
	'/password': [B.changePassword, 'full'],
	'/phone': [B.changePhone, 'full'],
	'/totp': [B.totpRepair, 'full'],
	'/totp/reset': [A.totpReset, 'any'],
	'/recover': [A.recover, 'any'],
	'/shop': [S.shop, 'full'],
	'/shop/checkout': [S.checkout, 'full'],
	'/shop/return': [S.orderReturn, 'full'],
	'/shop/orders': [S.myOrders, 'full'],
	'/shop/admin': [S.adminOrders, 'full'],
};

let sess = { state: 'anonymous' };
let flashMsg = null;
let renderSeq = 0;

function nextPath(s) {
	if (!s || s.state === 'anonymous')
		return '/signin';
	if (s.state === 'needs_2fa' || s.next === 'totp')
		return '/signin';
	switch (s.next) {
	case 'twofa_offer': return '/2fa';
	case 'twofa_required': return '/pair';
	case 'gdpr_notice': return '/gdpr';
	case 'app_consent': return '/consent';
	default: return '/home';
	}
}

async function reload() {
	try {
		sess = await session();
	} catch (e) {
		sess = { state: 'anonymous' };
	}
	renderMenu();
	return sess;
}

function go(path, replace) {
	if (replace)
		history.replaceState({}, '', path);
	else
		history.pushState({}, '', path);
	render();
}

async function signOut() {
	await api.del('/session').catch(() => null);
	await reload();
	flashMsg = [t('nav.signed_out'), 'ok'];
	go('/signin');
}

function renderMenu() {
	const menu = document.getElementById('account-menu');
	const list = document.getElementById('account-menu-list');
	const full = sess.state === 'full';
	menu.hidden = !full;
	menu.open = false;
	document.getElementById('account-menu-btn').textContent =
	    full && sess.user && sess.user.given_name ? sess.user.given_name : t('nav.account');
	list.setAttribute('aria-label', t('nav.account'));
	list.replaceChildren(...[
	    h('a', { href: '/shop', 'data-link': true, id: 'menu-shop' }, t('nav.shop')),
	    h('a', { href: '/shop/orders', 'data-link': true, id: 'menu-orders' }, t('nav.orders')),
	    S.isOperator(sess) ? h('a', { href: '/shop/admin', 'data-link': true, id: 'menu-admin-orders' }, t('nav.admin_orders')) : null,
	    h('a', { href: '/settings', 'data-link': true, id: 'menu-settings' }, t('nav.settings')),
	    h('a', { href: '/password', 'data-link': true, id: 'menu-password' }, t('nav.password')),
	    h('a', { href: '/phone', 'data-link': true, id: 'menu-phone' }, t('nav.phone')),
	    h('a', { href: '/totp', 'data-link': true, id: 'menu-totp' }, t('nav.totp')),
	    h('button', { type: 'button', id: 'menu-signout', onclick: signOut }, t('nav.signout')),
	].filter(Boolean));
}

function applyChrome() {
	document.getElementById('skip-link').textContent = t('nav.skip');
	document.getElementById('lang-label').textContent = t('nav.language');
	document.getElementById('lang-select').value = getLang();
}

async function render() {
	const seq = ++renderSeq;
	stopTimers();
	const main = document.getElementById('main');
	let path = location.pathname.replace(/\/+$/, '') || '/';
	await reload();
	if (seq !== renderSeq)
		return;
	let route = ROUTES[path];
	if (path === '/') {
		history.replaceState({}, '', nextPath(sess) + location.hash);
		return render();
	}
	let node;
	const ctx = {
		session: sess, nextPath, reload, signOut,
		go: (p) => go(p),
		flash: (m, kind) => { flashMsg = [m, kind]; },
		redirect: (p) => {
			queueMicrotask(() => go(p, true));
			return h('p', { class: 'loading' }, '…');
		},
	};
	if (!route) {
		document.title = t('nf.title') + ' · Pecete';
		node = h('section', { class: 'card' }, h('h1', { id: 'page-title' }, t('nf.title')),
		    h('p', {}, h('a', { href: '/', 'data-link': true }, t('nf.home'))));
	} else if (route[1] !== 'any' && sess.state === 'anonymous') {
		return go('/signin', true);
	} else if (route[1] === 'full' && sess.state !== 'full' && nextPath(sess) !== path) {
		return go(nextPath(sess), true);
	} else if (route[1] === 'partial' && sess.state === 'needs_2fa' && path !== '/pair') {
		return go('/signin', true);
	} else {
		main.setAttribute('aria-busy', 'true');
		try {
			node = await route[0](ctx);
		} catch (e) {
			node = h('section', { class: 'card' }, notice(errorText(e), 'warn', 'page-error'));
		}
		main.removeAttribute('aria-busy');
	}
	if (seq !== renderSeq)
		return;
	const kids = [];
	if (flashMsg) {
		kids.push(notice(flashMsg[0], flashMsg[1], 'flash'));
		flashMsg = null;
	}
	kids.push(node);
	main.replaceChildren(...kids);
	main.focus({ preventScroll: true });
	window.scrollTo(0, 0);
}

document.addEventListener('click', (ev) => {
	const a = ev.target.closest('a[data-link]');
	if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || a.hasAttribute('download'))
		return;
	const url = new URL(a.href, location.href);
	if (url.origin !== location.origin)
		return;
	ev.preventDefault();
	go(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', render);

async function main() {
	await initI18n();
	applyChrome();
	document.getElementById('lang-select').addEventListener('change', async (ev) => {
		await setLang(ev.target.value);
		applyChrome();
		render();
	});
	await render();
}

main().catch((e) => {
	document.getElementById('main').replaceChildren(
	    h('p', { class: 'notice warn' }, 'Error: ' + (e && e.message)));
});
