/*
 * store_misc.c: named counters and small settings.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"

/*
 * Increment the counter name (created at 1 when missing) and return the
 * new value in *out. One statement, atomic in both databases; inside a
 * transaction the row stays locked until it ends.
 */
enum pc_rc
store_counter_next(struct db *db, const char *name, int64_t *out)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && name != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = 0;
	rc = db_prepare(db,
	    "INSERT INTO counters (name, value) VALUES ($1, 1) "
	    "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 "
	    "RETURNING value",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, name);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_EDB;
		goto out;
	}
	*out = db_col_i64(st, 0);
	/* SQLite finishes the statement (and its changes) on the last step. */
	rc = db_step(st, &row);
	if (rc != PC_OK)
		*out = 0;
out:
	db_stmt_free(st);
	return rc;
}

/*
 * The value of setting key. OUT: *out, malloc()ed, free() it.
 * PC_ENOTFOUND when absent.
 */
enum pc_rc
store_setting_get(struct db *db, const char *key, char **out)
{
	struct db_stmt *st = NULL;
	const char *v;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && key != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	rc = db_prepare(db, "SELECT value FROM settings WHERE key = $1", &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, key);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	v = db_col_text(st, 0);
	*out = strdup(v != NULL ? v : "");
	if (*out == NULL)
		rc = PC_ENOMEM;
out:
	db_stmt_free(st);
	return rc;
}

/* Set (insert or replace) setting key to val; both copied. */
enum pc_rc
store_setting_put(struct db *db, const char *key, const char *val)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && key != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(val != NULL, PC_EINTERNAL);
	rc = db_prepare(db,
	    "INSERT INTO settings (key, value) VALUES ($1, $2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, key);
	if (rc == PC_OK)
		rc = db_bind_text(st, 2, val);
	if (rc == PC_OK)
		rc = db_step(st, &row);
out:
	db_stmt_free(st);
	return rc;
}
