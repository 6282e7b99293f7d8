/*
 * pdf_intake.c: the checks a PDF passes before we sign it, each with a
 * stable error code and a message that says what to do.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/pdf_intake.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

#define INTAKE_HEADER_WINDOW 1024
#define INTAKE_MAX_PAGES 100000

/* Does the first window of p hold "%PDF-"? */
static bool
has_pdf_header(const uint8_t *p, size_t n)
{
	size_t i;

	if (n > INTAKE_HEADER_WINDOW)
		n = INTAKE_HEADER_WINDOW;
	for (i = 0; i + 5 <= n; i++)
		if (memcmp(p + i, "%PDF-", 5) == 0)
			return true;
	return false;
}

static bool
file_has_pdf_header(const char *path)
{
	uint8_t head[INTAKE_HEADER_WINDOW];
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		return false;
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	return has_pdf_header(head, n);
}

/* Find a terminal field named name under fields (full dotted name). */
static pdf_obj *
find_field(fz_context *ctx, pdf_obj *fields, const char *name, int depth)
{
	pdf_obj *hit = NULL;
	char *full;
	int i;

	if (depth > 16)
		return NULL;
	for (i = 0; i < pdf_array_len(ctx, fields) && hit == NULL; i++) {
		pdf_obj *f = pdf_array_get(ctx, fields, i);
		pdf_obj *kids = pdf_dict_get(ctx, f, PDF_NAME(Kids));

		if (pdf_dict_get(ctx, f, PDF_NAME(T)) != NULL) {
			full = pdf_field_name(ctx, f);
			if (strcmp(full, name) == 0)
				hit = f;
			fz_free(ctx, full);
		}
		if (hit == NULL && kids != NULL)
			hit = find_field(ctx, kids, name, depth + 1);
	}
	return hit;
}

pdf_obj *
sign_intake_find_field(fz_context *ctx, pdf_document *doc, const char *name)
{
	return find_field(ctx,
	    pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/AcroForm/Fields"),
	    name, 0);
}

bool
sign_lock_spec_locks(fz_context *ctx, pdf_obj *tp, const char *name)
{
	pdf_obj *act = pdf_dict_get(ctx, tp, PDF_NAME(Action));
	pdf_obj *flds = pdf_dict_get(ctx, tp, PDF_NAME(Fields));
	bool listed = false;
	int i;

	if (pdf_name_eq(ctx, act, PDF_NAME(All)))
		return true;
	for (i = 0; i < pdf_array_len(ctx, flds); i++)
		if (strcmp(pdf_array_get_text_string(ctx, flds, i), name) == 0)
			listed = true;
	if (pdf_name_eq(ctx, act, PDF_NAME(Include)))
		return listed;
	if (pdf_name_eq(ctx, act, PDF_NAME(Exclude)))
		return !listed;
	return false;
}

/* Does the signed field f lock name? */
static bool
sig_locks(fz_context *ctx, pdf_obj *f, const char *name)
{
	pdf_obj *refs, *r;
	int i;

	if (pdf_dict_get(ctx, f, PDF_NAME(Lock)) != NULL &&
	    sign_lock_spec_locks(
	        ctx, pdf_dict_get(ctx, f, PDF_NAME(Lock)), name))
		return true;
	refs = pdf_dict_getp(ctx, f, "V/Reference");
	for (i = 0; i < pdf_array_len(ctx, refs); i++) {
		r = pdf_array_get(ctx, refs, i);
		if (pdf_name_eq(ctx,
		        pdf_dict_get(ctx, r, PDF_NAME(TransformMethod)),
		        PDF_NAME(FieldMDP)) &&
		    sign_lock_spec_locks(ctx,
		        pdf_dict_get(ctx, r, PDF_NAME(TransformParams)), name))
			return true;
	}
	return false;
}

/* A signed signature field under fields that locks name. */
static pdf_obj *
find_locker(fz_context *ctx, pdf_obj *fields, const char *name, int depth)
{
	pdf_obj *hit = NULL, *f, *v;
	int i;

	if (depth > 16)
		return NULL;
	for (i = 0; i < pdf_array_len(ctx, fields) && hit == NULL; i++) {
		f = pdf_array_get(ctx, fields, i);
		v = pdf_dict_get(ctx, f, PDF_NAME(V));
		if (pdf_name_eq(ctx,
		        pdf_dict_get_inheritable(ctx, f, PDF_NAME(FT)),
		        PDF_NAME(Sig)) &&
		    pdf_is_dict(ctx, v) && sig_locks(ctx, f, name))
			hit = f;
		else
			hit = find_locker(ctx,
			    pdf_dict_get(ctx, f, PDF_NAME(Kids)), name,
			    depth + 1);
	}
	return hit;
}

static bool docmdp_locked(fz_context *ctx, pdf_document *doc);

bool
sign_field_locked(
    fz_context *ctx, pdf_document *doc, const char *name, char *by, size_t n)
{
	pdf_obj *f;
	char *fn;

	if (docmdp_locked(ctx, doc)) {
		snprintf(by, n, "the certification signature");
		return true;
	}
	f = find_locker(ctx,
	    pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/AcroForm/Fields"),
	    name, 0);
	if (f == NULL)
		return false;
	fn = pdf_field_name(ctx, f);
	snprintf(by, n, "the signature in field \"%s\"", fn);
	fz_free(ctx, fn);
	return true;
}

/* The most restrictive P of the DocMDP transforms of v, 0 when none. */
int
sign_docmdp_p(fz_context *ctx, pdf_obj *v)
{
	pdf_obj *refs, *r;
	int i, p, min = 0;

	refs = pdf_dict_get(ctx, v, PDF_NAME(Reference));
	for (i = 0; i < pdf_array_len(ctx, refs); i++) {
		r = pdf_array_get(ctx, refs, i);
		if (!pdf_name_eq(ctx,
		        pdf_dict_get(ctx, r, PDF_NAME(TransformMethod)),
		        PDF_NAME(DocMDP)))
			continue;
		p = pdf_dict_get_int(ctx,
		    pdf_dict_get(ctx, r, PDF_NAME(TransformParams)),
		    PDF_NAME(P));
		if (p < 1 || p > 3)
			p = 2;
		if (min == 0 || p < min)
			min = p;
	}
	return min;
}

/* DocMDP with P=1: no changes at all are allowed. */
static bool
docmdp_locked(fz_context *ctx, pdf_document *doc)
{
	pdf_obj *sig;

	sig = pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/Perms/DocMDP");
	return sig != NULL && sign_docmdp_p(ctx, sig) == 1;
}

/* Is any signature field under fields signed? */
static bool
has_signature(fz_context *ctx, pdf_obj *fields, int depth)
{
	pdf_obj *f;
	int i;

	for (i = 0; depth < 16 && i < pdf_array_len(ctx, fields); i++) {
		f = pdf_array_get(ctx, fields, i);
		if (pdf_is_dict(ctx, pdf_dict_get(ctx, f, PDF_NAME(V))) &&
		    pdf_name_eq(ctx,
		        pdf_dict_get_inheritable(ctx, f, PDF_NAME(FT)),
		        PDF_NAME(Sig)))
			return true;
		if (has_signature(
		        ctx, pdf_dict_get(ctx, f, PDF_NAME(Kids)), depth + 1))
			return true;
	}
	return false;
}

enum pc_rc
sign_intake_doc(fz_context *ctx, pdf_document *doc,
    const struct sign_opts *opts, struct sign_err *err)
{
	pdf_obj *acro, *fld;
	fz_rect box;
	fz_matrix ctm;
	char by[160];
	int npages;
	enum pc_rc rc = PC_OK;

	/* Called inside the caller's fz_try. */
	if (pdf_was_repaired(ctx, doc))
		return sign_err_set(err, PC_EINVAL, "pdf_invalid",
		    "the PDF is damaged (its cross-reference table is broken "
		    "or the file is truncated); save it again from the "
		    "application that made it");
	if (pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Encrypt)) !=
	        NULL ||
	    pdf_needs_password(ctx, doc))
		return sign_err_set(err, PC_EINVAL, "pdf_encrypted",
		    "the PDF is encrypted or password-protected; remove the "
		    "protection, or sign it locally with the virtual token");
	npages = pdf_count_pages(ctx, doc);
	if (pdf_was_repaired(ctx, doc) || npages <= 0)
		return sign_err_set(err, PC_EINVAL, "pdf_invalid",
		    "the PDF is damaged or has no pages");
	if (npages > INTAKE_MAX_PAGES)
		return sign_err_set(err, PC_ELIMIT, "too_large",
		    "the PDF has more than %d pages", INTAKE_MAX_PAGES);
	acro = pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/AcroForm");
	if (pdf_dict_get(ctx, acro, PDF_NAME(XFA)) != NULL)
		return sign_err_set(err, PC_EINVAL, "pdf_xfa",
		    "the PDF is a dynamic XFA (\"smart\") form, which cannot "
		    "be signed here; sign it locally with the virtual token "
		    "in a PDF reader");
	if (docmdp_locked(ctx, doc))
		return sign_err_set(err, PC_ESTATE, "pdf_locked",
		    "the PDF carries a certification signature that forbids "
		    "any change, so it cannot be signed again");
	if (opts == NULL)
		return PC_OK;
	if (opts->certify != 0 && has_signature(ctx,
	                              pdf_dict_getp(ctx, pdf_trailer(ctx, doc),
	                                  "Root/AcroForm/Fields"),
	                              0))
		return sign_err_set(err, PC_ESTATE, "pdf_signed",
		    "the PDF is signed already; a certification must be its "
		    "first signature");
	if (opts->field != NULL) {
		fld = sign_intake_find_field(ctx, doc, opts->field);
		if (fld == NULL ||
		    !pdf_name_eq(ctx,
		        pdf_dict_get_inheritable(ctx, fld, PDF_NAME(FT)),
		        PDF_NAME(Sig)))
			return sign_err_set(err, PC_EINVAL, "bad_placement",
			    "the PDF has no signature field named \"%s\"",
			    opts->field);
		if (pdf_dict_get(ctx, fld, PDF_NAME(V)) != NULL)
			return sign_err_set(err, PC_ESTATE, "bad_placement",
			    "the signature field \"%s\" is already signed",
			    opts->field);
		if (sign_field_locked(ctx, doc, opts->field, by, sizeof(by)))
			return sign_err_set(err, PC_ESTATE, "field_locked",
			    "the signature field \"%s\" was locked by %s, so "
			    "it cannot be signed any more",
			    opts->field, by);
		return PC_OK;
	}
	if (!opts->visible)
		return PC_OK;
	if (opts->page < 1 || opts->page > npages)
		return sign_err_set(err, PC_EINVAL, "bad_placement",
		    "page %d does not exist (the PDF has %d pages)", opts->page,
		    npages);
	/*
	 * The page's box from its dictionary: loading the page would make
	 * MuPDF synthesize appearances of its annotations, which would then
	 * be saved with the signature (a change a certification forbids).
	 */
	pdf_page_obj_transform(
	    ctx, pdf_lookup_page_obj(ctx, doc, opts->page - 1), &box, &ctm);
	box = fz_transform_rect(box, ctm);
	/* box is in fitz space (origin top-left, size of the page). */
	if (!(opts->w > 0 && opts->h > 0 && opts->x >= 0 && opts->y >= 0 &&
	        opts->x + opts->w <= box.x1 - box.x0 + 0.5f &&
	        opts->y + opts->h <= box.y1 - box.y0 + 0.5f))
		rc = sign_err_set(err, PC_EINVAL, "bad_placement",
		    "the rectangle %g,%g,%g,%g does not fit on page %d "
		    "(%gx%g points)",
		    opts->x, opts->y, opts->w, opts->h, opts->page,
		    box.x1 - box.x0, box.y1 - box.y0);
	return rc;
}

static enum pc_rc
intake_run(fz_context *ctx, fz_stream *stm, const char *path,
    const struct sign_opts *opts, struct sign_err *err)
{
	pdf_document *doc = NULL;
	enum pc_rc rc = PC_OK;

	fz_var(doc);
	fz_var(rc);
	fz_try(ctx)
	{
		if (stm != NULL)
			doc = pdf_open_document_with_stream(ctx, stm);
		else
			doc = pdf_open_document(ctx, path);
		rc = sign_intake_doc(ctx, doc, opts, err);
	}
	fz_always(ctx)
	{
		pdf_drop_document(ctx, doc);
	}
	fz_catch(ctx)
	{
		rc = sign_err_set(err, PC_EINVAL, "pdf_invalid",
		    "the file is not a readable PDF: %s",
		    fz_caught_message(ctx));
	}
	return rc;
}

static fz_context *
quiet_context(void)
{
	fz_context *ctx;

	ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
	if (ctx != NULL) {
		fz_set_warning_callback(ctx, NULL, NULL);
		fz_set_error_callback(ctx, NULL, NULL);
	}
	return ctx;
}

fz_context *
sign_fz_context(void)
{
	return quiet_context();
}

static enum pc_rc
size_check(int64_t size, const struct sign_opts *opts, struct sign_err *err)
{
	int64_t max;

	max = opts != NULL && opts->max_size > 0 ? opts->max_size
	                                         : SIGN_DEFAULT_MAX_SIZE;
	if (size > max)
		return sign_err_set(err, PC_ELIMIT, "too_large",
		    "the file is larger than the limit of %lld bytes",
		    (long long)max);
	return PC_OK;
}

enum pc_rc
sign_intake_pre(
    int fd, int64_t size, const struct sign_opts *opts, struct sign_err *err)
{
	uint8_t head[INTAKE_HEADER_WINDOW];
	ssize_t n;
	enum pc_rc rc;

	rc = size_check(size, opts, err);
	if (rc != PC_OK)
		return rc;
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0 || !has_pdf_header(head, (size_t)n))
		return sign_err_set(
		    err, PC_EINVAL, "pdf_invalid", "the file is not a PDF");
	return PC_OK;
}

enum pc_rc
sign_pdf_check(
    const char *in_path, const struct sign_opts *opts, struct sign_err *err)
{
	fz_context *ctx;
	int64_t size;
	enum pc_rc rc;

	size = sign_file_size(in_path);
	if (size < 0)
		return sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", in_path);
	rc = size_check(size, opts, err);
	if (rc != PC_OK)
		return rc;
	if (!file_has_pdf_header(in_path))
		return sign_err_set(
		    err, PC_EINVAL, "pdf_invalid", "the file is not a PDF");
	ctx = quiet_context();
	if (ctx == NULL)
		return PC_ENOMEM;
	rc = intake_run(ctx, NULL, in_path, opts, err);
	fz_drop_context(ctx);
	return rc;
}

enum pc_rc
sign_pdf_check_mem(const uint8_t *p, size_t n, const struct sign_opts *opts,
    struct sign_err *err)
{
	fz_context *ctx;
	fz_stream *stm = NULL;
	enum pc_rc rc;

	rc = size_check((int64_t)n, opts, err);
	if (rc != PC_OK)
		return rc;
	if (!has_pdf_header(p, n))
		return sign_err_set(
		    err, PC_EINVAL, "pdf_invalid", "the file is not a PDF");
	ctx = quiet_context();
	if (ctx == NULL)
		return PC_ENOMEM;
	fz_var(stm);
	fz_try(ctx)
	{
		stm = fz_open_memory(ctx, p, n);
	}
	fz_catch(ctx)
	{
		stm = NULL;
	}
	if (stm == NULL) {
		fz_drop_context(ctx);
		return PC_ENOMEM;
	}
	rc = intake_run(ctx, stm, NULL, opts, err);
	fz_drop_stream(ctx, stm);
	fz_drop_context(ctx);
	return rc;
}
