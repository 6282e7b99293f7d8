/*
 * store_documents.c: documents of an account (see store_documents.h).
 */
#include <string.h>

#include "store/store_documents.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define T struct store_document
static const struct store_col doc_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, kind, COL_TEXT, 0),
	STORE_COL(T, batch_id, COL_TEXT, COL_NULL0),
	STORE_COL(T, name, COL_STR, 0),
	STORE_COL(T, ctype, COL_TEXT, 0),
	STORE_COL(T, key_hex, COL_TEXT, 0),
	STORE_COL(T, size, COL_I64, 0),
	STORE_COL(T, sha256, COL_TEXT, 0),
	STORE_COL(T, credential, COL_TEXT, COL_NULL0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, delete_after, COL_I64, 0),
};
static const struct store_cols doc_cols =
    STORE_COLS(T, "documents", NULL, NULL, doc_col);
STORE_ROW_EACH_FN(document, T)
#undef T

void
store_document_cleanup(struct store_document *d)
{
	store_row_cleanup(&doc_cols, d);
}

enum pc_rc
store_document_insert(struct db *db, const struct store_document *d)
{
	RETURN_VAL_IF_FAIL(db != NULL && d != NULL && d->id[0], PC_EINTERNAL);
	return store_row_insert(
	    db, &doc_cols, d, "ON CONFLICT (id) DO NOTHING");
}

enum pc_rc
store_document_latest(struct db *db, const char *user_id, const char *kind,
    struct store_document *d)
{
	RETURN_VAL_IF_FAIL(db && user_id && kind && d, PC_EINTERNAL);
	return store_row_get(db, &doc_cols, d,
	    "WHERE user_id = $1 AND kind = $2 ORDER BY created_at DESC LIMIT 1",
	    "ss", user_id, kind);
}

enum pc_rc
store_document_of_batch(struct db *db, const char *user_id,
    const char *batch_id, const char *kind, struct store_document *d)
{
	RETURN_VAL_IF_FAIL(
	    db && user_id && batch_id && kind && d, PC_EINTERNAL);
	return store_row_get(db, &doc_cols, d,
	    "WHERE user_id = $1 AND batch_id = $2 AND kind = $3"
	    " ORDER BY created_at DESC LIMIT 1",
	    "sss", user_id, batch_id, kind);
}

enum pc_rc
store_document_get(struct db *db, const char *user_id, const char *id,
    struct store_document *d)
{
	RETURN_VAL_IF_FAIL(db && user_id && id && d, PC_EINTERNAL);
	return store_row_get(db, &doc_cols, d, "WHERE id = $1 AND user_id = $2",
	    "ss", id, user_id);
}

enum pc_rc
store_document_delete(struct db *db, const char *id)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	rc = store_q_run(db, NULL,
	    "UPDATE sign_items SET in_doc = NULL WHERE in_doc = $1", "s", id);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "UPDATE sign_items SET out_doc = NULL WHERE out_doc = $1",
		    "s", id);
	if (rc == PC_OK)
		rc = store_q_change(db, PC_ENOTFOUND,
		    "DELETE FROM documents WHERE id = $1", "s", id);
	return rc;
}

enum pc_rc
store_document_expired(struct db *db, int64_t now, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_document *d), void *arg)
{
	struct document_each e = { fn, arg };
	struct store_document row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &doc_cols, &row, document_each_call, &e,
	    "WHERE delete_after > 0 AND delete_after < $1"
	    " ORDER BY delete_after LIMIT $2",
	    "ii", now, limit);
}
