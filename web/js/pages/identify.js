// identify.js: J7, the video identification after payment (/identify).
// The page opens where the server says the identification stands (GET
// /api/v1/idv): no paid order; the start form (conditions, document
// type, phone, the four agreements the server records as consents); a
// recording left half-way (a reload cannot continue a recording: the
// page says at which step it stopped; a finished recording whose upload
// was cut resumes from this browser's copy); or the case's state:
// submitted (verification in progress, up to the deadline; the page may
// be closed), accepted, rejected with the reason and "record again", a
// new recording asked for, or an operator's call first. The recording
// and the upload are in idvrecord.js.
import { t, fmtTime } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import {
	h, page, notice, phoneField, selectField, checkbox, statusBox, setStatus, clearErrors,
	fieldError, busy, button, linkButton, kv, capital,
} from '../ui.js';
import { legalTexts, legalLink } from '../legal.js';
import { keptRecording, forgetRecording } from '../upload.js';
import { recordSession, uploadView, stepLabel } from '../idvrecord.js';

export const DOC_TYPES = ['ro_id_card', 'passport', 'eu_id_card'];
const CONSENTS = ['privacy', 'biometric', 'images', 'recording'];

export function docLabel(d) {
	return DOC_TYPES.includes(d) ? t('idv.doc_' + d) : d;
}

// What the identification of the waiting order asks now, for home, the
// payment return page and My orders: {text, label (the button's key, or
// null), state}; null when no paid order waits.
export function idvNext(st) {
	if (!st || !st.order)
		return null;
	const c = st.case;
	const s = c ? c.state : 'none';
	switch (s) {
	case 'none':
		return { state: s, text: t('idv.next_start'), label: 'idv.go_start' };
	case 'open':
	case 'abandoned':
		return { state: s, text: t('idv.next_open'), label: 'idv.go_continue' };
	case 'submitted':
		return { state: s, text: t('idv.next_submitted', { deadline: fmtTime(c.deadline_at) }), label: 'idv.go_status' };
	case 'accepted':
		return { state: s, text: t('idv.next_accepted'), label: null };
	case 'rejected':
		return { state: s, text: t('idv.next_rejected', { reason: st.reason_label || c.reason }), label: 'idv.record_again' };
	case 'redo':
		return { state: s, text: t('idv.next_redo'), label: 'idv.record_again' };
	case 'contact':
		return { state: s, text: t('idv.next_contact'), label: 'idv.go_status' };
	default:
		return { state: s, text: '', label: 'idv.go_status' };
	}
}

// The box home shows for it (ids prefixed with id).
export function idvNextBox(st, id) {
	const n = idvNext(st);
	if (!n)
		return null;
	return h('section', { class: 'order-box idv-box', id, 'data-state': n.state, 'aria-labelledby': id + '-title' },
	    h('h2', { id: id + '-title' }, t('idv.box_title', { number: st.order.number })),
	    h('p', { class: 'next', id: id + '-text' }, n.text),
	    n.label ? h('p', {}, linkButton('/identify', n.label, id + '-go')) : null);
}

// The index in the plan of the last step the server recorded (-1: none).
function lastStep(c) {
	let k = -1;
	for (const s of c.steps_done || []) {
		const i = c.steps.indexOf(s.step);
		if (i > k)
			k = i;
	}
	return k;
}

function hoursBetween(a, b) {
	const ms = new Date(b) - new Date(a);
	return isNaN(ms) ? 24 : Math.max(1, Math.round(ms / 3600000));
}

export async function identify(ctx) {
	const body = h('div', { id: 'idv-body' });
	const card = page('idv.title', body);
	let st;

	const show = (...kids) => {
		body.replaceChildren(...kids.filter(Boolean));
		window.scrollTo(0, 0);
	};
	const reloadStatus = async () => {
		st = await C.idvStatus();
		return st;
	};

	// ---- the case's state ------------------------------------------------------
	const recordAgain = () => button('idv.record_again', {
		type: 'button', id: 'idv-again', onclick: () => startForm(),
	});
	const statusView = async () => {
		const c = st.case;
		const kids = [];
		switch (c.state) {
		case 'submitted':
			kids.push(h('div', { class: 'notice ok', id: 'idv-submitted', role: 'status' },
			    h('h2', {}, t('idv.st_submitted_title')),
			    h('p', {}, t('idv.st_submitted', {
				    hours: hoursBetween(c.submitted_at, c.deadline_at),
				    deadline: fmtTime(c.deadline_at),
			    })),
			    h('p', { id: 'idv-close-ok' }, t('idv.st_close', { email: st.email }))),
			kv([['idv.order', st.order.number], ['idv.submitted_at', fmtTime(c.submitted_at)],
				['idv.doc_type', docLabel(c.doc_type)]], 'idv-facts'));
			break;
		case 'accepted':
			kids.push(notice(t('idv.st_accepted'), 'ok', 'idv-accepted'),
			    h('p', {}, t('idv.st_accepted_next')),
			    h('p', {}, linkButton('/home', 'ret.home', 'idv-home')));
			break;
		case 'rejected':
		case 'redo':
			kids.push(notice(t(c.state === 'redo' ? 'idv.st_redo' : 'idv.st_rejected'), 'warn', 'idv-' + c.state),
			    kv([
				    c.state === 'rejected' ? ['idv.reason', capital(st.reason_label || c.reason), 'idv-reason'] : null,
				    c.reason_text ? ['idv.note', c.reason_text, 'idv-note'] : null,
			    ]),
			    h('p', {}, t('idv.again_conditions')),
			    c.state === 'rejected'
				? h('p', { class: 'muted', id: 'idv-left' }, t('idv.rejections', { n: st.rejections, max: st.max_rejections }))
				: null,
			    st.can_start ? h('div', { class: 'actions' }, recordAgain()) : null);
			break;
		case 'contact': {
			const L = await legalTexts().catch(() => null);
			const phone = L && L.provider ? L.provider.phone : '';
			kids.push(notice(t('idv.st_contact'), 'warn', 'idv-contact'),
			    kv([['idv.reason', capital(st.reason_label || c.reason), 'idv-reason'],
				c.reason_text ? ['idv.note', c.reason_text, 'idv-note'] : null]),
			    phone ? h('p', { id: 'idv-call' }, t('idv.call_us', { phone })) : null);
			break;
		}
		default:
			kids.push(notice(t('idv.st_unknown', { state: c.state }), 'warn', 'idv-unknown'));
		}
		show(...kids);
	};

	// ---- a recording left half-way (reload, closed tab) ---------------------------
	const interrupted = async () => {
		const c = st.case;
		const k = lastStep(c);
		const complete = k === c.steps.length - 1 && c.sms_verified;
		const kept = complete ? await keptRecording(c.id) : null;
		if (kept) {
			const go = button('idv.resume_upload', { type: 'button', id: 'idv-resume' });
			go.addEventListener('click', () => upload(kept));
			show(notice(t('idv.upload_cut'), 'warn', 'idv-interrupted'), h('div', { class: 'actions' }, go));
			return;
		}
		await keptRecording(null);	// nothing of another case stays here
		show(notice(k < 0 ? t('idv.not_started') : t('idv.cut_at', {
			k: k + 1, n: c.steps.length, step: stepLabel(c.steps[k]),
		}), 'warn', 'idv-interrupted'),
		h('p', {}, t('idv.cut_restart')),
		h('div', { class: 'actions' }, button('idv.start_again', {
			type: 'button', id: 'idv-restart', onclick: () => startForm(),
		})));
	};

	// ---- recording and upload ------------------------------------------------------
	const upload = (rec) => uploadView({
		body, rec,
		onSubmitted: async (status) => {
			st = status && status.case ? status : await reloadStatus();
			await statusView();
		},
	});
	const record = (c) => recordSession({
		body, c,
		onRecorded: (rec) => upload(rec),
		onCancel: async () => {
			await reloadStatus();
			await render();
		},
	});

	// ---- the start form ---------------------------------------------------------------
	const startForm = async (note) => {
		const L = await legalTexts().catch(() => null);
		const doc = selectField('idv-doc', 'idv.doc_type',
		    [['', t('idv.doc_choose')], ...DOC_TYPES.map((d) => [d, docLabel(d)])], 'idv.doc_hint');
		const phone = phoneField('idv-phone', 'idv.phone', 'idv.phone_hint');
		phone.set(st.phone);
		const boxes = Object.fromEntries(CONSENTS.map((k) => [k, checkbox('idv-c-' + k, 'idv.c_' + k)]));
		const fields = {
			doc_type: doc, phone,
			...Object.fromEntries(CONSENTS.map((k) => ['consent_' + k, boxes[k]])),
		};
		const status = statusBox('idv-start-status');
		const submit = button('idv.start', { id: 'idv-start' });
		const form = h('form', { novalidate: true, id: 'idv-form' },
		    h('p', { class: 'lead', id: 'idv-for' }, t('idv.for_order', { number: st.order.number })),
		    h('h2', {}, t('idv.conditions_title')),
		    h('ul', { class: 'conditions', id: 'idv-conditions' },
			['document', 'devices', 'alone', 'network'].map((k) => h('li', {}, t('idv.cond_' + k)))),
		    h('p', { class: 'muted' }, t('idv.duration')),
		    h('h2', {}, t('idv.data_title')),
		    doc.wrap, phone.wrap,
		    h('div', { class: 'field' }, h('span', { class: 'label' }, t('idv.email')),
			h('p', { id: 'idv-email' }, st.email),
			h('p', { class: 'hint' }, t('idv.email_hint'))),
		    h('fieldset', { class: 'plain', id: 'idv-consents' },
			h('legend', {}, t('idv.consents_title')),
			h('p', { class: 'hint' }, t('idv.consents_intro'), ' ',
			    L && L.docs.privacy ? legalLink(L.docs.privacy, 'idv-privacy-link', {
				    newTab: true, text: t('idv.privacy_link', { version: L.docs.privacy.version }),
			    }) : null),
			CONSENTS.map((k) => boxes[k].wrap)),
		    h('div', { class: 'actions' }, submit), status);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			clearErrors(fields);
			setStatus(status, '');
			const req = {
				doc_type: doc.input.value,
				...Object.fromEntries(CONSENTS.map((k) => ['consent_' + k, boxes[k].input.checked])),
			};
			if (phone.input.value.trim())
				req.phone = phone.value();
			await busy(submit, async () => {
				let c;
				try {
					c = await C.idvStart(req);
				} catch (e) {
					// The server names the first missing agreement; the
					// others unticked are missing too.
					if (e instanceof ApiError && e.code === 'idv_consent_required') {
						for (const k of CONSENTS)
							if (!boxes[k].input.checked && 'consent_' + k !== e.field)
								fieldError(boxes[k], errorText(e));
					}
					if (e instanceof ApiError && e.field && fields[e.field])
						fieldError(fields[e.field], errorText(e));
					else
						setStatus(status, errorText(e), 'err');
					return;
				}
				// A recording kept from an earlier attempt is of no use now.
				await forgetRecording();
				record(c);
			});
		});
		show(note ? notice(note, 'warn', 'idv-note-start') : null, form);
	};

	const render = async () => {
		if (!st.order) {
			show(notice(t('idv.no_order'), 'warn', 'idv-no-order'),
			    h('div', { class: 'actions' }, linkButton('/shop/orders', 'nav.orders', 'idv-orders'),
				linkButton('/shop', 'nav.shop', 'idv-shop', 'secondary')));
			return;
		}
		const c = st.case;
		if (!c)
			return startForm();
		if (c.state === 'open')
			return interrupted();
		if (c.state === 'abandoned' && st.can_start)
			return startForm(t('idv.abandoned'));
		return statusView();
	};

	try {
		await reloadStatus();
	} catch (e) {
		show(notice(errorText(e), 'warn', 'idv-error'));
		return card;
	}
	await render();
	return card;
}
