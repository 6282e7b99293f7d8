/*
 * routes.c: every HTTP route of Pecete, in one table.
 *
 * A unit test walks this table: each route has a handler, a known auth
 * flag and a body limit, and is described in docs/api.yaml.
 */
#include "api/api.h"
#include "http/http.h"

/* RFC 6960 and RFC 3161 requests are small; bigger ones are refused. */
#define PKI_REQ_MAX (64 * 1024)

const struct route http_routes[] = {
	{ "GET", "/healthz", api_healthz_get, AUTH_NONE, 0 },
	{ "GET", "/pki/:file", api_pki_file_get, AUTH_NONE, 0 },
	{ "GET", "/ocsp/*", api_ocsp_get, AUTH_NONE, 0 },
	{ "POST", "/ocsp", api_ocsp_post, AUTH_NONE, PKI_REQ_MAX },
	{ "POST", "/tsa", api_tsa_post, AUTH_NONE, PKI_REQ_MAX },
};

const size_t http_nroutes = sizeof(http_routes) / sizeof(http_routes[0]);
