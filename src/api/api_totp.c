/*
 * api_totp.c: pairing the authenticator (J4, J14) and the QR PNG.
 */
#include <string.h>

#include "account/acct_qr.h"
#include "api/api_int.h"
#include "base/secret.h"

/* Where a resumable journey stands: {step, code: CodeSent|null}. */
static enum pc_rc
step_get(struct req *r, struct resp *w,
    enum pc_rc (*fn)(
        const struct pc_env *, const struct acct_session *, struct acct_step *))
{
	struct acct_step st;
	enum pc_rc rc;

	rc = fn(api_env(r), api_session(r), &st);
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200,
	    json_pack("{s:s,s:o}", "step", st.step, "code",
	        api_code_or_null(st.code_sent, &st.code)));
}

enum pc_rc
api_totp_pairing_get(struct req *r, struct resp *w)
{
	return step_get(r, w, acct_pairing_state);
}

enum pc_rc
api_account_phone_get(struct req *r, struct resp *w)
{
	return step_get(r, w, acct_phone_state);
}

enum pc_rc
api_totp_pairing_post(struct req *r, struct resp *w)
{
	return api_code_send(r, w, acct_pairing_start);
}

enum pc_rc
api_totp_pairing_verify_post(struct req *r, struct resp *w)
{
	struct signer_totp_reply t;
	enum pc_rc rc;

	rc = acct_pairing_verify(api_env(r), api_session(r), api_str(r, "code"),
	    api_bool(r, "installed"), &t, api_err(r));
	if (rc != PC_OK)
		return rc;
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
	char uri[SIGNER_TOTP_URI_MAX + 1];
	enum pc_rc rc;

	rc = acct_pairing_qr(
	    api_env(r), api_session(r), uri, sizeof(uri), api_err(r));
	if (rc != PC_OK)
		return rc;
	buf_reset(&w->body);
	rc = acct_qr_png(uri, &w->body);
	secret_wipe(uri, sizeof(uri));
	if (rc != PC_OK)
		return rc;
	w->status = 200;
	w->ctype = "image/png";
	api_attachment(r, w, "pecete-authenticator.png");
	return PC_OK;
}

enum pc_rc
api_totp_pairing_confirm_post(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);
	json_t *o;
	enum pc_rc rc;

	rc =
	    acct_pairing_confirm(api_env(r), s, api_str(r, "code"), api_err(r));
	if (rc != PC_OK)
		return rc;
	api_cookie_renew(r, w, s);
	o = api_session_info(r, s, NULL);
	if (o != NULL)
		json_object_set_new(o, "twofa_enabled", json_true());
	return api_reply(w, 200, o);
}

enum pc_rc
api_totp_reset_post(struct req *r, struct resp *w)
{
	return api_code_send(r, w, acct_totp_reset_start);
}

enum pc_rc
api_totp_reset_verify_post(struct req *r, struct resp *w)
{
	return api_code_post(r, w, acct_totp_reset_verify, "email_verified");
}
