/*
 * ltv.c: the validation data of long-term signatures (ltv.h): collecting
 * certificates, fetching their issuers, OCSP responses and CRLs, and a
 * cache a batch shares.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "sign/ltv.h"
#include "sign/sign_local.h"

#define VCACHE_MAX 32

/* What was fetched about one certificate. */
struct vc_entry {
	uint8_t fp[32];  /* SHA-256 of the certificate */
	X509 *issuer;    /* fetched by caIssuers, or NULL */
	struct buf ocsp; /* DER OCSPResponse, or empty */
	struct buf crl;  /* DER CRL, or empty */
};

struct sign_vcache {
	pthread_mutex_t mu;
	struct vc_entry e[VCACHE_MAX];
	size_t n;
};

struct sign_vcache *
sign_vcache_new(void)
{
	struct sign_vcache *c = calloc(1, sizeof(*c));

	if (c != NULL && pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

void
sign_vcache_free(struct sign_vcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		X509_free(c->e[i].issuer);
		buf_cleanup(&c->e[i].ocsp);
		buf_cleanup(&c->e[i].crl);
	}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

enum pc_rc
ltv_init(struct ltv_data *d)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	d->certs = sk_X509_new_null();
	d->have = sk_X509_new_null();
	for (i = 0; i < LTV_MAX_ITEMS; i++) {
		buf_init(&d->ocsp[i], LTV_MAX_REPLY);
		buf_init(&d->crl[i], LTV_MAX_CRL);
	}
	return d->certs != NULL && d->have != NULL ? PC_OK : PC_ENOMEM;
}

void
ltv_cleanup(struct ltv_data *d)
{
	size_t i;

	sk_X509_pop_free(d->certs, X509_free);
	sk_X509_pop_free(d->have, X509_free);
	for (i = 0; i < LTV_MAX_ITEMS; i++) {
		buf_cleanup(&d->ocsp[i]);
		buf_cleanup(&d->crl[i]);
	}
	memset(d, 0, sizeof(*d));
}

enum pc_rc
ltv_add_cert(STACK_OF(X509) * sk, X509 *c)
{
	int i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), c) == 0)
			return PC_OK;
	if (sk_X509_num(sk) >= LTV_MAX_CERTS)
		return PC_ELIMIT;
	if (!X509_up_ref(c))
		return PC_ENOMEM;
	if (!sk_X509_push(sk, c)) {
		X509_free(c);
		return PC_ENOMEM;
	}
	return PC_OK;
}

static enum pc_rc
add_certs(struct ltv_data *d, STACK_OF(X509) * sk)
{
	enum pc_rc rc = PC_OK;
	int i;

	for (i = 0; rc == PC_OK && i < sk_X509_num(sk); i++)
		rc = ltv_add_cert(d->certs, sk_X509_value(sk, i));
	return rc;
}

/* The certificates of the timestamp tokens among si's unsigned attributes. */
static enum pc_rc
add_token_certs(struct ltv_data *d, CMS_SignerInfo *si)
{
	static const char *const oids[] = {
		"1.2.840.113549.1.9.16.2.14", /* signature timestamp */
		"0.4.0.1733.2.4",             /* archive timestamp v3 */
	};
	X509_ATTRIBUTE *a;
	ASN1_TYPE *t;
	ASN1_OBJECT *obj;
	CMS_ContentInfo *tok;
	STACK_OF(X509) * sk;
	const unsigned char *p;
	enum pc_rc rc = PC_OK;
	size_t k;
	int i, j;

	for (k = 0; rc == PC_OK && k < sizeof(oids) / sizeof(oids[0]); k++) {
		obj = OBJ_txt2obj(oids[k], 1);
		if (obj == NULL)
			return PC_ENOMEM;
		for (i = CMS_unsigned_get_attr_by_OBJ(si, obj, -1);
		     rc == PC_OK && i >= 0;
		     i = CMS_unsigned_get_attr_by_OBJ(si, obj, i)) {
			a = CMS_unsigned_get_attr(si, i);
			for (j = 0; j < X509_ATTRIBUTE_count(a); j++) {
				t = X509_ATTRIBUTE_get0_type(a, j);
				if (t == NULL || t->type != V_ASN1_SEQUENCE)
					continue;
				p = t->value.sequence->data;
				tok = d2i_CMS_ContentInfo(
				    NULL, &p, t->value.sequence->length);
				if (tok == NULL)
					continue;
				sk = CMS_get1_certs(tok);
				rc = add_certs(d, sk);
				sk_X509_pop_free(sk, X509_free);
				CMS_ContentInfo_free(tok);
			}
		}
		ASN1_OBJECT_free(obj);
	}
	ERR_clear_error();
	return rc;
}

enum pc_rc
ltv_add_cms(struct ltv_data *d, CMS_ContentInfo *cms)
{
	STACK_OF(X509) * sk;
	STACK_OF(CMS_SignerInfo) * sis;
	enum pc_rc rc;
	int i;

	sk = CMS_get1_certs(cms);
	rc = add_certs(d, sk);
	sk_X509_pop_free(sk, X509_free);
	sis = CMS_get0_SignerInfos(cms);
	for (i = 0; rc == PC_OK && i < sk_CMS_SignerInfo_num(sis); i++)
		rc = add_token_certs(d, sk_CMS_SignerInfo_value(sis, i));
	ERR_clear_error();
	return rc;
}

/* A short name of c for messages: its CN, else its subject. */
static void
cert_name(X509 *c, char *out, size_t n)
{
	if (!sign_name_cn(X509_get_subject_name(c), out, n))
		X509_NAME_oneline(X509_get_subject_name(c), out, (int)n);
}

static bool
self_signed(X509 *c)
{
	return X509_check_issued(c, c) == X509_V_OK;
}

static X509 *
issuer_in(STACK_OF(X509) * sk, X509 *c)
{
	int i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (sk_X509_value(sk, i) != c &&
		    X509_check_issued(sk_X509_value(sk, i), c) == X509_V_OK)
			return sk_X509_value(sk, i);
	return NULL;
}

/* The first URI of the access method nid (OCSP, caIssuers) in c's AIA. */
static const char *
aia_uri(X509 *c, int nid, AUTHORITY_INFO_ACCESS **keep)
{
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	int i;

	aia = X509_get_ext_d2i(c, NID_info_access, NULL, NULL);
	*keep = aia;
	for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		if (OBJ_obj2nid(ad->method) == nid &&
		    ad->location->type == GEN_URI)
			return (const char *)ASN1_STRING_get0_data(
			    ad->location->d.uniformResourceIdentifier);
	}
	return NULL;
}

static const char *
crl_uri(X509 *c, STACK_OF(DIST_POINT) * *keep)
{
	STACK_OF(DIST_POINT) * dps;
	DIST_POINT *dp;
	GENERAL_NAME *gn;
	int i, j;

	dps = X509_get_ext_d2i(c, NID_crl_distribution_points, NULL, NULL);
	*keep = dps;
	for (i = 0; i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0;
		     j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		     j++) {
			gn = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			if (gn->type == GEN_URI)
				return (const char *)ASN1_STRING_get0_data(
				    gn->d.uniformResourceIdentifier);
		}
	}
	return NULL;
}

/* c's issuer by its AIA caIssuers URL (DER, or PEM). */
static X509 *
fetch_issuer(X509 *c)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	const char *url;
	const unsigned char *p;
	struct buf body;
	X509 *is = NULL;
	BIO *b;

	buf_init(&body, LTV_MAX_CERT);
	url = aia_uri(c, NID_ad_ca_issuers, &aia);
	if (url != NULL &&
	    sign_http_get(url, LTV_TIMEOUT_S, LTV_MAX_CERT, &body) == PC_OK) {
		p = body.data;
		is = d2i_X509(NULL, &p, (long)body.len);
		if (is == NULL) {
			b = BIO_new_mem_buf(body.data, (int)body.len);
			is = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL)
			               : NULL;
			BIO_free(b);
		}
		if (is != NULL && X509_check_issued(is, c) != X509_V_OK) {
			X509_free(is);
			is = NULL;
		}
	}
	ERR_clear_error();
	AUTHORITY_INFO_ACCESS_free(aia);
	buf_cleanup(&body);
	return is;
}

/*
 * An OCSP response about c from its responder into e->ocsp: 1 good, 0 no
 * usable answer (try the CRL), -1 revoked.
 */
static int
fetch_ocsp(X509 *c, X509 *issuer, struct vc_entry *e, STACK_OF(X509) * extra)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	const STACK_OF(X509) * sk;
	ASN1_GENERALIZEDTIME *rev, *thisu, *nextu;
	unsigned char *der = NULL;
	const unsigned char *p;
	const char *url;
	int len, status, reason, i, r = 0;

	url = aia_uri(c, NID_ad_OCSP, &aia);
	if (url == NULL)
		goto out;
	req = OCSP_REQUEST_new();
	id = OCSP_cert_to_id(NULL, c, issuer);
	if (req == NULL || id == NULL ||
	    OCSP_request_add0_id(req, OCSP_CERTID_dup(id)) == NULL ||
	    (len = i2d_OCSP_REQUEST(req, &der)) <= 0)
		goto out;
	buf_reset(&e->ocsp);
	if (sign_http_post(url, "application/ocsp-request",
	        "application/ocsp-response", der, (size_t)len, LTV_TIMEOUT_S,
	        LTV_MAX_REPLY, &e->ocsp) != PC_OK)
		goto out;
	p = e->ocsp.data;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)e->ocsp.len);
	if (resp == NULL ||
	    OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL ||
	    OCSP_resp_find_status(
	        bs, id, &status, &reason, &rev, &thisu, &nextu) != 1)
		goto out;
	if (status == V_OCSP_CERTSTATUS_REVOKED) {
		r = -1;
		goto out;
	}
	if (status != V_OCSP_CERTSTATUS_GOOD)
		goto out;
	sk = OCSP_resp_get0_certs(bs);
	for (i = 0; i < sk_X509_num(sk); i++)
		(void)ltv_add_cert(extra, sk_X509_value(sk, i));
	r = 1;
out:
	if (r != 1)
		buf_reset(&e->ocsp);
	ERR_clear_error();
	AUTHORITY_INFO_ACCESS_free(aia);
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	OPENSSL_free(der);
	return r;
}

/* A CRL from c's distribution point, signed by issuer: 1 not listed,
 * 0 none, -1 listed. */
static int
fetch_crl(X509 *c, X509 *issuer, struct vc_entry *e)
{
	STACK_OF(DIST_POINT) *dps = NULL;
	X509_REVOKED *rev = NULL;
	X509_CRL *crl = NULL;
	const unsigned char *p;
	const char *url;
	int r = 0;

	url = crl_uri(c, &dps);
	buf_reset(&e->crl);
	if (url == NULL ||
	    sign_http_get(url, LTV_TIMEOUT_S, LTV_MAX_CRL, &e->crl) != PC_OK)
		goto out;
	p = e->crl.data;
	crl = d2i_X509_CRL(NULL, &p, (long)e->crl.len);
	if (crl == NULL || X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1)
		goto out;
	r = X509_CRL_get0_by_cert(crl, &rev, c) == 1 ? -1 : 1;
out:
	if (r != 1)
		buf_reset(&e->crl);
	ERR_clear_error();
	X509_CRL_free(crl);
	CRL_DIST_POINTS_free(dps);
	return r;
}

static bool
fingerprint(X509 *c, uint8_t fp[32])
{
	unsigned int n = 0;

	return X509_digest(c, EVP_sha256(), fp, &n) == 1 && n == 32;
}

/* Copy a cached entry's data into d (and its issuer into d->certs). */
static enum pc_rc
take(struct ltv_data *d, const struct vc_entry *e)
{
	size_t i;

	if (e->ocsp.len > 0) {
		if (d->nocsp >= LTV_MAX_ITEMS)
			return PC_ELIMIT;
		buf_append(&d->ocsp[d->nocsp], e->ocsp.data, e->ocsp.len);
		if (!buf_ok(&d->ocsp[d->nocsp]))
			return buf_rc(&d->ocsp[d->nocsp]);
		d->nocsp++;
	}
	if (e->crl.len > 0) {
		for (i = 0; i < d->ncrl; i++)
			if (d->crl[i].len == e->crl.len &&
			    memcmp(d->crl[i].data, e->crl.data, e->crl.len) ==
			        0)
				return PC_OK; /* the same CRL for another */
		if (d->ncrl >= LTV_MAX_ITEMS)
			return PC_ELIMIT;
		buf_append(&d->crl[d->ncrl], e->crl.data, e->crl.len);
		if (!buf_ok(&d->crl[d->ncrl]))
			return buf_rc(&d->crl[d->ncrl]);
		d->ncrl++;
	}
	return PC_OK;
}

/* The entry for fp in c (locked by the caller), or NULL. */
static struct vc_entry *
cache_find(struct sign_vcache *c, const uint8_t fp[32])
{
	size_t i;

	for (i = 0; c != NULL && i < c->n; i++)
		if (memcmp(c->e[i].fp, fp, 32) == 0)
			return &c->e[i];
	return NULL;
}

/* Fetch what cert needs into e (issuer first). */
static enum pc_rc
fetch_one(
    struct ltv_data *d, X509 *cert, struct vc_entry *e, struct sign_err *err)
{
	char name[128];
	X509 *issuer;
	int r;

	cert_name(cert, name, sizeof(name));
	issuer = issuer_in(d->certs, cert);
	if (issuer == NULL) {
		e->issuer = fetch_issuer(cert);
		issuer = e->issuer;
	}
	if (issuer == NULL)
		return sign_err_set(err, PC_EUNAVAIL, "ltv_failed",
		    "the issuer of the certificate \"%s\" is neither in the "
		    "file nor at its caIssuers address",
		    name);
	r = fetch_ocsp(cert, issuer, e, d->certs);
	if (r == 0)
		r = fetch_crl(cert, issuer, e);
	if (r < 0)
		return sign_err_set(err, PC_ESTATE, "ltv_failed",
		    "the certificate \"%s\" is revoked", name);
	if (r == 0)
		return sign_err_set(err, PC_EUNAVAIL, "ltv_failed",
		    "no OCSP responder or CRL answered for the certificate "
		    "\"%s\"; try again later",
		    name);
	return PC_OK;
}

enum pc_rc
ltv_fetch(struct ltv_data *d, struct sign_vcache *cache, struct sign_err *err)
{
	struct vc_entry tmp, *e;
	uint8_t fp[32];
	X509 *c;
	enum pc_rc rc = PC_OK;
	int i;

	/* d->certs grows while we go (issuers, responders' certificates). */
	for (i = 0; rc == PC_OK && i < sk_X509_num(d->certs); i++) {
		c = sk_X509_value(d->certs, i);
		if (self_signed(c) ||
		    X509_get_ext_by_NID(c, NID_id_pkix_OCSP_noCheck, -1) >= 0)
			continue;
		if (!fingerprint(c, fp))
			return PC_ECRYPTO;
		if (cache != NULL) {
			pthread_mutex_lock(&cache->mu);
			e = cache_find(cache, fp);
			if (e != NULL) {
				if (e->issuer != NULL)
					rc = ltv_add_cert(d->certs, e->issuer);
				if (rc == PC_OK)
					rc = take(d, e);
				pthread_mutex_unlock(&cache->mu);
				continue;
			}
			pthread_mutex_unlock(&cache->mu);
		}
		memset(&tmp, 0, sizeof(tmp));
		memcpy(tmp.fp, fp, 32);
		buf_init(&tmp.ocsp, LTV_MAX_REPLY);
		buf_init(&tmp.crl, LTV_MAX_CRL);
		rc = fetch_one(d, c, &tmp, err);
		if (rc == PC_OK && tmp.issuer != NULL)
			rc = ltv_add_cert(d->certs, tmp.issuer);
		if (rc == PC_OK)
			rc = take(d, &tmp);
		if (rc == PC_OK && cache != NULL) {
			pthread_mutex_lock(&cache->mu);
			if (cache_find(cache, fp) == NULL &&
			    cache->n < VCACHE_MAX) {
				cache->e[cache->n++] = tmp;
				memset(&tmp, 0, sizeof(tmp));
			}
			pthread_mutex_unlock(&cache->mu);
		}
		X509_free(tmp.issuer);
		buf_cleanup(&tmp.ocsp);
		buf_cleanup(&tmp.crl);
	}
	if (rc == PC_ELIMIT)
		rc = sign_err_set(err, PC_ELIMIT, "ltv_failed",
		    "too much validation data (over %d items of a kind)",
		    LTV_MAX_ITEMS);
	return rc;
}

/* sign_local.h */
void
sign_der_head(struct buf *b, uint8_t tag, size_t n)
{
	uint8_t h[6];
	size_t k = 0, i;

	h[k++] = tag;
	if (n < 0x80) {
		h[k++] = (uint8_t)n;
	} else {
		i = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
		h[k++] = (uint8_t)(0x80 | i);
		while (i-- > 0)
			h[k++] = (uint8_t)(n >> (8 * i));
	}
	buf_append(b, h, k);
}

/* b = tag { b } */
static enum pc_rc
der_wrap(struct buf *b, uint8_t tag)
{
	struct buf w;
	enum pc_rc rc;

	buf_init(&w, b->max + 8);
	sign_der_head(&w, tag, b->len);
	buf_append(&w, b->data, b->len);
	rc = buf_ok(&w) ? PC_OK : buf_rc(&w);
	if (rc == PC_OK) {
		buf_reset(b);
		buf_append(b, w.data, w.len);
		rc = buf_ok(b) ? PC_OK : buf_rc(b);
	}
	buf_cleanup(&w);
	return rc;
}

/* Add the attribute oid holding the DER SEQUENCE b to si. */
static enum pc_rc
add_attr(CMS_SignerInfo *si, const char *oid, const struct buf *b)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int ok;

	if (obj == NULL)
		return PC_ENOMEM;
	ok = CMS_unsigned_add1_attr_by_OBJ(
	    si, obj, V_ASN1_SEQUENCE, b->data, (int)b->len);
	ASN1_OBJECT_free(obj);
	return ok ? PC_OK : ossl_fail("cades: attribute");
}

/*
 * certificate-values: SEQUENCE OF Certificate (those not in the CMS);
 * revocation-values: SEQUENCE { crlVals [0] SEQUENCE OF CertificateList,
 * ocspVals [1] SEQUENCE OF BasicOCSPResponse } (EXPLICIT tags, ETSI EN
 * 319 122-1 5.5).
 */
static enum pc_rc
values_der(const struct ltv_data *d, STACK_OF(X509) * in_cms, struct buf *certs,
    struct buf *revs)
{
	struct buf part;
	OCSP_RESPONSE *r;
	OCSP_BASICRESP *bs;
	const unsigned char *p;
	unsigned char *der = NULL;
	enum pc_rc rc = PC_OK;
	size_t k;
	int i, len;

	for (i = 0; i < sk_X509_num(d->certs); i++) {
		if (sk_X509_find(in_cms, sk_X509_value(d->certs, i)) >= 0)
			continue;
		len = i2d_X509(sk_X509_value(d->certs, i), &der);
		if (len <= 0)
			return PC_ECRYPTO;
		buf_append(certs, der, (size_t)len);
		OPENSSL_free(der);
		der = NULL;
	}
	rc = der_wrap(certs, 0x30);
	buf_init(&part, LTV_MAX_CRL * 2);
	for (k = 0; rc == PC_OK && k < d->ncrl; k++)
		buf_append(&part, d->crl[k].data, d->crl[k].len);
	if (rc == PC_OK && d->ncrl > 0 &&
	    (rc = der_wrap(&part, 0x30)) == PC_OK &&
	    (rc = der_wrap(&part, 0xa0)) == PC_OK)
		buf_append(revs, part.data, part.len);
	buf_reset(&part);
	for (k = 0; rc == PC_OK && k < d->nocsp; k++) {
		p = d->ocsp[k].data;
		r = d2i_OCSP_RESPONSE(NULL, &p, (long)d->ocsp[k].len);
		bs = r != NULL ? OCSP_response_get1_basic(r) : NULL;
		len = bs != NULL ? i2d_OCSP_BASICRESP(bs, &der) : 0;
		if (len > 0)
			buf_append(&part, der, (size_t)len);
		else
			rc = PC_ECRYPTO;
		OPENSSL_free(der);
		der = NULL;
		OCSP_BASICRESP_free(bs);
		OCSP_RESPONSE_free(r);
	}
	if (rc == PC_OK && d->nocsp > 0 &&
	    (rc = der_wrap(&part, 0x30)) == PC_OK &&
	    (rc = der_wrap(&part, 0xa1)) == PC_OK)
		buf_append(revs, part.data, part.len);
	if (rc == PC_OK)
		rc = der_wrap(revs, 0x30);
	if (rc == PC_OK && (!buf_ok(certs) || !buf_ok(revs)))
		rc = PC_ENOMEM;
	buf_cleanup(&part);
	return rc;
}

enum pc_rc
sign_cms_add_ltv(
    CMS_ContentInfo *cms, const struct sign_opts *opts, struct sign_err *err)
{
	struct ltv_data d;
	struct buf certs, revs;
	STACK_OF(X509) *in_cms = NULL;
	CMS_SignerInfo *si;
	enum pc_rc rc;

	buf_init(&certs, LTV_MAX_CERTS * LTV_MAX_CERT);
	buf_init(&revs, LTV_MAX_ITEMS * (size_t)LTV_MAX_REPLY + LTV_MAX_CRL);
	rc = ltv_init(&d);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	if (rc == PC_OK && si == NULL)
		rc = PC_EINVAL;
	if (rc == PC_OK)
		rc = ltv_add_cms(&d, cms);
	if (rc == PC_OK)
		rc = ltv_fetch(&d, opts->vcache, err);
	in_cms = CMS_get1_certs(cms);
	if (rc == PC_OK)
		rc = values_der(&d, in_cms, &certs, &revs);
	if (rc == PC_OK)
		rc = add_attr(si, "1.2.840.113549.1.9.16.2.23", &certs);
	if (rc == PC_OK)
		rc = add_attr(si, "1.2.840.113549.1.9.16.2.24", &revs);
	if (rc != PC_OK && (err == NULL || err->code == NULL))
		rc = sign_err_set(err, rc, "ltv_failed",
		    "cannot add the validation data to the signature");
	sk_X509_pop_free(in_cms, X509_free);
	ltv_cleanup(&d);
	buf_cleanup(&certs);
	buf_cleanup(&revs);
	return rc;
}

/* The base of an URL of ours: what comes before "/pki/..." or "/ocsp". */
static void
local_base(const char *url, const char *local_prefix)
{
	char base[512];
	const char *cut = strstr(url, "/pki/");
	size_t n = strlen(url);

	if (cut == NULL && n >= 5 && strcmp(url + n - 5, "/ocsp") == 0)
		cut = url + n - 5;
	if (cut == NULL || (size_t)(cut - url) >= sizeof(base))
		return;
	memcpy(base, url, (size_t)(cut - url));
	base[cut - url] = '\0';
	sign_http_local(base, local_prefix);
}

void
sign_http_local_cert(X509 *c, const char *local_prefix)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	STACK_OF(DIST_POINT) *dps = NULL;
	const char *u;

	if ((u = aia_uri(c, NID_ad_OCSP, &aia)) != NULL)
		local_base(u, local_prefix);
	AUTHORITY_INFO_ACCESS_free(aia);
	aia = NULL;
	if ((u = aia_uri(c, NID_ad_ca_issuers, &aia)) != NULL)
		local_base(u, local_prefix);
	AUTHORITY_INFO_ACCESS_free(aia);
	if ((u = crl_uri(c, &dps)) != NULL)
		local_base(u, local_prefix);
	CRL_DIST_POINTS_free(dps);
	ERR_clear_error();
}
