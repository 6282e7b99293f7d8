/*
 * api_acct.h: what the account handlers (api_session.c, api_account.c,
 * api_totp.c, api_auth.c) share: JSON in/out, errors with stable codes,
 * the session the authorize hook loaded, cookies.
 */
#ifndef PC_API_ACCT_H
#define PC_API_ACCT_H

#include <jansson.h>

#include "account/account.h"
#include "api/api.h"

#define API_COOKIE_SESSION "pc_session"
#define API_COOKIE_CSRF "pc_csrf"

void api_acct_env(struct req *r, struct acct_env *e);
/* Parse the JSON object body; on failure the 400 answer is written. */
enum pc_rc api_json_body(struct req *r, struct resp *w, json_t **out);
/* A string member or NULL. */
const char *api_json_str(json_t *o, const char *key);
/* Answer o (stolen) with status. */
enum pc_rc api_json_reply(struct resp *w, int status, json_t *o);
/* The answer to a refused flow: status from err->code, else from rc. */
enum pc_rc api_acct_error(
    struct resp *w, enum pc_rc rc, const struct acct_err *err);
/* Answer an error code directly (csrf, not_signed_in, ...). */
enum pc_rc api_acct_error_code(struct resp *w, const char *code);
/* The session of the request (set by api_authorize), or NULL. */
struct acct_session *api_session(struct req *r);
/* Like api_session but answers 401 not_signed_in when there is none. */
struct acct_session *api_session_need(struct req *r, struct resp *w);
/* Set-Cookie for the session (token NULL: clear it). */
void api_cookie_session(struct req *r, struct resp *w, const char *token);
json_t *api_code_info_json(const struct acct_code_info *ci);
/* ISO 8601 UTC string (arena). */
const char *api_time(struct req *r, int64_t t);
/* The SessionInfo object of docs/api.yaml. */
json_t *api_session_info(
    struct req *r, const struct acct_session *s, const char *csrf);

/*
 * The one shape of the "send a code" steps: POST {"code": ...}, call fn,
 * reply {okkey: true} or the flow's error. api_code_post works on the
 * signed-in session (401 without one when need), api_token_code_post on
 * the link token of the path (/activation/:token/code, ...).
 */
typedef enum pc_rc (*api_code_flow)(const struct acct_env *,
    struct acct_session *, const char *, struct acct_err *);
typedef enum pc_rc (*api_token_code_flow)(
    const struct acct_env *, const char *, const char *, struct acct_err *);
enum pc_rc api_code_post(struct req *r, struct resp *w, api_code_flow fn,
    const char *okkey, bool need);
enum pc_rc api_token_code_post(
    struct req *r, struct resp *w, api_token_code_flow fn, const char *okkey);

#endif /* PC_API_ACCT_H */
