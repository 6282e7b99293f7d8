// phone.js: J13, change the phone number: a code by e-mail, the new
// number, a code by SMS to it; then the server signs every session out.
// The page opens where the server says the change stands (GET
// /api/v1/account/phone), so a reload sends nothing again; a mistyped
// number can be corrected from the SMS step (the server sends the new
// number a code at once, within a daily cap).
import { t } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, phoneField, statusBox, setStatus, clearErrors, fieldError, busy,
	button, link, notice, alertDialog,
} from '../ui.js';
import { codeStep } from '../steps.js';

export async function changePhone(ctx) {
	const body = h('div', { id: 'ph-body' });
	const card = page('ph.title', body);
	let lastPhone = null;
	const smsStep = (sent) => {
		const cs = codeStep({
			id: 'ph-scode', sent, labelKey: 'ph.sms_code', submitKey: 'common.continue',
			submit: async (code) => {
				await C.phoneSmsVerify(code);
				await alertDialog('ph.changed_title', t('ph.changed'));
				await ctx.reload();
				ctx.go('/signin');
			},
			// After a reload the number is not known here: type it again.
			resend: lastPhone ? () => C.phoneSmsCode(lastPhone) : async () => {
				phoneStep();
				throw new ApiError(0, { error: { code: 'reenter' } });
			},
		});
		const fix = h('button', { type: 'button', class: 'btn link', id: 'ph-fix' }, t('ph.fix_phone'));
		fix.addEventListener('click', () => phoneStep());
		body.replaceChildren(h('h2', {}, t('ph.step3')), cs.el, h('p', {}, fix));
		cs.input.focus();
	};
	const phoneStep = () => {
		const pf = phoneField('ph-phone', 'ph.new_phone');
		const status = statusBox('ph-phone-status');
		const submit = button('ph.send_sms', { id: 'ph-send-sms' });
		const form = h('form', { novalidate: true, id: 'ph-phone-form' }, pf.wrap,
		    h('div', { class: 'actions' }, submit), status);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors({ phone: pf });
			const phone = pf.value();
			if (!/^\+[1-9][0-9]{7,14}$/.test(phone)) {
				fieldError(pf, t('err.phone_invalid'));
				return;
			}
			await busy(submit, async () => {
				try {
					const sent = await C.phoneSmsCode(phone);
					lastPhone = phone;
					smsStep(sent);
				} catch (e) {
					if (e instanceof ApiError && e.code === 'phone_invalid')
						fieldError(pf, errorText(e));
					else
						setStatus(status, errorText(e), 'err');
				}
			});
		});
		body.replaceChildren(notice(t('ph.email_ok'), 'ok', 'ph-email-ok'), h('h2', {}, t('ph.step2')), form);
		pf.focus();
	};
	const emailStep = (sent) => {
		const cs = codeStep({
			id: 'ph-ecode', sent, labelKey: 'ph.email_code', introKey: 'code.sent_to_email',
			submitKey: 'common.continue',
			submit: async (code) => {
				await C.phoneEmailVerify(code);
				phoneStep();
			},
			resend: () => C.phoneEmailCode(),
		});
		body.replaceChildren(h('h2', {}, t('ph.step1')), cs.el);
		cs.input.focus();
	};
	const status = statusBox('ph-status');
	const start = button('ph.send_email', { id: 'ph-send-email', type: 'button' });
	start.addEventListener('click', () => busy(start, async () => {
		try {
			emailStep(await C.phoneEmailCode());
		} catch (e) {
			if (e instanceof ApiError && e.code === 'resend_too_soon')
				emailStep({ resend_in: e.retryAfter || 0 });
			else
				setStatus(status, errorText(e), 'err');
		}
	}));
	let st = { step: 'start' };
	try {
		st = await C.phoneState();
	} catch (e) {
		setStatus(status, errorText(e), 'err');
	}
	if (st.step === 'email_code')
		emailStep(st.code);
	else if (st.step === 'new_number')
		phoneStep();
	else if (st.step === 'sms_code')
		smsStep(st.code);
	else
		body.append(h('p', {}, t('ph.intro')), h('div', { class: 'actions' }, start,
		    link('/settings', 'common.cancel')), status);
	return card;
}
