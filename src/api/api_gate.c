/*
 * api_gate.c: the route row's contract, enforced before every handler.
 *
 * In this order, each step answering and stopping on refusal:
 *   1. existence: ROUTE_DEV routes only in development mode, ROUTE_SANDBOX
 *      routes only with the sandbox provider (else 404, as if absent);
 *   2. the rate class: memory counters per address (RATE_API,
 *      RATE_PUBLIC), database counters for sign-in, registration and
 *      recovery attempts (all nodes agree): 429 rate_limited;
 *   3. the session of the pc_session cookie, for session routes;
 *   4. CSRF on state-changing methods of session routes (X-CSRF-Token
 *      equal to the session's token, or without a session to the pc_csrf
 *      cookie: double submit), unless the row is ROUTE_CSRF_EXEMPT: 403;
 *   5. the auth level: partial sign-in, signed in, current consents
 *      accepted, operator role (401/403 with the precise code);
 *   6. the per-user memory counter;
 *   6b. AUTH_BEARER rows: the access token of the Authorization header
 *      (known, live, its scope allows the row's: 401 invalid_token,
 *      403 insufficient_scope in the CSC family), then the per-user
 *      memory counter;
 *   7. the body: JSON parsed and checked against the row's schema
 *      (400 field_invalid with the member), or the Content-Type of raw
 *      and form bodies (415 bad_content_type).
 * The handler then finds r->auth (the session) and r->json (the body).
 */
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"
#include "base/secret.h"
#include "csc/csc.h"

#define PUBLIC_PER_MIN 6000
#define REGISTER_PER_HOUR 20
#define CONTACT_PER_HOUR 10
#define RECOVERY_PER_HOUR 20
/* Registry searches: enough for a person, too few to walk a name list. */
#define REGISTRY_PER_MIN 20
#define VALIDATE_PER_MIN 10

/* Move the malloc()ed strings of the user into the request arena. */
static bool
session_to_arena(struct req *r, struct acct_session *s)
{
	char **f[] = { &s->u.email, &s->u.given_name, &s->u.surname,
		&s->u.phone, &s->u.lang, &s->u.status, &s->u.password_hash,
		&s->u.twofa_defer, &s->u.consent_gdpr, &s->u.consent_app };
	size_t i;
	char *c;
	bool ok = true;

	/* The password hash is not needed past this point. */
	if (s->u.password_hash != NULL) {
		secret_wipe(s->u.password_hash, strlen(s->u.password_hash));
		free(s->u.password_hash);
		s->u.password_hash = NULL;
	}
	for (i = 0; i < PC_ARRAY_LEN(f); i++) {
		if (*f[i] == NULL)
			continue;
		c = arena_strdup(&r->arena, *f[i]);
		free(*f[i]);
		*f[i] = c;
		if (c == NULL)
			ok = false;
	}
	return ok;
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

static bool
session_route(enum route_auth a)
{
	return a == AUTH_ANY || a == AUTH_PARTIAL || a == AUTH_SIGNED_IN ||
	       a == AUTH_USER || a == AUTH_OPERATOR;
}

static enum pc_rc
limited(struct req *r, struct resp *w, int64_t retry_after, const char *what)
{
	struct pc_err e = { 0 };

	log_info("req=%s rate limit %s", r->req_id, what);
	e.code = PCE_RATE_LIMITED;
	e.retry_after = retry_after > 0 ? retry_after : 1;
	api_fail(r, w, PC_ELIMIT, &e);
	return PC_ELIMIT;
}

/* What the API keeps for a request (r->api, in its arena). */
struct api_ctx {
	struct pc_env env;
	struct pc_err err;
	struct csc_token bearer; /* AUTH_BEARER: the checked token */
	bool has_bearer;
};

/* Make r's context; the gate sets its actor once the session is known. */
static enum pc_rc
ctx_new(struct req *r)
{
	struct api_ctx *x;

	x = arena_alloc(&r->arena, sizeof(*x)); /* zeroed */
	if (x == NULL)
		return PC_ENOMEM;
	x->env.conf = r->app->conf;
	x->env.store = r->app->store;
	x->env.signer = r->app->signer;
	x->env.pki = r->app->pki;
	x->env.vault = r->app->vault;
	x->env.sign_pool = r->app->sign_pool;
	x->env.ip = r->remote_ip;
	x->env.req_id = r->req_id;
	r->api = x;
	return PC_OK;
}

/* A memory counter of what:who. */
static enum pc_rc
mem_limit(struct req *r, struct resp *w, const char *what, const char *who,
    int64_t window, int64_t max)
{
	const char *key = arena_printf(&r->arena, "%s:%s", what, who);
	int64_t ra = 0;

	if (key == NULL)
		return PC_ENOMEM;
	if (!api_rate_hit(key, window, max, &ra))
		return limited(r, w, ra, what);
	return PC_OK;
}

/* A database counter of what:who (all nodes count together). */
static enum pc_rc
db_limit(struct req *r, struct resp *w, const char *what, const char *who,
    int64_t window, int64_t max)
{
	struct pc_err err = { 0 };
	const char *key = arena_printf(&r->arena, "%s:%s", what, who);
	enum pc_rc rc;

	if (key == NULL)
		return PC_ENOMEM;
	rc = acct_rate_hit(api_env(r), key, window, max, &err);
	if (rc == PC_ELIMIT)
		return limited(r, w, err.retry_after, what);
	if (rc != PC_OK)
		api_fail(r, w, rc, NULL);
	return rc;
}

/*
 * A security counter all nodes share (database), behind the same limit in
 * this node's memory: an address already over it here is refused without
 * a database write, so a flood of refused attempts costs nothing.
 */
static enum pc_rc
db_limit_guarded(struct req *r, struct resp *w, const char *what,
    const char *who, int64_t window, int64_t max)
{
	enum pc_rc rc;

	rc =
	    mem_limit(r, w, "ip", who, 60, r->app->conf->server.api_per_min_ip);
	if (rc == PC_OK)
		rc = mem_limit(r, w, what, who, window, max);
	if (rc == PC_OK)
		rc = db_limit(r, w, what, who, window, max);
	return rc;
}

static enum pc_rc
rate(struct req *r, struct resp *w)
{
	const struct conf *c = r->app->conf;
	const char *ip = r->remote_ip != NULL ? r->remote_ip : "-";
	enum pc_rc rc = PC_OK;

	switch (r->route->rate) {
	case RATE_NONE:
		break;
	case RATE_PUBLIC:
		rc = mem_limit(r, w, "pub", ip, 60, PUBLIC_PER_MIN);
		break;
	case RATE_API:
		rc = mem_limit(r, w, "ip", ip, 60, c->server.api_per_min_ip);
		break;
	case RATE_REGISTRY:
		rc = mem_limit(r, w, "registry", ip, 60, REGISTRY_PER_MIN);
		break;
	case RATE_VALIDATE:
		rc = mem_limit(r, w, "validate", ip, 60, VALIDATE_PER_MIN);
		break;
	case RATE_LOGIN:
		rc = db_limit_guarded(
		    r, w, "login", ip, 60, c->account.login_per_min_ip);
		break;
	case RATE_REGISTER:
		rc = db_limit_guarded(
		    r, w, "register", ip, 3600, REGISTER_PER_HOUR);
		break;
	case RATE_CONTACT:
		rc = db_limit_guarded(
		    r, w, "contact", ip, 3600, CONTACT_PER_HOUR);
		break;
	case RATE_RECOVERY:
		rc = db_limit_guarded(
		    r, w, "recovery", ip, 3600, RECOVERY_PER_HOUR);
		break;
	}
	return rc;
}

/* Remove o's null members, in nested objects too. */
static void
drop_nulls(json_t *o)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(o, tmp, key, v)
	{
		if (json_is_null(v))
			json_object_del(o, key);
		else if (json_is_object(v))
			drop_nulls(v);
	}
}

static enum pc_rc
load_session(struct req *r, struct resp *w)
{
	struct api_ctx *x = r->api;
	struct acct_session *s;
	const char *tok;
	enum pc_rc rc;

	tok = http_req_cookie(r, API_COOKIE_SESSION);
	if (tok == NULL || tok[0] == '\0')
		return PC_OK;
	s = arena_alloc(&r->arena, sizeof(*s));
	if (s == NULL) {
		api_fail(r, w, PC_ENOMEM, NULL);
		return PC_ENOMEM;
	}
	rc = acct_session_load(&x->env, tok, s);
	if (rc == PC_OK && !session_to_arena(r, s))
		rc = PC_ENOMEM;
	if (rc == PC_OK) {
		r->auth = s;
		x->env.actor = s->u.id;
	} else if (rc != PC_EAUTH) {
		api_fail(r, w, rc, NULL);
		return rc;
	}
	return PC_OK;
}

static enum pc_rc
csrf(struct req *r, struct resp *w)
{
	const struct acct_session *s = r->auth;
	const char *hdr;

	if (!state_changing(r->method) ||
	    (r->route->flags & ROUTE_CSRF_EXEMPT) != 0)
		return PC_OK;
	hdr = http_req_header(r, "X-CSRF-Token");
	if (s != NULL ? token_eq(hdr, s->s.csrf)
	              : token_eq(hdr, http_req_cookie(r, API_COOKIE_CSRF)))
		return PC_OK;
	log_info("req=%s csrf refused", r->req_id);
	api_fail_code(r, w, PCE_CSRF);
	return PC_EAUTH;
}

static enum pc_rc
refuse(struct req *r, struct resp *w, enum pc_ecode code)
{
	api_fail_code(r, w, code);
	return PC_EAUTH;
}

/* The session's level against the row's. */
static enum pc_rc
level(struct req *r, struct resp *w)
{
	enum route_auth want = r->route->auth;
	struct acct_session *s = r->auth;

	if (want == AUTH_ANY)
		return PC_OK;
	if (s == NULL)
		return refuse(r, w, PCE_NOT_SIGNED_IN);
	if (want == AUTH_PARTIAL)
		return PC_OK;
	if (strcmp(s->s.state, SESS_NEEDS_2FA) == 0)
		return refuse(r, w, PCE_TWOFA_NEEDED);
	/* The 2FA offer is pending: not signed in yet (next says why). */
	if (strcmp(s->s.state, SESS_FULL) != 0)
		return refuse(r, w, PCE_NOT_SIGNED_IN);
	if (want == AUTH_SIGNED_IN)
		return PC_OK;
	/* Consent is a session state: checked here, once, for every
	 * route past the consent screens. */
	if (!acct_session_consents_ok(api_env(r), s)) {
		log_info("req=%s refused: consents pending", r->req_id);
		return refuse(r, w, PCE_CONSENT_PENDING);
	}
	if (want == AUTH_USER)
		return PC_OK;
	if (!acct_session_is_operator(api_env(r), s)) {
		log_info("req=%s operator route refused for user %s", r->req_id,
		    s->u.id);
		return refuse(r, w, PCE_FORBIDDEN);
	}
	/* Operators sign in with their authenticator, every time. */
	if ((s->s.flags & SESS_F_TOTP) == 0) {
		log_info("req=%s operator route refused: no TOTP in this "
		         "session (user %s)",
		    r->req_id, s->u.id);
		return refuse(r, w, PCE_OPERATOR_TOTP_REQUIRED);
	}
	return PC_OK;
}

/* AUTH_BEARER: the access token of the Authorization header, its
 * scope against the row's; the user is the actor. */
static enum pc_rc
bearer(struct req *r, struct resp *w)
{
	struct api_ctx *x = r->api;
	enum pc_rc rc;

	rc = csc_bearer(&x->env, http_req_header(r, "Authorization"),
	    r->route->scope, &x->bearer, &x->err);
	if (rc != PC_OK) {
		log_info("req=%s bearer refused (%s)", r->req_id,
		    pc_ecode_name(x->err.code));
		api_fail(r, w, rc, &x->err);
		return rc;
	}
	x->has_bearer = true;
	x->env.actor = x->bearer.user_id;
	return mem_limit(r, w, "user", x->bearer.user_id, 60,
	    r->app->conf->server.api_per_min_user);
}

static bool
ctype_is(const char *have, const char *want)
{
	size_t n = strlen(want);

	return have != NULL && strncmp(have, want, n) == 0 &&
	       (have[n] == '\0' || have[n] == ';' || have[n] == ' ');
}

static enum pc_rc
body(struct req *r, struct resp *w)
{
	const struct route *rt = r->route;
	struct pc_err err = { 0 };
	json_error_t je;
	json_t *o;

	switch (rt->body) {
	case BODY_JSON:
		/* No body at all is an empty object (POSTs without fields). */
		o = r->body.len == 0
		        ? json_object()
		        : json_loadb((const char *)r->body.data, r->body.len,
		              JSON_REJECT_DUPLICATES, &je);
		if (o == NULL || !json_is_object(o)) {
			json_decref(o);
			api_fail(r, w, PC_EINVAL,
			    &(struct pc_err){ PCE_FIELD_INVALID, "body", 0 });
			return PC_EINVAL;
		}
		/* CSC clients send null for a member they leave out (v2 says
		 * so): absent, for the schema and for the handler. */
		if (rt->errors == ERRF_CSC)
			drop_nulls(o);
		if (rt->schema != NULL &&
		    api_schema_check(rt->schema, o, &err.field) != PC_OK) {
			/* The member name may live in o: copy it first. */
			err.field = err.field != NULL
			                ? arena_strdup(&r->arena, err.field)
			                : NULL;
			json_decref(o);
			err.code = PCE_FIELD_INVALID;
			api_fail(r, w, PC_EINVAL, &err);
			return PC_EINVAL;
		}
		r->json = o;
		return PC_OK;
	case BODY_RAW:
	case BODY_FORM:
		if (rt->ctype != NULL &&
		    !ctype_is(r->content_type, rt->ctype)) {
			api_fail_code(r, w, PCE_BAD_CONTENT_TYPE);
			return PC_EINVAL;
		}
		return PC_OK;
	default:
		return PC_OK;
	}
}

enum pc_rc
api_gate(struct req *r, struct resp *w)
{
	const struct route *rt = r->route;
	const struct conf *c = r->app->conf;
	struct acct_session *s;
	enum pc_rc rc;

	if (((rt->flags & ROUTE_DEV) != 0 && !c->server.dev_mode) ||
	    ((rt->flags & ROUTE_SANDBOX) != 0 && !api_sandbox_on(c))) {
		api_fail_code(r, w, PCE_NOT_FOUND);
		return PC_ENOTFOUND;
	}
	rc = ctx_new(r);
	if (rc != PC_OK) {
		api_fail_code(r, w, PCE_INTERNAL);
		return rc;
	}
	rc = rate(r, w);
	if (rc != PC_OK)
		return rc;
	if (session_route(rt->auth)) {
		rc = load_session(r, w);
		if (rc == PC_OK)
			rc = csrf(r, w);
		if (rc == PC_OK)
			rc = level(r, w);
		if (rc != PC_OK)
			return rc;
		s = r->auth;
		if (s != NULL && rt->rate == RATE_API) {
			rc = mem_limit(r, w, "user", s->u.id, 60,
			    r->app->conf->server.api_per_min_user);
			if (rc != PC_OK)
				return rc;
		}
	}
	if (rt->auth == AUTH_BEARER) {
		rc = bearer(r, w);
		if (rc != PC_OK)
			return rc;
	}
	return body(r, w);
}

const struct pc_env *
api_env(struct req *r)
{
	const struct api_ctx *x = r->api;

	return &x->env;
}

struct pc_err *
api_err(struct req *r)
{
	struct api_ctx *x = r->api;

	return x != NULL ? &x->err : NULL;
}

const struct csc_token *
api_bearer(struct req *r)
{
	const struct api_ctx *x = r->api;

	return x != NULL && x->has_bearer ? &x->bearer : NULL;
}

struct acct_session *
api_session(struct req *r)
{
	return r->auth;
}
