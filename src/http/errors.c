/*
 * errors.c: status -> HTTP status and JSON error body, in one place.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/log.h"
#include "http/http.h"

enum pc_rc
http_error(struct resp *w, enum pc_ecode code, const char *message)
{
	json_t *o;
	char *s;
	int status;

	if (code == PCE_NONE)
		code = PCE_INTERNAL;
	status = pc_ecode_status(code);
	if (message == NULL || status >= 500)
		message = pc_ecode_message(code);
	o = json_pack("{s:{s:s,s:s}}", "error", "code", pc_ecode_name(code),
	    "message", message);
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
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	buf_reset(&w->body);
	buf_append(&w->body, p, n);
	w->status = status;
	w->ctype = ctype;
}

void
http_resp_fd(struct resp *w, int status, const char *ctype, int fd, uint64_t n)
{
	buf_reset(&w->body);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	w->fd_len = n;
	w->status = status;
	w->ctype = ctype;
}

void
http_resp_json(struct resp *w, int status, const char *json)
{
	http_resp_bytes(w, status, "application/json", json, strlen(json));
}
