/*
 * store_misc.c: named counters and small settings.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_row.h"

/* A setting, as store_setting_get reads it. */
struct setting_row {
	char *value;
};
static const struct store_col setting_col[] = {
	STORE_COL(struct setting_row, value, COL_STR, 0),
};
static const struct store_cols setting_cols =
    STORE_COLS(struct setting_row, "settings", NULL, NULL, setting_col);

/*
 * Increment the counter name (created at 1 when missing) and return the
 * new value in *out. One statement, atomic in both databases; inside a
 * transaction the row stays locked until it ends.
 */
enum pc_rc
store_counter_next(struct db *db, const char *name, int64_t *out)
{
	RETURN_VAL_IF_FAIL(db != NULL && name != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	return store_q_i64_or(db, PC_EDB, out,
	    "INSERT INTO counters (name, value) VALUES ($1, 1) "
	    "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 "
	    "RETURNING value",
	    "s", name);
}

/*
 * The value of setting key. OUT: *out, malloc()ed, free() it.
 * PC_ENOTFOUND when absent.
 */
enum pc_rc
store_setting_get(struct db *db, const char *key, char **out)
{
	struct setting_row r;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && key != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	rc = store_row_get(db, &setting_cols, &r, "WHERE key = $1", "s", key);
	if (rc == PC_OK && r.value == NULL)
		rc = PC_EDB; /* NOT NULL */
	if (rc == PC_OK)
		*out = r.value;
	return rc;
}

/* Set (insert or replace) setting key to val; both copied. */
enum pc_rc
store_setting_put(struct db *db, const char *key, const char *val)
{
	RETURN_VAL_IF_FAIL(db != NULL && key != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(val != NULL, PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "INSERT INTO settings (key, value) VALUES ($1, $2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	    "ss", key, val);
}
