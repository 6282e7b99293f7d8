// history.js: the signed batches of the account (/history), newest
// first: when, the certificate (serial), the level, the transactions
// taken (signatures and time-stamps), and each file's name, format,
// level (with why, when lower than the batch's: it stayed B-T) and
// the SHA-256 of what was uploaded and of what was signed. Never the
// documents themselves: the server keeps them only until they are
// downloaded (or a day).
import { t, fmtTime } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, notice, kv, linkButton } from '../ui.js';
import { formatText, intakeShort, levelWarning } from '../signview.js';

function fileRow(f) {
	const state = f.state === 'signed' ? t('hist.signed') : t('hist.not_signed', { why: intakeShort(f.intake) });
	return h('tr', { 'data-name': f.name, 'data-state': f.state },
	    h('td', { 'data-label': t('hist.file') }, f.name),
	    h('td', { 'data-label': t('hist.format') }, f.state === 'signed' ? formatText(f) : ''),
	    h('td', { 'data-label': t('hist.state') }, state),
	    h('td', { 'data-label': t('hist.level') }, f.state === 'signed' ? (f.level || '') : '',
		levelWarning(f, null)),
	    h('td', { 'data-label': t('hist.sha_in'), class: 'hash' }, h('code', {}, f.sha256 || '')),
	    h('td', { 'data-label': t('hist.sha_out'), class: 'hash' }, h('code', {}, f.signed_sha256 || '')));
}

function batchBox(b) {
	const id = 'hist-' + b.id;
	return h('section', { class: 'order-box hist-batch', id, 'data-id': b.id, 'aria-labelledby': id + '-title' },
	    h('h2', { id: id + '-title' }, fmtTime(b.signed_at || b.created_at)),
	    kv([
		    ['hist.cert', b.credential, id + '-cert'],
		    ['hist.level', b.level],
		    ['hist.files', String(b.files.filter((f) => f.state === 'signed').length) + ' / ' + b.files.length, id + '-files'],
		    ['hist.used', t('hist.used_n', { n: b.signatures + b.timestamps, sig: b.signatures, ts: b.timestamps }), id + '-used'],
	    ]),
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list hist-files' },
		h('thead', {}, h('tr', {}, ['hist.file', 'hist.format', 'hist.state', 'hist.level', 'hist.sha_in', 'hist.sha_out']
		    .map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', {}, b.files.map(fileRow)))));
}

export async function signHistory() {
	const r = await C.signHistory();
	const list = r.batches || [];
	const sec = page('hist.title',
	    h('p', { class: 'muted' }, t('hist.intro')),
	    list.length ? h('div', { id: 'hist-list' }, list.map(batchBox))
		: notice(t('hist.none'), '', 'hist-none'),
	    h('div', { class: 'actions' }, linkButton('/sign', 'home.sign', 'hist-sign')));
	sec.classList.add('wide');
	return sec;
}
