// issue.js: J8, the certificate issued at the first sign-in after the
// identification was accepted (/issue). The page opens where GET
// /api/v1/issuance says issuance stands: nothing bought, the
// identification still to finish, the authenticator still to pair, or
// ready: the phone question first when the number given at
// identification differs from the account's ("associate it?"), then what
// the certificate will say (the identity the operator confirmed, the
// package) and the issuance terms with their version; "continue" asks
// for the authenticator's code; one request issues (keys made in the
// HSM, both certificates, the terms signed with the new key) while the
// page says to wait; then the certificates and the way to signing. A run
// that stopped after the certificates (state terms) finishes with a new
// code the same way.
import { t, fmtTime, fmtDate } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, notice, button, busy, statusBox, setStatus, linkButton, link, kv, every } from '../ui.js';
import { codeStep } from '../steps.js';
import { legalTexts, legalLink } from '../legal.js';
import { docLabel } from './identify.js';

// The states in which there is something to do towards issuance.
const PENDING = ['totp_required', 'ready', 'terms'];

function seenKey(sess) {
	return 'pc_issue_seen:' + ((sess && sess.user && sess.user.id) || '');
}

// Home sends the person to /issue once per browser session while
// issuance waits (after that, its box leads there).
export function issueRedirect(st, sess) {
	if (!st || !PENDING.includes(st.state))
		return false;
	try {
		if (sessionStorage.getItem(seenKey(sess)))
			return false;
		sessionStorage.setItem(seenKey(sess), '1');
	} catch (e) { /* storage disabled: the box is enough */
		return false;
	}
	return true;
}

// The box home shows while issuance waits; null otherwise.
export function issueBox(st, id) {
	if (!st || !PENDING.includes(st.state))
		return null;
	return h('section', { class: 'order-box issue-box', id, 'data-state': st.state, 'aria-labelledby': id + '-title' },
	    h('h2', { id: id + '-title' }, t('iss.box_title')),
	    h('p', { class: 'next', id: id + '-text' }, t('iss.box_' + st.state)),
	    h('p', {}, linkButton(st.state === 'totp_required' ? '/pair' : '/issue',
		st.state === 'totp_required' ? 'nav.pair' : 'iss.box_go', id + '-go')));
}

// What the certificate will say.
function identityRows(st) {
	const i = st.identity || {};
	const doc = [i.doc_series, i.doc_number].filter(Boolean).join(' ');
	return kv([
		['iss.given_name', i.given_name, 'iss-given'],
		['iss.surname', i.surname, 'iss-surname'],
		i.cnp ? ['iss.cnp', i.cnp, 'iss-cnp'] : null,
		['iss.doc', [docLabel(i.doc_type), doc].filter(Boolean).join(', '), 'iss-doc'],
		i.doc_expiry ? ['iss.doc_expiry', fmtDate(i.doc_expiry)] : null,
		i.country ? ['iss.country', i.country] : null,
	], 'iss-identity');
}

function packageRows(st) {
	const o = st.order || {};
	return kv([
		['iss.package', o.package_name || o.package, 'iss-package'],
		['iss.validity', t('iss.years', { n: o.years }), 'iss-years'],
		['iss.transactions', String(o.transactions ?? ''), 'iss-transactions'],
	], 'iss-order');
}

export async function issue(ctx) {
	const body = h('div', { id: 'iss-body' });
	const card = page('iss.title', body);
	try {
		sessionStorage.setItem(seenKey(ctx.session), '1');
	} catch (e) { /* storage disabled */ }
	const show = (...kids) => {
		body.replaceChildren(...kids.filter(Boolean));
		window.scrollTo(0, 0);
	};

	// ---- issued ---------------------------------------------------------------
	const done = (st, justNow) => {
		const c = st.certificate || {};
		show(notice(t(justNow ? 'iss.done_now' : 'iss.done'), 'ok', 'iss-done'),
		    kv([
			    ['iss.sign_serial', c.sign_serial, 'iss-sign-serial'],
			    ['iss.auth_serial', c.auth_serial, 'iss-auth-serial'],
			    st.not_after ? ['iss.not_after', fmtTime(st.not_after), 'iss-not-after'] : null,
			    st.transactions_left !== undefined ? ['iss.left', String(st.transactions_left), 'iss-left'] : null,
		    ], 'iss-certs'),
		    h('p', {}, h('a', { href: C.termsPdfUrl(), download: 'terms-signed.pdf', id: 'iss-terms-pdf' },
			t('iss.terms_pdf'))),
		    h('div', { class: 'actions' }, linkButton('/sign', 'home.sign', 'iss-sign'),
			linkButton('/settings', 'iss.to_settings', 'iss-settings', 'secondary')));
	};

	// ---- the code, then the wait --------------------------------------------------
	const issuing = () => {
		const started = Date.now();
		const secs = h('span', { id: 'iss-elapsed', class: 'timer' }, '0');
		const stop = every(1000, () => {
			secs.textContent = String(Math.round((Date.now() - started) / 1000));
		});
		show(h('div', { id: 'iss-wait', role: 'status', 'aria-live': 'polite' },
		    h('h2', {}, t('iss.wait_title')),
		    h('progress', { id: 'iss-progress', 'aria-label': t('iss.wait_title') }),
		    h('p', {}, t('iss.wait_text')),
		    h('ol', { class: 'steps', id: 'iss-wait-steps' },
			['keys', 'certs', 'terms'].map((k) => h('li', {}, t('iss.wait_' + k)))),
		    h('p', { class: 'muted' }, t('iss.elapsed'), ' ', secs, ' s')));
		return stop;
	};
	const askCode = (st) => {
		const cs = codeStep({
			id: 'iss-code', sent: {}, labelKey: 'si.totp_label', hintKey: 'si.totp_hint',
			submitKey: st.state === 'terms' ? 'iss.finish' : 'iss.issue', introKeyUnknown: 'iss.code_intro',
			submit: async (code) => {
				const stop = issuing();
				let r;
				try {
					r = await C.issue(code);
				} catch (e) {
					cs.input.value = '';
					show(h('h2', {}, t('iss.code_title')), cs.el, back);
					// The server names the code "sad" (signature
					// activation data): the message goes to the field.
					if (e.field === 'sad')
						e.field = 'code';
					throw e;
				} finally {
					stop();
				}
				await ctx.reload();
				done(r, true);
			},
		});
		const back = h('p', {}, h('button', { type: 'button', class: 'btn link', id: 'iss-back',
			onclick: () => summary(st) }, t('common.back')));
		show(h('h2', {}, t('iss.code_title')), cs.el, back);
		cs.input.focus();
	};

	// ---- the phone question ------------------------------------------------------------
	const phoneQuestion = (st) => {
		const status = statusBox('iss-phone-status');
		const answer = (yes) => async (ev) => busy(ev.currentTarget, async () => {
			try {
				const r = await C.issuancePhone(yes);
				await ctx.reload();
				render(r, t(yes ? 'iss.phone_done_yes' : 'iss.phone_done_no'));
			} catch (e) {
				setStatus(status, errorText(e), 'err');
			}
		});
		show(h('div', { id: 'iss-phone' },
		    h('h2', {}, t('iss.phone_title')),
		    h('p', { id: 'iss-phone-text' }, t('iss.phone_text', { number: st.phone.number })),
		    h('p', { class: 'muted' }, t('iss.phone_hint')),
		    h('div', { class: 'actions' },
			button('iss.phone_yes', { type: 'button', id: 'iss-phone-yes', onclick: answer(true) }),
			button('iss.phone_no', { type: 'button', kind: 'secondary', id: 'iss-phone-no', onclick: answer(false) })),
		    status));
	};

	// ---- what the certificate will say, the terms ------------------------------------------
	const summary = async (st, note) => {
		const said = note ? notice(note, 'ok', 'iss-phone-done') : null;
		const L = await legalTexts().catch(() => null);
		const terms = L && L.docs.terms;
		const go = button('common.continue', { type: 'button', id: 'iss-continue', onclick: () => askCode(st) });
		if (st.state === 'terms') {
			show(said, notice(t('iss.terms_left'), 'warn', 'iss-terms-left'),
			    h('p', {}, terms ? legalLink(terms, 'iss-terms-link', {
				    newTab: true, text: t('iss.terms_link', { version: st.terms_version }) }) : null),
			    h('div', { class: 'actions' }, go));
			return;
		}
		show(said, h('p', { class: 'lead', id: 'iss-intro' }, t('iss.intro')),
		    h('h2', {}, t('iss.subject_title')),
		    identityRows(st),
		    h('p', { class: 'muted' }, t('iss.subject_hint')),
		    h('h2', {}, t('iss.package_title')),
		    packageRows(st),
		    h('h2', {}, t('iss.terms_title')),
		    h('p', { id: 'iss-terms' }, t('iss.terms_text', { version: st.terms_version }), ' ',
			terms ? legalLink(terms, 'iss-terms-link', {
				newTab: true, text: t('iss.terms_link', { version: st.terms_version }) }) : null),
		    h('p', { class: 'muted' }, t('iss.terms_signed_hint')),
		    h('div', { class: 'actions' }, go));
	};

	const render = (st, note) => {
		switch (st.state) {
		case 'none':
			show(notice(t('iss.st_none'), 'warn', 'iss-none'),
			    h('div', { class: 'actions' }, linkButton('/shop', 'nav.shop', 'iss-shop')));
			return;
		case 'identification':
			show(notice(t('iss.st_identification'), 'warn', 'iss-identification'),
			    h('div', { class: 'actions' }, linkButton('/identify', 'idv.go_status', 'iss-identify')));
			return;
		case 'totp_required':
			show(notice(t('iss.st_totp'), 'warn', 'iss-totp'),
			    h('div', { class: 'actions' }, linkButton('/pair', 'nav.pair', 'iss-pair')));
			return;
		case 'issued':
			done(st, false);
			return;
		case 'expired':
			show(notice(t('iss.st_expired', { date: fmtTime(st.not_after) }), 'warn', 'iss-expired'),
			    h('div', { class: 'actions' }, linkButton('/shop', 'sign.reissue', 'iss-reissue')));
			return;
		case 'ready':
		case 'terms':
			if (st.phone && st.phone.question)
				phoneQuestion(st);
			else
				summary(st, note);
			return;
		default:
			show(notice(st.state, 'warn', 'iss-unknown'));
		}
	};

	try {
		render(await C.issuance());
	} catch (e) {
		show(notice(errorText(e), 'warn', 'iss-error'));
	}
	return card;
}

// The signing home (home.js): the certificate's expiry and the
// transactions left, "Sign documents", the history; with no valid
// certificate but an old signing one (certs: GET /certificates), that it
// ended and the way to a new one.
export function signingBox(st, id, certs) {
	const old = (certs || []).filter((c) => c.kind === 'sign');
	if (st && (st.state === 'expired' || (st.state === 'none' && old.length))) {
		const last = st.state === 'expired' ? st.not_after : old.map((c) => c.not_after).sort().pop();
		return h('section', { class: 'order-box sign-box', id, 'data-state': 'ended', 'aria-labelledby': id + '-title' },
		    h('h2', { id: id + '-title' }, t('home.sign_title')),
		    notice(t('home.cert_ended', { date: fmtTime(last) }), 'warn', id + '-expired'),
		    h('div', { class: 'actions' }, linkButton('/shop', 'sign.reissue', id + '-reissue'),
			link('/history', 'nav.history', id + '-history')));
	}
	if (!st || st.state !== 'issued')
		return null;
	const expired = st.not_after && new Date(st.not_after) < new Date();
	return h('section', { class: 'order-box sign-box', id, 'aria-labelledby': id + '-title' },
	    h('h2', { id: id + '-title' }, t('home.sign_title')),
	    kv([
		    ['home.cert_until', fmtTime(st.not_after), id + '-until'],
		    ['home.left', String(st.transactions_left ?? ''), id + '-left'],
	    ]),
	    expired ? notice(t('err.cert_expired'), 'warn', id + '-expired') : null,
	    h('div', { class: 'actions' }, expired ? null : linkButton('/sign', 'home.sign', id + '-go'),
		link('/history', 'nav.history', id + '-history')));
}
