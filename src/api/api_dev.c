/*
 * api_dev.c: development pages. GET /dev/outbox lists the e-mails and SMS
 * the "outbox" notification driver kept (newest first); /dev/outbox.json
 * is the same for scripts and browser tests. Both answer 404 unless
 * [server] dev_mode = true: the routes table is static, so the check is
 * here.
 */
#include <stdlib.h>

#include "api/api.h"
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

	if (app == NULL || app->conf == NULL || !app->conf->server.dev_mode)
		return http_error(
		    w, PC_ENOTFOUND, "not_found", "No such page.");
	buf_init(&b, DEV_OUTBOX_BYTES);
	rc = notify_dev_outbox(app->store, json, DEV_OUTBOX_LIMIT, &b);
	if (rc != PC_OK) {
		buf_cleanup(&b);
		log_warnx("dev: outbox listing failed (%s)", pc_rc_str(rc));
		return http_error(w, rc, "internal",
		    "The outbox could not be read; see the server log.");
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
