// ops/retention.js: the retention report for operators (GET
// /api/v1/admin/retention): for each kind of data kept only for a legal
// period, how much is held, how much is past its period now (the server's
// retention job deletes it within the hour) and when the next falls due.
import { t, fmtDate } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, notice } from '../ui.js';

export async function opsRetention(ctx) {
	let r;
	try {
		r = await C.adminRetention();
	} catch (e) {
		return page('keep.title', notice(errorText(e), 'err', 'keep-error'));
	}
	const day = (s) => (s > 0 ? fmtDate(new Date(s * 1000).toISOString()) : '—');
	const rows = r.rules.map((x) => h('tr', { id: 'keep-' + x.name },
	    h('td', { 'data-label': t('keep.col_data') }, t('keep.n.' + x.name)),
	    h('td', { 'data-label': t('keep.col_held') }, String(x.held)),
	    h('td', { 'data-label': t('keep.col_due') }, String(x.due)),
	    h('td', { 'data-label': t('keep.col_next') }, day(x.next_due)),
	    h('td', { 'data-label': t('keep.col_why') }, t('keep.w.' + x.name))));
	return page('keep.title',
	    h('p', { class: 'lead' }, t('keep.intro')),
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'keep-table' },
		h('thead', {}, h('tr', {},
		    ['keep.col_data', 'keep.col_held', 'keep.col_due', 'keep.col_next', 'keep.col_why']
			.map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', {}, rows))),
	    h('p', { class: 'muted', id: 'keep-at' }, t('keep.at', { at: day(r.at) })));
}
