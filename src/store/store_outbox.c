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
#include "store/store_row.h"

#define T struct store_outbox
static const struct store_col outbox_col[] = {
	STORE_COL(T, id, COL_I64, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, channel, COL_STR, 0),
	STORE_COL(T, recipient, COL_STR, 0),
	STORE_COLX(T, template_id, COL_STR, 0, "template", NULL),
	STORE_COL(T, lang, COL_STR, 0),
	STORE_COL(T, vars, COL_STR, 0),
	STORE_COL(T, status, COL_STR, 0),
	STORE_COL(T, attempts, COL_I64, 0),
	STORE_COL(T, next_at, COL_I64, 0),
	STORE_COL(T, sent_at, COL_I64, 0),
	STORE_COL(T, driver, COL_STR, 0),
	STORE_COL(T, last_error, COL_STR, 0),
};
static const struct store_cols outbox_cols =
    STORE_COLS(T, "outbox", NULL, NULL, outbox_col);
STORE_ROW_EACH_FN(outbox, T)
#undef T

/* store_outbox_due reads ids only. */
struct id_row {
	int64_t id;
};
static const struct store_col id_col[] = {
	STORE_COL(struct id_row, id, COL_I64, 0),
};
static const struct store_cols id_cols =
    STORE_COLS(struct id_row, "outbox", NULL, NULL, id_col);

/* Attachments: with their bytes, or with only their length. */
#define T struct store_outbox_att
#define ATT_COLS                                                               \
	STORE_COL(T, outbox_id, COL_I64, 0), STORE_COL(T, n, COL_I64, 0),      \
	    STORE_COL(T, filename, COL_STR, 0),                                \
	    STORE_COL(T, content_type, COL_STR, 0)
static const struct store_col att_col[] = {
	ATT_COLS,
	STORE_BLOB(T, data, len, 0),
};
static const struct store_col att_len_col[] = {
	ATT_COLS,
	STORE_COLX(T, len, COL_SIZE, COL_RO, "len", "length(data)"),
};
static const struct store_cols att_cols =
    STORE_COLS(T, "outbox_attachments", NULL, NULL, att_col);
static const struct store_cols att_len_cols =
    STORE_COLS(T, "outbox_attachments", NULL, NULL, att_len_col);
#undef ATT_COLS
#undef T

/* Free the strings of r and zero it; NULL is a no-op. */
void
store_outbox_cleanup(struct store_outbox *r)
{
	store_row_cleanup(&outbox_cols, r);
}

/* Insert a queued message due at now. OUT: *id. */
enum pc_rc
store_outbox_insert(struct db *db, const char *channel, const char *recipient,
    const char *template_id, const char *lang, const char *vars_json,
    int64_t now, int64_t *id)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(channel != NULL && recipient != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(template_id != NULL && lang != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(vars_json != NULL, PC_EINTERNAL);
	return store_q_i64_or(db, PC_EDB, id,
	    "INSERT INTO outbox (created_at, channel, recipient, template, "
	    "lang, vars, status, attempts, next_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $1) RETURNING id",
	    "isssss", now, channel, recipient, template_id, lang, vars_json);
}

struct due {
	int64_t *ids;
	size_t max, n;
};

static enum pc_rc
due_add(void *arg, void *row)
{
	struct due *d = arg;
	const struct id_row *r = row;

	if (d->n < d->max)
		d->ids[d->n++] = r->id;
	return PC_OK;
}

/* The ids of up to max queued messages due at now. OUT: ids, *n. */
enum pc_rc
store_outbox_due(
    struct db *db, int64_t now, int64_t *ids, size_t max, size_t *n)
{
	struct due d = { ids, max, 0 };
	struct id_row r;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    db != NULL && ids != NULL && n != NULL, PC_EINTERNAL);
	rc = store_row_each(db, &id_cols, &r, due_add, &d,
	    "WHERE status = 'queued' AND next_at <= $1 "
	    "ORDER BY next_at, id LIMIT $2",
	    "ii", now, (int64_t)max);
	*n = d.n;
	return rc;
}

/* Claim a queued message (one conditional UPDATE). OUT: *r. */
enum pc_rc
store_outbox_claim(struct db *db, int64_t id, const char *token, int64_t now,
    struct store_outbox *r)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && token != NULL && r != NULL, PC_EINTERNAL);
	return store_row_returning(db, &outbox_cols, r,
	    "UPDATE outbox SET status = 'sending', claim_token = $2, "
	    "claimed_at = $3, attempts = attempts + 1 "
	    "WHERE id = $1 AND status = 'queued'",
	    "isi", id, token, now);
}

/* Run an UPDATE on a claimed row; PC_ESTATE when it changed nothing. */
static enum pc_rc
outbox_update_claimed(struct db *db, const char *sql, int64_t id,
    const char *token, const char *s3, int64_t i4)
{
	RETURN_VAL_IF_FAIL(db != NULL && token != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE, sql, "issi", id, token, s3, i4);
}

/* A claimed message was sent by driver; PC_ESTATE: the claim was lost. */
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

/* Back in the queue, due at next_at; PC_ESTATE: the claim was lost. */
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

/* Give up (final, variables wiped); PC_ESTATE: the claim was lost. */
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

/* Requeue messages left sending since before before. OUT: *n. */
enum pc_rc
store_outbox_release_stale(struct db *db, int64_t before, int64_t *n)
{
	RETURN_VAL_IF_FAIL(db != NULL && n != NULL, PC_EINTERNAL);
	return store_q_run(db, n,
	    "UPDATE outbox SET status = 'queued', claim_token = NULL, "
	    "last_error = 'claim expired' "
	    "WHERE status = 'sending' AND claimed_at < $1",
	    "i", before);
}

/* One message by id. OUT: *r (store_outbox_cleanup). */
enum pc_rc
store_outbox_get(struct db *db, int64_t id, struct store_outbox *r)
{
	RETURN_VAL_IF_FAIL(db != NULL && r != NULL, PC_EINTERNAL);
	return store_row_get(db, &outbox_cols, r, "WHERE id = $1", "i", id);
}

/* Up to limit messages, newest first (of driver, when not NULL), to fn. */
enum pc_rc
store_outbox_each(struct db *db, const char *driver, size_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_outbox *row), void *arg)
{
	struct outbox_each e = { fn, arg };
	struct store_outbox r;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &outbox_cols, &r, outbox_each_call, &e,
	    driver != NULL ? "WHERE driver = $2 ORDER BY id DESC LIMIT $1"
	                   : "ORDER BY id DESC LIMIT $1",
	    driver != NULL ? "is" : "i", (int64_t)limit, driver);
}

/* ---- attachments ------------------------------------------------------ */

/* Free the strings and bytes of a and zero it; NULL is a no-op. */
void
store_outbox_att_cleanup(struct store_outbox_att *a)
{
	store_row_cleanup(&att_cols, a);
}

/* Clean up a[0..count) and free a; NULL is a no-op. */
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

/* Insert attachment n of outbox_id (copied). */
enum pc_rc
store_outbox_att_insert(struct db *db, int64_t outbox_id, int64_t n,
    const char *filename, const char *content_type, const uint8_t *data,
    size_t len)
{
	RETURN_VAL_IF_FAIL(db != NULL && filename != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(content_type != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(data != NULL || len == 0, PC_EINTERNAL);
	/* An empty blob, not NULL (the column is NOT NULL). */
	return store_q_run(db, NULL,
	    "INSERT INTO outbox_attachments (outbox_id, n, filename, "
	    "content_type, data) VALUES ($1, $2, $3, $4, $5)",
	    "iissb", outbox_id, n, filename, content_type,
	    data != NULL ? (const void *)data : "", len);
}

struct att_vec {
	struct store_outbox_att *v;
	size_t n, cap;
};

/* Move the row read into the vector. */
static enum pc_rc
att_push(void *arg, void *row)
{
	struct att_vec *a = arg;
	struct store_outbox_att *nv;

	if (a->n == a->cap) {
		a->cap = a->cap == 0 ? 4 : 2 * a->cap;
		nv = realloc(a->v, a->cap * sizeof(*nv));
		if (nv == NULL)
			return PC_ENOMEM;
		a->v = nv;
	}
	memcpy(&a->v[a->n++], row, sizeof(*nv));
	memset(row, 0, sizeof(*nv));
	return PC_OK;
}

/* The attachments of outbox_id in order. OUT: *out, *count. */
enum pc_rc
store_outbox_att_list(struct db *db, int64_t outbox_id, bool with_data,
    struct store_outbox_att **out, size_t *count)
{
	struct store_outbox_att a;
	struct att_vec vec = { NULL, 0, 0 };
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    db != NULL && out != NULL && count != NULL, PC_EINTERNAL);
	*out = NULL;
	*count = 0;
	rc = store_row_each(db, with_data ? &att_cols : &att_len_cols, &a,
	    att_push, &vec, "WHERE outbox_id = $1 ORDER BY n", "i", outbox_id);
	if (rc != PC_OK) {
		store_outbox_att_free(vec.v, vec.n);
		return rc;
	}
	if (vec.n == 0) {
		free(vec.v);
		vec.v = NULL;
	}
	*out = vec.v;
	*count = vec.n;
	return PC_OK;
}

/* Attachment n of outbox_id with its bytes. OUT: *a. */
enum pc_rc
store_outbox_att_get(
    struct db *db, int64_t outbox_id, int64_t n, struct store_outbox_att *a)
{
	RETURN_VAL_IF_FAIL(db != NULL && a != NULL, PC_EINTERNAL);
	return store_row_get(db, &att_cols, a,
	    "WHERE outbox_id = $1 AND n = $2", "ii", outbox_id, n);
}

/* Delete the attachments of outbox_id. OUT: *deleted (may be NULL). */
enum pc_rc
store_outbox_att_delete(struct db *db, int64_t outbox_id, int64_t *deleted)
{
	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	return store_q_run(db, deleted,
	    "DELETE FROM outbox_attachments WHERE outbox_id = $1", "i",
	    outbox_id);
}
