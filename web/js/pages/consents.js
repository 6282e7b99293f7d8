// consents.js: J5, right after the first sign-in (and again when a
// version changes): the privacy notice, read to the end inside the app
// (the text is the server's, data/legal, in the version recorded), then
// the application's access. Until both are current the server refuses
// every other route (403 consent_pending) and the router comes back here.
import { t } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, statusBox, setStatus, busy, button, notice } from '../ui.js';
import { legalTexts, legalBody, legalLink } from '../legal.js';

async function required(kind) {
	const c = await C.consents();
	const r = (c.required || []).find((x) => x.kind === kind);
	return r ? r.version : null;
}

async function accept(ctx, kind, version) {
	if (version)
		await C.acceptConsent(kind, version);
	const s = await ctx.reload();
	ctx.go(ctx.nextPath(s));
}

export async function gdpr(ctx) {
	const [version, L] = await Promise.all([
		required('gdpr_notice').catch(() => null),
		legalTexts().catch(() => null),
	]);
	const doc = L && L.docs.privacy;
	let text;
	try {
		text = doc ? await legalBody(doc) : null;
	} catch (e) {
		text = null;
	}
	const box = h('div', { class: 'scrollbox legal', id: 'gdpr-text', tabindex: '0',
		role: 'region', 'aria-label': doc ? doc.title : t('gdpr.title') },
	    text || notice(t('gdpr.unavailable'), 'warn'),
	    h('p', { id: 'gdpr-end' }, t('gdpr.end')));
	const hint = h('p', { class: 'hint', id: 'gdpr-hint', 'aria-live': 'polite' }, t('gdpr.scroll_hint'));
	const status = statusBox('gdpr-status');
	const ok = button('gdpr.accept', { id: 'gdpr-accept', type: 'button' });
	ok.disabled = true;
	ok.setAttribute('aria-describedby', 'gdpr-hint');
	const check = () => {
		if (text && box.scrollTop + box.clientHeight >= box.scrollHeight - 4) {
			ok.disabled = false;
			hint.textContent = t('gdpr.scrolled');
		}
	};
	box.addEventListener('scroll', check);
	requestAnimationFrame(check);
	ok.addEventListener('click', () => busy(ok, async () => {
		try {
			await accept(ctx, 'gdpr_notice', version);
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	return page('gdpr.title',
	    h('p', {}, t('gdpr.intro')),
	    doc ? h('p', { class: 'muted', id: 'gdpr-doc' }, legalLink(doc, 'gdpr-doc-link', { newTab: true }),
		' · ', t('legal.version', { version: doc.version })) : null,
	    box, hint, h('div', { class: 'actions' }, ok,
		h('button', { type: 'button', class: 'btn secondary', id: 'gdpr-signout', onclick: () => ctx.signOut() },
		    t('nav.signout'))), status);
}

export async function appConsent(ctx) {
	const version = await required('app_access').catch(() => null);
	const status = statusBox('consent-status');
	const allow = button('consent.allow', { id: 'consent-allow', type: 'button' });
	allow.addEventListener('click', () => busy(allow, async () => {
		try {
			await accept(ctx, 'app_access', version);
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	const deny = h('button', { type: 'button', class: 'btn secondary', id: 'consent-deny',
		onclick: () => ctx.signOut() }, t('consent.deny'));
	return page('consent.title', h('p', { class: 'lead' }, t('consent.intro')),
	    h('ul', {}, [1, 2, 3].map((i) => h('li', {}, t('consent.item' + i)))),
	    h('p', { class: 'muted' }, t('consent.note')),
	    h('div', { class: 'actions' }, allow, deny), status);
}
