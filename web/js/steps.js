// steps.js: building blocks several flows share: a "code" step (input,
// countdown, resend shown only after expiry) and a new-password step.
import { t } from './i18n.js';
import { ApiError, errorText, fmtWait } from './api.js';
import {
	h, field, button, statusBox, setStatus, clearErrors, fieldError, showError,
	busy, countdown, passwordRules,
} from './ui.js';

// o: {id, sent (CodeSent or null), labelKey, introKey, submitKey,
//     extra: [nodes] before the button, validate(): string|null,
//     submit(code) -> Promise, resend() -> Promise<CodeSent> (optional)}
export function codeStep(o) {
	const f = field({
		id: o.id, label: o.labelKey || 'code.label', inputmode: 'numeric',
		autocomplete: 'one-time-code', maxlength: 8, hint: o.hintKey || 'code.hint',
	});
	const timer = h('span', { class: 'timer', id: o.id + '-timer', 'aria-hidden': 'true' });
	const timerText = h('p', { class: 'hint', id: o.id + '-timer-line' },
	    t('code.expires_in') + ' ', timer);
	const status = statusBox(o.id + '-status');
	const submit = button(o.submitKey || 'code.validate', { id: o.id + '-submit' });
	const resendBtn = o.resend
	    ? button('code.resend', { id: o.id + '-resend', type: 'button', kind: 'secondary' })
	    : null;
	const intro = h('p', { id: o.id + '-intro' });
	let stop = null;

	const arm = (sent) => {
		if (stop)
			stop();
		stop = null;
		if (resendBtn)
			resendBtn.hidden = true;
		intro.textContent = sent && sent.to_masked
		    ? t(o.introKey || 'code.sent_to', { to: sent.to_masked })
		    : t(o.introKeyUnknown || 'code.sent_earlier');
		if (sent && typeof sent.expires_in === 'number' && sent.expires_in > 0) {
			timerText.hidden = false;
			stop = countdown(timer, sent.expires_in, () => {
				setStatus(status, t('code.expired_now'), 'err');
				if (resendBtn)
					resendBtn.hidden = false;
			});
		} else {
			timerText.hidden = true;
			if (resendBtn)
				resendBtn.hidden = false;
		}
	};
	f.input.after(timerText);
	const form = h('form', { novalidate: true, id: o.id + '-form' },
	    intro, f.wrap, ...(o.extra || []),
	    h('div', { class: 'actions' }, submit, resendBtn), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors({ code: f, ...(o.fields || {}) });
		setStatus(status, '');
		const code = f.input.value.replace(/\s/g, '');
		if (!/^[0-9]{4,8}$/.test(code)) {
			fieldError(f, t('code.bad_format'));
			return;
		}
		const why = o.validate ? o.validate() : null;
		if (why)
			return;
		await busy(submit, async () => {
			try {
				await o.submit(code);
				if (stop)
					stop();
			} catch (e) {
				showError(e, { code: f, ...(o.fields || {}) }, status, o.codeToField || {
					code_invalid: 'code', code_expired: 'code', code_used: 'code',
					totp_replay: 'code',
				});
				if (e instanceof ApiError && ['code_expired', 'code_attempts', 'code_used'].includes(e.code) && resendBtn)
					resendBtn.hidden = false;
			}
		});
	});
	if (resendBtn) {
		resendBtn.addEventListener('click', () => busy(resendBtn, async () => {
			setStatus(status, '');
			try {
				const sent = await o.resend();
				arm(sent);
				setStatus(status, t('code.resent'), 'ok');
				f.input.value = '';
				f.focus();
			} catch (e) {
				resendBtn.hidden = false;
				let s = errorText(e);
				if (e instanceof ApiError && e.code === 'resend_too_soon' && e.retryAfter)
					s = t('code.resend_wait', { when: fmtWait(e.retryAfter) });
				setStatus(status, s, 'err');
			}
		}));
	}
	arm(o.sent);
	return { el: form, input: f.input, rearm: arm, status };
}

// o: {id, personal() -> [words], submitKey, current: bool, username,
//     submit({password, password_confirm, current_password}) -> Promise}
export function passwordStep(o) {
	const fields = {};
	const kids = [];
	if (o.username)
		kids.push(h('div', { class: 'field' },
		    h('span', { class: 'label' }, t('pw.username')),
		    h('p', { id: o.id + '-user' }, o.username)));
	if (o.current) {
		fields.current_password = field({ id: o.id + '-current', label: 'pw.current',
			type: 'password', autocomplete: 'current-password' });
		kids.push(fields.current_password.wrap);
	}
	fields.password = field({ id: o.id + '-pw', label: 'pw.new', type: 'password',
		autocomplete: 'new-password', maxlength: 256 });
	fields.password_confirm = field({ id: o.id + '-pw2', label: 'pw.confirm',
		type: 'password', autocomplete: 'new-password', maxlength: 256 });
	const rules = passwordRules(fields.password, fields.password_confirm, o.personal);
	fields.password.wrap.append(rules);
	kids.push(fields.password.wrap, fields.password_confirm.wrap);
	const status = statusBox(o.id + '-status');
	const submit = button(o.submitKey || 'pw.save', { id: o.id + '-submit' });
	const form = h('form', { novalidate: true, id: o.id + '-form' }, ...kids,
	    h('div', { class: 'actions' }, submit, ...(o.after || [])), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(fields);
		setStatus(status, '');
		const pw = fields.password.input.value;
		const pw2 = fields.password_confirm.input.value;
		if (o.current && !fields.current_password.input.value) {
			fieldError(fields.current_password, t('form.required'));
			return;
		}
		if ([...pw].length < 12) {
			fieldError(fields.password, t('err.password_weak'));
			return;
		}
		if (pw !== pw2) {
			fieldError(fields.password_confirm, t('err.password_mismatch'));
			return;
		}
		const body = { password: pw, password_confirm: pw2 };
		if (o.current)
			body.current_password = fields.current_password.input.value;
		await busy(submit, async () => {
			try {
				await o.submit(body);
			} catch (e) {
				showError(e, fields, status, {
					password_weak: 'password', password_common: 'password',
					password_personal: 'password', password_mismatch: 'password_confirm',
					password_wrong: 'current_password',
				});
			}
		});
	});
	return { el: form, status };
}
