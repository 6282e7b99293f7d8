/*
 * http.h: the HTTP layer: libmicrohttpd behind one routes table.
 *
 * Only http/server.c sees libmicrohttpd. A handler gets a struct req
 * (method, path, route parameters, the whole body up to the route's limit,
 * an arena freed when the request completes) and fills a struct resp. The
 * router checks the method and the route's body limit (a body over it is
 * answered 413 without reading it), then the API's gate checks the rest of
 * the route's contract (auth, CSRF, rate class, schema) before the handler.
 */
#ifndef PC_HTTP_H
#define PC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/pc.h"

#define HTTP_PARAMS_MAX 4
#define HTTP_HEADERS_MAX 12
#define HTTP_URL_MAX 8192
/* Request headers, cookies and query arguments kept per request. */
#define HTTP_REQ_KV_MAX 64

struct app;
struct api_schema;

/* A name/value pair of the request (header, cookie, query argument). */
struct http_kv {
	const char *name, *value;
};

/*
 * Who may call a route (the route row's auth). The HTTP layer carries it;
 * the API's gate (api/api_gate.c) enforces it before the handler runs.
 */
enum route_auth {
	AUTH_PUBLIC = 1, /* no session: PKI, OCSP, TSA, static files, health */
	AUTH_ANY,        /* a session when the cookie has one, else none */
	AUTH_PARTIAL,    /* signed in with the password, 2FA step pending */
	AUTH_SIGNED_IN,  /* signed in (2FA done), consents may be pending */
	AUTH_USER,       /* signed in, the current consents accepted */
	AUTH_OPERATOR,   /* AUTH_USER with the operator or admin role */
	AUTH_WEBHOOK,    /* server to server: the handler checks a signature */
	AUTH_BEARER,     /* an OAuth2 access token (scope in the row) */
};

/* Route flags. */
#define ROUTE_CSRF_EXEMPT 0x01 /* a session route without a CSRF token */
#define ROUTE_NO_STORE 0x02    /* Cache-Control: no-store on the answer */
#define ROUTE_DEV 0x04         /* exists only in development mode */
#define ROUTE_SANDBOX 0x08     /* exists only with the sandbox provider */
#define ROUTE_SECRET 0x10      /* the body holds secrets: wiped after use */

/* Rate classes: what a request counts against before its handler runs. */
enum rate_class {
	RATE_NONE = 1, /* not counted (static files, health) */
	RATE_API,      /* per address and per user, in this node's memory */
	RATE_PUBLIC,   /* public services (OCSP, TSA): per address, memory */
	RATE_LOGIN,    /* sign-in: per address in the database (all nodes) */
	RATE_REGISTER, /* registration: per address, database */
	RATE_RECOVERY, /* password recovery: per address, database */
	RATE_REGISTRY, /* registry searches: per address, memory, few */
	RATE_CONTACT,  /* the contact form: per address, database */
	RATE_VALIDATE, /* the public validation service: per address, memory */
};

/* How the body is taken. */
enum body_mode {
	BODY_NONE = 1, /* no body expected; one sent is ignored */
	BODY_JSON,     /* a JSON object, checked against the row's schema */
	BODY_FORM,     /* application/x-www-form-urlencoded */
	BODY_RAW,      /* bytes of the row's ctype (OCSP, TSA requests) */
	BODY_STREAM,   /* streamed to a file (uploads) */
};

/* The shape of error answers. */
enum err_family {
	ERRF_PECETE =
	    1,      /* {"error":{"code","message","field","retry_after"}} */
	ERRF_HTML,  /* a small HTML page (pages the browser navigates to) */
	ERRF_CSC,   /* CSC API {"error","error_description"} */
	ERRF_OAUTH, /* RFC 6749 {"error","error_description"} */
};

struct route;

struct req {
	const char *req_id;
	const char *method;
	const char *path;
	const char *params[HTTP_PARAMS_MAX]; /* :name and * captures */
	size_t nparams;
	const char *content_type; /* NULL when absent */
	const char *remote_ip;
	struct http_kv headers[HTTP_REQ_KV_MAX], cookies[HTTP_REQ_KV_MAX],
	    query[HTTP_REQ_KV_MAX];
	size_t nheaders, ncookies, nquery;
	const struct route *route; /* the matched row */
	struct buf body;
	struct arena arena;
	struct app *app;
	void *auth; /* set by the gate: the session (api/api.h) */
	void *json; /* set by the gate: the checked JSON body (json_t *) */
	void *api;  /* set by the gate: the API's context of the request */
};

struct resp {
	int status;
	const char *ctype;
	struct buf body;
	int fd;          /* http_resp_fd: the body is this file (-1: body) */
	uint64_t fd_len; /* its length */
	const char *hname[HTTP_HEADERS_MAX];
	const char *hval[HTTP_HEADERS_MAX];
	size_t nheaders;
};

typedef enum pc_rc (*http_handler)(struct req *, struct resp *);

/*
 * One row of the routes table: the request's whole contract. The table
 * belongs to the API (api/routes.c) and is handed to http_start; this
 * layer names no handler. It uses method, pattern, body and max_body; the
 * API's gate reads the rest.
 */
struct route {
	const char *method;
	const char *pattern; /* "/pki/:file"; a final "*" takes the rest */
	http_handler handler;
	enum route_auth auth;
	const char *scope; /* AUTH_BEARER: the scope it needs */
	unsigned flags;    /* ROUTE_* */
	enum rate_class rate;
	enum body_mode body;
	size_t max_body;                 /* bytes; 0 with BODY_NONE */
	const struct api_schema *schema; /* BODY_JSON: the fields */
	enum err_family errors;
	const char *ctype; /* BODY_RAW/BODY_FORM: the Content-Type taken */
};

/*
 * Find the route for method and path in routes[0..n). Fills params.
 * Returns NULL and sets *method_mismatch when the path exists for another
 * method.
 */
const struct route *http_route_match(const struct route *routes, size_t n,
    const char *method, const char *path, const char **params, size_t *nparams,
    bool *method_mismatch);

/* A request header (case-insensitive name), NULL when absent. */
const char *http_req_header(const struct req *r, const char *name);
/* A cookie of the request, NULL when absent. */
const char *http_req_cookie(const struct req *r, const char *name);
/* A query-string argument (decoded), NULL when absent. */
const char *http_req_query(const struct req *r, const char *name);
/* Add a pair to one of the request's lists (arena copies); false if full. */
bool http_req_kv_add(struct req *r, struct http_kv *kv, size_t *n,
    const char *name, const char *value);

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
 * The body is the open file fd, n bytes from its start, sent as it is read
 * (large downloads without holding them in memory); fd is taken (closed
 * when sent or when the answer is dropped). An unlinked file is fine.
 */
void http_resp_fd(
    struct resp *w, int status, const char *ctype, int fd, uint64_t n);

/*
 * The plain error answer {"error":{"code":"...","message":"..."}} with the
 * registry's status for code (base/errors.def). message NULL: the
 * registry's; a 5xx never carries a custom message (detail stays in the
 * log). Returns PC_OK (the answer is written).
 */
enum pc_rc http_error(struct resp *w, enum pc_ecode code, const char *message);

struct http_server;

/*
 * The gate runs before every handler. It returns PC_OK to let the handler
 * run, else it has written the refusal into w. It may set r->auth and
 * r->json.
 */
typedef enum pc_rc (*http_gate_fn)(struct req *r, struct resp *w);
/*
 * Write the error of a handler that returned rc without answering, in the
 * route's error family. NULL: http_error with the generic code.
 */
typedef void (*http_fail_fn)(struct req *r, struct resp *w, enum pc_rc rc);
/* Release what the gate attached to r (the JSON body); may be NULL. */
typedef void (*http_release_fn)(struct req *r);
/* Called when a request is done (metrics); may be NULL. */
typedef void (*http_done_fn)(
    const struct req *r, const struct resp *w, int64_t ms);

struct http_opts {
	const char *listen; /* host:port; port 0 picks a free one */
	unsigned threads;
	size_t max_body;       /* the largest body any route takes */
	unsigned conn_timeout; /* seconds */
	struct app *app;
	const struct route *routes; /* the table (api/routes.c) */
	size_t nroutes;
	http_gate_fn gate; /* NULL: every route is public */
	http_fail_fn fail;
	http_release_fn release;
	http_done_fn done;
	/* Addresses of the proxies in front (comma-separated); "" or NULL:
	 * none, the peer is the client. */
	const char *trusted_proxies;
};

/*
 * The client's address: peer itself unless peer is one of trusted (a
 * comma-separated list of IPv4/IPv6 addresses); then, reading xff
 * (X-Forwarded-For) from the right, the first address not in trusted, in
 * its canonical text (copied into a). Anything malformed on the way: peer.
 */
const char *http_client_ip(
    const char *peer, const char *xff, const char *trusted, struct arena *a);

/*
 * The transport-free part of a request: resolve r->method/r->path to
 * r->route and r->params. PC_ENOTFOUND (no such path) or PC_EINVAL (the
 * path exists for other methods) with the answer written into w.
 */
enum pc_rc http_resolve(
    const struct http_opts *o, struct req *r, struct resp *w);
/*
 * Run a resolved request whose body is in r->body: the gate, then the
 * handler; a handler error becomes an answer. w is always filled.
 * server.c calls it for every request and the route fuzzer
 * (tests/fuzz/fuzz_route.c) drives it without sockets.
 */
void http_run(const struct http_opts *o, struct req *r, struct resp *w);
/* Set up and free a request/response pair outside the server (fuzzer). */
void http_req_init(struct req *r, struct app *app);
void http_req_cleanup(struct req *r);
void http_resp_init(struct resp *w);
void http_resp_cleanup(struct resp *w);

/*
 * Requests by route and status and their latency (metrics.c), for the
 * process's server: made once by http_start (for o->nroutes), counted as
 * each answer is written, rendered in Prometheus text format. Without
 * init (the fuzzer) observe does nothing.
 */
enum pc_rc http_metrics_init(size_t nroutes);
void http_metrics_observe(
    const struct http_opts *o, const struct req *r, int status, int64_t ms);
void http_metrics_render(const struct http_opts *o, struct buf *out);

/* Start serving. OUT: *out (http_stop), *port the bound port. */
enum pc_rc http_start(
    const struct http_opts *o, struct http_server **out, unsigned *port);
void http_stop(struct http_server *s);

#endif /* PC_HTTP_H */
