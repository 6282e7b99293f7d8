// pages-account.js: pairing the authenticator (J4, J14), the GDPR notice
// and app consent (J5), home, settings, change password (J12), change
// phone (J13), re-pairing from settings (J14).
import { t, fmtTime } from './i18n.js';
import { api, getDataUrl, ApiError, errorText } from './api.js';
import {
	h, page, field, phoneField, checkbox, statusBox, setStatus, clearErrors,
	fieldError, busy, button, link, notice, alertDialog,
} from './ui.js';
import { codeStep, passwordStep } from './steps.js';

// ---- J4 / J14 pairing ------------------------------------------------------
export async function pair(ctx) {
	const s = ctx.session;
	if (s.state === 'anonymous')
		return ctx.redirect('/signin');
	const body = h('div', { id: 'pair-body' });
	const info = h('div', {},
	    h('h2', {}, t('pair.why_title')), h('p', {}, t('pair.why')),
	    h('h2', {}, t('pair.what_title')), h('p', {}, t('pair.what')),
	    h('h2', {}, t('pair.how_title')),
	    h('ol', { class: 'steps' }, [1, 2, 3, 4, 5, 6].map((i) => h('li', {}, t('pair.how' + i)))));
	const card = page(ctx.session.user && ctx.session.user.twofa_enabled ? 'pair.title_repair' : 'pair.title',
	    info, body);

	const showConfirm = async (res) => {
		let dataUrl = null;
		try {
			dataUrl = await getDataUrl((res.qr_png || '/api/v1/totp/qr.png').replace(/^\/api\/v1/, ''));
		} catch (e) {
			dataUrl = null;
		}
		const status = statusBox('pair-status');
		const code = field({ id: 'pair-code', label: 'pair.code', inputmode: 'numeric',
			autocomplete: 'one-time-code', maxlength: 6, hint: 'pair.code_hint' });
		const submit = button('pair.confirm', { id: 'pair-confirm' });
		const form = h('form', { novalidate: true, id: 'pair-confirm-form' }, code.wrap,
		    h('div', { class: 'actions' }, submit), status);
		info.remove();
		body.replaceChildren(
		    notice(t('pair.once'), 'warn', 'pair-once'),
		    h('p', {}, t('pair.scan')),
		    h('div', { class: 'qr-box' },
			dataUrl ? h('img', { id: 'pair-qr', src: dataUrl, alt: t('pair.qr_alt'), width: 232, height: 232 })
			    : notice(t('pair.qr_missing'), 'warn')),
		    dataUrl ? h('p', { class: 'actions' }, h('a', { class: 'btn secondary', id: 'pair-save',
			href: dataUrl, download: 'pecete-authenticator.png' }, t('pair.save'))) : null,
		    h('p', {}, t('pair.secret_intro')),
		    h('p', { class: 'secret', id: 'pair-secret' }, (res.secret || '').replace(/(.{4})/g, '$1 ').trim()),
		    h('h2', {}, t('pair.confirm_title')), form);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors({ code });
			setStatus(status, '');
			const c = code.input.value.replace(/\s/g, '');
			if (!/^[0-9]{6}$/.test(c)) {
				fieldError(code, t('code.bad_format6'));
				return;
			}
			await busy(submit, async () => {
				try {
					const r = await api.post('/totp/pairing/confirm', { code: c });
					ctx.flash(t('pair.done'), 'ok');
					const s2 = r && r.state ? r : await ctx.reload();
					ctx.go(ctx.nextPath(s2));
				} catch (e) {
					if (e instanceof ApiError && ['code_invalid', 'totp_replay', 'totp_locked'].includes(e.code))
						fieldError(code, errorText(e));
					else
						setStatus(status, errorText(e), 'err');
				}
			});
		});
		code.input.focus();
	};

	const showSms = (sent) => {
		const installed = checkbox('pair-installed', 'pair.installed');
		const cs = codeStep({
			id: 'pair-sms', sent, labelKey: 'pair.sms_code', submitKey: 'pair.continue',
			extra: [installed.wrap], fields: { installed },
			codeToField: { installed_required: 'installed', code_invalid: 'code', code_expired: 'code', code_used: 'code' },
			validate: () => {
				if (!installed.input.checked) {
					fieldError(installed, t('err.installed_required'));
					return 'installed';
				}
				return null;
			},
			submit: async (code) => {
				const res = await api.post('/totp/pairing/verify', { code, installed: true });
				await showConfirm(res);
			},
			resend: () => api.post('/totp/pairing'),
		});
		body.replaceChildren(h('h2', {}, t('pair.step_sms')), cs.el);
	};

	body.append(h('p', { class: 'muted', role: 'status', id: 'pair-sending' }, t('pair.sending')));
	try {
		showSms(await api.post('/totp/pairing'));
	} catch (e) {
		if (e instanceof ApiError && e.code === 'resend_too_soon')
			showSms(null);
		else
			body.replaceChildren(notice(errorText(e), 'warn', 'pair-error'));
	}
	return card;
}

// ---- J5 GDPR notice ----------------------------------------------------------
async function required(kind) {
	const c = await api.get('/consents');
	const r = (c.required || []).find((x) => x.kind === kind);
	return r ? r.version : null;
}

export async function gdpr(ctx) {
	if (ctx.session.state === 'anonymous')
		return ctx.redirect('/signin');
	const version = await required('gdpr_notice').catch(() => null);
	const paras = [];
	for (let i = 1; i <= 12; i++)
		paras.push(h(i === 1 || i === 5 || i === 9 ? 'h2' : 'p', {}, t('gdpr.p' + i)));
	const box = h('div', { class: 'scrollbox', id: 'gdpr-text', tabindex: '0',
		role: 'region', 'aria-label': t('gdpr.title') }, paras, h('p', { id: 'gdpr-end' }, t('gdpr.end')));
	const hint = h('p', { class: 'hint', id: 'gdpr-hint', 'aria-live': 'polite' }, t('gdpr.scroll_hint'));
	const status = statusBox('gdpr-status');
	const accept = button('gdpr.accept', { id: 'gdpr-accept', type: 'button' });
	accept.disabled = true;
	accept.setAttribute('aria-describedby', 'gdpr-hint');
	const check = () => {
		if (box.scrollTop + box.clientHeight >= box.scrollHeight - 4) {
			accept.disabled = false;
			hint.textContent = t('gdpr.scrolled');
		}
	};
	box.addEventListener('scroll', check);
	requestAnimationFrame(check);
	accept.addEventListener('click', () => busy(accept, async () => {
		try {
			if (version)
				await api.post('/consents', { kind: 'gdpr_notice', version });
			const s = await ctx.reload();
			ctx.go(ctx.nextPath(s));
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	return page('gdpr.title', h('p', {}, t('gdpr.intro')), box, hint,
	    h('div', { class: 'actions' }, accept), status);
}

// ---- J5 app consent --------------------------------------------------------
export async function consent(ctx) {
	if (ctx.session.state === 'anonymous')
		return ctx.redirect('/signin');
	const version = await required('app_access').catch(() => null);
	const status = statusBox('consent-status');
	const allow = button('consent.allow', { id: 'consent-allow', type: 'button' });
	allow.addEventListener('click', () => busy(allow, async () => {
		try {
			if (version)
				await api.post('/consents', { kind: 'app_access', version });
			const s = await ctx.reload();
			ctx.go(ctx.nextPath(s));
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	const signout = h('button', { type: 'button', class: 'btn secondary', id: 'consent-deny',
		onclick: () => ctx.signOut() }, t('consent.deny'));
	return page('consent.title', h('p', { class: 'lead' }, t('consent.intro')),
	    h('ul', {}, [1, 2, 3].map((i) => h('li', {}, t('consent.item' + i)))),
	    h('p', { class: 'muted' }, t('consent.note')),
	    h('div', { class: 'actions' }, allow, signout), status);
}

// ---- home and settings --------------------------------------------------------
export async function home(ctx) {
	const u = ctx.session.user || {};
	return page('home.title',
	    h('p', { class: 'lead', id: 'home-hello' }, t('home.hello', { name: u.given_name || '' })),
	    u.twofa_enabled ? notice(t('home.twofa_on'), 'ok', 'home-2fa')
		: h('p', { class: 'notice warn', id: 'home-2fa' }, t('home.twofa_off'), ' ',
		    link('/pair', 'home.configure')),
	    h('ul', { class: 'links' },
		h('li', {}, link('/shop', 'nav.shop', 'home-shop')),
		h('li', {}, link('/shop/orders', 'nav.orders', 'home-orders')),
		h('li', {}, link('/settings', 'nav.settings', 'home-settings')),
		h('li', {}, link('/password', 'nav.password')),
		h('li', {}, link('/phone', 'nav.phone')),
		h('li', {}, link('/totp', 'nav.totp'))));
}

const KINDS = { privacy: 'consent.kind_privacy', gdpr_notice: 'consent.kind_gdpr', app_access: 'consent.kind_app', marketing: 'consent.kind_marketing' };

export async function settings(ctx) {
	const [acc, cons] = await Promise.all([
		api.get('/account').catch(() => ctx.session.user || {}),
		api.get('/consents').catch(() => ({ consents: [] })),
	]);
	const rows = (cons.consents || []).map((c) => h('tr', {},
	    h('td', { 'data-label': t('set.c_kind') }, t(KINDS[c.kind] || c.kind)),
	    h('td', { 'data-label': t('set.c_version') }, c.version || ''),
	    h('td', { 'data-label': t('set.c_time') }, fmtTime(c.accepted_at)),
	    h('td', { 'data-label': t('set.c_ip') }, c.ip || '')));
	return page('set.title',
	    h('h2', {}, t('set.account')),
	    h('dl', { class: 'kv', id: 'set-account' },
		h('dt', {}, t('act.full_name')), h('dd', {}, `${acc.given_name || ''} ${acc.surname || ''}`),
		h('dt', {}, t('act.email')), h('dd', {}, acc.email || ''),
		h('dt', {}, t('act.phone')), h('dd', { id: 'set-phone' }, acc.phone_masked || ''),
		h('dt', {}, t('set.twofa')), h('dd', { id: 'set-2fa' }, t(acc.twofa_enabled ? 'set.twofa_on' : 'set.twofa_off'))),
	    h('h2', {}, t('set.security')),
	    h('ul', { class: 'links' },
		h('li', {}, link('/password', 'nav.password', 'set-password')),
		h('li', {}, link('/phone', 'nav.phone', 'set-phone-link')),
		h('li', {}, link('/totp', 'nav.totp', 'set-totp'))),
	    h('h2', {}, t('set.consents')),
	    rows.length
		? h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'set-consents' },
		    h('thead', {}, h('tr', {}, ['set.c_kind', 'set.c_version', 'set.c_time', 'set.c_ip'].map((k) => h('th', { scope: 'col' }, t(k))))),
		    h('tbody', {}, rows)))
		: h('p', { class: 'muted', id: 'set-consents' }, t('set.no_consents')));
}

// ---- J12 change password -----------------------------------------------------
export async function changePassword(ctx) {
	const u = ctx.session.user || {};
	const wrap = h('div', {});
	const ps = passwordStep({
		id: 'cp', current: true, submitKey: 'cp.submit', username: u.email,
		personal: () => [u.given_name, u.surname, (u.email || '').split('@')[0]],
		after: [link('/settings', 'common.cancel', 'cp-cancel')],
		submit: async (b) => {
			await api.post('/account/password', b);
			wrap.replaceChildren(notice(t('cp.done'), 'ok', 'cp-done'),
			    h('p', {}, link('/settings', 'nav.settings')));
		},
	});
	wrap.append(ps.el);
	return page('cp.title', wrap);
}

// ---- J13 change phone --------------------------------------------------------
export async function changePhone(ctx) {
	const body = h('div', { id: 'ph-body' });
	const card = page('ph.title', body);
	let lastPhone = null;
	const smsStep = (sent) => {
		const cs = codeStep({
			id: 'ph-scode', sent, labelKey: 'ph.sms_code', submitKey: 'common.continue',
			submit: async (code) => {
				await api.post('/account/phone/sms-code/verify', { code });
				await alertDialog('ph.changed_title', t('ph.changed'));
				await ctx.reload();
				ctx.go('/signin');
			},
			resend: () => api.post('/account/phone/sms-code', { phone: lastPhone }),
		});
		body.replaceChildren(h('h2', {}, t('ph.step3')), cs.el);
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
					const sent = await api.post('/account/phone/sms-code', { phone });
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
				await api.post('/account/phone/email-code/verify', { code });
				phoneStep();
			},
			resend: () => api.post('/account/phone/email-code'),
		});
		body.replaceChildren(h('h2', {}, t('ph.step1')), cs.el);
		cs.input.focus();
	};
	const status = statusBox('ph-status');
	const start = button('ph.send_email', { id: 'ph-send-email', type: 'button' });
	start.addEventListener('click', () => busy(start, async () => {
		try {
			emailStep(await api.post('/account/phone/email-code'));
		} catch (e) {
			if (e instanceof ApiError && e.code === 'resend_too_soon')
				emailStep(null);
			else
				setStatus(status, errorText(e), 'err');
		}
	}));
	body.append(h('p', {}, t('ph.intro')), h('div', { class: 'actions' }, start,
	    link('/settings', 'common.cancel')), status);
	return card;
}

// ---- J14 re-pair from settings -----------------------------------------------
export async function totpRepair(ctx) {
	return page('tr.title', h('p', {}, t('tr.intro')),
	    h('ul', {}, h('li', {}, t('tr.note1')), h('li', {}, t('tr.note2'))),
	    h('div', { class: 'actions' },
		h('a', { href: '/pair', 'data-link': true, class: 'btn', id: 'tr-start' }, t('tr.start')),
		link('/settings', 'common.cancel')));
}
