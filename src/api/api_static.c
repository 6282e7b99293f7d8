/*
 * api_static.c: the browser UI's files, behind the last (catch-all) routes
 * of the table. Page-like paths the UI's router knows get index.html.
 */
#include "api/api.h"
#include "http/static.h"

enum pc_rc
api_static_get(struct req *r, struct resp *w)
{
	const char *rel = r->nparams > 0 ? r->params[0] : "";

	return http_static_serve(w, &r->arena, r->app->conf->server.web_root,
	    rel, http_req_header(r, "If-None-Match"));
}
