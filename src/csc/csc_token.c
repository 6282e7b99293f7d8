/*
 * csc_token.c: access tokens of the CSC API: the bearer check every
 * AUTH_BEARER route passes, auth/login (HTTP Basic through the web's
 * sign-in rules) and auth/revoke. A token is 256 random bits in hex,
 * given out once and stored as its SHA-256 (store_token.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "csc/csc.h"
#include "csc/csc_oauth.h"
#include "store/store.h"
#include "store/store_oauth.h"
#include "store/store_token.h"

/* The scope a token has allows a route of scope want. */
static bool
scope_ok(const char *have, const char *want)
{
	if (strcmp(have, CSC_SCOPE_SERVICE) == 0)
		return true;
	return strcmp(have, want) == 0;
}

/* The value after "<scheme> " in an Authorization header, or NULL. */
static const char *
auth_value(const char *h, const char *scheme)
{
	size_t n = strlen(scheme);

	if (h == NULL || strncasecmp(h, scheme, n) != 0 || h[n] != ' ')
		return NULL;
	h += n;
	while (*h == ' ')
		h++;
	return *h != '\0' ? h : NULL;
}

enum pc_rc
csc_bearer(const struct pc_env *e, const char *authorization, const char *scope,
    struct csc_token *out, struct pc_err *err)
{
	struct store_token t;
	struct db *db = NULL;
	const char *tok = auth_value(authorization, "Bearer");
	char hash[ACCT_TOKEN_LEN + 1];
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	if (tok == NULL || acct_token_hash(tok, hash) != PC_OK)
		return pc_fail(err, PC_EAUTH, PCE_INVALID_TOKEN, NULL);
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	/* The token, its client's mode and its user's state: one read. */
	rc = store_token_get(db, hash, &t);
	snprintf(out->auth_mode, sizeof(out->auth_mode), "%s",
	    rc == PC_OK && t.auth_mode[0] != '\0' ? t.auth_mode : "explicit");
	/* An OAuth2 grant's last use, at most once a minute: written only
	 * when a minute old (a write would queue every request for the
	 * store's write lock behind the signer's commits). */
	if (rc == PC_OK && t.grant_id[0] != '\0' && t.revoked_at == 0 &&
	    t.expires_at > now && t.grant_used < now - 60)
		(void)store_oauth_grant_touch(db, t.grant_id, now);
	/* The account must still be an active one. */
	if (rc == PC_OK && !t.user_active)
		rc = PC_ENOTFOUND;
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && (t.revoked_at != 0 || t.expires_at <= now)))
		return pc_fail(err, PC_EAUTH, PCE_INVALID_TOKEN, NULL);
	if (rc != PC_OK)
		return rc;
	if (!scope_ok(t.scope, scope))
		return pc_fail(err, PC_EAUTH, PCE_INSUFFICIENT_SCOPE, NULL);
	snprintf(out->hash, sizeof(out->hash), "%s", t.hash);
	snprintf(out->bind, sizeof(out->bind), "%s",
	    t.sad_bind[0] != '\0' ? t.sad_bind : t.hash);
	snprintf(out->user_id, sizeof(out->user_id), "%s", t.user_id);
	snprintf(out->scope, sizeof(out->scope), "%s", t.scope);
	snprintf(out->credential, sizeof(out->credential), "%s", t.credential);
	out->expires_at = t.expires_at;
	snprintf(out->grant_id, sizeof(out->grant_id), "%s", t.grant_id);
	/* The consent's SAD: only this token's bearer can unmask it. */
	if (t.sad_enc[0] != '\0' &&
	    oauth_sad_xor(tok, t.sad_enc, out->sad) != PC_OK)
		out->sad[0] = '\0';
	return PC_OK;
}

bool
csc_basic_split(const char *authorization, char *buf, size_t size,
    const char **email, const char **pw)
{
	const char *v = auth_value(authorization, "Basic");
	size_t n = 0;
	char *colon;

	if (v == NULL ||
	    csc_b64_decode(v, (uint8_t *)buf, size - 1, &n) != PC_OK)
		return false;
	buf[n] = '\0';
	if (strlen(buf) != n || (colon = strchr(buf, ':')) == NULL)
		return false;
	*colon = '\0';
	*email = buf;
	*pw = colon + 1;
	return true;
}

enum pc_rc
csc_login(const struct pc_env *e, const char *authorization,
    char token[CSC_TOKEN_LEN + 1], int64_t *expires_in, struct pc_err *err)
{
	char buf[ACCT_EMAIL_MAX + ACCT_PASSWORD_MAX + 8];
	char uid[ACCT_ID_MAX + 1];
	const char *email = NULL, *pw = NULL;
	struct store_token t;
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	token[0] = '\0';
	memset(&t, 0, sizeof(t));
	if (!csc_basic_split(authorization, buf, sizeof(buf), &email, &pw)) {
		secret_wipe(buf, sizeof(buf));
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "Authorization");
	}
	rc = acct_login_api(e, email, pw, uid, err);
	secret_wipe(buf, sizeof(buf));
	if (rc != PC_OK)
		return rc;
	rc = acct_token_new(token, t.hash);
	if (rc != PC_OK)
		return rc;
	snprintf(t.user_id, sizeof(t.user_id), "%s", uid);
	snprintf(t.scope, sizeof(t.scope), "%s", CSC_SCOPE_SERVICE);
	t.created_at = now;
	t.expires_at = now + CSC_TOKEN_TTL_S;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		goto out;
	rc = db_begin(db);
	if (rc == PC_OK) {
		rc = store_token_insert(db, &t);
		if (rc == PC_OK)
			rc = store_audit_printf(db, uid, "csc.token",
			    "scope=service expires_in=%d ip=%s",
			    CSC_TOKEN_TTL_S, e->ip != NULL ? e->ip : "-");
		if (rc == PC_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	/* Expired tokens go, a few at a time, with each new one. */
	if (rc == PC_OK)
		(void)store_token_purge(db, now - 86400, NULL);
	store_release(e->store, db);
out:
	if (rc != PC_OK) {
		secret_wipe(token, CSC_TOKEN_LEN + 1);
		return rc;
	}
	*expires_in = CSC_TOKEN_TTL_S;
	return PC_OK;
}

enum pc_rc
csc_revoke(const struct pc_env *e, const struct csc_token *t, const char *token,
    struct pc_err *err)
{
	char hash[ACCT_TOKEN_LEN + 1];
	struct db *db = NULL;
	enum pc_rc rc;

	if (token == NULL)
		snprintf(hash, sizeof(hash), "%s", t->hash);
	else if (acct_token_hash(token, hash) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "token");
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = db_begin(db);
	if (rc == PC_OK) {
		rc = store_token_revoke(db, hash, t->user_id, clock_now());
		if (rc == PC_OK)
			rc = store_audit_printf(db, t->user_id, "csc.revoke",
			    "ip=%s", e->ip != NULL ? e->ip : "-");
		if (rc == PC_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "token");
	return rc;
}
