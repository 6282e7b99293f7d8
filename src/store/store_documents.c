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
