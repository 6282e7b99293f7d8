/*
 * verify_diff_catalog.c: the changes after a signature in the catalog
 * and its dictionaries, then every change still unexplained (see
 * verify_diff.c for what is allowed).
 */
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/pades_io.h"
#include "sign/pdf_intake.h"
#include "sign/verify_diff_int.h"
#include "sign/verify_int.h"

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
				vdiff_note(d, vdiff_num_of(d, n), 0, false,
				    "%s entry /%s %s", what,
				    pdf_to_name(ctx, key),
				    pass == 1 ? "removed"
				    : pdf_dict_get(ctx, y, key) == NULL
				        ? "added"
				        : "changed");
		}
	}
}

void
vdiff_catalog(struct diff *d)
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
	num = vdiff_num_of(d, nroot);
	if (num != 0 && d->st[num] != D_SAME)
		d->ok[num] = 1;
	diff_dict_keys(d, oroot, nroot, "catalog", cat_ok);
	ndss = pdf_dict_gets(ctx, nroot, "DSS");
	odss = pdf_dict_gets(ctx, oroot, "DSS");
	if (ndss != NULL && pdf_objcmp(ctx, odss, ndss) != 0) {
		vdiff_note(d, vdiff_num_of(d, ndss), 0, true,
		    "DSS (validation data) %s",
		    odss != NULL ? "updated" : "added");
		d->ok[vdiff_num_of(d, ndss)] = 1;
		vdiff_allow_tree(d, ndss, 1, true);
	} else if (ndss != NULL && vdiff_num_of(d, ndss) != 0 &&
	           d->st[vdiff_num_of(d, ndss)] != D_SAME) {
		vdiff_note(d, vdiff_num_of(d, ndss), 0, true,
		    "DSS (validation data) updated");
		d->ok[vdiff_num_of(d, ndss)] = 1;
		vdiff_allow_tree(d, ndss, 1, true);
	}
	nform = pdf_dict_get(ctx, nroot, PDF_NAME(AcroForm));
	oform = pdf_dict_get(ctx, oroot, PDF_NAME(AcroForm));
	num = vdiff_num_of(d, nform);
	if (num != 0 && d->st[num] != D_SAME)
		d->ok[num] = 1;
	diff_dict_keys(d, oform, nform, "AcroForm", form_ok);
	vdiff_allow_tree(d, pdf_dict_get(ctx, nform, PDF_NAME(DR)), 0, true);
	nf = pdf_dict_get(ctx, nform, PDF_NAME(Fields));
	of = pdf_dict_get(ctx, oform, PDF_NAME(Fields));
	num = vdiff_num_of(d, nf);
	if (num != 0 && d->st[num] != D_SAME)
		d->ok[num] = 1;
	for (i = 0; i < pdf_array_len(ctx, of); i++) {
		f = pdf_array_get(ctx, of, i);
		if (!vdiff_in_array(ctx, nf, f))
			vdiff_note(d, vdiff_num_of(d, f), 0, false,
			    "form field removed");
	}
	for (i = 0; i < pdf_array_len(ctx, nf); i++)
		vdiff_field(d, pdf_array_get(ctx, nf, i), 0, false);
	/* Document information and XMP metadata may be updated. */
	num = vdiff_num_of(
	    d, pdf_dict_get(ctx, pdf_trailer(ctx, d->nd), PDF_NAME(Info)));
	if (num != 0 && d->st[num] != D_SAME && d->ok[num] == 0) {
		d->ok[num] = 1;
		vdiff_note(d, num, 0, true, "document information updated");
	}
	num = vdiff_num_of(d, pdf_dict_get(ctx, nroot, PDF_NAME(Metadata)));
	if (num != 0 && d->st[num] != D_SAME && d->ok[num] == 0) {
		d->ok[num] = 1;
		vdiff_note(d, num, 0, true, "XMP metadata updated");
	}
}

/* Objects reachable from the trailer (for orphans). */
static void
reach(struct diff *d, pdf_obj *o, unsigned char *seen, int depth)
{
	fz_context *ctx = d->ctx;
	int num = vdiff_num_of(d, o), i, len;

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
void
vdiff_rest(struct diff *d)
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
			page = vdiff_page_of(d, i);
			if (page != 0 && type[0] == '\0' &&
			    pdf_obj_num_is_stream(ctx, d->nd, i))
				vdiff_note(d, i, page, false,
				    "content of page %d changed", page);
			else if (page != 0)
				vdiff_note(d, i, page, false,
				    "object %d (%s%s) on page %d %s", i,
				    type[0] != '\0' ? "/" : "",
				    type[0] != '\0' ? type : "no type", page,
				    d->st[i] == D_NEW ? "added" : "changed");
			else
				vdiff_note(d, i, 0, false,
				    "object %d (%s%s) %s", i,
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
