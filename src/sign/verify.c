/*
 * verify.c: verification of PAdES signatures (every signature field of a
 * PDF) and of detached CAdES .p7s files: signer, claimed time, timestamp
 * time, level, digest, signature, chain (against --trust), revocation
 * (OCSP from the certificate's AIA when reachable).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/log.h"
#include "sign/pdf_intake.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

#define VERIFY_MAX_SIGS 64
#define VERIFY_MAX_CMS (1024 * 1024)

/* One signature to check: the CMS and where its content is. */
struct vsig {
	uint8_t *cms;
	size_t cmslen;
	int64_t ranges[8]; /* offset, length pairs (PDF) */
	int nranges;
	char claimed[64]; /* /M of the PDF, "" if none */
	char subfilter[64];
	bool whole; /* covers the whole file */
};

struct vctx {
	const struct sign_verify_opts *opts;
	X509_STORE *store; /* NULL without --trust */
	FILE *out;
	bool all_ok;
};

static void
asn1_time_str(const ASN1_TIME *t, char *out, size_t n)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(out, n, "unknown");
		return;
	}
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
cert_name(X509 *c, char *out, size_t n)
{
	X509_NAME *nm = X509_get_subject_name(c);

	if (X509_NAME_get_text_by_NID(nm, NID_commonName, out, (int)n) <= 0)
		X509_NAME_oneline(nm, out, (int)n);
}

/* Revocation status of cert through the OCSP URL in its AIA. */
static const char *
ocsp_status(struct vctx *v, X509 *cert, X509 *issuer, STACK_OF(X509) * certs)
{
	STACK_OF(OPENSSL_STRING) *urls = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL, *id2 = NULL;
	struct buf reply;
	unsigned char *der = NULL;
	const unsigned char *cp;
	const char *res = "not checked (no OCSP responder)";
	int len, status, reason;
	ASN1_GENERALIZEDTIME *rev, *thisu, *nextu;

	buf_init(&reply, 256 * 1024);
	if (v->opts->no_ocsp) {
		res = "not checked";
		goto out;
	}
	if (issuer == NULL) {
		res = "not checked (issuer unknown)";
		goto out;
	}
	urls = X509_get1_ocsp(cert);
	if (urls == NULL || sk_OPENSSL_STRING_num(urls) == 0)
		goto out;
	req = OCSP_REQUEST_new();
	id = OCSP_cert_to_id(NULL, cert, issuer);
	if (req == NULL || id == NULL)
		goto out;
	id2 = OCSP_CERTID_dup(id);
	if (id2 == NULL || OCSP_request_add0_id(req, id2) == NULL)
		goto out;
	id2 = NULL;
	OCSP_request_add1_nonce(req, NULL, -1);
	len = i2d_OCSP_REQUEST(req, &der);
	if (len <= 0)
		goto out;
	if (sign_http_post(sk_OPENSSL_STRING_value(urls, 0),
	        "application/ocsp-request", "application/ocsp-response", der,
	        (size_t)len,
	        v->opts->ocsp_timeout_s > 0 ? v->opts->ocsp_timeout_s : 5,
	        256 * 1024, &reply) != PC_OK) {
		res = "not checked (OCSP responder unreachable)";
		goto out;
	}
	cp = reply.data;
	resp = d2i_OCSP_RESPONSE(NULL, &cp, (long)reply.len);
	if (resp == NULL ||
	    OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL) {
		res = "not checked (OCSP error)";
		goto out;
	}
	if (v->store != NULL &&
	    OCSP_basic_verify(bs, certs, v->store, 0) <= 0) {
		res = "FAILED (OCSP response not trusted)";
		v->all_ok = false;
		goto out;
	}
	if (!OCSP_resp_find_status(
	        bs, id, &status, &reason, &rev, &thisu, &nextu)) {
		res = "not checked (certificate not in OCSP response)";
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_GOOD) {
		res = "good (OCSP)";
	} else if (status == V_OCSP_CERTSTATUS_REVOKED) {
		res = "REVOKED (OCSP)";
		v->all_ok = false;
	} else {
		res = "unknown (OCSP)";
	}
out:
	ERR_clear_error();
	X509_email_free(urls);
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	OCSP_CERTID_free(id2);
	OPENSSL_free(der);
	buf_cleanup(&reply);
	return res;
}

/* Check the signature timestamp (B-T) of si; prints its lines. */
static bool
check_timestamp(struct vctx *v, CMS_SignerInfo *si, bool *present)
{
	ASN1_STRING *tok;
	const unsigned char *cp;
	PKCS7 *p7 = NULL;
	TS_TST_INFO *tst = NULL;
	TS_VERIFY_CTX *vc = NULL;
	ASN1_OCTET_STRING *sigval, *imp;
	X509_ALGOR *alg;
	const EVP_MD *md;
	unsigned char hash[EVP_MAX_MD_SIZE], *impcopy = NULL;
	unsigned int hlen;
	char when[64];
	bool ok = false;

	*present = false;
	tok = CMS_unsigned_get0_data_by_OBJ(si,
	    OBJ_nid2obj(NID_id_smime_aa_timeStampToken), -3, V_ASN1_SEQUENCE);
	if (tok == NULL) {
		fprintf(v->out, "  timestamp time: none\n");
		return true;
	}
	*present = true;
	cp = ASN1_STRING_get0_data(tok);
	p7 = d2i_PKCS7(NULL, &cp, ASN1_STRING_length(tok));
	if (p7 == NULL || (tst = PKCS7_to_TS_TST_INFO(p7)) == NULL) {
		fprintf(v->out, "  timestamp: FAILED (malformed token)\n");
		goto out;
	}
	asn1_time_str(TS_TST_INFO_get_time(tst), when, sizeof(when));
	fprintf(v->out, "  timestamp time: %s\n", when);
	imp = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
	alg = TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst));
	md = EVP_get_digestbyobj(alg->algorithm);
	sigval = CMS_SignerInfo_get0_signature(si);
	if (md == NULL ||
	    !EVP_Digest(ASN1_STRING_get0_data(sigval),
	        (size_t)ASN1_STRING_length(sigval), hash, &hlen, md, NULL) ||
	    (unsigned)ASN1_STRING_length(imp) != hlen ||
	    memcmp(ASN1_STRING_get0_data(imp), hash, hlen) != 0) {
		fprintf(v->out, "  timestamp: FAILED (imprint does not match "
		                "the signature value)\n");
		goto out;
	}
	if (v->store == NULL) {
		fprintf(v->out, "  timestamp: imprint ok, chain not checked "
		                "(no --trust)\n");
		ok = true;
		goto out;
	}
	vc = TS_VERIFY_CTX_new();
	impcopy = OPENSSL_memdup(hash, hlen);
	if (vc == NULL || impcopy == NULL || !X509_STORE_up_ref(v->store))
		goto out;
	TS_VERIFY_CTX_set_flags(vc, TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
	TS_VERIFY_CTX_set_store(vc, v->store);
	TS_VERIFY_CTX_set_imprint(vc, impcopy, hlen);
	impcopy = NULL;
	if (TS_RESP_verify_token(vc, p7) != 1) {
		fprintf(v->out, "  timestamp: FAILED (token signature or "
		                "chain)\n");
		goto out;
	}
	fprintf(v->out, "  timestamp: ok\n");
	ok = true;
out:
	ERR_clear_error();
	OPENSSL_free(impcopy);
	TS_VERIFY_CTX_free(vc);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	return ok;
}

/*
 * Check one CMS over content (the ranges of f). Prints the report lines
 * and clears v->all_ok on failure.
 */
static void
check_one(struct vctx *v, int idx, const struct vsig *vs, FILE *f)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(CMS_SignerInfo) * sis;
	STACK_OF(X509) *certs = NULL, *chain = NULL;
	CMS_SignerInfo *si;
	X509 *signer = NULL, *issuer = NULL;
	X509_ALGOR *dalg;
	X509_STORE_CTX *sctx = NULL;
	ASN1_OCTET_STRING *md_attr;
	const ASN1_TYPE *stime;
	EVP_MD_CTX *mctx = NULL;
	const EVP_MD *md;
	const unsigned char *cp;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	char name[256], when[64];
	bool ts_present = false, ok = true;
	int i;

	fprintf(v->out, "Signature %d:\n", idx);
	cp = vs->cms;
	cms = d2i_CMS_ContentInfo(NULL, &cp, (long)vs->cmslen);
	if (cms == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		fprintf(v->out, "  FAILED: not a CMS SignedData\n");
		ok = false;
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1) {
		fprintf(v->out, "  FAILED: %d signer infos (want 1)\n",
		    sk_CMS_SignerInfo_num(sis));
		ok = false;
		goto out;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	certs = CMS_get1_certs(cms);
	CMS_set1_signers_certs(cms, NULL, 0);
	ERR_clear_error();
	CMS_SignerInfo_get0_algs(si, NULL, &signer, &dalg, NULL);
	if (signer == NULL) {
		fprintf(v->out, "  FAILED: signer certificate not included\n");
		ok = false;
		goto out;
	}
	cert_name(signer, name, sizeof(name));
	fprintf(v->out, "  signer: %s\n", name);
	i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	stime = i >= 0 ? X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0)
	               : NULL;
	if (stime != NULL && stime->type != V_ASN1_UTCTIME &&
	    stime->type != V_ASN1_GENERALIZEDTIME)
		stime = NULL;
	if (vs->claimed[0] != '\0') {
		fprintf(v->out, "  claimed time: %s\n", vs->claimed);
	} else if (stime != NULL) {
		asn1_time_str(stime->value.utctime, when, sizeof(when));
		fprintf(v->out, "  claimed time: %s\n", when);
	} else {
		fprintf(v->out, "  claimed time: none\n");
	}
	if (!check_timestamp(v, si, &ts_present))
		ok = false;
	if (vs->subfilter[0] != '\0' &&
	    strcmp(vs->subfilter, "ETSI.CAdES.detached") != 0)
		fprintf(v->out, "  level: %s (not PAdES baseline)\n",
		    vs->subfilter);
	else
		fprintf(v->out, "  level: %s%s\n",
		    vs->subfilter[0] != '\0' ? "PAdES-" : "CAdES-",
		    ts_present ? "B-T" : "B-B");
	if (vs->subfilter[0] != '\0')
		fprintf(v->out, "  covers: %s\n",
		    vs->whole ? "the whole file"
		              : "an earlier revision of the file");

	/* Digest of the content against the message-digest attribute. */
	md = EVP_get_digestbyobj(dalg->algorithm);
	md_attr = CMS_signed_get0_data_by_OBJ(
	    si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	mctx = EVP_MD_CTX_new();
	if (md == NULL || md_attr == NULL || mctx == NULL ||
	    !EVP_DigestInit_ex(mctx, md, NULL)) {
		fprintf(
		    v->out, "  digest: FAILED (no usable message digest)\n");
		ok = false;
		goto out;
	}
	for (i = 0; i < vs->nranges; i += 2)
		if (sign_hash_file_range(
		        mctx, f, vs->ranges[i], vs->ranges[i + 1]) != PC_OK)
			break;
	if (i < vs->nranges || !EVP_DigestFinal_ex(mctx, digest, &dlen) ||
	    (unsigned)ASN1_STRING_length(md_attr) != dlen ||
	    memcmp(ASN1_STRING_get0_data(md_attr), digest, dlen) != 0) {
		fprintf(v->out, "  digest: FAILED (content changed)\n");
		ok = false;
	} else {
		fprintf(v->out, "  digest: ok (%s)\n", EVP_MD_get0_name(md));
	}
	if (CMS_SignerInfo_verify(si) != 1) {
		fprintf(v->out, "  signature: FAILED\n");
		ok = false;
	} else {
		fprintf(v->out, "  signature: ok\n");
	}
	ERR_clear_error();

	/* Chain. */
	if (v->store == NULL) {
		fprintf(v->out, "  chain: not checked (no --trust)\n");
	} else {
		sctx = X509_STORE_CTX_new();
		if (sctx == NULL ||
		    !X509_STORE_CTX_init(sctx, v->store, signer, certs)) {
			ok = false;
			goto out;
		}
		if (X509_verify_cert(sctx) == 1) {
			fprintf(v->out, "  chain: ok\n");
			chain = X509_STORE_CTX_get1_chain(sctx);
		} else {
			fprintf(v->out, "  chain: FAILED (%s)\n",
			    X509_verify_cert_error_string(
			        X509_STORE_CTX_get_error(sctx)));
			ok = false;
		}
	}
	if (chain != NULL && sk_X509_num(chain) > 1)
		issuer = sk_X509_value(chain, 1);
	for (i = 0; issuer == NULL && i < sk_X509_num(certs); i++)
		if (X509_check_issued(sk_X509_value(certs, i), signer) ==
		    X509_V_OK)
			issuer = sk_X509_value(certs, i);
	fprintf(v->out, "  revocation: %s\n",
	    ocsp_status(v, signer, issuer, certs));
out:
	if (!ok)
		v->all_ok = false;
	ERR_clear_error();
	X509_STORE_CTX_free(sctx);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(certs, X509_free);
	EVP_MD_CTX_free(mctx);
	CMS_ContentInfo_free(cms);
}

/* Collect signature dictionaries of the fields under fields (recursive). */
static void
collect_sigs(fz_context *ctx, pdf_obj *fields, pdf_obj **out, int *n, int depth)
{
	int i;

	if (depth > 16)
		return;
	for (i = 0; i < pdf_array_len(ctx, fields) && *n < VERIFY_MAX_SIGS;
	     i++) {
		pdf_obj *fld = pdf_array_get(ctx, fields, i);
		pdf_obj *kids = pdf_dict_get(ctx, fld, PDF_NAME(Kids));
		pdf_obj *val = pdf_dict_get(ctx, fld, PDF_NAME(V));

		if (pdf_name_eq(ctx,
		        pdf_dict_get_inheritable(ctx, fld, PDF_NAME(FT)),
		        PDF_NAME(Sig)) &&
		    pdf_is_dict(ctx, val) &&
		    pdf_dict_get(ctx, val, PDF_NAME(Contents)) != NULL)
			out[(*n)++] = val;
		if (kids != NULL)
			collect_sigs(ctx, kids, out, n, depth + 1);
	}
}

static enum pc_rc
pdf_sigs_load(const char *path, struct vsig *vs, int *nvs, struct sign_err *err)
{
	fz_context *ctx;
	pdf_document *doc = NULL;
	pdf_obj *sigs[VERIFY_MAX_SIGS];
	int64_t fsize;
	int n = 0, i;
	enum pc_rc rc = PC_OK;

	fsize = sign_file_size(path);
	ctx = sign_fz_context();
	if (ctx == NULL)
		return PC_ENOMEM;
	fz_var(doc);
	fz_var(n);
	fz_var(rc);
	fz_try(ctx)
	{
		doc = pdf_open_document(ctx, path);
		collect_sigs(ctx,
		    pdf_dict_getp(
		        ctx, pdf_trailer(ctx, doc), "Root/AcroForm/Fields"),
		    sigs, &n, 0);
		for (i = 0; i < n; i++) {
			struct vsig *s = &vs[i];
			pdf_obj *br =
			    pdf_dict_get(ctx, sigs[i], PDF_NAME(ByteRange));
			pdf_obj *c =
			    pdf_dict_get(ctx, sigs[i], PDF_NAME(Contents));
			size_t clen = pdf_to_str_len(ctx, c);
			int j;

			memset(s, 0, sizeof(*s));
			if (clen > VERIFY_MAX_CMS)
				clen = VERIFY_MAX_CMS;
			s->cms = malloc(clen > 0 ? clen : 1);
			if (s->cms == NULL)
				fz_throw(ctx, FZ_ERROR_GENERIC, "no memory");
			memcpy(s->cms, pdf_to_str_buf(ctx, c), clen);
			s->cmslen = clen;
			for (j = 0; j < pdf_array_len(ctx, br) && j < 8; j++)
				s->ranges[j] = pdf_array_get_int(ctx, br, j);
			s->nranges = j & ~1;
			if (s->nranges >= 2)
				s->whole = s->ranges[s->nranges - 2] +
				               s->ranges[s->nranges - 1] ==
				           fsize;
			snprintf(s->claimed, sizeof(s->claimed), "%s",
			    pdf_dict_get_text_string(
			        ctx, sigs[i], PDF_NAME(M)));
			snprintf(s->subfilter, sizeof(s->subfilter), "%s",
			    pdf_to_name(ctx, pdf_dict_get(ctx, sigs[i],
			                         PDF_NAME(SubFilter))));
			for (j = 0; j < s->nranges; j++)
				if (s->ranges[j] < 0 || s->ranges[j] > fsize)
					s->nranges = 0;
		}
	}
	fz_always(ctx)
	{
		pdf_drop_document(ctx, doc);
	}
	fz_catch(ctx)
	{
		rc = sign_err_set(err, PC_EINVAL, "pdf_invalid",
		    "cannot read the PDF: %s", fz_caught_message(ctx));
	}
	fz_drop_context(ctx);
	*nvs = n;
	return rc;
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

enum pc_rc
sign_verify_file(const char *path, const struct sign_verify_opts *opts,
    FILE *out, bool *all_ok, struct sign_err *err)
{
	struct vctx v;
	struct vsig *vs = NULL;
	struct buf p7;
	FILE *f = NULL;
	char magic[5] = { 0 };
	int nvs = 0, i;
	enum pc_rc rc = PC_OK;

	memset(&v, 0, sizeof(v));
	v.opts = opts;
	v.out = out;
	v.all_ok = true;
	buf_init(&p7, VERIFY_MAX_CMS);
	vs = calloc(VERIFY_MAX_SIGS, sizeof(*vs));
	if (vs == NULL)
		return PC_ENOMEM;
	if (opts->trust != NULL) {
		v.store = trust_load(opts->trust);
		if (v.store == NULL) {
			rc = sign_err_set(err, PC_EINVAL, "bad_trust",
			    "cannot load trusted certificates from %s",
			    opts->trust);
			goto out;
		}
	}
	f = fopen(path, "rb");
	if (f == NULL || fread(magic, 1, 4, f) != 4) {
		rc = sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", path);
		goto out;
	}
	if (opts->content == NULL && memcmp(magic, "%PDF", 4) == 0) {
		rc = pdf_sigs_load(path, vs, &nvs, err);
		if (rc != PC_OK)
			goto out;
		if (nvs == 0) {
			fprintf(out, "%s: no signatures\n", path);
			v.all_ok = false;
		}
		for (i = 0; i < nvs; i++)
			check_one(&v, i + 1, &vs[i], f);
	} else {
		if (opts->content == NULL) {
			rc = sign_err_set(err, PC_EINVAL, "content_missing",
			    "%s is not a PDF: give the signed file with "
			    "--content",
			    path);
			goto out;
		}
		fclose(f);
		f = NULL;
		rc = file_read(path, VERIFY_MAX_CMS, &p7);
		if (rc != PC_OK) {
			sign_err_set(
			    err, rc, "unreadable", "cannot read %s", path);
			goto out;
		}
		f = fopen(opts->content, "rb");
		if (f == NULL) {
			rc = sign_err_set(err, PC_EIO, "unreadable",
			    "cannot read %s", opts->content);
			goto out;
		}
		vs[0].cms = p7.data;
		vs[0].cmslen = p7.len;
		vs[0].ranges[0] = 0;
		vs[0].ranges[1] = sign_file_size(opts->content);
		vs[0].nranges = 2;
		check_one(&v, 1, &vs[0], f);
		vs[0].cms = NULL;
		vs[0].nranges = 0;
	}
out:
	*all_ok = rc == PC_OK && v.all_ok;
	for (i = 0; i < nvs; i++)
		free(vs[i].cms);
	free(vs);
	if (f != NULL)
		fclose(f);
	buf_cleanup(&p7);
	X509_STORE_free(v.store);
	return rc;
}
