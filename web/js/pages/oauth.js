// oauth.js: the consent page of the OAuth2 authorization server (issue
// 15). An application sent the holder here (/oauth/consent?id=...): it
// shows who asks, what for and, for the credential scope, each
// document's label and hash, and asks for the authenticator code; the
// server checks the code in the signer and sends the browser back to the
// application with a code (or, refused, with access_denied).
import { t } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, statusBox, setStatus, busy, button, field, clearErrors, fieldError, notice } from '../ui.js';

const HASH_NAMES = {
	'2.16.840.1.101.3.4.2.1': 'SHA-256', '2.16.840.1.101.3.4.2.2': 'SHA-384',
	'2.16.840.1.101.3.4.2.3': 'SHA-512',
};

export async function oauthConsent(ctx) {
	const id = new URLSearchParams(location.search).get('id') || '';
	let req;
	try {
		req = await C.oauthConsent(id);
	} catch (e) {
		return page('oauth.title', notice(errorText(e), 'warn', 'oauth-error'));
	}
	const cred = req.scope === 'credential';
	const status = statusBox('oauth-status');
	const code = cred ? field({ id: 'oauth-code', label: 'oauth.code', hint: 'oauth.code_hint',
		inputmode: 'numeric', maxlength: 8, autocomplete: 'one-time-code', pattern: '[0-9]{6,8}' }) : null;
	const go = (r) => {
		location.assign(r.redirect);
		return h('p', { class: 'loading' }, '…');
	};
	const allow = button(cred ? 'oauth.allow_sign' : 'oauth.allow', { id: 'oauth-allow' });
	const deny = button('oauth.deny', { type: 'button', kind: 'secondary', id: 'oauth-deny' });
	const form = h('form', { id: 'oauth-form', novalidate: true },
	    code ? code.wrap : null,
	    h('div', { class: 'actions' }, allow, deny), status);
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		if (code)
			clearErrors({ code });
		busy(allow, async () => {
			try {
				go(await C.oauthDecide(id, true, code ? code.input.value.trim() : null));
			} catch (e) {
				// A wrong, replayed or locked code is the field's.
				if (code && /^totp_/.test(e.code || '')) {
					setStatus(status, '');
					fieldError(code, errorText(e));
				} else {
					setStatus(status, errorText(e), 'err');
				}
			}
		});
	});
	deny.addEventListener('click', () => busy(deny, async () => {
		try {
			go(await C.oauthDecide(id, false));
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	const docs = (req.documents || []).map((d, i) => h('tr', { class: 'oauth-doc' },
	    h('td', { 'data-label': t('oauth.doc_label') }, d.label || t('oauth.doc_unnamed', { n: i + 1 })),
	    h('td', { 'data-label': t('oauth.doc_hash') }, h('code', { class: 'hash' }, d.hash))));
	const sec = page('oauth.title',
	    h('p', { id: 'oauth-client' }, t('oauth.asks', { client: req.client.name })),
	    h('p', { id: 'oauth-what' }, t(cred ? 'oauth.what_credential' : 'oauth.what_service',
		{ n: docs.length, credential: req.credential || '' })),
	    cred ? h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'oauth-docs' },
		h('caption', {}, t('oauth.docs_caption', { alg: HASH_NAMES[req.hash_algorithm] || req.hash_algorithm || '' })),
		h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('oauth.doc_label')),
		    h('th', { scope: 'col' }, t('oauth.doc_hash')))),
		h('tbody', {}, docs))) : null,
	    h('p', { class: 'muted' }, t(cred ? 'oauth.note_credential' : 'oauth.note_service')),
	    form);
	sec.classList.add('mid');
	return sec;
}
