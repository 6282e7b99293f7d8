/*
 * dispatch.c: the transport-free half of a request: resolving the route,
 * the request's header/cookie/query lists, and running the gate and the
 * handler. server.c feeds it from libmicrohttpd; the route fuzzer feeds it
 * directly.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "base/log.h"
#include "base/secret.h"
#include "http/http.h"

#define HTTP_ARENA_MAX (4 * 1024 * 1024)
#define HTTP_RESP_MAX (64 * 1024 * 1024)

static const char *
kv_find(const struct http_kv *kv, size_t n, const char *name, bool ci)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ci ? strcasecmp(kv[i].name, name) == 0
		       : strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	return NULL;
}

const char *
http_req_header(const struct req *r, const char *name)
{
	return kv_find(r->headers, r->nheaders, name, true);
}

const char *
http_req_cookie(const struct req *r, const char *name)
{
	return kv_find(r->cookies, r->ncookies, name, false);
}

const char *
http_req_query(const struct req *r, const char *name)
{
	return kv_find(r->query, r->nquery, name, false);
}

bool
http_req_kv_add(struct req *r, struct http_kv *kv, size_t *n, const char *name,
    const char *value)
{
	if (*n >= HTTP_REQ_KV_MAX)
		return false;
	kv[*n].name = arena_strdup(&r->arena, name);
	kv[*n].value = arena_strdup(&r->arena, value != NULL ? value : "");
	if (kv[*n].name == NULL || kv[*n].value == NULL)
		return false;
	(*n)++;
	return true;
}

void
http_req_init(struct req *r, struct app *app)
{
	memset(r, 0, sizeof(*r));
	arena_init(&r->arena, HTTP_ARENA_MAX);
	buf_init(&r->body, 0);
	r->app = app;
}

void
http_req_cleanup(struct req *r)
{
	buf_cleanup(&r->body);
	arena_cleanup(&r->arena);
	memset(r, 0, sizeof(*r));
}

void
http_resp_init(struct resp *w)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->body, HTTP_RESP_MAX);
	w->status = 500;
	w->fd = -1;
}

void
http_resp_cleanup(struct resp *w)
{
	buf_cleanup(&w->body);
	if (w->fd >= 0)
		close(w->fd);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

enum pc_rc
http_resolve(const struct http_opts *o, struct req *r, struct resp *w)
{
	const char *params[HTTP_PARAMS_MAX];
	size_t i, np = 0;
	bool mismatch = false;

	r->route = http_route_match(
	    o->routes, o->nroutes, r->method, r->path, params, &np, &mismatch);
	if (r->route == NULL) {
		if (mismatch) {
			http_error(w, PCE_METHOD_NOT_ALLOWED, NULL);
			return PC_EINVAL;
		}
		http_error(w, PCE_NOT_FOUND, NULL);
		return PC_ENOTFOUND;
	}
	r->nparams = 0;
	for (i = 0; i < np; i++) {
		r->params[i] = arena_strdup(&r->arena, params[i]);
		if (r->params[i] == NULL) {
			http_error(w, PCE_INTERNAL, NULL);
			return PC_ENOMEM;
		}
	}
	r->nparams = np;
	return PC_OK;
}

void
http_run(const struct http_opts *o, struct req *r, struct resp *w)
{
	enum pc_rc rc;

	if (r->route == NULL) {
		http_error(w, PCE_NOT_FOUND, NULL);
		return;
	}
	if (o->gate != NULL && o->gate(r, w) != PC_OK) {
		/* The gate has written the refusal. */
		if (o->release != NULL)
			o->release(r);
		return;
	}
	rc = r->route->handler(r, w);
	if (rc != PC_OK) {
		log_info("req=%s handler: %s", r->req_id, pc_rc_str(rc));
		if (o->fail != NULL)
			o->fail(r, w, rc);
		else
			http_error(w, pc_ecode_for_rc(rc), NULL);
	}
	if (o->release != NULL)
		o->release(r);
	/* Bodies of routes that carry secrets are wiped now. */
	if ((r->route->flags & ROUTE_SECRET) != 0 && r->body.data != NULL)
		secret_wipe(r->body.data, r->body.cap);
}
