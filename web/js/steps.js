// steps.js: building blocks several flows share: a "code" step (input,
// the code's countdown, and when a new code may be asked for, both from
// the server's CodeSent) and a new-password step with the server's
// strength meter.
import { t } from './i18n.js';
import { ApiError, errorText, fmtWait } from './api.js';
import * as C from './contract.js';
import {
	h, field, button, statusBox, setStatus, clearErrors, fieldError, showError,
	busy, countdown,
} from './ui.js';

// o: {id, sent (CodeSent, or {resend_in} when only the wait is known, or
//     null), labelKey, introKey, submitKey, extra: [nodes] before the
//     button, validate(): string|null, submit(code) -> Promise,
//     resend() -> Promise<CodeSent> (optional)}
export function codeStep(o) {
	const f = field({
		id: o.id, label: o.labelKey || 'code.label', inputmode: 'numeric',
		autocomplete: 'one-time-code', maxlength: 8, hint: o.hintKey || 'code.hint',
	});
	const timer = h('span', { class: 'timer', id: o.id + '-timer', role: 'timer' });
	const timerText = h('p', { class: 'hint', id: o.id + '-timer-line' },
	    t('code.expires_in') + ' ', timer);
	const rTimer = h('span', { class: 'timer', id: o.id + '-resend-timer', role: 'timer' });
	const rLine = h('p', { class: 'hint', id: o.id + '-resend-line', hidden: true },
	    t('code.resend_in') + ' ', rTimer);
	const status = statusBox(o.id + '-status');
	const submit = button(o.submitKey || 'code.validate', { id: o.id + '-submit' });
	const resendBtn = o.resend
	    ? button('code.resend', { id: o.id + '-resend', type: 'button', kind: 'secondary' })
	    : null;
	const intro = h('p', { id: o.id + '-intro' });
	let stops = [];
	let expired = false;
	let resendWait = 0;

	const stopAll = () => {
		for (const s of stops)
			s();
		stops = [];
	};
	// The resend button appears when the server allows a new code.
	const armResend = (secs) => {
		if (!resendBtn)
			return;
		resendWait = Math.max(0, Math.ceil(secs || 0));
		if (resendWait > 0) {
			resendBtn.hidden = true;
			rLine.hidden = false;
			stops.push(countdown(rTimer, resendWait, () => {
				resendWait = 0;
				rLine.hidden = true;
				resendBtn.hidden = false;
				setStatus(status, t(expired ? 'code.expired_now' : 'code.resend_now'), expired ? 'err' : '');
			}));
		} else {
			rLine.hidden = true;
			resendBtn.hidden = !expired;
		}
	};
	const arm = (sent) => {
		stopAll();
		expired = false;
		intro.textContent = sent && sent.to_masked
		    ? t(o.introKey || 'code.sent_to', { to: sent.to_masked })
		    : t(o.introKeyUnknown || 'code.sent_earlier');
		if (sent && typeof sent.expires_in === 'number' && sent.expires_in > 0) {
			timerText.hidden = false;
			stops.push(countdown(timer, sent.expires_in, () => {
				expired = true;
				timerText.hidden = true;
				if (resendWait > 0) {
					setStatus(status, t('code.expired_wait'), 'err');
				} else {
					setStatus(status, t('code.expired_now'), 'err');
					if (resendBtn)
						resendBtn.hidden = false;
				}
			}));
		} else {
			// Expired already, or the expiry is not known (TOTP, or a
			// code sent before this page was opened).
			timerText.hidden = true;
			expired = !!(sent && sent.expires_at && sent.expires_in === 0);
			if (expired)
				setStatus(status, t(sent.resend_in > 0 ? 'code.expired_wait' : 'code.expired_now'), 'err');
		}
		armResend(sent ? sent.resend_in : 0);
		if (resendBtn && !sent)
			resendBtn.hidden = false;
	};
	f.input.after(timerText);
	const form = h('form', { novalidate: true, id: o.id + '-form' },
	    intro, f.wrap, ...(o.extra || []),
	    h('div', { class: 'actions' }, submit, resendBtn), rLine, status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors({ code: f, ...(o.fields || {}) });
		setStatus(status, '');
		const code = f.input.value.replace(/\s/g, '');
		if (!/^[0-9]{4,8}$/.test(code)) {
			fieldError(f, t('code.bad_format'));
			return;
		}
		if (o.validate && o.validate())
			return;
		await busy(submit, async () => {
			try {
				await o.submit(code);
				stopAll();
			} catch (e) {
				showError(e, { code: f, ...(o.fields || {}) }, status, o.codeToField || {
					code_invalid: 'code', code_expired: 'code', code_used: 'code',
					totp_invalid: 'code', totp_replay: 'code',
				});
				if (e instanceof ApiError && ['code_expired', 'code_attempts', 'code_used'].includes(e.code)) {
					expired = true;
					// Say when a new code can be asked for, not "ask now".
					if (resendBtn && resendWait > 0)
						setStatus(status, t('code.expired_wait'), 'err');
					else if (resendBtn)
						resendBtn.hidden = false;
				}
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
				if (e instanceof ApiError && e.code === 'resend_too_soon' && e.retryAfter) {
					stopAll();
					armResend(e.retryAfter);
					setStatus(status, t('code.resend_wait', { when: fmtWait(e.retryAfter) }), 'err');
				} else if (!(e instanceof ApiError && e.code === 'reenter')) {
					setStatus(status, errorText(e), 'err');
				}
			}
		}));
	}
	arm(o.sent);
	return { el: form, input: f.input, rearm: arm, status };
}

// The server's verdict on a password as it is typed (POST
// /api/v1/password/strength): a meter with zxcvbn's score and the
// refusal the password step would give. words() gives the personal
// words the server should use when no one is signed in.
function strengthMeter(input, words, onVerdict) {
	const meter = h('meter', {
		id: 'pw-meter', min: 0, max: 4, low: 2, high: 3, optimum: 4, value: 0,
		'aria-labelledby': 'pw-strength-label', 'aria-describedby': 'pw-verdict',
	});
	const verdict = h('span', { id: 'pw-verdict' });
	const box = h('div', { class: 'strength', id: 'pw-strength', 'aria-live': 'polite' },
	    h('span', { id: 'pw-strength-label', class: 'label' }, t('pw.strength')), ' ',
	    meter, ' ', verdict);
	box.hidden = true;
	let seq = 0;
	let timer = null;
	const ask = async () => {
		const my = ++seq;
		const pw = input.value;
		if (!pw) {
			box.hidden = true;
			box.removeAttribute('data-score');
			box.removeAttribute('data-ok');
			onVerdict(null);
			return;
		}
		let r;
		try {
			r = await C.passwordStrength({ password: pw, ...(words ? words() : {}) });
		} catch (e) {
			if (my === seq) {
				box.hidden = false;
				box.removeAttribute('data-score');
				verdict.textContent = t('pw.strength_unknown');
			}
			return;
		}
		if (my !== seq)
			return;
		box.hidden = false;
		meter.value = r.score;
		box.dataset.score = String(r.score);
		box.dataset.ok = r.ok ? 'true' : 'false';
		box.dataset.code = r.code || '';
		verdict.textContent = t('pw.score' + r.score) + ': ' +
		    (r.ok ? t('pw.strength_ok') : t('err.' + (r.code || 'password_weak')));
		verdict.className = r.ok ? 'ok' : 'err';
		onVerdict(r);
	};
	input.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(ask, 250);
	});
	return box;
}

// o: {id, words() -> {email, given_name, surname} (when signed out),
//     submitKey, current: bool, username, after: [nodes],
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
	const pw = fields.password.input;
	const pw2 = fields.password_confirm.input;
	const rule = (id, key) => h('li', { id, class: 'unmet' }, t(key));
	const rules = { len: rule('rule-len', 'pw.rule_len'), personal: rule('rule-personal', 'pw.rule_personal'),
		match: rule('rule-match', 'pw.rule_match') };
	const set = (el, ok) => {
		el.className = ok ? 'met' : 'unmet';
	};
	const meter = strengthMeter(pw, o.words, (r) => {
		set(rules.personal, !!r && r.code !== 'password_personal');
	});
	const upd = () => {
		set(rules.len, [...pw.value].length >= 12);
		set(rules.match, pw.value.length > 0 && pw.value === pw2.value);
	};
	pw.addEventListener('input', upd);
	pw2.addEventListener('input', upd);
	const list = h('ul', { class: 'rules', id: 'pw-rules', 'aria-live': 'polite' },
	    rules.len, rules.personal, rules.match);
	pw.setAttribute('aria-describedby', pw.getAttribute('aria-describedby') + ' pw-rules pw-strength');
	fields.password.wrap.append(meter, list);
	kids.push(fields.password.wrap, fields.password_confirm.wrap);
	const status = statusBox(o.id + '-status');
	const submit = button(o.submitKey || 'pw.save', { id: o.id + '-submit' });
	const form = h('form', { novalidate: true, id: o.id + '-form' }, ...kids,
	    h('div', { class: 'actions' }, submit, ...(o.after || [])), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(fields);
		setStatus(status, '');
		if (o.current && !fields.current_password.input.value) {
			fieldError(fields.current_password, t('form.required'));
			return;
		}
		if ([...pw.value].length < 12) {
			fieldError(fields.password, t('err.password_weak'));
			return;
		}
		if (pw.value !== pw2.value) {
			fieldError(fields.password_confirm, t('err.password_mismatch'));
			return;
		}
		const body = { password: pw.value, password_confirm: pw2.value };
		if (o.current)
			body.current_password = fields.current_password.input.value;
		await busy(submit, async () => {
			try {
				await o.submit(body);
			} catch (e) {
				showError(e, fields, status, {
					password_weak: 'password', password_common: 'password',
					password_personal: 'password', password_reused: 'password',
					password_mismatch: 'password_confirm', password_wrong: 'current_password',
				});
			}
		});
	});
	upd();
	return { el: form, status };
}
