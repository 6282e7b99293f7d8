/*
 * errors.c: status -> HTTP status and JSON error body, in one place.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "http/http.h"

int
http_status_for(enum pc_rc rc)
{
	switch (rc) {
	case PC_OK:
		return 200;
	case PC_EINVAL:
		return 400;
	case PC_EAUTH:
		return 403;
	case PC_ENOTFOUND:
		return 404;
	case PC_ESTATE:
	case PC_EEXIST:
		return 409;
	case PC_ELIMIT:
		return 413;
	case PC_EUNAVAIL:
		return 503;
	case PC_ENOMEM:
	case PC_EDB:
	case PC_EHSM:
	case PC_ECRYPTO:
	case PC_EIO:
	case PC_EINTERNAL:
		return 500;
	}
	return 500;
}

enum pc_rc
http_error(struct resp *w, enum pc_rc rc, const char *code, const char *message)
{
	json_t *o;
	char *s;
	int status;

	status = http_status_for(rc);
	if (code == NULL)
		code = pc_rc_str(rc);
	if (message == NULL || status == 500)
		message =
		    status == 500
		        ? "Internal error; try again later. If it persists, "
		          "tell us the request id."
		    : status == 503 ? "Service temporarily unavailable; try "
		                      "again in a moment."
		                    : "The request could not be processed.";
	o = json_pack(
	    "{s:{s:s,s:s}}", "error", "code", code, "message", message);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	buf_reset(&w->body);
	if (s != NULL)
		buf_append_str(&w->body, s);
	w->status = status;
	w->ctype = "application/json";
	free(s);
	json_decref(o);
	return PC_OK;
}

void
http_resp_header(struct resp *w, const char *name, const char *value)
{
	if (w->nheaders >= HTTP_HEADERS_MAX) {
		log_warnx("http: too many response headers, dropped %s", name);
		return;
	}
	w->hname[w->nheaders] = name;
	w->hval[w->nheaders] = value;
	w->nheaders++;
}

void
http_resp_bytes(
    struct resp *w, int status, const char *ctype, const void *p, size_t n)
{
	buf_reset(&w->body);
	buf_append(&w->body, p, n);
	w->status = status;
	w->ctype = ctype;
}

void
http_resp_json(struct resp *w, int status, const char *json)
{
	http_resp_bytes(w, status, "application/json", json, strlen(json));
}
