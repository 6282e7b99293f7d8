// router.js: the single-page app's routes on the history API and the
// guards that follow the server's session state: a page is for anyone,
// for a partly signed-in person (the screens that finish a sign-in), for
// a signed-in user whose consents are current, or for operators (the
// ops/ area, its own guard). The server enforces the same levels on
// every route; a 403 consent_pending from any call sends the person to
// the notice. The server answers every extension-less path with
// index.html, so unknown paths get the not-found page here.
import { setLang, getLang, t } from './i18n.js';
import { setRefusedHandler, errorText } from './api.js';
import * as C from './contract.js';
import { h, notice, stopTimers } from './ui.js';
import { applyChrome, renderMenu } from './chrome.js';
import { register } from './pages/register.js';
import { activate } from './pages/activate.js';
import { signin } from './pages/signin.js';
import { twofaOffer } from './pages/twofa.js';
import { pair } from './pages/pair.js';
import { gdpr, appConsent } from './pages/consents.js';
import { home } from './pages/home.js';
import { settings } from './pages/settings.js';
import { changePassword } from './pages/password.js';
import { changePhone } from './pages/phone.js';
import { totpRepair, totpLost } from './pages/totp.js';
import { recover } from './pages/recover.js';
import { shop } from './pages/shop.js';
import { checkout } from './pages/checkout.js';
import { payReturn } from './pages/payreturn.js';
import { myOrders } from './pages/orders.js';
import { identify } from './pages/identify.js';
import { issue } from './pages/issue.js';
import { sign } from './pages/sign.js';
import { signHistory } from './pages/history.js';
import { notFound } from './pages/notfound.js';
import { validatePage } from './pages/validate.js';
import { confirmPage } from './pages/confirm.js';
import { registry, caCertificates } from './pages/registry.js';
import { contact, rectification } from './pages/contact.js';
import { renew, renewalBanner } from './pages/renew.js';
import { oauthConsent } from './pages/oauth.js';
import { OPS_ROUTES, OPS_PATTERNS, opsGuard } from './ops/area.js';
import { forgetRecording } from './upload.js';

// Who may see a page.
const ANY = 'any', PARTIAL = 'partial', USER = 'user';

// path -> [page, level]
const ROUTES = {
	'/home': [home, USER],
	'/register': [register, ANY],
	'/activate': [activate, ANY],
	'/signin': [signin, ANY],
	'/2fa': [twofaOffer, PARTIAL],
	'/pair': [pair, PARTIAL],
	'/gdpr': [gdpr, PARTIAL],
	'/consent': [appConsent, PARTIAL],
	'/settings': [settings, USER],
	'/password': [changePassword, USER],
	'/phone': [changePhone, USER],
	'/totp': [totpRepair, USER],
	'/totp/reset': [totpLost, ANY],
	'/recover': [recover, ANY],
	'/shop': [shop, USER],
	'/shop/checkout': [checkout, USER],
	'/shop/return': [payReturn, USER],
	'/shop/orders': [myOrders, USER],
	'/identify': [identify, USER],
	'/issue': [issue, USER],
	'/sign': [sign, USER],
	'/history': [signHistory, USER],
	'/confirmation': [confirmPage, USER],
	'/renew': [renew, USER],
	'/registry': [registry, ANY],
	'/registry/ca': [caCertificates, ANY],
	'/contact': [contact, ANY],
	'/validate': [validatePage, ANY],
	'/rectification': [rectification, USER],
	'/oauth/consent': [oauthConsent, USER],
	...OPS_ROUTES,
};
// Paths with a parameter: [regexp with named groups, [page, level]].
const PATTERNS = [...OPS_PATTERNS];
// Old addresses still work.
const ALIASES = { '/shop/admin': '/ops/orders' };

let sess = { state: 'anonymous' };
let flashMsg = null;
let renderSeq = 0;
let langSyncedFor = null;

// The pages e-mails link to open after the sign-in when they were
// opened signed out (the rejection's "record again").
const RETURN_KEY = 'pc_return';
const RETURNABLE = ['/identify', '/oauth/consent'];
function rememberReturn(path) {
	try {
		sessionStorage.setItem(RETURN_KEY, path);
	} catch (e) { /* storage disabled */ }
}
function takeReturn() {
	try {
		const p = sessionStorage.getItem(RETURN_KEY);
		sessionStorage.removeItem(RETURN_KEY);
		return p && p.startsWith('/') && !p.startsWith('//') ? p : null;
	} catch (e) {
		return null;
	}
}

// The screen the server asks for next (SessionInfo.next), or the page
// opened before the sign-in, or home.
export function nextPath(s) {
	if (!s || s.state === 'anonymous')
		return '/signin';
	if (s.state === 'needs_2fa' || s.next === 'totp')
		return '/signin';
	switch (s.next) {
	case 'twofa_offer': return '/2fa';
	case 'twofa_required': return '/pair';
	case 'gdpr_notice': return '/gdpr';
	case 'app_consent': return '/consent';
	default: return takeReturn() || '/home';
	}
}

// Fully signed in: the state is full and nothing is pending.
function complete(s) {
	return s.state === 'full' && !s.next;
}

export async function reload() {
	try {
		sess = await C.session();
	} catch (e) {
		sess = { state: 'anonymous' };
	}
	// Signed in: the UI speaks the account's language (chosen at
	// registration, changed in settings or with the switch).
	const u = sess.user;
	if (u && u.id !== langSyncedFor) {
		langSyncedFor = u.id;
		if ((u.lang === 'ro' || u.lang === 'en') && u.lang !== getLang()) {
			await setLang(u.lang);
			applyChrome();
		}
	} else if (!u) {
		langSyncedFor = null;
	}
	renderMenu(sess, signOut);
	return sess;
}

export function go(path, replace) {
	if (replace)
		history.replaceState({}, '', path);
	else
		history.pushState({}, '', path);
	render();
}

async function signOut() {
	await C.signOut().catch(() => null);
	// A recording kept for a resumed upload does not outlive the session
	// in this browser (a shared computer).
	await forgetRecording();
	await reload();
	flashMsg = [t('nav.signed_out'), 'ok'];
	go('/signin');
}

// The language switch: the UI at once; signed in, the account too (its
// e-mails, SMS and documents).
export async function switchLang(lang, saved) {
	await setLang(lang);
	applyChrome();
	if (sess.user && !saved)
		await C.setAccountLang(lang).catch(() => null);
	render();
}

// The server refused a call because of the session's state.
let refusing = false;
setRefusedHandler(async (e) => {
	if (refusing)
		return;
	refusing = true;
	try {
		const was = sess.state;
		const s = await reload();
		const path = location.pathname;
		if (e.code === 'consent_pending' && s.next && nextPath(s) !== path) {
			flashMsg = [t('err.consent_pending'), 'warn'];
			go(nextPath(s), true);
		} else if (e.code === 'not_signed_in' && s.state === 'anonymous' && was !== 'anonymous') {
			flashMsg = [t('nav.session_ended'), 'warn'];
			go('/signin', true);
		}
	} finally {
		refusing = false;
	}
});

function ctxFor(params) {
	return {
		session: sess, nextPath, reload, signOut, switchLang, params: params || {},
		go: (p) => go(p),
		flash: (m, kind) => { flashMsg = [m, kind]; },
		redirect: (p) => {
			queueMicrotask(() => go(p, true));
			return h('p', { class: 'loading' }, '…');
		},
	};
}

// The page for path, or where to send the person instead.
function decide(path) {
	let route = ROUTES[path];
	let params = {};
	for (const [re, r] of route ? [] : PATTERNS) {
		const m = re.exec(path);
		if (m) {
			route = r;
			params = m.groups || {};
			break;
		}
	}
	if (!route)
		return { page: notFound };
	const [pg, level] = route;
	const page = (p) => ({ page: p, params });
	if (level === ANY)
		return page(pg);
	if (sess.state === 'anonymous') {
		if (RETURNABLE.includes(path))
			rememberReturn(path + location.search);
		return { to: '/signin' };
	}
	if (level === PARTIAL) {
		if (sess.state === 'needs_2fa' && path !== '/pair')
			return { to: '/signin' };
		return page(pg);
	}
	if (!complete(sess))
		return nextPath(sess) === path ? page(pg) : { to: nextPath(sess) };
	const refused = opsGuard(path, sess);
	return page(refused || pg);
}

export async function render() {
	const seq = ++renderSeq;
	stopTimers();
	const main = document.getElementById('main');
	let path = location.pathname.replace(/\/+$/, '') || '/';
	await reload();
	if (seq !== renderSeq)
		return;
	if (path === '/' || ALIASES[path]) {
		history.replaceState({}, '', (ALIASES[path] || nextPath(sess)) + location.search + location.hash);
		return render();
	}
	const d = decide(path);
	if (d.to)
		return go(d.to, true);
	main.setAttribute('aria-busy', 'true');
	// The renewal banner on every page of a signed-in user (J10) but the
	// renewal's own.
	const banner = complete(sess) && d.page !== renew && d.page !== notFound
	    ? C.renewal().then(renewalBanner).catch(() => null) : null;
	let node;
	try {
		node = await d.page(ctxFor(d.params));
	} catch (e) {
		node = h('section', { class: 'card' }, notice(errorText(e), 'warn', 'page-error'));
	}
	const b = banner ? await banner : null;
	if (seq !== renderSeq)
		return;
	main.removeAttribute('aria-busy');
	const kids = [];
	if (b)
		kids.push(b);
	if (flashMsg) {
		kids.push(notice(flashMsg[0], flashMsg[1], 'flash'));
		flashMsg = null;
	}
	kids.push(node);
	main.replaceChildren(...kids);
	main.focus({ preventScroll: true });
	window.scrollTo(0, 0);
}
