/*
 * api_totp.c: pairing the authenticator (J4, J14) and the QR PNG.
 */
#include <string.h>

#include "account/acct_qr.h"
#include "api/api_int.h"
#include "base/secret.h"

/* A step's state as JSON: {step, code: CodeSent|null}. */
static enum pc_rc
step_reply(struct resp *w, enum pc_rc rc, const struct acct_step *st)
{
	json_t *o;

	if (rc != PC_OK)
		return rc;
	o = json_pack("{s:s}", "step", st->step);
	if (o != NULL)
		json_object_set_new(o, "code",
		    st->code_sent ? api_code_info_json(&st->code)
		                  : json_null());
	return api_reply(w, 200, o);
}

enum pc_rc
api_totp_pairing_get(struct req *r, struct resp *w)
{
	struct acct_step st;
	struct pc_env e;

	api_env(r, &e);
	return step_reply(w, acct_pairing_state(&e, api_session(r), &st), &st);
}

enum pc_rc
api_account_phone_get(struct req *r, struct resp *w)
{
	struct acct_step st;
	struct pc_env e;

	api_env(r, &e);
	return step_reply(w, acct_phone_state(&e, api_session(r), &st), &st);
}

enum pc_rc
api_totp_pairing_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_pairing_start(&e, api_session(r), &ci, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, 200, api_code_info_json(&ci));
}

enum pc_rc
api_totp_pairing_verify_post(struct req *r, struct resp *w)
{
	struct signer_totp_reply t;
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_pairing_verify(&e, api_session(r), api_str(r, "code"),
	    api_bool(r, "installed"), &t, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	/* The secret is shown once; every copy is wiped (ROUTE_SECRET). */
	rc = api_reply(w, 200,
	    json_pack("{s:s,s:s,s:s}", "secret", t.secret, "otpauth_uri", t.uri,
	        "qr_png", "/api/v1/totp/qr.png"));
	secret_wipe(&t, sizeof(t));
	return rc;
}

enum pc_rc
api_totp_qr_get(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	char uri[SIGNER_TOTP_URI_MAX + 1];
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_pairing_qr(&e, api_session(r), uri, sizeof(uri), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	buf_reset(&w->body);
	rc = acct_qr_png(uri, &w->body);
	secret_wipe(uri, sizeof(uri));
	if (rc != PC_OK)
		return rc;
	w->status = 200;
	w->ctype = "image/png";
	http_resp_header(w, "Cache-Control", "no-store");
	http_resp_header(w, "Content-Disposition",
	    "attachment; filename=\"pecete-authenticator.png\"");
	return PC_OK;
}

enum pc_rc
api_totp_pairing_confirm_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	struct acct_session *s = api_session(r);
	json_t *o;
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_pairing_confirm(&e, s, api_str(r, "code"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	if (s->token[0] != '\0')
		api_cookie_session(r, w, s->token);
	o = api_session_info(r, s, NULL);
	if (o != NULL)
		json_object_set_new(o, "twofa_enabled", json_true());
	return api_reply(w, 200, o);
}

enum pc_rc
api_totp_reset_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_totp_reset_start(&e, api_session(r), &ci, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, 200, api_code_info_json(&ci));
}

enum pc_rc
api_totp_reset_verify_post(struct req *r, struct resp *w)
{
	return api_code_post(r, w, acct_totp_reset_verify, "email_verified");
}
