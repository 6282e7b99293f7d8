// pair.js: J4 / J14, pairing the authenticator app: SMS code and the
// "installed" box, then the QR and key (shown once), then a code from
// the app. The page opens where the server says pairing stands (GET
// /api/v1/totp/pairing), so a reload sends no new SMS: the code step
// with its timers, the QR if it was not fetched yet, or, after the QR,
// the app's code (or start over).
import { t } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, field, checkbox, statusBox, setStatus, clearErrors,
	fieldError, busy, button, notice,
} from '../ui.js';
import { codeStep } from '../steps.js';

export async function pair(ctx) {
	const s = ctx.session;
	const body = h('div', { id: 'pair-body' });
	const info = h('div', {},
	    h('h2', {}, t('pair.why_title')), h('p', {}, t('pair.why')),
	    h('h2', {}, t('pair.what_title')), h('p', {}, t('pair.what')),
	    h('h2', {}, t('pair.how_title')),
	    h('ol', { class: 'steps' }, [1, 2, 3, 4, 5, 6].map((i) => h('li', {}, t('pair.how' + i)))));
	const card = page(s.user && s.user.twofa_enabled ? 'pair.title_repair' : 'pair.title', info, body);

	// The app's first code activates the new secret.
	const confirmForm = () => {
		const status = statusBox('pair-status');
		const code = field({ id: 'pair-code', label: 'pair.code', inputmode: 'numeric',
			autocomplete: 'one-time-code', maxlength: 6, hint: 'pair.code_hint' });
		const submit = button('pair.confirm', { id: 'pair-confirm' });
		const form = h('form', { novalidate: true, id: 'pair-confirm-form' }, code.wrap,
		    h('div', { class: 'actions' }, submit), status);
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
					const r = await C.pairingConfirm(c);
					ctx.flash(t('pair.done'), 'ok');
					const s2 = r && r.state ? r : await ctx.reload();
					ctx.go(ctx.nextPath(s2));
				} catch (e) {
					if (e instanceof ApiError && e.code === 'step_order') {
						// No pending secret any more: start again.
						setStatus(status, t('pair.restart_needed'), 'err');
					} else if (e instanceof ApiError && ['totp_invalid', 'code_invalid', 'totp_replay', 'totp_locked'].includes(e.code)) {
						fieldError(code, errorText(e));
					} else {
						setStatus(status, errorText(e), 'err');
					}
				}
			});
		});
		return { form, focus: () => code.input.focus() };
	};

	// res: the answer of verify ({secret, qr_png}), or {} when the page
	// was reloaded before the QR was fetched (the key is not shown again).
	const showQr = async (res) => {
		let dataUrl = null;
		try {
			dataUrl = await C.pairingQr(res.qr_png || '/api/v1/totp/qr.png');
		} catch (e) {
			dataUrl = null;
		}
		const cf = confirmForm();
		info.remove();
		body.replaceChildren(
		    notice(t('pair.once'), 'warn', 'pair-once'),
		    h('p', {}, t('pair.scan')),
		    h('div', { class: 'qr-box' },
			dataUrl ? h('img', { id: 'pair-qr', src: dataUrl, alt: t('pair.qr_alt'), width: 232, height: 232 })
			    : notice(t('pair.qr_missing'), 'warn')),
		    dataUrl ? h('p', { class: 'actions' }, h('a', { class: 'btn secondary', id: 'pair-save',
			href: dataUrl, download: 'pecete-authenticator.png' }, t('pair.save'))) : null,
		    res.secret ? h('p', {}, t('pair.secret_intro')) : null,
		    res.secret ? h('p', { class: 'secret', id: 'pair-secret' }, res.secret.replace(/(.{4})/g, '$1 ').trim()) : null,
		    h('h2', {}, t('pair.confirm_title')), cf.form);
		cf.focus();
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
				await showQr(await C.pairingVerify(code));
			},
			resend: () => C.pairingStart(),
		});
		body.replaceChildren(h('h2', {}, t('pair.step_sms')), cs.el);
	};

	const start = async () => {
		body.replaceChildren(h('p', { class: 'muted', role: 'status', id: 'pair-sending' }, t('pair.sending')));
		try {
			showSms(await C.pairingStart());
		} catch (e) {
			if (e instanceof ApiError && e.code === 'resend_too_soon')
				showSms({ resend_in: e.retryAfter || 0 });
			else
				body.replaceChildren(notice(errorText(e), 'warn', 'pair-error'));
		}
	};

	const resume = () => {
		// After the QR: the app's code, or start over.
		const cf = confirmForm();
		const again = h('button', { type: 'button', class: 'btn secondary', id: 'pair-restart' }, t('pair.restart'));
		again.addEventListener('click', () => {
			info.hidden = false;
			start();
		});
		info.hidden = true;
		body.replaceChildren(notice(t('pair.resume'), 'warn', 'pair-resume'), cf.form, h('div', { class: 'actions' }, again));
	};
	let st;
	try {
		st = await C.pairingState();
	} catch (e) {
		body.append(notice(errorText(e), 'warn', 'pair-error'));
		return card;
	}
	switch (st.step) {
	case 'code':
		showSms(st.code);
		break;
	case 'qr':
		await showQr({});
		break;
	case 'confirm':
		resume();
		break;
	case 'not_allowed':
		body.append(notice(t('pair.not_allowed'), 'warn', 'pair-error'));
		break;
	default:
		await start();
	}
	return card;
}
