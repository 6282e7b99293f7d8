// validate.js: the public validation page (/validate, no sign-in): a
// signed PDF or a .p7s (attached; or detached with the file it signs, sent
// after it in one body with ?p7s_length) is sent to POST /api/v1/validate,
// checked against this provider's root and deleted at once; the report shows, for the document
// and for each signature and timestamp, the ETSI EN 319 102-1 indication
// (TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE) with its sub-indication and
// every check made, never a check that was not made. "Download the XML
// report" sends the file again (?format=xml: nothing is kept between the
// two) and saves the ETSI TS 119 102-2 validation report. With EU trusted
// lists configured, each signature also shows its qualification (ETSI TS
// 119 172-4: qualified electronic signature, advanced with a qualified
// certificate, ...), as the server determined it; never one it did not.
import { t, getLang, fmtTime } from '../i18n.js';
import { errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, statusBox, setStatus, busy, button } from '../ui.js';

const IND = { 'TOTAL-PASSED': 'ok', 'TOTAL-FAILED': 'err', INDETERMINATE: 'warn' };
const CHECKS = ['format', 'signerCertificate', 'digest', 'signature', 'chain', 'revocation', 'changes'];

function verdict(o, id) {
	const sub = o.subIndication ? ' / ' + o.subIndication : '';
	return h('p', { class: 'verdict ' + (IND[o.indication] || 'warn'), id },
	    h('strong', {}, t('val.ind_' + o.indication.replace('-', '_').toLowerCase())), sub,
	    o.reason ? h('span', { class: 'muted' }, ' — ' + o.reason) : null);
}

function checkRows(checks) {
	return CHECKS.filter((k) => checks[k]).map((k) => h('tr', { 'data-check': k },
	    h('th', { scope: 'row' }, t('val.chk_' + k.toLowerCase())),
	    h('td', { 'data-label': t('val.status') }, t('val.st_' + checks[k].status)),
	    h('td', { 'data-label': t('val.detail') }, checks[k].message)));
}

// TS 119 172-4 results (the server's "result") to their i18n keys.
const QUAL = { QESig: 'qesig', QESeal: 'qeseal', 'AdESig-QC': 'adesig_qc', 'AdESeal-QC': 'adeseal_qc',
    AdESig: 'adesig', AdESeal: 'adeseal', 'AdES?': 'ades', 'Not AdES but QC': 'not_ades_qc',
    'Not AdES': 'not_ades', 'N/A': 'na' };

function qualification(q, id) {
	const base = q.result.replace(/^Indeterminate /, '');
	const what = t('val.q_' + (QUAL[base] || 'na'));
	const cls = q.qualified && !q.indeterminate ? 'ok' : q.indeterminate ? 'warn' : 'muted';
	return h('div', { class: 'val-qual', id },
	    h('h3', {}, t('val.qual')),
	    h('p', { class: 'verdict ' + cls, id: id + '-result', 'data-result': q.result },
		h('strong', {}, base !== q.result ? t('val.q_indeterminate', { what }) : what),
		' (', q.result, ')', q.reason ? h('span', { class: 'muted' }, ' — ' + q.reason) : null),
	    q.service ? h('dl', { class: 'kv' },
		h('dt', {}, t('val.q_service')), h('dd', {}, q.service + (q.territory ? ' (' + q.territory + ')' : '')),
		h('dt', {}, t('val.q_status', { when: fmtTime(q.at) })),
		h('dd', {}, (q.status || '').replace(/^.*\//, ''))) : null);
}

function signature(s) {
	const docts = s.type === 'document-timestamp';
	const who = docts ? s.timestamp.tsa : s.signer;
	return h('section', { class: 'card val-sig', id: 'val-sig-' + s.index },
	    h('h2', {}, t(docts ? 'val.docts_n' : 'val.sig_n', { n: s.index }), ' — ', who || '?'),
	    verdict(s, 'val-sig-' + s.index + '-ind'),
	    h('dl', { class: 'kv' },
		s.level && s.level !== 'none' ? [h('dt', {}, t('val.level')), h('dd', { id: 'val-sig-' + s.index + '-level' }, s.level)] : null,
		s.bestSignatureTime ? [h('dt', {}, t('val.best_time')), h('dd', {}, fmtTime(s.bestSignatureTime))] : null,
		s.claimedTime ? [h('dt', {}, t('val.claimed_time')), h('dd', {}, fmtTime(s.claimedTime))] : null),
	    s.qualification ? qualification(s.qualification, 'val-sig-' + s.index + '-qual') : null,
	    h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
		h('tbody', {}, checkRows(s.checks || {})))),
	    (s.changes || []).length ? h('ul', { class: 'plain' }, s.changes.map((c) =>
		h('li', {}, t(c.allowed ? 'val.change_ok' : 'val.change_bad'), ': ', c.what))) : null);
}

// A report of file fetched on demand (get(file)), saved as name.
function reportLink(file, id, label, name, get, st) {
	const a = h('a', { href: '#', id, class: 'btn secondary' }, t(label));
	a.addEventListener('click', async (ev) => {
		if (a.dataset.ready)
			return;
		ev.preventDefault();
		try {
			const blob = await get(file);
			a.href = URL.createObjectURL(blob);
			a.download = name;
			a.dataset.ready = '1';
			setStatus(st, '');
			a.click();
		} catch (e) {
			setStatus(st, errorText(e), 'err');
		}
	});
	return a;
}

// The XML report and (for a PDF: r.format "pdf") the sealed PDF report of
// the body sent (file, p7sLength as for C.validate), each on demand.
function xmlLink(file, p7sLength, pdf) {
	const st = statusBox('val-xml-status');
	return h('div', { class: 'actions' },
	    reportLink(file, 'val-xml', 'val.xml_download', 'validation-report.xml',
		(f) => C.validateXml(f, p7sLength), st),
	    pdf ? reportLink(file, 'val-pdf', 'val.pdf_download', 'validation-report.pdf',
		(f) => C.validateSealed(f, getLang()), st) : null,
	    h('p', { class: 'hint' }, t('val.xml_hint')), pdf ? h('p', { class: 'hint' }, t('val.pdf_hint')) : null, st);
}

function report(r, file, p7sLength) {
	return h('div', { id: 'val-report' },
	    h('h2', {}, t('val.result')), verdict(r, 'val-result'),
	    h('p', { class: 'muted' }, t('val.when', { when: fmtTime(r.validationTime) })),
	    xmlLink(file, p7sLength, r.format === 'pdf'),
	    ...(r.signatures || []).map(signature));
}

export async function validatePage() {
	const input = h('input', { id: 'val-file', type: 'file', required: true,
	    accept: '.pdf,.p7s,application/pdf,application/pkcs7-signature',
	    'aria-describedby': 'val-file-hint' });
	const content = h('input', { id: 'val-content', type: 'file', 'aria-describedby': 'val-content-hint' });
	const go = button('val.check', { id: 'val-go' });
	const st = statusBox('val-status');
	const out = h('div', { id: 'val-out', 'aria-live': 'polite' });
	const form = h('form', { id: 'val-form', novalidate: true },
	    h('div', { class: 'field' }, h('label', { for: 'val-file' }, t('val.file')), input,
		h('p', { class: 'hint', id: 'val-file-hint' }, t('val.file_hint'))),
	    h('div', { class: 'field' }, h('label', { for: 'val-content' }, t('val.content')), content,
		h('p', { class: 'hint', id: 'val-content-hint' }, t('val.content_hint'))),
	    h('div', { class: 'actions' }, go));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const f = input.files[0];
		if (!f)
			return input.focus();
		// A detached .p7s and the file it signs: one body, the .p7s first.
		const c = content.files[0];
		const body = c ? new Blob([f, c]) : f;
		const n = c ? f.size : 0;
		busy(go, async () => {
			try {
				const r = await C.validate(body, n);
				setStatus(st, '');
				out.replaceChildren(report(r, body, n));
			} catch (e) {
				out.replaceChildren();
				setStatus(st, errorText(e), 'err');
			}
		});
	});
	const sec = page('val.title', h('p', {}, t('val.intro')), form, st, out);
	sec.classList.add('mid');
	return sec;
}
