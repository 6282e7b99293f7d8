/*
 * csc_oauth.h: the OAuth2 authorization server of the CSC API (RFC 6749
 * authorization code with PKCE S256 only (RFC 7636), pushed requests (RFC
 * 9126), authorization_details of type "credential" (RFC 9396, CSC v2),
 * revocation (RFC 7009), metadata (RFC 8414)). docs/internals/csc.md.
 *
 * The consent is the holder's, in the web UI; for the "credential" scope
 * its TOTP code goes to the signer exactly as credentials/authorize
 * sends it, and the SAD the signer mints is bound to the access token the
 * code will yield: that token is derived from the code (SHA-256 of a
 * label and the code), so it exists, and is bound, before it is given
 * out. The SAD is kept only XORed with a pad the token derives, so the
 * store alone cannot use it; signatures/signHash with that token and no
 * SAD finds it (csc_bearer).
 */
#ifndef PC_CSC_OAUTH_H
#define PC_CSC_OAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "csc/csc.h"
#include "store/store_oauth.h"

#define OAUTH_PAR_TTL_S 60      /* a pushed request, until authorize */
#define OAUTH_CONSENT_TTL_S 600 /* at the consent page */
#define OAUTH_CODE_TTL_S 60     /* a code, until its exchange */
#define OAUTH_REFRESH_TTL_S (30 * 86400)
#define OAUTH_SAD_TTL_S 300 /* the signer's SAD: a credential token's life */
#define OAUTH_LABEL_MAX 200
#define OAUTH_REQUEST_URI_PREFIX "urn:ietf:params:oauth:request_uri:"
#define OAUTH_SECRET_LEN 64

/* A parameter of the request (form body or query); NULL when absent. */
typedef const char *(*oauth_param_fn)(void *ctx, const char *name);

/* ---- clients (the CLI) ------------------------------------------------- */

/*
 * Register a client: name, redirect URIs (one per line; exact match, or
 * http://127.0.0.1 / http://[::1] with any port, RFC 8252), public (PKCE
 * only) or confidential (a secret, given once), auth_mode explicit or
 * oauth2code. OUT: id (32 hex), secret ("" for a public client).
 */
enum pc_rc oauth_client_add(const struct pc_env *e, const char *name,
    const char *redirects, bool public_client, const char *auth_mode,
    char id[STORE_TOKEN_ID_MAX + 1], char secret[OAUTH_SECRET_LEN + 1],
    struct pc_err *err);
enum pc_rc oauth_client_remove(const struct pc_env *e, const char *id);

/* ---- the endpoints --------------------------------------------------------
 */

/*
 * Client authentication at the token, PAR and revocation endpoints:
 * client_secret_basic (authorization), client_secret_post, or a public
 * client's client_id. Refusal: invalid_client. OUT: *c (cleanup).
 */
enum pc_rc oauth_client_auth(const struct pc_env *e, oauth_param_fn get,
    void *ctx, const char *authorization, struct store_oauth_client *c,
    struct pc_err *err);

/* PAR: the request checked and kept OAUTH_PAR_TTL_S. OUT: request_uri. */
enum pc_rc oauth_par(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, char *request_uri, size_t size,
    int64_t *expires_in, struct pc_err *err);

/*
 * authorize: a pushed request (request_uri) or the parameters themselves.
 * On success *location is the consent page. Refusals come in two kinds:
 * *redirect set (the client and redirect URI were right: answer the error
 * to the client at *redirect with *state) or not (no redirect: the page
 * says it). Strings: malloc'd (free).
 */
struct oauth_authz_out {
	char *location;
	char *redirect, *state;
};
enum pc_rc oauth_authorize(const struct pc_env *e, oauth_param_fn get,
    void *ctx, struct oauth_authz_out *out, struct pc_err *err);
void oauth_authz_out_cleanup(struct oauth_authz_out *o);

/* What the consent page shows. */
struct oauth_consent {
	struct store_oauth_req q;
	char client_name[STORE_OAUTH_NAME_MAX + 1];
};
/* The request of the consent handle, still waiting. PCE_OAUTH_REQUEST_UNKNOWN.
 */
enum pc_rc oauth_consent_get(const struct pc_env *e, const char *handle,
    struct oauth_consent *out, struct pc_err *err);
void oauth_consent_cleanup(struct oauth_consent *c);

/*
 * The holder's decision (user_id): refused, the client hears
 * access_denied; approved, a code (for the "credential" scope only with
 * the TOTP code, checked and turned into a SAD by the signer). OUT:
 * *location, where the browser goes (malloc'd).
 */
enum pc_rc oauth_consent_decide(const struct pc_env *e, const char *user_id,
    const char *handle, bool approve, const char *otp, char **location,
    struct pc_err *err);

/* The token endpoint's answer (secrets: wipe). */
struct oauth_token_out {
	char access_token[CSC_TOKEN_LEN + 1];
	char refresh_token[CSC_TOKEN_LEN + 1]; /* "": none */
	char scope[16];
	char credential[STORE_SERIAL_MAX + 1];
	int64_t expires_in;
};
enum pc_rc oauth_token(const struct pc_env *e,
    const struct store_oauth_client *c, oauth_param_fn get, void *ctx,
    struct oauth_token_out *out, struct pc_err *err);

/* RFC 7009: the client's token (access or refresh) revoked; unknown or
 * another client's: nothing, and PC_OK all the same. */
enum pc_rc oauth_revoke(const struct pc_env *e,
    const struct store_oauth_client *c, const char *token);

/* ---- the holder's authorized apps ---------------------------------------- */
enum pc_rc oauth_grants(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_oauth_grant *g), void *arg);
enum pc_rc oauth_grant_revoke(const struct pc_env *e, const char *user_id,
    const char *id, struct pc_err *err);

/* redirect?name=value[&error_description=desc][&state=state][&iss=iss]
 * (RFC 9207; malloc'd; NULL: ENOMEM). */
char *oauth_redirect_url(const char *redirect, const char *state,
    const char *name, const char *value, const char *desc, const char *iss);

/* ---- the derivations (csc_token.c uses them) ----------------------------- */

/* The key a consent's SAD is bound and masked to before any token exists
 * (derived from the code; never a bearer token: /token gives a random one
 * and masks the SAD again for it). */
void oauth_code_token(const char *code, char token[CSC_TOKEN_LEN + 1]);
/* sad XOR pad(token), both ways (hex of 32 bytes). PC_EINVAL: not hex. */
enum pc_rc oauth_sad_xor(const char *token, const char *in, char *out);

/*
 * The OAuth2 tables' housekeeping (the "oauth" job): requests past their
 * end, refresh tokens expired, access tokens a day past theirs, deleted.
 * OUT: *n rows (may be NULL).
 */
enum pc_rc oauth_purge(const struct pc_env *e, int64_t now, int64_t *n);

#endif /* PC_CSC_OAUTH_H */
