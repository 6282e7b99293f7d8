// ops/racert.js: an operator revokes a holder's certificate for good
// with an RFC 5280 reason: POST /api/v1/ra/certificates/{serial}/revoke.
// The serial comes from the public registry (search by name or e-mail);
// a signing certificate takes its authentication certificate with it; the
// holder is e-mailed; the note goes to the audit, not to the holder.
import { t } from '../i18n.js';
import * as C from '../contract.js';
import {
	h, page, field, selectField, statusBox, setStatus, busy, button, link, confirmDialog, clearErrors, showError,
} from '../ui.js';

// Final reasons only: a hold (certificateHold) is the holder's to make
// and to lift, so the server refuses it here.
const REASONS = ['keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn',
	'unspecified'];

export async function raCertRevoke() {
	const serial = field({ id: 'rc-serial', label: 'racert.serial', hint: 'racert.serial_hint', maxlength: 70 });
	const reason = selectField('rc-reason', 'racert.reason', REASONS.map((r) => [r, r]));
	const note = field({ id: 'rc-text', label: 'racert.text', hint: 'racert.text_hint', maxlength: 500, required: false });
	const go = button('racert.revoke', { kind: 'danger', id: 'rc-go' });
	const st = statusBox('rc-status');
	const form = h('form', { id: 'rc-form', novalidate: true }, serial.wrap, reason.wrap, note.wrap,
	    h('div', { class: 'actions' }, go));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		clearErrors([serial]);
		const s = serial.input.value.trim();
		if (!await confirmDialog(t('racert.confirm_title'), t('racert.confirm_text', { serial: s, reason: reason.input.value }),
		    t('racert.revoke')))
			return;
		await busy(go, async () => {
			try {
				const r = await C.raRevokeCert(s, reason.input.value, note.input.value.trim());
				setStatus(st, t('racert.done', { serial: r.serial, reason: r.reason }), 'ok');
			} catch (e) {
				showError(e, { serial }, st, { cert_not_found: 'serial', cert_state: 'serial' });
			}
		});
	});
	return page('racert.title', h('p', { class: 'lead' }, t('racert.intro')),
	    h('p', {}, link('/registry', 'racert.registry', 'rc-registry')), form, st);
}
