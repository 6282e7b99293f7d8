/*
 * pdf_intake.h: MuPDF-level helpers of the PDF files of src/sign (they
 * take an fz_context and must be called inside fz_try).
 */
#ifndef PC_PDF_INTAKE_H
#define PC_PDF_INTAKE_H

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/sign.h"

/* A context with MuPDF's warnings silenced; NULL without memory. */
fz_context *sign_fz_context(void);

/*
 * The intake checks over an open document (see sign_pdf_check). Sets err
 * and returns its status; may throw (MuPDF) on a broken file.
 */
enum pc_rc sign_intake_doc(fz_context *ctx, pdf_document *doc,
    const struct sign_opts *opts, struct sign_err *err);

/*
 * The checks before MuPDF opens the file: size limit (too_large) and the
 * "%PDF-" header (pdf_invalid) of the open file fd of size bytes.
 */
enum pc_rc sign_intake_pre(
    int fd, int64_t size, const struct sign_opts *opts, struct sign_err *err);

/*
 * Does the lock specification tp (a /Lock or FieldMDP TransformParams
 * dictionary: /Action All, Include or Exclude, /Fields) lock the field
 * with full name name?
 */
bool sign_lock_spec_locks(fz_context *ctx, pdf_obj *tp, const char *name);

/*
 * Is the field name locked by a signature of doc (its field's /Lock or
 * its value's FieldMDP /Reference) or by a certification with DocMDP
 * P=1? The locking field's name into by (n bytes).
 */
bool sign_field_locked(
    fz_context *ctx, pdf_document *doc, const char *name, char *by, size_t n);

/*
 * The DocMDP permission (P, 1 to 3) of the signature value v, from the
 * DocMDP transforms of its /Reference: the most restrictive when there
 * are several, 2 for a missing or unknown P; 0 when v has none.
 */
int sign_docmdp_p(fz_context *ctx, pdf_obj *v);

/* The terminal field with full name name, or NULL. */
pdf_obj *sign_intake_find_field(
    fz_context *ctx, pdf_document *doc, const char *name);

/*
 * The appearance of a visible signature (w x h points): a new form
 * XObject reference (pdf_drop_obj it).
 */
pdf_obj *sign_appearance_new(fz_context *ctx, pdf_document *doc, float w,
    float h, const char *name, const char *when, const struct sign_opts *opts);

/*
 * Can the appearance's text (name, when, reason, location) be drawn?
 * glyph_missing, naming the characters no font has. Outside fz_try.
 */
enum pc_rc sign_appearance_check(fz_context *ctx, const char *name,
    const char *when, const struct sign_opts *opts, struct sign_err *err);

#endif /* PC_PDF_INTAKE_H */
