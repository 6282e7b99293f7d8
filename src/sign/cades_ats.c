/*
 * cades_ats.c: the archive-time-stamp-v3 of CAdES B-LTA (ETSI EN 319
 * 122-1 5.5.2 and 5.5.3). The timestamp's messageImprint is the hash of
 * (1) the DER of SignedData.encapContentInfo.eContentType, (2) the hash
 * of the signed content (the external file of a detached .p7s), (3) the
 * SignerInfo's fields version, sid, digestAlgorithm, signedAttrs,
 * signatureAlgorithm and signature as they are encoded in the file, and
 * (4) the DER of an ATSHashIndexV3 listing the hash of each certificate,
 * each revocation entry (crls) and each value of each unsigned attribute
 * present when the timestamp is made; that index travels in the token's
 * own unsigned attributes (ats-hash-index-v3). All parts are read from
 * the DER of the CMS, as encoded: what is hashed is what is in the file.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "base/log.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

#define ATS_MAX_ITEMS 256

/* A DER TLV inside a buffer: its start, header length and content. */
struct tlv {
	const uint8_t *p; /* the tag */
	size_t hl, len;   /* header and content lengths */
};

/* A read cursor over DER content. */
struct der_cur {
	const uint8_t *p;
	size_t n;
};

/* The next TLV at c (definite lengths only); false when malformed. */
static bool
der_next(struct der_cur *c, struct tlv *t)
{
	size_t hl = 2, len, k, i;

	if (c->n < 2 || (c->p[0] & 0x1f) == 0x1f)
		return false;
	len = c->p[1];
	if (len & 0x80) {
		k = len & 0x7f;
		if (k == 0 || k > 4 || c->n < 2 + k)
			return false;
		len = 0;
		for (i = 0; i < k; i++)
			len = (len << 8) | c->p[2 + i];
		hl += k;
	}
	if (len > c->n - hl)
		return false;
	t->p = c->p;
	t->hl = hl;
	t->len = len;
	c->p += hl + len;
	c->n -= hl + len;
	return true;
}

static struct der_cur
der_in(const struct tlv *t)
{
	struct der_cur c = { NULL, 0 };

	if (t->p != NULL) {
		c.p = t->p + t->hl;
		c.n = t->len;
	}
	return c;
}

static size_t
tlv_size(const struct tlv *t)
{
	return t->hl + t->len;
}

/* The parts of a CMS SignedData (one SignerInfo) the imprint uses. */
struct ats_parts {
	struct tlv ctype;  /* encapContentInfo.eContentType */
	struct tlv certs;  /* [0] certificates, len 0 when absent */
	struct tlv crls;   /* [1] crls, len 0 when absent */
	const uint8_t *sf; /* SignerInfo: version .. signature */
	size_t sflen;
	struct tlv uattrs; /* [1] unsignedAttrs, len 0 when absent */
};

static bool
ats_parse(const uint8_t *der, size_t len, struct ats_parts *pt)
{
	struct der_cur c = { der, len }, ci, sd, eci, sis, si;
	struct tlv t, u;

	memset(pt, 0, sizeof(*pt));
	/* ContentInfo { contentType, [0] { SignedData } } */
	if (!der_next(&c, &t) || t.p[0] != 0x30)
		return false;
	ci = der_in(&t);
	if (!der_next(&ci, &t) || t.p[0] != 0x06 || !der_next(&ci, &t) ||
	    t.p[0] != 0xa0)
		return false;
	ci = der_in(&t);
	if (!der_next(&ci, &t) || t.p[0] != 0x30)
		return false;
	sd = der_in(&t);
	/* version, digestAlgorithms, encapContentInfo */
	if (!der_next(&sd, &t) || t.p[0] != 0x02 || !der_next(&sd, &t) ||
	    t.p[0] != 0x31 || !der_next(&sd, &t) || t.p[0] != 0x30)
		return false;
	eci = der_in(&t);
	if (!der_next(&eci, &pt->ctype) || pt->ctype.p[0] != 0x06)
		return false;
	/* [0] certificates, [1] crls, signerInfos */
	if (!der_next(&sd, &t))
		return false;
	if (t.p[0] == 0xa0) {
		pt->certs = t;
		if (!der_next(&sd, &t))
			return false;
	}
	if (t.p[0] == 0xa1) {
		pt->crls = t;
		if (!der_next(&sd, &t))
			return false;
	}
	if (t.p[0] != 0x31)
		return false;
	sis = der_in(&t);
	if (!der_next(&sis, &t) || t.p[0] != 0x30 || sis.n != 0)
		return false;
	si = der_in(&t);
	pt->sf = si.p;
	while (si.n > 0) {
		if (!der_next(&si, &u))
			return false;
		if (u.p[0] == 0xa1) {
			pt->uattrs = u;
			break;
		}
		pt->sflen += tlv_size(&u);
	}
	return si.n == 0 && pt->sflen > 0;
}

/* Append OCTET STRING(md(a || b)) to out (b may be NULL). */
static bool
hash_octets(const EVP_MD *md, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, struct buf *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hlen = 0;
	bool ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) &&
	     EVP_DigestUpdate(ctx, a, alen) &&
	     (b == NULL || EVP_DigestUpdate(ctx, b, blen)) &&
	     EVP_DigestFinal_ex(ctx, h, &hlen);
	EVP_MD_CTX_free(ctx);
	if (ok) {
		sign_der_head(out, 0x04, hlen);
		buf_append(out, h, hlen);
	}
	return ok;
}

/* When ok, seq (the hashes) as a SEQUENCE into out; seq is freed. */
static bool
seq_close(bool ok, struct buf *seq, struct buf *out)
{
	ok = ok && buf_ok(seq);
	if (ok) {
		sign_der_head(out, 0x30, seq->len);
		buf_append(out, seq->data, seq->len);
	}
	buf_cleanup(seq);
	return ok;
}

/* SEQUENCE OF OCTET STRING: the hash of each element of set. */
static bool
hash_each(const EVP_MD *md, const struct tlv *set, struct buf *out)
{
	struct der_cur c = der_in(set);
	struct buf seq;
	struct tlv t;
	bool ok = true;
	size_t n = 0;

	buf_init(&seq, ATS_MAX_ITEMS * (EVP_MAX_MD_SIZE + 2));
	while (ok && set->p != NULL && c.n > 0 && n++ < ATS_MAX_ITEMS)
		ok = der_next(&c, &t) &&
		     hash_octets(md, t.p, tlv_size(&t), NULL, 0, &seq);
	return seq_close(ok && c.n == 0, &seq, out);
}

/*
 * SEQUENCE OF OCTET STRING: for each unsigned attribute and each of its
 * values, the hash of the attrType's DER and the value's DER.
 */
static bool
hash_attr_values(const EVP_MD *md, const struct tlv *ua, struct buf *out)
{
	struct der_cur c = der_in(ua), a, vals;
	struct buf seq;
	struct tlv attr, type, set, val;
	bool ok = true;
	size_t n = 0;

	buf_init(&seq, ATS_MAX_ITEMS * (EVP_MAX_MD_SIZE + 2));
	while (ok && ua->p != NULL && c.n > 0 && n < ATS_MAX_ITEMS) {
		ok = der_next(&c, &attr) && attr.p[0] == 0x30;
		if (!ok)
			break;
		a = der_in(&attr);
		ok = der_next(&a, &type) && type.p[0] == 0x06 &&
		     der_next(&a, &set) && set.p[0] == 0x31 && a.n == 0;
		if (!ok)
			break;
		vals = der_in(&set);
		while (ok && vals.n > 0 && n++ < ATS_MAX_ITEMS)
			ok = der_next(&vals, &val) &&
			     hash_octets(md, type.p, tlv_size(&type), val.p,
			         tlv_size(&val), &seq);
	}
	return seq_close(ok && c.n == 0, &seq, out);
}

/*
 * The ATSHashIndexV3 of the CMS der (hashIndAlgorithm md, left out when
 * SHA-256, its DEFAULT) into out.
 */
static enum pc_rc
ats_index(const struct ats_parts *pt, const EVP_MD *md, struct buf *out)
{
	X509_ALGOR *alg = NULL;
	unsigned char *ad = NULL;
	struct buf body;
	enum pc_rc rc = PC_OK;
	int adlen = 0;

	buf_init(&body, 3 * ATS_MAX_ITEMS * (EVP_MAX_MD_SIZE + 2) + 64);
	if (EVP_MD_get_type(md) != NID_sha256) {
		alg = X509_ALGOR_new();
		if (alg == NULL ||
		    !X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(md)),
		        V_ASN1_UNDEF, NULL) ||
		    (adlen = i2d_X509_ALGOR(alg, &ad)) <= 0) {
			rc = ossl_fail("cades: hash index algorithm");
			goto out;
		}
		buf_append(&body, ad, (size_t)adlen);
	}
	if (!hash_each(md, &pt->certs, &body) ||
	    !hash_each(md, &pt->crls, &body) ||
	    !hash_attr_values(md, &pt->uattrs, &body)) {
		rc = buf_ok(&body) ? PC_EINVAL : buf_rc(&body);
		goto out;
	}
	sign_der_head(out, 0x30, body.len);
	buf_append(out, body.data, body.len);
	if (!buf_ok(out))
		rc = buf_rc(out);
out:
	OPENSSL_free(ad);
	X509_ALGOR_free(alg);
	buf_cleanup(&body);
	return rc;
}

/* The imprint's input: (1) .. (4) of the file's header comment. */
static enum pc_rc
ats_input(const struct ats_parts *pt, const uint8_t *chash, size_t chlen,
    const uint8_t *index, size_t ilen, struct buf *out)
{
	buf_append(out, pt->ctype.p, tlv_size(&pt->ctype));
	buf_append(out, chash, chlen);
	buf_append(out, pt->sf, pt->sflen);
	buf_append(out, index, ilen);
	return buf_ok(out) ? PC_OK : buf_rc(out);
}

enum pc_rc
sign_ats_input(const uint8_t *der, size_t len, const uint8_t *chash,
    size_t chlen, const uint8_t *index, size_t ilen, struct buf *out)
{
	struct ats_parts pt;

	if (!ats_parse(der, len, &pt))
		return PC_EINVAL;
	return ats_input(&pt, chash, chlen, index, ilen, out);
}

/* Is the OCTET STRING h among the hashes in the SEQUENCE have? */
static bool
hash_in(const struct tlv *h, const struct buf *have)
{
	struct der_cur c = { have->data, have->len }, in;
	struct tlv seq, t;

	if (!der_next(&c, &seq))
		return false;
	in = der_in(&seq);
	while (in.n > 0 && der_next(&in, &t))
		if (tlv_size(&t) == tlv_size(h) &&
		    memcmp(t.p, h->p, tlv_size(h)) == 0)
			return true;
	return false;
}

/* Every hash in the index's SEQUENCE listed is in have's. */
static bool
list_covered(const struct tlv *listed, const struct buf *have)
{
	struct der_cur c = der_in(listed);
	struct tlv h;

	while (c.n > 0) {
		if (!der_next(&c, &h) || !hash_in(&h, have))
			return false;
	}
	return true;
}

enum pc_rc
sign_ats_index_check(const uint8_t *der, size_t len, const uint8_t *index,
    size_t ilen, const EVP_MD **mdp)
{
	struct der_cur c = { index, ilen }, in;
	struct tlv seq, part[4];
	struct ats_parts pt;
	struct buf have[3];
	X509_ALGOR *alg = NULL;
	const unsigned char *p;
	const EVP_MD *md = EVP_sha256();
	enum pc_rc rc = PC_EINVAL;
	int n = 0, k, i;

	for (i = 0; i < 3; i++)
		buf_init(&have[i], ATS_MAX_ITEMS * (EVP_MAX_MD_SIZE + 2) + 8);
	if (!ats_parse(der, len, &pt) || !der_next(&c, &seq) ||
	    seq.p[0] != 0x30 || c.n != 0)
		goto out;
	in = der_in(&seq);
	while (in.n > 0 && n < 4 && der_next(&in, &part[n]))
		n++;
	if (in.n != 0 || n < 3)
		goto out;
	k = n - 3;
	if (k == 1) {
		p = part[0].p;
		alg = d2i_X509_ALGOR(NULL, &p, (long)tlv_size(&part[0]));
		md = alg != NULL ? EVP_get_digestbyobj(alg->algorithm) : NULL;
		if (md == NULL)
			goto out;
	}
	if (!hash_each(md, &pt.certs, &have[0]) ||
	    !hash_each(md, &pt.crls, &have[1]) ||
	    !hash_attr_values(md, &pt.uattrs, &have[2]))
		goto out;
	for (i = 0; i < 3; i++)
		if (part[k + i].p[0] != 0x30 ||
		    !list_covered(&part[k + i], &have[i]))
			goto out;
	*mdp = md;
	rc = PC_OK;
out:
	ERR_clear_error();
	X509_ALGOR_free(alg);
	for (i = 0; i < 3; i++)
		buf_cleanup(&have[i]);
	return rc;
}

/* Add the attribute oid holding the DER SEQUENCE (data, len) to si. */
static bool
add_seq_attr(
    CMS_SignerInfo *si, const char *oid, const uint8_t *data, size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int ok;

	if (obj == NULL)
		return false;
	ok = CMS_unsigned_add1_attr_by_OBJ(
	    si, obj, V_ASN1_SEQUENCE, data, (int)len);
	ASN1_OBJECT_free(obj);
	return ok == 1;
}

/* The token tok with the ats-hash-index-v3 index in its SignerInfo. */
static enum pc_rc
token_with_index(
    const struct buf *tok, const struct buf *index, struct buf *out)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	const unsigned char *p = tok->data;
	unsigned char *der = NULL;
	enum pc_rc rc = PC_ECRYPTO;
	int len;

	cms = d2i_CMS_ContentInfo(NULL, &p, (long)tok->len);
	si = cms != NULL ? sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0)
	                 : NULL;
	if (si == NULL ||
	    !add_seq_attr(
	        si, SIGN_OID_ATS_HASH_INDEX_V3, index->data, index->len) ||
	    (len = i2d_CMS_ContentInfo(cms, &der)) <= 0)
		goto out;
	buf_append(out, der, (size_t)len);
	rc = buf_ok(out) ? PC_OK : buf_rc(out);
out:
	if (rc == PC_ECRYPTO)
		ossl_fail("cades: archive timestamp token");
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return rc;
}

enum pc_rc
sign_cms_add_archive_ts(CMS_ContentInfo *cms, const struct sign_opts *opts,
    const uint8_t *chash, size_t chlen, struct sign_err *err)
{
	struct ats_parts pt;
	struct buf index, input, tok, tok2;
	CMS_SignerInfo *si;
	unsigned char *der = NULL;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hlen;
	const EVP_MD *md;
	int len, md_nid;
	enum pc_rc rc;

	md_nid = opts->md_nid != 0 ? opts->md_nid : NID_sha256;
	md = EVP_get_digestbynid(md_nid);
	buf_init(&index, 3 * ATS_MAX_ITEMS * (EVP_MAX_MD_SIZE + 2) + 64);
	buf_init(&input, SIGN_CADES_MAX);
	buf_init(&tok, SIGN_TSA_MAX_REPLY);
	buf_init(&tok2, SIGN_TSA_MAX_REPLY + index.max);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	if (opts->tsa_url == NULL) {
		rc = sign_err_set(err, PC_EINVAL, "tsa_missing",
		    "level B-LTA needs a timestamp server (--tsa URL)");
		goto out;
	}
	if (md == NULL || si == NULL || (size_t)EVP_MD_get_size(md) != chlen) {
		rc = PC_EINTERNAL;
		goto out;
	}
	len = i2d_CMS_ContentInfo(cms, &der);
	if (len <= 0) {
		rc = ossl_fail("cades: encode");
		goto out;
	}
	if (!ats_parse(der, (size_t)len, &pt)) {
		rc = PC_EINTERNAL;
		goto out;
	}
	rc = ats_index(&pt, md, &index);
	if (rc == PC_OK)
		rc =
		    ats_input(&pt, chash, chlen, index.data, index.len, &input);
	if (rc != PC_OK)
		goto out;
	if (!EVP_Digest(input.data, input.len, h, &hlen, md, NULL)) {
		rc = ossl_fail("cades: archive imprint");
		goto out;
	}
	rc = sign_tsa_request(opts->tsa_url, md_nid, h, hlen, &tok, err);
	if (rc == PC_OK)
		rc = token_with_index(&tok, &index, &tok2);
	if (rc == PC_OK &&
	    !add_seq_attr(si, SIGN_OID_ATS_V3, tok2.data, tok2.len))
		rc = ossl_fail("cades: add archive timestamp");
out:
	if (rc != PC_OK && (err == NULL || err->code == NULL))
		rc = sign_err_set(err, rc, "ltv_failed",
		    "cannot add the archive timestamp to the signature");
	OPENSSL_free(der);
	buf_cleanup(&index);
	buf_cleanup(&input);
	buf_cleanup(&tok);
	buf_cleanup(&tok2);
	return rc;
}
