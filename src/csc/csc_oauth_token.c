/*
 * csc_oauth_token.c: the OAuth2 token endpoint (authorization code with
 * PKCE, rotating refresh tokens), revocation (RFC 7009), the purge of
 * expired rows and the holder's authorized apps. See csc_oauth.h.
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

static int64_t
access_ttl(const struct pc_env *e)
{
	int64_t t = e->conf != NULL ? e->conf->server.oauth_access_ttl : 0;

	return t > 0 ? t : 600;
}

/* BASE64URL(SHA-256(verifier)) is the challenge (RFC 7636 §4.6). */
static bool
pkce_ok(const char *verifier, const char *challenge)
{
	uint8_t d[crypto_hash_sha256_BYTES];
	char *b, *p;
	size_t i, n;
	bool ok;

	if (verifier == NULL)
		return false;
	n = strlen(verifier);
	if (n < 43 || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)verifier[i]) &&
		    strchr("-._~", verifier[i]) == NULL)
			return false;
	crypto_hash_sha256(d, (const uint8_t *)verifier, n);
	b = csc_b64_encode(d, sizeof(d));
	if (b == NULL)
		return false;
	for (p = b; *p != '\0'; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	if ((p = strchr(b, '=')) != NULL)
		*p = '\0';
	ok = strlen(b) == 43 && secret_eq(b, challenge, 43);
	free(b);
	return ok;
}

/* A new refresh token of grant into out (hash stored). */
static enum pc_rc
refresh_new(
    struct db *db, const char *grant, int64_t now, char out[CSC_TOKEN_LEN + 1])
{
	struct store_oauth_refresh r;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	rc = acct_token_new(out, r.hash);
	if (rc != PC_OK)
		return rc;
	snprintf(r.grant_id, sizeof(r.grant_id), "%s", grant);
	r.created_at = now;
	r.expires_at = now + OAUTH_REFRESH_TTL_S;
	return store_oauth_refresh_insert(db, &r);
}

/* Revoke the grant (a replayed code or refresh token), committed. */
static void
grant_kill(const struct pc_env *e, const char *grant, const char *why)
{
	struct db *db = NULL;
	enum pc_rc rc;

	if (grant == NULL || grant[0] == '\0')
		return;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK) {
		rc = store_oauth_grant_revoke(db, grant, NULL, clock_now());
		if (rc == PC_ENOTFOUND)
			rc = PC_OK;
		if (rc == PC_OK)
			rc = store_audit_printf(db, "oauth", "oauth.replay",
			    "grant=%s what=%s ip=%s", grant, why,
			    e->ip != NULL ? e->ip : "-");
	}
	rc = store_write_end(e->store, db, rc);
	log_info("oauth: %s replayed: grant %s revoked (%s)", why, grant,
	    pc_rc_str(rc));
}

static enum pc_rc
token_code(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, struct oauth_token_out *out,
    struct pc_err *err)
{
	const char *code = get(ctx, "code"), *ru = get(ctx, "redirect_uri");
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct store_oauth_req q;
	struct store_oauth_grant g;
	struct store_token t;
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	memset(&g, 0, sizeof(g));
	memset(&t, 0, sizeof(t));
	if (code == NULL || acct_token_hash(code, hash) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_req_get(db, "code_hash", hash, &q);
	store_release(e->store, db);
	db = NULL;
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && strcmp(q.client_id, c->id) != 0)) {
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (strcmp(q.status, OAUTH_REQ_USED) == 0) {
		/* RFC 6749 §4.1.2: a code used twice revokes what it gave. */
		grant_kill(e, q.grant_id, "code");
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	if (strcmp(q.status, OAUTH_REQ_APPROVED) != 0 || q.expires_at <= now ||
	    ru == NULL || strcmp(ru, q.redirect_uri) != 0 ||
	    !pkce_ok(get(ctx, "code_verifier"), q.challenge)) {
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	rc = rnd_hex(16, g.id);
	if (rc != PC_OK)
		goto out;
	snprintf(g.user_id, sizeof(g.user_id), "%s", q.user_id);
	snprintf(g.client_id, sizeof(g.client_id), "%s", c->id);
	snprintf(g.scope, sizeof(g.scope), "%s", q.scope);
	snprintf(g.credential, sizeof(g.credential), "%s", q.credential);
	g.created_at = g.last_used = now;
	/* A random token: nothing that saw the code (a browser's history,
	 * a log) can compute it. The consent's SAD, masked for the code's
	 * derived token, is masked again for this one; the signer keeps
	 * its binding to the derived token's hash (sad_bind). */
	rc = acct_token_new(out->access_token, t.hash);
	if (rc != PC_OK)
		goto out;
	if (q.sad_enc[0] != '\0') {
		char ct[CSC_TOKEN_LEN + 1], sad[SIGNER_SAD_HEX + 1];

		oauth_code_token(code, ct);
		rc = oauth_sad_xor(ct, q.sad_enc, sad);
		if (rc == PC_OK)
			rc = oauth_sad_xor(out->access_token, sad, t.sad_enc);
		if (rc == PC_OK)
			rc = acct_token_hash(ct, t.sad_bind);
		secret_wipe(ct, sizeof(ct));
		secret_wipe(sad, sizeof(sad));
		if (rc != PC_OK)
			goto out;
	}
	snprintf(t.user_id, sizeof(t.user_id), "%s", q.user_id);
	snprintf(t.client_id, sizeof(t.client_id), "%s", c->id);
	snprintf(t.scope, sizeof(t.scope), "%s", q.scope);
	snprintf(t.credential, sizeof(t.credential), "%s", q.credential);
	snprintf(t.grant_id, sizeof(t.grant_id), "%s", g.id);
	t.created_at = now;
	out->expires_in = access_ttl(e);
	/* A credential token lives as long as its SAD may. */
	if (strcmp(q.scope, CSC_SCOPE_CREDENTIAL) == 0 &&
	    out->expires_in > OAUTH_SAD_TTL_S)
		out->expires_in = OAUTH_SAD_TTL_S;
	t.expires_at = now + out->expires_in;
	snprintf(q.grant_id, sizeof(q.grant_id), "%s", g.id);
	snprintf(q.status, sizeof(q.status), "%s", OAUTH_REQ_USED);
	q.expires_at = now + OAUTH_REFRESH_TTL_S; /* kept: replays seen */
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_req_move(db, &q, OAUTH_REQ_APPROVED);
	/* Used: only the code's hash and the grant stay (replays). */
	if (rc == PC_OK)
		rc = store_oauth_req_scrub(db, q.id);
	if (rc == PC_OK)
		rc = store_oauth_grant_insert(db, &g);
	if (rc == PC_OK)
		rc = store_token_insert(db, &t);
	/* Refresh tokens for the service scope; a credential token ends
	 * with its SAD. */
	if (rc == PC_OK && strcmp(q.scope, CSC_SCOPE_SERVICE) == 0)
		rc = refresh_new(db, g.id, now, out->refresh_token);
	if (rc == PC_OK)
		rc = store_audit_printf(db, q.user_id, "oauth.token",
		    "client=%s scope=%s grant=%s expires_in=%lld", c->id,
		    q.scope, g.id, (long long)out->expires_in);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE) {
		/* Another exchange took the code first. */
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	if (rc == PC_OK) {
		snprintf(out->scope, sizeof(out->scope), "%s", q.scope);
		snprintf(out->credential, sizeof(out->credential), "%s",
		    q.credential);
	}
out:
	store_oauth_req_cleanup(&q);
	return rc;
}

static enum pc_rc
token_refresh(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, struct oauth_token_out *out,
    struct pc_err *err)
{
	const char *rt = get(ctx, "refresh_token");
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct store_oauth_refresh r;
	struct store_oauth_grant g;
	struct store_token t;
	struct db *db = NULL;
	int64_t now = clock_now();
	bool inactive = false;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	memset(&g, 0, sizeof(g));
	memset(&t, 0, sizeof(t));
	if (rt == NULL || acct_token_hash(rt, hash) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_refresh_get(db, hash, &r);
	if (rc == PC_OK)
		rc = store_oauth_grant_get(db, r.grant_id, &g);
	/* The holder's account must still be open (not erased, not
	 * closed): a refresh token outliving it gives nothing. */
	if (rc == PC_OK) {
		struct store_user u;

		memset(&u, 0, sizeof(u));
		rc = store_user_get(db, g.user_id, &u);
		if (rc == PC_OK &&
		    (u.status == NULL ||
		        strcmp(u.status, USER_STATUS_ACTIVE) != 0))
			inactive = true;
		store_user_cleanup(&u);
	}
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && strcmp(g.client_id, c->id) != 0))
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	if (rc != PC_OK)
		return rc;
	if (g.revoked_at != 0 || r.expires_at <= now || inactive)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	/* However often it is refreshed, a grant ends [server]
	 * oauth_grant_max_days after the holder's consent: then a new one. */
	if (now - g.created_at >= e->conf->server.oauth_grant_max_days * 86400)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	if (r.used_at != 0) {
		/* A rotated-away refresh token again: the family ends. */
		grant_kill(e, g.id, "refresh_token");
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	}
	rc = acct_token_new(out->access_token, t.hash);
	if (rc != PC_OK)
		return rc;
	snprintf(t.user_id, sizeof(t.user_id), "%s", g.user_id);
	snprintf(t.client_id, sizeof(t.client_id), "%s", c->id);
	snprintf(t.scope, sizeof(t.scope), "%s", g.scope);
	snprintf(t.credential, sizeof(t.credential), "%s", g.credential);
	snprintf(t.grant_id, sizeof(t.grant_id), "%s", g.id);
	t.created_at = now;
	out->expires_in = access_ttl(e);
	t.expires_at = now + out->expires_in;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_refresh_use(db, hash, now);
	if (rc == PC_OK)
		rc = store_token_insert(db, &t);
	if (rc == PC_OK)
		rc = refresh_new(db, g.id, now, out->refresh_token);
	if (rc == PC_OK)
		rc = store_oauth_grant_touch(db, g.id, now);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE) {
		grant_kill(e, g.id, "refresh_token");
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	}
	if (rc == PC_OK)
		snprintf(out->scope, sizeof(out->scope), "%s", g.scope);
	return rc;
}

enum pc_rc
oauth_purge(const struct pc_env *e, int64_t now, int64_t *n)
{
	struct db *db = NULL;
	int64_t a = 0, b = 0, c = 0;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_req_purge(db, now, &a);
	if (rc == PC_OK)
		rc = store_oauth_refresh_purge(db, now, &b);
	/* Access tokens a day past their end (auth/login's own purge
	 * keeps the same margin). */
	if (rc == PC_OK)
		rc = store_token_purge(db, now - 86400, &c);
	rc = store_write_end(e->store, db, rc);
	if (n != NULL)
		*n = rc == PC_OK ? a + b + c : 0;
	return rc;
}

enum pc_rc
oauth_token(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, struct oauth_token_out *out,
    struct pc_err *err)
{
	const char *gt = get(ctx, "grant_type");
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	if (gt == NULL)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "grant_type");
	if (strcmp(gt, "authorization_code") == 0)
		rc = token_code(e, c, get, ctx, out, err);
	else if (strcmp(gt, "refresh_token") == 0)
		rc = token_refresh(e, c, get, ctx, out, err);
	else
		return pc_fail(
		    err, PC_EINVAL, PCE_OAUTH_UNSUPPORTED_GRANT, NULL);
	if (rc != PC_OK)
		secret_wipe(out, sizeof(*out));
	return rc;
}

enum pc_rc
oauth_revoke(const struct pc_env *e, const struct store_oauth_client *c,
    const char *token)
{
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct store_token t;
	struct store_oauth_refresh r;
	struct store_oauth_grant g;
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(&t, 0, sizeof(t));
	memset(&r, 0, sizeof(r));
	memset(&g, 0, sizeof(g));
	if (token == NULL || acct_token_hash(token, hash) != PC_OK)
		return PC_OK; /* RFC 7009 §2.2: an invalid token is no error */
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_token_get(db, hash, &t);
	if (rc == PC_OK && strcmp(t.client_id, c->id) == 0)
		rc = store_token_revoke(db, hash, t.user_id, now);
	else if (rc == PC_ENOTFOUND || rc == PC_OK) {
		/* A refresh token: the whole grant goes. */
		rc = store_oauth_refresh_get(db, hash, &r);
		if (rc == PC_OK)
			rc = store_oauth_grant_get(db, r.grant_id, &g);
		if (rc == PC_OK && strcmp(g.client_id, c->id) == 0)
			rc = store_oauth_grant_revoke(db, g.id, NULL, now);
	}
	if (rc == PC_ENOTFOUND)
		rc = PC_OK;
	if (rc == PC_OK)
		rc = store_audit_printf(db, "oauth", "oauth.revoke",
		    "client=%s ip=%s", c->id, e->ip != NULL ? e->ip : "-");
	return store_write_end(e->store, db, rc);
}

/* ---- authorized apps
 * --------------------------------------------------------------- */

enum pc_rc
oauth_grants(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_oauth_grant *g), void *arg)
{
	enum pc_rc rc;

	STORE_ONE(rc, e->store,
	    store_oauth_grant_each(
	        db, user_id, clock_now() - OAUTH_SAD_TTL_S, fn, arg));
	return rc;
}

enum pc_rc
oauth_grant_revoke(const struct pc_env *e, const char *user_id, const char *id,
    struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	if (id == NULL || strlen(id) > STORE_TOKEN_ID_MAX)
		return pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, NULL);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_grant_revoke(db, id, user_id, clock_now());
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "oauth.grant_revoke",
		    "grant=%s ip=%s", id, e->ip != NULL ? e->ip : "-");
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, NULL);
	return rc;
}
