/*
 * verify_diff.c: what changed in a PDF after a signature. The signed
 * revision (the first rev_end bytes) is opened as a document of its own
 * and compared with the whole file object by object: an object whose
 * xref entry points at the same bytes is unchanged; the others are new,
 * rewritten or deleted, and each is explained or not:
 *
 *   allowed   new signature fields, their widgets, values and appearance
 *             streams (unless DocMDP P=1); a signature field signed, or a
 *             form field filled (V, AS, AP) when no signature locks it
 *             (FieldMDP, the author's /Lock, DocMDP P=1); the page's
 *             /Annots growing by those widgets; AcroForm /Fields growing
 *             by them, /SigFlags, /DR, /DA, /NeedAppearances; the /DSS and
 *             all under it; document timestamps; /Info and /Metadata;
 *             annotations added, changed or removed only under DocMDP P=3;
 *             object and xref streams; objects nothing refers to.
 *   not       anything else: content streams, resources, pages added or
 *             removed, page tree, catalog entries, other annotations, a
 *             signature value replaced, a locked field changed.
 *
 * Each change is reported with its page when it belongs to one.
 */
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/pades_io.h"
#include "sign/pdf_intake.h"
#include "sign/verify_int.h"

#define DIFF_DEPTH 24
#define DIFF_PAGES_MAP 10000 /* pages walked to attribute an object */

enum {
	D_SAME = 0,
	D_NEW,
	D_MOD,
	D_DEL,
};

struct diff {
	fz_context *ctx;
	pdf_document *od, *nd; /* old revision, the whole file */
	int n;                 /* objects compared */
	unsigned char *st;     /* D_* per object */
	unsigned char *ok;     /* explained (allowed or reported) */
	int *page;             /* page of an object (lazy), 0: none */
	bool paged;
	struct sign_vsig *s;
	int docmdp;
	pdf_obj **locks;
	int nlocks;
};

static void note(struct diff *d, int obj, int page, bool allowed,
    const char *fmt, ...) PC_PRINTF(5, 6);

static void
note(struct diff *d, int obj, int page, bool allowed, const char *fmt, ...)
{
	struct sign_vchange *c;
	va_list ap;

	if (!allowed && d->s->changes.st != SIGN_CHK_FAILED) {
		va_start(ap, fmt);
		vsnprintf(
		    d->s->changes.msg, sizeof(d->s->changes.msg), fmt, ap);
		va_end(ap);
		d->s->changes.st = SIGN_CHK_FAILED;
	}
	if (d->s->nchanges >= SIGN_VCHANGES_MAX) {
		d->s->changes_more = true;
		return;
	}
	c = &d->s->change[d->s->nchanges++];
	c->obj = obj;
	c->page = page;
	c->allowed = allowed;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
}

static bool
same_entry(
    fz_context *ctx, pdf_document *od, pdf_document *nd, int num, int depth)
{
	pdf_xref_entry *a, *b;

	if (num >= pdf_xref_len(ctx, od))
		return false;
	a = pdf_get_xref_entry(ctx, od, num);
	b = pdf_get_xref_entry(ctx, nd, num);
	if (a == NULL || b == NULL || a->type != b->type)
		return false;
	if (a->type == 'n')
		return a->ofs == b->ofs && a->gen == b->gen;
	if (a->type == 'o')
		return depth < 2 && a->ofs == b->ofs && a->gen == b->gen &&
		       same_entry(ctx, od, nd, (int)a->ofs, depth + 1);
	return true;
}

/* Same dictionary/array and same raw stream bytes. */
static bool
same_content(fz_context *ctx, pdf_document *od, pdf_document *nd, int num)
{
	pdf_obj *a = NULL, *b = NULL;
	fz_buffer *ba = NULL, *bb = NULL;
	volatile bool same = false;

	fz_var(a);
	fz_var(b);
	fz_var(ba);
	fz_var(bb);
	fz_try(ctx)
	{
		a = pdf_load_object(ctx, od, num);
		b = pdf_load_object(ctx, nd, num);
		same = pdf_objcmp(ctx, a, b) == 0;
		if (same && pdf_is_stream(ctx, a)) {
			ba = pdf_load_raw_stream_number(ctx, od, num);
			bb = pdf_load_raw_stream_number(ctx, nd, num);
			same = ba->len == bb->len &&
			       memcmp(ba->data, bb->data, ba->len) == 0;
		}
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, a);
		pdf_drop_obj(ctx, b);
		fz_drop_buffer(ctx, ba);
		fz_drop_buffer(ctx, bb);
	}
	fz_catch(ctx)
	{
		same = false;
	}
	return same;
}

static bool
exists(fz_context *ctx, pdf_document *doc, int num)
{
	pdf_xref_entry *e;

	if (num <= 0 || num >= pdf_xref_len(ctx, doc))
		return false;
	e = pdf_get_xref_entry(ctx, doc, num);
	return e != NULL && (e->type == 'n' || e->type == 'o');
}

static int
num_of(struct diff *d, pdf_obj *o)
{
	int n = pdf_is_indirect(d->ctx, o) ? pdf_to_num(d->ctx, o) : 0;

	return n > 0 && n < d->n ? n : 0;
}

static int page_of(struct diff *d, int num);

/*
 * The next child of o (a dictionary's value, an array's item) from *i on,
 * but the links up (/Parent, /P; with skip_v also /V). false after the
 * last.
 */
static bool
child_next(fz_context *ctx, pdf_obj *o, int *i, bool skip_v, pdf_obj **child)
{
	pdf_obj *k;

	if (pdf_is_array(ctx, o) && *i < pdf_array_len(ctx, o)) {
		*child = pdf_array_get(ctx, o, (*i)++);
		return true;
	}
	for (; pdf_is_dict(ctx, o) && *i < pdf_dict_len(ctx, o); (*i)++) {
		k = pdf_dict_get_key(ctx, o, *i);
		if (pdf_name_eq(ctx, k, PDF_NAME(Parent)) ||
		    pdf_name_eq(ctx, k, PDF_NAME(P)) ||
		    (skip_v && pdf_name_eq(ctx, k, PDF_NAME(V))))
			continue;
		*child = pdf_dict_get_val(ctx, o, (*i)++);
		return true;
	}
	return false;
}

/*
 * Mark o and every new object under it as explained; with any, also the
 * changed objects under it that belong to no page.
 */
static void
allow_tree(struct diff *d, pdf_obj *o, int depth, bool any)
{
	fz_context *ctx = d->ctx;
	int num = num_of(d, o), i;
	pdf_obj *c;

	if (depth > DIFF_DEPTH || o == NULL)
		return;
	if (num != 0) {
		if (d->ok[num] == 2)
			return; /* visited */
		if (d->st[num] != D_NEW && depth > 0 &&
		    !(any && page_of(d, num) == 0))
			return; /* an existing object: judged on its own */
		d->ok[num] = 2;
	}
	o = pdf_resolve_indirect(ctx, o);
	for (i = 0; child_next(ctx, o, &i, false, &c);)
		allow_tree(d, c, depth + 1, any);
}

/* Is the field named name locked by the signatures up to s? */
static bool
field_locked(struct diff *d, const char *name)
{
	fz_context *ctx = d->ctx;
	pdf_obj *refs, *r;
	int i, j;

	if (d->docmdp == 1)
		return true;
	for (i = 0; i < d->nlocks; i++) {
		if (pdf_dict_get(ctx, d->locks[i], PDF_NAME(Lock)) != NULL &&
		    sign_lock_spec_locks(ctx,
		        pdf_dict_get(ctx, d->locks[i], PDF_NAME(Lock)), name))
			return true;
		refs = pdf_dict_getp(ctx, d->locks[i], "V/Reference");
		for (j = 0; j < pdf_array_len(ctx, refs); j++) {
			r = pdf_array_get(ctx, refs, j);
			if (pdf_name_eq(ctx,
			        pdf_dict_get(ctx, r, PDF_NAME(TransformMethod)),
			        PDF_NAME(FieldMDP)) &&
			    sign_lock_spec_locks(ctx,
			        pdf_dict_get(ctx, r, PDF_NAME(TransformParams)),
			        name))
				return true;
		}
	}
	return false;
}

/* Attribute objects to pages: each page's tree, first page wins. */
static void
map_obj(struct diff *d, pdf_obj *o, int page, int depth)
{
	fz_context *ctx = d->ctx;
	int num = num_of(d, o), i;
	pdf_obj *c;

	if (depth > 8 || o == NULL)
		return;
	if (num != 0) {
		if (d->page[num] != 0)
			return;
		d->page[num] = page;
	}
	o = pdf_resolve_indirect(ctx, o);
	for (i = 0; child_next(ctx, o, &i, true, &c);)
		map_obj(d, c, page, depth + 1);
}

static int
page_of(struct diff *d, int num)
{
	int i, n;

	if (!d->paged) {
		d->paged = true;
		n = pdf_count_pages(d->ctx, d->nd);
		for (i = 0; i < n && i < DIFF_PAGES_MAP; i++)
			map_obj(
			    d, pdf_lookup_page_obj(d->ctx, d->nd, i), i + 1, 0);
	}
	return num > 0 && num < d->n ? d->page[num] : 0;
}

static const char *
annot_kind(fz_context *ctx, pdf_obj *a)
{
	const char *k =
	    pdf_to_name(ctx, pdf_dict_get(ctx, a, PDF_NAME(Subtype)));

	return k[0] != '\0' ? k : "annotation";
}

static bool
is_sig_widget(fz_context *ctx, pdf_obj *a)
{
	return pdf_name_eq(ctx, pdf_dict_get(ctx, a, PDF_NAME(Subtype)),
	           PDF_NAME(Widget)) &&
	       pdf_name_eq(ctx, pdf_dict_get_inheritable(ctx, a, PDF_NAME(FT)),
	           PDF_NAME(Sig));
}

static bool
in_array(fz_context *ctx, pdf_obj *arr, pdf_obj *o)
{
	int i;

	for (i = 0; i < pdf_array_len(ctx, arr); i++)
		if (pdf_objcmp(ctx, pdf_array_get(ctx, arr, i), o) == 0)
			return true;
	return false;
}

/* A page's /Annots: added sig widgets allowed, others only at P=3. */
static void
diff_annots(struct diff *d, pdf_obj *oa, pdf_obj *na, int page)
{
	fz_context *ctx = d->ctx;
	pdf_obj *a;
	int i;

	if (num_of(d, na) != 0)
		d->ok[num_of(d, na)] = 1;
	for (i = 0; i < pdf_array_len(ctx, na); i++) {
		a = pdf_array_get(ctx, na, i);
		if (in_array(ctx, oa, a))
			continue;
		if (is_sig_widget(ctx, a) && d->docmdp != 1)
			continue; /* judged with the fields */
		if (d->docmdp == 3) {
			note(d, num_of(d, a), page, true,
			    "annotation /%s added on page %d",
			    annot_kind(ctx, a), page);
			allow_tree(d, a, 0, false);
		} else {
			note(d, num_of(d, a), page, false,
			    "annotation /%s added on page %d",
			    annot_kind(ctx, a), page);
			allow_tree(d, a, 0, false); /* reported once */
		}
	}
	for (i = 0; i < pdf_array_len(ctx, oa); i++) {
		a = pdf_array_get(ctx, oa, i);
		if (!in_array(ctx, na, a))
			note(d, num_of(d, a), page, d->docmdp == 3,
			    "annotation removed from page %d", page);
	}
}

/* Pages: added, removed, changed entries (only /Annots may grow). */
static void
diff_pages(struct diff *d)
{
	fz_context *ctx = d->ctx;
	int on = pdf_count_pages(ctx, d->od), nn = pdf_count_pages(ctx, d->nd);
	int i, k, num, len;
	pdf_obj *op, *np, *key;

	if (on != nn) {
		note(d, 0, nn > on ? on + 1 : 0, false,
		    "page tree changed: %d page(s) before, %d now", on, nn);
		for (i = 1; i < d->n; i++) {
			pdf_obj *o;

			if (d->st[i] != D_MOD)
				continue;
			o = pdf_load_object(ctx, d->nd, i);
			if (pdf_name_eq(ctx,
			        pdf_dict_get(ctx, o, PDF_NAME(Type)),
			        PDF_NAME(Pages)))
				d->ok[i] = 1;
			pdf_drop_obj(ctx, o);
		}
	}
	for (i = 0; i < nn && i < DIFF_PAGES_MAP; i++) {
		pdf_obj *an;
		int anum;

		np = pdf_lookup_page_obj(ctx, d->nd, i);
		op = i < on ? pdf_lookup_page_obj(ctx, d->od, i) : NULL;
		num = num_of(d, np);
		an = pdf_dict_get(ctx, np, PDF_NAME(Annots));
		anum = num_of(d, an);
		if (anum != 0 && d->st[anum] != D_SAME && d->ok[anum] == 0)
			diff_annots(d, pdf_dict_get(ctx, op, PDF_NAME(Annots)),
			    an, i + 1);
		if (num == 0 || d->st[num] == D_SAME)
			continue;
		d->ok[num] = 1;
		if (d->st[num] == D_NEW || i >= on) {
			note(d, num, i + 1, false, "page %d added", i + 1);
			allow_tree(d, np, 0, false); /* reported once */
			continue;
		}
		if (num_of(d, op) != num) {
			note(d, num, i + 1, false, "page %d replaced", i + 1);
			continue;
		}
		len = pdf_dict_len(ctx, np);
		for (k = 0; k < len; k++) {
			key = pdf_dict_get_key(ctx, np, k);
			if (pdf_objcmp(ctx, pdf_dict_get(ctx, op, key),
			        pdf_dict_get_val(ctx, np, k)) == 0)
				continue;
			if (pdf_name_eq(ctx, key, PDF_NAME(Annots)))
				diff_annots(d,
				    pdf_dict_get(ctx, op, PDF_NAME(Annots)),
				    pdf_dict_get_val(ctx, np, k), i + 1);
			else
				note(d, num, i + 1, false,
				    "page %d: /%s changed", i + 1,
				    pdf_to_name(ctx, key));
		}
		len = pdf_dict_len(ctx, op);
		for (k = 0; k < len; k++) {
			key = pdf_dict_get_key(ctx, op, k);
			if (pdf_dict_get(ctx, np, key) == NULL)
				note(d, num, i + 1, false,
				    "page %d: /%s removed", i + 1,
				    pdf_to_name(ctx, key));
		}
	}
}

/* One field (and its kids): added, signed, filled or changed. */
static void
diff_field(struct diff *d, pdf_obj *nf, int depth, bool parent_value)
{
	fz_context *ctx = d->ctx;
	pdf_obj *volatile of = NULL;
	pdf_obj *key, *kids;
	int num = num_of(d, nf), k, len, page;
	char *name;
	bool sig, locked = false, value = false;

	if (depth > 16 || !pdf_is_dict(ctx, nf))
		return;
	sig = pdf_name_eq(ctx, pdf_dict_get_inheritable(ctx, nf, PDF_NAME(FT)),
	    PDF_NAME(Sig));
	page = pdf_is_indirect(ctx, pdf_dict_get(ctx, nf, PDF_NAME(P)))
	           ? pdf_lookup_page_number(
	                 ctx, d->nd, pdf_dict_get(ctx, nf, PDF_NAME(P))) +
	                 1
	           : 0;
	/* Last before the try: nothing above may throw with it allocated
	 * (found by fuzz_verify: a broken /P leaked the name). */
	name = pdf_field_name(ctx, nf);
	fz_try(ctx)
	{
		if (num != 0 && d->st[num] == D_NEW) {
			if (sig && d->docmdp != 1) {
				bool dts =
				    strcmp(pdf_to_name(ctx, pdf_dict_getp(ctx,
				                                nf, "V/Type")),
				        "DocTimeStamp") == 0;

				note(d, num, page, true, "%s field %s added",
				    dts ? "document timestamp" : "signature",
				    name);
				allow_tree(d, nf, 0, false);
			} else {
				note(d, num, page, false, "form field %s added",
				    name);
				d->ok[num] = 1;
			}
			break;
		}
		if (num != 0 && d->st[num] == D_MOD) {
			d->ok[num] = 1;
			of = pdf_load_object(ctx, d->od, num);
			locked = field_locked(d, name);
			value = false;
			len = pdf_dict_len(ctx, nf);
			for (k = 0; k < len; k++) {
				key = pdf_dict_get_key(ctx, nf, k);
				if (pdf_objcmp(ctx, pdf_dict_get(ctx, of, key),
				        pdf_dict_get_val(ctx, nf, k)) == 0)
					continue;
				if (pdf_name_eq(ctx, key, PDF_NAME(V)) ||
				    pdf_name_eq(ctx, key, PDF_NAME(AS))) {
					value = true;
				} else if (!pdf_name_eq(
				               ctx, key, PDF_NAME(AP))) {
					note(d, num, page, false,
					    "field %s: /%s changed", name,
					    pdf_to_name(ctx, key));
				}
			}
			if (!value && !parent_value &&
			    pdf_objcmp(ctx, pdf_dict_get(ctx, of, PDF_NAME(AP)),
			        pdf_dict_get(ctx, nf, PDF_NAME(AP))))
				note(d, num, page, false,
				    "field %s: appearance changed without a "
				    "value change",
				    name);
			if (value && locked)
				note(d, num, page, false,
				    "field %s changed, but a signature "
				    "locked it",
				    name);
			else if (value && sig &&
			         pdf_dict_get(ctx, of, PDF_NAME(V)) != NULL)
				note(d, num, page, false,
				    "signature %s: value replaced", name);
			else if (value)
				note(d, num, page, true, "%s %s",
				    sig ? "signature field signed:"
				        : "form field filled:",
				    name);
			if ((value || parent_value) && !locked) {
				allow_tree(d,
				    pdf_dict_get(ctx, nf, PDF_NAME(V)), 0,
				    false);
				allow_tree(d,
				    pdf_dict_get(ctx, nf, PDF_NAME(AP)), 0,
				    false);
			}
		}
		/* A value object changed in place (text stream, sig dict). */
		k = num_of(d, pdf_dict_get(ctx, nf, PDF_NAME(V)));
		if (k != 0 && d->st[k] == D_MOD && d->ok[k] == 0) {
			d->ok[k] = 1;
			if (sig || field_locked(d, name))
				note(d, k, page, false, "%s %s: value changed",
				    sig ? "signature" : "locked field", name);
			else
				note(d, k, page, true, "form field filled: %s",
				    name);
		}
		kids = pdf_dict_get(ctx, nf, PDF_NAME(Kids));
		for (k = 0; k < pdf_array_len(ctx, kids); k++)
			diff_field(d, pdf_array_get(ctx, kids, k), depth + 1,
			    value && !locked);
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, of);
		fz_free(ctx, name);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

/* The catalog and the AcroForm dictionary: which entries changed. */
static void
diff_dict_keys(struct diff *d, pdf_obj *o, pdf_obj *n, const char *what,
    const char *const *allowed)
{
	fz_context *ctx = d->ctx;
	pdf_obj *key;
	int k, a, len;
	bool ok;

	for (int pass = 0; pass < 2; pass++) {
		pdf_obj *x = pass == 0 ? n : o, *y = pass == 0 ? o : n;

		len = pdf_dict_len(ctx, x);
		for (k = 0; k < len; k++) {
			key = pdf_dict_get_key(ctx, x, k);
			if (pass == 1 && pdf_dict_get(ctx, y, key) != NULL)
				continue;
			if (pdf_objcmp(ctx, pdf_dict_get(ctx, y, key),
			        pdf_dict_get_val(ctx, x, k)) == 0)
				continue;
			ok = false;
			for (a = 0; allowed[a] != NULL; a++)
				if (strcmp(pdf_to_name(ctx, key), allowed[a]) ==
				    0)
					ok = true;
			if (!ok)
				note(d, num_of(d, n), 0, false,
				    "%s entry /%s %s", what,
				    pdf_to_name(ctx, key),
				    pass == 1 ? "removed"
				    : pdf_dict_get(ctx, y, key) == NULL
				        ? "added"
				        : "changed");
		}
	}
}

static void
diff_catalog(struct diff *d)
{
	static const char *const cat_ok[] = { "AcroForm", "DSS", "Extensions",
		"Metadata", "Version", NULL };
	static const char *const form_ok[] = { "Fields", "SigFlags", "DR", "DA",
		"NeedAppearances", NULL };
	fz_context *ctx = d->ctx;
	pdf_obj *oroot, *nroot, *oform, *nform, *of, *nf, *f, *odss, *ndss;
	int num, i;

	oroot = pdf_dict_get(ctx, pdf_trailer(ctx, d->od), PDF_NAME(Root));
	nroot = pdf_dict_get(ctx, pdf_trailer(ctx, d->nd), PDF_NAME(Root));
	num = num_of(d, nroot);
	if (num != 0 && d->st[num] != D_SAME)
		d->ok[num] = 1;
	diff_dict_keys(d, oroot, nroot, "catalog", cat_ok);
	ndss = pdf_dict_gets(ctx, nroot, "DSS");
	odss = pdf_dict_gets(ctx, oroot, "DSS");
	if (ndss != NULL && pdf_objcmp(ctx, odss, ndss) != 0) {
		note(d, num_of(d, ndss), 0, true, "DSS (validation data) %s",
		    odss != NULL ? "updated" : "added");
		d->ok[num_of(d, ndss)] = 1;
		allow_tree(d, ndss, 1, true);
	} else if (ndss != NULL && num_of(d, ndss) != 0 &&
	           d->st[num_of(d, ndss)] != D_SAME) {
		note(d, num_of(d, ndss), 0, true,
		    "DSS (validation data) updated");
		d->ok[num_of(d, ndss)] = 1;
		allow_tree(d, ndss, 1, true);
	}
	nform = pdf_dict_get(ctx, nroot, PDF_NAME(AcroForm));
	oform = pdf_dict_get(ctx, oroot, PDF_NAME(AcroForm));
	num = num_of(d, nform);
	if (num != 0 && d->st[num] != D_SAME)
		d->ok[num] = 1;
	diff_dict_keys(d, oform, nform, "AcroForm", form_ok);
	allow_tree(d, pdf_dict_get(ctx, nform, PDF_NAME(DR)), 0, true);
	nf = pdf_dict_get(ctx, nform, PDF_NAME(Fields));
	of = pdf_dict_get(ctx, oform, PDF_NAME(Fields));
	num = num_of(d, nf);
	if (num != 0 && d->st[num] != D_SAME)
		d->ok[num] = 1;
	for (i = 0; i < pdf_array_len(ctx, of); i++) {
		f = pdf_array_get(ctx, of, i);
		if (!in_array(ctx, nf, f))
			note(d, num_of(d, f), 0, false, "form field removed");
	}
	for (i = 0; i < pdf_array_len(ctx, nf); i++)
		diff_field(d, pdf_array_get(ctx, nf, i), 0, false);
	/* Document information and XMP metadata may be updated. */
	num = num_of(
	    d, pdf_dict_get(ctx, pdf_trailer(ctx, d->nd), PDF_NAME(Info)));
	if (num != 0 && d->st[num] != D_SAME && d->ok[num] == 0) {
		d->ok[num] = 1;
		note(d, num, 0, true, "document information updated");
	}
	num = num_of(d, pdf_dict_get(ctx, nroot, PDF_NAME(Metadata)));
	if (num != 0 && d->st[num] != D_SAME && d->ok[num] == 0) {
		d->ok[num] = 1;
		note(d, num, 0, true, "XMP metadata updated");
	}
}

/* Objects reachable from the trailer (for orphans). */
static void
reach(struct diff *d, pdf_obj *o, unsigned char *seen, int depth)
{
	fz_context *ctx = d->ctx;
	int num = num_of(d, o), i, len;

	if (depth > 64 || o == NULL)
		return;
	if (num != 0) {
		if (seen[num])
			return;
		seen[num] = 1;
	}
	o = pdf_resolve_indirect(ctx, o);
	if (pdf_is_dict(ctx, o)) {
		len = pdf_dict_len(ctx, o);
		for (i = 0; i < len; i++)
			reach(d, pdf_dict_get_val(ctx, o, i), seen, depth + 1);
	} else if (pdf_is_array(ctx, o)) {
		len = pdf_array_len(ctx, o);
		for (i = 0; i < len; i++)
			reach(d, pdf_array_get(ctx, o, i), seen, depth + 1);
	}
}

/* Everything not explained: a change not allowed. */
static void
diff_rest(struct diff *d)
{
	fz_context *ctx = d->ctx;
	unsigned char *volatile seen = NULL;
	pdf_obj *volatile o = NULL;
	const char *type;
	int i, page;

	/* A broken object throws from pdf_load_object: what was taken is
	 * given back before the error goes on (found by fuzz_verify). */
	fz_try(ctx)
	{
		for (i = 1; i < d->n; i++) {
			if (d->st[i] == D_SAME || d->ok[i] != 0)
				continue;
			if (d->st[i] == D_NEW && seen == NULL) {
				seen = fz_calloc(ctx, (size_t)d->n, 1);
				reach(d, pdf_trailer(ctx, d->nd), seen, 0);
			}
			if (d->st[i] == D_NEW && !seen[i])
				continue; /* nothing refers to it */
			o = d->st[i] == D_DEL ? NULL
			                      : pdf_load_object(ctx, d->nd, i);
			type = pdf_to_name(
			    ctx, pdf_dict_get(ctx, o, PDF_NAME(Type)));
			if (pdf_name_eq(ctx,
			        pdf_dict_get(ctx, o, PDF_NAME(Type)),
			        PDF_NAME(XRef)) ||
			    pdf_name_eq(ctx,
			        pdf_dict_get(ctx, o, PDF_NAME(Type)),
			        PDF_NAME(ObjStm))) {
				pdf_drop_obj(ctx, o);
				o = NULL;
				continue;
			}
			page = page_of(d, i);
			if (page != 0 && type[0] == '\0' &&
			    pdf_obj_num_is_stream(ctx, d->nd, i))
				note(d, i, page, false,
				    "content of page %d changed", page);
			else if (page != 0)
				note(d, i, page, false,
				    "object %d (%s%s) on page %d %s", i,
				    type[0] != '\0' ? "/" : "",
				    type[0] != '\0' ? type : "no type", page,
				    d->st[i] == D_NEW ? "added" : "changed");
			else
				note(d, i, 0, false, "object %d (%s%s) %s", i,
				    type[0] != '\0' ? "/" : "",
				    type[0] != '\0' ? type : "no type",
				    d->st[i] == D_NEW   ? "added"
				    : d->st[i] == D_DEL ? "deleted"
				                        : "changed");
			pdf_drop_obj(ctx, o);
			o = NULL;
		}
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, o);
		fz_free(ctx, seen);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

void
vdiff_run(fz_context *ctx, pdf_document *nd, int fd, struct sign_vsig *s,
    int docmdp, pdf_obj **locks, int nlocks, bool *dss_in_rev)
{
	struct diff d;
	fz_stream *stm = NULL;
	int i;
	volatile int nchanged = 0;

	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	d.nd = nd;
	d.s = s;
	d.docmdp = docmdp;
	d.locks = locks;
	d.nlocks = nlocks;
	fz_var(stm);
	fz_try(ctx)
	{
		stm = pades_fd_stream(ctx, fd, s->rev_end, NULL);
		d.od = pdf_open_document_with_stream(ctx, stm);
		*dss_in_rev = pdf_dict_getp(ctx, pdf_trailer(ctx, d.od),
		                  "Root/DSS") != NULL;
		d.n = pdf_xref_len(ctx, nd);
		if (pdf_xref_len(ctx, d.od) > d.n)
			d.n = pdf_xref_len(ctx, d.od);
		d.st = fz_calloc(ctx, (size_t)d.n, 1);
		d.ok = fz_calloc(ctx, (size_t)d.n, 1);
		d.page = fz_calloc(ctx, (size_t)d.n, sizeof(int));
		for (i = 1; i < d.n; i++) {
			bool in_old = exists(ctx, d.od, i);
			bool in_new = exists(ctx, nd, i);

			if (!in_old && !in_new)
				continue;
			if (in_old && in_new &&
			    (same_entry(ctx, d.od, nd, i, 0) ||
			        same_content(ctx, d.od, nd, i)))
				continue;
			d.st[i] = !in_old ? D_NEW : !in_new ? D_DEL : D_MOD;
			nchanged++;
		}
		if (nchanged > 0) {
			diff_catalog(&d);
			diff_pages(&d);
			diff_rest(&d);
		}
		if (d.s->changes.st != SIGN_CHK_FAILED)
			vcheck_set(&s->changes, SIGN_CHK_OK, "%s",
			    nchanged == 0 ? "no change after this signature"
			                  : "only allowed changes after this "
			                    "signature");
	}
	fz_always(ctx)
	{
		fz_free(ctx, d.st);
		fz_free(ctx, d.ok);
		fz_free(ctx, d.page);
		pdf_drop_document(ctx, d.od);
		fz_drop_stream(ctx, stm);
	}
	fz_catch(ctx)
	{
		vcheck_set(&s->changes, SIGN_CHK_FAILED,
		    "the signed revision cannot be read: %s",
		    fz_caught_message(ctx));
	}
}
