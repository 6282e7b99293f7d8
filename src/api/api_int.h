/*
 * api_int.h: what the handler files of src/api share: request schemas,
 * the checked JSON body, replies, errors in the route's family, the
 * domain context, the session the gate loaded, cookies.
 */
#ifndef PC_API_INT_H
#define PC_API_INT_H

#include <jansson.h>

#include "account/account.h"
#include "api/api.h"
#include "base/env.h"
#include "base/err.h"

#define API_COOKIE_SESSION "pc_session"
#define API_COOKIE_CSRF "pc_csrf"

/* ---- request schemas (checked by the gate before the handler) ---- */

enum api_ftype {
	API_F_STR = 1, /* a string of min..max bytes, valid UTF-8, no NUL */
	API_F_BOOL,
	API_F_INT, /* an integer in min..max */
	API_F_OBJ, /* an object checked against sub */
	API_F_ARR, /* an array of min..max strings (each at most
	              API_ARR_STR_MAX bytes), or of objects checked
	              against sub */
};

#define API_ARR_STR_MAX 512

#define API_F_REQ 0x1  /* must be present */
#define API_F_NULL 0x2 /* may be null */

struct api_field {
	const char *name;
	enum api_ftype type;
	unsigned flags;
	int64_t min, max;
	const struct api_schema *sub;
};

struct api_schema {
	const struct api_field *fields;
	size_t nfields;
};

/* A string member: optional, up to max bytes. */
#define API_STR(n, max)                                                        \
	{                                                                      \
		n, API_F_STR, 0, 0, max, NULL                                  \
	}
/* Present (possibly empty: the domain says what an empty one means). */
#define API_STR_REQ(n, max)                                                    \
	{                                                                      \
		n, API_F_STR, API_F_REQ, 0, max, NULL                          \
	}
#define API_BOOL(n)                                                            \
	{                                                                      \
		n, API_F_BOOL, 0, 0, 0, NULL                                   \
	}
#define API_BOOL_REQ(n)                                                        \
	{                                                                      \
		n, API_F_BOOL, API_F_REQ, 0, 0, NULL                           \
	}
/* An integer member in min..max, optional. */
#define API_INT(n, lo, hi)                                                     \
	{                                                                      \
		n, API_F_INT, 0, lo, hi, NULL                                  \
	}
#define API_OBJ(n, s)                                                          \
	{                                                                      \
		n, API_F_OBJ, 0, 0, 0, &(s)                                    \
	}
#define API_OBJ_REQ(n, s)                                                      \
	{                                                                      \
		n, API_F_OBJ, API_F_REQ, 0, 0, &(s)                            \
	}
/* An array of lo..hi strings, optional. */
#define API_ARR(n, lo, hi)                                                     \
	{                                                                      \
		n, API_F_ARR, 0, lo, hi, NULL                                  \
	}
/* An array of lo..hi objects checked against s, optional. */
#define API_ARR_OBJ(n, lo, hi, s)                                              \
	{                                                                      \
		n, API_F_ARR, 0, lo, hi, &(s)                                  \
	}
#define API_SCHEMA(name, ...)                                                  \
	static const struct api_field name##_fields[] = { __VA_ARGS__ };       \
	const struct api_schema name = { name##_fields,                        \
		sizeof(name##_fields) / sizeof(name##_fields[0]) }

/*
 * Check o against s: unknown members, wrong types, out-of-range lengths
 * and missing required members are refused. OUT: *field (static or o's)
 * names the member at fault. PC_OK or PC_EINVAL.
 */
enum pc_rc api_schema_check(
    const struct api_schema *s, json_t *o, const char **field);

/* ---- the request ---------------------------------------------------- */

/*
 * The domain context of the request, built once by the gate (borrowed
 * pointers; the actor is the session's user).
 */
const struct pc_env *api_env(struct req *r);
/*
 * The request's refusal, for the domain calls to fill. A handler that
 * returns a status other than PC_OK is answered with it (api_fail_rc):
 * `rc = acct_x(api_env(r), ..., api_err(r)); if (rc != PC_OK) return rc;`
 */
struct pc_err *api_err(struct req *r);
/* The access token the gate checked (AUTH_BEARER routes), or NULL. */
struct csc_token;
const struct csc_token *api_bearer(struct req *r);
/* The session the gate loaded, or NULL (AUTH_ANY without a cookie). */
struct acct_session *api_session(struct req *r);
/* Path parameter i, "" when absent. */
const char *api_param(struct req *r, size_t i);
/* Query parameter key, NULL when absent or empty. */
const char *api_query(struct req *r, const char *key);
/* Members of the checked JSON body (NULL / false when absent). */
const char *api_str(struct req *r, const char *key);
bool api_bool(struct req *r, const char *key);
json_t *api_obj(struct req *r, const char *key);
json_t *api_arr(struct req *r, const char *key);
/* A string member of any object, NULL when absent or not a string. */
const char *api_json_str(json_t *o, const char *key);
/* s as a JSON string, null when s is NULL. */
json_t *api_json_text(const char *s);

/* A parameter of an x-www-form-urlencoded body, decoded (arena); NULL
 * when absent. */
const char *api_form(struct req *r, const char *name);

/* ---- answers -------------------------------------------------------- */

/* The RFC 6749 error code of a registry code, its status adjusted. */
const char *api_oauth_code(enum pc_ecode code, int *status);

/* Answer o (stolen; NULL is a 500) with status, Cache-Control: no-store. */
enum pc_rc api_reply(struct resp *w, int status, json_t *o);
/*
 * How a change answers with the resource as it now is: rc when it is a
 * refusal, else what the GET handler next answers.
 */
enum pc_rc api_then(
    struct req *r, struct resp *w, enum pc_rc rc, http_handler next);
/*
 * A download the browser saves as name (no quotes or control characters
 * in it) and never caches; the caller sets the body. api_reply_file: 200
 * with ctype and the bytes of p (copied).
 */
void api_attachment(struct req *r, struct resp *w, const char *name);
enum pc_rc api_reply_file(struct req *r, struct resp *w, const char *ctype,
    const void *p, size_t n, const char *name);
/*
 * The answer to a refusal: err's code (status from the registry, field,
 * retry_after and a Retry-After header on 429/503), else the generic code
 * of rc, in the route's error family. Returns PC_OK (answered).
 */
enum pc_rc api_fail(
    struct req *r, struct resp *w, enum pc_rc rc, const struct pc_err *err);
/* Answer a code directly. */
enum pc_rc api_fail_code(struct req *r, struct resp *w, enum pc_ecode code);

/* ---- sessions and cookies (api_session.c) --------------------------- */

/* Set-Cookie for the session (token NULL: clear it). */
void api_cookie_session(struct req *r, struct resp *w, const char *token);
/* Set-Cookie for s when the domain gave it a new token (sign-in, ...). */
void api_cookie_renew(
    struct req *r, struct resp *w, const struct acct_session *s);
/* The SessionInfo object of docs/api.yaml. */
json_t *api_session_info(
    struct req *r, const struct acct_session *s, const char *csrf);
/* What the UI shows after a code was sent. */
json_t *api_code_info_json(const struct acct_code_info *ci);
/* The same, or null when no code was sent. */
json_t *api_code_or_null(bool sent, const struct acct_code_info *ci);
/* ISO 8601 UTC string (arena). */
const char *api_time(struct req *r, int64_t t);
/* The same as JSON, null when t is 0 (not yet). */
json_t *api_time_or_null(struct req *r, int64_t t);

/* ---- rate limits in this node's memory (api_rate.c) ----------------- */

/*
 * Count a hit of key in the current window of window_s seconds: false
 * past limit, with *retry_after. Fixed windows in a bounded table; no
 * database write.
 */
bool api_rate_hit(
    const char *key, int64_t window_s, int64_t limit, int64_t *retry_after);
/* Forget every counter (tests). */
void api_rate_reset(void);

/* ---- the sandbox provider (api_shop_sandbox.c) ---------------------- */

/* Is the sandbox payment provider on (dev mode + provider sandbox)? */
bool api_sandbox_on(const struct conf *c);

/* ---- the answer to a domain call (api_session.c) -------------------- */

/*
 * rc when it is not PC_OK (the dispatcher answers with api_err), else
 * 200 with the CodeSent object of ci (api_reply_code) or {key: true}
 * (api_reply_true), or 202 {"status": "sent"} (api_reply_sent: a mail
 * that says nothing about the account went out, or not).
 */
enum pc_rc api_reply_code(
    struct resp *w, enum pc_rc rc, const struct acct_code_info *ci);
enum pc_rc api_reply_true(struct resp *w, enum pc_rc rc, const char *key);
enum pc_rc api_reply_sent(struct resp *w, enum pc_rc rc);
/*
 * The answer to a walk that filled the array a (stolen): rc when it is
 * not PC_OK, else 200 {key: a}.
 */
enum pc_rc api_reply_list(
    struct resp *w, enum pc_rc rc, const char *key, json_t *a);
/* Append v (stolen) to the array a: a walk's step. PC_ENOMEM on failure. */
enum pc_rc api_append(json_t *a, json_t *v);

/* ---- the shapes of the code steps ------------------------------------ */

typedef enum pc_rc (*api_send_flow)(const struct pc_env *,
    struct acct_session *, struct acct_code_info *, struct pc_err *);
typedef enum pc_rc (*api_code_flow)(const struct pc_env *,
    struct acct_session *, const char *, struct pc_err *);
typedef enum pc_rc (*api_token_code_flow)(
    const struct pc_env *, const char *, const char *, struct pc_err *);
/* POST on the session: fn sends a code, the answer is CodeSent. */
enum pc_rc api_code_send(struct req *r, struct resp *w, api_send_flow fn);
/* POST {"code"} on the session: fn, then {okkey: true} or the error. */
enum pc_rc api_code_post(
    struct req *r, struct resp *w, api_code_flow fn, const char *okkey);
/* Same on the link token of the path (/activation/:token/code, ...). */
enum pc_rc api_token_code_post(
    struct req *r, struct resp *w, api_token_code_flow fn, const char *okkey);

#endif /* PC_API_INT_H */
