/*
 * store_outbox.c: the notification outbox (see store_outbox.h).
 *
 * Claiming is one conditional UPDATE: on PostgreSQL a second node's UPDATE
 * of the same row waits for the first one's transaction and then finds the
 * status changed; on SQLite writers are serialized. Either way exactly one
 * claimer sees a changed row, so two nodes never send the same message.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_outbox.h"

#define OUTBOX_COLS                                                            \
	"id, created_at, channel, recipient, template, lang, vars, status, "   \
	"attempts, next_at, COALESCE(sent_at, 0), driver, last_error"

static char *
dup_col(struct db_stmt *st, int col, enum pc_rc *rc)
{
	const char *v;
	char *s;

	if (db_col_is_null(st, col))
		return NULL;
	v = db_col_text(st, col);
	s = strdup(v != NULL ? v : "");
	if (s == NULL)
		*rc = PC_ENOMEM;
	return s;
}

/* Copy the current row (OUTBOX_COLS) into r. */
static enum pc_rc
outbox_row_read(struct db_stmt *st, struct store_outbox *r)
{
	enum pc_rc rc = PC_OK;

	memset(r, 0, sizeof(*r));
	r->id = db_col_i64(st, 0);
	r->created_at = db_col_i64(st, 1);
	r->channel = dup_col(st, 2, &rc);
	r->recipient = dup_col(st, 3, &rc);
	r->template_id = dup_col(st, 4, &rc);
	r->lang = dup_col(st, 5, &rc);
	r->vars = dup_col(st, 6, &rc);
	r->status = dup_col(st, 7, &rc);
	r->attempts = db_col_i64(st, 8);
	r->next_at = db_col_i64(st, 9);
	r->sent_at = db_col_i64(st, 10);
	r->driver = dup_col(st, 11, &rc);
	r->last_error = dup_col(st, 12, &rc);
	if (rc == PC_OK && (r->channel == NULL || r->recipient == NULL ||
	                       r->template_id == NULL || r->lang == NULL ||
	                       r->vars == NULL || r->status == NULL))
		rc = PC_EDB;
	if (rc != PC_OK)
		store_outbox_cleanup(r);
	return rc;
}

void
store_outbox_cleanup(struct store_outbox *r)
{
	if (r == NULL)
		return;
	free(r->channel);
	free(r->recipient);
	free(r->template_id);
	free(r->lang);
	free(r->vars);
	free(r->status);
	free(r->driver);
	free(r->last_error);
	memset(r, 0, sizeof(*r));
}

enum pc_rc
store_outbox_insert(struct db *db, const char *channel, const char *recipient,
    const char *template_id, const char *lang, const char *vars_json,
    int64_t now, int64_t *id)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(channel != NULL && recipient != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(template_id != NULL && lang != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(vars_json != NULL, PC_EINTERNAL);
	*id = 0;
	rc = db_prepare(db,
	    "INSERT INTO outbox (created_at, channel, recipient, template, "
	    "lang, vars, status, attempts, next_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $1) RETURNING id",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, now);
	if (rc == PC_OK)
		rc = db_bind_text(st, 2, channel);
	if (rc == PC_OK)
		rc = db_bind_text(st, 3, recipient);
	if (rc == PC_OK)
		rc = db_bind_text(st, 4, template_id);
	if (rc == PC_OK)
		rc = db_bind_text(st, 5, lang);
	if (rc == PC_OK)
		rc = db_bind_text(st, 6, vars_json);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_EDB;
		goto out;
	}
	*id = db_col_i64(st, 0);
	rc = db_step(st, &row); /* SQLite finishes the INSERT here */
	if (rc != PC_OK)
		*id = 0;
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_outbox_due(
    struct db *db, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && ids != NULL && n != NULL, PC_EINTERNAL);
	*n = 0;
	rc = db_prepare(db,
	    "SELECT id FROM outbox WHERE status = 'queued' AND next_at <= $1 "
	    "ORDER BY next_at, id LIMIT $2",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, now);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, (int64_t)max);
	while (rc == PC_OK) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		if (*n < max)
			ids[(*n)++] = db_col_i64(st, 0);
	}
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_outbox_claim(struct db *db, int64_t id, const char *token, int64_t now,
    struct store_outbox *r)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && token != NULL && r != NULL, PC_EINTERNAL);
	memset(r, 0, sizeof(*r));
	rc = db_prepare(db,
	    "UPDATE outbox SET status = 'sending', claim_token = $2, "
	    "claimed_at = $3, attempts = attempts + 1 "
	    "WHERE id = $1 AND status = 'queued' RETURNING " OUTBOX_COLS,
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, id);
	if (rc == PC_OK)
		rc = db_bind_text(st, 2, token);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 3, now);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ESTATE;
		goto out;
	}
	rc = outbox_row_read(st, r);
	if (rc != PC_OK)
		goto out;
	rc = db_step(st, &row); /* SQLite finishes the UPDATE here */
	if (rc != PC_OK)
		store_outbox_cleanup(r);
out:
	db_stmt_free(st);
	return rc;
}

/* Run an UPDATE on a claimed row; PC_ESTATE when it changed nothing. */
static enum pc_rc
outbox_update_claimed(struct db *db, const char *sql, int64_t id,
    const char *token, const char *s3, int64_t i4)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && token != NULL, PC_EINTERNAL);
	rc = db_prepare(db, sql, &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, id);
	if (rc == PC_OK)
		rc = db_bind_text(st, 2, token);
	if (rc == PC_OK)
		rc = s3 != NULL ? db_bind_text(st, 3, s3) : db_bind_null(st, 3);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 4, i4);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && db_changes(st) != 1)
		rc = PC_ESTATE;
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_outbox_mark_sent(struct db *db, int64_t id, const char *token,
    const char *driver, bool wipe_vars, int64_t now)
{
	RETURN_VAL_IF_FAIL(driver != NULL, PC_EINTERNAL);
	return outbox_update_claimed(db,
	    wipe_vars
	        ? "UPDATE outbox SET status = 'sent', driver = $3, "
	          "sent_at = $4, claim_token = NULL, last_error = NULL, "
	          "vars = '{}' "
	          "WHERE id = $1 AND claim_token = $2 AND status = 'sending'"
	        : "UPDATE outbox SET status = 'sent', driver = $3, "
	          "sent_at = $4, claim_token = NULL, last_error = NULL "
	          "WHERE id = $1 AND claim_token = $2 AND status = 'sending'",
	    id, token, driver, now);
}

enum pc_rc
store_outbox_mark_retry(struct db *db, int64_t id, const char *token,
    int64_t next_at, const char *error)
{
	return outbox_update_claimed(db,
	    "UPDATE outbox SET status = 'queued', last_error = $3, "
	    "next_at = $4, claim_token = NULL "
	    "WHERE id = $1 AND claim_token = $2 AND status = 'sending'",
	    id, token, error, next_at);
}

enum pc_rc
store_outbox_mark_failed(
    struct db *db, int64_t id, const char *token, const char *error)
{
	/* $4 is unused by the SQL text; bind it anyway for one helper. */
	return outbox_update_claimed(db,
	    "UPDATE outbox SET status = 'failed', last_error = $3, "
	    "claim_token = NULL, vars = '{}', next_at = $4 "
	    "WHERE id = $1 AND claim_token = $2 AND status = 'sending'",
	    id, token, error, 0);
}

enum pc_rc
store_outbox_release_stale(struct db *db, int64_t before, int64_t *n)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && n != NULL, PC_EINTERNAL);
	*n = 0;
	rc = db_prepare(db,
	    "UPDATE outbox SET status = 'queued', claim_token = NULL, "
	    "last_error = 'claim expired' "
	    "WHERE status = 'sending' AND claimed_at < $1",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, before);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK)
		*n = db_changes(st);
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_outbox_get(struct db *db, int64_t id, struct store_outbox *r)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && r != NULL, PC_EINTERNAL);
	memset(r, 0, sizeof(*r));
	rc = db_prepare(
	    db, "SELECT " OUTBOX_COLS " FROM outbox WHERE id = $1", &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, id);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	rc = outbox_row_read(st, r);
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_outbox_each(struct db *db, const char *driver, size_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_outbox *row), void *arg)
{
	struct db_stmt *st = NULL;
	struct store_outbox r;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	rc = db_prepare(db,
	    driver != NULL ? "SELECT " OUTBOX_COLS
	                     " FROM outbox WHERE driver = $2 "
	                     "ORDER BY id DESC LIMIT $1"
	                   : "SELECT " OUTBOX_COLS " FROM outbox "
	                     "ORDER BY id DESC LIMIT $1",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, (int64_t)limit);
	if (rc == PC_OK && driver != NULL)
		rc = db_bind_text(st, 2, driver);
	while (rc == PC_OK) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		rc = outbox_row_read(st, &r);
		if (rc != PC_OK)
			break;
		rc = fn(arg, &r);
		store_outbox_cleanup(&r);
	}
out:
	db_stmt_free(st);
	return rc;
}

/* ---- attachments ------------------------------------------------------ */

void
store_outbox_att_cleanup(struct store_outbox_att *a)
{
	if (a == NULL)
		return;
	free(a->filename);
	free(a->content_type);
	free(a->data);
	memset(a, 0, sizeof(*a));
}

void
store_outbox_att_free(struct store_outbox_att *a, size_t count)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < count; i++)
		store_outbox_att_cleanup(&a[i]);
	free(a);
}

enum pc_rc
store_outbox_att_insert(struct db *db, int64_t outbox_id, int64_t n,
    const char *filename, const char *content_type, const uint8_t *data,
    size_t len)
{
	static const uint8_t empty[1];
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && filename != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(content_type != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(data != NULL || len == 0, PC_EINTERNAL);
	rc = db_prepare(db,
	    "INSERT INTO outbox_attachments (outbox_id, n, filename, "
	    "content_type, data) VALUES ($1, $2, $3, $4, $5)",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, outbox_id);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, n);
	if (rc == PC_OK)
		rc = db_bind_text(st, 3, filename);
	if (rc == PC_OK)
		rc = db_bind_text(st, 4, content_type);
	/* An empty blob, not NULL (the column is NOT NULL). */
	if (rc == PC_OK)
		rc = db_bind_blob(st, 5, len > 0 ? data : empty, len);
	if (rc == PC_OK)
		rc = db_step(st, &row);
out:
	db_stmt_free(st);
	return rc;
}

/* Copy the current row (outbox_id, n, filename, content_type, size[, data]). */
static enum pc_rc
att_row_read(struct db_stmt *st, bool with_data, struct store_outbox_att *a)
{
	const uint8_t *p;
	size_t len = 0;
	enum pc_rc rc = PC_OK;

	memset(a, 0, sizeof(*a));
	a->outbox_id = db_col_i64(st, 0);
	a->n = db_col_i64(st, 1);
	a->filename = dup_col(st, 2, &rc);
	a->content_type = dup_col(st, 3, &rc);
	a->len = (size_t)db_col_i64(st, 4);
	if (rc == PC_OK && (a->filename == NULL || a->content_type == NULL))
		rc = PC_EDB;
	if (rc == PC_OK && with_data) {
		p = db_col_blob(st, 5, &len);
		a->data = malloc(len > 0 ? len : 1);
		if (a->data == NULL)
			rc = PC_ENOMEM;
		else if (len > 0)
			memcpy(a->data, p, len);
		a->len = len;
	}
	if (rc != PC_OK)
		store_outbox_att_cleanup(a);
	return rc;
}

enum pc_rc
store_outbox_att_list(struct db *db, int64_t outbox_id, bool with_data,
    struct store_outbox_att **out, size_t *count)
{
	struct db_stmt *st = NULL;
	struct store_outbox_att *v = NULL, *nv;
	size_t n = 0, cap = 0;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && out != NULL && count != NULL, PC_EINTERNAL);
	*out = NULL;
	*count = 0;
	rc = db_prepare(db,
	    with_data ? "SELECT outbox_id, n, filename, content_type, "
	                "length(data), data FROM outbox_attachments "
	                "WHERE outbox_id = $1 ORDER BY n"
	              : "SELECT outbox_id, n, filename, content_type, "
	                "length(data) FROM outbox_attachments "
	                "WHERE outbox_id = $1 ORDER BY n",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, outbox_id);
	while (rc == PC_OK) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		if (n == cap) {
			cap = cap == 0 ? 4 : 2 * cap;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				rc = PC_ENOMEM;
				break;
			}
			v = nv;
		}
		rc = att_row_read(st, with_data, &v[n]);
		if (rc == PC_OK)
			n++;
	}
out:
	db_stmt_free(st);
	if (rc != PC_OK) {
		store_outbox_att_free(v, n);
		return rc;
	}
	if (n == 0) {
		free(v);
		v = NULL;
	}
	*out = v;
	*count = n;
	return PC_OK;
}

enum pc_rc
store_outbox_att_get(
    struct db *db, int64_t outbox_id, int64_t n, struct store_outbox_att *a)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && a != NULL, PC_EINTERNAL);
	memset(a, 0, sizeof(*a));
	rc = db_prepare(db,
	    "SELECT outbox_id, n, filename, content_type, length(data), data "
	    "FROM outbox_attachments WHERE outbox_id = $1 AND n = $2",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, outbox_id);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, n);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	rc = att_row_read(st, true, a);
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_outbox_att_delete(struct db *db, int64_t outbox_id, int64_t *deleted)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	if (deleted != NULL)
		*deleted = 0;
	rc = db_prepare(
	    db, "DELETE FROM outbox_attachments WHERE outbox_id = $1", &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, outbox_id);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && deleted != NULL)
		*deleted = db_changes(st);
out:
	db_stmt_free(st);
	return rc;
}
