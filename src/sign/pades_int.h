/*
 * pades_int.h: what the files of a PAdES signature share (internal to
 * src/sign): the job, the kinds of incremental update and the steps
 * pades.c runs for each (pades_ltv.c adds the DSS and the document
 * timestamp).
 */
#ifndef PC_PADES_INT_H
#define PC_PADES_INT_H

#include <stdint.h>

#include <openssl/evp.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/ltv.h"
#include "sign/sign.h"

#define PADES_CMS_MAX_BB 12288
#define PADES_CMS_MAX_BT 32768
#define PADES_TST_MAX 16384 /* a document timestamp's token */

/* What an incremental update adds. */
enum upd_kind {
	UPD_SIG = 0, /* an approval or certification signature */
	UPD_DSS,     /* the validation data (no signature) */
	UPD_DOCTS,   /* a document timestamp */
};

struct pades_signer {
	pdf_pkcs7_signer base; /* first: MuPDF sees only this */
	int refs;
	const struct sign_opts *opts;
	size_t max;
	pdf_obj *v; /* the signature value dictionary */
};

struct sign_pades_job {
	struct sign_opts opts; /* copy; strings borrowed */
	enum upd_kind kind;
	char *out_path;
	char *tmp_path; /* NULL once renamed to out_path */
	int fd;
	int64_t br[4]; /* /ByteRange */
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
};

/* What one update adds: its kind, and what that kind needs. */
struct upd {
	enum upd_kind kind;
	const char *name, *when;   /* UPD_SIG: the appearance's */
	const struct ltv_data *vd; /* UPD_DSS */
};

/*
 * The incremental update u over in_path into a temporary file next to
 * out_path (see pades.c); s names the signer (UPD_SIG only). OUT: *out.
 */
enum pc_rc pades_begin(struct upd *u, const struct sign_signer *s,
    const struct sign_opts *opts, const char *in_path, const char *out_path,
    struct sign_pades_job **out, struct sign_err *err);

/*
 * Write der[0..len) (NULL: an update with no signature) as the hex of
 * /Contents, sync the job's file and rename it into place.
 */
enum pc_rc pades_job_commit(struct sign_pades_job *j, const uint8_t *der,
    size_t len, struct sign_err *err);

/* Inside fz_try: the form's /Fields (made when missing, SigFlags 3). */
pdf_obj *pades_acro_fields(fz_context *ctx, pdf_document *doc);
/* Inside fz_try: a signature value with a zero /Contents of max bytes. */
pdf_obj *pades_sig_value_new(fz_context *ctx, pdf_document *doc, size_t max);
/* A field name not used yet: "Signature1", "Signature2", ... */
void pades_new_field_name(
    fz_context *ctx, pdf_document *doc, char *out, size_t n);
/* "<path>.ltv": a file between two updates; NULL without memory. */
char *pades_mid_name(const char *path);

/* pades_ltv.c, inside fz_try: a document timestamp field and value; the
 * catalog's /DSS with vd's data. */
void pades_prepare_docts(
    fz_context *ctx, pdf_document *doc, struct pades_signer *ps);
void pades_dss_add(
    fz_context *ctx, pdf_document *doc, const struct ltv_data *vd);

#endif /* PC_PADES_INT_H */
