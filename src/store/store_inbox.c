/*
 * store_inbox.c: the operators' inbox; see store_inbox.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pc.h"
#include "store/store_inbox.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define T struct store_inbox_msg
static const struct store_col msg_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, kind, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, COL_NULL0),
	STORE_COL(T, name, COL_STR, 0),
	STORE_COL(T, email, COL_STR, 0),
	STORE_COL(T, topic, COL_STR, 0),
	STORE_COL(T, body, COL_STR, 0),
	STORE_COL(T, lang, COL_TEXT, 0),
	STORE_COL(T, upload_hash, COL_TEXT, COL_NULL0),
	STORE_COL(T, upload_until, COL_I64, 0),
	STORE_COL(T, state, COL_TEXT, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, closed_at, COL_I64, 0),
	STORE_COL(T, closed_by, COL_TEXT, COL_NULL0),
	STORE_COL(T, answer, COL_STR, 0),
	STORE_COLX(T, nfiles, COL_I64, COL_RO, "nfiles",
	    "(SELECT COUNT(*) FROM inbox_files f WHERE f.message_id = m.id)"),
};
static const struct store_cols msg_cols =
    STORE_COLS(T, "inbox_messages", "inbox_messages m", "m", msg_col);
STORE_ROW_EACH_FN(msg, T)
#undef T

#define T struct store_inbox_file
static const struct store_col file_col[] = {
	STORE_COL(T, message_id, COL_TEXT, 0),
	STORE_COL(T, n, COL_I64, 0),
	STORE_COL(T, name, COL_STR, 0),
	STORE_COL(T, ctype, COL_TEXT, 0),
	STORE_COL(T, size, COL_I64, 0),
	STORE_COL(T, sha256, COL_TEXT, 0),
	STORE_COL(T, key_hex, COL_TEXT, 0),
};
static const struct store_cols file_cols =
    STORE_COLS(T, "inbox_files", NULL, NULL, file_col);
STORE_ROW_EACH_FN(file, T)
#undef T

void
store_inbox_msg_cleanup(struct store_inbox_msg *m)
{
	store_row_cleanup(&msg_cols, m);
}

void
store_inbox_file_cleanup(struct store_inbox_file *f)
{
	store_row_cleanup(&file_cols, f);
}

enum pc_rc
store_inbox_insert(struct db *db, const struct store_inbox_msg *m)
{
	RETURN_VAL_IF_FAIL(db != NULL && m != NULL && m->id[0], PC_EINTERNAL);
	return store_row_insert(db, &msg_cols, m, NULL);
}

enum pc_rc
store_inbox_get(struct db *db, const char *id, struct store_inbox_msg *m)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && m != NULL, PC_EINTERNAL);
	return store_row_get(db, &msg_cols, m, "WHERE m.id = $1", "s", id);
}

enum pc_rc
store_inbox_each(struct db *db, const char *state, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_inbox_msg *m), void *arg)
{
	struct msg_each e = { fn, arg };
	struct store_inbox_msg row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &msg_cols, &row, msg_each_call, &e,
	    "WHERE ($1 = '' OR m.state = $1) ORDER BY m.created_at DESC, m.id"
	    " LIMIT $2",
	    "si", state != NULL ? state : "", limit);
}

enum pc_rc
store_inbox_files(struct db *db, const char *id,
    enum pc_rc (*fn)(void *arg, const struct store_inbox_file *f), void *arg)
{
	struct file_each e = { fn, arg };
	struct store_inbox_file row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && id != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &file_cols, &row, file_each_call, &e,
	    "WHERE message_id = $1 ORDER BY n", "s", id);
}

enum pc_rc
store_inbox_file_get(
    struct db *db, const char *id, int64_t n, struct store_inbox_file *f)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && f != NULL, PC_EINTERNAL);
	return store_row_get(
	    db, &file_cols, f, "WHERE message_id = $1 AND n = $2", "si", id, n);
}

enum pc_rc
store_inbox_file_add(struct db *db, const char *upload_hash, int64_t now,
    struct store_inbox_file *f)
{
	int64_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    db != NULL && upload_hash != NULL && f != NULL, PC_EINTERNAL);
	rc = store_q_change(db, PC_ESTATE,
	    "UPDATE inbox_messages SET upload_until = upload_until WHERE id ="
	    " $1 AND upload_hash = $2 AND state = '" INBOX_OPEN "' AND"
	    " upload_until >= $3",
	    "ssi", f->message_id, upload_hash, now);
	if (rc == PC_OK)
		rc = store_q_i64(db, &n,
		    "SELECT COUNT(*) FROM inbox_files WHERE message_id = $1",
		    "s", f->message_id);
	if (rc != PC_OK)
		return rc;
	if (n >= INBOX_FILES_MAX)
		return PC_ELIMIT;
	f->n = n + 1;
	return store_row_insert(db, &file_cols, f, NULL);
}

enum pc_rc
store_inbox_close(struct db *db, const char *id, const char *operator_id,
    const char *answer, int64_t now)
{
	RETURN_VAL_IF_FAIL(db && id && operator_id && answer, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE inbox_messages SET state = '" INBOX_CLOSED "', closed_at ="
	    " $2, closed_by = $3, answer = $4, upload_hash = NULL WHERE id = "
	    "$1 AND state = '" INBOX_OPEN "'",
	    "siss", id, now, operator_id, answer);
}

enum pc_rc
store_inbox_closed_before(struct db *db, int64_t before,
    enum pc_rc (*fn)(void *arg, const char *id), void *arg)
{
	return store_q_each_text(db, fn, arg,
	    "SELECT id FROM inbox_messages WHERE state = '" INBOX_CLOSED
	    "' AND closed_at < $1 ORDER BY id",
	    "i", before);
}

enum pc_rc
store_inbox_delete(struct db *db, const char *id)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	rc = store_q_run(
	    db, NULL, "DELETE FROM inbox_files WHERE message_id = $1", "s", id);
	if (rc == PC_OK)
		rc = store_q_change(db, PC_ENOTFOUND,
		    "DELETE FROM inbox_messages WHERE id = $1", "s", id);
	return rc;
}
