/*
 * api_session.c: /api/v1/session (state, sign-in, sign-out), the TOTP
 * step of sign-in and the 2FA deferral.
 */
#include <string.h>

#include "api/api_acct.h"
#include "base/log.h"
#include "base/rnd.h"

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
			    fresh,
			    strncmp(r->app->conf->server.public_url, "https://",
			        8) == 0
			        ? "; Secure"
			        : "");
			if (csrf == NULL || c == NULL)
				return PC_ENOMEM;
			http_resp_header(w, "Set-Cookie", c);
		}
	}
	return api_json_reply(w, 200, api_session_info(r, s, csrf));
}

enum pc_rc
api_session_post(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	struct acct_session *s;
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	s = arena_alloc(&r->arena, sizeof(*s));
	if (s == NULL) {
		json_decref(b);
		return PC_ENOMEM;
	}
	api_acct_env(r, &e);
	rc = acct_login(
	    &e, api_json_str(b, "email"), api_json_str(b, "password"), s, &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	api_cookie_session(r, w, s->token);
	log_info("req=%s signed in user=%s state=%s", r->req_id, s->u.id,
	    s->s.state);
	rc = api_json_reply(w, 200, api_session_info(r, s, NULL));
	acct_session_cleanup(s);
	return rc;
}

enum pc_rc
api_session_delete(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_session *s = api_session(r);

	api_acct_env(r, &e);
	if (s != NULL && acct_session_end(&e, s) != PC_OK)
		return PC_EDB;
	api_cookie_session(r, w, NULL);
	return api_json_reply(w, 200, json_pack("{s:b}", "signed_out", 1));
}

enum pc_rc
api_session_totp_post(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	struct acct_session *s;
	json_t *b;
	enum pc_rc rc;

	s = api_session_need(r, w);
	if (s == NULL || api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_login_totp(&e, s, api_json_str(b, "code"), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 200, api_session_info(r, s, NULL));
}

enum pc_rc
api_session_defer_post(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	struct acct_session *s;
	json_t *b;
	enum pc_rc rc;

	s = api_session_need(r, w);
	if (s == NULL || api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_twofa_defer(
	    &e, s, api_json_str(b, "mode"), api_json_str(b, "date"), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	/* The user row changed: show the deferral. */
	return api_json_reply(w, 200, api_session_info(r, s, NULL));
}
