// twofa.js: J3, the 2FA offer after the password: set it up now, or be
// reminded on a date, at the next sign-in, or not at all (until it is
// mandatory).
import { t, fmtDate } from '../i18n.js';
import * as C from '../contract.js';
import {
	h, page, field, statusBox, fieldError, showError, busy, button, notice, linkButton,
} from '../ui.js';

export async function twofaOffer(ctx) {
	const s = ctx.session;
	if (s.next === 'twofa_required')
		return ctx.redirect('/pair');
	const until = s.twofa_mandatory_after;
	const status = statusBox('tf-status');
	const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
	const date = field({ id: 'tf-date', label: 'tf.date', type: 'date', value: tomorrow });
	date.input.min = tomorrow;
	if (until)
		date.input.max = until;
	const defer = (mode) => async (ev) => {
		let d = null;
		if (mode === 'date') {
			if (!date.input.value) {
				fieldError(date, t('form.required'));
				return;
			}
			d = date.input.value;
		}
		await busy(ev.currentTarget, async () => {
			try {
				const r = await C.deferTwofa(mode, d);
				ctx.go(ctx.nextPath(r));
			} catch (e) {
				showError(e, { date }, status, { defer_invalid: 'date' });
			}
		});
	};
	return page('tf.title',
	    h('p', { class: 'lead' }, t('tf.intro')),
	    until ? notice(t('tf.mandatory', { date: fmtDate(until) }), 'warn', 'tf-mandatory') : null,
	    h('div', { class: 'actions' }, linkButton('/pair', 'tf.configure', 'tf-configure')),
	    h('h2', {}, t('tf.later')),
	    date.wrap,
	    h('div', { class: 'actions' },
		button('tf.remind_date', { id: 'tf-remind-date', type: 'button', kind: 'secondary', onclick: defer('date') }),
		button('tf.remind_next', { id: 'tf-next', type: 'button', kind: 'secondary', onclick: defer('next_login') }),
		button('tf.never', { id: 'tf-never', type: 'button', kind: 'secondary', onclick: defer('never') })),
	    status);
}
