/*
 * api_acct.c: helpers of the account handlers (see api_acct.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_acct.h"
#include "store/store_shop.h"
#include "base/clock.h"
#include "base/log.h"

struct code_map {
	const char *code;
	int status;
	const char *message;
};

/* Every stable code of the account API (docs/api.yaml AccountError). */
static const struct code_map codes[] = {
	{ "csrf", 403, "Missing or wrong CSRF token; reload the page." },
	{ "not_signed_in", 401, "Sign in first." },
	{ "twofa_needed", 401, "Enter the code of your authenticator app." },
	{ "rate_limited", 429, "Too many requests; wait a little." },
	{ "account_locked", 429,
	    "Too many wrong passwords; the account is locked for a while." },
	{ "login_failed", 401, "The e-mail or the password is wrong." },
	{ "field_invalid", 400, "A field is missing or not valid." },
	{ "consent_required", 400, "Accept the privacy notice to register." },
	{ "phone_invalid", 400,
	    "Enter the phone number with the country prefix, e.g. "
	    "+40712345678." },
	{ "phone_mismatch", 400,
	    "This is not the phone number you registered with." },
	{ "link_invalid", 404, "This link is not valid." },
	{ "link_expired", 410, "This link has expired." },
	{ "link_used", 410, "This link was already used." },
	{ "code_invalid", 400, "The code is wrong." },
	{ "code_expired", 410, "The code has expired; ask for a new one." },
	{ "code_used", 410, "The code was already used." },
	{ "code_attempts", 429,
	    "Too many wrong codes; ask for a new one when allowed." },
	{ "no_code", 409, "Ask for a code first." },
	{ "resend_too_soon", 429,
	    "A new code can be sent only later (see retry_after)." },
	{ "step_order", 409, "Finish the previous step first." },
	{ "password_weak", 400, "The password needs at least 12 characters." },
	{ "password_common", 400,
	    "This password is too common; choose another." },
	{ "password_personal", 400,
	    "The password must not contain your e-mail or name." },
	{ "password_mismatch", 400, "The two passwords differ." },
	{ "password_wrong", 403, "The current password is wrong." },
	{ "installed_required", 400,
	    "Confirm that you installed an authenticator app." },
	{ "qr_gone", 410, "The QR code can be shown only once." },
	{ "totp_replay", 400,
	    "This code was already used; wait for the next one." },
	{ "totp_locked", 429,
	    "Too many wrong codes; try again later (see retry_after)." },
	{ "totp_not_enabled", 409, "No authenticator is paired." },
	{ "twofa_required", 409,
	    "Two-factor authentication is mandatory now." },
	{ "defer_invalid", 400, "Choose a valid reminder." },
	{ "signer_unavailable", 503,
	    "The service is temporarily unavailable; try again." },
};

void
api_acct_env(struct req *r, struct acct_env *e)
{
	e->conf = r->app->conf;
	e->store = r->app->store;
	e->signer = r->app->signer;
	e->ip = r->remote_ip;
}

enum pc_rc
api_json_body(struct req *r, struct resp *w, json_t **out)
{
	json_error_t je;
	json_t *o;

	*out = NULL;
	o = json_loadb((const char *)r->body.data, r->body.len,
	    JSON_REJECT_DUPLICATES, &je);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		http_error(w, PC_EINVAL, "field_invalid",
		    "The body must be a JSON object.");
		return PC_EINVAL;
	}
	*out = o;
	return PC_OK;
}

const char *
api_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

enum pc_rc
api_json_reply(struct resp *w, int status, json_t *o)
{
	char *s;

	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s == NULL)
		return PC_ENOMEM;
	http_resp_json(w, status, s);
	http_resp_header(w, "Cache-Control", "no-store");
	free(s);
	return PC_OK;
}

static const struct code_map *
code_find(const char *code)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(codes); i++)
		if (strcmp(codes[i].code, code) == 0)
			return &codes[i];
	return NULL;
}

static enum pc_rc
error_reply(struct resp *w, const struct code_map *m, const char *field,
    int64_t retry_after)
{
	json_t *o, *e;

	e = json_pack("{s:s,s:s}", "code", m->code, "message", m->message);
	if (e != NULL && field != NULL)
		json_object_set_new(e, "field", json_string(field));
	if (e != NULL && retry_after > 0)
		json_object_set_new(
		    e, "retry_after", json_integer(retry_after));
	o = json_pack("{s:o}", "error", e);
	api_json_reply(w, m->status, o);
	if (retry_after > 0 && m->status == 429) {
		/* Sent by this thread before the next request: lives enough. */
		static _Thread_local char rbuf[24];

		snprintf(rbuf, sizeof(rbuf), "%lld", (long long)retry_after);
		http_resp_header(w, "Retry-After", rbuf);
	}
	return PC_OK;
}

enum pc_rc
api_acct_error_code(struct resp *w, const char *code)
{
	const struct code_map *m = code_find(code);

	if (m == NULL)
		return http_error(w, PC_EINTERNAL, NULL, NULL);
	return error_reply(w, m, NULL, 0);
}

enum pc_rc
api_acct_error(struct resp *w, enum pc_rc rc, const struct acct_err *err)
{
	const struct code_map *m;

	m = err->code != NULL ? code_find(err->code) : NULL;
	if (m == NULL) {
		if (err->code != NULL)
			log_warnx("api: no status for code %s", err->code);
		return http_error(w, rc, NULL, NULL);
	}
	return error_reply(w, m, err->field, err->retry_after);
}

struct acct_session *
api_session(struct req *r)
{
	return r->auth;
}

struct acct_session *
api_session_need(struct req *r, struct resp *w)
{
	if (r->auth == NULL)
		api_acct_error_code(w, "not_signed_in");
	return r->auth;
}

void
api_cookie_session(struct req *r, struct resp *w, const char *token)
{
	bool secure =
	    strncmp(r->app->conf->server.public_url, "https://", 8) == 0;
	const char *c;

	if (token != NULL)
		c = arena_printf(&r->arena,
		    API_COOKIE_SESSION "=%s; Path=/; HttpOnly; "
		                       "SameSite=Strict; Max-Age=%lld%s",
		    token, (long long)r->app->conf->account.session_max_s,
		    secure ? "; Secure" : "");
	else
		c = arena_printf(&r->arena,
		    API_COOKIE_SESSION "=; Path=/; HttpOnly; SameSite=Strict; "
		                       "Max-Age=0%s",
		    secure ? "; Secure" : "");
	if (c != NULL)
		http_resp_header(w, "Set-Cookie", c);
}

const char *
api_time(struct req *r, int64_t t)
{
	char s[32];

	clock_fmt_iso(t, s, sizeof(s));
	return arena_strdup(&r->arena, s);
}

json_t *
api_code_info_json(const struct acct_code_info *ci)
{
	char ex[32], ra[32];
	int64_t now = clock_now();

	clock_fmt_iso(ci->expires_at, ex, sizeof(ex));
	clock_fmt_iso(ci->resend_after, ra, sizeof(ra));
	return json_pack("{s:b,s:s,s:s,s:s,s:I,s:s,s:I}", "sent", 1, "channel",
	    ci->channel, "to_masked", ci->to_masked, "expires_at", ex,
	    "expires_in",
	    (json_int_t)(ci->expires_at > now ? ci->expires_at - now : 0),
	    "resend_after", ra, "resend_in",
	    (json_int_t)(ci->resend_after > now ? ci->resend_after - now : 0));
}

json_t *
api_session_info(struct req *r, const struct acct_session *s, const char *csrf)
{
	struct acct_env e;
	const char *next = NULL;
	char masked[32], created[32];
	json_t *o, *u;

	api_acct_env(r, &e);
	o = json_pack("{s:s,s:s,s:s}", "state",
	    s != NULL ? s->s.state : "anonymous", "csrf",
	    s != NULL ? s->s.csrf : (csrf != NULL ? csrf : ""),
	    "twofa_mandatory_after",
	    r->app->conf->account.twofa_mandatory_after);
	if (o == NULL)
		return NULL;
	if (s == NULL) {
		json_object_set_new(o, "next", json_null());
		return o;
	}
	next = acct_session_next(&e, s);
	json_object_set_new(
	    o, "next", next != NULL ? json_string(next) : json_null());
	acct_phone_mask(s->u.phone, masked, sizeof(masked));
	clock_fmt_iso(s->u.created_at, created, sizeof(created));
	u = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "id", s->u.id,
	    "given_name", s->u.given_name, "surname", s->u.surname, "email",
	    s->u.email, "phone_masked", masked, "lang", s->u.lang,
	    "twofa_enabled", s->u.twofa_enabled, "created_at", created);
	if (u != NULL) {
		json_object_set_new(u, "twofa_defer",
		    s->u.twofa_defer != NULL ? json_string(s->u.twofa_defer)
		                             : json_null());
		if (s->u.twofa_defer != NULL &&
		    strcmp(s->u.twofa_defer, "date") == 0) {
			char d[32];

			clock_fmt_iso(s->u.twofa_defer_until, d, sizeof(d));
			d[10] = '\0';
			json_object_set_new(
			    u, "twofa_defer_until", json_string(d));
		} else {
			json_object_set_new(
			    u, "twofa_defer_until", json_null());
		}
		/* The role decides which menus the UI shows (the server
		 * checks it again on every operator route). */
		{
			struct db *db = NULL;
			char role[16] = "user";

			if (store_acquire(r->app->store, &db) == PC_OK) {
				if (store_user_role_get(db, s->u.id, role,
				        sizeof(role)) != PC_OK)
					snprintf(role, sizeof(role), "user");
				store_release(r->app->store, db);
			}
			json_object_set_new(u, "role", json_string(role));
		}
		json_object_set_new(o, "user", u);
	}
	return o;
}

enum pc_rc
api_code_post(struct req *r, struct resp *w, api_code_flow fn,
    const char *okkey, bool need)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	struct acct_session *s;
	json_t *b;
	enum pc_rc rc;

	s = need ? api_session_need(r, w) : api_session(r);
	if (s == NULL || api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = fn(&e, s, api_json_str(b, "code"), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 200, json_pack("{s:b}", okkey, 1));
}

enum pc_rc
api_token_code_post(
    struct req *r, struct resp *w, api_token_code_flow fn, const char *okkey)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = fn(&e, r->nparams > 0 ? r->params[0] : "", api_json_str(b, "code"),
	    &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 200, json_pack("{s:b}", okkey, 1));
}
