/*
 * cms.c: the CMS SignedData of both PAdES and CAdES, built without the
 * private key: CMS_PARTIAL with the certificate's public key, signed
 * attributes DER-encoded here (SET OF, sorted), their hash signed through
 * the signer's hsm_sign_fn, the value set into the SignerInfo.
 * (CMS_SignerInfo_sign would always add signing-time, which PAdES forbids.)
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/log.h"
#include "sign/sign.h"

struct der_item {
	unsigned char *p;
	int n;
};

static int
der_item_cmp(const void *a, const void *b)
{
	const struct der_item *x = a, *y = b;
	int n = x->n < y->n ? x->n : y->n;
	int c;

	c = memcmp(x->p, y->p, (size_t)n);
	if (c != 0)
		return c;
	return x->n - y->n;
}

/*
 * DER of the signed attributes as the SET OF that is signed (RFC 5652
 * 5.4): each attribute encoded, sorted by encoding, wrapped in a SET.
 */
static enum pc_rc
signed_attrs_der(CMS_SignerInfo *si, struct buf *out)
{
	struct der_item *items = NULL;
	size_t total = 0;
	int i, n;
	enum pc_rc rc = PC_OK;
	uint8_t hdr[6];
	size_t hl;

	n = CMS_signed_get_attr_count(si);
	if (n <= 0)
		return PC_EINTERNAL;
	items = calloc((size_t)n, sizeof(*items));
	if (items == NULL)
		return PC_ENOMEM;
	for (i = 0; i < n; i++) {
		items[i].p = NULL;
		items[i].n =
		    i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &items[i].p);
		if (items[i].n <= 0) {
			rc = ossl_fail("sign: encode attribute");
			goto out;
		}
		total += (size_t)items[i].n;
	}
	qsort(items, (size_t)n, sizeof(*items), der_item_cmp);
	hdr[0] = 0x31;
	if (total < 0x80) {
		hdr[1] = (uint8_t)total;
		hl = 2;
	} else if (total < 0x100) {
		hdr[1] = 0x81;
		hdr[2] = (uint8_t)total;
		hl = 3;
	} else if (total < 0x10000) {
		hdr[1] = 0x82;
		hdr[2] = (uint8_t)(total >> 8);
		hdr[3] = (uint8_t)total;
		hl = 4;
	} else {
		rc = PC_ELIMIT;
		goto out;
	}
	buf_append(out, hdr, hl);
	for (i = 0; i < n; i++)
		buf_append(out, items[i].p, (size_t)items[i].n);
	if (!buf_ok(out))
		rc = buf_rc(out);
out:
	for (i = 0; items != NULL && i < n; i++)
		OPENSSL_free(items[i].p);
	free(items);
	return rc;
}

enum pc_rc
sign_cms_add_timestamp(
    CMS_SignerInfo *si, const char *url, int md_nid, struct sign_err *err)
{
	ASN1_OCTET_STRING *sigval;
	ASN1_STRING *tok = NULL;
	struct buf token;
	uint8_t hash[EVP_MAX_MD_SIZE];
	unsigned int hlen;
	enum pc_rc rc;

	buf_init(&token, SIGN_TSA_MAX_REPLY);
	sigval = CMS_SignerInfo_get0_signature(si);
	if (!EVP_Digest(ASN1_STRING_get0_data(sigval),
	        ASN1_STRING_length(sigval), hash, &hlen,
	        EVP_get_digestbynid(md_nid), NULL)) {
		rc = ossl_fail("sign: hash signature value");
		goto out;
	}
	rc = sign_tsa_request(url, md_nid, hash, hlen, &token, err);
	if (rc != PC_OK)
		goto out;
	tok = ASN1_STRING_new();
	if (tok == NULL || !ASN1_STRING_set(tok, token.data, (int)token.len) ||
	    !CMS_unsigned_add1_attr_by_NID(
	        si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, tok, -1)) {
		rc = ossl_fail("sign: add timestamp");
		goto out;
	}
out:
	ASN1_STRING_free(tok);
	buf_cleanup(&token);
	return rc;
}

/*
 * The CMS of sign_cms_build up to its signature: the SignerInfo with its
 * signed attributes and their hash (what the key signs). OUT: *cmsp
 * (CMS_ContentInfo_free), *sip (inside it), tbs.
 */
static enum pc_rc
cms_prepare(const struct sign_signer *s, const struct sign_opts *opts,
    const uint8_t *digest, size_t dlen, bool signing_time,
    CMS_ContentInfo **cmsp, CMS_SignerInfo **sip, struct sign_tbs *tbs)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ASN1_TIME *t = NULL;
	const EVP_MD *md;
	struct buf attrs;
	unsigned int hlen;
	int i, md_nid;
	enum pc_rc rc = PC_ECRYPTO;

	*cmsp = NULL;
	*sip = NULL;
	memset(tbs, 0, sizeof(*tbs));
	buf_init(&attrs, 65536);
	md_nid = opts->md_nid != 0 ? opts->md_nid : NID_sha256;
	md = EVP_get_digestbynid(md_nid);
	if (md == NULL || (size_t)EVP_MD_get_size(md) != dlen ||
	    (size_t)EVP_MD_get_size(md) > sizeof(tbs->hash)) {
		rc = PC_EINTERNAL;
		goto out;
	}
	cms = CMS_sign(
	    NULL, NULL, NULL, NULL, CMS_DETACHED | CMS_PARTIAL | CMS_BINARY);
	if (cms == NULL)
		goto out;
	si = CMS_add1_signer(cms, s->cert, X509_get0_pubkey(s->cert), md,
	    CMS_PARTIAL | CMS_CADES | CMS_NOSMIMECAP | CMS_BINARY);
	if (si == NULL)
		goto out;
	for (i = 0; i < sk_X509_num(s->chain); i++)
		if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
			goto out;
	if (CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) < 0 &&
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType,
	        V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1))
		goto out;
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest,
	        V_ASN1_OCTET_STRING, digest, (int)dlen))
		goto out;
	if (signing_time) {
		t = ASN1_TIME_set(
		    NULL, (time_t)(opts->now != 0 ? opts->now : clock_now()));
		if (t == NULL || !CMS_signed_add1_attr_by_NID(
		                     si, NID_pkcs9_signingTime, t->type, t, -1))
			goto out;
	}
	rc = signed_attrs_der(si, &attrs);
	if (rc != PC_OK)
		goto out;
	if (!EVP_Digest(attrs.data, attrs.len, tbs->hash, &hlen, md, NULL)) {
		rc = PC_ECRYPTO;
		goto out;
	}
	tbs->hlen = hlen;
	tbs->md_nid = md_nid;
	tbs->mech = s->mech;
	*cmsp = cms;
	*sip = si;
	cms = NULL;
	rc = PC_OK;
out:
	if (rc == PC_ECRYPTO)
		ossl_fail("sign: build cms");
	ASN1_TIME_free(t);
	CMS_ContentInfo_free(cms);
	buf_cleanup(&attrs);
	return rc;
}

enum pc_rc
sign_cms_build(const struct sign_signer *s, const struct sign_opts *opts,
    const uint8_t *digest, size_t dlen, bool signing_time,
    CMS_ContentInfo **out, struct sign_err *err)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	struct sign_tbs tbs;
	uint8_t sig[HSM_SIG_MAX];
	size_t siglen = 0;
	enum pc_rc rc;

	rc = cms_prepare(s, opts, digest, dlen, signing_time, &cms, &si, &tbs);
	if (rc != PC_OK)
		goto out;
	rc = s->fn(
	    s->arg, s->mech, tbs.md_nid, tbs.hash, tbs.hlen, sig, &siglen);
	if (rc != PC_OK) {
		if (rc == PC_ECRYPTO)
			ossl_fail("sign: build cms");
		rc = sign_err_set(
		    err, rc, "sign_failed", "the signing key refused to sign");
		goto out;
	}
	if (!ASN1_STRING_set(
	        CMS_SignerInfo_get0_signature(si), sig, (int)siglen)) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (opts->level >= SIGN_LEVEL_BT) {
		if (opts->tsa_url == NULL) {
			rc = sign_err_set(err, PC_EINVAL, "tsa_missing",
			    "level B-T needs a timestamp server (--tsa URL)");
			goto out;
		}
		rc = sign_cms_add_timestamp(si, opts->tsa_url, tbs.md_nid, err);
		if (rc != PC_OK)
			goto out;
	}
	*out = cms;
	cms = NULL;
out:
	CMS_ContentInfo_free(cms);
	return rc;
}

enum pc_rc
sign_cms_tbs(const struct sign_signer *s, const struct sign_opts *opts,
    const uint8_t *digest, size_t dlen, bool signing_time, struct sign_tbs *out)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    s != NULL && opts != NULL && out != NULL, PC_EINTERNAL);
	rc = cms_prepare(s, opts, digest, dlen, signing_time, &cms, &si, out);
	CMS_ContentInfo_free(cms);
	return rc;
}
