// registry.js: the public certificate registry (J16), no sign-in: find a
// holder's qualified signing certificates by full name or e-mail (exact
// match; the server normalises case, spaces and ş/ţ), see serial, subject,
// validity and status, download DER or PEM; and the page of our CA and
// service certificates with their SHA-256 fingerprints and the CRLs.
import { t, fmtTime } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, statusBox, setStatus, busy, button, link, field } from '../ui.js';

const STATUS = { good: 'pubreg.st_good', suspended: 'pubreg.st_suspended', revoked: 'pubreg.st_revoked', expired: 'pubreg.st_expired' };

function results(list) {
	if (!list.length)
		return h('p', { class: 'muted', id: 'pr-none' }, t('pubreg.none'));
	const dl = (serial, ext, key) => h('a', { href: C.registryFileUrl(serial, ext), download: serial + '.' + ext,
		id: 'pr-' + ext + '-' + serial }, t(key));
	return h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'pr-results' },
	    h('thead', {}, h('tr', {}, ['pubreg.subject', 'pubreg.serial', 'pubreg.validity', 'pubreg.status', 'pubreg.download']
		.map((k) => h('th', { scope: 'col' }, t(k))))),
	    h('tbody', {}, list.map((c) => h('tr', { 'data-serial': c.serial },
		h('td', { 'data-label': t('pubreg.subject') }, c.subject),
		h('td', { 'data-label': t('pubreg.serial') }, h('code', {}, c.serial)),
		h('td', { 'data-label': t('pubreg.validity') },
		    t('set.cert_from_to', { from: fmtTime(c.not_before), to: fmtTime(c.not_after) })),
		h('td', { 'data-label': t('pubreg.status'), class: 'pr-status' }, t(STATUS[c.status] || 'pubreg.st_good')),
		h('td', { 'data-label': t('pubreg.download') }, h('span', { class: 'dl-links' },
		    dl(c.serial, 'crt', 'pubreg.der'), ' ', dl(c.serial, 'pem', 'pubreg.pem'))))))));
}

export async function registry() {
	const q = field({ id: 'pr-q', label: 'pubreg.q', hint: 'pubreg.q_hint', maxlength: 320 });
	const go = button('pubreg.search', { id: 'pr-search' });
	const st = statusBox('pr-status');
	const out = h('div', { id: 'pr-out' });
	const form = h('form', { id: 'pr-form', role: 'search', novalidate: true }, q.wrap, h('div', { class: 'actions' }, go));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const v = q.input.value.trim();
		if (!v)
			return q.focus();
		busy(go, async () => {
			try {
				const r = await C.registrySearch(v);
				setStatus(st, '');
				out.replaceChildren(results(r.certificates || []));
			} catch (e) {
				out.replaceChildren();
				setStatus(st, errorText(e), 'err');
			}
		});
	});
	const sec = page('pubreg.title', h('p', {}, t('pubreg.intro')), form, st, out,
	    h('p', {}, link('/registry/ca', 'pubreg.ca_link', 'pr-ca-link')));
	sec.classList.add('mid');
	return sec;
}

export async function caCertificates() {
	const r = await C.registryCa();
	const rows = r.certificates.map((c) => h('tr', { 'data-name': c.name },
	    h('td', { 'data-label': t('pubreg.ca_name') }, t('pubreg.ca_' + c.name)),
	    h('td', { 'data-label': t('pubreg.subject') }, c.subject),
	    h('td', { 'data-label': t('pubreg.validity') },
		t('set.cert_from_to', { from: fmtTime(c.not_before), to: fmtTime(c.not_after) })),
	    h('td', { 'data-label': t('pubreg.sha256') }, h('code', { class: 'fp', id: 'ca-fp-' + c.name }, c.sha256)),
	    h('td', { 'data-label': t('pubreg.download') }, h('span', { class: 'dl-links' },
		h('a', { href: c.der, id: 'ca-der-' + c.name }, t('pubreg.der')), ' ',
		h('a', { href: c.pem, id: 'ca-pem-' + c.name }, t('pubreg.pem')),
		c.crl ? [' ', h('a', { href: c.crl, id: 'ca-crl-' + c.name }, t('pubreg.crl'))] : null))));
	const sec = page('pubreg.ca_title', h('p', {}, t('pubreg.ca_intro')),
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list', id: 'ca-certs' },
		h('thead', {}, h('tr', {}, ['pubreg.ca_name', 'pubreg.subject', 'pubreg.validity', 'pubreg.sha256', 'pubreg.download']
		    .map((k) => h('th', { scope: 'col' }, t(k))))),
		h('tbody', {}, rows))),
	    h('p', {}, t('pubreg.ocsp'), ' ', h('code', { id: 'ca-ocsp' }, r.ocsp)),
	    h('p', {}, link('/registry', 'pubreg.back', 'pr-back')));
	sec.classList.add('mid');
	return sec;
}
