// ops/area.js: the operator area (/ops/... and the RA console /ra/...):
// its pages and its guard. Operators are users whose role (GET
// /api/v1/session user.role) is operator or admin; the server checks the
// role again on every operator route (403 forbidden) and, for the RA
// console, a sign-in with the authenticator (403 operator_totp_required):
// the guard only keeps others from a page they cannot use, the pages say
// what the server answered.
import { t } from '../i18n.js';
import { isOperator } from '../contract.js';
import { h, page, notice, link } from '../ui.js';
import { opsOrders } from './orders.js';
import { raQueue } from './ra.js';
import { raCaseView } from './racase.js';
import { raCertRevoke } from './racert.js';
import { raRenewals, raRenewalView } from './rarenew.js';
import { opsRetention } from './retention.js';
import { opsInbox, opsMessage } from './inbox.js';

async function opsHome(ctx) {
	return page('ops.title',
	    h('p', { class: 'lead' }, t('ops.intro')),
	    h('ul', { class: 'links', id: 'ops-tools' },
		h('li', {}, link('/ra', 'ops.ra', 'ops-ra-link')),
		h('li', {}, link('/ra/renewals', 'ops.renewals', 'ops-renewals-link')),
		h('li', {}, link('/ops/orders', 'ops.orders', 'ops-orders-link')),
		h('li', {}, link('/ra/certificates', 'ops.certs', 'ops-certs-link')),
		h('li', {}, link('/ops/inbox', 'ops.inbox', 'ops-inbox-link')),
		h('li', {}, link('/ops/retention', 'ops.retention', 'ops-retention-link'))));
}

export const OPS_ROUTES = {
	'/ops': [opsHome, 'operator'],
	'/ops/orders': [opsOrders, 'operator'],
	'/ops/retention': [opsRetention, 'operator'],
	'/ops/inbox': [opsInbox, 'operator'],
	'/ra': [raQueue, 'operator'],
	'/ra/certificates': [raCertRevoke, 'operator'],
	'/ra/renewals': [raRenewals, 'operator'],
};
export const OPS_PATTERNS = [
	[/^\/ra\/cases\/(?<id>[0-9A-Za-z_-]{1,64})$/, [raCaseView, 'operator']],
	[/^\/ra\/renewals\/(?<id>[0-9a-f]{1,64})$/, [raRenewalView, 'operator']],
	[/^\/ops\/inbox\/(?<id>[0-9a-f]{32})$/, [opsMessage, 'operator']],
];

async function forbidden() {
	return page('ops.forbidden_title', notice(t('ops.forbidden'), 'warn', 'ops-forbidden'),
	    h('p', {}, link('/home', 'nf.home')));
}

// null when the session may see path, else the page to show instead.
export function opsGuard(path, sess) {
	const ops = ['/ops', '/ra'].some((p) => path === p || path.startsWith(p + '/'));
	if (!ops)
		return null;
	return isOperator(sess) ? null : forbidden;
}
