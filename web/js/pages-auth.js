// pages-auth.js: pages before one is fully signed in: register (J1),
// activate (J2), sign in + 2FA code (J3), 2FA offer/deferral, password
// recovery (J12) and the lost-phone TOTP reset from the 2FA prompt (J14).
import { t, getLang, fmtDate } from './i18n.js';
import { api, session, ApiError, errorText } from './api.js';
import {
	h, page, field, phoneField, checkbox, statusBox, setStatus, clearErrors,
	fieldError, showError, busy, button, link, notice,
} from './ui.js';
import { codeStep, passwordStep } from './steps.js';

function tokenFromUrl() {
	const hash = location.hash.replace(/^#/, '');
	if (hash)
		return decodeURIComponent(hash);
	return new URLSearchParams(location.search).get('token') || '';
}

function kv(rows) {
	return h('dl', { class: 'kv' }, rows.map(([k, v, id]) => [
		h('dt', {}, t(k)), h('dd', { id }, v || '—'),
	]));
}

// ---- J1 register ---------------------------------------------------------
export async function register(ctx) {
	const f = {
		given_name: field({ id: 'reg-given', label: 'reg.given_name', autocomplete: 'given-name', maxlength: 100 }),
		surname: field({ id: 'reg-surname', label: 'reg.surname', autocomplete: 'family-name', maxlength: 100 }),
		email: field({ id: 'reg-email', label: 'reg.email', type: 'email', autocomplete: 'email', maxlength: 254 }),
		phone: phoneField('reg-phone', 'reg.phone'),
		privacy_consent: checkbox('reg-consent', 'reg.consent'),
	};
	const status = statusBox('reg-status');
	const submit = button('reg.submit', { id: 'reg-submit' });
	const form = h('form', { novalidate: true, id: 'reg-form' },
	    h('p', { class: 'lead' }, t('reg.intro')),
	    f.given_name.wrap, f.surname.wrap, f.email.wrap, f.phone.wrap,
	    h('details', { class: 'field' }, h('summary', {}, t('reg.privacy_title')),
		h('p', {}, t('reg.privacy_text'))),
	    f.privacy_consent.wrap,
	    h('div', { class: 'actions' }, submit, link('/signin', 'reg.have_account', 'reg-signin')),
	    status);
	const card = page('reg.title', form);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(f);
		setStatus(status, '');
		for (const k of ['given_name', 'surname', 'email']) {
			if (!f[k].input.value.trim()) {
				fieldError(f[k], t('form.required'));
				return;
			}
		}
		if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(f.email.input.value.trim())) {
			fieldError(f.email, t('err.email_invalid'));
			return;
		}
		if (!/^\+[1-9][0-9]{7,14}$/.test(f.phone.value())) {
			fieldError(f.phone, t('err.phone_invalid'));
			return;
		}
		if (!f.privacy_consent.input.checked) {
			fieldError(f.privacy_consent, t('err.consent_required'));
			return;
		}
		await busy(submit, async () => {
			try {
				await api.post('/register', {
					given_name: f.given_name.input.value.trim(),
					surname: f.surname.input.value.trim(),
					email: f.email.input.value.trim(),
					phone: f.phone.value(),
					privacy_consent: true,
					lang: getLang(),
				});
				card.replaceChildren(h('h1', { id: 'page-title' }, t('reg.sent_title')),
				    notice(t('reg.sent', { email: f.email.input.value.trim() }), 'ok', 'reg-done'),
				    h('p', { class: 'muted' }, t('reg.sent_more')));
			} catch (e) {
				showError(e, f, status, { consent_required: 'privacy_consent', phone_invalid: 'phone' });
			}
		});
	});
	return card;
}

// ---- J2 activate -----------------------------------------------------------
export async function activate(ctx) {
	const token = tokenFromUrl();
	const body = h('div', { id: 'act-body' });
	const card = page('act.title', body);
	if (!token) {
		body.append(notice(t('err.link_invalid'), 'warn', 'act-error'));
		return card;
	}
	const enc = encodeURIComponent(token);
	let inv;
	try {
		inv = await api.get(`/activation/${enc}`);
	} catch (e) {
		body.append(notice(errorText(e), 'warn', 'act-error'),
		    h('p', {}, link('/signin', 'nav.signin'), ' · ', link('/register', 'nav.register')));
		return card;
	}
	let lastPhone = null;
	const personal = () => [inv.given_name, inv.surname, (inv.email || '').split('@')[0]];
	const summary = kv([
		['act.full_name', `${inv.given_name || ''} ${inv.surname || ''}`.trim(), 'act-name'],
		['act.email', inv.email, 'act-email'],
		['act.phone', inv.phone_masked, 'act-phone-masked'],
	]);
	const step = h('div', { id: 'act-step' });
	body.append(h('p', { class: 'lead' }, t('act.intro')), summary, step);

	const showPassword = () => {
		step.replaceChildren(h('h2', {}, t('act.password_title')),
		    h('p', {}, t('act.password_intro')),
		    passwordStep({
			    id: 'act', username: inv.email, personal, submitKey: 'act.finish',
			    submit: async (b) => {
				    await api.post(`/activation/${enc}/password`, b);
				    ctx.flash(t('act.done'), 'ok');
				    ctx.go('/signin?email=' + encodeURIComponent(inv.email || ''));
			    },
		    }).el);
	};
	const showCode = (sent) => {
		const cs = codeStep({
			id: 'act-code', sent, labelKey: 'act.sms_code',
			submit: async (code) => {
				await api.post(`/activation/${enc}/code`, { code });
				showPassword();
			},
			resend: lastPhone ? () => api.post(`/activation/${enc}/phone`, lastPhone) : async () => {
				showPhone(t('act.reenter_for_resend'));
				throw new ApiError(0, { error: { code: 'reenter', message: t('act.reenter_for_resend') } });
			},
		});
		step.replaceChildren(h('h2', {}, t('act.code_title')), cs.el);
		cs.input.focus();
	};
	const showPhone = (msg) => {
		const pf = phoneField('act-phone', 'act.reenter_phone');
		const change = checkbox('act-change', 'act.change_phone');
		const status = statusBox('act-phone-status');
		const submit = button('act.validate_phone', { id: 'act-phone-submit' });
		const form = h('form', { novalidate: true, id: 'act-phone-form' },
		    msg ? notice(msg, 'warn') : null, pf.wrap, change.wrap,
		    h('p', { class: 'hint' }, t('act.sms_note')),
		    h('div', { class: 'actions' }, submit), status);
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
					const req = { phone, change_phone: change.input.checked };
					const sent = await api.post(`/activation/${enc}/phone`, req);
					lastPhone = req;
					showCode(sent);
				} catch (e) {
					showError(e, { phone: pf }, status, { phone_invalid: 'phone', phone_mismatch: 'phone' });
				}
			});
		});
		step.replaceChildren(h('h2', {}, t('act.phone_title')), form);
	};
	if (inv.phone_verified)
		showPassword();
	else if (inv.code && inv.code.sent !== false && inv.code.expires_in > 0)
		showCode(inv.code);
	else
		showPhone();
	return card;
}

// ---- J3 sign in (+ 2FA code) ---------------------------------------------
export async function signin(ctx) {
	const s = ctx.session;
	if (s.state === 'full')
		return ctx.redirect(ctx.nextPath(s));
	if (s.state === 'password_ok' && s.next)
		return ctx.redirect(ctx.nextPath(s));
	const body = h('div', {});
	const card = page('si.title', body);
	const showTotp = () => {
		const cs = codeStep({
			id: 'si-totp', sent: { expires_in: 0 }, labelKey: 'si.totp_label',
			hintKey: 'si.totp_hint', submitKey: 'si.totp_submit',
			introKeyUnknown: 'si.totp_intro',
			submit: async (code) => {
				const r = await api.post('/session/totp', { code });
				ctx.go(ctx.nextPath(r));
			},
		});
		body.replaceChildren(cs.el, h('p', {}, link('/totp/reset', 'si.totp_lost', 'si-totp-reset')),
		    h('p', {}, h('button', { type: 'button', class: 'btn link', id: 'si-cancel',
			onclick: async () => {
				await api.del('/session').catch(() => null);
				ctx.go('/signin');
			} }, t('si.other_account'))));
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
				const r = await api.post('/session', {
					email: f.email.input.value.trim(), password: f.password.input.value,
				});
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

// ---- J3 2FA offer / deferral -------------------------------------------
export async function twofaOffer(ctx) {
	const s = ctx.session;
	if (s.next === 'twofa_required')
		return ctx.redirect('/pair');
	const until = s.twofa_mandatory_after || '2026-12-31';
	const status = statusBox('tf-status');
	const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
	const date = field({ id: 'tf-date', label: 'tf.date', type: 'date', value: tomorrow });
	date.input.min = tomorrow;
	date.input.max = until;
	const defer = (mode) => async (ev) => {
		const b = { mode };
		if (mode === 'date') {
			if (!date.input.value) {
				fieldError(date, t('form.required'));
				return;
			}
			b.date = date.input.value;
		}
		await busy(ev.currentTarget, async () => {
			try {
				const r = await api.post('/session/twofa-defer', b);
				ctx.go(ctx.nextPath(r));
			} catch (e) {
				showError(e, { date }, status, { defer_invalid: 'date' });
			}
		});
	};
	return page('tf.title',
	    h('p', { class: 'lead' }, t('tf.intro')),
	    notice(t('tf.mandatory', { date: fmtDate(until) }), 'warn', 'tf-mandatory'),
	    h('div', { class: 'actions' }, h('a', { href: '/pair', 'data-link': true, class: 'btn', id: 'tf-configure' }, t('tf.configure'))),
	    h('h2', {}, t('tf.later')),
	    date.wrap,
	    h('div', { class: 'actions' },
		button('tf.remind_date', { id: 'tf-remind-date', type: 'button', kind: 'secondary', onclick: defer('date') }),
		button('tf.remind_next', { id: 'tf-next', type: 'button', kind: 'secondary', onclick: defer('next_login') }),
		button('tf.never', { id: 'tf-never', type: 'button', kind: 'secondary', onclick: defer('never') })),
	    status);
}

// ---- J12 password recovery -------------------------------------------------
export async function recover(ctx) {
	const token = tokenFromUrl();
	if (!token) {
		const email = field({ id: 'rc-email', label: 'rc.email', type: 'email', autocomplete: 'email' });
		const status = statusBox('rc-status');
		const submit = button('rc.send', { id: 'rc-submit' });
		const form = h('form', { novalidate: true, id: 'rc-form' },
		    h('p', {}, t('rc.intro')), email.wrap, h('div', { class: 'actions' }, submit), status);
		const card = page('rc.title', form);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors({ email });
			if (!/^[^@\s]+@[^@\s]+$/.test(email.input.value.trim())) {
				fieldError(email, t('err.email_invalid'));
				return;
			}
			await busy(submit, async () => {
				try {
					await api.post('/recovery', { email: email.input.value.trim() });
					form.replaceChildren(notice(t('rc.sent', { email: email.input.value.trim() }), 'ok', 'rc-sent'));
				} catch (e) {
					showError(e, { email }, status);
				}
			});
		});
		return card;
	}
	const enc = encodeURIComponent(token);
	const body = h('div', { id: 'rc-body' });
	const card = page('rc.title', body);
	let st;
	try {
		st = await api.get(`/recovery/${enc}`);
	} catch (e) {
		body.append(notice(errorText(e), 'warn', 'rc-error'), h('p', {}, link('/recover', 'rc.again')));
		return card;
	}
	const showPassword = () => {
		body.replaceChildren(h('p', {}, t('rc.new_password')), passwordStep({
			id: 'rc', submitKey: 'rc.change', personal: () => [],
			submit: async (b) => {
				await api.post(`/recovery/${enc}/password`, b);
				ctx.flash(t('rc.done'), 'ok');
				ctx.go('/signin');
			},
		}).el);
	};
	const showCode = (sent) => {
		const cs = codeStep({
			id: 'rc-code', sent, labelKey: 'rc.sms_code',
			submit: async (code) => {
				await api.post(`/recovery/${enc}/code`, { code });
				showPassword();
			},
			resend: () => api.post(`/recovery/${enc}/sms`),
		});
		body.replaceChildren(cs.el);
		cs.input.focus();
	};
	if (st.code_verified) {
		showPassword();
	} else if (st.code && st.code.expires_in > 0) {
		showCode(st.code);
	} else {
		const status = statusBox('rc-sms-status');
		const send = button('rc.send_sms', { id: 'rc-send-sms', type: 'button' });
		send.addEventListener('click', () => busy(send, async () => {
			try {
				showCode(await api.post(`/recovery/${enc}/sms`));
			} catch (e) {
				setStatus(status, errorText(e), 'err');
			}
		}));
		body.append(h('p', {}, t('rc.sms_intro', { phone: st.phone_masked || '' })),
		    h('div', { class: 'actions' }, send), status);
	}
	return card;
}

// ---- J14 from the 2FA prompt: lost phone, e-mail proof first -------------
export async function totpReset(ctx) {
	if (ctx.session.state !== 'needs_2fa')
		return ctx.redirect(ctx.session.state === 'full' ? '/totp' : '/signin');
	const body = h('div', {});
	const card = page('tz.title', body);
	const status = statusBox('tz-status');
	const send = button('tz.send', { id: 'tz-send', type: 'button' });
	send.addEventListener('click', () => busy(send, async () => {
		try {
			const sent = await api.post('/totp/reset');
			const cs = codeStep({
				id: 'tz-code', sent, labelKey: 'tz.email_code', introKey: 'code.sent_to_email',
				submit: async (code) => {
					await api.post('/totp/reset/verify', { code });
					ctx.go('/pair');
				},
				resend: () => api.post('/totp/reset'),
			});
			body.replaceChildren(cs.el);
			cs.input.focus();
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	body.append(h('p', {}, t('tz.intro')), h('div', { class: 'actions' }, send,
	    link('/signin', 'common.back', 'tz-back')), status);
	return card;
}

export { session };
