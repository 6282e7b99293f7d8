/*
 * api_auth.c: the authorize hook run by the router before every handler.
 *
 * Outside /api/v1/ (health, PKI, OCSP, TSA, the dev outbox, static files)
 * it does nothing. Under /api/v1/ it:
 *   1. counts per-IP requests (and sign-in/registration/recovery attempts)
 *      in the database, so that several nodes agree: 429 rate_limited;
 *   2. loads the session of the pc_session cookie (idle and absolute
 *      expiry), kept in r->auth for the handler;
 *   3. checks CSRF on POST/PUT/DELETE: header X-CSRF-Token equal to the
 *      session's token, or without a session to the pc_csrf cookie
 *      (double submit): 403 csrf;
 *   4. refuses AUTH_USER routes without a fully signed-in session: 401
 *      not_signed_in (twofa_needed when only the password was given);
 *   5. AUTH_OPERATOR routes also need the role operator or admin: 403
 *      forbidden. AUTH_WEBHOOK routes (payment notifications) skip the
 *      CSRF check: their handler verifies the body's signature.
 */
#include <string.h>

#include "api/api_acct.h"
#include "api/api_shop.h"
#include "base/log.h"
#include "base/secret.h"
#include "store/store_shop.h"

#define API_PREFIX "/api/v1/"
#define IP_PER_MIN 600
#define USER_PER_MIN 600
#define REGISTER_PER_HOUR 20
#define RECOVERY_PER_HOUR 20

/* Move the malloc()ed strings of the user into the request arena. */
static void
session_to_arena(struct req *r, struct acct_session *s)
{
	char **f[] = { &s->u.email, &s->u.given_name, &s->u.surname,
		&s->u.phone, &s->u.lang, &s->u.status, &s->u.password_hash,
		&s->u.twofa_defer };
	size_t i;
	char *c;

	for (i = 0; i < PC_ARRAY_LEN(f); i++) {
		if (*f[i] == NULL)
			continue;
		c = arena_strdup(&r->arena, *f[i]);
		free(*f[i]);
		*f[i] = c != NULL ? c : (char *)"";
	}
}

static bool
token_eq(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return false;
	n = strlen(a);
	if (n < 32 || n != strlen(b))
		return false;
	return secret_eq(a, b, n);
}

static bool
state_changing(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	       strcmp(m, "DELETE") == 0 || strcmp(m, "PATCH") == 0;
}

static enum pc_rc
limit(struct req *r, struct resp *w, const struct acct_env *e, const char *what,
    const char *who, int64_t window, int64_t max)
{
	struct acct_err err = { 0 };
	const char *key;
	enum pc_rc rc;

	key = arena_printf(&r->arena, "%s:%s", what, who);
	if (key == NULL)
		return PC_ENOMEM;
	rc = acct_rate_hit(e, key, window, max, &err);
	if (rc == PC_ELIMIT) {
		log_info("req=%s rate limit %s", r->req_id, what);
		api_acct_error(w, rc, &err);
	} else if (rc != PC_OK) {
		http_error(w, rc, NULL, NULL);
	}
	return rc;
}

/* AUTH_OPERATOR: the signed-in user's role is operator or admin. */
static enum pc_rc
operator_check(struct req *r, struct resp *w)
{
	struct acct_session *s = r->auth;
	struct db *db = NULL;
	char role[16] = "";
	enum pc_rc rc;

	rc = store_acquire(r->app->store, &db);
	if (rc == PC_OK) {
		rc = store_user_role_get(db, s->u.id, role, sizeof(role));
		store_release(r->app->store, db);
	}
	if (rc != PC_OK && rc != PC_ENOTFOUND) {
		http_error(w, rc, NULL, NULL);
		return rc;
	}
	if (strcmp(role, "operator") != 0 && strcmp(role, "admin") != 0) {
		log_info("req=%s operator route refused for user %s", r->req_id,
		    s->u.id);
		api_shop_error(w, PC_EAUTH, "forbidden", NULL);
		return PC_EAUTH;
	}
	return PC_OK;
}

enum pc_rc
api_authorize(struct req *r, const struct route *route, struct resp *w)
{
	struct acct_env e;
	struct acct_session *s;
	const char *tok, *ip;
	enum pc_rc rc;

	if (strncmp(r->path, API_PREFIX, strlen(API_PREFIX)) != 0) {
		if (route->auth == AUTH_NONE)
			return PC_OK;
		api_acct_error_code(w, "not_signed_in");
		return PC_EAUTH;
	}
	api_acct_env(r, &e);
	ip = r->remote_ip != NULL ? r->remote_ip : "-";
	rc = limit(r, w, &e, "ip", ip, 60, IP_PER_MIN);
	if (rc != PC_OK)
		return rc;
	if (strcmp(r->method, "POST") == 0) {
		if (strcmp(r->path, "/api/v1/session") == 0)
			rc = limit(r, w, &e, "login", ip, 60,
			    r->app->conf->account.login_per_min_ip);
		else if (strcmp(r->path, "/api/v1/register") == 0)
			rc = limit(
			    r, w, &e, "register", ip, 3600, REGISTER_PER_HOUR);
		else if (strcmp(r->path, "/api/v1/recovery") == 0)
			rc = limit(
			    r, w, &e, "recovery", ip, 3600, RECOVERY_PER_HOUR);
		if (rc != PC_OK)
			return rc;
	}
	tok = http_req_cookie(r, API_COOKIE_SESSION);
	if (tok != NULL && tok[0] != '\0') {
		s = arena_alloc(&r->arena, sizeof(*s));
		if (s == NULL) {
			http_error(w, PC_ENOMEM, NULL, NULL);
			return PC_ENOMEM;
		}
		rc = acct_session_load(&e, tok, s);
		if (rc == PC_OK) {
			session_to_arena(r, s);
			r->auth = s;
		} else if (rc != PC_EAUTH) {
			http_error(w, rc, NULL, NULL);
			return rc;
		}
	}
	if (state_changing(r->method) && (route->auth & AUTH_WEBHOOK) == 0) {
		const char *hdr = http_req_header(r, "X-CSRF-Token");
		bool ok;

		s = r->auth;
		ok = s != NULL
		         ? token_eq(hdr, s->s.csrf)
		         : token_eq(hdr, http_req_cookie(r, API_COOKIE_CSRF));
		if (!ok) {
			log_info("req=%s csrf refused", r->req_id);
			api_acct_error_code(w, "csrf");
			return PC_EAUTH;
		}
	}
	if (r->auth != NULL) {
		s = r->auth;
		rc = limit(r, w, &e, "user", s->u.id, 60, USER_PER_MIN);
		if (rc != PC_OK)
			return rc;
	}
	if ((route->auth & (AUTH_USER | AUTH_OPERATOR)) != 0) {
		s = r->auth;
		if (s == NULL) {
			api_acct_error_code(w, "not_signed_in");
			return PC_EAUTH;
		}
		if (strcmp(s->s.state, SESS_FULL) != 0) {
			api_acct_error_code(
			    w, strcmp(s->s.state, SESS_NEEDS_2FA) == 0
			           ? "twofa_needed"
			           : "not_signed_in");
			return PC_EAUTH;
		}
	}
	if ((route->auth & AUTH_OPERATOR) != 0)
		return operator_check(r, w);
	return PC_OK;
}
