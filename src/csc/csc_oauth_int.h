/*
 * csc_oauth_int.h: what the parts of the OAuth2 authorization server
 * share inside src/csc/ (csc_oauth.h is the API): csc_oauth.c (tokens),
 * csc_oauth_client.c (clients, redirect URIs, client authentication),
 * csc_oauth_authz.c (the authorization request, PAR), csc_oauth_consent.c
 * (the consent page's decision), csc_oauth_token.c (the token endpoint,
 * revocation, authorized apps).
 */
#ifndef PC_CSC_OAUTH_INT_H
#define PC_CSC_OAUTH_INT_H

#include <stdbool.h>

#include "csc/csc_oauth.h"
#include "store/store_oauth.h"

/* uri is one of the registered (one per line): exactly, or a loopback
 * one with another port (RFC 8252 §7.3). */
bool oauth_redirect_ok(const char *registered, const char *uri);
/* The client id. OUT: *c (store_oauth_client_cleanup); PC_ENOTFOUND. */
enum pc_rc oauth_client_get(
    const struct pc_env *e, const char *id, struct store_oauth_client *c);

#endif /* PC_CSC_OAUTH_INT_H */
