// signin.js: J3, sign in with e-mail and password, then the code of the
// authenticator app when the account has one.
import { t } from '../i18n.js';
import * as C from '../contract.js';
import {
	h, page, field, statusBox, setStatus, clearErrors, fieldError, showError,
	busy, button, link,
} from '../ui.js';
import { codeStep } from '../steps.js';

export async function signin(ctx) {
	const s = ctx.session;
	if (s.state === 'full' || (s.state === 'password_ok' && s.next))
		return ctx.redirect(ctx.nextPath(s));
	const body = h('div', {});
	const card = page('si.title', body);
	const showTotp = () => {
		const cs = codeStep({
			id: 'si-totp', sent: {}, labelKey: 'si.totp_label',
			hintKey: 'si.totp_hint', submitKey: 'si.totp_submit',
			introKeyUnknown: 'si.totp_intro',
			submit: async (code) => {
				const r = await C.signInTotp(code);
				ctx.go(ctx.nextPath(r));
			},
		});
		const other = h('button', { type: 'button', class: 'btn link', id: 'si-cancel' }, t('si.other_account'));
		other.addEventListener('click', async () => {
			await C.signOut().catch(() => null);
			ctx.go('/signin');
		});
		body.replaceChildren(cs.el, h('p', {}, link('/totp/reset', 'si.totp_lost', 'si-totp-reset')),
		    h('p', {}, other));
		document.title = t('si.totp_title') + ' · Pecete';
		card.querySelector('h1').textContent = t('si.totp_title');
		cs.input.focus();
	};
	if (s.state === 'needs_2fa') {
		showTotp();
		return card;
	}
	const f = {
		email: field({ id: 'si-email', label: 'si.email', type: 'email', autocomplete: 'username',
			value: new URLSearchParams(location.search).get('email') || undefined }),
		password: field({ id: 'si-password', label: 'si.password', type: 'password', autocomplete: 'current-password' }),
	};
	const status = statusBox('si-status');
	const submit = button('si.submit', { id: 'si-submit' });
	const form = h('form', { novalidate: true, id: 'si-form' }, f.email.wrap, f.password.wrap,
	    h('div', { class: 'actions' }, submit, link('/recover', 'si.forgot', 'si-forgot')), status);
	body.append(form, h('hr'), h('p', {}, t('si.new_here')),
	    h('p', {}, h('a', { href: '/register', 'data-link': true, class: 'btn secondary', id: 'si-register' }, t('nav.register'))));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(f);
		setStatus(status, '');
		if (!f.email.input.value.trim()) {
			fieldError(f.email, t('form.required'));
			return;
		}
		if (!f.password.input.value) {
			fieldError(f.password, t('form.required'));
			return;
		}
		await busy(submit, async () => {
			try {
				const r = await C.signIn(f.email.input.value.trim(), f.password.input.value);
				f.password.input.value = '';
				if (r.state === 'needs_2fa' || r.next === 'totp') {
					ctx.session = r;
					showTotp();
				} else {
					ctx.go(ctx.nextPath(r));
				}
			} catch (e) {
				showError(e, f, status);
			}
		});
	});
	return card;
}
