// ops/area.js: the operator area (/ops/...): its pages and its guard.
// Operators are users whose role (GET /api/v1/session user.role) is
// operator or admin; the server checks the role again on every operator
// route (403 forbidden), the guard only keeps others from a page they
// cannot use. The RA console joins this area.
import { t } from '../i18n.js';
import { isOperator } from '../contract.js';
import { h, page, notice, link } from '../ui.js';
import { opsOrders } from './orders.js';

async function opsHome(ctx) {
	return page('ops.title',
	    h('p', { class: 'lead' }, t('ops.intro')),
	    h('ul', { class: 'links', id: 'ops-tools' },
		h('li', {}, link('/ops/orders', 'ops.orders', 'ops-orders-link'))));
}

export const OPS_ROUTES = {
	'/ops': [opsHome, 'operator'],
	'/ops/orders': [opsOrders, 'operator'],
};

async function forbidden() {
	return page('ops.forbidden_title', notice(t('ops.forbidden'), 'warn', 'ops-forbidden'),
	    h('p', {}, link('/home', 'nf.home')));
}

// null when the session may see path, else the page to show instead.
export function opsGuard(path, sess) {
	if (!(path === '/ops' || path.startsWith('/ops/')))
		return null;
	return isOperator(sess) ? null : forbidden;
}
