/*
 * notify_sms.c: the "sms-http" driver: one JSON POST per message to the
 * gateway at [notify] sms_url (libcurl).
 *
 *   POST <sms_url>
 *   Authorization: Bearer <first line of sms_token_file>
 *   Content-Type: application/json
 *   {"to":"+40712345678","text":"...","sender":"Pecete","id":"42"}
 *
 * "id" is the outbox id as a string: a gateway may use it to drop a
 * duplicate. Any 2xx answer means accepted; 408, 429 and 5xx (and network
 * errors) are retried; other 4xx answers fail the message at once. The
 * answer body is read (at most 4 KiB) and ignored. docs/operations.md
 * ("SMS gateway") describes the contract for operators.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "base/secret.h"
#include "base/curl_lazy.h"
#include "notify/notify_int.h"

#define SMS_TOKEN_MAX 4096
#define SMS_REPLY_MAX 4096

static size_t
sms_discard(char *p, size_t size, size_t nmemb, void *arg)
{
	size_t *seen = arg;

	*seen += size * nmemb;
	if (*seen > SMS_REPLY_MAX)
		return 0; /* stop reading a huge answer */
	return size * nmemb;
}

/* Free a header list after wiping its strings (the bearer token). */
static void
slist_wipe_free(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p != NULL; p = p->next)
		secret_wipe(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static enum pc_rc
sms_send(const struct conf_notify *c, const struct notify_msg *m, char *why,
    size_t whylen)
{
	CURL *h = NULL;
	struct curl_slist *hdrs = NULL, *l;
	json_t *o = NULL;
	char *token = NULL, *body = NULL, *auth = NULL, idstr[32];
	size_t authlen, seen = 0;
	long code = 0;
	CURLcode cc;
	enum pc_rc rc;

	if (c->sms_url == NULL || c->sms_token_file == NULL) {
		snprintf(why, whylen, "sms_url or sms_token_file not set");
		return PC_EINVAL;
	}
	if (curl_lazy_load() != PC_OK) {
		snprintf(why, whylen, "libcurl is not available");
		return PC_EUNAVAIL;
	}
	rc = secret_read_file(c->sms_token_file, SMS_TOKEN_MAX, &token);
	if (rc != PC_OK) {
		snprintf(
		    why, whylen, "sms_token_file: %s", secret_file_why(rc));
		return PC_EUNAVAIL;
	}
	rc = PC_ENOMEM;
	snprintf(idstr, sizeof(idstr), "%lld", (long long)m->id);
	o = json_pack("{s:s,s:s,s:s,s:s}", "to", m->to, "text", m->text,
	    "sender", c->sms_sender, "id", idstr);
	body = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	authlen = strlen(token) + sizeof("Authorization: Bearer ");
	auth = secret_alloc(authlen);
	if (body == NULL || auth == NULL)
		goto out;
	snprintf(auth, authlen, "Authorization: Bearer %s", token);
	l = curl_slist_append(NULL, auth);
	if (l == NULL)
		goto out;
	hdrs = l;
	l = curl_slist_append(hdrs, "Content-Type: application/json");
	if (l == NULL)
		goto out;
	hdrs = l;
	h = curl_easy_init();
	if (h == NULL)
		goto out;
	curl_easy_setopt(h, CURLOPT_URL, c->sms_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sms_discard);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_WRITE_ERROR && code >= 200 && code < 300)
		cc = CURLE_OK; /* accepted; we stopped reading a long reply */
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "sms-http: %s", curl_easy_strerror(cc));
		rc = PC_EUNAVAIL;
	} else if (code >= 200 && code < 300) {
		rc = PC_OK;
	} else {
		snprintf(why, whylen, "sms-http: gateway answered %ld", code);
		rc = code >= 400 && code < 500 && code != 408 && code != 429
		         ? PC_EINVAL
		         : PC_EUNAVAIL;
	}
out:
	if (rc == PC_ENOMEM && why[0] == '\0')
		snprintf(why, whylen, "out of memory");
	if (h != NULL)
		curl_easy_cleanup(h);
	slist_wipe_free(hdrs);
	if (auth != NULL)
		secret_free(auth, authlen);
	if (body != NULL) {
		secret_wipe(body, strlen(body));
		free(body);
	}
	json_decref(o);
	secret_strfree(token);
	return rc;
}

const struct notify_driver notify_sms_http_driver = { "sms-http", NOTIFY_SMS,
	false, sms_send };
