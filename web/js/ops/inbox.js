// ops/inbox.js: the operators' inbox. /ops/inbox lists the messages of the
// contact form and the requests to correct data (open ones by default,
// newest first); /ops/inbox/{id} shows one with its files (downloads) and
// takes the answer, which is e-mailed to the sender and closes it. The
// server checks the role, the sign-in with the authenticator and the state.
import { t, fmtTime } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, notice, statusBox, setStatus, clearErrors, showError, busy, button, link, kv,
    confirmDialog } from '../ui.js';
import { refusal } from './ra.js';

const iso = (s) => (s > 0 ? new Date(s * 1000).toISOString() : '');
const kindText = (m) => t(m.kind === 'rectification' ? 'inbox.k.rectification' : 'inbox.k.contact');
const topicText = (m) => t((m.kind === 'rectification' ? 'rect.f.' : 'contact.t.') + m.topic);

export async function opsInbox(ctx) {
	const q = new URLSearchParams(location.search).get('state') ?? 'open';
	const sel = h('select', { id: 'inbox-state', class: 'input' },
	    ['open', 'closed', ''].map((s) => h('option', { value: s, selected: q === s },
		t(s ? 'inbox.s.' + s : 'inbox.all'))));
	let r;
	try {
		r = await C.adminInbox(q);
	} catch (e) {
		return refusal(ctx, e);
	}
	sel.addEventListener('change', () => ctx.go('/ops/inbox?state=' + encodeURIComponent(sel.value)));
	const rows = r.messages.map((m) => h('tr', { id: 'inbox-row-' + m.id, 'data-state': m.state },
	    h('td', { 'data-label': t('inbox.received') },
		h('a', { href: '/ops/inbox/' + m.id, 'data-link': true, id: 'inbox-open-' + m.id }, fmtTime(iso(m.created_at)))),
	    h('td', { 'data-label': t('inbox.kind') }, kindText(m)),
	    h('td', { 'data-label': t('inbox.topic') }, topicText(m)),
	    h('td', { 'data-label': t('inbox.from') }, `${m.name} <${m.email}>`),
	    h('td', { 'data-label': t('inbox.files') }, String(m.files))));
	const sec = page('inbox.title', h('p', { class: 'lead' }, t('inbox.intro')),
	    h('div', { class: 'field' }, h('label', { for: 'inbox-state' }, t('ra.show')), sel),
	    h('p', { class: 'muted', id: 'inbox-count', role: 'status' }, t('inbox.count', { n: rows.length })),
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'inbox-list' },
		h('thead', {}, h('tr', {}, ['inbox.received', 'inbox.kind', 'inbox.topic', 'inbox.from', 'inbox.files']
		    .map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', { id: 'inbox-rows' }, rows))));
	sec.classList.add('wide');
	return sec;
}

export async function opsMessage(ctx) {
	const id = ctx.params.id;
	let m;
	try {
		m = await C.adminMessage(id);
	} catch (e) {
		return refusal(ctx, e);
	}
	const files = h('ul', { id: 'inbox-files' }, m.attachments.map((f) => h('li', {},
	    h('a', { href: C.adminMessageFileUrl(m.id, f.n), download: f.name, id: 'inbox-file-' + f.n },
		`${f.name} (${Math.ceil(f.size / 1024)} KB)`))));
	const facts = kv([
	    ['inbox.kind', kindText(m)], ['inbox.topic', topicText(m)],
	    ['inbox.from', `${m.name} <${m.email}>`], ['inbox.received', fmtTime(iso(m.created_at))],
	], 'inbox-facts');
	const body = h('pre', { class: 'message', id: 'inbox-message' }, m.message);
	let tail;
	if (m.state === 'closed') {
		tail = [notice(t('inbox.answered', { at: fmtTime(iso(m.closed_at)) }), 'ok', 'inbox-answered'),
		    h('pre', { class: 'message', id: 'inbox-answer-text' }, m.answer || '')];
	} else {
		const errId = 'inbox-answer-err';
		const input = h('textarea', { id: 'inbox-answer', name: 'answer', rows: 6, maxlength: 4000,
		    'aria-describedby': errId });
		const ans = { input, err: h('p', { class: 'field-error', id: errId }), focus: () => input.focus() };
		const status = statusBox('inbox-status');
		const form = h('form', { id: 'inbox-form', novalidate: true },
		    h('div', { class: 'field' }, h('label', { for: 'inbox-answer' }, t('inbox.answer')), input, ans.err),
		    h('div', { class: 'actions' }, button('inbox.send_answer', { id: 'inbox-send' })), status);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors({ answer: ans });
			if (!await confirmDialog(t('inbox.confirm_title'), t('inbox.confirm_text', { email: m.email }),
			    t('inbox.send_answer')))
				return;
			await busy(form.querySelector('#inbox-send'), async () => {
				try {
					await C.adminAnswer(m.id, input.value);
				} catch (e) {
					showError(e, { answer: ans }, status);
					return;
				}
				setStatus(status, t('inbox.sent'), 'ok');
				ctx.go('/ops/inbox/' + m.id);
			});
		});
		tail = [form];
	}
	const sec = page('inbox.message_title', facts, body,
	    m.attachments.length ? [h('h2', {}, t('inbox.files')), files] : null, ...tail,
	    h('p', {}, link('/ops/inbox', 'inbox.back', 'inbox-back')));
	sec.classList.add('wide');
	return sec;
}
