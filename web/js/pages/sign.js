// sign.js: J9, signing in the browser (/sign). One batch per visit, kept
// for this browser session (a reload comes back to it): files added with
// the button or dropped on the page, sent one after the other with their
// progress (XHR); each PDF checked by the server at once and its refusal
// shown next to it (the rest of the batch goes on); delete; for a PDF,
// optionally a visible signature placed on a page (signplace.js);
// "continue" (PDFs PAdES, others .p7s) or ".p7s for all"; then the
// certificate that will sign and the transactions needed and left, the
// help (which can be hidden for good), one code for the whole batch;
// the download page is signdone.js.
import { t } from '../i18n.js';
import { ApiError, errorText } from '../api.js';
import * as C from '../contract.js';
import { h, page, notice, button, busy, statusBox, setStatus, linkButton, link, kv, every } from '../ui.js';
import { codeStep } from '../steps.js';
import { placeView } from '../signplace.js';
import { doneView } from '../signdone.js';
import { fmtSize, formatText, intakeText, placementText, certRows } from '../signview.js';

const MAX_FILES = 20;
const MAX_SIZE = 25 * 1024 * 1024;

function store(kind, key, v) {
	try {
		if (v === undefined)
			return kind.getItem(key);
		if (v === null)
			kind.removeItem(key);
		else
			kind.setItem(key, v);
	} catch (e) { /* storage disabled */ }
	return null;
}

export async function sign(ctx) {
	const uid = (ctx.session.user && ctx.session.user.id) || '';
	const batchKey = 'pc_sign_batch:' + uid;
	const helpKey = 'pc_sign_help_hidden:' + uid;
	const body = h('div', { id: 'sign-body' });
	const card = page('sign.title', body);
	card.classList.add('mid');
	let b = null;			// the SignBatch
	const queue = [];		// files waiting to be sent: {key, file, row}
	let sending = false;
	let nextKey = 0;

	const show = (...kids) => {
		body.replaceChildren(...kids.filter(Boolean));
	};

	// ---- the files ---------------------------------------------------------------
	const list = h('ul', { class: 'files', id: 'sign-list', 'aria-live': 'polite' });
	const status = statusBox('sign-status');
	const input = h('input', { type: 'file', id: 'sign-input', multiple: true, class: 'sr-only', tabindex: '-1' });
	const pick = button('sign.pick', { type: 'button', id: 'sign-pick' });
	const drop = h('div', { class: 'drop', id: 'sign-drop' },
	    h('p', { class: 'drop-text' }, t('sign.drop')), pick, input,
	    h('p', { class: 'hint' }, t('sign.limits', { n: MAX_FILES, mb: MAX_SIZE / 1048576 })));
	const left = h('p', { id: 'sign-quota', class: 'muted' });
	const cont = button('sign.continue', { type: 'button', id: 'sign-continue' });
	const p7s = h('button', { type: 'button', id: 'sign-p7s-all', class: 'menu-item' }, t('sign.p7s_all'));
	const more = h('details', { class: 'split-more', id: 'sign-more' },
	    h('summary', { id: 'sign-more-btn', 'aria-label': t('sign.more') }, ''),
	    h('div', { class: 'split-menu' }, p7s, h('p', { class: 'hint' }, t('sign.p7s_all_hint'))));
	const split = h('div', { class: 'split', role: 'group', 'aria-label': t('sign.continue') }, cont, more);

	const fileRow = (f) => {
		const act = h('div', { class: 'actions compact' });
		if (f.state === 'ready' && f.format === 'pades') {
			act.append(button(f.placement ? 'sign.place_change' : 'sign.place', {
				type: 'button', kind: 'secondary', id: 'sign-place-' + f.index, onclick: () => placing(f),
			}));
		}
		act.append(button('sign.remove', {
			type: 'button', kind: 'secondary', id: 'sign-del-' + f.index,
			onclick: (ev) => busy(ev.currentTarget, async () => {
				try {
					b = await C.signRemove(b.id, f.index);
					renderList();
				} catch (e) {
					setStatus(status, errorText(e), 'err');
				}
			}),
		}));
		const refused = f.state === 'refused' || f.state === 'failed';
		return h('li', { class: 'file ' + f.state, id: 'sign-file-' + f.index, 'data-state': f.state, 'data-name': f.name },
		    h('p', { class: 'file-name' }, f.name, ' ', h('span', { class: 'muted' }, fmtSize(f.size))),
		    h('p', { class: 'file-fmt' }, formatText(f),
			f.state === 'ready' && f.format === 'pades' ? [' · ', h('span', { id: 'sign-file-' + f.index + '-box' }, placementText(f))] : null),
		    refused ? h('p', { class: 'file-refused', id: 'sign-file-' + f.index + '-intake', 'data-code': f.intake || '' },
			intakeText(f.intake)) : null,
		    act);
	};
	const upRow = (u) => {
		u.bar = h('progress', { id: 'sign-up-' + u.key + '-progress', max: String(u.file.size || 1), value: '0' });
		u.text = h('span', { class: 'muted', id: 'sign-up-' + u.key + '-text' }, t('sign.waiting'));
		u.err = h('p', { class: 'file-refused', id: 'sign-up-' + u.key + '-err', hidden: true });
		u.row = h('li', { class: 'file uploading', id: 'sign-up-' + u.key, 'data-name': u.file.name },
		    h('p', { class: 'file-name' }, u.file.name, ' ', h('span', { class: 'muted' }, fmtSize(u.file.size))),
		    h('label', { class: 'sr-only', for: 'sign-up-' + u.key + '-progress' }, t('sign.progress', { name: u.file.name })),
		    u.bar, ' ', u.text, u.err);
		return u.row;
	};
	const failRow = (u, text) => {
		u.failed = true;
		u.bar.remove();
		u.text.remove();
		u.err.hidden = false;
		u.err.textContent = text;
		u.row.classList.add('refused');
		u.row.append(h('div', { class: 'actions compact' }, button('sign.dismiss', {
			type: 'button', kind: 'secondary', id: 'sign-up-' + u.key + '-dismiss',
			onclick: () => {
				uploads.delete(u.key);
				renderList();
			},
		})));
	};
	const uploads = new Map();	// rows not (yet) in the batch
	const renderList = () => {
		const files = b ? b.files : [];
		list.replaceChildren(...files.map(fileRow), ...[...uploads.values()].map((u) => u.row));
		list.hidden = list.childElementCount === 0;
		const c = b && b.certificate;
		left.textContent = c ? t('sign.quota_line', { left: c.transactions_left, needed: c.transactions_needed }) : '';
		const ready = files.filter((f) => f.state === 'ready').length;
		cont.disabled = sending || files.length === 0;
		p7s.disabled = sending || files.length === 0;
		cont.textContent = ready ? t('sign.continue_n', { n: ready }) : t('sign.continue');
	};

	const send = async () => {
		if (sending)
			return;
		sending = true;
		renderList();
		while (queue.length) {
			const u = queue.shift();
			u.text.textContent = '0 %';
			try {
				b = await C.signUpload(b.id, u.file.name, u.file, (loaded, total) => {
					u.bar.max = total || 1;
					u.bar.value = loaded;
					u.text.textContent = Math.floor((100 * loaded) / (total || 1)) + ' %';
				});
				uploads.delete(u.key);
			} catch (e) {
				failRow(u, upError(e));
			}
			renderList();
		}
		sending = false;
		renderList();
	};
	const upError = (e) => (e instanceof ApiError && ['file_too_large', 'file_empty', 'batch_full'].includes(e.code)
	    ? t('sign.up_' + e.code, { mb: MAX_SIZE / 1048576, n: MAX_FILES }) : errorText(e));
	const add = (files) => {
		setStatus(status, '');
		for (const file of files) {
			const u = { key: nextKey++, file };
			upRow(u);
			uploads.set(u.key, u);
			const held = b.files.length + [...uploads.values()].filter((x) => !x.failed).length;
			if (file.size > MAX_SIZE)
				failRow(u, t('sign.up_file_too_large', { mb: MAX_SIZE / 1048576 }));
			else if (file.size === 0)
				failRow(u, t('sign.up_file_empty'));
			else if (held > MAX_FILES)
				failRow(u, t('sign.up_batch_full', { n: MAX_FILES }));
			else
				queue.push(u);
		}
		renderList();
		send();
	};
	pick.addEventListener('click', () => input.click());
	input.addEventListener('change', () => {
		add([...input.files]);
		input.value = '';
	});
	for (const ev of ['dragenter', 'dragover'])
		drop.addEventListener(ev, (e) => {
			e.preventDefault();
			drop.classList.add('over');
		});
	drop.addEventListener('dragleave', () => drop.classList.remove('over'));
	drop.addEventListener('drop', (e) => {
		e.preventDefault();
		drop.classList.remove('over');
		if (e.dataTransfer && e.dataTransfer.files.length)
			add([...e.dataTransfer.files]);
	});

	const filesView = () => {
		renderList();
		show(h('p', { class: 'lead' }, t('sign.intro')), drop, list, left,
		    h('div', { class: 'actions' }, split), status,
		    h('p', { class: 'muted' }, link('/history', 'nav.history', 'sign-history')));
	};
	const placing = (f) => {
		show(placeView({
			batch: b, file: f,
			onDone: (nb) => {
				b = nb;
				filesView();
				setStatus(status, t('sign.place_saved', { name: f.name }), 'ok');
			},
			onBack: () => filesView(),
		}));
	};

	cont.addEventListener('click', () => {
		if (!b.files.some((f) => f.state === 'ready')) {
			setStatus(status, t('err.nothing_to_sign'), 'err');
			return;
		}
		confirmView();
	});
	p7s.addEventListener('click', () => busy(p7s, async () => {
		more.open = false;
		try {
			b = await C.signAllP7s(b.id);
			confirmView();
		} catch (e) {
			setStatus(status, errorText(e), 'err');
		}
	}));

	// ---- the certificate, the quota, the code -----------------------------------------------
	// The signing under way: each file's state as the server's worker
	// pool reports it (pending, signing, signed, failed), done of total.
	const waiting = (n) => {
		const started = Date.now();
		const secs = h('span', { id: 'sign-elapsed', class: 'timer' }, '0');
		const stop = every(1000, () => {
			secs.textContent = String(Math.round((Date.now() - started) / 1000));
		});
		const bar = h('progress', { id: 'sign-progress', 'aria-label': t('sign.wait_title', { n }) });
		const count = h('p', { id: 'sign-count' });
		const list = h('ul', { class: 'files plain', id: 'sign-file-progress' });
		show(h('div', { id: 'sign-wait', role: 'status', 'aria-live': 'polite' },
		    h('h2', {}, t('sign.wait_title', { n })), bar, count, list,
		    h('p', {}, t('sign.wait_text')),
		    h('p', { class: 'muted' }, t('iss.elapsed'), ' ', secs, ' s')));
		const update = (nb) => {
			const p = nb && nb.progress;
			if (!p || !p.total)
				return;
			bar.max = p.total;
			bar.value = p.done;
			count.textContent = t('sign.wait_count', { done: p.done, total: p.total });
			list.replaceChildren(...nb.files.filter((f) => ['pending', 'signing', 'signed', 'failed'].includes(f.state))
			    .map((f) => h('li', { 'data-name': f.name, 'data-state': f.state },
				h('strong', {}, f.name), ' — ',
				f.state === 'failed' ? t('sign.fst_failed', { why: intakeText(f.error || 'sign_failed') }) : t('sign.fst_' + f.state))));
		};
		return { stop, update };
	};
	// Poll the batch while the pool signs it; then the download page (or
	// the files again when it was interrupted and opened again).
	const follow = (w) => {
		w.update(b);
		let asking = false;
		const poll = every(700, async () => {
			if (asking)
				return;
			asking = true;
			const nb = await C.signBatch(b.id).catch(() => null);
			asking = false;
			if (!nb)
				return;
			w.update(nb);
			if (nb.state !== 'signing') {
				poll();
				w.stop();
				b = nb;
				if (b.state === 'done')
					finished();
				else
					filesView();
			}
		});
	};
	const confirmView = (err) => {
		const c = b.certificate;
		const ready = b.files.filter((f) => f.state === 'ready');
		const refused = b.files.filter((f) => f.state !== 'ready');
		const expired = new Date(c.not_after) < new Date();
		const short = c.transactions_needed > c.transactions_left;
		const kids = [
			h('h2', {}, t('sign.cert_title')), certRows(c, 'sign-cert'),
			h('h2', {}, t('sign.what_title')),
			h('ul', { class: 'files plain', id: 'sign-todo' }, ready.map((f) => h('li', { 'data-name': f.name },
			    h('strong', {}, f.name), ' — ', formatText(f), f.format === 'pades' ? ', ' + placementText(f) : ''))),
			refused.length ? h('div', { id: 'sign-skipped' }, h('p', {}, t('sign.skipped')),
			    h('ul', { class: 'files plain' }, refused.map((f) => h('li', {}, h('strong', {}, f.name), ' — ', intakeText(f.intake))))) : null,
			kv([['sign.needed', String(c.transactions_needed), 'sign-needed'],
				['sign.left', String(c.transactions_left), 'sign-left']], 'sign-quota-box'),
			h('p', { class: 'muted', id: 'sign-needed-hint' }, t(b.level === 'B-LTA' ? 'sign.needed_hint' : 'sign.needed_hint_bt')),
		];
		const back = button('common.back', { type: 'button', kind: 'link', id: 'sign-back', onclick: () => filesView() });
		if (expired || short) {
			kids.push(notice(t(expired ? 'err.cert_expired' : 'sign.quota_short', {
				needed: c.transactions_needed, left: c.transactions_left,
			}), 'warn', expired ? 'sign-expired' : 'sign-short'),
			expired ? null : h('p', {}, link('/shop', 'nav.shop', 'sign-buy')), h('p', {}, back));
			show(...kids);
			return;
		}
		const hidden = store(localStorage, helpKey) === '1';
		const hide = h('input', { type: 'checkbox', id: 'sign-help-hide' });
		hide.addEventListener('change', () => store(localStorage, helpKey, hide.checked ? '1' : null));
		const help = h('details', { class: 'help', id: 'sign-help', open: !hidden },
		    h('summary', {}, t('sign.help_title')),
		    h('ol', { class: 'steps' }, ['open', 'type', 'once'].map((k) => h('li', {}, t('sign.help_' + k, { n: ready.length })))),
		    hidden ? null : h('div', { class: 'check' }, hide, h('label', { for: 'sign-help-hide' }, t('sign.help_hide'))));
		const cs = codeStep({
			id: 'sign-code', sent: {}, labelKey: 'si.totp_label', hintKey: 'si.totp_hint',
			submitKey: 'sign.sign_now', introKeyUnknown: 'sign.code_intro',
			submit: async (code) => {
				const w = waiting(ready.length);
				try {
					b = await C.signBatchCode(b.id, code);
				} catch (e) {
					w.stop();
					// What the server says now: a refused code counts nothing.
					b = await C.signBatch(b.id).catch(() => b);
					if (b.state === 'open') {
						confirmView(e);
						return;
					}
					throw e;
				}
				// Authorized (202): the server signs on, the page follows.
				if (b.state === 'signing') {
					follow(w);
					return;
				}
				w.stop();
				finished();
			},
		});
		cs.submitBtn = cs.el.querySelector('#sign-code-submit');
		cs.submitBtn.textContent = t('sign.sign_n', { n: ready.length });
		kids.push(help, cs.el, h('p', {}, back));
		show(...kids);
		if (err) {
			const f = cs.el.querySelector('#sign-code-err');
			f.textContent = errorText(err);
			cs.input.setAttribute('aria-invalid', 'true');
		}
		cs.input.focus();
	};

	// ---- signed -----------------------------------------------------------------------------
	const again = async () => {
		store(sessionStorage, batchKey, null);
		await start();
	};
	const finished = () => {
		show(doneView({ batch: b, onAgain: again }));
	};
	const signingNow = () => {
		follow(waiting(b.progress && b.progress.total ? b.progress.total : b.files.length));
	};

	const start = async () => {
		const kept = store(sessionStorage, batchKey);
		b = null;
		if (kept)
			b = await C.signBatch(kept).catch(() => null);
		// A batch signed and downloaded already: a new one.
		if (b && b.state === 'done' && !b.files.some((f) => f.downloadable))
			b = null;
		if (!b) {
			try {
				b = await C.signNew();
			} catch (e) {
				const code = e instanceof ApiError ? e.code : '';
				show(notice(errorText(e), 'warn', 'sign-refused'),
				    code === 'issuance_not_ready' ? h('div', { class: 'actions' }, linkButton('/issue', 'iss.box_go', 'sign-issue')) : null,
				    code === 'cert_expired' ? h('div', { class: 'actions' }, linkButton('/shop', 'sign.reissue', 'sign-reissue')) : null,
				    code === 'cert_suspended' ? h('div', { class: 'actions' }, linkButton('/settings', 'nav.settings', 'sign-resume')) : null);
				return;
			}
			store(sessionStorage, batchKey, b.id);
		}
		uploads.clear();
		if (b.state === 'done')
			finished();
		else if (b.state === 'signing')
			signingNow();
		else
			filesView();
	};
	await start();
	return card;
}
