// confirm.js: the confirmation document for ANAF's Virtual Private Space
// (/confirmation, issue 17). The holder asks for a declaration naming
// their valid certificate, signs it (here, with a code from the
// authenticator app, or with any other tool) and sends it back; the
// server checks the signature and seals the document with the
// provider's e-seal at once. The request's id is in the address
// (?id=...), so the page can be opened again from the e-mail.
import { t, fmtTime } from '../i18n.js';
import * as C from '../contract.js';
import { h, page, notice, kv, field, button, busy, statusBox, setStatus, showError } from '../ui.js';

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

// Sign the declaration in a batch of one file, under the code: the
// signed PDF as a Blob.
async function signHere(id, code) {
	const decl = await C.confirmDeclaration(id);
	let b = await C.signNew();
	await C.signUpload(b.id, 'declaratie-spv.pdf', decl);
	b = await C.signBatchCode(b.id, code);
	for (let i = 0; i < 600 && b.state !== 'done'; i++) {
		await wait(200);
		b = await C.signBatch(b.id);
	}
	if (b.state !== 'done' || !b.files.length || b.files[0].state !== 'signed')
		throw new Error(t('confirm.sign_failed'));
	return C.signedFile(b.id, 0);
}

function sealedBox(c) {
	return h('section', { class: 'order-box', id: 'confirm-sealed' },
	    h('h2', {}, t('confirm.sealed_title')),
	    kv([['confirm.cert', c.certificate], ['confirm.sealed_at', fmtTime(c.sealed_at)]]),
	    h('p', {}, t('confirm.sealed_text')),
	    h('a', { class: 'btn', id: 'confirm-download', href: C.confirmSealedUrl(c.id),
		download: 'declaratie-spv-sigilata.pdf' }, t('confirm.download')));
}

function issuedBox(c, redraw) {
	const st = statusBox('confirm-status');
	const code = field({ id: 'confirm-code', label: 'confirm.code', inputmode: 'numeric',
		maxlength: 6, pattern: '[0-9]{6}', autocomplete: 'one-time-code' });
	const signBtn = button('confirm.sign_here', { id: 'confirm-sign', type: 'button' });
	const fileIn = h('input', { id: 'confirm-file', type: 'file', accept: '.pdf,application/pdf' });
	const upBtn = button('confirm.upload', { id: 'confirm-upload', type: 'button', kind: 'secondary' });
	const send = async (blob) => {
		setStatus(st, t('confirm.sealing'), '');
		const r = await C.confirmSigned(c.id, blob);
		redraw(r);
	};
	signBtn.addEventListener('click', () => busy(signBtn, async () => {
		try {
			await send(await signHere(c.id, code.input.value.trim()));
		} catch (e) {
			showError(e, { code: code }, st);
		}
	}));
	upBtn.addEventListener('click', () => busy(upBtn, async () => {
		if (!fileIn.files.length)
			return setStatus(st, t('confirm.choose_file'), 'err');
		try {
			await send(fileIn.files[0]);
		} catch (e) {
			showError(e, {}, st);
		}
	}));
	return h('section', { class: 'order-box', id: 'confirm-issued' },
	    h('h2', {}, t('confirm.issued_title')),
	    kv([['confirm.cert', c.certificate], ['confirm.created_at', fmtTime(c.created_at)]]),
	    h('p', {}, h('a', { id: 'confirm-decl', href: `/api/v1/confirmations/${encodeURIComponent(c.id)}/declaration`,
		download: 'declaratie-spv.pdf' }, t('confirm.decl_download'))),
	    h('h3', {}, t('confirm.here_title')),
	    h('p', { class: 'muted' }, t('confirm.here_text')),
	    code.wrap, signBtn,
	    h('h3', {}, t('confirm.local_title')),
	    h('p', { class: 'muted' }, t('confirm.local_text')),
	    h('div', { class: 'field' }, h('label', { for: 'confirm-file' }, t('confirm.file')), fileIn),
	    upBtn, st);
}

export async function confirmPage() {
	const id = new URLSearchParams(location.search).get('id');
	const holder = h('div', { id: 'confirm-body' });
	const draw = (c) => {
		holder.replaceChildren(c.state === 'sealed' ? sealedBox(c) : issuedBox(c, draw));
		if (new URLSearchParams(location.search).get('id') !== c.id)
			history.replaceState(null, '', '/confirmation?id=' + encodeURIComponent(c.id));
	};
	if (id) {
		draw(await C.confirmation(id));
	} else {
		const st = statusBox('confirm-new-status');
		const go = button('confirm.new', { id: 'confirm-new', type: 'button' });
		go.addEventListener('click', () => busy(go, async () => {
			try {
				draw(await C.confirmNew());
			} catch (e) {
				showError(e, {}, st);
			}
		}));
		holder.append(go, st);
	}
	return page('confirm.title', h('p', { class: 'muted' }, t('confirm.intro')), holder,
	    notice(t('confirm.note'), '', 'confirm-note'));
}
