/*
 * pay_netopia.c: Netopia Payments API v2 (docs/internals/shop.md,
 * "Netopia provider"). Start: POST {api_url}/payment/card/start with
 * "Authorization: <api key>", the browser goes to payment.paymentURL.
 * IPN: POST to /api/v1/payments/netopia/ipn, authenticated by the
 * Verification-token header, a JWT (RS512) whose sub is
 * base64(SHA-512(body)). Status: POST {api_url}/operation/status.
 * Refunds are not in the public v2 documentation: refused.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/b64.h"
#include "base/buf.h"
#include "base/curl_lazy.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "shop/pay.h"

#define NTP_PEM_MAX (16 * 1024)
#define NTP_KEY_MAX 1024
#define NTP_TIMEOUT_S 20L
#define NTP_AMOUNT_MAX_BANI 100000000000LL /* 1e9 RON */

/* ---- small pieces ------------------------------------------------------- */

/*
 * Strict base64url without padding (RFC 7515 §2): only the URL alphabet,
 * no '=', no length of 1 mod 4, unused trailing bits zero. OUT: *out
 * (malloc, NUL-terminated for convenience), *outlen.
 */
static enum pc_rc
b64url_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t *d;
	size_t i;
	enum pc_rc rc;

	*out = NULL;
	for (i = 0; i < n; i++)
		if (s[i] == '+' || s[i] == '/' || s[i] == '=')
			return PC_EINVAL; /* b64_decode takes them */
	d = malloc(n * 3 / 4 + 2);
	if (d == NULL)
		return PC_ENOMEM;
	rc = b64_decode(s, n, d, n * 3 / 4 + 1, outlen);
	if (rc != PC_OK) {
		free(d);
		return rc;
	}
	d[*outlen] = '\0';
	*out = d;
	return PC_OK;
}

static EVP_PKEY *
pem_pubkey(const char *pem, size_t pemlen)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	BIO *b;

	if (pem == NULL || pemlen == 0 || pemlen > NTP_PEM_MAX)
		return NULL;
	b = BIO_new_mem_buf(pem, (int)pemlen);
	if (b == NULL)
		return NULL;
	k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	if (k == NULL) {
		/* Netopia may hand out its key as a certificate. */
		(void)BIO_reset(b);
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (x != NULL)
			k = X509_get_pubkey(x);
		X509_free(x);
	}
	BIO_free(b);
	if (k != NULL && EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

const char *
pay_netopia_token_name(enum netopia_tok t)
{
	static const char *const names[] = {
		[NETOPIA_TOK_OK] = "ok",
		[NETOPIA_TOK_MALFORMED] = "malformed",
		[NETOPIA_TOK_TOO_BIG] = "too_big",
		[NETOPIA_TOK_ALG] = "alg",
		[NETOPIA_TOK_KEY] = "key",
		[NETOPIA_TOK_SIGNATURE] = "signature",
		[NETOPIA_TOK_EXPIRED] = "expired",
		[NETOPIA_TOK_NOT_YET] = "not_yet_valid",
		[NETOPIA_TOK_ISSUER] = "issuer",
		[NETOPIA_TOK_AUDIENCE] = "audience",
		[NETOPIA_TOK_BODY] = "body_hash",
		[NETOPIA_TOK_NO_TIME] = "no_time_claims",
	};

	if ((size_t)t >= PC_ARRAY_LEN(names) || names[t] == NULL)
		return "unknown";
	return names[t];
}

/* A NumericDate claim: absent is fine (*have false), else an integer. */
static bool
claim_time(json_t *claims, const char *name, bool *have, int64_t *v)
{
	json_t *j = json_object_get(claims, name);

	*have = j != NULL;
	if (j == NULL)
		return true;
	if (json_is_integer(j)) {
		*v = (int64_t)json_integer_value(j);
		return true;
	}
	if (json_is_real(j) && json_real_value(j) > -9e15 &&
	    json_real_value(j) < 9e15) {
		*v = (int64_t)floor(json_real_value(j));
		return true;
	}
	return false;
}

static enum netopia_tok
aud_check(json_t *aud, const char *pos)
{
	size_t i;
	json_t *e;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), pos) == 0
		           ? NETOPIA_TOK_OK
		           : NETOPIA_TOK_AUDIENCE;
	if (!json_is_array(aud) || json_array_size(aud) == 0)
		return NETOPIA_TOK_MALFORMED;
	json_array_foreach(aud, i, e)
	{
		if (!json_is_string(e))
			return NETOPIA_TOK_MALFORMED;
		if (strcmp(json_string_value(e), pos) == 0)
			return NETOPIA_TOK_OK;
	}
	return NETOPIA_TOK_AUDIENCE;
}

static enum netopia_tok
claims_check(
    json_t *claims, const char *pos, const char *body, size_t len, int64_t now)
{
	unsigned char md[64];
	char want[89];
	json_t *iss, *sub, *aud;
	int64_t exp = 0, iat = 0, nbf = 0;
	bool hexp, hiat, hnbf;
	enum netopia_tok t;

	if (!json_is_object(claims))
		return NETOPIA_TOK_MALFORMED;
	if (!claim_time(claims, "exp", &hexp, &exp) ||
	    !claim_time(claims, "iat", &hiat, &iat) ||
	    !claim_time(claims, "nbf", &hnbf, &nbf))
		return NETOPIA_TOK_MALFORMED;
	/* Without both, a captured notice could be replayed for ever. */
	if (!hexp || !hiat)
		return NETOPIA_TOK_NO_TIME;
	if (exp + NETOPIA_LEEWAY_S < now)
		return NETOPIA_TOK_EXPIRED;
	if (iat - NETOPIA_LEEWAY_S > now ||
	    (hnbf && nbf - NETOPIA_LEEWAY_S > now))
		return NETOPIA_TOK_NOT_YET;
	iss = json_object_get(claims, "iss");
	if (!json_is_string(iss))
		return NETOPIA_TOK_MALFORMED;
	if (strcmp(json_string_value(iss), NETOPIA_ISSUER) != 0)
		return NETOPIA_TOK_ISSUER;
	aud = json_object_get(claims, "aud");
	if (aud == NULL)
		return NETOPIA_TOK_MALFORMED;
	t = aud_check(aud, pos);
	if (t != NETOPIA_TOK_OK)
		return t;
	sub = json_object_get(claims, "sub");
	if (!json_is_string(sub))
		return NETOPIA_TOK_MALFORMED;
	if (EVP_Digest(body, len, md, NULL, EVP_sha512(), NULL) != 1)
		return NETOPIA_TOK_BODY;
	if (EVP_EncodeBlock((unsigned char *)want, md, 64) != 88)
		return NETOPIA_TOK_BODY;
	if (json_string_length(sub) != 88 ||
	    CRYPTO_memcmp(json_string_value(sub), want, 88) != 0)
		return NETOPIA_TOK_BODY;
	return NETOPIA_TOK_OK;
}

static bool
rs512_ok(EVP_PKEY *k, const char *signed_part, size_t n, const uint8_t *sig,
    size_t siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = false;

	if (c == NULL)
		return false;
	if (EVP_DigestVerifyInit(c, NULL, EVP_sha512(), NULL, k) == 1 &&
	    EVP_DigestVerify(
	        c, sig, siglen, (const unsigned char *)signed_part, n) == 1)
		ok = true;
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return ok;
}

enum netopia_tok
pay_netopia_token_check(const char *pem, size_t pemlen,
    const char *pos_signature, const char *token, const char *body, size_t len,
    int64_t now)
{
	const char *d1, *d2;
	uint8_t *hdr = NULL, *pay = NULL, *sig = NULL;
	size_t toklen, hlen, plen, slen;
	json_t *h = NULL, *claims = NULL, *alg;
	json_error_t je;
	EVP_PKEY *k = NULL;
	enum netopia_tok t = NETOPIA_TOK_MALFORMED;

	if (token == NULL || body == NULL || pos_signature == NULL ||
	    pos_signature[0] == '\0')
		return NETOPIA_TOK_MALFORMED;
	toklen = strnlen(token, NETOPIA_TOKEN_MAX + 1);
	if (toklen > NETOPIA_TOKEN_MAX || len > NETOPIA_BODY_MAX)
		return NETOPIA_TOK_TOO_BIG;
	d1 = memchr(token, '.', toklen);
	d2 = d1 != NULL ? memchr(d1 + 1, '.', toklen - (size_t)(d1 + 1 - token))
	                : NULL;
	if (d1 == NULL || d2 == NULL ||
	    memchr(d2 + 1, '.', toklen - (size_t)(d2 + 1 - token)) != NULL)
		goto out;
	if (b64url_decode(token, (size_t)(d1 - token), &hdr, &hlen) != PC_OK)
		goto out;
	h = json_loadb((const char *)hdr, hlen, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(h))
		goto out;
	/* The algorithm is ours to choose, never the token's. */
	alg = json_object_get(h, "alg");
	if (!json_is_string(alg) ||
	    strcmp(json_string_value(alg), "RS512") != 0 ||
	    json_object_get(h, "crit") != NULL) {
		t = NETOPIA_TOK_ALG;
		goto out;
	}
	if (b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &pay, &plen) !=
	        PC_OK ||
	    b64url_decode(d2 + 1, toklen - (size_t)(d2 + 1 - token), &sig,
	        &slen) != PC_OK)
		goto out;
	k = pem_pubkey(pem, pemlen);
	if (k == NULL) {
		ERR_clear_error();
		t = NETOPIA_TOK_KEY;
		goto out;
	}
	if (!rs512_ok(k, token, (size_t)(d2 - token), sig, slen)) {
		t = NETOPIA_TOK_SIGNATURE;
		goto out;
	}
	claims =
	    json_loadb((const char *)pay, plen, JSON_REJECT_DUPLICATES, &je);
	t = claims_check(claims, pos_signature, body, len, now);
out:
	json_decref(claims);
	json_decref(h);
	EVP_PKEY_free(k);
	free(hdr);
	free(pay);
	free(sig);
	return t;
}

enum pc_rc
pay_netopia_amount_format(int64_t bani, char *out, size_t n)
{
	int w;

	if (bani < 0 || bani > NTP_AMOUNT_MAX_BANI || n < 24)
		return PC_EINVAL;
	w = snprintf(out, n, "%lld.%02lld", (long long)(bani / 100),
	    (long long)(bani % 100));
	return w > 0 && (size_t)w < n ? PC_OK : PC_EINVAL;
}

enum pc_rc
pay_netopia_amount_parse(double v, int64_t *bani)
{
	double c;
	long long r;

	if (!isfinite(v) || v < 0 || v > (double)NTP_AMOUNT_MAX_BANI / 100)
		return PC_EINVAL;
	c = v * 100.0;
	r = llround(c);
	/* More than two decimals (64.255, 64.2501) is refused, not rounded. */
	if (fabs(c - (double)r) > 1e-3)
		return PC_EINVAL;
	*bani = (int64_t)r;
	return PC_OK;
}

const char *
pay_netopia_status_map(long long status)
{
	switch (status) {
	case 3: /* paid */
	case 5: /* confirmed */
		return PAY_PAID;
	case 4:  /* canceled */
	case 11: /* error */
	case 12: /* declined */
	case 17: /* reversed */
	case 23: /* expired */
		return PAY_DECLINED;
	case 1:  /* new */
	case 2:  /* opened */
	case 6:  /* pending */
	case 13: /* fraud: under review */
	case 14: /* pending authorization */
	case 15: /* 3-D Secure authentication required */
	case 18: /* pending (any) */
		return PAY_PENDING;
	case 8: /* credit: refunded */
		return PAY_REFUNDED;
	default:
		return NULL;
	}
}

/* ---- HTTP to the API ---------------------------------------------------- */

static size_t
np_sink(char *p, size_t sz, size_t nm, void *arg)
{
	struct buf *b = arg;

	if (nm != 0 && sz > SIZE_MAX / nm)
		return 0;
	buf_append(b, p, sz * nm);
	return buf_ok(b) ? sz * nm : 0;
}

/*
 * POST the JSON text body to {api_url}{path} with the API key; OUT: *resp,
 * the parsed answer (caller json_decref), only on HTTP 2xx.
 */
static enum pc_rc
np_call(
    const struct conf *conf, const char *path, const char *body, json_t **resp)
{
	struct curl_slist *h = NULL;
	struct buf hdr, out;
	json_error_t je;
	char url[512], *key = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	enum pc_rc rc;

	*resp = NULL;
	buf_init(&hdr, NTP_KEY_MAX + 64);
	buf_init(&out, NETOPIA_BODY_MAX);
	if (conf->shop.netopia_api_url == NULL ||
	    conf->shop.netopia_api_key_file == NULL) {
		log_warnx("shop: netopia: [shop] netopia_api_url and "
		          "netopia_api_key_file are required");
		rc = PC_ESTATE;
		goto out;
	}
	if ((size_t)snprintf(url, sizeof(url), "%s%s",
	        conf->shop.netopia_api_url, path) >= sizeof(url)) {
		rc = PC_ELIMIT;
		goto out;
	}
	rc = secret_read_file(
	    conf->shop.netopia_api_key_file, NTP_KEY_MAX, &key);
	if (rc != PC_OK) {
		log_warnx("shop: netopia: the API key file %s: %s",
		    conf->shop.netopia_api_key_file, secret_file_why(rc));
		goto out;
	}
	buf_printf(&hdr, "Authorization: %s", key);
	buf_append(&hdr, "", 1);
	if (curl_lazy_load() != PC_OK) {
		log_warnx("shop: netopia: libcurl is not available");
		rc = PC_EUNAVAIL;
		goto out;
	}
	if (!buf_ok(&hdr)) {
		rc = PC_ENOMEM;
		goto out;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, (const char *)hdr.data);
	c = curl_easy_init();
	if (c == NULL || h == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, NTP_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, NTP_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, np_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK || status < 200 || status > 299) {
		log_warnx("shop: netopia: POST %s: %s (HTTP %ld)", path,
		    curl_easy_strerror(cc), status);
		rc = PC_EIO;
		goto out;
	}
	*resp = json_loadb(
	    (const char *)out.data, out.len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(*resp)) {
		log_warnx("shop: netopia: POST %s: the answer is not a JSON "
		          "object",
		    path);
		json_decref(*resp);
		*resp = NULL;
		rc = PC_EIO;
	}
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	if (h != NULL)
		curl_slist_free_all(h);
	if (hdr.data != NULL)
		secret_wipe(hdr.data, hdr.cap);
	buf_cleanup(&hdr);
	buf_cleanup(&out);
	secret_strfree(key);
	return rc;
}

/* ---- the provider ------------------------------------------------------- */

static const char *
inv_str(json_t *inv, const char *k)
{
	const char *s = json_string_value(json_object_get(inv, k));

	return s != NULL ? s : "";
}

/* The billing object from the order's invoice data (best effort). */
static json_t *
np_billing(const struct store_order *o)
{
	json_error_t je;
	json_t *inv, *b;
	char details[256];
	const char *name, *sp;
	char first[128];

	inv = o->invoice_data != NULL ? json_loads(o->invoice_data, 0, &je)
	                              : NULL;
	name = inv_str(inv, "name");
	sp = strrchr(name, ' ');
	if (sp != NULL && (size_t)(sp - name) < sizeof(first)) {
		memcpy(first, name, (size_t)(sp - name));
		first[sp - name] = '\0';
		sp++;
	} else {
		snprintf(first, sizeof(first), "%s", name);
		sp = name;
	}
	snprintf(details, sizeof(details), "%s %s", inv_str(inv, "street"),
	    inv_str(inv, "number"));
	b = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s}", "email",
	    o->email != NULL ? o->email : "", "phone", "", "firstName", first,
	    "lastName", sp, "city", inv_str(inv, "town"), "country", 642,
	    "state", inv_str(inv, "county"), "postalCode",
	    inv_str(inv, "postal_code"), "details", details);
	json_decref(inv);
	return b;
}

/* Netopia takes a decimal number: our "64.25" replaces this marker. */
#define NTP_AMOUNT_MARK "\"\\u0001amount\\u0001\""

static enum pc_rc
np_start(const struct conf *conf, const struct store_order *o, char *url,
    size_t urllen)
{
	json_t *req = NULL, *resp = NULL, *pay;
	char amount[24], when[32], notify[512], back[512], desc[96];
	const char *base = conf->server.public_url, *purl;
	char *txt = NULL, *m;
	struct buf fixed;
	enum pc_rc rc;

	buf_init(&fixed, NETOPIA_BODY_MAX);
	if (conf->shop.netopia_pos_signature == NULL || base == NULL) {
		log_warnx("shop: netopia: [shop] netopia_pos_signature and "
		          "[server] public_url are required");
		rc = PC_ESTATE;
		goto out;
	}
	rc = pay_netopia_amount_format(o->total_bani, amount, sizeof(amount));
	if (rc != PC_OK)
		goto out;
	clock_fmt_iso(clock_now(), when, sizeof(when));
	snprintf(
	    notify, sizeof(notify), "%s/api/v1/payments/netopia/ipn", base);
	snprintf(back, sizeof(back), "%s/shop/return?order=%s", base, o->id);
	snprintf(desc, sizeof(desc), "Pecete %s %s", o->package, o->number);
	req = json_pack("{s:{s:s,s:s,s:s},s:{s:{s:i,s:i}},"
	                "s:{s:s,s:s,s:s,s:s,s:s,s:s,s:o}}",
	    "config", "notifyUrl", notify, "redirectUrl", back, "language",
	    "ro", "payment", "options", "installments", 0, "bonus", 0, "order",
	    "posSignature", conf->shop.netopia_pos_signature, "dateTime", when,
	    "description", desc, "orderID", o->id, "amount", "\001amount\001",
	    "currency", "RON", "billing", np_billing(o));
	txt = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	if (txt == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	json_decref(req);
	req = NULL;
	m = strstr(txt, NTP_AMOUNT_MARK);
	if (m == NULL) {
		rc = PC_EINTERNAL;
		goto out;
	}
	buf_append(&fixed, txt, (size_t)(m - txt));
	buf_append_str(&fixed, amount);
	buf_append_str(&fixed, m + strlen(NTP_AMOUNT_MARK));
	buf_append(&fixed, "", 1);
	if (!buf_ok(&fixed)) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = np_call(
	    conf, "/payment/card/start", (const char *)fixed.data, &resp);
	if (rc != PC_OK)
		goto out;
	pay = json_object_get(resp, "payment");
	purl = json_string_value(json_object_get(pay, "paymentURL"));
	if (purl == NULL ||
	    (strncmp(purl, "https://", 8) != 0 &&
	        !(strncmp(purl, "http://", 7) == 0 &&
	            strncmp(conf->shop.netopia_api_url, "http://", 7) == 0)) ||
	    strlen(purl) >= urllen || strpbrk(purl, "\r\n\"<> ") != NULL) {
		/* The answer's own text stays out of the log (injection). */
		log_warnx("shop: netopia: start for %s: no usable paymentURL "
		          "in the answer",
		    o->number);
		rc = PC_EIO;
		goto out;
	}
	snprintf(url, urllen, "%s", purl);
	log_info("shop: netopia: payment of %s started", o->number);
out:
	buf_cleanup(&fixed);
	free(txt);
	json_decref(req);
	json_decref(resp);
	return rc;
}

/*
 * The fields of a verified IPN body or a status answer: order.orderID
 * (when want_order), payment.status, payment.amount, payment.currency,
 * payment.ntpID.
 */
static enum pc_rc
np_notice_fill(json_t *j, bool want_order, struct pay_notice *out)
{
	json_t *pay = json_object_get(j, "payment");
	json_t *ord = json_object_get(j, "order");
	json_t *st = json_object_get(pay, "status");
	json_t *am = json_object_get(pay, "amount");
	const char *id = json_string_value(json_object_get(ord, "orderID"));
	const char *cur = json_string_value(json_object_get(pay, "currency"));
	const char *ref = json_string_value(json_object_get(pay, "ntpID"));
	const char *mapped;

	if (!json_is_integer(st) || !json_is_number(am) || cur == NULL ||
	    ref == NULL || ref[0] == '\0' || strlen(ref) >= sizeof(out->ref) ||
	    strlen(cur) >= sizeof(out->currency) ||
	    (want_order && (id == NULL || strlen(id) > STORE_ORDER_ID_LEN)))
		return PC_EINVAL;
	mapped = pay_netopia_status_map((long long)json_integer_value(st));
	if (mapped == NULL) {
		log_warnx("shop: netopia: unknown payment status %lld",
		    (long long)json_integer_value(st));
		return PC_EINVAL;
	}
	if (pay_netopia_amount_parse(
	        json_number_value(am), &out->amount_bani) != PC_OK)
		return PC_EINVAL;
	if (want_order)
		snprintf(out->order_id, sizeof(out->order_id), "%s", id);
	snprintf(out->status, sizeof(out->status), "%s", mapped);
	snprintf(out->currency, sizeof(out->currency), "%s", cur);
	snprintf(out->ref, sizeof(out->ref), "%s", ref);
	return PC_OK;
}

static enum pc_rc
np_verify(const struct conf *conf, const char *body, size_t len,
    const char *sig, struct pay_notice *out)
{
	struct buf pem;
	json_error_t je;
	json_t *j = NULL;
	enum netopia_tok t;
	enum pc_rc rc;

	if (sig == NULL || body == NULL)
		return PC_EAUTH;
	if (len > NETOPIA_BODY_MAX || strlen(sig) > NETOPIA_TOKEN_MAX)
		return PC_EAUTH;
	if (conf->shop.netopia_public_key_file == NULL ||
	    conf->shop.netopia_pos_signature == NULL) {
		log_warnx("shop: netopia: [shop] netopia_public_key_file and "
		          "netopia_pos_signature are required for IPNs");
		return PC_ESTATE;
	}
	buf_init(&pem, NTP_PEM_MAX);
	rc = file_read(conf->shop.netopia_public_key_file, NTP_PEM_MAX, &pem);
	if (rc != PC_OK) {
		log_warnx("shop: netopia: cannot read %s",
		    conf->shop.netopia_public_key_file);
		buf_cleanup(&pem);
		return rc;
	}
	t = pay_netopia_token_check((const char *)pem.data, pem.len,
	    conf->shop.netopia_pos_signature, sig, body, len, clock_now());
	buf_cleanup(&pem);
	if (t == NETOPIA_TOK_KEY) {
		log_warnx("shop: netopia: %s is not an RSA public key",
		    conf->shop.netopia_public_key_file);
		return PC_ESTATE;
	}
	if (t != NETOPIA_TOK_OK) {
		log_warnx("shop: netopia: IPN token refused: %s",
		    pay_netopia_token_name(t));
		return PC_EAUTH;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	memset(out, 0, sizeof(*out));
	rc = json_is_object(j) ? np_notice_fill(j, true, out) : PC_EINVAL;
	json_decref(j);
	return rc;
}

static enum pc_rc
np_query(
    const struct conf *conf, const struct store_order *o, struct pay_notice *n)
{
	json_t *req, *resp = NULL;
	char *body;
	enum pc_rc rc;

	if (conf->shop.netopia_pos_signature == NULL)
		return PC_ESTATE;
	memset(n, 0, sizeof(*n));
	req = json_pack("{s:s,s:s,s:s}", "posID",
	    conf->shop.netopia_pos_signature, "ntpID", o->provider_ref,
	    "orderID", o->id);
	body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (body == NULL)
		return PC_ENOMEM;
	rc = np_call(conf, "/operation/status", body, &resp);
	free(body);
	if (rc == PC_OK)
		rc = np_notice_fill(resp, false, n);
	if (rc == PC_OK)
		snprintf(n->order_id, sizeof(n->order_id), "%s", o->id);
	json_decref(resp);
	return rc;
}

static enum pc_rc
np_refund(const struct conf *conf, const struct store_order *o)
{
	(void)conf;
	log_warnx("shop: netopia: refund of %s refused: provider_unsupported "
	          "(not in the public API v2 documentation; refund it in the "
	          "Netopia admin)",
	    o->number);
	return PC_EUNAVAIL;
}

const struct pay_provider pay_netopia = { "netopia", np_start, np_verify,
	np_query, np_refund };
