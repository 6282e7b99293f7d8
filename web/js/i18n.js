// i18n.js: Romanian by default, English too. Strings live in
// /i18n/<lang>.json as flat "area.name" keys; {name} placeholders are
// replaced from the vars object. The choice is kept in localStorage.
const LANGS = ['ro', 'en'];
const KEY = 'pc_lang';
let lang = 'ro';
let strings = {};
let fallback = {};

async function load(l) {
	const r = await fetch(`/i18n/${l}.json`, { credentials: 'same-origin' });
	if (!r.ok)
		throw new Error(`i18n ${l}: ${r.status}`);
	return r.json();
}

export async function initI18n() {
	let want = 'ro';
	try {
		want = localStorage.getItem(KEY) || 'ro';
	} catch (e) { /* storage disabled */ }
	if (!LANGS.includes(want))
		want = 'ro';
	fallback = await load('ro');
	await setLang(want, false);
}

export async function setLang(l, remember = true) {
	if (!LANGS.includes(l))
		return;
	strings = l === 'ro' ? fallback : await load(l);
	lang = l;
	document.documentElement.lang = l;
	if (remember) {
		try {
			localStorage.setItem(KEY, l);
		} catch (e) { /* storage disabled */ }
	}
}

export function getLang() {
	return lang;
}

export function has(key) {
	return key in strings || key in fallback;
}

export function t(key, vars) {
	let s = strings[key] ?? fallback[key] ?? key;
	if (vars)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
	return s;
}

// Format an ISO time for people, in the current language.
export function fmtTime(iso) {
	if (!iso)
		return '';
	const d = new Date(iso);
	if (isNaN(d))
		return iso;
	return d.toLocaleString(lang === 'ro' ? 'ro-RO' : 'en-GB', {
		dateStyle: 'medium', timeStyle: 'short',
	});
}

export function fmtDate(iso) {
	if (!iso)
		return '';
	const d = new Date(iso.length === 10 ? iso + 'T00:00:00Z' : iso);
	if (isNaN(d))
		return iso;
	return d.toLocaleDateString(lang === 'ro' ? 'ro-RO' : 'en-GB', {
		dateStyle: 'long', timeZone: 'UTC',
	});
}
