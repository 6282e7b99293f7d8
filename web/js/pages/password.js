// password.js: J12, change the password knowing the current one (the
// server ends the other sessions and gives this one new tokens).
import { t } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, link, notice } from '../ui.js';
import { passwordStep } from '../steps.js';

export async function changePassword(ctx) {
	const u = ctx.session.user || {};
	const wrap = h('div', {});
	const ps = passwordStep({
		id: 'cp', current: true, submitKey: 'cp.submit', username: u.email,
		after: [link('/settings', 'common.cancel', 'cp-cancel')],
		submit: async (b) => {
			await C.changePassword(b);
			wrap.replaceChildren(notice(t('cp.done'), 'ok', 'cp-done'),
			    h('p', {}, link('/settings', 'nav.settings')));
		},
	});
	wrap.append(ps.el);
	return page('cp.title', wrap);
}
