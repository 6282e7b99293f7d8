/*
 * csc_oauth_consent.c: the consent page's request and the holder's
 * decision (the TOTP code as the SAD's activation), answered as a
 * redirect with a code or an error. See csc_oauth.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "account/account.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "csc/csc_oauth.h"
#include "csc/csc_oauth_int.h"
#include "store/store.h"
#include "store/store_token.h"
#include "store/store_account.h"

static enum pc_rc
consent_load(struct db *db, const char *handle, struct store_oauth_req *q,
    struct pc_err *err)
{
	char hash[STORE_TOKEN_HASH_LEN + 1];
	enum pc_rc rc;

	if (handle == NULL || acct_token_hash(handle, hash) != PC_OK)
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_OAUTH_REQUEST_UNKNOWN, NULL);
	rc = store_oauth_req_get(db, "consent_hash", hash, q);
	if (rc == PC_OK && (strcmp(q->status, OAUTH_REQ_PENDING) != 0 ||
	                       q->expires_at <= clock_now())) {
		store_oauth_req_cleanup(q);
		rc = PC_ENOTFOUND;
	}
	if (rc == PC_ENOTFOUND)
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_OAUTH_REQUEST_UNKNOWN, NULL);
	return rc;
}

enum pc_rc
oauth_consent_get(const struct pc_env *e, const char *handle,
    struct oauth_consent *out, struct pc_err *err)
{
	struct store_oauth_client c;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = consent_load(db, handle, &out->q, err);
	if (rc == PC_OK)
		rc = store_oauth_client_get(db, out->q.client_id, &c);
	store_release(e->store, db);
	if (rc == PC_OK)
		snprintf(
		    out->client_name, sizeof(out->client_name), "%s", c.name);
	store_oauth_client_cleanup(&c);
	return rc;
}

void
oauth_consent_cleanup(struct oauth_consent *c)
{
	store_oauth_req_cleanup(&c->q);
}

/* Append "name=value" (value percent-encoded) to *s with sep first. */
static void
url_add(struct buf *b, char sep, const char *name, const char *v)
{
	static const char hexd[] = "0123456789ABCDEF";
	const unsigned char *p;

	buf_printf(b, "%c%s=", sep, name);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~') {
			buf_append(b, p, 1);
		} else {
			char x[3] = { '%', hexd[*p >> 4], hexd[*p & 15] };

			buf_append(b, x, 3);
		}
	}
}

/* redirect?name=value[&error_description=desc][&state=...][&iss=...]
 * (malloc'd). */
char *
oauth_redirect_url(const char *redirect, const char *state, const char *name,
    const char *value, const char *desc, const char *iss)
{
	struct buf b;
	char *s;

	buf_init(&b, 16384);
	buf_append_str(&b, redirect);
	url_add(&b, strchr(redirect, '?') != NULL ? '&' : '?', name, value);
	if (desc != NULL)
		url_add(&b, '&', "error_description", desc);
	if (state != NULL)
		url_add(&b, '&', "state", state);
	/* RFC 9207: the issuer, so a client talking to several servers
	 * knows which one answered (mix-up attacks). */
	if (iss != NULL && iss[0] != '\0')
		url_add(&b, '&', "iss", iss);
	s = b.failed ? NULL : strndup((const char *)b.data, b.len);
	buf_cleanup(&b);
	return s;
}

enum pc_rc
oauth_consent_decide(const struct pc_env *e, const char *user_id,
    const char *handle, bool approve, const char *otp, char **location,
    struct pc_err *err)
{
	struct store_oauth_req q;
	struct csc_token t;
	char code[CSC_TOKEN_LEN + 1] = "", tok[CSC_TOKEN_LEN + 1] = "";
	char sad[SIGNER_SAD_HEX + 1] = "";
	struct db *db = NULL;
	json_t *d = NULL;
	enum pc_rc rc;

	*location = NULL;
	memset(&q, 0, sizeof(q));
	memset(&t, 0, sizeof(t));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = consent_load(db, handle, &q, err);
	store_release(e->store, db);
	db = NULL;
	if (rc != PC_OK)
		return rc;
	snprintf(q.user_id, sizeof(q.user_id), "%s", user_id);
	if (approve) {
		rc = acct_token_new(code, q.code_hash);
		if (rc != PC_OK)
			goto out;
		oauth_code_token(code, tok);
	}
	if (approve && strcmp(q.scope, CSC_SCOPE_CREDENTIAL) == 0) {
		/* The TOTP code, checked by the signer as credentials/
		 * authorize does; the SAD bound to the token the code
		 * yields, the credential and the exact hashes. */
		const char *b64[CSC_HASHES_MAX];
		struct csc_hashes h = { b64, 0, NULL };
		json_t *a;
		size_t i;
		int64_t exp = 0;

		d = json_loads(q.details != NULL ? q.details : "", 0, NULL);
		a = json_object_get(d, "hashes");
		for (i = 0; i < json_array_size(a) && i < CSC_HASHES_MAX; i++)
			b64[i] = json_string_value(json_array_get(a, i));
		h.n = i;
		h.hash_oid = json_string_value(json_object_get(d, "hash_oid"));
		if (acct_token_hash(tok, t.hash) != PC_OK) {
			rc = PC_EINTERNAL;
			goto out;
		}
		snprintf(t.bind, sizeof(t.bind), "%s", t.hash);
		snprintf(t.user_id, sizeof(t.user_id), "%s", user_id);
		snprintf(
		    t.credential, sizeof(t.credential), "%s", q.credential);
		rc = csc_authorize(
		    e, &t, q.credential, q.num, &h, otp, sad, &exp, err);
		if (rc != PC_OK)
			goto out;
		rc = oauth_sad_xor(tok, sad, q.sad_enc);
		if (rc != PC_OK)
			goto out;
	}
	q.consent_hash[0] = '\0';
	snprintf(q.status, sizeof(q.status), "%s",
	    approve ? OAUTH_REQ_APPROVED : OAUTH_REQ_DENIED);
	q.expires_at = clock_now() + OAUTH_CODE_TTL_S;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_req_move(db, &q, OAUTH_REQ_PENDING);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id,
		    approve ? "oauth.consent" : "oauth.deny",
		    "client=%s scope=%s credential=%s n=%lld ip=%s",
		    q.client_id, q.scope,
		    q.credential[0] != '\0' ? q.credential : "-",
		    (long long)q.num, e->ip != NULL ? e->ip : "-");
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE) {
		rc =
		    pc_fail(err, PC_ENOTFOUND, PCE_OAUTH_REQUEST_UNKNOWN, NULL);
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	*location =
	    approve ? oauth_redirect_url(q.redirect_uri, q.state, "code", code,
	                  NULL, e->conf->server.public_url)
	            : oauth_redirect_url(q.redirect_uri, q.state, "error",
	                  "access_denied", "The holder refused the request.",
	                  e->conf->server.public_url);
	if (*location == NULL)
		rc = PC_ENOMEM;
out:
	json_decref(d);
	secret_wipe(code, sizeof(code));
	secret_wipe(tok, sizeof(tok));
	secret_wipe(sad, sizeof(sad));
	store_oauth_req_cleanup(&q);
	return rc;
}
