/*
 * pades.c: PAdES baseline signatures (ETSI EN 319 142-1, B-B and B-T) by an
 * incremental update with MuPDF.
 *
 * MuPDF's pdf_sign_signature hard-codes /adbe.pkcs7.detached, so the
 * signature dictionary is built here (Type Sig, Filter Adobe.PPKLite,
 * SubFilter ETSI.CAdES.detached, M, Reason, Location), stored as an
 * unsaved signature, and the incremental save calls our pdf_pkcs7_signer,
 * whose create_digest hashes the byte ranges and returns our CMS (no
 * signing-time attribute: the time is /M).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/clock.h"
#include "base/log.h"
#include "sign/pdf_intake.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

#define PADES_CMS_MAX_BB 12288
#define PADES_CMS_MAX_BT 32768

struct pades_signer {
	pdf_pkcs7_signer base;	/* first: MuPDF sees only this */
	int refs;
	const struct sign_signer *s;
	const struct sign_opts *opts;
	struct sign_err *err;
	enum pc_rc rc;
	size_t max;
};

static pdf_pkcs7_signer *
ps_keep(fz_context *ctx, pdf_pkcs7_signer *base)
{
	((struct pades_signer *)base)->refs++;
	return base;
}

static void
ps_drop(fz_context *ctx, pdf_pkcs7_signer *base)
{
	((struct pades_signer *)base)->refs--;
}

static pdf_pkcs7_distinguished_name *
ps_name(fz_context *ctx, pdf_pkcs7_signer *base)
{
	return NULL;
}

static size_t
ps_max(fz_context *ctx, pdf_pkcs7_signer *base)
{
	return ((struct pades_signer *)base)->max;
}

/* Called inside the save: hash the byte ranges, return the CMS (DER). */
static int
ps_digest(fz_context *ctx, pdf_pkcs7_signer *base, fz_stream *in,
    unsigned char *out, size_t outlen)
{
	struct pades_signer *ps = (struct pades_signer *)base;
	EVP_MD_CTX *mctx = NULL;
	CMS_ContentInfo *cms = NULL;
	unsigned char digest[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned char chunk[65536];
	unsigned int dlen;
	size_t n;
	int len = 0, ret = 0;

	mctx = EVP_MD_CTX_new();
	if (mctx == NULL || !EVP_DigestInit_ex(mctx,
	    EVP_get_digestbynid(ps->opts->md_nid), NULL)) {
		ps->rc = ossl_fail("pades: digest");
		goto out;
	}
	while ((n = fz_read(ctx, in, chunk, sizeof(chunk))) > 0)
		if (!EVP_DigestUpdate(mctx, chunk, n)) {
			ps->rc = ossl_fail("pades: digest");
			goto out;
		}
	if (!EVP_DigestFinal_ex(mctx, digest, &dlen)) {
		ps->rc = ossl_fail("pades: digest");
		goto out;
	}
	ps->rc = sign_cms_build(ps->s, ps->opts, digest, dlen, false, &cms,
	    ps->err);
	if (ps->rc != PC_OK)
		goto out;
	len = i2d_CMS_ContentInfo(cms, &der);
	if (len <= 0) {
		ps->rc = ossl_fail("pades: encode");
		goto out;
	}
	if ((size_t)len > outlen) {
		ps->rc = sign_err_set(ps->err, PC_ELIMIT, "sign_failed",
		    "the signature (%d bytes) does not fit its space", len);
		goto out;
	}
	memcpy(out, der, (size_t)len);
	ret = len;
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	EVP_MD_CTX_free(mctx);
	return ret;
}

void
sign_time_fmt(int64_t t, int tz_min, char *out, size_t n)
{
	struct tm tm;
	time_t tt;
	long off;

	if (tz_min == INT32_MIN) {
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		off = tm.tm_gmtoff;
	} else {
		off = (long)tz_min * 60;
		tt = (time_t)(t + off);
		gmtime_r(&tt, &tm);
	}
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d %c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 3600,
	    (labs(off) % 3600) / 60);
}

/* PDF date "D:YYYYMMDDHHmmSS+HH'mm'" from the human form above. */
static void
pdf_date(const char *h, char *out, size_t n)
{
	snprintf(out, n, "D:%.4s%.2s%.2s%.2s%.2s%.2s%c%.2s'%.2s'", h, h + 5,
	    h + 8, h + 11, h + 14, h + 17, h[20], h + 21, h + 24);
}

/* The signer's name for people: CN (UTF-8), else the whole subject. */
static void
signer_name(X509 *cert, char *out, size_t n)
{
	X509_NAME *nm = X509_get_subject_name(cert);
	unsigned char *u = NULL;
	int i;

	out[0] = '\0';
	i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	if (i >= 0 && ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(nm, i))) >= 0) {
		snprintf(out, n, "%s", (char *)u);
		OPENSSL_free(u);
	} else {
		X509_NAME_oneline(nm, out, (int)n);
	}
}

/* A field name not used yet: "Signature1", "Signature2", ... */
static void
new_field_name(fz_context *ctx, pdf_document *doc, char *out, size_t n)
{
	int i;

	for (i = 1; i < 10000; i++) {
		snprintf(out, n, "Signature%d", i);
		if (sign_intake_find_field(ctx, doc, out) == NULL)
			return;
	}
}

/*
 * Prepare the signature field (new or existing) and its value; stores the
 * unsaved signature. Runs inside fz_try.
 */
static void
prepare(fz_context *ctx, pdf_document *doc, struct pades_signer *ps,
    const char *name, const char *when)
{
	const struct sign_opts *o = ps->opts;
	pdf_obj *root, *acro, *fields, *field = NULL, *widget, *page, *annots;
	pdf_obj *v = NULL, *ap = NULL;
	char fname[32], date[40];
	unsigned char *zeros;
	fz_rect r = fz_empty_rect, mb;
	fz_matrix ctm;

	fz_var(v);
	fz_var(ap);
	fz_var(field);
	root = pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Root));
	acro = pdf_dict_get(ctx, root, PDF_NAME(AcroForm));
	if (acro == NULL)
		acro = pdf_dict_put_dict(ctx, root, PDF_NAME(AcroForm), 4);
	fields = pdf_dict_get(ctx, acro, PDF_NAME(Fields));
	if (fields == NULL)
		fields = pdf_dict_put_array(ctx, acro, PDF_NAME(Fields), 1);
	pdf_dict_put_int(ctx, acro, PDF_NAME(SigFlags), 3);
	fz_try(ctx) {
		if (o->field != NULL) {
			field = pdf_keep_obj(ctx,
			    sign_intake_find_field(ctx, doc, o->field));
			widget = field;
			if (pdf_dict_get(ctx, field, PDF_NAME(Rect)) == NULL &&
			    pdf_array_len(ctx, pdf_dict_get(ctx, field,
			    PDF_NAME(Kids))) > 0)
				widget = pdf_array_get(ctx, pdf_dict_get(ctx,
				    field, PDF_NAME(Kids)), 0);
			r = pdf_dict_get_rect(ctx, widget, PDF_NAME(Rect));
			if (!o->lock)
				pdf_dict_del(ctx, field, PDF_NAME(Lock));
		} else {
			page = pdf_lookup_page_obj(ctx, doc,
			    o->visible ? o->page - 1 : 0);
			new_field_name(ctx, doc, fname, sizeof(fname));
			field = pdf_add_new_dict(ctx, doc, 10);
			widget = field;
			pdf_dict_put(ctx, field, PDF_NAME(Type),
			    PDF_NAME(Annot));
			pdf_dict_put(ctx, field, PDF_NAME(Subtype),
			    PDF_NAME(Widget));
			pdf_dict_put(ctx, field, PDF_NAME(FT), PDF_NAME(Sig));
			pdf_dict_put_text_string(ctx, field, PDF_NAME(T),
			    fname);
			pdf_dict_put_int(ctx, field, PDF_NAME(F), 132);
			pdf_dict_put(ctx, field, PDF_NAME(P), page);
			if (o->visible) {
				/* User space of the page: MediaBox origin. */
				pdf_page_obj_transform(ctx, page, &mb, &ctm);
				r = fz_make_rect(mb.x0 + o->x, mb.y0 + o->y,
				    mb.x0 + o->x + o->w, mb.y0 + o->y + o->h);
			} else {
				r = fz_make_rect(0, 0, 0, 0);
			}
			pdf_dict_put_rect(ctx, field, PDF_NAME(Rect), r);
			annots = pdf_dict_get(ctx, page, PDF_NAME(Annots));
			if (annots == NULL)
				annots = pdf_dict_put_array(ctx, page,
				    PDF_NAME(Annots), 1);
			pdf_array_push(ctx, annots, field);
			pdf_array_push(ctx, fields, field);
		}
		if (r.x1 - r.x0 > 1 && r.y1 - r.y0 > 1) {
			ap = sign_appearance_new(ctx, doc, r.x1 - r.x0,
			    r.y1 - r.y0, name, when, o);
			pdf_dict_putl(ctx, widget, ap, PDF_NAME(AP),
			    PDF_NAME(N), NULL);
		}

		/*
		 * The value. Key order matters to MuPDF's save: ByteRange,
		 * then Contents, then Filter.
		 */
		v = pdf_add_new_dict(ctx, doc, 8);
		pdf_dict_put_array(ctx, v, PDF_NAME(ByteRange), 4);
		zeros = fz_calloc(ctx, ps->max, 1);
		fz_try(ctx)
			pdf_dict_put_string(ctx, v, PDF_NAME(Contents),
			    (const char *)zeros, ps->max);
		fz_always(ctx)
			fz_free(ctx, zeros);
		fz_catch(ctx)
			fz_rethrow(ctx);
		pdf_dict_put(ctx, v, PDF_NAME(Filter),
		    PDF_NAME(Adobe_PPKLite));
		pdf_dict_put_name(ctx, v, PDF_NAME(SubFilter),
		    "ETSI.CAdES.detached");
		pdf_dict_put(ctx, v, PDF_NAME(Type), PDF_NAME(Sig));
		pdf_date(when, date, sizeof(date));
		pdf_dict_put_string(ctx, v, PDF_NAME(M), date, strlen(date));
		if (o->reason != NULL)
			pdf_dict_put_text_string(ctx, v, PDF_NAME(Reason),
			    o->reason);
		if (o->location != NULL)
			pdf_dict_put_text_string(ctx, v, PDF_NAME(Location),
			    o->location);
		pdf_dict_put(ctx, field, PDF_NAME(V), v);
		pdf_xref_store_unsaved_signature(ctx, doc, field, &ps->base);
	} fz_always(ctx) {
		pdf_drop_obj(ctx, v);
		pdf_drop_obj(ctx, ap);
		pdf_drop_obj(ctx, field);
	} fz_catch(ctx) {
		fz_rethrow(ctx);
	}
}

enum pc_rc
sign_pades_file(const struct sign_signer *s, const struct sign_opts *opts,
    const char *in_path, const char *out_path, struct sign_err *err)
{
	struct pades_signer ps;
	struct sign_opts o;
	fz_context *ctx = NULL;
	pdf_document *doc = NULL;
	pdf_write_options wo;
	char name[256], when[64];
	bool created = false;
	enum pc_rc rc;

	o = *opts;
	if (o.md_nid == 0)
		o.md_nid = NID_sha256;
	if (o.now == 0)
		o.now = clock_now();
	rc = sign_pdf_check(in_path, &o, err);
	if (rc != PC_OK)
		return rc;
	memset(&ps, 0, sizeof(ps));
	ps.base.keep = ps_keep;
	ps.base.drop = ps_drop;
	ps.base.get_signing_name = ps_name;
	ps.base.max_digest_size = ps_max;
	ps.base.create_digest = ps_digest;
	ps.refs = 1;
	ps.s = s;
	ps.opts = &o;
	ps.err = err;
	ps.rc = PC_OK;
	ps.max = o.level == SIGN_LEVEL_BT ? PADES_CMS_MAX_BT : PADES_CMS_MAX_BB;
	signer_name(s->cert, name, sizeof(name));
	sign_time_fmt(o.now, o.tz_offset_min, when, sizeof(when));

	ctx = sign_fz_context();
	if (ctx == NULL)
		return PC_ENOMEM;
	/* MuPDF copies in_path into out_path, then appends. */
	created = true;
	fz_var(doc);
	fz_var(rc);
	fz_try(ctx) {
		doc = pdf_open_document(ctx, in_path);
		rc = sign_intake_doc(ctx, doc, &o, err);
		if (rc == PC_OK) {
			prepare(ctx, doc, &ps, name, when);
			wo = pdf_default_write_options;
			wo.do_incremental = 1;
			pdf_save_document(ctx, doc, out_path, &wo);
		}
	} fz_always(ctx) {
		pdf_drop_document(ctx, doc);
	} fz_catch(ctx) {
		if (ps.rc != PC_OK)
			rc = ps.rc;
		else
			rc = sign_err_set(err, PC_EINVAL, "sign_failed",
			    "cannot sign the PDF: %s", fz_caught_message(ctx));
	}
	if (rc == PC_OK && ps.rc != PC_OK)
		rc = ps.rc;
	if (rc != PC_OK && created)
		unlink(out_path);
	fz_drop_context(ctx);
	return rc;
}
