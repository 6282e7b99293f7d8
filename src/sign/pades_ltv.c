/*
 * pades_ltv.c: PAdES B-LT and B-LTA (ETSI EN 319 142-1 5.4, 5.5): the
 * validation data of every signature and timestamp of a signed PDF in the
 * catalog's /DSS by an incremental update, then a document timestamp
 * (SubFilter ETSI.RFC3161) over the whole file by another. The same two
 * steps extend a B-LTA file later (pecete ltv extend): fresh data, a new
 * timestamp, the earlier ones left as they are. sign_pades_file (the
 * signature and, at B-LT/B-LTA, these steps, in one call) is here too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/log.h"
#include "sign/ltv.h"
#include "sign/pades_int.h"
#include "sign/pdf_intake.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

/*
 * A document timestamp (ETSI EN 319 142-1 5.4, ISO 32000-2 12.8.5): an
 * invisible signature field on the first page whose value is /Type
 * /DocTimeStamp, SubFilter ETSI.RFC3161. Runs inside fz_try.
 */
void
pades_prepare_docts(fz_context *ctx, pdf_document *doc, struct pades_signer *ps)
{
	pdf_obj *fields, *field = NULL, *page, *annots, *v = NULL;
	char fname[32];

	fz_var(field);
	fz_var(v);
	fields = pades_acro_fields(ctx, doc);
	fz_try(ctx)
	{
		page = pdf_lookup_page_obj(ctx, doc, 0);
		pades_new_field_name(ctx, doc, fname, sizeof(fname));
		field = pdf_add_new_dict(ctx, doc, 8);
		pdf_dict_put(ctx, field, PDF_NAME(Type), PDF_NAME(Annot));
		pdf_dict_put(ctx, field, PDF_NAME(Subtype), PDF_NAME(Widget));
		pdf_dict_put(ctx, field, PDF_NAME(FT), PDF_NAME(Sig));
		pdf_dict_put_text_string(ctx, field, PDF_NAME(T), fname);
		pdf_dict_put_int(ctx, field, PDF_NAME(F), 132);
		pdf_dict_put(ctx, field, PDF_NAME(P), page);
		pdf_dict_put_rect(
		    ctx, field, PDF_NAME(Rect), fz_make_rect(0, 0, 0, 0));
		annots = pdf_dict_get(ctx, page, PDF_NAME(Annots));
		if (annots == NULL)
			annots =
			    pdf_dict_put_array(ctx, page, PDF_NAME(Annots), 1);
		pdf_array_push(ctx, annots, field);
		pdf_array_push(ctx, fields, field);
		v = pades_sig_value_new(ctx, doc, ps->max);
		pdf_dict_put_name(ctx, v, PDF_NAME(SubFilter), "ETSI.RFC3161");
		pdf_dict_put_name(ctx, v, PDF_NAME(Type), "DocTimeStamp");
		pdf_dict_put(ctx, field, PDF_NAME(V), v);
		pdf_xref_store_unsaved_signature(ctx, doc, field, &ps->base);
		ps->v = pdf_keep_obj(ctx, v);
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, v);
		pdf_drop_obj(ctx, field);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

/* Push a stream holding p[0..n) onto the array a. Inside fz_try. */
static void
push_stream(
    fz_context *ctx, pdf_document *doc, pdf_obj *a, const uint8_t *p, size_t n)
{
	fz_buffer *b;
	pdf_obj *st = NULL;

	fz_var(st);
	b = fz_new_buffer_from_copied_data(ctx, p, n);
	fz_try(ctx)
	{
		st = pdf_add_stream(ctx, doc, b, NULL, 0);
		pdf_array_push(ctx, a, st);
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, st);
		fz_drop_buffer(ctx, b);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

/* The array key of the DSS dictionary, made when missing. */
static pdf_obj *
dss_array(fz_context *ctx, pdf_obj *dss, const char *key)
{
	pdf_obj *a = pdf_dict_gets(ctx, dss, key);

	if (!pdf_is_array(ctx, a)) {
		a = pdf_new_array(ctx, pdf_get_bound_document(ctx, dss), 4);
		pdf_dict_puts_drop(ctx, dss, key, a);
	}
	return a;
}

/* c's DER as a stream pushed on a. Its own function: no fz_try in
 * pades_dss_add, whose locals change after it (longjmp would clobber). */
static void
push_cert(fz_context *ctx, pdf_document *doc, pdf_obj *a, X509 *c)
{
	unsigned char *der = NULL;
	int len;

	len = i2d_X509(c, &der);
	if (len <= 0)
		fz_throw(ctx, FZ_ERROR_GENERIC, "cannot encode a certificate");
	fz_try(ctx) push_stream(ctx, doc, a, der, (size_t)len);
	fz_always(ctx) OPENSSL_free(der);
	fz_catch(ctx) fz_rethrow(ctx);
}

/*
 * The catalog's /DSS (ETSI EN 319 142-1 5.5): the certificates not in it
 * yet, the OCSP responses and CRLs of vd added to what it holds; and the
 * ESIC extension level 5 that announces DSS and document timestamps to
 * PDF 1.7 readers. Runs inside fz_try.
 */
void
pades_dss_add(fz_context *ctx, pdf_document *doc, const struct ltv_data *vd)
{
	pdf_obj *root, *dss, *a, *ext, *esic;
	X509 *c;
	size_t k;
	int i;

	root = pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Root));
	dss = pdf_dict_gets(ctx, root, "DSS");
	if (!pdf_is_dict(ctx, dss)) {
		dss = pdf_add_new_dict(ctx, doc, 4);
		pdf_dict_puts_drop(ctx, root, "DSS", dss);
	}
	a = dss_array(ctx, dss, "Certs");
	for (i = 0; i < sk_X509_num(vd->certs); i++) {
		c = sk_X509_value(vd->certs, i);
		if (sk_X509_find(vd->have, c) >= 0)
			continue;
		push_cert(ctx, doc, a, c);
	}
	a = dss_array(ctx, dss, "OCSPs");
	for (k = 0; k < vd->nocsp; k++)
		push_stream(ctx, doc, a, vd->ocsp[k].data, vd->ocsp[k].len);
	a = dss_array(ctx, dss, "CRLs");
	for (k = 0; k < vd->ncrl; k++)
		push_stream(ctx, doc, a, vd->crl[k].data, vd->crl[k].len);
	ext = pdf_dict_gets(ctx, root, "Extensions");
	if (!pdf_is_dict(ctx, ext))
		ext = pdf_dict_puts_dict(ctx, root, "Extensions", 1);
	if (pdf_dict_gets(ctx, ext, "ESIC") == NULL) {
		esic = pdf_dict_puts_dict(ctx, ext, "ESIC", 2);
		pdf_dict_puts_drop(
		    ctx, esic, "BaseVersion", pdf_new_name(ctx, "1.7"));
		pdf_dict_puts_drop(
		    ctx, esic, "ExtensionLevel", pdf_new_int(ctx, 5));
	}
}

/* The CMS of every signature value under fields (depth-limited) into vd. */
static enum pc_rc
collect_fields(
    fz_context *ctx, pdf_obj *fields, struct ltv_data *vd, int *nsig, int depth)
{
	pdf_obj *f, *v, *c;
	CMS_ContentInfo *cms;
	const unsigned char *p;
	enum pc_rc rc = PC_OK;
	int i;

	for (i = 0; rc == PC_OK && depth < 16 && i < pdf_array_len(ctx, fields);
	     i++) {
		f = pdf_array_get(ctx, fields, i);
		if (pdf_dict_get(ctx, f, PDF_NAME(Kids)) != NULL)
			rc = collect_fields(ctx,
			    pdf_dict_get(ctx, f, PDF_NAME(Kids)), vd, nsig,
			    depth + 1);
		v = pdf_dict_get(ctx, f, PDF_NAME(V));
		c = pdf_dict_get(ctx, v, PDF_NAME(Contents));
		if (rc != PC_OK || !pdf_is_string(ctx, c))
			continue;
		p = (const unsigned char *)pdf_to_str_buf(ctx, c);
		cms =
		    d2i_CMS_ContentInfo(NULL, &p, (long)pdf_to_str_len(ctx, c));
		if (cms == NULL)
			continue;
		rc = ltv_add_cms(vd, cms);
		CMS_ContentInfo_free(cms);
		(*nsig)++;
	}
	return rc;
}

/*
 * The CMS of every signature and document timestamp of the PDF at path
 * into vd (certificates and timestamp tokens), and the certificates its
 * /DSS holds already (vd->have). OUT: *nsig, the signatures read.
 */
static enum pc_rc
collect(const char *path, struct ltv_data *vd, int *nsig, struct sign_err *err)
{
	fz_context *ctx;
	pdf_document *doc = NULL;
	pdf_obj *a, *st;
	fz_buffer *b = NULL;
	const unsigned char *p;
	X509 *c;
	int i;
	enum pc_rc rc = PC_OK;

	*nsig = 0;
	ctx = sign_fz_context();
	if (ctx == NULL)
		return PC_ENOMEM;
	fz_var(doc);
	fz_var(b);
	fz_var(rc);
	fz_try(ctx)
	{
		doc = pdf_open_document(ctx, path);
		rc = collect_fields(ctx,
		    pdf_dict_getp(
		        ctx, pdf_trailer(ctx, doc), "Root/AcroForm/Fields"),
		    vd, nsig, 0);
		a = pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/DSS/Certs");
		for (i = 0; rc == PC_OK && i < pdf_array_len(ctx, a); i++) {
			st = pdf_array_get(ctx, a, i);
			if (!pdf_is_stream(ctx, st))
				continue;
			b = pdf_load_stream(ctx, st);
			p = b->data;
			c = d2i_X509(NULL, &p, (long)b->len);
			if (c != NULL) {
				rc = ltv_add_cert(vd->have, c);
				X509_free(c);
			}
			fz_drop_buffer(ctx, b);
			b = NULL;
		}
	}
	fz_always(ctx)
	{
		fz_drop_buffer(ctx, b);
		pdf_drop_document(ctx, doc);
	}
	fz_catch(ctx)
	{
		rc = sign_err_set(err, PC_EINVAL, "pdf_invalid",
		    "the file is not a readable PDF: %s",
		    fz_caught_message(ctx));
	}
	fz_drop_context(ctx);
	ERR_clear_error();
	return rc;
}

enum pc_rc
sign_pades_ltv(const char *path, const struct sign_opts *opts, bool doc_ts,
    struct sign_err *err)
{
	struct sign_pades_job *j = NULL;
	struct ltv_data vd;
	struct upd u;
	struct sign_opts o;
	struct buf tok;
	char *mid = NULL;
	int nsig = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(path != NULL && opts != NULL, PC_EINTERNAL);
	o = *opts;
	if (o.md_nid == 0)
		o.md_nid = NID_sha256;
	buf_init(&tok, SIGN_TSA_MAX_REPLY);
	rc = ltv_init(&vd);
	if (rc != PC_OK)
		goto out;
	if (doc_ts && o.tsa_url == NULL) {
		rc = sign_err_set(err, PC_EINVAL, "tsa_failed",
		    "a document timestamp needs a timestamp server (--tsa "
		    "URL)");
		goto out;
	}
	rc = collect(path, &vd, &nsig, err);
	if (rc == PC_OK && nsig == 0)
		rc = sign_err_set(err, PC_EINVAL, "not_signed",
		    "the file has no signature to keep valid");
	if (rc == PC_OK)
		rc = ltv_fetch(&vd, o.vcache, err);
	if (rc != PC_OK)
		goto out;

	/* The DSS into <path>.ltv, then (B-LTA) the document timestamp over
	 * it back into path: path is the old file or the new, never half. */
	mid = doc_ts ? pades_mid_name(path) : NULL;
	if (doc_ts && mid == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	memset(&u, 0, sizeof(u));
	u.kind = UPD_DSS;
	u.vd = &vd;
	rc = pades_begin(&u, NULL, &o, path, doc_ts ? mid : path, &j, err);
	if (rc == PC_OK)
		rc = pades_job_commit(j, NULL, 0, err);
	sign_pades_job_free(j);
	j = NULL;
	if (rc != PC_OK || !doc_ts)
		goto out;
	u.kind = UPD_DOCTS;
	rc = pades_begin(&u, NULL, &o, mid, path, &j, err);
	if (rc == PC_OK)
		rc = sign_tsa_request(
		    o.tsa_url, o.md_nid, j->digest, j->dlen, &tok, err);
	if (rc == PC_OK)
		rc = pades_job_commit(j, tok.data, tok.len, err);
	sign_pades_job_free(j);
out:
	if (mid != NULL) {
		(void)unlink(mid);
		free(mid);
	}
	buf_cleanup(&tok);
	ltv_cleanup(&vd);
	return rc;
}

enum pc_rc
sign_pades_file(const struct sign_signer *s, const struct sign_opts *opts,
    const char *in_path, const char *out_path, struct sign_err *err)
{
	struct sign_pades_job *j = NULL;
	enum pc_rc rc;

	char *mid = NULL;

	/* B-LT and B-LTA: signed into <out>.ltv, extended there, renamed. */
	if (opts->level >= SIGN_LEVEL_BLT) {
		mid = pades_mid_name(out_path);
		if (mid == NULL)
			return PC_ENOMEM;
	}
	rc = sign_pades_begin(
	    s, opts, in_path, mid != NULL ? mid : out_path, &j, err);
	if (rc == PC_OK)
		rc = sign_pades_finish(j, s, err);
	sign_pades_job_free(j);
	if (rc == PC_OK && mid != NULL) {
		rc = sign_pades_ltv(
		    mid, opts, opts->level == SIGN_LEVEL_BLTA, err);
		if (rc == PC_OK && rename(mid, out_path) != 0)
			rc = sign_err_set(err, PC_EIO, "unwritable",
			    "cannot write %s: %s", out_path, strerror(errno));
	}
	if (mid != NULL) {
		(void)unlink(mid);
		free(mid);
	}
	return rc;
}
