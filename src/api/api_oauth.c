/*
 * api_oauth.c: the OAuth2 authorization server's HTTP faces (csc/
 * csc_oauth.h): metadata (RFC 8414), PAR, authorize, token, revoke under
 * the CSC v2 names (/csc/v2/oauth2/...), the consent page's two calls and
 * the settings' authorized apps. Errors: RFC 6749's shape (ERRF_OAUTH);
 * authorize, a page the browser opens, answers a page when it must not
 * redirect (unknown client, unregistered redirect URI) and redirects
 * the error to the client otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/secret.h"
#include "csc/csc_oauth.h"

/* Form parameters; an empty one is absent (RFC 6749 §3.1). */
static const char *
form_param(void *ctx, const char *name)
{
	const char *v = api_form(ctx, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static const char *
query_param(void *ctx, const char *name)
{
	return api_query(ctx, name);
}

/* The issuer and the endpoints' base: the public URL. */
static const char *
issuer(struct req *r)
{
	const char *u = r->app->conf->server.public_url;

	return u != NULL ? u : "";
}

enum pc_rc
api_oauth_metadata_get(struct req *r, struct resp *w)
{
	const char *b = issuer(r);
	json_t *o;

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[s],s:[s,s],s:[s],"
	              "s:[s,s,s],s:[s,s,s],s:[s,s],s:[s],s:b}",
	    "issuer", b, "authorization_endpoint",
	    arena_printf(&r->arena, "%s/csc/v2/oauth2/authorize", b),
	    "token_endpoint",
	    arena_printf(&r->arena, "%s/csc/v2/oauth2/token", b),
	    "revocation_endpoint",
	    arena_printf(&r->arena, "%s/csc/v2/oauth2/revoke", b),
	    "pushed_authorization_request_endpoint",
	    arena_printf(&r->arena, "%s/csc/v2/oauth2/pushed_authorize", b),
	    "service_documentation",
	    arena_printf(&r->arena, "%s/csc/v2/info", b),
	    "response_types_supported", "code", "grant_types_supported",
	    "authorization_code", "refresh_token",
	    "code_challenge_methods_supported", "S256",
	    "token_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post", "none",
	    "revocation_endpoint_auth_methods_supported", "client_secret_basic",
	    "client_secret_post", "none", "scopes_supported", CSC_SCOPE_SERVICE,
	    CSC_SCOPE_CREDENTIAL, "authorization_details_types_supported",
	    "credential", "require_pushed_authorization_requests", 0);
	/* RFC 9207 §3: iss in every authorization response. */
	if (o != NULL)
		json_object_set_new(o,
		    "authorization_response_iss_parameter_supported",
		    json_true());
	return api_reply(w, 200, o);
}

/* The client of a token, PAR or revocation request, else the refusal
 * is written (rc returned). */
static enum pc_rc
client_of(struct req *r, struct store_oauth_client *c)
{
	return oauth_client_auth(api_env(r), form_param, r,
	    http_req_header(r, "Authorization"), c, api_err(r));
}

enum pc_rc
api_oauth_par_post(struct req *r, struct resp *w)
{
	struct store_oauth_client c;
	char uri[160];
	int64_t exp = 0;
	enum pc_rc rc;

	rc = client_of(r, &c);
	if (rc != PC_OK)
		return rc;
	rc = oauth_par(
	    api_env(r), &c, form_param, r, uri, sizeof(uri), &exp, api_err(r));
	store_oauth_client_cleanup(&c);
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 201,
	    json_pack("{s:s,s:I}", "request_uri", uri, "expires_in",
	        (json_int_t)exp));
}

static void
redirect(struct resp *w, const char *to)
{
	http_resp_bytes(w, 302, "text/plain", "", 0);
	http_resp_header(w, "Location", to);
	http_resp_header(w, "Cache-Control", "no-store");
	http_resp_header(w, "Referrer-Policy", "no-referrer");
}

enum pc_rc
api_oauth_authorize_get(struct req *r, struct resp *w)
{
	struct oauth_authz_out o;
	struct pc_err *err = api_err(r);
	enum pc_ecode code;
	const char *to;
	char *u;
	int status;
	enum pc_rc rc;

	rc = oauth_authorize(api_env(r), query_param, r, &o, err);
	if (rc == PC_OK) {
		to = arena_strdup(&r->arena, o.location);
		oauth_authz_out_cleanup(&o);
		if (to == NULL)
			return PC_ENOMEM;
		redirect(w, to);
		return PC_OK;
	}
	if (o.redirect == NULL) {
		/* No redirect to an address not registered: a page. */
		oauth_authz_out_cleanup(&o);
		return rc;
	}
	code = err->code != PCE_NONE ? err->code : pc_ecode_for_rc(rc);
	status = pc_ecode_status(code);
	u = oauth_redirect_url(o.redirect, o.state, "error",
	    api_oauth_code(code, &status),
	    err->field != NULL && code == PCE_FIELD_INVALID
	        ? arena_printf(
	              &r->arena, "Missing or invalid parameter %s", err->field)
	        : pc_ecode_message(code),
	    issuer(r));
	oauth_authz_out_cleanup(&o);
	to = u != NULL ? arena_strdup(&r->arena, u) : NULL;
	free(u);
	if (to == NULL)
		return PC_ENOMEM;
	redirect(w, to);
	return PC_OK;
}

enum pc_rc
api_oauth_token_post(struct req *r, struct resp *w)
{
	struct store_oauth_client c;
	struct oauth_token_out t;
	json_t *o;
	enum pc_rc rc;

	rc = client_of(r, &c);
	if (rc != PC_OK)
		return rc;
	rc = oauth_token(api_env(r), &c, form_param, r, &t, api_err(r));
	store_oauth_client_cleanup(&c);
	if (rc != PC_OK)
		return rc;
	o = json_pack("{s:s,s:s,s:I,s:s}", "access_token", t.access_token,
	    "token_type", "Bearer", "expires_in", (json_int_t)t.expires_in,
	    "scope", t.scope);
	if (o != NULL && t.refresh_token[0] != '\0')
		json_object_set_new(
		    o, "refresh_token", json_string(t.refresh_token));
	if (o != NULL && t.credential[0] != '\0')
		json_object_set_new(
		    o, "credentialID", json_string(t.credential));
	secret_wipe(&t, sizeof(t));
	http_resp_header(w, "Pragma", "no-cache");
	return api_reply(w, 200, o);
}

enum pc_rc
api_oauth_revoke_post(struct req *r, struct resp *w)
{
	struct store_oauth_client c;
	enum pc_rc rc;

	rc = client_of(r, &c);
	if (rc != PC_OK)
		return rc;
	rc = oauth_revoke(api_env(r), &c, form_param(r, "token"));
	store_oauth_client_cleanup(&c);
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, json_object());
}

/* ---- the consent page (web UI)
 * ------------------------------------------------ */

enum pc_rc
api_oauth_consent_get(struct req *r, struct resp *w)
{
	struct oauth_consent c;
	json_t *o, *docs, *d = NULL, *hs, *ls;
	size_t i;
	enum pc_rc rc;

	rc = oauth_consent_get(api_env(r), api_param(r, 0), &c, api_err(r));
	if (rc != PC_OK)
		return rc;
	docs = json_array();
	if (c.q.details != NULL)
		d = json_loads(c.q.details, 0, NULL);
	hs = json_object_get(d, "hashes");
	ls = json_object_get(d, "labels");
	for (i = 0; docs != NULL && i < json_array_size(hs); i++)
		json_array_append_new(
		    docs, json_pack("{s:O,s:O}", "hash", json_array_get(hs, i),
		              "label", json_array_get(ls, i)));
	o = json_pack("{s:{s:s,s:s},s:s,s:o,s:I}", "client", "id",
	    c.q.client_id, "name", c.client_name, "scope", c.q.scope,
	    "documents", docs, "expires_at", (json_int_t)c.q.expires_at);
	if (o != NULL && c.q.credential[0] != '\0')
		json_object_set_new(
		    o, "credential", json_string(c.q.credential));
	if (o != NULL && d != NULL)
		json_object_set(
		    o, "hash_algorithm", json_object_get(d, "hash_oid"));
	json_decref(d);
	oauth_consent_cleanup(&c);
	return api_reply(w, 200, o);
}

enum pc_rc
api_oauth_consent_post(struct req *r, struct resp *w)
{
	const struct acct_session *s = api_session(r);
	char *loc = NULL;
	json_t *o;
	enum pc_rc rc;

	rc = oauth_consent_decide(api_env(r), s->u.id, api_param(r, 0),
	    api_bool(r, "approve"), api_str(r, "code"), &loc, api_err(r));
	if (rc != PC_OK)
		return rc;
	o = json_pack("{s:s}", "redirect", loc);
	secret_wipe(loc, strlen(loc));
	free(loc);
	return api_reply(w, 200, o);
}

/* ---- authorized apps (settings)
 * ---------------------------------------------- */

struct grants_ctx {
	struct req *r;
	json_t *a;
};

static enum pc_rc
grant_one(void *arg, const struct store_oauth_grant *g)
{
	struct grants_ctx *c = arg;
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", g->id, "client",
	    g->client_name, "scope", g->scope, "granted_at",
	    api_time(c->r, g->created_at), "last_used",
	    api_time(c->r, g->last_used));

	if (o != NULL && g->credential[0] != '\0')
		json_object_set_new(
		    o, "credential", json_string(g->credential));
	return api_append(c->a, o);
}

enum pc_rc
api_oauth_grants_get(struct req *r, struct resp *w)
{
	const struct acct_session *s = api_session(r);
	struct grants_ctx c = { r, json_array() };
	enum pc_rc rc;

	if (c.a == NULL)
		return PC_ENOMEM;
	rc = oauth_grants(api_env(r), s->u.id, grant_one, &c);
	if (rc != PC_OK) {
		json_decref(c.a);
		return rc;
	}
	return api_reply(w, 200, json_pack("{s:o}", "apps", c.a));
}

enum pc_rc
api_oauth_grant_revoke_post(struct req *r, struct resp *w)
{
	const struct acct_session *s = api_session(r);
	enum pc_rc rc;

	rc = oauth_grant_revoke(
	    api_env(r), s->u.id, api_param(r, 0), api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, json_pack("{s:b}", "revoked", 1));
}
