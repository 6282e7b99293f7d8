/*
 * verify_diff_pages.c: the changes after a signature in the pages, their
 * annotations and the form fields (see verify_diff.c for what is
 * allowed).
 */
#include <string.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/pades_io.h"
#include "sign/pdf_intake.h"
#include "sign/verify_diff_int.h"
#include "sign/verify_int.h"

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

bool
vdiff_in_array(fz_context *ctx, pdf_obj *arr, pdf_obj *o)
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

	if (vdiff_num_of(d, na) != 0)
		d->ok[vdiff_num_of(d, na)] = 1;
	for (i = 0; i < pdf_array_len(ctx, na); i++) {
		a = pdf_array_get(ctx, na, i);
		if (vdiff_in_array(ctx, oa, a))
			continue;
		if (is_sig_widget(ctx, a) && d->docmdp != 1)
			continue; /* judged with the fields */
		if (d->docmdp == 3) {
			vdiff_note(d, vdiff_num_of(d, a), page, true,
			    "annotation /%s added on page %d",
			    annot_kind(ctx, a), page);
			vdiff_allow_tree(d, a, 0, false);
		} else {
			vdiff_note(d, vdiff_num_of(d, a), page, false,
			    "annotation /%s added on page %d",
			    annot_kind(ctx, a), page);
			vdiff_allow_tree(d, a, 0, false); /* reported once */
		}
	}
	for (i = 0; i < pdf_array_len(ctx, oa); i++) {
		a = pdf_array_get(ctx, oa, i);
		if (!vdiff_in_array(ctx, na, a))
			vdiff_note(d, vdiff_num_of(d, a), page, d->docmdp == 3,
			    "annotation removed from page %d", page);
	}
}

/* Pages: added, removed, changed entries (only /Annots may grow). */
void
vdiff_pages(struct diff *d)
{
	fz_context *ctx = d->ctx;
	int on = pdf_count_pages(ctx, d->od), nn = pdf_count_pages(ctx, d->nd);
	int i, k, num, len;
	pdf_obj *op, *np, *key;

	if (on != nn) {
		vdiff_note(d, 0, nn > on ? on + 1 : 0, false,
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
		num = vdiff_num_of(d, np);
		an = pdf_dict_get(ctx, np, PDF_NAME(Annots));
		anum = vdiff_num_of(d, an);
		if (anum != 0 && d->st[anum] != D_SAME && d->ok[anum] == 0)
			diff_annots(d, pdf_dict_get(ctx, op, PDF_NAME(Annots)),
			    an, i + 1);
		if (num == 0 || d->st[num] == D_SAME)
			continue;
		d->ok[num] = 1;
		if (d->st[num] == D_NEW || i >= on) {
			vdiff_note(
			    d, num, i + 1, false, "page %d added", i + 1);
			vdiff_allow_tree(d, np, 0, false); /* reported once */
			continue;
		}
		if (vdiff_num_of(d, op) != num) {
			vdiff_note(
			    d, num, i + 1, false, "page %d replaced", i + 1);
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
				vdiff_note(d, num, i + 1, false,
				    "page %d: /%s changed", i + 1,
				    pdf_to_name(ctx, key));
		}
		len = pdf_dict_len(ctx, op);
		for (k = 0; k < len; k++) {
			key = pdf_dict_get_key(ctx, op, k);
			if (pdf_dict_get(ctx, np, key) == NULL)
				vdiff_note(d, num, i + 1, false,
				    "page %d: /%s removed", i + 1,
				    pdf_to_name(ctx, key));
		}
	}
}

/* One field (and its kids): added, signed, filled or changed. */
void
vdiff_field(struct diff *d, pdf_obj *nf, int depth, bool parent_value)
{
	fz_context *ctx = d->ctx;
	pdf_obj *volatile of = NULL;
	pdf_obj *key, *kids;
	int num = vdiff_num_of(d, nf), k, len, page;
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

				vdiff_note(d, num, page, true,
				    "%s field %s added",
				    dts ? "document timestamp" : "signature",
				    name);
				vdiff_allow_tree(d, nf, 0, false);
			} else {
				vdiff_note(d, num, page, false,
				    "form field %s added", name);
				d->ok[num] = 1;
			}
			break;
		}
		if (num != 0 && d->st[num] == D_MOD) {
			d->ok[num] = 1;
			of = pdf_load_object(ctx, d->od, num);
			locked = vdiff_field_locked(d, name);
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
					vdiff_note(d, num, page, false,
					    "field %s: /%s changed", name,
					    pdf_to_name(ctx, key));
				}
			}
			if (!value && !parent_value &&
			    pdf_objcmp(ctx, pdf_dict_get(ctx, of, PDF_NAME(AP)),
			        pdf_dict_get(ctx, nf, PDF_NAME(AP))))
				vdiff_note(d, num, page, false,
				    "field %s: appearance changed without a "
				    "value change",
				    name);
			if (value && locked)
				vdiff_note(d, num, page, false,
				    "field %s changed, but a signature "
				    "locked it",
				    name);
			else if (value && sig &&
			         pdf_dict_get(ctx, of, PDF_NAME(V)) != NULL)
				vdiff_note(d, num, page, false,
				    "signature %s: value replaced", name);
			else if (value)
				vdiff_note(d, num, page, true, "%s %s",
				    sig ? "signature field signed:"
				        : "form field filled:",
				    name);
			if ((value || parent_value) && !locked) {
				vdiff_allow_tree(d,
				    pdf_dict_get(ctx, nf, PDF_NAME(V)), 0,
				    false);
				vdiff_allow_tree(d,
				    pdf_dict_get(ctx, nf, PDF_NAME(AP)), 0,
				    false);
			}
		}
		/* A value object changed in place (text stream, sig dict). */
		k = vdiff_num_of(d, pdf_dict_get(ctx, nf, PDF_NAME(V)));
		if (k != 0 && d->st[k] == D_MOD && d->ok[k] == 0) {
			d->ok[k] = 1;
			if (sig || vdiff_field_locked(d, name))
				vdiff_note(d, k, page, false,
				    "%s %s: value changed",
				    sig ? "signature" : "locked field", name);
			else
				vdiff_note(d, k, page, true,
				    "form field filled: %s", name);
		}
		kids = pdf_dict_get(ctx, nf, PDF_NAME(Kids));
		for (k = 0; k < pdf_array_len(ctx, kids); k++)
			vdiff_field(d, pdf_array_get(ctx, kids, k), depth + 1,
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
