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
 *
 * This file compares object by object and explains what the others do
 * not; verify_diff_pages.c the pages, annotations and form fields,
 * verify_diff_catalog.c the catalog and what is left (verify_diff_int.h).
 */
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/pades_io.h"
#include "sign/pdf_intake.h"
#include "sign/verify_diff_int.h"
#include "sign/verify_int.h"

void
vdiff_note(
    struct diff *d, int obj, int page, bool allowed, const char *fmt, ...)
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

int
vdiff_num_of(struct diff *d, pdf_obj *o)
{
	int n = pdf_is_indirect(d->ctx, o) ? pdf_to_num(d->ctx, o) : 0;

	return n > 0 && n < d->n ? n : 0;
}

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
void
vdiff_allow_tree(struct diff *d, pdf_obj *o, int depth, bool any)
{
	fz_context *ctx = d->ctx;
	int num = vdiff_num_of(d, o), i;
	pdf_obj *c;

	if (depth > DIFF_DEPTH || o == NULL)
		return;
	if (num != 0) {
		if (d->ok[num] == 2)
			return; /* visited */
		if (d->st[num] != D_NEW && depth > 0 &&
		    !(any && vdiff_page_of(d, num) == 0))
			return; /* an existing object: judged on its own */
		d->ok[num] = 2;
	}
	o = pdf_resolve_indirect(ctx, o);
	for (i = 0; child_next(ctx, o, &i, false, &c);)
		vdiff_allow_tree(d, c, depth + 1, any);
}

/* Is the field named name locked by the signatures up to s? */
bool
vdiff_field_locked(struct diff *d, const char *name)
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
	int num = vdiff_num_of(d, o), i;
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

int
vdiff_page_of(struct diff *d, int num)
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
			vdiff_catalog(&d);
			vdiff_pages(&d);
			vdiff_rest(&d);
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
