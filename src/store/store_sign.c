/*
 * store_sign.c: signing batches of the browser and their items (see
 * store_sign.h).
 */
#include <string.h>

#include "store/store_int.h"
#include "store/store_row.h"
#include "store/store_sign.h"

#define T struct store_sign_batch
static const struct store_col batch_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, state, COL_TEXT, 0),
	STORE_COL(T, credential, COL_TEXT, 0),
	STORE_COL(T, level, COL_TEXT, 0),
	STORE_COL(T, signatures, COL_I64, 0),
	STORE_COL(T, timestamps, COL_I64, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, signed_at, COL_I64, 0),
	STORE_COL(T, updated_at, COL_I64, 0),
	STORE_COL(T, interrupted_at, COL_I64, 0),
};
static const struct store_cols batch_cols =
    STORE_COLS(T, "sign_batches", NULL, NULL, batch_col);
STORE_ROW_EACH_FN(sign_batch, T)
#undef T

#define T struct store_sign_item
static const struct store_col item_col[] = {
	STORE_COL(T, batch_id, COL_TEXT, 0),
	STORE_COL(T, idx, COL_I64, 0),
	STORE_COL(T, name, COL_STR, 0),
	STORE_COL(T, size, COL_I64, 0),
	STORE_COL(T, in_sha256, COL_TEXT, 0),
	STORE_COL(T, in_doc, COL_TEXT, COL_NULL0),
	STORE_COL(T, tbs_hash, COL_TEXT, COL_NULL0),
	STORE_COL(T, format, COL_TEXT, 0),
	STORE_COL(T, placement, COL_STR, 0),
	STORE_COL(T, intake, COL_TEXT, COL_NULL0),
	STORE_COL(T, state, COL_TEXT, 0),
	STORE_COL(T, out_name, COL_STR, 0),
	STORE_COL(T, out_doc, COL_TEXT, COL_NULL0),
	STORE_COL(T, out_sha256, COL_TEXT, COL_NULL0),
	STORE_COL(T, level, COL_TEXT, COL_NULL0),
};
static const struct store_cols item_cols =
    STORE_COLS(T, "sign_items", NULL, NULL, item_col);
STORE_ROW_EACH_FN(sign_item, T)
#undef T

void
store_sign_item_cleanup(struct store_sign_item *it)
{
	store_row_cleanup(&item_cols, it);
}

enum pc_rc
store_sign_batch_insert(struct db *db, const struct store_sign_batch *b)
{
	RETURN_VAL_IF_FAIL(db != NULL && b != NULL, PC_EINTERNAL);
	return store_row_insert(
	    db, &batch_cols, b, "ON CONFLICT (id) DO NOTHING");
}

enum pc_rc
store_sign_batch_get(struct db *db, const char *user_id, const char *id,
    struct store_sign_batch *b)
{
	RETURN_VAL_IF_FAIL(db && user_id && id && b, PC_EINTERNAL);
	return store_row_get(db, &batch_cols, b,
	    "WHERE id = $1 AND user_id = $2", "ss", id, user_id);
}

enum pc_rc
store_sign_batch_move(
    struct db *db, const struct store_sign_batch *b, const char *from)
{
	RETURN_VAL_IF_FAIL(db && b && from, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE sign_batches SET state = $3, signatures = $4,"
	    " timestamps = $5, signed_at = $6, updated_at = $7,"
	    " interrupted_at = $8 WHERE id = $1 AND state = $2",
	    "sssiiiii", b->id, from, b->state, b->signatures, b->timestamps,
	    b->signed_at, b->updated_at, b->interrupted_at);
}

enum pc_rc
store_sign_batch_each(struct db *db, const char *user_id, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_sign_batch *b), void *arg)
{
	struct sign_batch_each e = { fn, arg };
	struct store_sign_batch row;

	RETURN_VAL_IF_FAIL(db && user_id && fn, PC_EINTERNAL);
	return store_row_each(db, &batch_cols, &row, sign_batch_each_call, &e,
	    "WHERE user_id = $1 AND state = 'done'"
	    " ORDER BY signed_at DESC LIMIT $2",
	    "si", user_id, limit);
}

enum pc_rc
store_sign_item_insert(struct db *db, const struct store_sign_item *it)
{
	RETURN_VAL_IF_FAIL(db != NULL && it != NULL, PC_EINTERNAL);
	return store_row_insert(db, &item_cols, it, NULL);
}

enum pc_rc
store_sign_item_update(struct db *db, const struct store_sign_item *it)
{
	RETURN_VAL_IF_FAIL(db != NULL && it != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE sign_items SET in_doc = $3, format = $4, placement = $5,"
	    " intake = $6, state = $7, out_name = $8, out_doc = $9,"
	    " out_sha256 = $10, level = $11 WHERE batch_id = $1 AND idx = $2",
	    "sisssssssss", it->batch_id, it->idx,
	    it->in_doc[0] ? it->in_doc : NULL, it->format, it->placement,
	    it->intake[0] ? it->intake : NULL, it->state, it->out_name,
	    it->out_doc[0] ? it->out_doc : NULL,
	    it->out_sha256[0] ? it->out_sha256 : NULL,
	    it->level[0] ? it->level : NULL);
}

enum pc_rc
store_sign_item_delete(struct db *db, const char *batch_id, int64_t idx)
{
	RETURN_VAL_IF_FAIL(db != NULL && batch_id != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "DELETE FROM sign_items WHERE batch_id = $1 AND idx = $2", "si",
	    batch_id, idx);
}

enum pc_rc
store_sign_item_each(struct db *db, const char *batch_id,
    enum pc_rc (*fn)(void *arg, const struct store_sign_item *it), void *arg)
{
	struct sign_item_each e = { fn, arg };
	struct store_sign_item row;

	RETURN_VAL_IF_FAIL(db && batch_id && fn, PC_EINTERNAL);
	return store_row_each(db, &item_cols, &row, sign_item_each_call, &e,
	    "WHERE batch_id = $1 ORDER BY idx", "s", batch_id);
}

enum pc_rc
store_sign_item_next(struct db *db, const char *batch_id, int64_t *idx)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db && batch_id && idx, PC_EINTERNAL);
	rc = store_q_i64(db, idx,
	    "SELECT COALESCE(MAX(idx) + 1, 0) FROM sign_items"
	    " WHERE batch_id = $1",
	    "s", batch_id);
	return rc;
}

enum pc_rc
store_sign_item_count(struct db *db, const char *batch_id, int64_t *n)
{
	RETURN_VAL_IF_FAIL(db && batch_id && n, PC_EINTERNAL);
	return store_q_i64(db, n,
	    "SELECT count(*) FROM sign_items WHERE batch_id = $1", "s",
	    batch_id);
}

enum pc_rc
store_sign_batch_stuck(struct db *db, int64_t before, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_sign_batch *b), void *arg)
{
	struct sign_batch_each e = { fn, arg };
	struct store_sign_batch row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &batch_cols, &row, sign_batch_each_call, &e,
	    "WHERE state = 'signing' AND updated_at < $1"
	    " ORDER BY updated_at LIMIT $2",
	    "ii", before, limit);
}

enum pc_rc
store_sign_item_tbs(
    struct db *db, const char *batch_id, int64_t idx, const char *hex)
{
	RETURN_VAL_IF_FAIL(db && batch_id && hex, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE sign_items SET tbs_hash = $3"
	    " WHERE batch_id = $1 AND idx = $2",
	    "sis", batch_id, idx, hex);
}

enum pc_rc
store_sign_item_mark(struct db *db, const char *batch_id, int64_t idx,
    const char *from, const char *to)
{
	RETURN_VAL_IF_FAIL(db && batch_id && from && to, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE sign_items SET state = $4 WHERE batch_id = $1 AND idx = $2"
	    " AND state = $3",
	    "siss", batch_id, idx, from, to);
}
