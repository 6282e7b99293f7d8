/*
 * test_store_row.c: the row mapper of src/store (store_row.h) on a table of
 * its own, one column of each type, on SQLite and (PECETE_TEST_PG_URL,
 * set by tests/integration/store_pg.sh) PostgreSQL: round trips, the NULL
 * rule, blobs with every byte value, bounded fixed text, RETURNING, the
 * walk, and the statements of the bind alphabet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "store/store.h"
#include "store/store_row.h"
#include "support/tstore.h"

struct trow {
	char id[9];
	int64_t i;
	int n;
	size_t sz;
	bool flag;
	char fixed[8]; /* up to 7 bytes */
	char *str;
	char *opt; /* "" is written as NULL */
	uint8_t *data;
	size_t data_len;
	int64_t zero;  /* 0 is written as NULL */
	int64_t extra; /* read only: the column's default */
};

#define T struct trow
static const struct store_col trow_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, i, COL_I64, 0),
	STORE_COL(T, n, COL_INT, 0),
	STORE_COL(T, sz, COL_SIZE, 0),
	STORE_COL(T, flag, COL_BOOL, 0),
	STORE_COL(T, fixed, COL_TEXT, 0),
	STORE_COL(T, str, COL_STR, 0),
	STORE_COL(T, opt, COL_STR, COL_NULL0),
	STORE_BLOB(T, data, data_len, 0),
	STORE_COL(T, zero, COL_I64, COL_NULL0),
	STORE_COL(T, extra, COL_I64, COL_RO),
	STORE_COLX(T, i, COL_I64, COL_WO, "i_copy", NULL),
};
static const struct store_cols trow_cols =
    STORE_COLS(T, "row_test", NULL, NULL, trow_col);
#undef T

/* A second view: an alias, an expression and borrowed text. */
struct tview {
	char id[9];
	const char *str;
	size_t len;
	int64_t i_copy;
};

#define T struct tview
static const struct store_col tview_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, str, COL_REF, 0),
	STORE_COLX(T, len, COL_SIZE, 0, "len", "length(t.data)"),
	STORE_COL(T, i_copy, COL_I64, 0),
};
static const struct store_cols tview_cols =
    STORE_COLS(T, "row_test", "row_test t", "t", tview_col);
#undef T

static struct store *s;
static struct db *db;
static uint8_t bytes[300];

static int
group_setup(void **state)
{
	if (ts_store_fresh(ts_cur->url, 1, &s) != 0 ||
	    store_acquire(s, &db) != PC_OK)
		return -1;
	return db_exec(
	           db, store_kind(s) == STORE_PG
	                   ? "CREATE TABLE row_test (id TEXT PRIMARY KEY, "
	                     "i BIGINT, n BIGINT, sz BIGINT, flag BIGINT, "
	                     "fixed TEXT, str TEXT, opt TEXT, data BYTEA, "
	                     "zero BIGINT, extra BIGINT NOT NULL DEFAULT 7, "
	                     "i_copy BIGINT)"
	                   : "CREATE TABLE row_test (id TEXT PRIMARY KEY, "
	                     "i BIGINT, n BIGINT, sz BIGINT, flag BIGINT, "
	                     "fixed TEXT, str TEXT, opt TEXT, data BLOB, "
	                     "zero BIGINT, extra BIGINT NOT NULL DEFAULT 7, "
	                     "i_copy BIGINT)") == PC_OK
	           ? 0
	           : -1;
}

static int
group_teardown(void **state)
{
	store_release(s, db);
	store_close(s);
	db = NULL;
	s = NULL;
	return 0;
}

static int
test_setup(void **state)
{
	return db_exec(db, "DELETE FROM row_test") == PC_OK ? 0 : -1;
}

static void
full_row(struct trow *r, const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 7 + 3); /* every value, NUL too */
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->i = INT64_MIN;
	r->n = -5;
	r->sz = (size_t)1 << 40;
	r->flag = true;
	snprintf(r->fixed, sizeof(r->fixed), "%s", "1234567");
	r->str = (char *)"Ștefan Ăîâț \"quoted\" 'single' $1";
	r->opt = (char *)"x";
	r->data = bytes;
	r->data_len = sizeof(bytes);
	r->zero = 42;
	r->extra = 99; /* not written */
}

static int64_t
count(const char *sql, const char *id)
{
	int64_t n = -1;

	assert_int_equal(store_q_i64(db, &n, sql, "s", id), PC_OK);
	return n;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_roundtrip(void **state)
{
	struct trow w, r;

	full_row(&w, "a");
	assert_int_equal(store_row_insert(db, &trow_cols, &w, NULL), PC_OK);
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "a"),
	    PC_OK);
	assert_string_equal(r.id, "a");
	assert_true(r.i == INT64_MIN);
	assert_int_equal(r.n, -5);
	assert_true(r.sz == (size_t)1 << 40);
	assert_true(r.flag);
	assert_string_equal(r.fixed, "1234567");
	assert_string_equal(r.str, w.str);
	assert_string_equal(r.opt, "x");
	assert_int_equal(r.data_len, sizeof(bytes));
	assert_memory_equal(r.data, bytes, sizeof(bytes));
	assert_int_equal(r.zero, 42);
	assert_int_equal(r.extra, 7); /* the default, not 99 */
	store_row_cleanup(&trow_cols, &r);
	assert_null(r.str);
	assert_null(r.data);
	assert_int_equal(r.i, 0);
	/* The write-only second column got the member's value. */
	assert_int_equal(count("SELECT COUNT(*) FROM row_test WHERE id = $1 "
	                       "AND i_copy = i",
	                     "a"),
	    1);

	/* INT64_MAX and a false bool. */
	full_row(&w, "b");
	w.i = INT64_MAX;
	w.flag = false;
	assert_int_equal(store_row_insert(db, &trow_cols, &w, NULL), PC_OK);
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "b"),
	    PC_OK);
	assert_true(r.i == INT64_MAX);
	assert_false(r.flag);
	store_row_cleanup(&trow_cols, &r);

	/* Not there: PC_ENOTFOUND and a zeroed row. */
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "none"),
	    PC_ENOTFOUND);
	assert_null(r.str);
	assert_int_equal(r.fixed[0], '\0');
	store_row_cleanup(&trow_cols, &r);
	store_row_cleanup(&trow_cols, NULL);
}

static void
test_nulls(void **state)
{
	struct trow w, r;

	memset(&w, 0, sizeof(w));
	snprintf(w.id, sizeof(w.id), "%s", "n");
	w.opt = (char *)""; /* COL_NULL0: written as NULL */
	assert_int_equal(store_row_insert(db, &trow_cols, &w, NULL), PC_OK);
	assert_int_equal(count("SELECT COUNT(*) FROM row_test WHERE id = $1 "
	                       "AND str IS NULL AND opt IS NULL AND "
	                       "data IS NULL AND zero IS NULL",
	                     "n"),
	    1);
	/* Fixed text and integers without the flag are values, not NULL. */
	assert_int_equal(count("SELECT COUNT(*) FROM row_test WHERE id = $1 "
	                       "AND fixed = '' AND i = 0 AND flag = 0",
	                     "n"),
	    1);
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "n"),
	    PC_OK);
	assert_null(r.str);
	assert_null(r.opt);
	assert_null(r.data);
	assert_int_equal(r.data_len, 0);
	assert_int_equal(r.zero, 0);
	store_row_cleanup(&trow_cols, &r);

	/* SQL NULL in every column reads as the empty values. */
	assert_int_equal(store_q_run(db, NULL,
	                     "INSERT INTO row_test (id) VALUES ($1)", "s", "z"),
	    PC_OK);
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "z"),
	    PC_OK);
	assert_int_equal(r.i, 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.sz, 0);
	assert_false(r.flag);
	assert_string_equal(r.fixed, "");
	assert_null(r.str);
	assert_null(r.data);
	store_row_cleanup(&trow_cols, &r);

	/* An empty blob is not NULL. */
	full_row(&w, "e");
	w.data = bytes;
	w.data_len = 0;
	assert_int_equal(store_row_insert(db, &trow_cols, &w, NULL), PC_OK);
	assert_int_equal(count("SELECT COUNT(*) FROM row_test WHERE id = $1 "
	                       "AND data IS NOT NULL AND length(data) = 0",
	                     "e"),
	    1);
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "e"),
	    PC_OK);
	assert_non_null(r.data);
	assert_int_equal(r.data_len, 0);
	store_row_cleanup(&trow_cols, &r);
}

static void
test_bounded_text(void **state)
{
	struct trow r;

	/* 7 bytes fit char[8]; 8 do not: refused, never cut. */
	assert_int_equal(
	    store_q_run(db, NULL,
	        "INSERT INTO row_test (id, fixed, str) "
	        "VALUES ($1, $2, $3), ($4, $5, $6)",
	        "ssssss", "fit", "abcdefg", "s1", "long", "abcdefgh", "s2"),
	    PC_OK);
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "fit"),
	    PC_OK);
	assert_string_equal(r.fixed, "abcdefg");
	store_row_cleanup(&trow_cols, &r);
	assert_int_equal(
	    store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s", "long"),
	    PC_EDB);
	/* Cleaned up on the failure (the string read before is freed). */
	assert_null(r.str);
	assert_string_equal(r.fixed, "");
	/* An id too long for its array is refused the same way. */
	assert_int_equal(
	    store_q_run(db, NULL, "INSERT INTO row_test (id) VALUES ($1)", "s",
	        "123456789"),
	    PC_OK);
	assert_int_equal(store_row_get(db, &trow_cols, &r, "WHERE id = $1", "s",
	                     "123456789"),
	    PC_EDB);
}

static void
test_conflicts(void **state)
{
	struct trow w;

	full_row(&w, "c");
	assert_int_equal(store_row_insert(db, &trow_cols, &w, NULL), PC_OK);
	assert_int_equal(
	    store_row_insert(db, &trow_cols, &w, "ON CONFLICT (id) DO NOTHING"),
	    PC_EEXIST);
	assert_int_equal(store_row_insert(db, &trow_cols, &w, NULL), PC_EEXIST);
	/* An upsert changes the row. */
	w.zero = 5;
	assert_int_equal(
	    store_row_insert(db, &trow_cols, &w,
	        "ON CONFLICT (id) DO UPDATE SET zero = excluded.zero"),
	    PC_OK);
	assert_int_equal(
	    count("SELECT zero FROM row_test WHERE id = $1", "c"), 5);
}

struct seen {
	char ids[8][9];
	size_t lens[8];
	int n;
	int stop_at; /* return PC_ELIMIT at this row (1-based); 0: never */
};

static enum pc_rc
view_fn(void *arg, void *row)
{
	struct seen *sn = arg;
	const struct tview *v = row;

	assert_true(sn->n < 8);
	snprintf(sn->ids[sn->n], sizeof(sn->ids[0]), "%s", v->id);
	sn->lens[sn->n] = v->len;
	/* Borrowed text is valid during the call. */
	assert_non_null(v->str);
	assert_int_equal(strncmp(v->str, "str-", 4), 0);
	assert_int_equal(v->i_copy, 10 + sn->n);
	sn->n++;
	return sn->n == sn->stop_at ? PC_ELIMIT : PC_OK;
}

static void
test_each_alias_expr(void **state)
{
	struct tview v;
	struct seen sn;
	int64_t k;
	char id[9], str[16];

	for (k = 0; k < 3; k++) {
		snprintf(id, sizeof(id), "w%d", (int)k);
		snprintf(str, sizeof(str), "str-%d", (int)k);
		assert_int_equal(
		    store_q_run(db, NULL,
		        "INSERT INTO row_test (id, str, data, "
		        "i_copy) VALUES ($1, $2, $3, $4)",
		        "ssbi", id, str, bytes, (size_t)(k * 10), 10 + k),
		    PC_OK);
	}
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_row_each(db, &tview_cols, &v, view_fn, &sn,
	                     "WHERE t.id LIKE 'w%' ORDER BY t.id", ""),
	    PC_OK);
	assert_int_equal(sn.n, 3);
	assert_string_equal(sn.ids[0], "w0");
	assert_string_equal(sn.ids[2], "w2");
	assert_int_equal(sn.lens[0], 0);
	assert_int_equal(sn.lens[2], 20);
	/* A status from the callback stops the walk and is returned. */
	memset(&sn, 0, sizeof(sn));
	sn.stop_at = 2;
	assert_int_equal(store_row_each(db, &tview_cols, &v, view_fn, &sn,
	                     "WHERE t.id LIKE $1 ORDER BY t.id", "s", "w%"),
	    PC_ELIMIT);
	assert_int_equal(sn.n, 2);
	/* No row: the callback is not called. */
	memset(&sn, 0, sizeof(sn));
	assert_int_equal(store_row_each(db, &tview_cols, &v, view_fn, &sn,
	                     "WHERE t.id = $1", "s", "none"),
	    PC_OK);
	assert_int_equal(sn.n, 0);
}

static void
test_returning(void **state)
{
	struct trow w, r;

	full_row(&w, "r");
	w.i = 41;
	assert_int_equal(store_row_insert(db, &trow_cols, &w, NULL), PC_OK);
	assert_int_equal(
	    store_row_returning(db, &trow_cols, &r,
	        "UPDATE row_test SET i = i + 1 WHERE id = $1", "s", "r"),
	    PC_OK);
	assert_int_equal(r.i, 42);
	assert_memory_equal(r.data, bytes, sizeof(bytes));
	store_row_cleanup(&trow_cols, &r);
	/* The change is made (SQLite finishes the statement). */
	assert_int_equal(
	    count("SELECT i FROM row_test WHERE id = $1", "r"), 42);
	assert_int_equal(
	    store_row_returning(db, &trow_cols, &r,
	        "UPDATE row_test SET i = i + 1 WHERE id = $1", "s", "none"),
	    PC_ESTATE);
	assert_null(r.str);
	/* Inside a transaction that then rolls back. */
	assert_int_equal(db_begin(db), PC_OK);
	assert_int_equal(
	    store_row_returning(db, &trow_cols, &r,
	        "UPDATE row_test SET i = i + 1 WHERE id = $1", "s", "r"),
	    PC_OK);
	assert_int_equal(r.i, 43);
	store_row_cleanup(&trow_cols, &r);
	db_rollback(db);
	assert_int_equal(
	    count("SELECT i FROM row_test WHERE id = $1", "r"), 42);
}

static void
test_statements(void **state)
{
	int64_t n = -1;

	/* 'b' and 's' with NULL bind SQL NULL; 'b' with bytes binds them. */
	assert_int_equal(store_q_run(db, &n,
	                     "INSERT INTO row_test (id, str, data) VALUES "
	                     "($1, $2, $3), ($4, $5, $6)",
	                     "ssbssb", "q1", NULL, NULL, (size_t)0, "q2", "v",
	                     bytes, (size_t)3),
	    PC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count("SELECT COUNT(*) FROM row_test WHERE id = $1 "
	                       "AND str IS NULL AND data IS NULL",
	                     "q1"),
	    1);
	assert_int_equal(count("SELECT length(data) FROM row_test "
	                       "WHERE id = $1",
	                     "q2"),
	    3);
	/* store_q_change: the status for "no row changed". */
	assert_int_equal(
	    store_q_change(db, PC_ESTATE,
	        "UPDATE row_test SET i = 1 WHERE id = $1", "s", "none"),
	    PC_ESTATE);
	assert_int_equal(
	    store_q_change(db, PC_ESTATE,
	        "UPDATE row_test SET i = 1 WHERE id LIKE $1", "s", "q%"),
	    PC_OK);
	assert_int_equal(store_q_run(db, &n,
	                     "UPDATE row_test SET i = i + $1 WHERE id LIKE $2",
	                     "is", (int64_t)-3, "q%"),
	    PC_OK);
	assert_int_equal(n, 2);
	/* store_q_i64: the value, PC_ENOTFOUND (and 0) without a row. */
	assert_int_equal(store_q_i64(db, &n,
	                     "SELECT i FROM row_test WHERE id = $1", "s", "q1"),
	    PC_OK);
	assert_int_equal(n, -2);
	assert_int_equal(
	    store_q_i64(
	        db, &n, "SELECT i FROM row_test WHERE id = $1", "s", "none"),
	    PC_ENOTFOUND);
	assert_int_equal(n, 0);
	/* RETURNING through store_q_i64 completes the change. */
	assert_int_equal(store_q_i64(db, &n,
	                     "UPDATE row_test SET i = 100 WHERE id = $1 "
	                     "RETURNING i",
	                     "s", "q2"),
	    PC_OK);
	assert_int_equal(n, 100);
	assert_int_equal(
	    count("SELECT i FROM row_test WHERE id = $1", "q2"), 100);
	/* A bad statement is a database error, not a crash. */
	assert_int_equal(
	    store_q_run(db, NULL, "UPDATE nowhere SET x = 1", ""), PC_EDB);
}

/* The value of "SELECT i + add ... WHERE id = $1" for id (a fresh
 * statement text per add); -1 without a row. */
static int64_t
plus(const char *sql, const char *id, bool bind)
{
	struct db_stmt *st = NULL;
	int64_t v = -1;
	bool row = false;

	assert_int_equal(db_prepare(db, sql, &st), PC_OK);
	if (bind)
		assert_int_equal(db_bind_text(st, 1, id), PC_OK);
	assert_int_equal(db_step(st, &row), PC_OK);
	if (row)
		v = db_col_i64(st, 0);
	db_stmt_free(st);
	return v;
}

/*
 * Prepared statements are kept per connection (store_sqlite.c, and
 * store_pg.c's PQprepare): the same text twice at once gets two
 * statements, a statement taken again has no binding of its last use,
 * more texts than the cache holds all still answer, and transactions
 * (their BEGIN/COMMIT/ROLLBACK reused) commit and roll back.
 */
static void
test_statement_reuse(void **state)
{
	const char *sql = "SELECT i FROM row_test WHERE id = $1";
	struct db_stmt *a = NULL, *b = NULL;
	char q[128];
	bool row = false;
	int k;

	assert_int_equal(store_q_run(db, NULL,
	                     "INSERT INTO row_test (id, i) VALUES "
	                     "($1, 1), ($2, 2)",
	                     "ss", "a", "b"),
	    PC_OK);
	/* Nested: the second of the same text is another statement. */
	assert_int_equal(db_prepare(db, sql, &a), PC_OK);
	assert_int_equal(db_bind_text(a, 1, "a"), PC_OK);
	assert_int_equal(db_step(a, &row), PC_OK);
	assert_true(row);
	assert_int_equal(db_prepare(db, sql, &b), PC_OK);
	assert_ptr_not_equal(a, b);
	assert_int_equal(db_bind_text(b, 1, "b"), PC_OK);
	assert_int_equal(db_step(b, &row), PC_OK);
	assert_true(row);
	assert_int_equal(db_col_i64(b, 0), 2);
	assert_int_equal(db_col_i64(a, 0), 1);
	db_stmt_free(b);
	db_stmt_free(a);
	/* Taken again: runs again, its old binding gone (NULL: no row). */
	assert_int_equal(plus(sql, "b", true), 2);
	assert_int_equal(plus(sql, "a", true), 1);
	assert_int_equal(plus(sql, NULL, false), -1);
	/* More texts than the cache keeps (128), twice over. */
	for (k = 0; k < 300; k++) {
		snprintf(q, sizeof(q),
		    "SELECT i + %d FROM row_test WHERE id = $1", k);
		assert_int_equal(plus(q, "b", true), 2 + k);
	}
	for (k = 299; k >= 0; k -= 7) {
		snprintf(q, sizeof(q),
		    "SELECT i + %d FROM row_test WHERE id = $1", k);
		assert_int_equal(plus(q, "a", true), 1 + k);
	}
	/* Transactions, their statements reused. */
	for (k = 0; k < 3; k++) {
		assert_int_equal(db_begin(db), PC_OK);
		assert_int_equal(store_q_run(db, NULL,
		                     "UPDATE row_test SET i = i + 10 "
		                     "WHERE id = $1",
		                     "s", "a"),
		    PC_OK);
		if (k == 1)
			db_rollback(db);
		else
			assert_int_equal(db_commit(db), PC_OK);
	}
	assert_int_equal(plus(sql, "a", true), 21);
}

static const struct CMUnitTest suite[] = {
	cmocka_unit_test_setup(test_roundtrip, test_setup),
	cmocka_unit_test_setup(test_nulls, test_setup),
	cmocka_unit_test_setup(test_bounded_text, test_setup),
	cmocka_unit_test_setup(test_conflicts, test_setup),
	cmocka_unit_test_setup(test_each_alias_expr, test_setup),
	cmocka_unit_test_setup(test_returning, test_setup),
	cmocka_unit_test_setup(test_statements, test_setup),
	cmocka_unit_test_setup(test_statement_reuse, test_setup),
};

int
main(void)
{
	return ts_store_main("test_store_row", suite, PC_ARRAY_LEN(suite),
	    group_setup, group_teardown);
}
