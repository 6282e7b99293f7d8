// payreturn.js: back from the payment provider: poll the order until the
// server knows the payment's result. last_payment.status "started" means
// a new attempt is under way: keep polling. Paid: say what comes next
// and lead to the video identification; refused: try again or choose
// another package.
import { t } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, notice, statusBox, setStatus, busy, linkButton } from '../ui.js';
import { forget, keptValue } from '../formstate.js';
import { fmtMoney, startPayment, nextStepText } from '../shopview.js';
import { renewalAfterPayment } from './renew.js';

const PAID = ['paid', 'fulfilled'];
const OVER = ['cancelled', 'refunded'];

function retryButton(o) {
	const b = h('button', { type: 'button', class: 'btn', id: 'ret-retry' }, t('ret.retry'));
	const st = statusBox('ret-retry-status');
	b.addEventListener('click', () => busy(b, async () => {
		try {
			await startPayment(o);
		} catch (e) {
			setStatus(st, errorText(e), 'err');
		}
	}));
	return [b, st];
}

export async function payReturn(ctx) {
	const id = new URLSearchParams(location.search).get('order');
	if (!id)
		return page('ret.title', notice(t('ret.no_order'), 'warn', 'ret-none'));
	const box = h('div', { id: 'ret-box', 'aria-live': 'polite' },
	    h('p', { class: 'loading', id: 'ret-waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('ret.waiting')));
	const sec = page('ret.title', box);
	const started = Date.now();
	const poll = async () => {
		if (!sec.isConnected && Date.now() - started > 1000)
			return;	// left the page
		let o = null;
		try {
			o = await C.order(id);
		} catch (e) {
			if (e.status === 404 || e.status === 401 || e.status === 403) {
				box.replaceChildren(notice(errorText(e), 'warn', 'ret-error'));
				return;
			}
		}
		const pay = o && o.last_payment ? o.last_payment.status : null;
		if (o && PAID.includes(o.state)) {
			// The checkout's form is done with once its order is paid.
			const k = keptValue('checkout', 'order');
			if (k && k.id === o.id)
				forget('checkout');
			// A renewal's order (J10) goes back to the renewal form.
			const ren = o.state === 'paid' ? await renewalAfterPayment(o) : null;
			box.replaceChildren(
			    h('p', { class: 'notice ok', id: 'ret-paid', role: 'status' }, t('ret.paid', { number: o.number })),
			    h('dl', { class: 'kv' },
				h('dt', {}, t('order.number')), h('dd', { id: 'ret-number' }, o.number),
				h('dt', {}, t('order.paid_ron')), h('dd', { id: 'ret-ron' }, fmtMoney(o.quote.total_bani, 'RON'))),
			    h('h2', {}, t('ret.next_title')),
			    ...(ren || [
			    h('p', { id: 'ret-next' }, nextStepText(o)),
			    h('p', {}, t('ret.mail')),
			    h('div', { class: 'actions' }, linkButton('/identify', 'idv.go_start', 'ret-identify'),
				linkButton('/home', 'ret.home', 'ret-home', 'secondary'),
				linkButton('/shop/orders', 'shop.my_orders', 'ret-orders', 'secondary'))]));
			return;
		}
		if (o && (OVER.includes(o.state) || (o.can_pay && pay === 'declined'))) {
			box.replaceChildren(
			    h('p', { class: 'notice warn', id: 'ret-failed', role: 'alert' },
				t(OVER.includes(o.state) ? 'ret.over' : 'ret.failed')),
			    h('div', { class: 'actions' },
				o.can_pay ? retryButton(o) : null,
				linkButton('/shop', 'ret.other', 'ret-shop', 'secondary')));
			return;
		}
		// No answer yet (started, pending, or none): wait, then say so.
		if (Date.now() - started > 60000) {
			box.replaceChildren(notice(t('ret.slow'), 'warn', 'ret-slow'),
			    h('p', {}, linkButton('/shop/orders', 'shop.my_orders', 'ret-orders')));
			return;
		}
		setTimeout(poll, 1000);
	};
	setTimeout(poll, 0);
	return sec;
}
