// signview.js: pieces of the signing pages (J9) shared by sign.js,
// signdone.js and history.js: sizes, formats, what the engine said of a
// file, the certificate that signs, saving a Blob as a download.
import { t, has, getLang, fmtTime } from './i18n.js';
import { h, kv, onLeave } from './ui.js';

export function fmtSize(n) {
	const nf = (v, d) => new Intl.NumberFormat(getLang() === 'ro' ? 'ro-RO' : 'en-GB',
	    { maximumFractionDigits: d }).format(v);
	if (n >= 1048576)
		return nf(n / 1048576, 1) + ' MB';
	if (n >= 1024)
		return nf(n / 1024, 0) + ' KB';
	return t('sign.bytes', { n });
}

// PAdES inside the PDF, or a .p7s next to the file.
export function formatText(f) {
	return t(f.format === 'pades' ? 'sign.fmt_pades' : 'sign.fmt_cades');
}

// The level a signed file was delivered at; a file that stayed B-T
// (the long-term step failed) says that it can be extended later.
export function levelText(f) {
	return f.level ? t('sign.file_level', { level: f.level }) : '';
}

export function levelWarning(f, id) {
	if (!f.warning)
		return null;
	return h('p', { class: 'notice warn small', id, 'data-warning': f.warning },
	    has('sign.warn_' + f.warning) ? t('sign.warn_' + f.warning, { level: f.level || '' }) : f.warning);
}

// Why the engine refuses a file (intake), or why signing it failed.
export function intakeText(code) {
	return has('sign.intake_' + code) ? t('sign.intake_' + code) : t('sign.intake_other', { code });
}

// The same, in a few words (a list, a table).
export function intakeShort(code) {
	return has('sign.short_' + code) ? t('sign.short_' + code) : code;
}

export function placementText(f) {
	if (f.format !== 'pades')
		return '';
	const p = f.placement;
	return p ? t('sign.visible_on', { page: p.page }) : t('sign.invisible');
}

// The certificate that will sign (SignBatch.certificate).
export function certRows(c, id) {
	return kv([
		['sign.cert_subject', c.subject, 'sign-cert-subject'],
		['sign.cert_issuer', c.issuer, 'sign-cert-issuer'],
		['sign.cert_serial', c.serial, 'sign-cert-serial'],
		['sign.cert_until', fmtTime(c.not_after), 'sign-cert-until'],
	], id);
}

// A Blob saved under name (an anchor with download; the object URL is
// let go when the page is left).
export function blobLink(blob, name, id, labelText) {
	const url = URL.createObjectURL(blob);
	onLeave(() => URL.revokeObjectURL(url));
	return h('a', { href: url, download: name, id, class: 'dl' }, labelText || name);
}

export const short = (hex) => (hex ? hex.slice(0, 16) + '…' : '');
