/*
 * api_account.c: registration, activation, the account, password change
 * and recovery, phone change, consents. Each handler maps the checked
 * body to one domain call (src/account) and its result to JSON.
 */
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"

enum pc_rc
api_register_post(struct req *r, struct resp *w)
{
	struct acct_register_req q;

	memset(&q, 0, sizeof(q));
	q.given_name = api_str(r, "given_name");
	q.surname = api_str(r, "surname");
	q.email = api_str(r, "email");
	q.phone = api_str(r, "phone");
	q.lang = api_str(r, "lang");
	q.privacy_version = api_str(r, "privacy_version");
	q.privacy_consent = api_bool(r, "privacy_consent");
	return api_reply_sent(w, acct_register(api_env(r), &q, api_err(r)));
}

/*
 * Where a link (activation, recovery) stands: its expiry, the phone the
 * code goes to, whether the code was verified (verified_key), the code
 * waiting.
 */
static json_t *
link_json(struct req *r, int64_t expires_at, const char *phone_masked,
    const char *verified_key, bool verified, bool sent,
    const struct acct_code_info *code)
{
	json_t *o =
	    json_pack("{s:s,s:s,s:b}", "expires_at", api_time(r, expires_at),
	        "phone_masked", phone_masked, verified_key, verified);

	if (o != NULL)
		json_object_set_new(o, "code", api_code_or_null(sent, code));
	return o;
}

enum pc_rc
api_activation_get(struct req *r, struct resp *w)
{
	struct acct_activation a;
	json_t *o;
	enum pc_rc rc;

	rc = acct_activation_get(api_env(r), api_param(r, 0), &a, api_err(r));
	if (rc != PC_OK)
		return rc;
	o = link_json(r, a.expires_at, a.phone_masked, "phone_verified",
	    a.phone_verified, a.code_sent, &a.code);
	if (o != NULL &&
	    json_object_update_new(
	        o, json_pack("{s:s,s:s,s:s}", "given_name", a.given_name,
	               "surname", a.surname, "email", a.email)) != 0) {
		json_decref(o);
		o = NULL;
	}
	acct_activation_cleanup(&a);
	return api_reply(w, 200, o);
}

enum pc_rc
api_activation_phone_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;

	return api_reply_code(w,
	    acct_activation_phone(api_env(r), api_param(r, 0),
	        api_str(r, "phone"), api_bool(r, "change_phone"), &ci,
	        api_err(r)),
	    &ci);
}

enum pc_rc
api_activation_code_post(struct req *r, struct resp *w)
{
	return api_token_code_post(
	    r, w, acct_activation_code, "phone_verified");
}

enum pc_rc
api_activation_password_post(struct req *r, struct resp *w)
{
	char email[ACCT_EMAIL_MAX + 1] = "";
	enum pc_rc rc;

	rc = acct_activation_password(api_env(r), api_param(r, 0),
	    api_str(r, "password"), api_str(r, "password_confirm"), email,
	    sizeof(email), api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(
	    w, 200, json_pack("{s:b,s:s}", "activated", 1, "email", email));
}

enum pc_rc
api_account_get(struct req *r, struct resp *w)
{
	json_t *o, *u;

	o = api_session_info(r, api_session(r), NULL);
	u = o != NULL ? json_incref(json_object_get(o, "user")) : NULL;
	json_decref(o);
	if (u == NULL)
		return PC_ENOMEM;
	return api_reply(w, 200, u);
}

/*
 * The meter: the same rule as every password step. Signed in, the
 * account's own name and e-mail count; otherwise those the form sends.
 */
enum pc_rc
api_password_strength_post(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);
	enum pc_ecode code;
	int score = 0;

	code = s != NULL
	           ? acct_password_strength(api_str(r, "password"), s->u.email,
	                 s->u.given_name, s->u.surname, &score)
	           : acct_password_strength(api_str(r, "password"),
	                 api_str(r, "email"), api_str(r, "given_name"),
	                 api_str(r, "surname"), &score);
	return api_reply(w, 200,
	    json_pack("{s:i,s:i,s:b,s:o}", "score", score, "min",
	        ACCT_PASSWORD_MIN_SCORE, "ok", code == PCE_NONE, "code",
	        code != PCE_NONE ? json_string(pc_ecode_name(code))
	                         : json_null()));
}

enum pc_rc
api_account_password_post(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);
	enum pc_rc rc;

	rc = acct_password_change(api_env(r), s, api_str(r, "current_password"),
	    api_str(r, "password"), api_str(r, "password_confirm"), api_err(r));
	if (rc != PC_OK)
		return rc;
	/* A credential change gives the session new tokens. */
	api_cookie_renew(r, w, s);
	return api_reply(
	    w, 200, json_pack("{s:b,s:s}", "changed", 1, "csrf", s->s.csrf));
}

enum pc_rc
api_phone_email_code_post(struct req *r, struct resp *w)
{
	return api_code_send(r, w, acct_phone_email_code);
}

enum pc_rc
api_phone_email_verify_post(struct req *r, struct resp *w)
{
	return api_code_post(r, w, acct_phone_email_verify, "email_verified");
}

enum pc_rc
api_phone_sms_code_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;

	return api_reply_code(w,
	    acct_phone_sms_code(api_env(r), api_session(r), api_str(r, "phone"),
	        &ci, api_err(r)),
	    &ci);
}

enum pc_rc
api_phone_sms_verify_post(struct req *r, struct resp *w)
{
	enum pc_rc rc;

	rc = acct_phone_sms_verify(
	    api_env(r), api_session(r), api_str(r, "code"), api_err(r));
	if (rc != PC_OK)
		return rc;
	/* The phone changed: every session ended, this one too. */
	api_cookie_session(r, w, NULL);
	return api_reply(w, 200,
	    json_pack("{s:b,s:b}", "phone_changed", 1, "signed_out", 1));
}

/* ---- consents ------------------------------------------------------ */

static json_t *
consent_json(struct req *r, const struct acct_consent *c)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:b,s:o}", "kind", c->kind,
	    "version", c->version, "accepted_at", api_time(r, c->accepted_at),
	    "ip", c->ip, "required", c->required, "withdrawn_at",
	    api_time_or_null(r, c->withdrawn_at));
}

enum pc_rc
api_consents_get(struct req *r, struct resp *w)
{
	struct acct_consents cs;
	json_t *have, *need;
	size_t i;
	enum pc_rc rc;

	rc = acct_consents_list(api_env(r), api_session(r), &cs);
	if (rc != PC_OK)
		return rc;
	have = json_array();
	need = json_array();
	for (i = 0; i < cs.n; i++)
		json_array_append_new(have, consent_json(r, &cs.items[i]));
	for (i = 0; i < cs.nmissing; i++)
		json_array_append_new(
		    need, json_pack("{s:s,s:s}", "kind", cs.missing[i].kind,
		              "version", cs.missing[i].version));
	acct_consents_cleanup(&cs);
	return api_reply(
	    w, 200, json_pack("{s:o,s:o}", "consents", have, "required", need));
}

enum pc_rc
api_consents_post(struct req *r, struct resp *w)
{
	const char *next = NULL;
	enum pc_rc rc;

	rc = acct_consent_add(api_env(r), api_session(r), api_str(r, "kind"),
	    api_str(r, "version"), &next, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 201,
	    json_pack("{s:b,s:o}", "recorded", 1, "next", api_json_text(next)));
}

enum pc_rc
api_consents_withdraw_post(struct req *r, struct resp *w)
{
	return api_then(r, w,
	    acct_consent_withdraw(
	        api_env(r), api_session(r), api_str(r, "kind"), api_err(r)),
	    api_consents_get);
}

enum pc_rc
api_account_lang_post(struct req *r, struct resp *w)
{
	const char *lang = api_str(r, "lang");
	enum pc_rc rc;

	rc = acct_lang_set(api_env(r), api_session(r), lang, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, json_pack("{s:s}", "lang", lang));
}

/* ---- recovery ------------------------------------------------------ */

enum pc_rc
api_recovery_post(struct req *r, struct resp *w)
{
	return api_reply_sent(w,
	    acct_recovery_start(api_env(r), api_str(r, "email"), api_err(r)));
}

enum pc_rc
api_recovery_get(struct req *r, struct resp *w)
{
	struct acct_recovery v;
	enum pc_rc rc;

	rc = acct_recovery_get(api_env(r), api_param(r, 0), &v, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200,
	    link_json(r, v.expires_at, v.phone_masked, "code_verified",
	        v.code_verified, v.code_sent, &v.code));
}

enum pc_rc
api_recovery_sms_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;

	return api_reply_code(w,
	    acct_recovery_sms(api_env(r), api_param(r, 0), &ci, api_err(r)),
	    &ci);
}

enum pc_rc
api_recovery_code_post(struct req *r, struct resp *w)
{
	return api_token_code_post(r, w, acct_recovery_code, "code_verified");
}

enum pc_rc
api_recovery_password_post(struct req *r, struct resp *w)
{
	return api_reply_true(w,
	    acct_recovery_password(api_env(r), api_param(r, 0),
	        api_str(r, "password"), api_str(r, "password_confirm"),
	        api_err(r)),
	    "changed");
}
