// settings.js: the account's data, its language (e-mails, SMS and
// documents are in it; the UI follows), the security pages ("Reset
// TOTP" only with an authenticator), the certificates (both kinds, DER
// or PEM with the chain) and the issuance terms signed with the new key,
// and every consent with its version and date; the optional ones
// (marketing, the identification's biometric agreement) can be withdrawn here.
import { t, fmtTime, getLang } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, statusBox, setStatus, busy, button, link, confirmDialog, field,
	checkbox, selectField, clearErrors, showError,
} from '../ui.js';

const KINDS = {
	privacy: 'consent.kind_privacy', gdpr_notice: 'consent.kind_gdpr',
	app_access: 'consent.kind_app', terms: 'consent.kind_terms',
	shop_conditions: 'consent.kind_shop', marketing: 'consent.kind_marketing',
	biometrics: 'consent.kind_biometrics',
	idv_privacy: 'consent.kind_idv_privacy', idv_biometric: 'consent.kind_idv_biometric',
	idv_images: 'consent.kind_idv_images', idv_recording: 'consent.kind_idv_recording',
};

function kindText(k) {
	return KINDS[k] ? t(KINDS[k]) : k;
}

function consentTable(list, onWithdraw) {
	if (!list.length)
		return h('p', { class: 'muted', id: 'set-consents' }, t('set.no_consents'));
	const offered = new Set();
	const rows = list.map((c) => {
		let action = '';
		if (!c.required && !c.withdrawn_at && !offered.has(c.kind)) {
			offered.add(c.kind);
			action = button('set.withdraw', { type: 'button', kind: 'secondary', id: 'set-withdraw-' + c.kind,
				onclick: (ev) => onWithdraw(c, ev.currentTarget) });
		}
		const state = c.withdrawn_at
		    ? t('set.c_withdrawn', { date: fmtTime(c.withdrawn_at) })
		    : t(c.required ? 'set.c_required' : 'set.c_optional');
		return h('tr', { class: 'consent-' + c.kind + (c.withdrawn_at ? ' withdrawn' : ''), 'data-kind': c.kind },
		    h('td', { 'data-label': t('set.c_kind') }, kindText(c.kind)),
		    h('td', { 'data-label': t('set.c_version') }, c.version),
		    h('td', { 'data-label': t('set.c_time') }, fmtTime(c.accepted_at)),
		    h('td', { 'data-label': t('set.c_ip') }, c.ip),
		    h('td', { 'data-label': t('set.c_state'), class: 'c-state' }, state),
		    h('td', { 'data-label': t('set.c_action') }, action));
	});
	return h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'set-consents' },
	    h('thead', {}, h('tr', {}, ['set.c_kind', 'set.c_version', 'set.c_time', 'set.c_ip', 'set.c_state', 'set.c_action']
		.map((k) => h('th', { scope: 'col' }, t(k))))),
	    h('tbody', {}, rows)));
}

function certState(c) {
	if (c.status === 'suspended')
		return t('set.cert_suspended');
	if (c.revoked)
		return t('set.cert_revoked');
	return new Date(c.not_after) < new Date() ? t('set.cert_expired') : t('set.cert_valid');
}

// The account's certificates (a line saying there are none).
function certTable(list) {
	if (!list.length)
		return h('p', { class: 'muted', id: 'set-certs' }, t('set.no_certs'));
	const dl = (href, name, key, id) => h('a', { href, download: name, id }, t(key));
	const rows = list.map((c) => h('tr', { id: 'set-cert-' + c.serial, 'data-kind': c.kind, 'data-serial': c.serial },
	    h('td', { 'data-label': t('set.cert_kind') }, t(c.kind === 'sign' ? 'set.cert_sign' : 'set.cert_auth')),
	    h('td', { 'data-label': t('set.cert_serial') }, h('code', {}, c.serial)),
	    h('td', { 'data-label': t('set.cert_subject') }, c.subject),
	    h('td', { 'data-label': t('set.cert_validity') },
		t('set.cert_from_to', { from: fmtTime(c.not_before), to: fmtTime(c.not_after) })),
	    h('td', { 'data-label': t('set.c_state') }, certState(c)),
	    h('td', { 'data-label': t('set.cert_download') }, h('span', { class: 'dl-links' },
		dl(C.certUrl(c.serial, 'der'), c.serial + '.cer', 'set.cert_der', 'set-cert-der-' + c.serial), ' ',
		dl(C.certUrl(c.serial, 'pem', true), c.serial + '-chain.pem', 'set.cert_pem', 'set-cert-pem-' + c.serial)))));
	return h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'set-certs' },
	    h('thead', {}, h('tr', {}, ['set.cert_kind', 'set.cert_serial', 'set.cert_subject', 'set.cert_validity',
		'set.c_state', 'set.cert_download'].map((k) => h('th', { scope: 'col' }, t(k))))),
	    h('tbody', {}, rows)));
}

// The holder's reasons for a revocation (RFC 5280 names).
const REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'];

// Suspend, resume or revoke the current signing certificate (the
// authentication certificate follows it). The server checks the code and
// the confirmation; refusals come back as field errors.
function certActions(certs, redraw, st) {
	const now = new Date();
	const cur = certs.find((c) => c.kind === 'sign' && c.status !== 'revoked' && new Date(c.not_after) > now);
	if (!cur)
		return null;
	const box = h('div', { id: 'set-cert-actions', 'data-serial': cur.serial });
	const done = (r, key) => {
		redraw(r.certificates || []);
		setStatus(st, t(key), 'ok');
	};
	if (cur.status === 'good') {
		const sus = button('set.suspend', { type: 'button', kind: 'secondary', id: 'set-suspend' });
		sus.addEventListener('click', async () => {
			if (!await confirmDialog(t('set.suspend_title'), t('set.suspend_text'), t('set.suspend_yes')))
				return;
			await busy(sus, async () => {
				try {
					done(await C.suspendCert(cur.serial), 'set.suspended');
				} catch (e) {
					setStatus(st, errorText(e), 'err');
				}
			});
		});
		box.append(h('h3', {}, t('set.suspend_h')), h('p', { class: 'hint' }, t('set.suspend_hint')),
		    h('div', { class: 'actions' }, sus));
	} else {
		const code = field({ id: 'set-resume-code', label: 'set.code', inputmode: 'numeric', maxlength: 6,
			autocomplete: 'one-time-code', hint: 'set.code_hint' });
		const res = button('set.resume', { type: 'submit', id: 'set-resume' });
		const form = h('form', { id: 'set-resume-form', novalidate: true }, code.wrap, h('div', { class: 'actions' }, res));
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			clearErrors([code]);
			busy(res, async () => {
				try {
					done(await C.resumeCert(cur.serial, code.input.value.trim()), 'set.resumed');
				} catch (e) {
					showError(e, { code }, st);
				}
			});
		});
		box.append(h('h3', {}, t('set.resume_h')), h('p', { class: 'hint' }, t('set.resume_hint')), form);
	}
	const reason = selectField('set-revoke-reason', 'set.revoke_reason',
	    REASONS.map((r) => [r, t('set.reason_' + r)]));
	const rcode = field({ id: 'set-revoke-code', label: 'set.code', inputmode: 'numeric', maxlength: 6,
		autocomplete: 'one-time-code', hint: 'set.code_hint' });
	const sure = checkbox('set-revoke-confirm', 'set.revoke_confirm');
	const rev = button('set.revoke', { type: 'submit', kind: 'danger', id: 'set-revoke' });
	const rform = h('form', { id: 'set-revoke-form', novalidate: true }, reason.wrap, rcode.wrap, sure.wrap,
	    h('div', { class: 'actions' }, rev));
	rform.addEventListener('submit', (ev) => {
		ev.preventDefault();
		clearErrors([rcode, sure]);
		busy(rev, async () => {
			try {
				done(await C.revokeCert(cur.serial, rcode.input.value.trim(), sure.input.checked,
				    reason.input.value), 'set.revoked');
			} catch (e) {
				showError(e, { code: rcode, confirm: sure }, st);
			}
		});
	});
	box.append(h('h3', {}, t('set.revoke_h')), h('p', { class: 'hint' }, t('set.revoke_hint')), rform);
	return box;
}

// Erasure (GDPR art. 17): the password, the code, a confirmation; then the
// list of what is kept, until when and why (the account is closed).
function erasureForm(acc) {
	const box = h('div', { id: 'set-erase' });
	const st = statusBox('set-erase-status');
	const pw = field({ id: 'set-erase-password', type: 'password', label: 'set.erase_password',
		autocomplete: 'current-password' });
	const code = acc.twofa_enabled ? field({ id: 'set-erase-code', label: 'set.code', inputmode: 'numeric',
		maxlength: 6, autocomplete: 'one-time-code', hint: 'set.code_hint' }) : null;
	const sure = checkbox('set-erase-confirm', 'set.erase_confirm');
	const go = button('set.erase', { type: 'submit', kind: 'danger', id: 'set-erase-go' });
	const form = h('form', { id: 'set-erase-form', novalidate: true }, pw.wrap, code ? code.wrap : null, sure.wrap,
	    h('div', { class: 'actions' }, go));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		clearErrors([pw, code, sure].filter(Boolean));
		busy(go, async () => {
			try {
				const r = await C.eraseAccount(pw.input.value, code ? code.input.value.trim() : '',
				    sure.input.checked);
				box.replaceChildren(h('p', { class: 'notice ok', id: 'set-erased', role: 'status' }, t('set.erased')),
				    h('ul', { id: 'set-kept' }, r.kept.map((k) => h('li', { 'data-what': k.what },
					t('set.kept_item', { what: k.what, id: k.id, until: fmtTime(new Date(k.until * 1000).toISOString()),
					    why: k.why })))));
			} catch (e) {
				showError(e, { password: pw, code, confirm: sure }, st);
			}
		});
	});
	box.append(h('h3', {}, t('set.erase_h')), h('p', { class: 'hint' }, t('set.erase_hint')), form, st);
	return box;
}

// The authorized apps (OAuth2 grants): client, scope, granted, last used,
// and a revoke button for each.
function appsTable(list, onRevoke) {
	if (!list.length)
		return h('p', { class: 'muted', id: 'set-apps' }, t('set.no_apps'));
	const rows = list.map((a) => h('tr', { class: 'app-row', 'data-id': a.id },
	    h('td', { 'data-label': t('set.app_client') }, a.client),
	    h('td', { 'data-label': t('set.app_scope') },
		t(a.scope === 'credential' ? 'set.app_scope_credential' : 'set.app_scope_service')),
	    h('td', { 'data-label': t('set.app_granted') }, fmtTime(a.granted_at)),
	    h('td', { 'data-label': t('set.app_used') }, fmtTime(a.last_used)),
	    h('td', { 'data-label': t('set.c_action') },
		button('set.app_revoke', { type: 'button', kind: 'secondary', id: 'set-app-revoke-' + a.id,
		    onclick: (ev) => onRevoke(a, ev.currentTarget) }))));
	return h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'set-apps' },
	    h('thead', {}, h('tr', {}, ['set.app_client', 'set.app_scope', 'set.app_granted', 'set.app_used', 'set.c_action']
		.map((k) => h('th', { scope: 'col' }, t(k))))),
	    h('tbody', {}, rows)));
}

// Appearance profiles (OUG 140/2020): lines and an image for the visible
// signature box; the server checks them (lines, bad_image).
const AP_LINES = 4;

function appearanceList(list, onDelete) {
	if (!list.length)
		return h('p', { class: 'muted', id: 'set-appearances' }, t('set.ap_none'));
	return h('ul', { class: 'links', id: 'set-appearances' }, list.map((p) =>
	    h('li', { 'data-id': p.id }, h('strong', {}, p.name),
		p.lines.length ? ' — ' + p.lines.join(' · ') : '',
		p.image ? ' ' + t('set.ap_with_image') : '', ' ',
		button('set.ap_delete', { type: 'button', kind: 'secondary', id: 'set-ap-del-' + p.id,
		    onclick: (ev) => onDelete(p, ev.currentTarget) }))));
}

function appearanceSection() {
	const status = statusBox('set-ap-status');
	const box = h('div', { id: 'set-ap-box' });
	const name = field({ id: 'set-ap-name', label: 'set.ap_name', maxlength: 60 });
	const lines = Array.from({ length: AP_LINES }, (_, i) =>
		field({ id: 'set-ap-line' + i, label: 'set.ap_line', maxlength: 80, required: false }));
	const file = h('input', { id: 'set-ap-image', type: 'file', accept: 'image/png,image/jpeg' });
	const add = button('set.ap_add', { type: 'button', id: 'set-ap-add' });
	const show = (r) => box.replaceChildren(appearanceList(r.profiles || [], del));
	const del = async (p, btn) => {
		await busy(btn, async () => {
			try {
				show(await C.appearanceDelete(p.id));
				setStatus(status, t('set.ap_deleted', { name: p.name }), 'ok');
			} catch (e) {
				setStatus(status, errorText(e), 'err');
			}
		});
	};
	add.addEventListener('click', () => busy(add, async () => {
		const f = file.files && file.files[0];
		if (f && f.size > 512 * 1024) {
			setStatus(status, t('err.bad_image'), 'err');
			return;
		}
		let made = null;
		try {
			let r = await C.appearanceNew(name.input.value.trim(),
			    lines.map((l) => l.input.value.trim()).filter((v) => v));
			made = r.id;
			if (f)
				r = await C.appearanceImage(r.id, f);
			made = null;
			show(r);
			name.input.value = '';
			for (const l of lines)
				l.input.value = '';
			file.value = '';
			setStatus(status, t('set.ap_added'), 'ok');
		} catch (e) {
			setStatus(status, errorText(e), 'err');
			// The image refused: the profile made for it goes too (it
			// would count against the limit, without its stamp).
			const gone = made ? C.appearanceDelete(made).catch(() => {}) : Promise.resolve();
			gone.then(() => C.appearances()).then(show).catch(() => {});
		}
	}));
	C.appearances().then(show).catch((e) => setStatus(status, errorText(e), 'err'));
	return [h('h2', {}, t('set.ap_title')),
	    h('p', { class: 'muted' }, t('set.ap_note')),
	    box, name.wrap, ...lines.map((l) => l.wrap),
	    h('div', { class: 'field' }, h('label', { for: 'set-ap-image' }, t('set.ap_image')), file,
		h('p', { class: 'hint' }, t('set.ap_image_hint'))),
	    h('div', { class: 'actions' }, add), status];
}

export async function settings(ctx) {
	const [acc, cons, certs, apps] = await Promise.all([C.account(), C.consents(),
		C.certificates().then((r) => r.certificates || []).catch(() => []),
		C.oauthApps().then((r) => r.apps || []).catch(() => [])]);
	const aStatus = statusBox('set-apps-status');
	const aBox = h('div', { id: 'set-apps-box' });
	const revokeApp = async (a, btn) => {
		if (!await confirmDialog(t('set.app_revoke_title'), t('set.app_revoke_text', { client: a.client }),
		    t('set.app_revoke_yes')))
			return;
		await busy(btn, async () => {
			try {
				await C.oauthRevokeApp(a.id);
				const r = await C.oauthApps();
				aBox.replaceChildren(appsTable(r.apps || [], revokeApp));
				setStatus(aStatus, t('set.app_revoked', { client: a.client }), 'ok');
			} catch (e) {
				setStatus(aStatus, errorText(e), 'err');
			}
		});
	};
	aBox.append(appsTable(apps, revokeApp));
	const certBox = h('div', { id: 'set-certs-box' });
	const certStatus = statusBox('set-cert-status');
	const redraw = (list) => certBox.replaceChildren(certTable(list), certActions(list, redraw, certStatus) || '');
	redraw(certs);
	const cStatus = statusBox('set-consent-status');
	const cBox = h('div', { id: 'set-consents-box' });
	const withdraw = async (c, btn) => {
		if (!await confirmDialog(t('set.withdraw_title'), t('set.withdraw_text', { what: kindText(c.kind) }),
		    t('set.withdraw_yes')))
			return;
		await busy(btn, async () => {
			try {
				const r = await C.withdrawConsent(c.kind);
				cBox.replaceChildren(consentTable(r.consents, withdraw));
				setStatus(cStatus, t('set.withdrawn', { what: kindText(c.kind) }), 'ok');
			} catch (e) {
				setStatus(cStatus, errorText(e), 'err');
			}
		});
	};
	cBox.append(consentTable(cons.consents, withdraw));

	const langSel = h('select', { id: 'set-lang', class: 'input', 'aria-describedby': 'set-lang-hint' },
	    h('option', { value: 'ro' }, 'Română'), h('option', { value: 'en' }, 'English'));
	langSel.value = acc.lang || getLang();
	const lStatus = statusBox('set-lang-status');
	const lSave = button('set.lang_save', { type: 'button', kind: 'secondary', id: 'set-lang-save' });
	lSave.addEventListener('click', () => busy(lSave, async () => {
		try {
			await C.setAccountLang(langSel.value);
			ctx.flash(t('set.lang_saved'), 'ok');
			await ctx.switchLang(langSel.value, true);
		} catch (e) {
			setStatus(lStatus, errorText(e), 'err');
		}
	}));

	const sec = page('set.title',
	    h('h2', {}, t('set.account')),
	    h('dl', { class: 'kv', id: 'set-account' },
		h('dt', {}, t('act.full_name')), h('dd', { id: 'set-name' }, `${acc.given_name} ${acc.surname}`),
		h('dt', {}, t('act.email')), h('dd', {}, acc.email),
		h('dt', {}, t('act.phone')), h('dd', { id: 'set-phone' }, acc.phone_masked),
		h('dt', {}, t('set.twofa')), h('dd', { id: 'set-2fa' }, t(acc.twofa_enabled ? 'set.twofa_on' : 'set.twofa_off'))),
	    h('h2', {}, t('set.lang')),
	    h('div', { class: 'field' }, h('label', { for: 'set-lang' }, t('set.lang_label')), langSel,
		h('p', { class: 'hint', id: 'set-lang-hint' }, t('set.lang_hint'))),
	    h('div', { class: 'actions' }, lSave), lStatus,
	    h('h2', {}, t('set.security')),
	    h('ul', { class: 'links' },
		h('li', {}, link('/password', 'nav.password', 'set-password')),
		h('li', {}, link('/phone', 'nav.phone', 'set-phone-link')),
		acc.twofa_enabled ? h('li', {}, link('/totp', 'nav.totp', 'set-totp'))
		    : h('li', {}, link('/pair', 'nav.pair', 'set-pair'))),
	    h('h2', {}, t('set.certs')),
	    certBox, certStatus,
	    certs.length ? h('p', {}, h('a', { href: C.termsPdfUrl(), download: 'terms-signed.pdf', id: 'set-terms-pdf' },
		t('set.terms_pdf'))) : null,
	    ...(certs.length ? appearanceSection() : []),
	    h('h2', {}, t('set.apps')),
	    h('p', { class: 'muted' }, t('set.apps_note')),
	    aBox, aStatus,
	    h('h2', {}, t('set.consents')),
	    h('p', { class: 'muted' }, t('set.consents_note')),
	    cBox, cStatus,
	    h('h2', {}, t('set.mydata')),
	    h('p', { class: 'muted' }, t('set.mydata_note')),
	    h('p', {}, h('a', { href: C.exportZipUrl(), download: 'pecete-my-data.zip', id: 'set-export' },
		t('set.mydata_export'))),
	    h('p', {}, link('/rectification', 'set.rectify', 'set-rectify')),
	    erasureForm(acc));
	sec.classList.add('mid');
	return sec;
}
