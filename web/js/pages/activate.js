// activate.js: J2, the link from the invitation e-mail: confirm the data,
// the phone (SMS code), then the password. The page resumes where the
// server says the person is (code sent, phone verified), after a reload
// too, and says when a new code can be asked for.
import { t } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, phoneField, checkbox, statusBox, setStatus, clearErrors,
	fieldError, showError, busy, button, link, notice, kv, tokenFromUrl,
} from '../ui.js';
import { codeStep, passwordStep } from '../steps.js';

export async function activate(ctx) {
	const token = tokenFromUrl();
	const body = h('div', { id: 'act-body' });
	const card = page('act.title', body);
	if (!token) {
		body.append(notice(t('err.link_invalid'), 'warn', 'act-error'));
		return card;
	}
	let inv;
	try {
		inv = await C.activation(token);
	} catch (e) {
		body.append(notice(errorText(e), 'warn', 'act-error'),
		    h('p', {}, link('/signin', 'nav.signin'), ' · ', link('/register', 'nav.register')));
		return card;
	}
	let lastPhone = null;
	const words = () => ({ email: inv.email, given_name: inv.given_name, surname: inv.surname });
	const summary = kv([
		['act.full_name', `${inv.given_name} ${inv.surname}`.trim(), 'act-name'],
		['act.email', inv.email, 'act-email'],
		['act.phone', inv.phone_masked, 'act-phone-masked'],
	]);
	const step = h('div', { id: 'act-step' });
	body.append(h('p', { class: 'lead' }, t('act.intro')), summary, step);

	const showPassword = () => {
		step.replaceChildren(h('h2', {}, t('act.password_title')),
		    h('p', {}, t('act.password_intro')),
		    passwordStep({
			    id: 'act', username: inv.email, words, submitKey: 'act.finish',
			    submit: async (b) => {
				    await C.activationPassword(token, b);
				    ctx.flash(t('act.done'), 'ok');
				    ctx.go('/signin?email=' + encodeURIComponent(inv.email));
			    },
		    }).el);
	};
	const showCode = (sent) => {
		const cs = codeStep({
			id: 'act-code', sent, labelKey: 'act.sms_code',
			submit: async (code) => {
				await C.activationCode(token, code);
				showPassword();
			},
			// A new code goes to the number typed again (after a reload
			// the page does not know it: ask for it).
			resend: lastPhone
			    ? () => C.activationPhone(token, lastPhone.phone, lastPhone.change)
			    : async () => {
				    showPhone(t('act.reenter_for_resend'));
				    throw new ApiError(0, { error: { code: 'reenter' } });
			    },
		});
		const fix = h('button', { type: 'button', class: 'btn link', id: 'act-fix-phone' }, t('act.fix_phone'));
		fix.addEventListener('click', () => showPhone(null, sent));
		step.replaceChildren(h('h2', {}, t('act.code_title')), cs.el, h('p', {}, fix));
		cs.input.focus();
	};
	// sent: the code already sent, to go back to it.
	const showPhone = (msg, sent) => {
		const pf = phoneField('act-phone', 'act.reenter_phone');
		const change = checkbox('act-change', 'act.change_phone');
		const status = statusBox('act-phone-status');
		const submit = button('act.validate_phone', { id: 'act-phone-submit' });
		const back = sent
		    ? h('button', { type: 'button', class: 'btn link', id: 'act-back-code', onclick: () => showCode(sent) }, t('act.back_to_code'))
		    : null;
		const form = h('form', { novalidate: true, id: 'act-phone-form' },
		    msg ? notice(msg, 'warn') : null, pf.wrap, change.wrap,
		    h('p', { class: 'hint' }, t('act.sms_note')),
		    h('div', { class: 'actions' }, submit, back), status);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors({ phone: pf });
			setStatus(status, '');
			const phone = pf.value();
			if (!/^\+[1-9][0-9]{7,14}$/.test(phone)) {
				fieldError(pf, t('err.phone_invalid'));
				return;
			}
			await busy(submit, async () => {
				try {
					const sent2 = await C.activationPhone(token, phone, change.input.checked);
					lastPhone = { phone, change: change.input.checked };
					showCode(sent2);
				} catch (e) {
					showError(e, { phone: pf }, status, { phone_invalid: 'phone', phone_mismatch: 'phone' });
				}
			});
		});
		step.replaceChildren(h('h2', {}, t('act.phone_title')), form);
	};
	if (inv.phone_verified)
		showPassword();
	else if (inv.code)
		showCode(inv.code);
	else
		showPhone();
	return card;
}
