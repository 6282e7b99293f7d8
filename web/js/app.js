// app.js: starts the app: strings, the page chrome, links that stay in
// the app, the back button, the language switch. Pages are functions
// (ctx) -> Promise<Node> under pages/ (one file per journey) and ops/
// (the operator area); router.js decides which one shows.
import { initI18n } from './i18n.js';
import { h } from './ui.js';
import { applyChrome } from './chrome.js';
import { render, go, switchLang } from './router.js';

document.addEventListener('click', (ev) => {
	const a = ev.target.closest('a[data-link]');
	if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || a.hasAttribute('download'))
		return;
	const url = new URL(a.href, location.href);
	if (url.origin !== location.origin)
		return;
	ev.preventDefault();
	go(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', render);

async function main() {
	await initI18n();
	applyChrome();
	// Enabled only now: a choice made before the strings and the handler
	// were there would be reset by applyChrome and lost.
	const sel = document.getElementById('lang-select');
	sel.addEventListener('change', (ev) => switchLang(ev.target.value));
	sel.disabled = false;
	await render();
}

main().catch((e) => {
	document.getElementById('main').replaceChildren(
	    h('p', { class: 'notice warn' }, 'Error: ' + (e && e.message)));
});
