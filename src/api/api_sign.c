/*
 * api_sign.c: signing in the browser (J9); handlers translate to
 * signing/signing_web.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/arena.h"
#include "signing/signing.h"
#include "signing/signing_web.h"

/* Path parameter i as an item index, -1 when not one. */
static int64_t
param_index(struct req *r, size_t i)
{
	uint64_t v = 0;

	if (str_to_u64(str_from(api_param(r, i)), 1000, &v) != PC_OK)
		return -1;
	return (int64_t)v;
}

static json_t *
item_json(const struct store_sign_item *it)
{
	json_t *o, *pl = NULL;

	if (it->placement != NULL)
		pl = json_loads(it->placement, 0, NULL);
	o = json_pack("{s:I,s:s,s:I,s:s,s:s,s:o,s:o,s:s,s:o,s:o}", "index",
	    (json_int_t)it->idx, "name", it->name, "size", (json_int_t)it->size,
	    "sha256", it->in_sha256, "format", it->format, "placement",
	    pl != NULL ? pl : json_null(), "intake",
	    it->intake[0] ? json_string(it->intake) : json_null(), "state",
	    it->state, "signed_name",
	    it->out_name != NULL ? json_string(it->out_name) : json_null(),
	    "signed_sha256",
	    it->out_sha256[0] ? json_string(it->out_sha256) : json_null());
	if (o != NULL)
		json_object_set_new(
		    o, "downloadable", json_boolean(it->out_doc[0] != '\0'));
	/* Why a file failed while signing (the engine's or the TSA's code). */
	if (o != NULL)
		json_object_set_new(o, "error",
		    strcmp(it->state, "failed") == 0 && it->intake[0]
		        ? json_string(it->intake)
		        : json_null());
	if (o != NULL)
		json_object_set_new(o, "level",
		    it->level[0] ? json_string(it->level) : json_null());
	return o;
}

/*
 * Each signed file's level (an older row without one: what the batch's
 * level gives its format) and, when lower than that, why: the
 * long-term step failed, the file stayed B-T (signing_batch.c item_ltv).
 */
static void
files_level(json_t *files, const char *batch_level)
{
	enum sign_level bl = sign_level_parse(batch_level);
	size_t i;

	for (i = 0; i < json_array_size(files); i++) {
		json_t *f = json_array_get(files, i);
		const char *st = json_string_value(json_object_get(f, "state"));
		const char *fmt =
		    json_string_value(json_object_get(f, "format"));
		enum sign_level want, got;

		if (st == NULL || strcmp(st, "signed") != 0 || bl == 0)
			continue;
		want = signing_item_level(bl,
		    fmt != NULL && strcmp(fmt, "cades") == 0 ? SIGN_FMT_CADES
		                                             : SIGN_FMT_PADES,
		    false);
		got = sign_level_parse(
		    json_string_value(json_object_get(f, "level")));
		/* A row from before the per-file level: a .p7s was B-LT at
		 * most then. */
		if (got == 0 && want == SIGN_LEVEL_BLTA && fmt != NULL &&
		    strcmp(fmt, "cades") == 0)
			want = SIGN_LEVEL_BLT;
		if (got == 0)
			json_object_set_new(f, "level",
			    json_string(
			        want == SIGN_LEVEL_BLT ? "B-LT" : batch_level));
		json_object_set_new(f, "warning",
		    got != 0 && got < want ? json_string("ltv_failed")
		                           : json_null());
	}
}

static enum pc_rc
item_add(void *arg, const struct store_sign_item *it)
{
	return json_array_append_new(arg, item_json(it)) == 0 ? PC_OK
	                                                      : PC_ENOMEM;
}

static json_t *
batch_json(struct req *r, const struct store_sign_batch *b, json_t *items)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:o,s:o}", "id", b->id,
	    "state", b->state, "credential", b->credential, "level", b->level,
	    "signatures", (json_int_t)b->signatures, "timestamps",
	    (json_int_t)b->timestamps, "created_at", api_time(r, b->created_at),
	    "signed_at",
	    b->signed_at != 0 ? json_string(api_time(r, b->signed_at))
	                      : json_null(),
	    "files", items != NULL ? items : json_array());
}

/*
 * Where the signing of the batch is, from its files' states: total is
 * what this signing covers (pending, signing, signed, failed), done what
 * is finished of it.
 */
static json_t *
progress_json(json_t *items)
{
	json_int_t pending = 0, signing = 0, nsigned = 0, failed = 0;
	size_t i;

	for (i = 0; i < json_array_size(items); i++) {
		const char *st = json_string_value(
		    json_object_get(json_array_get(items, i), "state"));

		if (st == NULL)
			continue;
		if (strcmp(st, "pending") == 0)
			pending++;
		else if (strcmp(st, "signing") == 0)
			signing++;
		else if (strcmp(st, "signed") == 0)
			nsigned++;
		else if (strcmp(st, "failed") == 0)
			failed++;
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "total",
	    pending + signing + nsigned + failed, "done", nsigned + failed,
	    "pending", pending, "signing", signing, "signed", nsigned, "failed",
	    failed);
}

/* The batch, its files, where its signing is and what it costs. */
static enum pc_rc
batch_reply(struct req *r, struct resp *w, int status, const char *id)
{
	struct store_sign_batch b;
	struct websign_quota q;
	struct pc_err err = { 0 };
	json_t *items = json_array(), *o;
	enum pc_rc rc;

	if (items == NULL)
		return PC_ENOMEM;
	rc = websign_get(
	    api_env(r), api_session(r)->u.id, id, &b, item_add, items, &err);
	if (rc == PC_OK)
		rc = websign_quota(
		    api_env(r), api_session(r)->u.id, id, &q, &err);
	if (rc != PC_OK) {
		json_decref(items);
		return api_fail(r, w, rc, &err);
	}
	files_level(items, b.level);
	o = batch_json(r, &b, items);
	if (o != NULL)
		json_object_set_new(o, "progress", progress_json(items));
	if (o != NULL)
		json_object_set_new(o, "certificate",
		    json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "serial", q.serial,
		        "subject", q.subject != NULL ? q.subject : "", "issuer",
		        q.issuer != NULL ? q.issuer : "", "not_after",
		        api_time(r, q.not_after), "transactions_left",
		        (json_int_t)q.left, "transactions_needed",
		        (json_int_t)q.needed));
	websign_quota_cleanup(&q);
	return api_reply(w, status, o);
}

/* After a change to the batch of the path: rc's refusal, or the batch. */
static enum pc_rc
batch_changed(struct req *r, struct resp *w, enum pc_rc rc,
    const struct pc_err *err, int status)
{
	if (rc != PC_OK)
		return api_fail(r, w, rc, err);
	return batch_reply(r, w, status, api_param(r, 0));
}

enum pc_rc
api_sign_batch_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	char id[STORE_ID_LEN + 1];
	enum pc_rc rc;

	rc = websign_new(api_env(r), api_session(r)->u.id, id, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return batch_reply(r, w, 201, id);
}

enum pc_rc
api_sign_batch_get(struct req *r, struct resp *w)
{
	return batch_reply(r, w, 200, api_param(r, 0));
}

/* ?name=FILE, the bytes as the body. */
enum pc_rc
api_sign_file_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	const char *name = http_req_query(r, "name");
	int64_t idx = 0;

	return batch_changed(r, w,
	    websign_add(api_env(r), api_session(r)->u.id, api_param(r, 0), name,
	        r->body.data, r->body.len, &idx, &err),
	    &err, 201);
}

enum pc_rc
api_sign_file_delete(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };

	return batch_changed(r, w,
	    websign_remove(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        param_index(r, 1), &err),
	    &err, 200);
}

static int64_t
body_int(struct req *r, const char *key)
{
	return json_integer_value(json_object_get(r->json, key));
}

enum pc_rc
api_sign_placement_post(struct req *r, struct resp *w)
{
	struct websign_box box;
	struct pc_err err = { 0 };

	memset(&box, 0, sizeof(box));
	box.visible = api_bool(r, "visible");
	box.page = (int)body_int(r, "page");
	box.x = (float)body_int(r, "x");
	box.y = (float)body_int(r, "y");
	box.w = (float)body_int(r, "w");
	box.h = (float)body_int(r, "h");
	snprintf(box.appearance, sizeof(box.appearance), "%s",
	    json_string_value(json_object_get(r->json, "appearance")) != NULL
	        ? json_string_value(json_object_get(r->json, "appearance"))
	        : "");
	return batch_changed(r, w,
	    websign_place(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        param_index(r, 1), &box, &err),
	    &err, 200);
}

enum pc_rc
api_sign_p7s_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };

	return batch_changed(r, w,
	    websign_all_p7s(
	        api_env(r), api_session(r)->u.id, api_param(r, 0), &err),
	    &err, 200);
}

enum pc_rc
api_sign_page_get(struct req *r, struct resp *w)
{
	struct sign_page info;
	struct pc_err err = { 0 };
	struct buf png;
	enum pc_rc rc;

	buf_init(&png, 32u << 20);
	rc = websign_page(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    param_index(r, 1), (int)param_index(r, 2), &png, &info, &err);
	if (rc != PC_OK) {
		buf_cleanup(&png);
		return api_fail(r, w, rc, &err);
	}
	http_resp_bytes(w, 200, "image/png", png.data, png.len);
	http_resp_header(w, "Cache-Control", "no-store");
	/* What maps the drawn box to PDF points. */
	http_resp_header(
	    w, "X-Pdf-Pages", arena_printf(&r->arena, "%d", info.npages));
	http_resp_header(w, "X-Pdf-Page-Size",
	    arena_printf(&r->arena, "%.2f %.2f", (double)info.width,
	        (double)info.height));
	buf_cleanup(&png);
	return PC_OK;
}

enum pc_rc
api_sign_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };

	/* Authorized: the pool signs on; the page polls the batch. */
	return batch_changed(r, w,
	    websign_sign(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        api_str(r, "code"), &err),
	    &err, 202);
}

enum pc_rc
api_sign_zip_get(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	uint64_t len = 0;
	int fd = -1;
	enum pc_rc rc;

	rc = websign_zip(
	    api_env(r), api_session(r)->u.id, api_param(r, 0), &fd, &len, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	http_resp_fd(w, 200, "application/zip", fd, len);
	api_attachment(r, w, "SignedFiles.zip");
	return PC_OK;
}

enum pc_rc
api_sign_output_get(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	struct buf out;
	char *name = NULL;
	enum pc_rc rc;

	buf_init(&out, (size_t)WEB_FILE_MAX + (1u << 20));
	rc = websign_output(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    param_index(r, 1), &out, &name, &err);
	if (rc != PC_OK) {
		buf_cleanup(&out);
		return api_fail(r, w, rc, &err);
	}
	http_resp_bytes(w, 200, "application/octet-stream", out.data, out.len);
	http_resp_header(w, "Cache-Control", "no-store");
	/* RFC 6266: the UTF-8 name percent-encoded. */
	{
		struct buf enc;
		size_t i;

		buf_init(&enc, 4096);
		for (i = 0; name[i] != '\0'; i++) {
			unsigned char c = (unsigned char)name[i];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || strchr("-._~", c))
				buf_append(&enc, &name[i], 1);
			else
				buf_printf(&enc, "%%%02X", c);
		}
		buf_append(&enc, "", 1);
		http_resp_header(w, "Content-Disposition",
		    arena_printf(&r->arena,
		        "attachment; filename=\"signed\"; filename*=UTF-8''%s",
		        buf_ok(&enc) ? (const char *)enc.data : "signed"));
		buf_cleanup(&enc);
	}
	free(name);
	buf_cleanup(&out);
	return PC_OK;
}

static enum pc_rc
history_one(void *arg, const struct store_sign_batch *b)
{
	void **a = arg;

	return json_array_append_new(a[1], batch_json(a[0], b, NULL)) == 0
	           ? PC_OK
	           : PC_ENOMEM;
}

enum pc_rc
api_sign_history_get(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	json_t *list = json_array();
	void *a[2] = { r, list };
	size_t i;
	enum pc_rc rc;

	if (list == NULL)
		return PC_ENOMEM;
	rc = websign_history(api_env(r), api_session(r)->u.id, history_one, a);
	/* Each batch with its files: names, hashes, format; no document. */
	for (i = 0; rc == PC_OK && i < json_array_size(list); i++) {
		json_t *b = json_array_get(list, i);
		struct store_sign_batch sb;

		rc = websign_get(api_env(r), api_session(r)->u.id,
		    json_string_value(json_object_get(b, "id")), &sb, item_add,
		    json_object_get(b, "files"), &err);
		if (rc == PC_OK)
			files_level(json_object_get(b, "files"), sb.level);
	}
	if (rc != PC_OK) {
		json_decref(list);
		return api_fail(r, w, rc, &err);
	}
	return api_reply(w, 200, json_pack("{s:o}", "batches", list));
}
