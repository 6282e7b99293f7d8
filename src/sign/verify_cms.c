/*
 * verify_cms.c: the CMS building blocks of verification (ETSI EN 319
 * 102-1 5.2): format, identification of the signing certificate (ESS
 * signing-certificate(-v2): certHash and issuerSerial against the
 * certificate used), digest of the signed bytes, the signature value,
 * the signature timestamp, PDF document timestamps (messageImprint over
 * the byte range) and certificate chains to the trust anchors.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "sign/sign_local.h"
#include "sign/verify_int.h"

static void
name_utf8(const X509_NAME *nm, char *out, size_t n)
{
	BIO *b;
	int len;

	if (sign_name_cn(nm, out, n))
		return;
	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_read(b, out, (int)n - 1);
	out[len > 0 ? len : 0] = '\0';
	BIO_free(b);
}

/* Signer name, issuer and serial into the report. */
static void
cert_describe(X509 *c, struct sign_vsig *s)
{
	BIGNUM *bn;
	char *hex;

	name_utf8(X509_get_subject_name(c), s->signer, sizeof(s->signer));
	name_utf8(X509_get_issuer_name(c), s->issuer, sizeof(s->issuer));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
	hex = bn != NULL ? BN_bn2hex(bn) : NULL;
	snprintf(s->serial, sizeof(s->serial), "%s", hex != NULL ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
}

enum sign_sub
vchain_sub(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return SIGN_SUB_OUT_OF_BOUNDS_NO_POE;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return SIGN_SUB_NOT_YET_VALID;
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return SIGN_SUB_CHAIN_CONSTRAINTS_FAILURE;
	default:
		return SIGN_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE;
	}
}

int
vchain_build(struct vctx *v, X509 *cert, STACK_OF(X509) * certs, int purpose,
    int64_t at, STACK_OF(X509) * *chain)
{
	X509_STORE_CTX *sctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	int i, err = X509_V_ERR_UNSPECIFIED;

	*chain = NULL;
	if (v->store == NULL)
		return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
	untrusted = sk_X509_new_null();
	sctx = X509_STORE_CTX_new();
	if (untrusted == NULL || sctx == NULL)
		goto out;
	for (i = 0; i < sk_X509_num(certs); i++)
		sk_X509_push(untrusted, sk_X509_value(certs, i));
	for (i = 0; i < sk_X509_num(v->vd_certs); i++)
		sk_X509_push(untrusted, sk_X509_value(v->vd_certs, i));
	if (!X509_STORE_CTX_init(sctx, v->store, cert, untrusted))
		goto out;
	if (purpose != 0)
		X509_STORE_CTX_set_purpose(sctx, purpose);
	X509_STORE_CTX_set_time(sctx, 0, (time_t)(at != 0 ? at : v->now));
	if (X509_verify_cert(sctx) == 1) {
		err = X509_V_OK;
		*chain = X509_STORE_CTX_get1_chain(sctx);
	} else {
		err = X509_STORE_CTX_get_error(sctx);
		if (err == X509_V_OK)
			err = X509_V_ERR_UNSPECIFIED;
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(sctx);
	sk_X509_free(untrusted); /* the certificates are borrowed */
	return err;
}

/* Chain of e's signer at now into e->chain and the chain check. */
static void
chain_check(struct vctx *v, struct ventry *e, struct sign_check *c, int purpose,
    const char *what)
{
	if (v->store == NULL) {
		e->chain_err = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
		vcheck_set(c, SIGN_CHK_NONE, "no trust anchors (--trust)");
		return;
	}
	e->chain_err =
	    vchain_build(v, e->signer, e->certs, purpose, 0, &e->chain);
	if (e->chain_err == X509_V_OK)
		vcheck_set(c, SIGN_CHK_OK, "%s chains to a trust anchor", what);
	else if (vchain_sub(e->chain_err) ==
	         SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND)
		vcheck_set(c, SIGN_CHK_UNSURE,
		    "no chain to a trust anchor (%s)",
		    X509_verify_cert_error_string(e->chain_err));
	else
		vcheck_set(c, SIGN_CHK_FAILED, "%s",
		    X509_verify_cert_error_string(e->chain_err));
}

/*
 * ESS signing-certificate(-v2) of si against signer: OK, absent (0) or
 * not matching (-1).
 */
static int
ess_check(CMS_SignerInfo *si, X509 *signer, char *msg, size_t n)
{
	ASN1_STRING *a1, *a2;
	ESS_SIGNING_CERT *ss = NULL;
	ESS_SIGNING_CERT_V2 *ss2 = NULL;
	STACK_OF(X509) *one = NULL;
	const unsigned char *p;
	int r = -1;

	a1 = CMS_signed_get0_data_by_OBJ(si,
	    OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3,
	    V_ASN1_SEQUENCE);
	a2 = CMS_signed_get0_data_by_OBJ(si,
	    OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3,
	    V_ASN1_SEQUENCE);
	if (a1 == NULL && a2 == NULL) {
		snprintf(msg, n, "no signing-certificate(-v2) attribute");
		return 0;
	}
	if (a1 != NULL) {
		p = ASN1_STRING_get0_data(a1);
		ss = d2i_ESS_SIGNING_CERT(NULL, &p, ASN1_STRING_length(a1));
	}
	if (a2 != NULL) {
		p = ASN1_STRING_get0_data(a2);
		ss2 = d2i_ESS_SIGNING_CERT_V2(NULL, &p, ASN1_STRING_length(a2));
	}
	one = sk_X509_new_null();
	if ((a1 != NULL && ss == NULL) || (a2 != NULL && ss2 == NULL)) {
		snprintf(msg, n, "malformed signing-certificate attribute");
		goto out;
	}
	if (one == NULL || !sk_X509_push(one, signer))
		goto out;
	if (OSSL_ESS_check_signing_certs(ss, ss2, one, 1) == 1) {
		snprintf(msg, n,
		    "signing-certificate%s matches the "
		    "certificate (hash%s)",
		    ss2 != NULL ? "-v2" : "", " and issuer/serial when given");
		r = 1;
	} else {
		snprintf(msg, n,
		    "the certificate in the signature is not the "
		    "one its signing-certificate%s attribute names "
		    "(certHash or issuerSerial differ)",
		    ss2 != NULL ? "-v2" : "");
	}
out:
	ERR_clear_error();
	sk_X509_free(one);
	ESS_SIGNING_CERT_free(ss);
	ESS_SIGNING_CERT_V2_free(ss2);
	return r;
}

/* Hash e's ranges of f with md into out. */
static bool
hash_ranges(const struct ventry *e, FILE *f, const EVP_MD *md,
    unsigned char *out, unsigned int *outlen)
{
	EVP_MD_CTX *mctx;
	bool ok;
	int i;

	mctx = EVP_MD_CTX_new();
	ok = mctx != NULL && EVP_DigestInit_ex(mctx, md, NULL);
	for (i = 0; ok && i < e->nranges; i += 2)
		ok = sign_hash_file_range(
		         mctx, f, e->ranges[i], e->ranges[i + 1]) == PC_OK;
	ok = ok && EVP_DigestFinal_ex(mctx, out, outlen);
	EVP_MD_CTX_free(mctx);
	return ok;
}

/*
 * A timestamp token (DER ContentInfo) whose messageImprint must be the
 * hash of data (when data is not NULL: what, for messages) or of e's
 * ranges of f. Fills ts; the TSA chain goes to *chain (owned).
 */
static void
ts_check(struct vctx *v, const unsigned char *der, size_t len,
    const unsigned char *data, size_t dlen, const char *what, struct ventry *e,
    FILE *f, struct sign_vts *ts, STACK_OF(X509) * *chain)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = NULL;
	PKCS7 *p7 = NULL;
	TS_TST_INFO *tst = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	ASN1_OCTET_STRING *imp;
	const GENERAL_NAME *tsa;
	const EVP_MD *md;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;
	struct ventry te;
	char msg[SIGN_MSG_MAX];
	bool ok;

	memset(&te, 0, sizeof(te));
	ts->present = true;
	p7 = d2i_PKCS7(NULL, &p, (long)len);
	tst = p7 != NULL ? PKCS7_to_TS_TST_INFO(p7) : NULL;
	p = der;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (tst == NULL || cms == NULL) {
		vcheck_set(&ts->signature, SIGN_CHK_FAILED,
		    "malformed timestamp token");
		goto out;
	}
	ts->time = vasn1_time(TS_TST_INFO_get_time(tst));
	tsa = TS_TST_INFO_get_tsa(tst);
	if (tsa != NULL && tsa->type == GEN_DIRNAME)
		name_utf8(tsa->d.directoryName, ts->tsa, sizeof(ts->tsa));
	imp = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
	md = EVP_get_digestbyobj(
	    TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst))
	        ->algorithm);
	if (md == NULL)
		ok = false;
	else if (data != NULL)
		ok = EVP_Digest(data, dlen, h, &hlen, md, NULL);
	else
		ok = hash_ranges(e, f, md, h, &hlen);
	if (ok && (unsigned)ASN1_STRING_length(imp) == hlen &&
	    memcmp(ASN1_STRING_get0_data(imp), h, hlen) == 0)
		vcheck_set(&ts->imprint, SIGN_CHK_OK,
		    "messageImprint matches the %s (%s)",
		    data != NULL ? what : "signed bytes", EVP_MD_get0_name(md));
	else
		vcheck_set(&ts->imprint, SIGN_CHK_FAILED,
		    "messageImprint does not match the %s",
		    data != NULL ? what : "signed bytes");
	/* Signature and ESS signing-certificate of the token. */
	if (CMS_verify(cms, NULL, NULL, NULL, NULL,
	        CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
		vcheck_set(&ts->signature, SIGN_CHK_FAILED,
		    "the timestamp's signature does not verify");
		goto out;
	}
	signers = CMS_get0_signers(cms);
	certs = CMS_get1_certs(cms);
	if (sk_X509_num(signers) != 1) {
		vcheck_set(&ts->signature, SIGN_CHK_FAILED,
		    "the timestamp names no signer certificate");
		goto out;
	}
	te.signer = sk_X509_value(signers, 0);
	if (ess_check(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0),
	        te.signer, msg, sizeof(msg)) != 1) {
		vcheck_set(&ts->signature, SIGN_CHK_FAILED,
		    "the timestamp's signing certificate: %s", msg);
		goto out;
	}
	vcheck_set(&ts->signature, SIGN_CHK_OK,
	    "the timestamp's signature verifies (and its "
	    "signing-certificate)");
	te.certs = certs;
	if (ts->tsa[0] == '\0')
		name_utf8(
		    X509_get_subject_name(te.signer), ts->tsa, sizeof(ts->tsa));
	chain_check(v, &te, &ts->chain, X509_PURPOSE_TIMESTAMP_SIGN,
	    "the TSA certificate");
	if (te.chain_err == X509_V_ERR_CERT_HAS_EXPIRED && ts->time != 0) {
		/* A timestamp outlives its unit's certificate. */
		te.chain_err = vchain_build(v, te.signer, te.certs,
		    X509_PURPOSE_TIMESTAMP_SIGN, ts->time, &te.chain);
		if (te.chain_err == X509_V_OK)
			vcheck_set(&ts->chain, SIGN_CHK_OK,
			    "the TSA certificate chains to a trust anchor "
			    "at the timestamp's time");
	}
	*chain = te.chain;
	te.chain = NULL;
out:
	ERR_clear_error();
	sk_X509_free(signers);
	sk_X509_pop_free(certs, X509_free);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	CMS_ContentInfo_free(cms);
}

/* The signature timestamp (B-T) of si, over its signature value. */
static void
sig_timestamp(struct vctx *v, struct ventry *e, CMS_SignerInfo *si)
{
	ASN1_STRING *tok;
	ASN1_OCTET_STRING *sigval;

	tok = CMS_unsigned_get0_data_by_OBJ(si,
	    OBJ_nid2obj(NID_id_smime_aa_timeStampToken), -3, V_ASN1_SEQUENCE);
	if (tok == NULL)
		return;
	sigval = CMS_SignerInfo_get0_signature(si);
	ts_check(v, ASN1_STRING_get0_data(tok), (size_t)ASN1_STRING_length(tok),
	    ASN1_STRING_get0_data(sigval), (size_t)ASN1_STRING_length(sigval),
	    "signature value", e, NULL, &e->s->ts, &e->ts_chain);
	e->ts_time = e->s->ts.time;
}

/* The hash algorithm of a timestamp token's messageImprint, or NULL. */
static const EVP_MD *
token_md(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	PKCS7 *p7;
	TS_TST_INFO *tst;
	const EVP_MD *md = NULL;

	p7 = d2i_PKCS7(NULL, &p, (long)len);
	tst = p7 != NULL ? PKCS7_to_TS_TST_INFO(p7) : NULL;
	if (tst != NULL)
		md = EVP_get_digestbyobj(
		    TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(tst))
		        ->algorithm);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	ERR_clear_error();
	return md;
}

/* The DER ATSHashIndexV3 in the token's unsigned attributes, or NULL. */
static ASN1_STRING *
token_index(const unsigned char *der, size_t len, CMS_ContentInfo **keep)
{
	const unsigned char *p = der;
	ASN1_OBJECT *obj = OBJ_txt2obj(SIGN_OID_ATS_HASH_INDEX_V3, 1);
	CMS_SignerInfo *tsi;
	ASN1_STRING *idx = NULL;

	*keep = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	tsi = *keep != NULL
	          ? sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(*keep), 0)
	          : NULL;
	if (tsi != NULL && obj != NULL)
		idx = CMS_unsigned_get0_data_by_OBJ(
		    tsi, obj, -3, V_ASN1_SEQUENCE);
	ASN1_OBJECT_free(obj);
	ERR_clear_error();
	return idx;
}

/*
 * The archive-time-stamp-v3 (CAdES B-LTA) of si, the last one: its
 * messageImprint recomputed over the content (e's ranges of f), the
 * file's DER and the ats-hash-index-v3 the token carries, which must
 * name only data still in the signature (ETSI EN 319 122-1 5.5.3).
 */
static void
archive_timestamp(struct vctx *v, struct ventry *e, CMS_SignerInfo *si, FILE *f)
{
	struct sign_vts *ats = &e->s->ats;
	ASN1_OBJECT *obj = OBJ_txt2obj(SIGN_OID_ATS_V3, 1);
	CMS_ContentInfo *tok = NULL;
	ASN1_STRING *der, *idx;
	const EVP_MD *md, *imd = NULL;
	unsigned char ch[EVP_MAX_MD_SIZE];
	unsigned int chlen = 0;
	struct buf in;
	const char *bad = NULL;
	int i, last = -1;

	buf_init(&in, SIGN_CADES_MAX);
	for (i = obj != NULL ? CMS_unsigned_get_attr_by_OBJ(si, obj, -1) : -1;
	     i >= 0; i = CMS_unsigned_get_attr_by_OBJ(si, obj, i))
		last = i;
	if (last < 0)
		goto out;
	der = X509_ATTRIBUTE_get0_data(
	    CMS_unsigned_get_attr(si, last), 0, V_ASN1_SEQUENCE, NULL);
	if (der == NULL) {
		ats->present = true;
		vcheck_set(&ats->signature, SIGN_CHK_FAILED,
		    "malformed archive timestamp");
		goto out;
	}
	md = token_md(ASN1_STRING_get0_data(der), ASN1_STRING_length(der));
	idx = token_index(
	    ASN1_STRING_get0_data(der), ASN1_STRING_length(der), &tok);
	if (idx == NULL)
		bad = "the token has no ats-hash-index-v3";
	else if (sign_ats_index_check(e->der, e->derlen,
	             ASN1_STRING_get0_data(idx),
	             (size_t)ASN1_STRING_length(idx), &imd) != PC_OK)
		bad = "its ats-hash-index-v3 names data no longer in the "
		      "signature (certificates, revocation data or unsigned "
		      "attributes changed or removed)";
	else if (md == NULL || EVP_MD_get_type(imd) != EVP_MD_get_type(md))
		bad = "its ats-hash-index-v3 uses another hash algorithm";
	else if (!hash_ranges(e, f, md, ch, &chlen))
		bad = "cannot read the signed content";
	else if (sign_ats_input(e->der, e->derlen, ch, chlen,
	             ASN1_STRING_get0_data(idx),
	             (size_t)ASN1_STRING_length(idx), &in) != PC_OK)
		bad = "cannot read the signature's fields";
	ts_check(v, ASN1_STRING_get0_data(der), (size_t)ASN1_STRING_length(der),
	    in.data != NULL ? in.data : ch, in.len,
	    "archived signature (EN 319 122-1 5.5.3)", e, NULL, ats,
	    &e->ats_chain);
	if (bad != NULL)
		vcheck_set(&ats->imprint, SIGN_CHK_FAILED, "%s", bad);
out:
	ERR_clear_error();
	ASN1_OBJECT_free(obj);
	CMS_ContentInfo_free(tok);
	buf_cleanup(&in);
}

/* Parse e->der: a SignedData with one SignerInfo. NULL: format failed. */
static CMS_ContentInfo *
cms_parse(struct ventry *e, CMS_SignerInfo **sip)
{
	const unsigned char *p = e->der;
	CMS_ContentInfo *cms;
	STACK_OF(CMS_SignerInfo) * sis;

	cms = d2i_CMS_ContentInfo(NULL, &p, (long)e->derlen);
	if (cms == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		vcheck_set(
		    &e->s->format, SIGN_CHK_FAILED, "not a CMS SignedData");
		goto fail;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sk_CMS_SignerInfo_num(sis) != 1) {
		vcheck_set(&e->s->format, SIGN_CHK_FAILED,
		    "%d signer infos (want 1)", sk_CMS_SignerInfo_num(sis));
		goto fail;
	}
	*sip = sk_CMS_SignerInfo_value(sis, 0);
	return cms;
fail:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	return NULL;
}

void
vcms_check(struct vctx *v, struct ventry *e, FILE *f)
{
	struct sign_vsig *s = e->s;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si = NULL;
	X509_ALGOR *dalg = NULL;
	ASN1_OCTET_STRING *md_attr;
	const ASN1_TYPE *stime;
	const EVP_MD *md;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char msg[SIGN_MSG_MAX];
	int i, ess;

	cms = cms_parse(e, &si);
	if (cms == NULL)
		return;
	e->certs = CMS_get1_certs(cms);
	CMS_set1_signers_certs(cms, v->vd_certs, 0);
	ERR_clear_error();
	CMS_SignerInfo_get0_algs(si, NULL, &e->signer, &dalg, NULL);
	if (CMS_signed_get_attr_count(si) <= 0) {
		vcheck_set(&s->format, SIGN_CHK_FAILED,
		    "no signed attributes (not supported)");
		goto out;
	}
	vcheck_set(&s->format, SIGN_CHK_OK, "CMS SignedData, one signer");
	i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	stime = i >= 0 ? X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0)
	               : NULL;
	if (s->claimed == 0 && stime != NULL &&
	    (stime->type == V_ASN1_UTCTIME ||
	        stime->type == V_ASN1_GENERALIZEDTIME))
		s->claimed = vasn1_time(stime->value.utctime);

	/* Identification of the signing certificate. */
	if (e->signer == NULL) {
		vcheck_set(&s->signer_id, SIGN_CHK_UNSURE,
		    "the signer's certificate is not in the signature or the "
		    "file");
	} else {
		X509_up_ref(e->signer);
		ess = ess_check(si, e->signer, msg, sizeof(msg));
		if (ess > 0) {
			vcheck_set(&s->signer_id, SIGN_CHK_OK, "%s", msg);
			cert_describe(e->signer, s);
		} else if (ess == 0 && e->baseline) {
			vcheck_set(&s->signer_id, SIGN_CHK_FAILED,
			    "%s, required for a baseline signature", msg);
			cert_describe(e->signer, s);
		} else if (ess == 0) {
			vcheck_set(&s->signer_id, SIGN_CHK_OK,
			    "from the SignerInfo (no signing-certificate "
			    "attribute: not a baseline signature)");
			cert_describe(e->signer, s);
		} else {
			vcheck_set(&s->signer_id, SIGN_CHK_UNSURE, "%s", msg);
		}
	}

	/* Digest of the signed bytes against message-digest. */
	md = dalg != NULL ? EVP_get_digestbyobj(dalg->algorithm) : NULL;
	md_attr = CMS_signed_get0_data_by_OBJ(
	    si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (md == NULL || md_attr == NULL)
		vcheck_set(
		    &s->digest, SIGN_CHK_FAILED, "no usable message digest");
	else if (!hash_ranges(e, f, md, digest, &dlen))
		vcheck_set(&s->digest, SIGN_CHK_FAILED,
		    "cannot read the signed bytes");
	else if ((unsigned)ASN1_STRING_length(md_attr) != dlen ||
	         memcmp(ASN1_STRING_get0_data(md_attr), digest, dlen) != 0)
		vcheck_set(&s->digest, SIGN_CHK_FAILED,
		    "the signed bytes changed (%s differs)",
		    EVP_MD_get0_name(md));
	else
		vcheck_set(&s->digest, SIGN_CHK_OK,
		    "%s of the signed bytes "
		    "matches",
		    EVP_MD_get0_name(md));

	/* The signature value over the signed attributes. */
	if (e->signer == NULL)
		vcheck_set(&s->signature, SIGN_CHK_NONE, "no certificate");
	else if (CMS_SignerInfo_verify(si) == 1)
		vcheck_set(&s->signature, SIGN_CHK_OK,
		    "the signature value verifies with the certificate's key");
	else
		vcheck_set(&s->signature, SIGN_CHK_FAILED,
		    "the signature value does not verify");
	ERR_clear_error();

	sig_timestamp(v, e, si);
	archive_timestamp(v, e, si, f);
	if (e->signer != NULL)
		chain_check(v, e, &s->chain, 0, "the signer's certificate");
	else
		vcheck_set(&s->chain, SIGN_CHK_NONE, "no certificate");
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
}

void
vcms_doc_timestamp(struct vctx *v, struct ventry *e, FILE *f)
{
	struct sign_vsig *s = e->s;
	const unsigned char *p = e->der;
	CMS_ContentInfo *cms;

	cms = d2i_CMS_ContentInfo(NULL, &p, (long)e->derlen);
	if (cms == NULL || OBJ_obj2nid(CMS_get0_eContentType(cms)) !=
	                       NID_id_smime_ct_TSTInfo) {
		vcheck_set(&s->format, SIGN_CHK_FAILED,
		    "/Contents is not an RFC 3161 timestamp token");
		ERR_clear_error();
		CMS_ContentInfo_free(cms);
		return;
	}
	CMS_ContentInfo_free(cms);
	vcheck_set(&s->format, SIGN_CHK_OK, "RFC 3161 timestamp token");
	ts_check(v, e->der, e->derlen, NULL, 0, NULL, e, f, &s->ts, &e->chain);
	e->ts_time = s->ts.time;
	snprintf(s->signer, sizeof(s->signer), "%s", s->ts.tsa);
	s->digest = s->ts.imprint;
	s->signature = s->ts.signature;
	s->chain = s->ts.chain;
	vcheck_set(&s->signer_id, SIGN_CHK_OK,
	    "the TSA's ESS signing-certificate matches");
	if (s->ts.signature.st != SIGN_CHK_OK)
		s->signer_id = s->ts.signature;
}
