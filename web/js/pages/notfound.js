// notfound.js: an address that is no page of the app (the server answers
// every extension-less path with the app; the app says it plainly).
import { t } from '../i18n.js';
import { h, page, linkButton } from '../ui.js';

export async function notFound(ctx) {
	const signedIn = ctx.session.state !== 'anonymous';
	const sec = page('nf.title',
	    h('p', { class: 'lead', id: 'nf-text' }, t('nf.text')),
	    h('p', { class: 'muted' }, h('code', { id: 'nf-path' }, location.pathname)),
	    h('div', { class: 'actions' },
		linkButton('/', signedIn ? 'nf.home' : 'nf.start', 'nf-home'),
		signedIn ? linkButton('/shop/orders', 'nav.orders', 'nf-orders', 'secondary') : null));
	sec.id = 'not-found';
	return sec;
}
