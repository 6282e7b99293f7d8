/*
 * verify.c: verification of a PDF (every signature, certification and
 * document timestamp, with the changes made after each) or of a .p7s
 * (detached, or attached: the content inside), into a struct sign_report
 * (vreport.h). The building blocks are in
 * verify_cms.c (CMS, timestamps, chains), verify_rev.c (revocation) and
 * verify_diff.c (revisions); this file finds the signatures and the
 * validation data (DSS), orders the entries by revision, works out each
 * one's proof of existence (its signature timestamp, or a document
 * timestamp over it), its level (B-B, B-T, B-LT, B-LTA) and its verdict.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/clock.h"
#include "base/log.h"
#include "sign/pades_io.h"
#include "sign/pdf_intake.h"
#include "sign/sign_local.h"
#include "sign/verify_int.h"

#define VERIFY_TAIL 4096

struct vpdf {
	fz_context *ctx;
	pdf_document *doc;
	fz_stream *stm;
	int fd;
	pdf_obj *field[SIGN_VSIGS_MAX]; /* kept */
};

/* pos, past an end of line at pos in fd of size bytes. */
static int64_t
eol_after(int fd, int64_t size, int64_t pos)
{
	char c = 0;

	if (pos < size && pread(fd, &c, 1, (off_t)pos) == 1 && c == '\r')
		pos++;
	if (pos < size && pread(fd, &c, 1, (off_t)pos) == 1 && c == '\n')
		pos++;
	return pos;
}

/* The end of the last "%%EOF" (and its end of line) in fd, or -1. */
static int64_t
eof_end(int fd, int64_t size)
{
	char buf[VERIFY_TAIL];
	int64_t hi = size, lo;
	ssize_t n;
	int i;

	while (hi > 0) {
		lo = hi > VERIFY_TAIL ? hi - VERIFY_TAIL : 0;
		n = pread(fd, buf, (size_t)(hi - lo), (off_t)lo);
		if (n != hi - lo)
			return -1;
		for (i = (int)n - 5; i >= 0; i--)
			if (memcmp(buf + i, "%%EOF", 5) == 0)
				return eol_after(fd, size, lo + i + 5);
		if (lo == 0)
			break;
		hi = lo + 4; /* a marker across two chunks */
	}
	return -1;
}

/* Are the bytes [from, to) of fd only white space and NULs? */
static bool
only_space(int fd, int64_t from, int64_t to)
{
	char buf[4096];
	ssize_t n;
	int i;

	while (from < to) {
		n = pread(fd, buf,
		    to - from > (int64_t)sizeof(buf) ? sizeof(buf)
		                                     : (size_t)(to - from),
		    (off_t)from);
		if (n <= 0)
			return false;
		for (i = 0; i < n; i++)
			if (buf[i] != 0 && strchr(" \t\r\n\f", buf[i]) == NULL)
				return false;
		from += n;
	}
	return true;
}

static X509_STORE *
trust_load(const char *path)
{
	X509_STORE *st;

	st = X509_STORE_new();
	if (st == NULL)
		return NULL;
	if (X509_STORE_load_file(st, path) != 1) {
		X509_STORE_free(st);
		ossl_fail("verify: trust file");
		return NULL;
	}
	return st;
}

/* Read the DER of a stream of the DSS (bounded). NULL on error. */
static fz_buffer *
dss_stream(fz_context *ctx, pdf_obj *o)
{
	fz_buffer *volatile b = NULL;

	fz_try(ctx)
	{
		if (pdf_is_stream(ctx, o))
			b = pdf_load_stream(ctx, o);
		if (b != NULL && b->len > VERIFY_VDATA_MAX_BYTES) {
			fz_drop_buffer(ctx, b);
			b = NULL;
		}
	}
	fz_catch(ctx)
	{
		b = NULL;
	}
	return b;
}

/* The /DSS: its certificates, OCSP responses and CRLs into v. */
static void
dss_load(struct vctx *v, fz_context *ctx, pdf_document *doc)
{
	pdf_obj *dss, *a;
	fz_buffer *b;
	const unsigned char *p;
	int k, i;

	dss = pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/DSS");
	for (k = 0; k < 3; k++) {
		a = pdf_dict_gets(ctx, dss,
		    k == 0   ? "Certs"
		    : k == 1 ? "OCSPs"
		             : "CRLs");
		for (i = 0; i < pdf_array_len(ctx, a) && i < VERIFY_MAX_VDATA;
		     i++) {
			b = dss_stream(ctx, pdf_array_get(ctx, a, i));
			if (b == NULL)
				continue;
			p = b->data;
			if (k == 0) {
				X509 *c = d2i_X509(NULL, &p, (long)b->len);

				if (c != NULL && !sk_X509_push(v->vd_certs, c))
					X509_free(c);
			} else if (k == 1 && v->vd_nocsp < VERIFY_MAX_OCSP) {
				OCSP_RESPONSE *r =
				    d2i_OCSP_RESPONSE(NULL, &p, (long)b->len);
				OCSP_BASICRESP *bs =
				    r != NULL ? OCSP_response_get1_basic(r)
				              : NULL;

				if (bs != NULL)
					v->vd_ocsp[v->vd_nocsp++] = bs;
				OCSP_RESPONSE_free(r);
			} else if (k == 2) {
				X509_CRL *c =
				    d2i_X509_CRL(NULL, &p, (long)b->len);

				if (c != NULL &&
				    !sk_X509_CRL_push(v->vd_crls, c))
					X509_CRL_free(c);
			}
			fz_drop_buffer(ctx, b);
		}
	}
	ERR_clear_error();
}

/* Signature fields with a value, under fields (recursive). */
static void
collect(fz_context *ctx, pdf_obj *fields, pdf_obj **out, int *n, int depth)
{
	int i;

	if (depth > 16)
		return;
	for (i = 0; i < pdf_array_len(ctx, fields) && *n < SIGN_VSIGS_MAX;
	     i++) {
		pdf_obj *fld = pdf_array_get(ctx, fields, i);
		pdf_obj *val = pdf_dict_get(ctx, fld, PDF_NAME(V));

		if (pdf_name_eq(ctx,
		        pdf_dict_get_inheritable(ctx, fld, PDF_NAME(FT)),
		        PDF_NAME(Sig)) &&
		    pdf_is_dict(ctx, val) &&
		    pdf_dict_get(ctx, val, PDF_NAME(Contents)) != NULL)
			out[(*n)++] = pdf_keep_obj(ctx, fld);
		else
			collect(ctx, pdf_dict_get(ctx, fld, PDF_NAME(Kids)),
			    out, n, depth + 1);
	}
}

/* DocMDP P of a certification signature value v; 0 if not one. */
static int
docmdp_of(fz_context *ctx, pdf_document *doc, pdf_obj *v)
{
	pdf_obj *perm;
	int p;

	perm = pdf_dict_getp(ctx, pdf_trailer(ctx, doc), "Root/Perms/DocMDP");
	if (perm == NULL || pdf_objcmp(ctx, perm, v) != 0)
		return 0;
	p = sign_docmdp_p(ctx, v);
	return p != 0 ? p : 2;
}

/* One signature field into e (its CMS, byte range, names, times). */
static void
entry_load(struct vpdf *vp, pdf_obj *fld, int64_t end, struct ventry *e)
{
	fz_context *ctx = vp->ctx;
	struct sign_vsig *s = e->s;
	pdf_obj *v = pdf_dict_get(ctx, fld, PDF_NAME(V));
	pdf_obj *br = pdf_dict_get(ctx, v, PDF_NAME(ByteRange));
	pdf_obj *c = pdf_dict_get(ctx, v, PDF_NAME(Contents));
	char *name, lt = 0, gt = 0, tail[8];
	size_t clen = pdf_to_str_len(ctx, c);
	int64_t r[4];
	int j;

	name = pdf_field_name(ctx, fld);
	snprintf(s->field, sizeof(s->field), "%s", name);
	fz_free(ctx, name);
	snprintf(s->subfilter, sizeof(s->subfilter), "%s",
	    pdf_to_name(ctx, pdf_dict_get(ctx, v, PDF_NAME(SubFilter))));
	s->kind = strcmp(s->subfilter, "ETSI.RFC3161") == 0 ||
	                  strcmp(pdf_to_name(
	                             ctx, pdf_dict_get(ctx, v, PDF_NAME(Type))),
	                      "DocTimeStamp") == 0
	              ? SIGN_VK_DOCTS
	              : SIGN_VK_PADES;
	e->baseline = strcmp(s->subfilter, "ETSI.CAdES.detached") == 0;
	s->claimed =
	    pdf_parse_date(ctx, pdf_dict_get_text_string(ctx, v, PDF_NAME(M)));
	s->docmdp = docmdp_of(ctx, vp->doc, v);
	if (clen > VERIFY_MAX_CMS)
		clen = VERIFY_MAX_CMS;
	e->der = malloc(clen > 0 ? clen : 1);
	if (e->der != NULL) {
		memcpy(e->der, pdf_to_str_buf(ctx, c), clen);
		e->derlen = clen;
	}
	for (j = 0; j < 4; j++)
		r[j] = pdf_array_get_int(ctx, br, j);
	s->rev_end = r[2] + r[3];
	if (pdf_array_len(ctx, br) != 4 || r[0] != 0 || r[1] <= 0 ||
	    r[2] <= r[1] + 1 || r[3] < 0 || s->rev_end > end ||
	    pread(vp->fd, &lt, 1, (off_t)r[1]) != 1 ||
	    pread(vp->fd, &gt, 1, (off_t)(r[2] - 1)) != 1 || lt != '<' ||
	    gt != '>') {
		vcheck_set(&s->format, SIGN_CHK_FAILED,
		    "/ByteRange does not cover the file around /Contents");
		s->rev_end = 0;
		return;
	}
	memset(tail, 0, sizeof(tail));
	j = s->rev_end >= 7 &&
	    pread(vp->fd, tail, 7, (off_t)(s->rev_end - 7)) == 7;
	if (!j || strstr(tail, "%%EOF") == NULL) {
		vcheck_set(&s->format, SIGN_CHK_FAILED,
		    "the signed bytes do not end a revision (%%%%EOF)");
		return;
	}
	e->ranges[0] = 0;
	e->ranges[1] = r[1];
	e->ranges[2] = r[2];
	e->ranges[3] = r[3];
	e->nranges = 4;
	s->whole = s->rev_end == end; /* trailing bytes: reported apart */
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct ventry *x = a, *y = b;

	return x->s->rev_end < y->s->rev_end   ? -1
	       : x->s->rev_end > y->s->rev_end ? 1
	                                       : 0;
}

static void
entries_free(struct ventry *es, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(es[i].der);
		X509_free(es[i].signer);
		sk_X509_pop_free(es[i].certs, X509_free);
		sk_X509_pop_free(es[i].chain, X509_free);
		sk_X509_pop_free(es[i].ts_chain, X509_free);
		sk_X509_pop_free(es[i].ats_chain, X509_free);
	}
	free(es);
}

/* The changes after s (its own fz_try: the caller loops). */
static void
diff_one(struct vpdf *vp, struct sign_vsig *s, int docmdp, pdf_obj **locks,
    int nl, bool *dss_in_rev)
{
	fz_try(vp->ctx)
	{
		vdiff_run(
		    vp->ctx, vp->doc, vp->fd, s, docmdp, locks, nl, dss_in_rev);
	}
	fz_catch(vp->ctx)
	{
		vcheck_set(&s->changes, SIGN_CHK_FAILED,
		    "cannot compare the revisions: %s",
		    fz_caught_message(vp->ctx));
	}
}

/* Open the PDF's first end bytes, load its fields and DSS. */
static enum pc_rc
open_pdf(struct vctx *v, struct vpdf *vp, struct sign_report *r, int64_t end,
    struct ventry *es, int *np, struct sign_err *err)
{
	enum pc_rc rc = PC_OK;
	int i;

	fz_var(rc);
	fz_try(vp->ctx)
	{
		vp->stm = pades_fd_stream(vp->ctx, vp->fd, end, NULL);
		vp->doc = pdf_open_document_with_stream(vp->ctx, vp->stm);
		r->revisions = pdf_count_versions(vp->ctx, vp->doc);
		collect(vp->ctx,
		    pdf_dict_getp(vp->ctx, pdf_trailer(vp->ctx, vp->doc),
		        "Root/AcroForm/Fields"),
		    vp->field, np, 0);
		dss_load(v, vp->ctx, vp->doc);
		for (i = 0; i < *np; i++) {
			es[i].s = &r->sigs[i];
			entry_load(vp, vp->field[i], end, &es[i]);
		}
	}
	fz_catch(vp->ctx)
	{
		rc = sign_err_set(err, PC_EINVAL, "pdf_invalid",
		    "cannot read the PDF: %s", fz_caught_message(vp->ctx));
	}
	return rc;
}

/* The PDF part: fields, DSS, CMS checks, revisions. */
static enum pc_rc
verify_pdf(struct vctx *v, struct sign_report *r, int fd, FILE *f,
    struct sign_err *err)
{
	struct vpdf vp;
	struct ventry *es = NULL;
	pdf_obj *locks[SIGN_VSIGS_MAX];
	int64_t end;
	int n = 0, i, j, nl, docmdp;
	enum pc_rc rc = PC_OK;

	memset(&vp, 0, sizeof(vp));
	vp.fd = fd;
	end = eof_end(fd, r->size);
	if (end < 0)
		end = r->size;
	r->trailing = r->size - end;
	r->trailing_bad = !only_space(fd, end, r->size);
	vp.ctx = sign_fz_context();
	es = calloc(SIGN_VSIGS_MAX, sizeof(*es));
	r->sigs = calloc(SIGN_VSIGS_MAX, sizeof(*r->sigs));
	if (vp.ctx == NULL || es == NULL || r->sigs == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = open_pdf(v, &vp, r, end, es, &n, err);
	if (rc != PC_OK)
		goto out;
	r->nsigs = n;
	qsort(es, (size_t)n, sizeof(*es), entry_cmp);
	for (i = 0; i < n; i++) {
		if (es[i].s->format.st == SIGN_CHK_FAILED)
			continue;
		if (es[i].s->kind == SIGN_VK_DOCTS)
			vcms_doc_timestamp(v, &es[i], f);
		else
			vcms_check(v, &es[i], f);
	}
	/* Changes after each entry, under the locks in force for it. */
	for (i = 0; i < n; i++) {
		struct sign_vsig *s = es[i].s;

		if (s->rev_end == 0)
			continue;
		nl = 0;
		docmdp = 0;
		for (j = 0; j <= i; j++) {
			if (es[j].s->docmdp != 0)
				docmdp = es[j].s->docmdp;
			if (es[j].s->kind != SIGN_VK_DOCTS)
				for (int k = 0; k < n; k++)
					if (&r->sigs[k] == es[j].s)
						locks[nl++] = vp.field[k];
		}
		diff_one(&vp, s, docmdp, locks, nl, &es[i].dss_in_rev);
		if (r->trailing_bad) {
			vcheck_set(&s->changes, SIGN_CHK_FAILED,
			    "%lld byte(s) after the last %%%%EOF are not a "
			    "PDF update",
			    (long long)r->trailing);
		}
	}
	vverdict_finish(v, es, n);
	if (!v->opts->no_vobjs)
		vvobj_collect(v, r, es, n);
	/* The report lists the entries in revision order. */
	{
		struct sign_vsig *sorted;

		sorted = calloc(SIGN_VSIGS_MAX, sizeof(*sorted));
		if (sorted == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++)
			sorted[i] = *es[i].s;
		free(r->sigs);
		r->sigs = sorted;
	}
out:
	entries_free(es, n);
	if (vp.ctx != NULL) {
		for (i = 0; i < n; i++)
			pdf_drop_obj(vp.ctx, vp.field[i]);
		pdf_drop_document(vp.ctx, vp.doc);
		fz_drop_stream(vp.ctx, vp.stm);
		fz_drop_context(vp.ctx);
	}
	return rc;
}

/*
 * Enter the TLV at *p (n bytes): its tag must be tag of class cls; *p and
 * *n then describe its contents, and *next, *rest what follows it.
 */
static bool
tlv_in(const unsigned char **p, long *n, int tag, int cls,
    const unsigned char **next, long *rest)
{
	const unsigned char *q = *p;
	long len;
	int t, c;

	if (*n <= 0 || (ASN1_get_object(&q, &len, &t, &c, *n) & 0x80) != 0 ||
	    t != tag || c != cls || len > *n - (long)(q - *p))
		return false;
	*next = q + len;
	*rest = *n - (long)(*next - *p);
	*p = q;
	*n = len;
	return true;
}

/* The value (a DER SEQUENCE) of si's unsigned attribute oid, or NULL. */
static const ASN1_STRING *
unsigned_seq(CMS_SignerInfo *si, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	X509_ATTRIBUTE *a;
	ASN1_TYPE *t;
	int i;

	i = obj != NULL ? CMS_unsigned_get_attr_by_OBJ(si, obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	a = i >= 0 ? CMS_unsigned_get_attr(si, i) : NULL;
	t = a != NULL ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
	return t != NULL && t->type == V_ASN1_SEQUENCE ? t->value.sequence
	                                               : NULL;
}

/*
 * CAdES B-LT's validation data (ETSI EN 319 122-1 5.5): the certificates
 * of certificate-values and the CRLs and OCSP responses of
 * revocation-values (crlVals [0], ocspVals [1]) into v.
 */
static void
cades_values(struct vctx *v, CMS_ContentInfo *cms)
{
	CMS_SignerInfo *si;
	const ASN1_STRING *a;
	const unsigned char *p, *next, *q, *qn;
	long n, rest, qr;
	int tag;

	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	if (si == NULL)
		return;
	a = unsigned_seq(si, "1.2.840.113549.1.9.16.2.23");
	p = a != NULL ? a->data : NULL;
	n = a != NULL ? a->length : 0;
	if (p != NULL && tlv_in(&p, &n, V_ASN1_SEQUENCE, 0, &next, &rest)) {
		while (
		    n > 0 && sk_X509_num(v->vd_certs) < 4 * VERIFY_MAX_VDATA) {
			q = p;
			X509 *c = d2i_X509(NULL, &p, n);

			if (c == NULL)
				break;
			n -= (long)(p - q);
			if (!sk_X509_push(v->vd_certs, c))
				X509_free(c);
		}
	}
	a = unsigned_seq(si, "1.2.840.113549.1.9.16.2.24");
	p = a != NULL ? a->data : NULL;
	n = a != NULL ? a->length : 0;
	if (p == NULL || !tlv_in(&p, &n, V_ASN1_SEQUENCE, 0, &next, &rest))
		goto out;
	for (tag = 0; tag < 2; tag++) {
		q = p;
		qr = n;
		if (!tlv_in(&q, &qr, tag, V_ASN1_CONTEXT_SPECIFIC, &qn, &rest))
			continue;
		p = qn;
		n = rest;
		if (!tlv_in(&q, &qr, V_ASN1_SEQUENCE, 0, &next, &rest))
			continue;
		while (qr > 0) {
			const unsigned char *q0 = q;

			if (tag == 0) {
				X509_CRL *c = d2i_X509_CRL(NULL, &q, qr);

				if (c == NULL)
					break;
				if (!sk_X509_CRL_push(v->vd_crls, c))
					X509_CRL_free(c);
			} else {
				OCSP_BASICRESP *bs =
				    d2i_OCSP_BASICRESP(NULL, &q, qr);

				if (bs == NULL)
					break;
				if (v->vd_nocsp < VERIFY_MAX_OCSP)
					v->vd_ocsp[v->vd_nocsp++] = bs;
				else
					OCSP_BASICRESP_free(bs);
			}
			qr -= (long)(q - q0);
		}
	}
out:
	ERR_clear_error();
}

/*
 * The content a .p7s signs, to hash: opts->content when given, else the
 * CMS's own (an attached signature) copied into *owned and opened in
 * memory. OUT: *f, *size; PC_EINVAL with err set for a detached one
 * without opts->content or a file that is no CMS.
 */
static enum pc_rc
p7s_content(struct vctx *v, CMS_ContentInfo *cms, const char *path,
    uint8_t **owned, FILE **f, int64_t *size, struct sign_err *err)
{
	ASN1_OCTET_STRING **pos;
	size_t n;

	*f = NULL;
	*owned = NULL;
	if (v->opts->content != NULL) {
		*f = fopen(v->opts->content, "rb");
		*size = sign_file_size(v->opts->content);
		if (*f == NULL || *size < 0)
			return sign_err_set(err, PC_EIO, "unreadable",
			    "cannot read %s", v->opts->content);
		return PC_OK;
	}
	if (cms == NULL)
		return sign_err_set(err, PC_EINVAL, "unreadable",
		    "%s is neither a PDF nor a CMS signature (.p7s)", path);
	pos = CMS_get0_content(cms);
	if (pos == NULL || *pos == NULL)
		return sign_err_set(err, PC_EINVAL, "content_missing",
		    "%s is a detached signature: give the signed file with "
		    "--content",
		    path);
	n = (size_t)ASN1_STRING_length(*pos);
	/* One byte more: fmemopen wants a buffer, even for no content. */
	*owned = malloc(n + 1);
	if (*owned == NULL)
		return PC_ENOMEM;
	if (n > 0)
		memcpy(*owned, ASN1_STRING_get0_data(*pos), n);
	*f = fmemopen(*owned, n + 1, "rb");
	*size = (int64_t)n;
	return *f != NULL ? PC_OK : PC_ENOMEM;
}

/* A .p7s: detached over opts->content, or attached (its own content). */
static enum pc_rc
verify_p7s(struct vctx *v, struct sign_report *r, const char *path,
    struct sign_err *err)
{
	struct ventry *e;
	struct buf p7;
	FILE *f = NULL;
	CMS_ContentInfo *cms = NULL;
	const unsigned char *p;
	STACK_OF(X509_CRL) * crls;
	uint8_t *content = NULL;
	int64_t size = 0;
	enum pc_rc rc;

	buf_init(&p7, VERIFY_MAX_CMS);
	e = calloc(1, sizeof(*e));
	r->sigs = calloc(1, sizeof(*r->sigs));
	if (e == NULL || r->sigs == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = file_read(path, VERIFY_MAX_CMS, &p7);
	if (rc != PC_OK) {
		rc = sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", path);
		goto out;
	}
	p = p7.data;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)p7.len);
	ERR_clear_error();
	rc = p7s_content(v, cms, path, &content, &f, &size, err);
	if (rc != PC_OK)
		goto out;
	r->nsigs = 1;
	e->s = &r->sigs[0];
	e->s->kind = SIGN_VK_CADES;
	e->der = p7.data;
	e->derlen = p7.len;
	e->ranges[1] = size;
	e->nranges = 2;
	/* The CMS's own certificates and CRLs are validation data. */
	crls = cms != NULL ? CMS_get1_crls(cms) : NULL;
	while (sk_X509_CRL_num(crls) > 0)
		sk_X509_CRL_push(v->vd_crls, sk_X509_CRL_shift(crls));
	sk_X509_CRL_free(crls);
	if (cms != NULL)
		cades_values(v, cms);
	ERR_clear_error();
	vcms_check(v, e, f);
	e->baseline = strstr(e->s->signer_id.msg, "matches") != NULL &&
	              e->s->signer_id.st == SIGN_CHK_OK && e->s->claimed != 0;
	e->s->whole = true;
	e->s->rev_end = e->ranges[1];
	vcheck_set(&e->s->changes, SIGN_CHK_NONE, "not a PDF");
	vverdict_finish(v, e, 1);
	if (!v->opts->no_vobjs)
		vvobj_collect(v, r, e, 1);
	e->der = NULL;
out:
	if (f != NULL)
		fclose(f);
	free(content);
	CMS_ContentInfo_free(cms);
	if (e != NULL)
		entries_free(e, 1);
	buf_cleanup(&p7);
	return rc;
}

enum pc_rc
sign_verify(const char *path, const struct sign_verify_opts *opts,
    struct sign_report **out, struct sign_err *err)
{
	struct sign_report *r;
	struct vctx v;
	struct stat st;
	FILE *f = NULL;
	char magic[5] = { 0 };
	int fd = -1, i;
	enum pc_rc rc = PC_OK;

	*out = NULL;
	memset(&v, 0, sizeof(v));
	r = calloc(1, sizeof(*r));
	v.vd_certs = sk_X509_new_null();
	v.vd_crls = sk_X509_CRL_new_null();
	if (r == NULL || v.vd_certs == NULL || v.vd_crls == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	v.opts = opts;
	v.now = opts->now != 0 ? opts->now : clock_now();
	r->at = v.now;
	r->online = !opts->no_ocsp;
	snprintf(r->file, sizeof(r->file), "%s", path);
	if (opts->trust != NULL) {
		v.store = trust_load(opts->trust);
		if (v.store == NULL) {
			rc = sign_err_set(err, PC_EINVAL, "bad_trust",
			    "cannot load trusted certificates from %s",
			    opts->trust);
			goto out;
		}
		r->anchors = true;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	f = fd >= 0 ? fdopen(dup(fd), "rb") : NULL;
	if (f == NULL || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, magic, 4, 0) != 4) {
		rc = sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", path);
		goto out;
	}
	r->size = (int64_t)st.st_size;
	if (opts->content == NULL && memcmp(magic, "%PDF", 4) == 0) {
		r->pdf = true;
		rc = verify_pdf(&v, r, fd, f, err);
	} else {
		/* A .p7s: detached (with opts->content) or attached. */
		rc = verify_p7s(&v, r, path, err);
	}
	if (rc == PC_OK) {
		vverdict_report(r);
		*out = r;
		r = NULL;
	}
out:
	sign_report_free(r);
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	sk_X509_pop_free(v.vd_certs, X509_free);
	sk_X509_CRL_pop_free(v.vd_crls, X509_CRL_free);
	for (i = 0; i < v.vd_nocsp; i++)
		OCSP_BASICRESP_free(v.vd_ocsp[i]);
	X509_STORE_free(v.store);
	return rc;
}
