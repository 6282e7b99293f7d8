/*
 * api_session.c: /api/v1/session (state, sign-in, sign-out), the TOTP
 * step of sign-in and the 2FA deferral; the session helpers the other
 * handler files share (cookies, SessionInfo, the code steps).
 */
#include <string.h>

#include "api/api_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"

static bool
secure_cookies(struct req *r)
{
	return strncmp(r->app->conf->server.public_url, "https://", 8) == 0;
}

void
api_cookie_session(struct req *r, struct resp *w, const char *token)
{
	const char *c;

	if (token != NULL)
		c = arena_printf(&r->arena,
		    API_COOKIE_SESSION "=%s; Path=/; HttpOnly; "
		                       "SameSite=Strict; Max-Age=%lld%s",
		    token, (long long)r->app->conf->account.session_max_s,
		    secure_cookies(r) ? "; Secure" : "");
	else
		c = arena_printf(&r->arena,
		    API_COOKIE_SESSION "=; Path=/; HttpOnly; SameSite=Strict; "
		                       "Max-Age=0%s",
		    secure_cookies(r) ? "; Secure" : "");
	if (c != NULL)
		http_resp_header(w, "Set-Cookie", c);
}

void
api_cookie_renew(struct req *r, struct resp *w, const struct acct_session *s)
{
	if (s->token[0] != '\0')
		api_cookie_session(r, w, s->token);
}

const char *
api_time(struct req *r, int64_t t)
{
	char s[32];

	clock_fmt_iso(t, s, sizeof(s));
	return arena_strdup(&r->arena, s);
}

json_t *
api_time_or_null(struct req *r, int64_t t)
{
	return t != 0 ? json_string(api_time(r, t)) : json_null();
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
	struct acct_view v;
	json_t *o, *u;

	o = json_pack("{s:s,s:s,s:s}", "state",
	    s != NULL ? s->s.state : "anonymous", "csrf",
	    s != NULL ? s->s.csrf : (csrf != NULL ? csrf : ""),
	    "twofa_mandatory_after",
	    r->app->conf->account.twofa_mandatory_after);
	if (o == NULL || s == NULL) {
		if (o != NULL)
			json_object_set_new(o, "next", json_null());
		return o;
	}
	acct_session_view(api_env(r), s, &v);
	json_object_set_new(
	    o, "next", v.next != NULL ? json_string(v.next) : json_null());
	u = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "id", s->u.id,
	    "given_name", s->u.given_name, "surname", s->u.surname, "email",
	    s->u.email, "phone_masked", v.phone_masked, "lang", s->u.lang,
	    "twofa_enabled", s->u.twofa_enabled, "created_at",
	    api_time(r, s->u.created_at), "role", v.role);
	if (u != NULL) {
		json_object_set_new(u, "twofa_defer",
		    s->u.twofa_defer != NULL ? json_string(s->u.twofa_defer)
		                             : json_null());
		json_object_set_new(u, "twofa_defer_until",
		    v.defer_until[0] != '\0' ? json_string(v.defer_until)
		                             : json_null());
		json_object_set_new(o, "user", u);
	}
	return o;
}

json_t *
api_code_or_null(bool sent, const struct acct_code_info *ci)
{
	return sent ? api_code_info_json(ci) : json_null();
}

enum pc_rc
api_reply_code(struct resp *w, enum pc_rc rc, const struct acct_code_info *ci)
{
	return rc != PC_OK ? rc : api_reply(w, 200, api_code_info_json(ci));
}

enum pc_rc
api_reply_true(struct resp *w, enum pc_rc rc, const char *key)
{
	return rc != PC_OK ? rc : api_reply(w, 200, json_pack("{s:b}", key, 1));
}

enum pc_rc
api_reply_sent(struct resp *w, enum pc_rc rc)
{
	return rc != PC_OK
	           ? rc
	           : api_reply(w, 202, json_pack("{s:s}", "status", "sent"));
}

enum pc_rc
api_code_send(struct req *r, struct resp *w, api_send_flow fn)
{
	struct acct_code_info ci;

	return api_reply_code(
	    w, fn(api_env(r), api_session(r), &ci, api_err(r)), &ci);
}

enum pc_rc
api_code_post(
    struct req *r, struct resp *w, api_code_flow fn, const char *okkey)
{
	return api_reply_true(w,
	    fn(api_env(r), api_session(r), api_str(r, "code"), api_err(r)),
	    okkey);
}

enum pc_rc
api_token_code_post(
    struct req *r, struct resp *w, api_token_code_flow fn, const char *okkey)
{
	return api_reply_true(w,
	    fn(api_env(r), api_param(r, 0), api_str(r, "code"), api_err(r)),
	    okkey);
}

/* ---- the routes ------------------------------------------------------ */

enum pc_rc
api_session_get(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);
	const char *csrf = NULL, *c;
	char fresh[65];

	if (s == NULL) {
		csrf = http_req_cookie(r, API_COOKIE_CSRF);
		if (csrf == NULL || strlen(csrf) != 64) {
			if (rnd_hex(32, fresh) != PC_OK)
				return PC_EIO;
			csrf = arena_strdup(&r->arena, fresh);
			c = arena_printf(&r->arena,
			    API_COOKIE_CSRF "=%s; Path=/; HttpOnly; "
			                    "SameSite=Strict%s",
			    fresh, secure_cookies(r) ? "; Secure" : "");
			if (csrf == NULL || c == NULL)
				return PC_ENOMEM;
			http_resp_header(w, "Set-Cookie", c);
		}
	}
	return api_reply(w, 200, api_session_info(r, s, csrf));
}

/* After a step of signing in (rc): s's cookie and its SessionInfo. */
static enum pc_rc
signed_in(
    struct req *r, struct resp *w, enum pc_rc rc, const struct acct_session *s)
{
	if (rc != PC_OK)
		return rc;
	api_cookie_renew(r, w, s);
	return api_reply(w, 200, api_session_info(r, s, NULL));
}

enum pc_rc
api_session_post(struct req *r, struct resp *w)
{
	struct acct_session *s;
	enum pc_rc rc;

	s = arena_alloc(&r->arena, sizeof(*s));
	if (s == NULL)
		return PC_ENOMEM;
	/* Signing in again in this browser ends the session it had. */
	rc = acct_login(api_env(r), api_str(r, "email"), api_str(r, "password"),
	    api_session(r), s, api_err(r));
	if (rc == PC_OK)
		log_info("req=%s signed in user=%s state=%s", r->req_id,
		    s->u.id, s->s.state);
	rc = signed_in(r, w, rc, s);
	acct_session_cleanup(s);
	return rc;
}

enum pc_rc
api_session_delete(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);

	if (s != NULL && acct_session_end(api_env(r), s) != PC_OK)
		return PC_EDB;
	api_cookie_session(r, w, NULL);
	return api_reply(w, 200, json_pack("{s:b}", "signed_out", 1));
}

enum pc_rc
api_session_totp_post(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);

	return signed_in(r, w,
	    acct_login_totp(api_env(r), s, api_str(r, "code"), api_err(r)), s);
}

enum pc_rc
api_session_defer_post(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);

	return signed_in(r, w,
	    acct_twofa_defer(api_env(r), s, api_str(r, "mode"),
	        api_str(r, "date"), api_err(r)),
	    s);
}
