/*
 * pki_util.c: small OpenSSL helpers shared by the files of src/pki.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "pki/pki_int.h"

const char *const pki_ca_names[PKI_NCA] = { "root", "issuing", "ocsp", "tsa" };
const char *const pki_ca_kinds[PKI_NCA] = { CERT_KIND_ROOT, CERT_KIND_CA,
	CERT_KIND_OCSP, CERT_KIND_TSA };

/* The index of a CA or service by name, -1 when unknown. */
int
pki_ca_index(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < PKI_NCA; i++)
		if (strcmp(name, pki_ca_names[i]) == 0)
			return i;
	return -1;
}

/*
 * A new serial: 16 random bytes with the top bit cleared (positive) and the
 * next one set (no leading zero byte, so always 16 bytes and 126 random
 * bits). NULL on failure. Caller frees.
 */
ASN1_INTEGER *
pki_serial_new(void)
{
	uint8_t b[PKI_SERIAL_BYTES];
	ASN1_INTEGER *ai = NULL;
	BIGNUM *bn = NULL;

	if (rnd_bytes(b, sizeof(b)) != PC_OK)
		goto out;
	b[0] = (b[0] & 0x7f) | 0x40;
	bn = BN_bin2bn(b, sizeof(b), NULL);
	if (bn == NULL)
		goto out;
	ai = BN_to_ASN1_INTEGER(bn, NULL);
out:
	BN_free(bn);
	return ai;
}

/*
 * The serial as lower-case hex without leading zeros into out. PC_EINVAL
 * for a negative serial or one longer than STORE_SERIAL_MAX digits.
 */
enum pc_rc
pki_serial_hex(const ASN1_INTEGER *ai, char *out, size_t outlen)
{
	BIGNUM *bn = NULL;
	char *hex = NULL, *h;
	enum pc_rc rc = PC_EINVAL;
	size_t n;

	if (outlen > 0)
		out[0] = '\0';
	if (ai == NULL || ai->length > STORE_SERIAL_MAX / 2 + 1)
		goto out;
	bn = ASN1_INTEGER_to_BN(ai, NULL);
	if (bn == NULL) {
		rc = ossl_fail("pki: serial");
		goto out;
	}
	if (BN_is_negative(bn))
		goto out;
	hex = BN_bn2hex(bn);
	if (hex == NULL) {
		rc = ossl_fail("pki: serial hex");
		goto out;
	}
	h = hex;
	while (h[0] == '0' && h[1] != '\0')
		h++;
	n = strlen(h);
	if (n > STORE_SERIAL_MAX || n + 1 > outlen)
		goto out;
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)h[i]);
	rc = PC_OK;
out:
	OPENSSL_free(hex);
	BN_free(bn);
	return rc;
}

/* The RFC 2253 one-line form of n (malloc()ed) or NULL. */
char *
pki_name_oneline(const X509_NAME *n)
{
	BIO *b;
	BUF_MEM *bm;
	char *s = NULL;

	b = BIO_new(BIO_s_mem());
	if (b == NULL)
		return NULL;
	if (X509_NAME_print_ex(
	        b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		BIO_get_mem_ptr(b, &bm);
		s = malloc(bm->length + 1);
		if (s != NULL) {
			memcpy(s, bm->data, bm->length);
			s[bm->length] = '\0';
		}
	}
	BIO_free(b);
	return s;
}

/* Add an extension in OpenSSL's config syntax to cert. */
enum pc_rc
pki_ext_add(X509 *cert, X509V3_CTX *ctx, CONF *conf, int nid, const char *value)
{
	X509_EXTENSION *ext;
	enum pc_rc rc = PC_OK;

	ext = X509V3_EXT_nconf_nid(conf, ctx, nid, value);
	if (ext == NULL) {
		log_error("pki: extension %s = %s", OBJ_nid2sn(nid), value);
		return ossl_fail("pki: extension");
	}
	if (X509_add_ext(cert, ext, -1) != 1)
		rc = ossl_fail("pki: add extension");
	X509_EXTENSION_free(ext);
	return rc;
}

/* A request's DER may be decoded: not empty, not over max. */
enum pc_rc
pki_der_size(const uint8_t *der, size_t n, size_t max)
{
	if (der == NULL || n == 0)
		return PC_EINVAL;
	if (n > max || n > LONG_MAX)
		return PC_ELIMIT;
	return PC_OK;
}

static const struct pki_ext key_ids[] = {
	{ NID_subject_key_identifier, "hash" },
	{ NID_authority_key_identifier, "keyid:always" },
	{ 0, NULL },
};

/* Each extension of exts (ended by nid 0) to cert. */
enum pc_rc
pki_exts_add(X509 *cert, X509V3_CTX *ctx, const struct pki_ext *exts)
{
	enum pc_rc rc = PC_OK;

	for (; rc == PC_OK && exts->nid != 0; exts++)
		rc = pki_ext_add(cert, ctx, NULL, exts->nid, exts->value);
	return rc;
}

/* A name of the attributes rdn[0..n). */
enum pc_rc
pki_name_new(const struct pki_rdn *rdn, size_t n, X509_NAME **out)
{
	X509_NAME *name;
	size_t i;

	*out = NULL;
	name = X509_NAME_new();
	for (i = 0; name != NULL && i < n; i++) {
		if (X509_NAME_add_entry_by_NID(name, rdn[i].nid, rdn[i].type,
		        (const unsigned char *)rdn[i].value, -1, -1, 0) != 1)
			break;
	}
	if (name == NULL || i < n) {
		X509_NAME_free(name);
		return ossl_fail("pki: name");
	}
	*out = name;
	return PC_OK;
}

/* A version 3 certificate of pub named subject, issued by issuer, with
 * the extensions ext and the key identifiers. */
enum pc_rc
pki_cert_new(const X509_NAME *subject, X509 *issuer, EVP_PKEY *pub, int years,
    const struct pki_ext *ext, X509V3_CTX *ctx, X509 **out)
{
	ASN1_INTEGER *serial = NULL;
	X509 *c = NULL;
	int64_t now = clock_now(), end, limit = 0;
	enum pc_rc rc = PC_OK;
	struct tm tm;

	*out = NULL;
	if (issuer != NULL &&
	    ASN1_TIME_to_tm(X509_get0_notAfter(issuer), &tm) == 1)
		limit = (int64_t)timegm(&tm);
	end = pki_time_add_years(now, years, limit);
	c = X509_new();
	serial = pki_serial_new();
	if (c == NULL || serial == NULL ||
	    X509_set_version(c, X509_VERSION_3) != 1 ||
	    X509_set_serialNumber(c, serial) != 1 ||
	    X509_set_subject_name(c, subject) != 1 ||
	    X509_set_issuer_name(
	        c, issuer != NULL ? X509_get_subject_name(issuer) : subject) !=
	        1 ||
	    ASN1_TIME_set(X509_getm_notBefore(c), (time_t)now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(c), (time_t)end) == NULL ||
	    X509_set_pubkey(c, pub) != 1) {
		rc = ossl_fail("pki: certificate fields");
		X509_free(c);
		c = NULL;
	}
	ASN1_INTEGER_free(serial);
	if (c != NULL)
		X509V3_set_ctx(
		    ctx, issuer != NULL ? issuer : c, c, NULL, NULL, 0);
	if (rc == PC_OK)
		rc = pki_exts_add(c, ctx, ext);
	if (rc == PC_OK)
		rc = pki_exts_add(c, ctx, key_ids);
	if (rc != PC_OK) {
		X509_free(c);
		c = NULL;
	}
	*out = c;
	return rc;
}

/* A certificate built, or its parts freed (see pki_int.h). */
enum pc_rc
pki_cert_done(enum pc_rc rc, X509 *c, X509_NAME *name, X509 **out)
{
	if (rc == PC_OK) {
		*out = c;
		c = NULL;
	}
	X509_free(c);
	X509_NAME_free(name);
	return rc;
}

/*
 * true when url is an http(s) URL made of characters safe in a
 * certificate URI and in an OpenSSL config value (no ',', '#', '$',
 * quotes, backslashes, spaces or controls).
 */
bool
pki_url_ok(const char *url)
{
	const char *s;

	if (url == NULL || (strncmp(url, "http://", 7) != 0 &&
	                       strncmp(url, "https://", 8) != 0))
		return false;
	if (strlen(url) > 512)
		return false;
	for (s = url; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s))
			continue;
		if (strchr(":/.-_~%?=&+@[]", *s) == NULL)
			return false;
	}
	return true;
}

/* AIA and CRL DP extensions pointing at issuer_name's files. */
enum pc_rc
pki_ext_urls(X509 *cert, X509V3_CTX *ctx, const char *public_url,
    const char *issuer_name, bool ocsp)
{
	char base[600], v[2048];
	size_t n;
	enum pc_rc rc;

	if (!pki_url_ok(public_url)) {
		log_error("pki: server.public_url is not usable in a "
		          "certificate");
		return PC_EINVAL;
	}
	n = strlen(public_url);
	while (n > 0 && public_url[n - 1] == '/')
		n--;
	snprintf(base, sizeof(base), "%.*s", (int)n, public_url);
	if (ocsp)
		snprintf(v, sizeof(v),
		    "OCSP;URI:%s/ocsp,caIssuers;URI:%s/pki/%s.crt", base, base,
		    issuer_name);
	else
		snprintf(v, sizeof(v), "caIssuers;URI:%s/pki/%s.crt", base,
		    issuer_name);
	rc = pki_ext_add(cert, ctx, NULL, NID_info_access, v);
	if (rc != PC_OK)
		return rc;
	snprintf(v, sizeof(v), "URI:%s/pki/%s.crl", base, issuer_name);
	return pki_ext_add(cert, ctx, NULL, NID_crl_distribution_points, v);
}

/* now + years calendar years (Feb 29 becomes Mar 1), at most limit. */
int64_t
pki_time_add_years(int64_t now, int years, int64_t limit)
{
	struct tm tm;
	time_t t = (time_t)now;
	int64_t r;

	if (gmtime_r(&t, &tm) == NULL)
		return now + (int64_t)years * 365 * 86400;
	tm.tm_year += years;
	r = (int64_t)timegm(&tm);
	if (limit > 0 && r > limit)
		r = limit;
	return r;
}

static bool
row_strdup(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return true;
	*dst = strdup(src);
	return *dst != NULL;
}

/* Sign cert and describe it as a store row (see pki_int.h). */
enum pc_rc
pki_cert_finish(X509 *cert, EVP_PKEY *key, const char *kind, const char *name,
    const char *issuer_serial, const char *holder, const char *key_label,
    struct store_cert *row)
{
	unsigned char *der = NULL;
	int len;
	const ASN1_TIME *t;
	struct tm tm;
	enum pc_rc rc;

	memset(row, 0, sizeof(*row));
	if (X509_sign(cert, key, EVP_sha256()) <= 0) {
		rc = ossl_fail("pki: sign certificate");
		goto out;
	}
	rc = pki_serial_hex(
	    X509_get0_serialNumber(cert), row->serial, sizeof(row->serial));
	if (rc != PC_OK)
		goto out;
	snprintf(row->issuer, sizeof(row->issuer), "%s",
	    issuer_serial != NULL ? issuer_serial : "");
	if (!row_strdup(&row->kind, kind) || !row_strdup(&row->name, name) ||
	    !row_strdup(&row->holder, holder) ||
	    !row_strdup(&row->key_label, key_label)) {
		rc = PC_ENOMEM;
		goto out;
	}
	row->subject = pki_name_oneline(X509_get_subject_name(cert));
	if (row->subject == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	t = X509_get0_notBefore(cert);
	if (ASN1_TIME_to_tm(t, &tm) != 1) {
		rc = ossl_fail("pki: notBefore");
		goto out;
	}
	row->not_before = (int64_t)timegm(&tm);
	t = X509_get0_notAfter(cert);
	if (ASN1_TIME_to_tm(t, &tm) != 1) {
		rc = ossl_fail("pki: notAfter");
		goto out;
	}
	row->not_after = (int64_t)timegm(&tm);
	row->status = CERT_GOOD;
	row->created_at = clock_now();
	len = i2d_X509(cert, &der);
	if (len <= 0) {
		rc = ossl_fail("pki: encode certificate");
		goto out;
	}
	row->der = malloc((size_t)len);
	if (row->der == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	memcpy(row->der, der, (size_t)len);
	row->der_len = (size_t)len;
	rc = PC_OK;
out:
	OPENSSL_free(der);
	if (rc != PC_OK)
		store_cert_cleanup(row);
	return rc;
}

/* Append len bytes of der to out. */
enum pc_rc
pki_der_to_buf(const uint8_t *der, int len, struct buf *out)
{
	if (der == NULL || len <= 0)
		return PC_ECRYPTO;
	buf_append(out, der, (size_t)len);
	return buf_ok(out) ? PC_OK : buf_rc(out);
}
