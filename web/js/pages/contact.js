// pages/contact.js: the contact form (/contact, anyone: questions,
// complaints, privacy requests) and the request to correct one's data
// (/rectification, signed in; GDPR art. 16). Both take up to 3 PDF, JPEG or
// PNG files of 5 MB; the server checks every field and file again and
// sends a receipt by e-mail.
import { t, getLang } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, field, selectField, checkbox, statusBox, setStatus, clearErrors,
    showError, fieldError, busy, button, notice } from '../ui.js';

const TOPICS = ['question', 'complaint', 'privacy', 'other'];
const FIELDS = ['name', 'email', 'phone', 'identity_document', 'address', 'other'];
const TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
const FILE_MAX = 5 * 1024 * 1024;

function textarea(id, labelKey, hintKey) {
	const errId = id + '-err';
	const input = h('textarea', { id, name: id, rows: 6, maxlength: 4000, required: true,
	    'aria-describedby': `${id}-hint ${errId}` });
	const err = h('p', { class: 'field-error', id: errId });
	const wrap = h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), input,
	    h('p', { class: 'hint', id: id + '-hint' }, t(hintKey)), err);
	return { wrap, input, err, focus: () => input.focus() };
}

function filesField() {
	const errId = 'msg-files-err';
	const input = h('input', { id: 'msg-files', name: 'files', type: 'file', multiple: true,
	    accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png',
	    'aria-describedby': `msg-files-hint ${errId}` });
	const err = h('p', { class: 'field-error', id: errId });
	const wrap = h('div', { class: 'field' }, h('label', { for: 'msg-files' }, t('contact.files')), input,
	    h('p', { class: 'hint', id: 'msg-files-hint' }, t('contact.files_hint')), err);
	return { wrap, input, err, focus: () => input.focus() };
}

// The shared form: extra fields first, then the message and the files.
function messageForm(ctx, { fields, after, precheck, send, idPrefix }) {
	const msg = textarea('msg-text', 'contact.message', 'contact.message_hint');
	const files = filesField();
	const status = statusBox('msg-status');
	const all = { ...fields, ...(after || {}), message: msg, file: files };
	const form = h('form', { id: idPrefix + '-form', novalidate: true },
	    ...Object.values(fields).map((f) => f.wrap), msg.wrap, files.wrap,
	    ...Object.values(after || {}).map((f) => f.wrap),
	    h('div', { class: 'actions' }, button('contact.send', { id: 'msg-send' })), status);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors(all);
		if (precheck && !precheck())
			return;
		const list = [...files.input.files];
		if (list.length > 3)
			return fieldError(files, t('err.attachments_full'));
		if (list.some((f) => f.size > FILE_MAX || (f.type && !TYPES.includes(f.type))))
			return fieldError(files, t('err.attachment_invalid'));
		await busy(form.querySelector('#msg-send'), async () => {
			let r;
			try {
				r = await send(msg.input.value);
			} catch (e) {
				showError(e, all, status);
				return;
			}
			// The message is kept; a file refused is said, the rest go.
			const failed = [];
			for (const f of list) {
				try {
					await C.messageFile(r.id, r.upload_token, f);
				} catch (e) {
					failed.push(`${f.name}: ${errorText(e)}`);
				}
			}
			form.replaceWith(h('div', { id: idPrefix + '-sent' },
			    notice(t('contact.sent', { ref: r.id }), 'ok', 'msg-sent'),
			    failed.length ? notice(t('contact.files_failed') + ' ' + failed.join('; '), 'warn',
				'msg-files-failed') : null));
		});
	});
	return form;
}

export async function contact(ctx) {
	const u = ctx.session && ctx.session.user;
	const name = field({ id: 'msg-name', label: 'contact.name', autocomplete: 'name', maxlength: 100,
	    value: u ? `${u.given_name || ''} ${u.surname || ''}`.trim() : '' });
	const email = field({ id: 'msg-email', label: 'contact.email', type: 'email', autocomplete: 'email',
	    maxlength: 254, value: u ? u.email : '' });
	const topic = selectField('msg-topic', 'contact.topic', TOPICS.map((k) => [k, t('contact.t.' + k)]));
	const consent = checkbox('msg-consent', 'contact.consent');
	const form = messageForm(ctx, {
		idPrefix: 'contact',
		fields: { name, email, topic },
		after: { privacy_consent: consent },
		precheck: () => {
			if (consent.input.checked)
				return true;
			fieldError(consent, t('contact.consent_needed'));
			return false;
		},
		send: (message) => C.contactSend({ name: name.input.value.trim(), email: email.input.value.trim(),
		    topic: topic.input.value, message, lang: getLang(), privacy_consent: true }),
	});
	return page('contact.title', h('p', { class: 'lead' }, t('contact.intro')), form);
}

export async function rectification(ctx) {
	const what = selectField('msg-field', 'rect.field', FIELDS.map((k) => [k, t('rect.f.' + k)]));
	const form = messageForm(ctx, {
		idPrefix: 'rect',
		fields: { field: what },
		send: (message) => C.rectificationSend({ field: what.input.value, message }),
	});
	return page('rect.title', h('p', { class: 'lead' }, t('rect.intro')), form);
}
