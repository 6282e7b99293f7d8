// ui.js: small DOM helpers shared by the pages: element builder, form
// fields with labels and error slots, phone input, busy buttons,
// countdowns, dialogs. No innerHTML anywhere: text goes in as text.
import { t } from './i18n.js';
import { errorText } from './api.js';

// h('p', {class: 'x'}, 'text', child...): no innerHTML anywhere.
export function h(tag, attrs, ...kids) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (k === 'text')
			el.textContent = v;
		else
			el.setAttribute(k, v === true ? '' : v);
	}
	for (const kid of kids.flat(Infinity)) {
		if (kid === null || kid === undefined || kid === false)
			continue;
		el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
	}
	return el;
}

export function page(titleKey, ...kids) {
	document.title = t(titleKey) + ' · Pecete';
	return h('section', { class: 'card', 'aria-labelledby': 'page-title' },
	    h('h1', { id: 'page-title' }, t(titleKey)), ...kids);
}

// A labelled input with hint and error slot (aria-describedby).
export function field(o) {
	const hintId = o.hint ? o.id + '-hint' : null;
	const errId = o.id + '-err';
	const input = h('input', {
		id: o.id, name: o.name || o.id, type: o.type || 'text',
		autocomplete: o.autocomplete || 'off', inputmode: o.inputmode,
		maxlength: o.maxlength, required: o.required !== false,
		value: o.value, pattern: o.pattern,
		'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
	});
	const err = h('p', { class: 'field-error', id: errId });
	const wrap = h('div', { class: 'field' },
	    h('label', { for: o.id }, t(o.label)),
	    input,
	    o.hint ? h('p', { class: 'hint', id: hintId }, t(o.hint)) : null,
	    err);
	return { wrap, input, err, focus: () => input.focus() };
}

export const PREFIXES = [
	['+40', 'RO'], ['+373', 'MD'], ['+49', 'DE'], ['+43', 'AT'], ['+32', 'BE'],
	['+359', 'BG'], ['+420', 'CZ'], ['+45', 'DK'], ['+34', 'ES'], ['+33', 'FR'],
	['+30', 'GR'], ['+36', 'HU'], ['+353', 'IE'], ['+39', 'IT'], ['+31', 'NL'],
	['+48', 'PL'], ['+351', 'PT'], ['+46', 'SE'], ['+421', 'SK'], ['+44', 'GB'],
	['+41', 'CH'], ['+380', 'UA'], ['+1', 'US/CA'],
];

// Country prefix select + national number. value() gives E.164.
export function phoneField(id, labelKey, hintKey) {
	const errId = id + '-err';
	const hintId = id + '-hint';
	const sel = h('select', {
		id: id + '-cc', class: 'input', 'aria-label': t('phone.country'),
	}, PREFIXES.map(([p, c]) => h('option', { value: p }, `${c} ${p}`)));
	const input = h('input', {
		id, name: id, type: 'tel', autocomplete: 'tel-national', inputmode: 'tel',
		maxlength: 20, required: true,
		'aria-describedby': `${hintId} ${errId}`,
	});
	const err = h('p', { class: 'field-error', id: errId });
	const wrap = h('div', { class: 'field' },
	    h('label', { for: id }, t(labelKey)),
	    h('div', { class: 'phone-row' }, sel, input),
	    h('p', { class: 'hint', id: hintId }, t(hintKey || 'phone.hint')),
	    err);
	const value = () => {
		let n = input.value.replace(/[\s\-().]/g, '');
		if (n.startsWith('+'))
			return n;
		if (n.startsWith('00'))
			return '+' + n.slice(2);
		n = n.replace(/^0+/, '');
		return sel.value + n;
	};
	// Show an E.164 number: the longest known prefix in the select.
	const set = (e164) => {
		const p = PREFIXES.map(([x]) => x).filter((x) => (e164 || '').startsWith(x))
		    .sort((a, b) => b.length - a.length)[0];
		if (p) {
			sel.value = p;
			input.value = e164.slice(p.length);
		} else {
			input.value = e164 || '';
		}
	};
	return { wrap, input, sel, err, value, set, focus: () => input.focus() };
}

// A labelled select: options [[value, labelText], ...].
export function selectField(id, labelKey, options, hintKey) {
	const errId = id + '-err';
	const hintId = hintKey ? id + '-hint' : null;
	const input = h('select', {
		id, name: id, class: 'input', 'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
	}, options.map(([v, label]) => h('option', { value: v }, label)));
	const err = h('p', { class: 'field-error', id: errId });
	const wrap = h('div', { class: 'field' },
	    h('label', { for: id }, t(labelKey)), input,
	    hintKey ? h('p', { class: 'hint', id: hintId }, t(hintKey)) : null, err);
	return { wrap, input, err, focus: () => input.focus() };
}

export function checkbox(id, labelKey, vars) {
	const errId = id + '-err';
	const input = h('input', { id, name: id, type: 'checkbox', 'aria-describedby': errId });
	const err = h('p', { class: 'field-error', id: errId });
	const wrap = h('div', {},
	    h('div', { class: 'check' }, input, h('label', { for: id }, t(labelKey, vars))),
	    err);
	return { wrap, input, err, focus: () => input.focus() };
}

export function statusBox(id) {
	return h('p', { class: 'status', id, role: 'status', 'aria-live': 'polite' });
}

export function setStatus(el, text, kind) {
	el.className = 'status' + (kind ? ' ' + kind : '');
	el.textContent = text || '';
}

// Clear previous errors of the given fields.
export function clearErrors(fields) {
	for (const f of Object.values(fields)) {
		if (!f || !f.err)
			continue;
		f.err.textContent = '';
		const inp = f.input;
		if (inp)
			inp.removeAttribute('aria-invalid');
	}
}

export function fieldError(f, text) {
	f.err.textContent = text;
	if (f.input) {
		f.input.setAttribute('aria-invalid', 'true');
		// The message goes as soon as the person edits the field.
		const clear = () => {
			f.err.textContent = '';
			f.input.removeAttribute('aria-invalid');
		};
		f.input.addEventListener('input', clear, { once: true });
		f.input.addEventListener('change', clear, { once: true });
	}
	f.focus();
}

// Show an API error next to its field (e.field maps to fields[...]) or in
// the status box.
export function showError(e, fields, status, codeToField) {
	const text = errorText(e);
	let name = e && e.field;
	if (!name && e && codeToField && codeToField[e.code])
		name = codeToField[e.code];
	const f = name && fields[name];
	if (f) {
		fieldError(f, text);
		setStatus(status, '');
	} else {
		setStatus(status, text, 'err');
	}
}

// Run fn with the button disabled and a spinner; aria-busy on the form.
export async function busy(btn, fn) {
	if (btn.disabled)
		return undefined;
	const label = btn.textContent;
	const form = btn.closest('form');
	btn.disabled = true;
	btn.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }),
	    t('common.working'));
	if (form)
		form.setAttribute('aria-busy', 'true');
	try {
		return await fn();
	} finally {
		btn.disabled = false;
		btn.replaceChildren(label);
		if (form)
			form.removeAttribute('aria-busy');
	}
}

export function button(labelKey, opts = {}) {
	return h('button', {
		type: opts.type || 'submit', class: 'btn' + (opts.kind ? ' ' + opts.kind : ''),
		id: opts.id, onclick: opts.onclick,
	}, t(labelKey));
}

export function link(href, labelKey, id) {
	return h('a', { href, 'data-link': true, id }, t(labelKey));
}

export function notice(text, kind, id) {
	return h('p', { class: 'notice' + (kind ? ' ' + kind : ''), role: 'status', id }, text);
}

// A "mm:ss" countdown (give el role=timer). onEnd runs when it reaches
// zero. Returns stop().
const timers = new Set();
export function countdown(el, seconds, onEnd) {
	const end = Date.now() + Math.max(0, seconds) * 1000;
	el.classList.remove('expired');
	const tick = () => {
		const left = Math.max(0, Math.round((end - Date.now()) / 1000));
		const m = String(Math.floor(left / 60)).padStart(2, '0');
		const s = String(left % 60).padStart(2, '0');
		el.textContent = `${m}:${s}`;
		if (left <= 0) {
			stop();
			el.classList.add('expired');
			if (onEnd)
				onEnd();
		}
	};
	const iv = setInterval(tick, 1000);
	const stop = () => {
		clearInterval(iv);
		timers.delete(stop);
	};
	timers.add(stop);
	tick();
	return stop;
}

// fn every ms until the page is left; returns stop().
export function every(ms, fn) {
	const iv = setInterval(fn, ms);
	const stop = () => {
		clearInterval(iv);
		timers.delete(stop);
	};
	timers.add(stop);
	return stop;
}

// fn runs once when the router leaves the page (camera off, uploads
// stopped); returns a function that cancels it.
export function onLeave(fn) {
	const once = () => {
		timers.delete(once);
		fn();
	};
	timers.add(once);
	return () => timers.delete(once);
}

// The router stops timers when it leaves a page.
export function stopTimers() {
	for (const s of [...timers])
		s();
}

// A modal message with one OK button; resolves when closed.
export function alertDialog(titleKey, text) {
	return new Promise((resolve) => {
		const ok = h('button', { type: 'button', class: 'btn', id: 'dialog-ok' }, t('common.ok'));
		const dlg = h('dialog', { 'aria-labelledby': 'dialog-title', id: 'dialog' },
		    h('h2', { id: 'dialog-title' }, t(titleKey)),
		    h('p', {}, text),
		    h('div', { class: 'actions' }, ok));
		ok.addEventListener('click', () => dlg.close());
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve();
		});
		document.body.append(dlg);
		dlg.showModal();
		ok.focus();
	});
}

// A modal question with two buttons; resolves true for yes.
export function confirmDialog(title, text, yesLabel, noLabel) {
	return new Promise((resolve) => {
		let yes = false;
		const ok = h('button', { type: 'button', class: 'btn', id: 'dialog-confirm' }, yesLabel);
		const no = h('button', { type: 'button', class: 'btn secondary', id: 'dialog-cancel' }, noLabel || t('common.cancel'));
		const dlg = h('dialog', { 'aria-labelledby': 'dialog-title', 'aria-describedby': 'dialog-text', id: 'dialog' },
		    h('h2', { id: 'dialog-title' }, title), h('p', { id: 'dialog-text' }, text),
		    h('div', { class: 'actions' }, no, ok));
		ok.addEventListener('click', () => { yes = true; dlg.close(); });
		no.addEventListener('click', () => dlg.close());
		dlg.addEventListener('close', () => {
			dlg.remove();
			resolve(yes);
		});
		document.body.append(dlg);
		dlg.showModal();
		no.focus();
	});
}

// The server's reasons are written to sit inside a sentence; alone (a
// list, a row) they start with a capital.
export function capital(s) {
	return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

// Label/value rows: [[labelKey, value, id], ...].
export function kv(rows, id) {
	return h('dl', { class: 'kv', id }, rows.filter(Boolean).map(([k, v, vid]) => [
		h('dt', {}, t(k)), h('dd', { id: vid }, v || '—'),
	]));
}

// The token of an e-mailed link: /activate#TOKEN (or ?token=).
export function tokenFromUrl() {
	const hash = location.hash.replace(/^#/, '');
	if (hash)
		return decodeURIComponent(hash);
	return new URLSearchParams(location.search).get('token') || '';
}

// A button that looks like a link to a route.
export function linkButton(href, labelKey, id, kind) {
	return h('a', { href, 'data-link': true, class: 'btn' + (kind ? ' ' + kind : ''), id }, t(labelKey));
}
