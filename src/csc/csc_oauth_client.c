/*
 * csc_oauth_client.c: the OAuth2 server's registered clients: their
 * redirect URIs (exact, or loopback with any port, RFC 8252), adding and
 * removing them, and client authentication at the token and PAR
 * endpoints. See csc_oauth.h.
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

/* http://127.0.0.1:PORT/path or http://[::1]:PORT/path: the loopback
 * host and what follows the port. */
static bool
loopback_split(const char *u, const char **host_end, const char **rest)
{
	const char *p;

	if (strncmp(u, "http://127.0.0.1", 16) == 0)
		p = u + 16;
	else if (strncmp(u, "http://[::1]", 12) == 0)
		p = u + 12;
	else
		return false;
	*host_end = p;
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0' && *p != '/' && *p != '?')
		return false;
	*rest = p;
	return true;
}

/* uri is one of the registered (one per line): exactly, or a loopback
 * one with another port (RFC 8252 §7.3). */
bool
oauth_redirect_ok(const char *registered, const char *uri)
{
	const char *p = registered, *he, *rest, *rhe, *rrest;
	size_t n = strlen(uri);
	bool loop = loopback_split(uri, &he, &rest);

	if (n == 0 || n > 2000 || strchr(uri, '#') != NULL)
		return false;
	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t k = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char one[2048];

		if (k < sizeof(one)) {
			memcpy(one, p, k);
			one[k] = '\0';
			if (strcmp(one, uri) == 0)
				return true;
			if (loop && loopback_split(one, &rhe, &rrest) &&
			    (size_t)(rhe - one) == (size_t)(he - uri) &&
			    strncmp(one, uri, (size_t)(he - uri)) == 0 &&
			    strcmp(rrest, rest) == 0)
				return true;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	return false;
}

/* A redirect URI we register: absolute https, or http on a loopback
 * address, or a private scheme (app.example:/cb); no fragment. */
static bool
redirect_valid(const char *u, size_t n)
{
	const char *he, *rest;
	size_t i;

	if (n == 0 || n > 2000 || memchr(u, '#', n) != NULL)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
			return false;
	if (strncmp(u, "https://", 8) == 0)
		return n > 8;
	if (strncmp(u, "http://", 7) == 0) {
		char one[2048];

		memcpy(one, u, n);
		one[n] = '\0';
		return loopback_split(one, &he, &rest);
	}
	/* A private-use scheme: letters, digits, "+-." then ':'. */
	for (i = 0; i < n && (isalnum((unsigned char)u[i]) || u[i] == '+' ||
	                         u[i] == '-' || u[i] == '.');
	     i++)
		;
	return i > 0 && i < n && u[i] == ':' && memchr(u, '.', i) != NULL;
}

enum pc_rc
oauth_client_add(const struct pc_env *e, const char *name,
    const char *redirects, bool public_client, const char *auth_mode,
    char id[STORE_TOKEN_ID_MAX + 1], char secret[OAUTH_SECRET_LEN + 1],
    struct pc_err *err)
{
	struct store_oauth_client c;
	struct db *db = NULL;
	const char *p;
	enum pc_rc rc;

	id[0] = secret[0] = '\0';
	memset(&c, 0, sizeof(c));
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) > STORE_OAUTH_NAME_MAX)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "name");
	if (strcmp(auth_mode, "explicit") != 0 &&
	    strcmp(auth_mode, "oauth2code") != 0)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "auth-mode");
	for (p = redirects; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t k = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (!redirect_valid(p, k))
			return pc_fail(
			    err, PC_EINVAL, PCE_FIELD_INVALID, "redirect");
		p = nl != NULL ? nl + 1 : NULL;
	}
	if (redirects == NULL || redirects[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "redirect");
	rc = rnd_hex(16, c.id);
	if (rc == PC_OK && !public_client)
		rc = acct_token_new(secret, c.secret_hash);
	if (rc != PC_OK)
		return rc;
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.type, sizeof(c.type), "%s",
	    public_client ? "public" : "confidential");
	snprintf(c.auth_mode, sizeof(c.auth_mode), "%s", auth_mode);
	c.redirect_uris = strdup(redirects);
	if (c.redirect_uris == NULL)
		return PC_ENOMEM;
	c.created_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_client_insert(db, &c);
	if (rc == PC_OK)
		rc = store_audit_printf(db, e->actor != NULL ? e->actor : "cli",
		    "oauth.client_add", "id=%s type=%s mode=%s", c.id, c.type,
		    c.auth_mode);
	rc = store_write_end(e->store, db, rc);
	free(c.redirect_uris);
	if (rc != PC_OK) {
		secret_wipe(secret, OAUTH_SECRET_LEN + 1);
		return rc;
	}
	snprintf(id, STORE_TOKEN_ID_MAX + 1, "%s", c.id);
	return PC_OK;
}

enum pc_rc
oauth_client_remove(const struct pc_env *e, const char *id)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_client_delete(db, id, clock_now());
	if (rc == PC_OK)
		rc = store_audit_printf(db, e->actor != NULL ? e->actor : "cli",
		    "oauth.client_remove", "id=%.64s", id);
	return store_write_end(e->store, db, rc);
}

enum pc_rc
oauth_client_get(
    const struct pc_env *e, const char *id, struct store_oauth_client *c)
{
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	if (id == NULL || id[0] == '\0' || strlen(id) > STORE_TOKEN_ID_MAX)
		return PC_ENOTFOUND;
	STORE_ONE(rc, e->store, store_oauth_client_get(db, id, c));
	return rc;
}

/* application/x-www-form-urlencoded decoding of s in place ('+' is a
 * space, %XX a byte); false for a malformed escape or a NUL. */
static bool
form_unescape(char *s)
{
	char *o = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]))
				return false;
			hi = isdigit((unsigned char)s[1])
			         ? s[1] - '0'
			         : tolower((unsigned char)s[1]) - 'a' + 10;
			lo = isdigit((unsigned char)s[2])
			         ? s[2] - '0'
			         : tolower((unsigned char)s[2]) - 'a' + 10;
			if (hi == 0 && lo == 0)
				return false;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return true;
}

enum pc_rc
oauth_client_auth(const struct pc_env *e, oauth_param_fn get, void *ctx,
    const char *authorization, struct store_oauth_client *c, struct pc_err *err)
{
	char buf[256], hash[STORE_TOKEN_HASH_LEN + 1];
	const char *id = get(ctx, "client_id"), *secret = NULL;
	bool ok;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	if (authorization != NULL) {
		const char *bid = NULL;

		/* RFC 6749 §2.3.1: the id and the secret are each
		 * form-urlencoded before they are joined. */
		if (!csc_basic_split(
		        authorization, buf, sizeof(buf), &bid, &secret) ||
		    !form_unescape(buf + (bid - buf)) ||
		    !form_unescape(buf + (secret - buf)) ||
		    (id != NULL && strcmp(id, bid) != 0) ||
		    get(ctx, "client_secret") != NULL)
			return pc_fail(
			    err, PC_EAUTH, PCE_OAUTH_INVALID_CLIENT, NULL);
		id = bid;
	} else {
		secret = get(ctx, "client_secret");
	}
	rc = oauth_client_get(e, id, c);
	if (rc == PC_ENOTFOUND) {
		secret_wipe(buf, sizeof(buf));
		return pc_fail(err, PC_EAUTH, PCE_OAUTH_INVALID_CLIENT, NULL);
	}
	if (rc != PC_OK)
		return rc;
	if (c->secret_hash[0] == '\0')
		ok = secret == NULL;
	else
		ok = secret != NULL && acct_token_hash(secret, hash) == PC_OK &&
		     secret_eq(hash, c->secret_hash, STORE_TOKEN_HASH_LEN);
	secret_wipe(buf, sizeof(buf));
	if (!ok) {
		store_oauth_client_cleanup(c);
		return pc_fail(err, PC_EAUTH, PCE_OAUTH_INVALID_CLIENT, NULL);
	}
	return PC_OK;
}
