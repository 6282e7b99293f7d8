// legal.js: the legal texts come from one source, the server (data/legal):
// GET /api/v1/legal gives each document's title, version and page/PDF
// addresses in a language, and the provider's identity. The footer, the
// registration form and the checkout link to them from here.
import { t, getLang } from './i18n.js';
import * as C from './contract.js';
import { h } from './ui.js';

// The consumer-protection links every Romanian shop shows (ANPC Order
// 449/2022): alternative (SAL) and online (SOL) dispute resolution.
export const ANPC = {
	sal: 'https://anpc.ro/ce-este-sal/',
	sol: 'https://ec.europa.eu/consumers/odr',
};

const cache = new Map();

// -> {docs: {privacy|terms|shop: {doc, version, title, html, pdf}}, provider}
export async function legalTexts(lang = getLang()) {
	if (!cache.has(lang)) {
		const p = C.legal(lang).then((r) => ({
			docs: Object.fromEntries((r.documents || []).map((d) => [d.doc, d])),
			provider: r.provider || null,
		}));
		cache.set(lang, p);
		p.catch(() => cache.delete(lang));
	}
	return cache.get(lang);
}

// A link to a legal page (a server page, not a route of the app); in a
// new tab where a form is being filled.
export function legalLink(d, id, opts = {}) {
	return h('a', {
		href: d.html, id, class: 'legal-link',
		target: opts.newTab ? '_blank' : undefined,
		rel: opts.newTab ? 'noopener' : undefined,
	}, opts.text || d.title);
}

// The footer of every page: the legal texts in the current language and
// the consumer-protection links. Renders may overlap (the language changed
// while the first one waited for its texts): only the newest is drawn.
let footerGen = 0;
export async function renderFooter() {
	const nav = document.getElementById('footer-legal');
	if (!nav)
		return;
	const gen = ++footerGen;
	nav.setAttribute('aria-label', t('foot.legal'));
	let L = null;
	try {
		L = await legalTexts();
	} catch (e) {
		L = null;
	}
	if (gen !== footerGen)
		return;
	const items = [];
	for (const doc of ['privacy', 'terms', 'shop']) {
		const d = L && L.docs[doc];
		if (d)
			items.push(h('li', {}, legalLink(d, 'foot-' + doc)));
	}
	items.push(h('li', {}, h('a', { href: '/registry', 'data-link': true, id: 'foot-registry' }, t('pubreg.title'))));
	items.push(h('li', {}, h('a', { href: '/contact', 'data-link': true, id: 'foot-contact' }, t('contact.title'))));
	items.push(h('li', {}, h('a', { href: '/validate', 'data-link': true, id: 'foot-validate' }, t('val.title'))));
	items.push(h('li', {}, h('a', { href: ANPC.sal, id: 'foot-anpc-sal', rel: 'noopener' }, t('foot.anpc_sal'))));
	items.push(h('li', {}, h('a', { href: ANPC.sol, id: 'foot-anpc-sol', rel: 'noopener' }, t('foot.anpc_sol'))));
	nav.replaceChildren(h('ul', {}, items));
}

// The seller's identity (checkout, conditions of sale).
export function sellerBlock(provider) {
	if (!provider || !provider.name)
		return null;
	const line = (k, v) => (v ? [h('dt', {}, t(k)), h('dd', {}, v)] : null);
	return h('dl', { class: 'kv seller', id: 'co-seller' },
	    line('seller.name', provider.name),
	    line('seller.cui', provider.cui),
	    line('seller.reg', provider.reg_no),
	    line('seller.address', provider.address),
	    line('seller.email', provider.email),
	    line('seller.phone', provider.phone));
}

// The text of a legal page (d.html) as our own nodes, for reading inside
// the app (the GDPR notice screen): the server's page is parsed inert
// and only headings, paragraphs, lists, bold and links are rebuilt, as
// text; nothing of it runs or is inserted as HTML.
const KEEP = { H2: 'h2', H3: 'h3', P: 'p', UL: 'ul', OL: 'ol', LI: 'li', STRONG: 'strong', EM: 'em', A: 'a', BR: 'br' };

function rebuild(src) {
	const out = [];
	for (const n of src.childNodes) {
		if (n.nodeType === Node.TEXT_NODE) {
			out.push(document.createTextNode(n.textContent));
			continue;
		}
		if (n.nodeType !== Node.ELEMENT_NODE)
			continue;
		const tag = KEEP[n.tagName];
		if (!tag) {
			out.push(...rebuild(n));
			continue;
		}
		const attrs = {};
		if (tag === 'a') {
			const href = n.getAttribute('href') || '';
			if (!/^(https?:|mailto:|\/)/i.test(href)) {
				out.push(...rebuild(n));
				continue;
			}
			attrs.href = href;
			attrs.rel = 'noopener';
			attrs.target = '_blank';
		}
		out.push(h(tag, attrs, rebuild(n)));
	}
	return out;
}

export async function legalBody(d) {
	const r = await fetch(d.html, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
	if (!r.ok)
		throw new Error('HTTP ' + r.status);
	const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
	const art = doc.querySelector('article') || doc.body;
	for (const x of art.querySelectorAll('h1, #legal-version'))
		x.remove();
	return rebuild(art);
}
