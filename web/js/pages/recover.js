// recover.js: J12, forgotten password: the e-mail with a link, then on
// the link's page an SMS code and the new password. Reopening the link
// resumes from the server's state: the code field while a code is out
// (with its timer and when a new one can be asked for), the password
// once the code was accepted.
import { t } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, field, statusBox, setStatus, clearErrors, fieldError, showError,
	busy, button, link, notice, tokenFromUrl,
} from '../ui.js';
import { codeStep, passwordStep } from '../steps.js';

function askLink() {
	const email = field({ id: 'rc-email', label: 'rc.email', type: 'email', autocomplete: 'email' });
	const status = statusBox('rc-status');
	const submit = button('rc.send', { id: 'rc-submit' });
	const form = h('form', { novalidate: true, id: 'rc-form' },
	    h('p', {}, t('rc.intro')), email.wrap, h('div', { class: 'actions' }, submit), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors({ email });
		const v = email.input.value.trim();
		if (!/^[^@\s]+@[^@\s]+$/.test(v)) {
			fieldError(email, t('err.email_invalid'));
			return;
		}
		await busy(submit, async () => {
			try {
				await C.recoveryStart(v);
				form.replaceChildren(notice(t('rc.sent', { email: v }), 'ok', 'rc-sent'));
			} catch (e) {
				showError(e, { email }, status);
			}
		});
	});
	return page('rc.title', form);
}

export async function recover(ctx) {
	const token = tokenFromUrl();
	if (!token)
		return askLink();
	const body = h('div', { id: 'rc-body' });
	const card = page('rc.title', body);
	let st;
	try {
		st = await C.recovery(token);
	} catch (e) {
		body.append(notice(errorText(e), 'warn', 'rc-error'), h('p', {}, link('/recover', 'rc.again')));
		return card;
	}
	const showPassword = () => {
		body.replaceChildren(h('p', {}, t('rc.new_password')), passwordStep({
			id: 'rc', submitKey: 'rc.change',
			submit: async (b) => {
				await C.recoveryPassword(token, b);
				ctx.flash(t('rc.done'), 'ok');
				ctx.go('/signin');
			},
		}).el);
	};
	const showCode = (sent) => {
		const cs = codeStep({
			id: 'rc-code', sent, labelKey: 'rc.sms_code',
			submit: async (code) => {
				await C.recoveryCode(token, code);
				showPassword();
			},
			resend: () => C.recoverySms(token),
		});
		body.replaceChildren(cs.el);
		cs.input.focus();
	};
	if (st.code_verified) {
		showPassword();
	} else if (st.code) {
		showCode(st.code);
	} else {
		const status = statusBox('rc-sms-status');
		const send = button('rc.send_sms', { id: 'rc-send-sms', type: 'button' });
		send.addEventListener('click', () => busy(send, async () => {
			try {
				showCode(await C.recoverySms(token));
			} catch (e) {
				setStatus(status, errorText(e), 'err');
			}
		}));
		body.append(h('p', {}, t('rc.sms_intro', { phone: st.phone_masked })),
		    h('div', { class: 'actions' }, send), status);
	}
	return card;
}
