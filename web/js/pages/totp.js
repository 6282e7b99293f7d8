// totp.js: J14, pair the authenticator again: from the settings (only
// for accounts that have one), or from the 2FA prompt of the sign-in
// when the phone is lost (an e-mail code first, then the SMS pairing).
import { t } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, statusBox, setStatus, busy, button, link, linkButton, notice } from '../ui.js';
import { codeStep } from '../steps.js';

export async function totpRepair(ctx) {
	const u = ctx.session.user || {};
	if (!u.twofa_enabled)
		return page('tr.title', notice(t('tr.none'), 'warn', 'tr-none'),
		    h('div', { class: 'actions' }, linkButton('/pair', 'tr.setup', 'tr-setup'),
			link('/settings', 'common.cancel')));
	return page('tr.title', h('p', {}, t('tr.intro')),
	    h('ul', {}, h('li', {}, t('tr.note1')), h('li', {}, t('tr.note2'))),
	    h('div', { class: 'actions' }, linkButton('/pair', 'tr.start', 'tr-start'),
		link('/settings', 'common.cancel')));
}

export async function totpLost(ctx) {
	if (ctx.session.state !== 'needs_2fa')
		return ctx.redirect(ctx.session.state === 'full' ? '/totp' : '/signin');
	const body = h('div', {});
	const card = page('tz.title', body);
	const status = statusBox('tz-status');
	const send = button('tz.send', { id: 'tz-send', type: 'button' });
	const showCode = (sent) => {
		const cs = codeStep({
			id: 'tz-code', sent, labelKey: 'tz.email_code', introKey: 'code.sent_to_email',
			submit: async (code) => {
				await C.totpResetVerify(code);
				ctx.go('/pair');
			},
			resend: () => C.totpReset(),
		});
		body.replaceChildren(cs.el);
		cs.input.focus();
	};
	send.addEventListener('click', () => busy(send, async () => {
		try {
			showCode(await C.totpReset());
		} catch (e) {
			if (e instanceof ApiError && e.code === 'resend_too_soon')
				showCode({ resend_in: e.retryAfter || 0 });
			else
				setStatus(status, errorText(e), 'err');
		}
	}));
	body.append(h('p', {}, t('tz.intro')), h('div', { class: 'actions' }, send,
	    link('/signin', 'common.back', 'tz-back')), status);
	return card;
}
