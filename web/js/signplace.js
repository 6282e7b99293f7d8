// signplace.js: the visible signature's box on a page of a PDF (J9). The
// server renders the page (MuPDF, PNG at 96 dpi) and says how many pages
// the file has (X-Pdf-Pages) and the page's size in points
// (X-Pdf-Page-Size); the person drags a rectangle over the picture (mouse,
// pen or finger: pointer events), or takes the default place (bottom
// right, for the keyboard); the rectangle is kept as fractions of the
// picture, so the picture's size on screen does not matter, and sent in
// PDF points with the origin at the page's bottom-left corner. The
// server checks the box against the file (bad_placement). An appearance
// profile of the person's (OUG 140/2020: professional lines and an image,
// made in Settings) may be chosen for the box.
import { t } from './i18n.js';
import { errorText } from './api.js';
import * as C from './contract.js';
import { h, button, busy, statusBox, setStatus } from './ui.js';

// Below this (points) the signature's text would not be readable.
const MIN_W = 36, MIN_H = 18;
// The default box: 200 x 60 pt, 36 pt from the bottom-right corner.
const DEF_W = 200, DEF_H = 60, DEF_M = 36;

const clamp = (v) => Math.min(1, Math.max(0, v));

// A box of fractions {x0, y0, x1, y1} (top-left origin, as on screen) in
// PDF points (bottom-left origin), whole points inside the page.
export function toPoints(f, width, height) {
	const x = Math.round(f.x0 * width);
	const w = Math.round(f.x1 * width) - x;
	const y = Math.round(height - f.y1 * height);
	const top = Math.round(height - f.y0 * height);
	return { x, y, w, h: top - y };
}

// The other way: a placement in points as fractions of the page.
function toFractions(p, width, height) {
	return {
		x0: clamp(p.x / width), x1: clamp((p.x + p.w) / width),
		y0: clamp((height - p.y - p.h) / height), y1: clamp((height - p.y) / height),
	};
}

// o: {batch, file, onDone(batch), onBack()} -> the view (a node).
export function placeView(o) {
	const { batch, file } = o;
	const pl = file.placement;
	let pageNo = pl && pl.page ? pl.page : 1;
	let size = { width: 0, height: 0 };
	let frac = null;		// the box drawn, as fractions
	let pages = 1;

	const sel = h('select', { id: 'sign-page', class: 'input' });
	const apSel = h('select', { id: 'sign-appearance', class: 'input' },
	    h('option', { value: '' }, t('sign.appearance_none')));
	C.appearances().then((r) => {
		for (const p of r.profiles || [])
			apSel.append(h('option', { value: p.id }, p.name));
		apSel.value = pl && pl.appearance ? pl.appearance : '';
	}).catch(() => {});
	const img = h('img', { id: 'sign-page-img', alt: '', draggable: 'false' });
	const box = h('div', { id: 'sign-box', class: 'place-box', hidden: true, 'aria-hidden': 'true' });
	const surface = h('div', { id: 'sign-surface', class: 'place-surface', 'data-ready': 'false' }, img, box);
	const pts = h('p', { id: 'sign-box-pts', class: 'muted', 'aria-live': 'polite' });
	const status = statusBox('sign-place-status');
	const save = button('sign.place_save', { type: 'button', id: 'sign-place-save' });
	const def = button('sign.place_default', { type: 'button', kind: 'secondary', id: 'sign-place-default' });
	const none = button('sign.place_none', { type: 'button', kind: 'secondary', id: 'sign-place-none' });
	const back = button('common.back', { type: 'button', kind: 'link', id: 'sign-place-back' });

	const draw = () => {
		if (!frac) {
			box.hidden = true;
			pts.textContent = t('sign.place_none_yet');
			return;
		}
		box.hidden = false;
		box.style.left = (frac.x0 * 100) + '%';
		box.style.top = (frac.y0 * 100) + '%';
		box.style.width = ((frac.x1 - frac.x0) * 100) + '%';
		box.style.height = ((frac.y1 - frac.y0) * 100) + '%';
		const p = toPoints(frac, size.width, size.height);
		pts.textContent = t('sign.place_pts', { page: pageNo, x: p.x, y: p.y, w: p.w, h: p.h });
		pts.dataset.page = String(pageNo);
		for (const k of ['x', 'y', 'w', 'h'])
			pts.dataset[k] = String(p[k]);
	};

	const load = async (n) => {
		surface.dataset.ready = 'false';
		setStatus(status, t('sign.place_loading'));
		let r;
		try {
			r = await C.signPage(batch.id, file.index, n);
		} catch (e) {
			setStatus(status, errorText(e), 'err');
			return;
		}
		pageNo = n;
		pages = r.pages;
		size = { width: r.width, height: r.height };
		if (sel.options.length !== pages)
			sel.replaceChildren(...Array.from({ length: pages }, (_, i) =>
				h('option', { value: String(i + 1) }, t('sign.page_n', { n: i + 1, of: pages }))));
		sel.value = String(pageNo);
		img.alt = t('sign.page_alt', { n: pageNo, name: file.name });
		await new Promise((resolve) => {
			img.onload = resolve;
			img.onerror = resolve;
			img.src = r.url;
		});
		frac = pl && pl.page === pageNo ? toFractions(pl, size.width, size.height) : null;
		draw();
		setStatus(status, '');
		surface.dataset.ready = 'true';
	};
	sel.addEventListener('change', () => load(Number(sel.value)));

	// Dragging: the corner where the pointer went down and where it is.
	let start = null;
	const at = (ev) => {
		const r = img.getBoundingClientRect();
		return { x: clamp((ev.clientX - r.left) / r.width), y: clamp((ev.clientY - r.top) / r.height) };
	};
	const span = (a, b) => ({
		x0: Math.min(a.x, b.x), x1: Math.max(a.x, b.x), y0: Math.min(a.y, b.y), y1: Math.max(a.y, b.y),
	});
	surface.addEventListener('pointerdown', (ev) => {
		if (surface.dataset.ready !== 'true' || ev.button !== 0)
			return;
		ev.preventDefault();
		surface.setPointerCapture(ev.pointerId);
		start = at(ev);
		frac = span(start, start);
		setStatus(status, '');
		draw();
	});
	surface.addEventListener('pointermove', (ev) => {
		if (!start)
			return;
		frac = span(start, at(ev));
		draw();
	});
	const end = (ev) => {
		if (!start)
			return;
		frac = span(start, at(ev));
		start = null;
		draw();
	};
	surface.addEventListener('pointerup', end);
	surface.addEventListener('pointercancel', end);

	def.addEventListener('click', () => {
		const w = Math.min(DEF_W, size.width - 2 * DEF_M), hh = Math.min(DEF_H, size.height - 2 * DEF_M);
		frac = toFractions({ x: size.width - DEF_M - w, y: DEF_M, w, h: hh }, size.width, size.height);
		setStatus(status, '');
		draw();
	});
	save.addEventListener('click', () => busy(save, async () => {
		if (!frac) {
			setStatus(status, t('sign.place_draw_first'), 'err');
			return;
		}
		const p = toPoints(frac, size.width, size.height);
		if (p.w < MIN_W || p.h < MIN_H) {
			setStatus(status, t('sign.place_small', { w: MIN_W, h: MIN_H }), 'err');
			return;
		}
		try {
			const box = { visible: true, page: pageNo, ...p };
			if (apSel.value)
				box.appearance = apSel.value;
			o.onDone(await C.signPlace(batch.id, file.index, box));
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	none.addEventListener('click', () => busy(none, async () => {
		try {
			o.onDone(await C.signPlace(batch.id, file.index, { visible: false }));
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));
	back.addEventListener('click', () => o.onBack());

	load(pageNo);
	return h('div', { id: 'sign-place' },
	    h('h2', {}, t('sign.place_title', { name: file.name })),
	    h('p', {}, t('sign.place_intro')),
	    h('div', { class: 'field' }, h('label', { for: 'sign-page' }, t('sign.page')), sel),
	    h('div', { class: 'field' }, h('label', { for: 'sign-appearance' }, t('sign.appearance')), apSel,
		h('p', { class: 'hint' }, t('sign.appearance_hint'))),
	    surface, pts,
	    h('div', { class: 'actions' }, save, def, none, back), status);
}
