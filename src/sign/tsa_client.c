/*
 * tsa_client.c: RFC 3161 client over OpenSSL's HTTP client (no libcurl),
 * and a small helper to POST DER to a URL shared with the OCSP check of
 * verify.c. The server's own TSA is asked in-process (sign_tsa_local):
 * the same request and the same checks of the reply, without a loopback
 * HTTP round trip per signature.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include "base/log.h"
#include "pki/pki.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

/* This server's own URL prefixes and where it listens (sign_http_local):
 * read-only once serving. */
#define OWN_MAX 8
static struct {
	char pub[OWN_MAX][512];
	size_t publen[OWN_MAX];
	size_t n;
	char local[512];
} own;

/* s without its trailing slashes into out (n bytes); false: too long. */
static bool
trimmed(const char *s, char *out, size_t n)
{
	size_t k = strlen(s);

	while (k > 0 && s[k - 1] == '/')
		k--;
	if (k >= n)
		return false;
	memcpy(out, s, k);
	out[k] = '\0';
	return true;
}

void
sign_http_local(const char *public_prefix, const char *local_prefix)
{
	size_t i;

	if (public_prefix == NULL || local_prefix == NULL) {
		memset(&own, 0, sizeof(own));
		return;
	}
	if (own.n == 0 && !trimmed(local_prefix, own.local, sizeof(own.local)))
		return;
	if (strcmp(local_prefix, own.local) != 0 &&
	    !(strncmp(local_prefix, own.local, strlen(own.local)) == 0 &&
	        local_prefix[strlen(own.local)] == '/'))
		return; /* one node, one listening address */
	if (own.n >= OWN_MAX ||
	    !trimmed(public_prefix, own.pub[own.n], sizeof(own.pub[0])) ||
	    own.pub[own.n][0] == '\0')
		return;
	for (i = 0; i < own.n; i++)
		if (strcmp(own.pub[i], own.pub[own.n]) == 0)
			return;
	own.publen[own.n] = strlen(own.pub[own.n]);
	own.n++;
}

static enum pc_rc
http_transfer(const char *url, const char *ctype, const char *accept,
    const uint8_t *req, size_t reqlen, int timeout_s, size_t max,
    struct buf *out)
{
	char *host = NULL, *port = NULL, *path = NULL, mine[1024];
	size_t i;
	int use_ssl = 0;
	BIO *rbio = NULL, *resp = NULL;
	char chunk[4096];
	time_t deadline;
	int n;
	enum pc_rc rc = PC_EUNAVAIL;

	/* Our own OCSP, CRLs and certificates: asked where we listen, not
	 * through the public name (a proxy, or not reachable from here). */
	for (i = 0; i < own.n; i++)
		if (strncmp(url, own.pub[i], own.publen[i]) == 0 &&
		    url[own.publen[i]] == '/' &&
		    (size_t)snprintf(mine, sizeof(mine), "%s%s", own.local,
		        url + own.publen[i]) < sizeof(mine)) {
			url = mine;
			break;
		}
	if (!OSSL_HTTP_parse_url(
	        url, &use_ssl, NULL, &host, &port, NULL, &path, NULL, NULL)) {
		ERR_clear_error();
		rc = PC_EINVAL;
		goto out;
	}
	rbio = req != NULL ? BIO_new_mem_buf(req, (int)reqlen) : NULL;
	if (req != NULL && rbio == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	deadline = time(NULL) + timeout_s;
	resp = OSSL_HTTP_transfer(NULL, host, port, path, use_ssl, NULL, NULL,
	    NULL, NULL, NULL, NULL, 0, NULL, ctype, rbio, accept, 0, max,
	    timeout_s, 0);
	if (resp == NULL) {
		ossl_fail(req != NULL ? "sign: http post" : "sign: http get");
		goto out;
	}
	/* Not ASN.1-typed, the answer is streamed from the socket, which
	 * is non-blocking (the timeout): a body that comes after the
	 * header in a packet of its own is waited for, not cut off; the
	 * limit and the deadline hold for the body too. */
	while (buf_ok(out) && time(NULL) <= deadline) {
		n = BIO_read(resp, chunk, sizeof(chunk));
		if (n > 0) {
			buf_append(out, chunk, (size_t)n);
			continue;
		}
		if (!BIO_should_retry(resp) ||
		    BIO_wait(resp, deadline, 50) <= 0)
			break;
	}
	rc = !buf_ok(out)            ? buf_rc(out)
	     : time(NULL) > deadline ? PC_EUNAVAIL
	                             : PC_OK;
out:
	BIO_free(resp);
	BIO_free(rbio);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return rc;
}

enum pc_rc
sign_http_post(const char *url, const char *ctype, const char *accept,
    const uint8_t *req, size_t reqlen, int timeout_s, size_t max,
    struct buf *out)
{
	return http_transfer(
	    url, ctype, accept, req, reqlen, timeout_s, max, out);
}

enum pc_rc
sign_http_get(const char *url, int timeout_s, size_t max, struct buf *out)
{
	return http_transfer(url, NULL, NULL, NULL, 0, timeout_s, max, out);
}

/* The TSA served in this process (sign_tsa_local): read-only once set. */
static struct {
	char url[512];
	sign_tsa_local_fn fn;
	void *arg;
} local_tsa;

void
sign_tsa_local(const char *url, sign_tsa_local_fn fn, void *arg)
{
	if (fn == NULL || url == NULL || strlen(url) >= sizeof(local_tsa.url)) {
		memset(&local_tsa, 0, sizeof(local_tsa));
		return;
	}
	snprintf(local_tsa.url, sizeof(local_tsa.url), "%s", url);
	local_tsa.arg = arg;
	local_tsa.fn = fn;
}

enum pc_rc
sign_tsa_request(const char *url, int md_nid, const uint8_t *hash, size_t hlen,
    struct buf *out, struct sign_err *err)
{
	return sign_tsa_request_nonce(url, md_nid, hash, hlen, NULL, out, err);
}

/* The request's nonce from hex (1 to 64 digits). */
static bool
set_nonce(TS_REQ *req, const char *hex)
{
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;
	size_t i, n = strlen(hex);
	bool ok = false;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return false;
	if (BN_hex2bn(&bn, hex) == (int)n &&
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) != NULL)
		ok = TS_REQ_set_nonce(req, ai) == 1;
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return ok;
}

enum pc_rc
sign_tsa_request_nonce(const char *url, int md_nid, const uint8_t *hash,
    size_t hlen, const char *nonce_hex, struct buf *out, struct sign_err *err)
{
	TS_REQ *req = NULL;
	TS_RESP *resp = NULL;
	TS_TST_INFO *tst;
	const ASN1_INTEGER *n1, *n2;
	ASN1_OCTET_STRING *imp;
	PKCS7 *tok;
	struct buf reply;
	unsigned char *der = NULL, *p;
	const unsigned char *cp;
	int len;
	enum pc_rc rc = PC_ECRYPTO;

	buf_init(&reply, SIGN_TSA_MAX_REPLY);
	req = pki_tsq_new(md_nid, hash, hlen);
	if (req == NULL)
		goto out;
	if (nonce_hex != NULL && !set_nonce(req, nonce_hex)) {
		rc = sign_err_set(err, PC_EINVAL, "field_invalid", "nonce");
		goto out;
	}
	len = i2d_TS_REQ(req, &der);
	if (len <= 0)
		goto out;
	if (local_tsa.fn != NULL && strcmp(url, local_tsa.url) == 0)
		rc = local_tsa.fn(local_tsa.arg, der, (size_t)len, &reply);
	else
		rc = sign_http_post(url, "application/timestamp-query",
		    "application/timestamp-reply", der, (size_t)len,
		    SIGN_TSA_TIMEOUT_S, SIGN_TSA_MAX_REPLY, &reply);
	if (rc != PC_OK) {
		rc = sign_err_set(err, PC_EUNAVAIL, "tsa_failed",
		    "the timestamp server %s did not answer", url);
		goto out;
	}
	cp = reply.data;
	resp = d2i_TS_RESP(NULL, &cp, (long)reply.len);
	if (resp == NULL ||
	    TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)) == NULL ||
	    ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	        TS_RESP_get_status_info(resp))) > 1 ||
	    TS_RESP_get_token(resp) == NULL) {
		ERR_clear_error();
		rc = sign_err_set(err, PC_EUNAVAIL, "tsa_failed",
		    "the timestamp server %s refused the request", url);
		goto out;
	}
	tst = TS_RESP_get_tst_info(resp);
	imp = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(tst));
	n1 = TS_REQ_get_nonce(req);
	n2 = TS_TST_INFO_get_nonce(tst);
	if (imp == NULL || (size_t)ASN1_STRING_length(imp) != hlen ||
	    memcmp(ASN1_STRING_get0_data(imp), hash, hlen) != 0 || n2 == NULL ||
	    ASN1_INTEGER_cmp(n1, n2) != 0) {
		rc = sign_err_set(err, PC_ECRYPTO, "tsa_failed",
		    "the timestamp from %s does not match the request", url);
		goto out;
	}
	tok = TS_RESP_get_token(resp);
	OPENSSL_free(der);
	der = NULL;
	len = i2d_PKCS7(tok, &der);
	if (len <= 0) {
		rc = PC_ECRYPTO;
		goto out;
	}
	p = der;
	buf_append(out, p, (size_t)len);
	rc = buf_ok(out) ? PC_OK : buf_rc(out);
out:
	if (rc == PC_ECRYPTO && (err == NULL || err->code == NULL))
		ossl_fail("sign: timestamp request");
	OPENSSL_free(der);
	TS_REQ_free(req);
	TS_RESP_free(resp);
	buf_cleanup(&reply);
	return rc;
}
