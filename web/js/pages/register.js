// register.js: J1, create an account. The names follow one rule that the
// server judges (letters, spaces, hyphens, apostrophes, at most 60
// characters, ş/ţ made ș/ț): the form counts characters, not bytes, and
// shows the server's field message. The privacy notice is linked from
// the server's legal texts and its version is recorded with the consent.
import { t, getLang } from '../i18n.js';
import * as C from '../contract.js';
import {
	h, page, field, phoneField, checkbox, statusBox, setStatus, clearErrors,
	fieldError, showError, busy, button, link, notice,
} from '../ui.js';
import { keepForm, forget } from '../formstate.js';
import { legalTexts, legalLink } from '../legal.js';

export const NAME_MAX = 60;

// A name field with a live count of characters (NFC code points, as the
// server counts them).
export function nameField(id, label, autocomplete) {
	const f = field({ id, label, autocomplete, maxlength: 200, hint: 'reg.name_hint' });
	const count = h('span', { class: 'counter', id: id + '-count', 'aria-live': 'polite' });
	const upd = () => {
		const n = [...f.input.value.trim().normalize('NFC')].length;
		count.textContent = t('reg.name_count', { n, max: NAME_MAX });
		count.classList.toggle('over', n > NAME_MAX);
	};
	f.input.addEventListener('input', upd);
	f.wrap.querySelector('.hint').append(' ', count);
	f.update = upd;
	return f;
}

export async function register(ctx) {
	const f = {
		given_name: nameField('reg-given', 'reg.given_name', 'given-name'),
		surname: nameField('reg-surname', 'reg.surname', 'family-name'),
		email: field({ id: 'reg-email', label: 'reg.email', type: 'email', autocomplete: 'email', maxlength: 254 }),
		phone: phoneField('reg-phone', 'reg.phone'),
		privacy_consent: checkbox('reg-consent', 'reg.consent'),
	};
	const langSel = h('select', { id: 'reg-lang', class: 'input', 'aria-describedby': 'reg-lang-hint' },
	    h('option', { value: 'ro' }, 'Română'), h('option', { value: 'en' }, 'English'));
	langSel.value = getLang();
	const langField = h('div', { class: 'field' },
	    h('label', { for: 'reg-lang' }, t('reg.lang')), langSel,
	    h('p', { class: 'hint', id: 'reg-lang-hint' }, t('reg.lang_hint')));
	let privacy = null;
	try {
		privacy = (await legalTexts()).docs.privacy || null;
	} catch (e) {
		privacy = null;
	}
	// The consent's label names the notice and links to it.
	const label = f.privacy_consent.wrap.querySelector('label');
	if (privacy)
		label.replaceChildren(t('reg.consent_before'), ' ',
		    legalLink(privacy, 'reg-privacy-link', { newTab: true }),
		    ' ', t('reg.consent_version', { version: privacy.version }));
	const status = statusBox('reg-status');
	const submit = button('reg.submit', { id: 'reg-submit' });
	const form = h('form', { novalidate: true, id: 'reg-form' },
	    h('p', { class: 'lead' }, t('reg.intro')),
	    f.given_name.wrap, f.surname.wrap, f.email.wrap, f.phone.wrap, langField,
	    h('details', { class: 'field' }, h('summary', {}, t('reg.privacy_title')),
		h('p', {}, t('reg.privacy_text'))),
	    f.privacy_consent.wrap,
	    h('div', { class: 'actions' }, submit, link('/signin', 'reg.have_account', 'reg-signin')),
	    status);
	const card = page('reg.title', form);
	keepForm('register', form);
	f.given_name.update();
	f.surname.update();
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
		const email = f.email.input.value.trim();
		const body = {
			given_name: f.given_name.input.value.trim(),
			surname: f.surname.input.value.trim(),
			email,
			phone: f.phone.value(),
			privacy_consent: true,
			lang: langSel.value,
		};
		if (privacy)
			body.privacy_version = privacy.version;
		await busy(submit, async () => {
			try {
				await C.register(body);
				forget('register');
				card.replaceChildren(h('h1', { id: 'page-title' }, t('reg.sent_title')),
				    notice(t('reg.sent', { email }), 'ok', 'reg-done'),
				    h('p', { class: 'muted' }, t('reg.sent_more')));
			} catch (e) {
				// The server names the field (name_invalid, email_invalid...).
				showError(e, f, status, {
					consent_required: 'privacy_consent', phone_invalid: 'phone',
					email_invalid: 'email',
				});
			}
		});
	});
	return card;
}
