/*
 * api_account.c: registration, activation, the account, password change
 * and recovery, phone change, consents. Each handler maps the checked
 * body to one domain call (src/account) and its result to JSON.
 */
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"

static enum pc_rc
reply_code_sent(struct req *r, struct resp *w, enum pc_rc rc,
    const struct pc_err *err, const struct acct_code_info *ci)
{
	if (rc != PC_OK)
		return api_fail(r, w, rc, err);
	return api_reply(w, 200, api_code_info_json(ci));
}

enum pc_rc
api_register_post(struct req *r, struct resp *w)
{
	struct acct_register_req q;
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	q.given_name = api_str(r, "given_name");
	q.surname = api_str(r, "surname");
	q.email = api_str(r, "email");
	q.phone = api_str(r, "phone");
	q.lang = api_str(r, "lang");
	q.privacy_version = api_str(r, "privacy_version");
	q.privacy_consent = api_bool(r, "privacy_consent");
	api_env(r, &e);
	rc = acct_register(&e, &q, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, 202, json_pack("{s:s}", "status", "sent"));
}

enum pc_rc
api_activation_get(struct req *r, struct resp *w)
{
	struct acct_activation a;
	struct pc_env e;
	struct pc_err err = { 0 };
	json_t *o;
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_activation_get(&e, api_param(r, 0), &a, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "given_name", a.given_name,
	    "surname", a.surname, "email", a.email, "phone_masked",
	    a.phone_masked, "phone_verified", a.phone_verified, "expires_at",
	    api_time(r, a.expires_at));
	if (o != NULL)
		json_object_set_new(o, "code",
		    a.code_sent ? api_code_info_json(&a.code) : json_null());
	acct_activation_cleanup(&a);
	return api_reply(w, 200, o);
}

enum pc_rc
api_activation_phone_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct pc_env e;
	struct pc_err err = { 0 };

	api_env(r, &e);
	return reply_code_sent(r, w,
	    acct_activation_phone(&e, api_param(r, 0), api_str(r, "phone"),
	        api_bool(r, "change_phone"), &ci, &err),
	    &err, &ci);
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
	struct pc_env e;
	struct pc_err err = { 0 };
	char email[ACCT_EMAIL_MAX + 1] = "";
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_activation_password(&e, api_param(r, 0),
	    api_str(r, "password"), api_str(r, "password_confirm"), email,
	    sizeof(email), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
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
	struct pc_env e;
	struct pc_err err = { 0 };
	struct acct_session *s = api_session(r);
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_password_change(&e, s, api_str(r, "current_password"),
	    api_str(r, "password"), api_str(r, "password_confirm"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	/* A credential change gives the session new tokens. */
	if (s->token[0] != '\0')
		api_cookie_session(r, w, s->token);
	return api_reply(
	    w, 200, json_pack("{s:b,s:s}", "changed", 1, "csrf", s->s.csrf));
}

enum pc_rc
api_phone_email_code_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct pc_env e;
	struct pc_err err = { 0 };

	api_env(r, &e);
	return reply_code_sent(r, w,
	    acct_phone_email_code(&e, api_session(r), &ci, &err), &err, &ci);
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
	struct pc_env e;
	struct pc_err err = { 0 };

	api_env(r, &e);
	return reply_code_sent(r, w,
	    acct_phone_sms_code(
	        &e, api_session(r), api_str(r, "phone"), &ci, &err),
	    &err, &ci);
}

enum pc_rc
api_phone_sms_verify_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc =
	    acct_phone_sms_verify(&e, api_session(r), api_str(r, "code"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	/* The phone changed: every session ended, this one too. */
	api_cookie_session(r, w, NULL);
	return api_reply(w, 200,
	    json_pack("{s:b,s:b}", "phone_changed", 1, "signed_out", 1));
}

/* ---- consents ------------------------------------------------------ */

static json_t *
consent_json(struct req *r, const struct acct_consent *c)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b}", "kind", c->kind,
	    "version", c->version, "accepted_at", api_time(r, c->accepted_at),
	    "ip", c->ip, "required", c->required);

	if (o != NULL)
		json_object_set_new(o, "withdrawn_at",
		    c->withdrawn_at != 0
		        ? json_string(api_time(r, c->withdrawn_at))
		        : json_null());
	return o;
}

enum pc_rc
api_consents_get(struct req *r, struct resp *w)
{
	struct acct_consents cs;
	struct pc_env e;
	json_t *have, *need;
	size_t i;
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_consents_list(&e, api_session(r), &cs);
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
	struct pc_env e;
	struct pc_err err = { 0 };
	const char *next = NULL;
	json_t *o;
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_consent_add(&e, api_session(r), api_str(r, "kind"),
	    api_str(r, "version"), &next, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	o = json_pack("{s:b}", "recorded", 1);
	if (o != NULL)
		json_object_set_new(
		    o, "next", next != NULL ? json_string(next) : json_null());
	return api_reply(w, 201, o);
}

enum pc_rc
api_consents_withdraw_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc =
	    acct_consent_withdraw(&e, api_session(r), api_str(r, "kind"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_consents_get(r, w);
}

enum pc_rc
api_account_lang_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_lang_set(&e, api_session(r), api_str(r, "lang"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(
	    w, 200, json_pack("{s:s}", "lang", api_str(r, "lang")));
}

/* ---- recovery ------------------------------------------------------ */

enum pc_rc
api_recovery_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_recovery_start(&e, api_str(r, "email"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, 202, json_pack("{s:s}", "status", "sent"));
}

enum pc_rc
api_recovery_get(struct req *r, struct resp *w)
{
	struct acct_recovery v;
	struct pc_env e;
	struct pc_err err = { 0 };
	json_t *o;
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_recovery_get(&e, api_param(r, 0), &v, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	o = json_pack("{s:s,s:s,s:b}", "expires_at", api_time(r, v.expires_at),
	    "phone_masked", v.phone_masked, "code_verified", v.code_verified);
	if (o != NULL)
		json_object_set_new(o, "code",
		    v.code_sent ? api_code_info_json(&v.code) : json_null());
	return api_reply(w, 200, o);
}

enum pc_rc
api_recovery_sms_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct pc_env e;
	struct pc_err err = { 0 };

	api_env(r, &e);
	return reply_code_sent(
	    r, w, acct_recovery_sms(&e, api_param(r, 0), &ci, &err), &err, &ci);
}

enum pc_rc
api_recovery_code_post(struct req *r, struct resp *w)
{
	return api_token_code_post(r, w, acct_recovery_code, "code_verified");
}

enum pc_rc
api_recovery_password_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = acct_recovery_password(&e, api_param(r, 0), api_str(r, "password"),
	    api_str(r, "password_confirm"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, 200, json_pack("{s:b}", "changed", 1));
}
