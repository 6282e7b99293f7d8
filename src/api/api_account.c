/*
 * api_account.c: registration, activation, account, password change and
 * recovery, phone change, consents.
 */
#include <string.h>

#include "api/api_acct.h"
#include "base/log.h"

static const char *
param(struct req *r)
{
	return r->nparams > 0 ? r->params[0] : "";
}

static enum pc_rc
reply_code_sent(struct resp *w, enum pc_rc rc, const struct acct_err *err,
    const struct acct_code_info *ci)
{
	if (rc != PC_OK)
		return api_acct_error(w, rc, err);
	return api_json_reply(w, 200, api_code_info_json(ci));
}

enum pc_rc
api_register_post(struct req *r, struct resp *w)
{
	struct acct_register_req q;
	struct acct_env e;
	struct acct_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	memset(&q, 0, sizeof(q));
	q.given_name = api_json_str(b, "given_name");
	q.surname = api_json_str(b, "surname");
	q.email = api_json_str(b, "email");
	q.phone = api_json_str(b, "phone");
	q.lang = api_json_str(b, "lang");
	q.privacy_version = api_json_str(b, "privacy_version");
	q.privacy_consent = json_is_true(json_object_get(b, "privacy_consent"));
	api_acct_env(r, &e);
	rc = acct_register(&e, &q, &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 202, json_pack("{s:s}", "status", "sent"));
}

enum pc_rc
api_activation_get(struct req *r, struct resp *w)
{
	struct store_user u;
	struct store_link l;
	struct acct_code_info ci;
	struct acct_env e;
	struct acct_err err = { 0 };
	char masked[32];
	bool sent = false;
	json_t *o;
	enum pc_rc rc;

	api_acct_env(r, &e);
	rc = acct_activation_get(&e, param(r), &u, &l, &ci, &sent, &err);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	acct_phone_mask(u.phone, masked, sizeof(masked));
	o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "given_name", u.given_name,
	    "surname", u.surname, "email", u.email, "phone_masked", masked,
	    "phone_verified", l.verified, "expires_at",
	    api_time(r, l.expires_at));
	if (o != NULL)
		json_object_set_new(
		    o, "code", sent ? api_code_info_json(&ci) : json_null());
	store_user_cleanup(&u);
	return api_json_reply(w, 200, o);
}

enum pc_rc
api_activation_phone_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct acct_env e;
	struct acct_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_activation_phone(&e, param(r), api_json_str(b, "phone"),
	    json_is_true(json_object_get(b, "change_phone")), &ci, &err);
	json_decref(b);
	return reply_code_sent(w, rc, &err, &ci);
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
	struct acct_env e;
	struct acct_err err = { 0 };
	char email[ACCT_EMAIL_MAX + 1] = "";
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_activation_password(&e, param(r), api_json_str(b, "password"),
	    api_json_str(b, "password_confirm"), email, sizeof(email), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(
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
	return api_json_reply(w, 200, u);
}

enum pc_rc
api_account_password_post(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_password_change(&e, api_session(r),
	    api_json_str(b, "current_password"), api_json_str(b, "password"),
	    api_json_str(b, "password_confirm"), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 200, json_pack("{s:b}", "changed", 1));
}

enum pc_rc
api_phone_email_code_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct acct_env e;
	struct acct_err err = { 0 };

	api_acct_env(r, &e);
	return reply_code_sent(
	    w, acct_phone_email_code(&e, api_session(r), &ci, &err), &err, &ci);
}

enum pc_rc
api_phone_email_verify_post(struct req *r, struct resp *w)
{
	return api_code_post(
	    r, w, acct_phone_email_verify, "email_verified", true);
}

enum pc_rc
api_phone_sms_code_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct acct_env e;
	struct acct_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_phone_sms_code(
	    &e, api_session(r), api_json_str(b, "phone"), &ci, &err);
	json_decref(b);
	return reply_code_sent(w, rc, &err, &ci);
}

enum pc_rc
api_phone_sms_verify_post(struct req *r, struct resp *w)
{
	enum pc_rc rc;

	rc = api_code_post(r, w, acct_phone_sms_verify, "phone_changed", true);
	if (rc == PC_OK && w->status == 200) {
		api_cookie_session(r, w, NULL);
		api_json_reply(w, 200,
		    json_pack(
		        "{s:b,s:b}", "phone_changed", 1, "signed_out", 1));
	}
	return rc;
}

/* ---- consents ------------------------------------------------------------ */

struct consent_list {
	struct req *r;
	json_t *arr;
	bool gdpr, app;
};

static enum pc_rc
consent_add_json(void *arg, const struct store_consent *c)
{
	struct consent_list *cl = arg;
	const struct conf *conf = cl->r->app->conf;

	json_array_append_new(cl->arr,
	    json_pack("{s:s,s:s,s:s,s:s}", "kind", c->kind, "version",
	        c->version, "accepted_at", api_time(cl->r, c->accepted_at),
	        "ip", c->ip != NULL ? c->ip : ""));
	if (strcmp(c->kind, "gdpr_notice") == 0 &&
	    strcmp(c->version, conf->account.gdpr_version) == 0)
		cl->gdpr = true;
	if (strcmp(c->kind, "app_access") == 0 &&
	    strcmp(c->version, conf->account.app_consent_version) == 0)
		cl->app = true;
	return PC_OK;
}

enum pc_rc
api_consents_get(struct req *r, struct resp *w)
{
	struct consent_list cl;
	struct acct_env e;
	struct acct_session *s;
	json_t *req;
	enum pc_rc rc;

	s = api_session_need(r, w);
	if (s == NULL)
		return PC_OK;
	if (strcmp(s->s.state, SESS_NEEDS_2FA) == 0)
		return api_acct_error_code(w, "twofa_needed");
	memset(&cl, 0, sizeof(cl));
	cl.r = r;
	cl.arr = json_array();
	api_acct_env(r, &e);
	rc = acct_consent_each(&e, s, consent_add_json, &cl);
	if (rc != PC_OK) {
		json_decref(cl.arr);
		return rc;
	}
	req = json_array();
	if (!cl.gdpr)
		json_array_append_new(
		    req, json_pack("{s:s,s:s}", "kind", "gdpr_notice",
		             "version", r->app->conf->account.gdpr_version));
	if (!cl.app)
		json_array_append_new(
		    req, json_pack("{s:s,s:s}", "kind", "app_access", "version",
		             r->app->conf->account.app_consent_version));
	return api_json_reply(w, 200,
	    json_pack("{s:o,s:o}", "consents", cl.arr, "required", req));
}

enum pc_rc
api_consents_post(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	struct acct_session *s;
	const char *next;
	json_t *b, *o;
	enum pc_rc rc;

	s = api_session_need(r, w);
	if (s == NULL || api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_consent_add(
	    &e, s, api_json_str(b, "kind"), api_json_str(b, "version"), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	next = acct_session_next(&e, s);
	o = json_pack("{s:b}", "recorded", 1);
	if (o != NULL)
		json_object_set_new(
		    o, "next", next != NULL ? json_string(next) : json_null());
	return api_json_reply(w, 201, o);
}

/* ---- recovery ------------------------------------------------------------ */

enum pc_rc
api_recovery_post(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_recovery_start(&e, api_json_str(b, "email"), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 202, json_pack("{s:s}", "status", "sent"));
}

enum pc_rc
api_recovery_get(struct req *r, struct resp *w)
{
	struct store_link l;
	struct acct_env e;
	struct acct_err err = { 0 };
	char masked[32];
	enum pc_rc rc;

	api_acct_env(r, &e);
	rc = acct_recovery_get(&e, param(r), &l, masked, sizeof(masked), &err);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 200,
	    json_pack("{s:s,s:s,s:b}", "expires_at", api_time(r, l.expires_at),
	        "phone_masked", masked, "code_verified", l.verified));
}

enum pc_rc
api_recovery_sms_post(struct req *r, struct resp *w)
{
	struct acct_code_info ci;
	struct acct_env e;
	struct acct_err err = { 0 };

	api_acct_env(r, &e);
	return reply_code_sent(
	    w, acct_recovery_sms(&e, param(r), &ci, &err), &err, &ci);
}

enum pc_rc
api_recovery_code_post(struct req *r, struct resp *w)
{
	return api_token_code_post(r, w, acct_recovery_code, "code_verified");
}

enum pc_rc
api_recovery_password_post(struct req *r, struct resp *w)
{
	struct acct_env e;
	struct acct_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	api_acct_env(r, &e);
	rc = acct_recovery_password(&e, param(r), api_json_str(b, "password"),
	    api_json_str(b, "password_confirm"), &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_acct_error(w, rc, &err);
	return api_json_reply(w, 200, json_pack("{s:b}", "changed", 1));
}
