// signdone.js: the download page of a signed batch (J9). SignedFiles.zip
// is fetched once and saved at once (the server deletes the signed files
// after sending it); each signed file is also offered, taken from that
// archive (unzip.js). Files refused or failed are listed with the reason.
// Reopened after the archive was taken, the page says the files were
// downloaded and removed from the server (the history keeps their names
// and hashes); a file the server still holds is offered from the server.
import { t } from './i18n.js';
import { errorText, ApiError } from './api.js';
import * as C from './contract.js';
import { h, notice, button, link, statusBox, setStatus } from './ui.js';
import { zipEntries, zipEntry } from './unzip.js';
import { formatText, intakeText, blobLink, short, levelText, levelWarning } from './signview.js';

const TYPES = { pades: 'application/pdf', cades: 'application/pkcs7-signature' };

// o: {batch, onAgain()} -> the view
export function doneView(o) {
	const b = o.batch;
	const signed = b.files.filter((f) => f.state === 'signed');
	const other = b.files.filter((f) => f.state !== 'signed');
	const status = statusBox('sign-zip-status');
	const zipLine = h('p', { id: 'sign-zip-line' }, t('sign.zip_preparing'));
	const cells = new Map();
	const rows = signed.map((f) => {
		const cell = h('span', { id: 'sign-dl-cell-' + f.index, class: 'muted' }, t('sign.file_preparing'));
		cells.set(f.signed_name, { f, cell });
		return h('li', { id: 'sign-out-' + f.index, 'data-name': f.signed_name },
		    h('p', { class: 'file-name' }, f.signed_name),
		    h('p', { class: 'muted small' }, formatText(f), f.level ? ' · ' + levelText(f) : '', ' · SHA-256 ', h('code', { title: f.signed_sha256 || '' }, short(f.signed_sha256))),
		    levelWarning(f, 'sign-out-' + f.index + '-warn'),
		    h('p', {}, cell));
	});
	const again = button('sign.again', { type: 'button', id: 'sign-again', onclick: () => o.onAgain() });
	const view = h('div', { id: 'sign-done' },
	    notice(t('sign.done', { n: signed.length, sig: b.signatures, ts: b.timestamps }), 'ok', 'sign-done-msg'),
	    zipLine, status,
	    h('h2', {}, t('sign.outputs')),
	    h('ul', { class: 'files', id: 'sign-outputs' }, rows),
	    other.length ? h('div', { id: 'sign-not-signed' }, h('h2', {}, t('sign.not_signed')),
		h('ul', { class: 'files' }, other.map((f) => h('li', { class: 'file refused', 'data-name': f.name },
		    h('p', { class: 'file-name' }, f.name),
		    h('p', { class: 'file-refused' }, intakeText(f.intake)))))) : null,
	    h('p', { class: 'muted' }, t('sign.kept_note')),
	    h('div', { class: 'actions' }, again, link('/history', 'nav.history', 'sign-done-history')));

	// The files the server still holds (the archive was taken already).
	const fromServer = () => {
		for (const { f, cell } of cells.values()) {
			cell.className = '';
			cell.replaceChildren(f.downloadable
			    ? h('a', { href: C.signedFileUrl(b.id, f.index), download: f.signed_name, id: 'sign-dl-' + f.index }, t('sign.download_file'))
			    : h('span', { class: 'muted' }, t('sign.file_gone')));
		}
	};
	const run = async () => {
		if (!signed.length || !signed.some((f) => f.downloadable)) {
			zipLine.textContent = signed.length ? t('sign.zip_gone') : t('sign.zip_none');
			fromServer();
			return;
		}
		let zip;
		try {
			zip = await C.signZip(b.id);
		} catch (e) {
			if (e instanceof ApiError && e.code === 'not_found') {
				zipLine.textContent = t('sign.zip_gone');
				fromServer();
			} else {
				zipLine.textContent = '';
				setStatus(status, errorText(e), 'err');
			}
			return;
		}
		const a = blobLink(zip, 'SignedFiles.zip', 'sign-zip', t('sign.zip_again'));
		zipLine.replaceChildren(t('sign.zip_started'), ' ', a);
		a.click();
		let entries = null;
		try {
			entries = await zipEntries(zip);
		} catch (e) {
			entries = null;
		}
		for (const { f, cell } of cells.values()) {
			const en = entries && entries.find((x) => x.name === f.signed_name);
			let blob = null;
			try {
				blob = en ? await zipEntry(zip, en, TYPES[f.format]) : null;
			} catch (e) {
				blob = null;
			}
			cell.className = '';
			cell.replaceChildren(blob ? blobLink(blob, f.signed_name, 'sign-dl-' + f.index, t('sign.download_file'))
			    : h('span', { class: 'muted' }, t('sign.file_in_zip')));
		}
	};
	run();
	return view;
}
