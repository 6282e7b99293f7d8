// formstate.js: what a person typed survives a reload, a language switch
// (the page is built again) and the way back from the payment page. The
// values live in sessionStorage (this tab only, gone when it closes),
// keyed by page; passwords and one-time codes are never kept.
const PREFIX = 'pc_form:';

function load(key) {
	try {
		return JSON.parse(sessionStorage.getItem(PREFIX + key) || '{}') || {};
	} catch (e) {
		return {};
	}
}

function store(key, data) {
	try {
		sessionStorage.setItem(PREFIX + key, JSON.stringify(data));
	} catch (e) { /* storage full or disabled: nothing kept */ }
}

function keepable(el) {
	return el.id && !el.hasAttribute('data-nokeep') && el.type !== 'password' &&
	    el.type !== 'file' && el.autocomplete !== 'one-time-code';
}

// Restore the fields under root from the saved state of key, then save
// every change. Returns {get(name), set(name, value), clear()} for the
// page's own state (e.g. the chosen invoice kind, the order id).
export function keepForm(key, root) {
	const data = load(key);
	const fields = data.fields || {};
	for (const el of root.querySelectorAll('input, select, textarea')) {
		if (!keepable(el) || !(el.id in fields))
			continue;
		if (el.type === 'checkbox' || el.type === 'radio')
			el.checked = !!fields[el.id];
		else
			el.value = fields[el.id];
	}
	const save = (ev) => {
		const el = ev.target;
		if (!el || !keepable(el))
			return;
		const d = load(key);
		d.fields = d.fields || {};
		if (el.type === 'radio' && el.name) {
			for (const r of root.querySelectorAll('input[type=radio]'))
				if (r.name === el.name && r.id)
					d.fields[r.id] = r.checked;
		} else {
			d.fields[el.id] = el.type === 'checkbox' ? el.checked : el.value;
		}
		store(key, d);
	};
	root.addEventListener('input', save);
	root.addEventListener('change', save);
	return {
		get: (name) => (load(key).extra || {})[name],
		set: (name, value) => {
			const d = load(key);
			d.extra = d.extra || {};
			if (value === undefined || value === null)
				delete d.extra[name];
			else
				d.extra[name] = value;
			store(key, d);
		},
		has: (id) => id in (load(key).fields || {}),
		clear: () => forget(key),
	};
}

// A value the page keeps with the form of key (see keepForm's set()).
export function keptValue(key, name) {
	return (load(key).extra || {})[name];
}

export function forget(key) {
	try {
		sessionStorage.removeItem(PREFIX + key);
	} catch (e) { /* storage disabled */ }
}
