/*
 * api_dev.c: development pages. GET /dev/outbox lists the e-mails and SMS
 * the "outbox" notification driver kept (newest first); /dev/outbox.json
 * is the same for scripts and browser tests. The routes are ROUTE_DEV:
 * outside [server] dev_mode = true they do not exist (404, by the gate).
 * GET /dev/outbox/{id}/attachments/{n} downloads an attachment the
 * outbox driver kept.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/api_int.h"
#include "base/log.h"
#include "notify/notify.h"

#define DEV_OUTBOX_LIMIT 200
#define DEV_OUTBOX_BYTES (16 * 1024 * 1024)

static enum pc_rc
dev_outbox(struct req *r, struct resp *w, bool json)
{
	struct app *app = r->app;
	struct buf b;
	enum pc_rc rc;

	buf_init(&b, DEV_OUTBOX_BYTES);
	rc = notify_dev_outbox(app->store, json, DEV_OUTBOX_LIMIT, &b);
	if (rc != PC_OK) {
		buf_cleanup(&b);
		log_warnx("dev: outbox listing failed (%s)", pc_rc_str(rc));
		return rc;
	}
	http_resp_bytes(w, 200,
	    json ? "application/json" : "text/html; charset=utf-8", b.data,
	    b.len);
	buf_cleanup(&b);
	http_resp_header(w, "Cache-Control", "no-store");
	return PC_OK;
}

enum pc_rc
api_dev_outbox_get(struct req *r, struct resp *w)
{
	return dev_outbox(r, w, false);
}

enum pc_rc
api_dev_outbox_json_get(struct req *r, struct resp *w)
{
	return dev_outbox(r, w, true);
}

enum pc_rc
api_dev_outbox_attachment_get(struct req *r, struct resp *w)
{
	struct app *app = r->app;
	char ctype[NOTIFY_ATT_TYPE_MAX + 1], fname[NOTIFY_ATT_NAME_MAX + 1];
	const char *ct;
	struct buf b;
	uint64_t id, n;
	enum pc_rc rc;

	if (r->nparams < 2 ||
	    str_to_u64(str_from(r->params[0]), INT64_MAX, &id) != PC_OK ||
	    str_to_u64(str_from(r->params[1]), 1000, &n) != PC_OK)
		return http_error(w, PCE_NOT_FOUND, "No such page.");
	buf_init(&b, NOTIFY_ATT_BYTES_MAX);
	rc = notify_dev_attachment(
	    app->store, (int64_t)id, (int64_t)n, &b, ctype, fname);
	if (rc != PC_OK) {
		buf_cleanup(&b);
		if (rc == PC_ENOTFOUND)
			return http_error(
			    w, PCE_NOT_FOUND, "No such attachment.");
		log_warnx("dev: outbox attachment failed (%s)", pc_rc_str(rc));
		return rc;
	}
	/* The sanitised name has no quotes or control characters. */
	ct = arena_strdup(&r->arena, ctype);
	rc = api_reply_file(r, w, ct != NULL ? ct : "application/octet-stream",
	    b.data, b.len, fname);
	buf_cleanup(&b);
	return rc;
}
