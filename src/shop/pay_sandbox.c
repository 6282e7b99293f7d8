/*
 * pay_sandbox.c: the built-in sandbox payment provider. Its hosted page is
 * served by api_shop_sandbox.c; the result comes back to us as a signed
 * server-to-server notification (HMAC-SHA256 of the body with the key of
 * [shop] sandbox_key_file) sent from a thread with libcurl.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/curl_lazy.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "shop/pay.h"

enum sandbox_card
pay_sandbox_card(const char *number)
{
	static const struct {
		const char *n;
		enum sandbox_card c;
	} cards[] = {
		{ "4111111111111111", SANDBOX_CARD_OK },
		{ "4000000000000002", SANDBOX_CARD_DECLINE },
		{ "4000000000003220", SANDBOX_CARD_3DS },
	};
	char d[24];
	size_t i, n = 0;

	if (number == NULL)
		return SANDBOX_CARD_UNKNOWN;
	for (; *number != '\0' && n < sizeof(d) - 1; number++)
		if (*number != ' ' && *number != '-')
			d[n++] = *number;
	d[n] = '\0';
	for (i = 0; i < PC_ARRAY_LEN(cards); i++)
		if (strcmp(d, cards[i].n) == 0)
			return cards[i].c;
	return SANDBOX_CARD_UNKNOWN;
}

enum pc_rc
pay_sandbox_sign(
    const struct conf *conf, const char *body, size_t len, char hex[65])
{
	unsigned char mac[32];
	unsigned int maclen = sizeof(mac);
	char *key = NULL;
	enum pc_rc rc;
	size_t i;

	rc = secret_read_file(conf->shop.sandbox_key_file, 256, &key);
	if (rc != PC_OK) {
		log_warnx("shop: sandbox: the key file %s: %s",
		    conf->shop.sandbox_key_file, secret_file_why(rc));
		return rc;
	}
	if (HMAC(EVP_sha256(), key, (int)strlen(key),
	        (const unsigned char *)body, len, mac, &maclen) == NULL)
		rc = PC_ECRYPTO;
	secret_strfree(key);
	if (rc != PC_OK)
		return rc;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return PC_OK;
}

static enum pc_rc
sb_start(const struct conf *conf, const struct store_order *o, char *url,
    size_t urllen)
{
	(void)conf;
	snprintf(url, urllen, "/sandbox/pay/%s", o->id);
	return PC_OK;
}

static enum pc_rc
sb_verify(const struct conf *conf, const char *body, size_t len,
    const char *sig, struct pay_notice *out)
{
	char hex[65];
	json_t *o = NULL;
	json_error_t je;
	const char *id, *st, *cur, *ref;
	json_int_t amount;
	enum pc_rc rc;

	if (sig == NULL || strlen(sig) != 64)
		return PC_EAUTH;
	rc = pay_sandbox_sign(conf, body, len, hex);
	if (rc != PC_OK)
		return rc;
	if (CRYPTO_memcmp(hex, sig, 64) != 0)
		return PC_EAUTH;
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL ||
	    json_unpack(o, "{s:s,s:s,s:I,s:s,s:s}", "order", &id, "status", &st,
	        "amount_bani", &amount, "currency", &cur, "ref", &ref) != 0 ||
	    strlen(id) > STORE_ORDER_ID_LEN ||
	    strlen(st) >= sizeof(out->status) ||
	    strlen(cur) >= sizeof(out->currency) ||
	    strlen(ref) >= sizeof(out->ref)) {
		json_decref(o);
		return PC_EINVAL;
	}
	snprintf(out->order_id, sizeof(out->order_id), "%s", id);
	snprintf(out->status, sizeof(out->status), "%s", st);
	snprintf(out->currency, sizeof(out->currency), "%s", cur);
	snprintf(out->ref, sizeof(out->ref), "%s", ref);
	out->amount_bani = (int64_t)amount;
	json_decref(o);
	return PC_OK;
}

static enum pc_rc
sb_query(
    const struct conf *conf, const struct store_order *o, struct pay_notice *n)
{
	(void)conf;
	memset(n, 0, sizeof(*n));
	snprintf(n->order_id, sizeof(n->order_id), "%s", o->id);
	snprintf(n->status, sizeof(n->status), "%s", o->state);
	return PC_OK;
}

static enum pc_rc
sb_refund(const struct conf *conf, const struct store_order *o)
{
	(void)conf;
	log_info("shop: sandbox: refund of order %s accepted", o->id);
	return PC_OK;
}

const struct pay_provider pay_sandbox = { "sandbox", sb_start, sb_verify,
	sb_query, sb_refund };

const struct pay_provider *
pay_provider_get(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "sandbox") == 0)
		return &pay_sandbox;
	if (strcmp(name, "netopia") == 0)
		return &pay_netopia;
	return NULL;
}

struct sb_job {
	char url[512];
	char *body;
	char sig[65];
};

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

static void *
sb_send(void *arg)
{
	struct sb_job *j = arg;
	struct curl_slist *h = NULL;
	char hdr[128];
	CURL *c;
	CURLcode cc = CURLE_FAILED_INIT;
	long status = 0;
	int attempt;

	snprintf(hdr, sizeof(hdr), "X-Sandbox-Signature: %s", j->sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, hdr);
	for (attempt = 0; attempt < 3; attempt++) {
		c = curl_easy_init();
		if (c == NULL)
			break;
		curl_easy_setopt(c, CURLOPT_URL, j->url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, 15L);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
		/* The answer is not printed anywhere (libcurl's default). */
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		cc = curl_easy_perform(c);
		if (cc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_cleanup(c);
		if (cc == CURLE_OK && status < 500)
			break;
	}
	log_info("shop: sandbox: notification sent: %s (HTTP %ld)",
	    curl_easy_strerror(cc), status);
	curl_slist_free_all(h);
	free(j->body);
	free(j);
	return NULL;
}

enum pc_rc
pay_sandbox_notify_async(const struct conf *conf, const char *order_id,
    const char *status, int64_t amount_bani)
{
	struct sb_job *j;
	pthread_attr_t at;
	pthread_t t;
	char ref[40];
	const char *listen = conf->server.listen;
	enum pc_rc rc;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return PC_ENOMEM;
	memcpy(ref, "sbx-", 4);
	rc = rnd_hex(12, ref + 4);
	if (rc != PC_OK) {
		free(j);
		return rc;
	}
	if (strncmp(listen, "0.0.0.0:", 8) == 0)
		snprintf(j->url, sizeof(j->url),
		    "http://127.0.0.1:%s/api/v1/payments/sandbox/notify",
		    listen + 8);
	else
		snprintf(j->url, sizeof(j->url),
		    "http://%s/api/v1/payments/sandbox/notify", listen);
	{
		json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s}", "order",
		    order_id, "status", status, "amount_bani",
		    (json_int_t)amount_bani, "currency", "RON", "ref", ref);

		j->body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
	}
	if (j->body == NULL) {
		free(j);
		return PC_ENOMEM;
	}
	rc = pay_sandbox_sign(conf, j->body, strlen(j->body), j->sig);
	if (rc != PC_OK) {
		free(j->body);
		free(j);
		return rc;
	}
	if (curl_lazy_load() != PC_OK) {
		free(j->body);
		free(j);
		return PC_EUNAVAIL;
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, sb_send, j) != 0) {
		pthread_attr_destroy(&at);
		free(j->body);
		free(j);
		return PC_EINTERNAL;
	}
	pthread_attr_destroy(&at);
	return PC_OK;
}
