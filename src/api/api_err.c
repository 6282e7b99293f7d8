/*
 * api_err.c: errors in the route's family. One function writes every
 * refusal: the code's status and default message come from the registry
 * (base/errors.def); the shape comes from the route row's errors field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"

static void
retry_after_header(struct req *r, struct resp *w, int64_t secs)
{
	const char *v;

	if (secs <= 0)
		return;
	v = arena_printf(&r->arena, "%lld", (long long)secs);
	if (v != NULL)
		http_resp_header(w, "Retry-After", v);
}

/* A small page for routes the browser navigates to (no script). */
static void
html_error(struct req *r, struct resp *w, int status, const char *msg)
{
	const char *h = arena_printf(&r->arena,
	    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>Pecete</title></head><body><h1>%d</h1><p>%s</p>"
	    "<p><a href=\"/\">Pecete</a></p></body></html>",
	    status, msg);

	if (h == NULL) {
		http_error(w, PCE_INTERNAL, NULL);
		return;
	}
	http_resp_bytes(w, status, "text/html; charset=utf-8", h, strlen(h));
	http_resp_header(w, "Cache-Control", "no-store");
}

/*
 * The CSC API's error code for a registry code, and its HTTP status: the
 * CSC API answers 400 for every refusal of the request itself, 401/403
 * for the access token, 429 and 5xx as they are.
 */
static const char *
csc_code(enum pc_ecode code, int *status)
{
	switch (code) {
	case PCE_INVALID_TOKEN:
	case PCE_INSUFFICIENT_SCOPE:
		return pc_ecode_name(code);
	case PCE_TOTP_INVALID:
	case PCE_TOTP_REPLAY:
		*status = 400;
		return "invalid_otp";
	case PCE_TOTP_LOCKED:
		*status = 400; /* the CSC API's "OTP locked" */
		return "invalid_request";
	case PCE_LOGIN_FAILED:
		*status =
		    400; /* CSC API auth/login: 400 authentication_error */
		return "authentication_error";
	case PCE_ACCOUNT_LOCKED:
		return "authentication_error";
	default:
		break;
	}
	if (*status == 503)
		return "temporarily_unavailable";
	if (*status >= 500)
		return "server_error";
	if (*status == 429)
		return "temporarily_unavailable";
	if (*status != 401 && *status != 403)
		*status = 400;
	return "invalid_request";
}

const char *
api_oauth_code(enum pc_ecode code, int *status)
{
	switch (code) {
	case PCE_OAUTH_INVALID_CLIENT:
	case PCE_OAUTH_INVALID_GRANT:
	case PCE_OAUTH_UNSUPPORTED_GRANT:
	case PCE_OAUTH_INVALID_SCOPE:
	case PCE_OAUTH_UNSUPPORTED_RESPONSE:
	case PCE_INVALID_TOKEN:
		return pc_ecode_name(code);
	case PCE_TOTP_INVALID:
	case PCE_TOTP_REPLAY:
	case PCE_TOTP_LOCKED:
		*status = 400;
		return "access_denied";
	default:
		break;
	}
	if (*status == 503 || *status == 429)
		return "temporarily_unavailable";
	if (*status >= 500)
		return "server_error";
	*status = 400;
	return "invalid_request";
}

/* The OAuth2 shape (RFC 6749 §5.2): {"error", "error_description"}. */
static void
oauth_error(struct req *r, struct resp *w, enum pc_ecode code, int status,
    const struct pc_err *err)
{
	const char *name = api_oauth_code(code, &status), *msg;

	msg = err != NULL && err->field != NULL && code == PCE_FIELD_INVALID
	          ? arena_printf(&r->arena, "Missing or invalid parameter %s",
	                err->field)
	          : pc_ecode_message(code);
	if (code == PCE_OAUTH_INVALID_CLIENT &&
	    http_req_header(r, "Authorization") != NULL)
		http_resp_header(
		    w, "WWW-Authenticate", "Basic realm=\"oauth2\"");
	api_reply(w, status,
	    json_pack("{s:s,s:s}", "error", name, "error_description",
	        msg != NULL ? msg : pc_ecode_message(code)));
}

/* The CSC shape: {"error", "error_description"}; a member at fault is
 * named as the CSC API does. */
static void
csc_error(struct req *r, struct resp *w, enum pc_ecode code, int status,
    const struct pc_err *err)
{
	const char *name = csc_code(code, &status), *msg;

	/* 2.0.0.2 §11.6: a wrong code in v2 authorize's authData is
	 * invalid_authentication_data (v1 and signHash keep invalid_otp). */
	if (strcmp(name, "invalid_otp") == 0 && r->route != NULL &&
	    strcmp(r->route->pattern, "/csc/v2/credentials/authorize") == 0)
		name = "invalid_authentication_data";

	msg = err != NULL && err->field != NULL && code == PCE_FIELD_INVALID
	          ? arena_printf(&r->arena, "Missing or invalid parameter %s",
	                err->field)
	          : pc_ecode_message(code);
	/* The algorithm member at fault by its name in this version (v1
	 * hashAlgo, v2 hashAlgorithmOID; signAlgo, signAlgoParams). */
	if (err != NULL && err->field != NULL && code == PCE_ALGO_INVALID)
		msg = arena_printf(&r->arena,
		    "Invalid parameter %s: not supported for this key, or not "
		    "the one authorized.",
		    err->field);
	if (code == PCE_INVALID_TOKEN)
		http_resp_header(
		    w, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
	api_reply(w, status,
	    json_pack("{s:s,s:s}", "error", name, "error_description",
	        msg != NULL ? msg : pc_ecode_message(code)));
}

enum pc_rc
api_fail(struct req *r, struct resp *w, enum pc_rc rc, const struct pc_err *err)
{
	enum err_family fam = r->route != NULL ? r->route->errors : ERRF_PECETE;
	enum pc_ecode code;
	const char *msg;
	json_t *e;
	int status;

	code = err != NULL && err->code != PCE_NONE ? err->code
	                                            : pc_ecode_for_rc(rc);
	status = pc_ecode_status(code);
	msg = pc_ecode_message(code);
	if (status >= 500 && rc != PC_EUNAVAIL &&
	    code != PCE_SIGNER_UNAVAILABLE)
		log_warnx("req=%s answered %d %s (%s)", r->req_id, status,
		    pc_ecode_name(code), pc_rc_str(rc));
	if (status == 429 || status == 503)
		retry_after_header(r, w,
		    err != NULL && err->retry_after > 0 ? err->retry_after
		    : status == 503                     ? 5
		                                        : 1);
	switch (fam) {
	case ERRF_HTML:
		html_error(r, w, status, msg);
		return PC_OK;
	case ERRF_CSC:
		csc_error(r, w, code, status, err);
		return PC_OK;
	case ERRF_OAUTH:
		oauth_error(r, w, code, status, err);
		return PC_OK;
	default:
		break;
	}
	e = json_pack("{s:s,s:s}", "code", pc_ecode_name(code), "message", msg);
	if (e != NULL && err != NULL && err->field != NULL)
		json_object_set_new(e, "field", json_string(err->field));
	if (e != NULL && err != NULL && err->retry_after > 0)
		json_object_set_new(
		    e, "retry_after", json_integer(err->retry_after));
	if (api_reply(w, status, json_pack("{s:o}", "error", e)) != PC_OK)
		http_error(w, PCE_INTERNAL, NULL);
	return PC_OK;
}

enum pc_rc
api_fail_code(struct req *r, struct resp *w, enum pc_ecode code)
{
	struct pc_err e = { 0 };

	e.code = code;
	return api_fail(r, w, PC_EINVAL, &e);
}

void
api_fail_rc(struct req *r, struct resp *w, enum pc_rc rc)
{
	api_fail(r, w, rc, api_err(r));
}
