/*
 * http.h: the HTTP layer: libmicrohttpd behind one routes table.
 *
 * Only http/server.c sees libmicrohttpd. A handler gets a struct req
 * (method, path, route parameters, the whole body up to the route's limit,
 * an arena freed when the request completes) and fills a struct resp. The
 * router checks the method, the auth flag and the body limit before the
 * handler runs: a body over the limit is answered 413 without reading it.
 */
#ifndef PC_HTTP_H
#define PC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/pc.h"

#define HTTP_PARAMS_MAX 4
#define HTTP_HEADERS_MAX 12
#define HTTP_URL_MAX 8192

struct app;

struct req {
	const char *req_id;
	const char *method;
	const char *path;
	const char *params[HTTP_PARAMS_MAX]; /* :name and * captures */
	size_t nparams;
	const char *content_type; /* NULL when absent */
	const char *remote_ip;
	struct buf body;
	struct arena arena;
	struct app *app;
	void *conn; /* opaque, for http_req_header */
	void *auth; /* set by the authorize hook (the session) */
};

struct resp {
	int status;
	const char *ctype;
	struct buf body;
	const char *hname[HTTP_HEADERS_MAX];
	const char *hval[HTTP_HEADERS_MAX];
	size_t nheaders;
};

typedef enum pc_rc (*http_handler)(struct req *, struct resp *);

/* Who may call a route. Later: AUTH_USER, AUTH_OPERATOR, AUTH_SCA. */
#define AUTH_NONE 0x0
#define AUTH_USER 0x1
/* A signed-in user whose role is operator or admin (users.role). */
#define AUTH_OPERATOR 0x2
/*
 * A server-to-server notification (payment providers): no session, no
 * CSRF token; the handler verifies the body's signature.
 */
#define AUTH_WEBHOOK 0x4

struct route {
	const char *method;
	const char *pattern; /* "/pki/:file"; a final "*" takes the rest */
	http_handler handler;
	unsigned auth;
	size_t max_body; /* 0: the server's default */
};

/* The table (http/routes.c). */
extern const struct route http_routes[];
extern const size_t http_nroutes;

/*
 * Find the route for method and path. Fills params. Returns NULL and sets
 * *method_mismatch when the path exists for another method.
 */
const struct route *http_route_match(const char *method, const char *path,
    const char **params, size_t *nparams, bool *method_mismatch);

/* A request header (case-insensitive name), NULL when absent. */
const char *http_req_header(struct req *r, const char *name);
/* A cookie of the request, NULL when absent. */
const char *http_req_cookie(struct req *r, const char *name);
/* A query-string argument (decoded), NULL when absent. */
const char *http_req_query(struct req *r, const char *name);

/*
 * Response helpers. Strings must outlive the response (arena or static).
 * Every response gets security headers; a handler that sets its own
 * Content-Security-Policy (HTML pages) replaces the default
 * "default-src 'none'". Set-Cookie may be given several times.
 */
void http_resp_header(struct resp *w, const char *name, const char *value);
void http_resp_bytes(
    struct resp *w, int status, const char *ctype, const void *p, size_t n);
void http_resp_json(struct resp *w, int status, const char *json);

/*
 * The one place where a status becomes an HTTP status and a JSON error
 * {"error":{"code":"...","message":"..."}}. code is a stable identifier
 * the UI translates; message says what to do. Internal detail stays in
 * the log.
 */
enum pc_rc http_error(
    struct resp *w, enum pc_rc rc, const char *code, const char *message);
int http_status_for(enum pc_rc rc);

struct http_server;

/*
 * The authorize hook runs before every handler (also for AUTH_NONE
 * routes, so it can check CSRF on state-changing requests and rate limits).
 * It returns PC_OK to let the handler run, else it has filled w (e.g. 401
 * with http_error) and the handler is skipped. It may set r->auth.
 */
typedef enum pc_rc (*http_authorize_fn)(
    struct req *r, const struct route *route, struct resp *w);

struct http_opts {
	const char *listen; /* host:port; port 0 picks a free one */
	unsigned threads;
	size_t max_body;       /* default body limit */
	unsigned conn_timeout; /* seconds */
	struct app *app;
	http_authorize_fn authorize; /* NULL: every route is public */
};

/* Start serving. OUT: *out (http_stop), *port the bound port. */
enum pc_rc http_start(
    const struct http_opts *o, struct http_server **out, unsigned *port);
void http_stop(struct http_server *s);

#endif /* PC_HTTP_H */
