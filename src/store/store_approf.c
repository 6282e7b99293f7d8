/*
 * store_approf.c: appearance profiles; see store_approf.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pc.h"
#include "store/store_approf.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define T struct store_approf
static const struct store_col ap_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, name, COL_TEXT, 0),
	STORE_COL(T, lines, COL_STR, 0),
	STORE_BLOB(T, image, image_len, 0),
	STORE_COL(T, created_at, COL_I64, 0),
};
static const struct store_cols ap_cols =
    STORE_COLS(T, "appearance_profiles", NULL, NULL, ap_col);
/* The list: the image's length, not its bytes. */
static const struct store_col ap_list_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, name, COL_TEXT, 0),
	STORE_COL(T, lines, COL_STR, 0),
	STORE_COLX(T, image_len, COL_SIZE, COL_RO, "image_len",
	    "COALESCE(length(image), 0)"),
	STORE_COL(T, created_at, COL_I64, 0),
};
static const struct store_cols ap_list_cols =
    STORE_COLS(T, "appearance_profiles", NULL, NULL, ap_list_col);
STORE_ROW_EACH_FN(ap, T)
#undef T

void
store_approf_cleanup(struct store_approf *p)
{
	store_row_cleanup(&ap_cols, p);
}

enum pc_rc
store_approf_insert(struct db *db, const struct store_approf *p, int64_t max)
{
	enum pc_rc rc = PC_OK;

	RETURN_VAL_IF_FAIL(
	    db != NULL && p != NULL && p->id[0] && max > 0, PC_EINTERNAL);
	/*
	 * The count and the insert are one statement (typed casts: the
	 * PostgreSQL driver sends its parameters untyped); on PostgreSQL the
	 * user's row is locked first, as READ COMMITTED would let two
	 * parallel inserts each count the other's row out. SQLite's BEGIN
	 * IMMEDIATE already runs writers one at a time.
	 */
	if (db_kind(db) == STORE_PG)
		rc = store_q_change(db, PC_ENOTFOUND,
		    "SELECT id FROM users WHERE id = $1 FOR UPDATE", "s",
		    p->user_id);
	if (rc == PC_OK)
		rc = store_q_change(db, PC_ELIMIT,
		    "INSERT INTO appearance_profiles"
		    " (id, user_id, name, lines, created_at)"
		    " SELECT CAST($1 AS TEXT), CAST($2 AS TEXT),"
		    " CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS BIGINT)"
		    " WHERE (SELECT COUNT(*) FROM appearance_profiles"
		    " WHERE user_id = CAST($2 AS TEXT)) < CAST($6 AS BIGINT)",
		    "ssssii", p->id, p->user_id, p->name, p->lines,
		    p->created_at, max);
	if (rc == PC_OK && p->image != NULL)
		rc = store_approf_image_set(
		    db, p->user_id, p->id, p->image, p->image_len);
	return rc;
}

enum pc_rc
store_approf_get(
    struct db *db, const char *user_id, const char *id, struct store_approf *p)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && id != NULL && p != NULL,
	    PC_EINTERNAL);
	return store_row_get(db, &ap_cols, p, "WHERE id = $1 AND user_id = $2",
	    "ss", id, user_id);
}

enum pc_rc
store_approf_image_set(struct db *db, const char *user_id, const char *id,
    const uint8_t *image, size_t len)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && id != NULL && image != NULL,
	    PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE appearance_profiles SET image = $3"
	    " WHERE id = $1 AND user_id = $2",
	    "ssb", id, user_id, image, len);
}

enum pc_rc
store_approf_delete(struct db *db, const char *user_id, const char *id)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && id != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "DELETE FROM appearance_profiles WHERE id = $1 AND user_id = $2",
	    "ss", id, user_id);
}

enum pc_rc
store_approf_count(struct db *db, const char *user_id, int64_t *n)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && n != NULL, PC_EINTERNAL);
	return store_q_i64(db, n,
	    "SELECT COUNT(*) FROM appearance_profiles WHERE user_id = $1", "s",
	    user_id);
}

enum pc_rc
store_approf_each(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_approf *p), void *arg)
{
	struct ap_each e = { fn, arg };
	struct store_approf row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &ap_list_cols, &row, ap_each_call, &e,
	    "WHERE user_id = $1 ORDER BY created_at, id", "s", user_id);
}
