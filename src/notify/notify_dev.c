/*
 * notify_dev.c: the development outbox: what the "outbox" driver
 * "delivered", rendered again from the stored variables for /dev/outbox
 * (HTML) and /dev/outbox.json. The HTTP handlers serve it only when
 * [server] dev_mode is on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/log.h"
#include "notify/notify.h"
#include "notify/notify_int.h"
#include "store/store_outbox.h"

#define DEV_OUTBOX_MAX (8 * 1024 * 1024)

struct dev_walk {
	struct db *db;
	bool json;
	json_t *arr;
	struct buf *out;
	size_t count;
};

/* The attachments as [{n, filename, content_type, size}]. */
static json_t *
dev_att_json(const struct store_outbox_att *a, size_t natt)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; arr != NULL && i < natt; i++) {
		o = json_pack("{s:I,s:s,s:s,s:I}", "n", (json_int_t)a[i].n,
		    "filename", a[i].filename, "content_type",
		    a[i].content_type, "size", (json_int_t)a[i].len);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

/* The attachments as a list of download links with name, type and size. */
static void
dev_att_html(
    struct buf *out, int64_t id, const struct store_outbox_att *a, size_t natt)
{
	size_t i;

	if (natt == 0)
		return;
	buf_append_str(out, "<ul>\n");
	for (i = 0; i < natt; i++) {
		buf_printf(out,
		    "<li><a href=\"/dev/outbox/%lld/attachments/%lld\">",
		    (long long)id, (long long)a[i].n);
		notify_html_escape(out, a[i].filename);
		buf_append_str(out, "</a> (");
		notify_html_escape(out, a[i].content_type);
		buf_printf(out, ", %zu bytes)</li>\n", a[i].len);
	}
	buf_append_str(out, "</ul>");
}

static enum pc_rc
dev_row(void *arg, const struct store_outbox *row)
{
	struct dev_walk *w = arg;
	struct notify_msg m;
	struct store_outbox_att *atts = NULL;
	size_t natt = 0;
	json_t *vars, *o, *link, *ja;
	json_error_t jerr;
	char when[32];
	enum pc_rc rc;

	vars = json_loads(row->vars, 0, &jerr);
	rc = notify_render(row->template_id, row->lang, vars, &m);
	if (rc != PC_OK) {
		json_decref(vars);
		return PC_OK; /* skip a row that no longer renders */
	}
	/* Names and sizes only, not the bytes. */
	rc = store_outbox_att_list(w->db, row->id, false, &atts, &natt);
	if (rc != PC_OK) {
		notify_msg_cleanup(&m);
		json_decref(vars);
		return rc;
	}
	clock_fmt_iso(row->created_at, when, sizeof(when));
	w->count++;
	if (w->json) {
		ja = dev_att_json(atts, natt);
		o = ja == NULL
		        ? NULL
		        : json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:s,"
		                    "s:s?,s:O?,s:o}",
		              "id", (json_int_t)row->id, "created_at", when,
		              "channel", row->channel, "to", row->recipient,
		              "template", row->template_id, "lang", row->lang,
		              "subject", m.subject, "text", m.text, "html",
		              m.html, "vars", vars, "attachments", ja);
		if (o == NULL || json_array_append_new(w->arr, o) != 0)
			rc = PC_ENOMEM;
	} else {
		buf_printf(
		    w->out, "<tr>\n<td>%lld</td><td>", (long long)row->id);
		notify_html_escape(w->out, when);
		buf_append_str(w->out, "</td><td>");
		notify_html_escape(w->out, row->channel);
		buf_append_str(w->out, "</td><td>");
		notify_html_escape(w->out, row->recipient);
		buf_append_str(w->out, "</td><td>");
		notify_html_escape(w->out, row->template_id);
		buf_append_str(w->out, " (");
		notify_html_escape(w->out, row->lang);
		buf_append_str(w->out, ")</td><td>");
		notify_html_escape(w->out, m.subject != NULL ? m.subject : "");
		buf_append_str(w->out, "</td><td><pre>");
		notify_html_escape(w->out, m.text);
		buf_append_str(w->out, "</pre>");
		link = json_object_get(vars, "link");
		if (json_is_string(link)) {
			buf_append_str(w->out, "<a href=\"");
			notify_html_escape(w->out, json_string_value(link));
			buf_append_str(w->out, "\">open the link</a>");
		}
		dev_att_html(w->out, row->id, atts, natt);
		buf_append_str(w->out, "</td>\n</tr>\n");
		if (!buf_ok(w->out))
			rc = buf_rc(w->out);
	}
	store_outbox_att_free(atts, natt);
	notify_msg_cleanup(&m);
	json_decref(vars);
	return rc;
}

enum pc_rc
notify_dev_outbox(struct store *store, bool json, size_t limit, struct buf *out)
{
	struct dev_walk w;
	struct db *db = NULL;
	json_t *root;
	char *s;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(store != NULL && out != NULL, PC_EINTERNAL);
	memset(&w, 0, sizeof(w));
	w.json = json;
	w.out = out;
	if (json) {
		w.arr = json_array();
		if (w.arr == NULL)
			return PC_ENOMEM;
	} else {
		buf_append_str(out,
		    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, "
		    "initial-scale=1\">\n"
		    "<title>Pecete: development outbox</title>\n</head>\n"
		    "<body>\n<h1>Development outbox</h1>\n"
		    "<p>E-mails and SMS of the outbox driver, newest first. "
		    "Nothing shown here was sent. JSON: "
		    "<a href=\"/dev/outbox.json\">/dev/outbox.json</a>.</p>\n"
		    "<table border=\"1\" cellpadding=\"4\">\n<tr><th>id</th>"
		    "<th>time (UTC)</th><th>channel</th><th>to</th>"
		    "<th>template</th><th>subject</th><th>text</th></tr>\n");
	}
	rc = store_acquire(store, &db);
	if (rc == PC_OK) {
		w.db = db;
		rc = store_outbox_each(db, "outbox", limit, dev_row, &w);
		store_release(store, db);
	}
	if (rc != PC_OK)
		goto out;
	if (json) {
		root = json_pack("{s:O}", "messages", w.arr);
		s = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
		json_decref(root);
		if (s == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
		buf_append_str(out, s);
		free(s);
	} else {
		buf_printf(out,
		    "</table>\n<p>%zu message(s).</p>\n"
		    "</body>\n</html>\n",
		    w.count);
	}
	if (!buf_ok(out))
		rc = buf_rc(out);
out:
	json_decref(w.arr);
	return rc;
}

enum pc_rc
notify_dev_attachment(struct store *store, int64_t id, int64_t n,
    struct buf *out, char *ctype, char *fname)
{
	struct store_outbox row;
	struct store_outbox_att a;
	struct db *db = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(store != NULL && out != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(ctype != NULL && fname != NULL, PC_EINTERNAL);
	ctype[0] = fname[0] = '\0';
	memset(&a, 0, sizeof(a));
	rc = store_acquire(store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_outbox_get(db, id, &row);
	if (rc == PC_OK) {
		/* Only what the outbox driver kept, as in the listing. */
		if (row.driver == NULL || strcmp(row.driver, "outbox") != 0)
			rc = PC_ENOTFOUND;
		store_outbox_cleanup(&row);
	}
	if (rc == PC_OK)
		rc = store_outbox_att_get(db, id, n, &a);
	store_release(store, db);
	if (rc != PC_OK)
		return rc;
	buf_append(out, a.data, a.len);
	snprintf(ctype, NOTIFY_ATT_TYPE_MAX + 1, "%s", a.content_type);
	notify_attachment_filename(a.filename, fname);
	store_outbox_att_cleanup(&a);
	return buf_ok(out) ? PC_OK : buf_rc(out);
}
