/*
 * store_sqlite.c: the SQLite driver.
 *
 * Each connection: WAL journal, foreign keys on, a busy wait of up to
 * 5 s polled in short steps (sqlite_busy),
 * extended result codes. Transactions are BEGIN IMMEDIATE so a writer
 * takes the write lock up front and never fails half-way with BUSY.
 * The SQL is written with $N placeholders, which SQLite would read as
 * *named* parameters numbered by first appearance; they are rewritten to
 * ?N, which SQLite numbers by N.
 *
 * Each connection keeps its prepared statements (SQ_CACHE_MAX, the least
 * recently used goes): the store's SQL is a few hundred fixed texts, and
 * parsing and planning them again for every call was a fifth of the CPU
 * of a signHash request (perf, bench/csc-signhash.sh). A statement
 * freed by its caller is reset and its bindings cleared, never finalized;
 * the next prepare of the same text takes it. One in use (a walk that
 * runs the same query inside its callback) is not shared: the second
 * caller gets a statement of its own, outside the cache. The one-word
 * statements of transactions (BEGIN IMMEDIATE, COMMIT, SAVEPOINT ...) go
 * through the same cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"

#define SQLITE_BUSY_MS 5000
/* Prepared statements kept per connection. */
#define SQ_CACHE_MAX 128

/*
 * Wait for another connection's write lock. SQLite's own busy timeout
 * sleeps 1, 2, 5 ... 100 ms between tries, so under many short write
 * transactions (a signature's records take a few ms) a waiter often
 * sleeps long after the lock was free. Poll at 0.25 ms for the first
 * 10 ms, then 1 ms up to 70 ms, then 5 ms; give up after SQLITE_BUSY_MS
 * of this wait (the monotonic clock, from the first call of this wait).
 */
static int
sqlite_busy(void *arg, int count)
{
	static _Thread_local struct timespec t0;
	struct timespec ts = { 0, 0 }, now;
	long waited_ms;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		t0 = now;
	waited_ms = (long)(now.tv_sec - t0.tv_sec) * 1000 +
	            (now.tv_nsec - t0.tv_nsec) / 1000000;
	if (waited_ms >= SQLITE_BUSY_MS)
		return 0;
	ts.tv_nsec = waited_ms < 10   ? 250000L
	             : waited_ms < 70 ? 1000000L
	                              : 5000000L;
	nanosleep(&ts, NULL);
	return 1;
}

struct sqlite_stmt {
	struct db_stmt base; /* first */
	sqlite3_stmt *stmt;
	bool done; /* stepped to SQLITE_DONE */
	int64_t changes;
	/* In the connection's cache: its key (the SQL as given, $N) and
	 * whether a caller holds it. */
	char *st_sql;
	uint64_t st_hash;
	uint64_t st_used; /* the cache's clock at its last release */
	bool st_cached, st_busy;
};

/* A connection: the handle and its statements. */
struct sq_conn {
	sqlite3 *h;
	struct sqlite_stmt *cache[SQ_CACHE_MAX];
	size_t ncache;
	uint64_t clock;
};

static enum pc_rc
sq_rc(int code)
{
	switch (code) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return PC_OK;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return PC_EEXIST;
	case SQLITE_NOMEM:
		return PC_ENOMEM;
	case SQLITE_RANGE:
		return PC_EINVAL;
	default:
		return PC_EDB;
	}
}

static struct sq_conn *
sq_c(struct db *db)
{
	return db->db_conn;
}

static sqlite3 *
sq_conn(struct db *db)
{
	return sq_c(db)->h;
}

/* FNV-1a of s: the cache's first comparison. */
static uint64_t
sq_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void
sq_stmt_destroy(struct sqlite_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->stmt);
	free(st->st_sql);
	free(st);
}

static enum pc_rc
sq_connect(const char *url, void **conn)
{
	struct sq_conn *c = NULL;
	sqlite3 *h = NULL;
	const char *path;
	char *err = NULL;
	enum pc_rc rc;
	int r;

	path = url + strlen("sqlite:");
	if (strncmp(path, "//", 2) == 0)
		path += 2; /* sqlite:///abs/path */
	if (*path == '\0') {
		log_warnx("store: sqlite: empty path in URL");
		rc = PC_EINVAL;
		goto out;
	}
	r = sqlite3_open_v2(path, &h,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (r != SQLITE_OK) {
		log_warnx("store: sqlite: open %s: %s", path,
		    h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(r));
		rc = PC_EDB;
		goto out;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_handler(h, sqlite_busy, NULL);
	r = sqlite3_exec(h,
	    "PRAGMA journal_mode=WAL; "
	    "PRAGMA foreign_keys=ON;",
	    NULL, NULL, &err);
	if (r != SQLITE_OK) {
		store_log_sql("sqlite", "setup", "PRAGMA", err);
		sqlite3_free(err);
		rc = PC_EDB;
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	c->h = h;
	*conn = c;
	h = NULL;
	rc = PC_OK;
out:
	sqlite3_close_v2(h);
	return rc;
}

static void
sq_disconnect(void *conn)
{
	struct sq_conn *c = conn;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncache; i++)
		sq_stmt_destroy(c->cache[i]);
	if (sqlite3_close_v2(c->h) != SQLITE_OK)
		log_warnx("store: sqlite: close: %s", sqlite3_errmsg(c->h));
	free(c);
}

static enum pc_rc
sq_check(struct db *db)
{
	return PC_OK;
}

static enum pc_rc sq_prepare(
    struct db *db, const char *sql, struct db_stmt **out);
static enum pc_rc sq_step(struct db_stmt *dst, bool *row);
static void sq_stmt_free(struct db_stmt *st);

static enum pc_rc
sq_exec(struct db *db, const char *sql)
{
	struct db_stmt *st = NULL;
	char *err = NULL;
	enum pc_rc rc = PC_OK;
	bool row = true;
	int r;

	/* One statement without parameters (the transactions' words):
	 * prepared once per connection. */
	if (strchr(sql, ';') == NULL && strchr(sql, '$') == NULL) {
		rc = sq_prepare(db, sql, &st);
		while (rc == PC_OK && row) {
			row = false;
			rc = sq_step(st, &row);
		}
		sq_stmt_free(st);
		return rc;
	}
	r = sqlite3_exec(sq_conn(db), sql, NULL, NULL, &err);
	if (r != SQLITE_OK) {
		store_log_sql("sqlite", "exec", sql,
		    err != NULL ? err : sqlite3_errstr(r));
		rc = sq_rc(sqlite3_extended_errcode(sq_conn(db)));
		if (rc == PC_OK)
			rc = PC_EDB;
	}
	sqlite3_free(err);
	return rc;
}

static void
sq_rollback(struct db *db)
{
	if (sqlite3_get_autocommit(sq_conn(db)))
		return; /* SQLite already rolled back */
	(void)sq_exec(db, "ROLLBACK");
}

static enum pc_rc
sq_commit(struct db *db)
{
	enum pc_rc rc;

	rc = sq_exec(db, "COMMIT");
	if (rc != PC_OK) {
		sq_rollback(db);
		rc = PC_EDB;
	}
	return rc;
}

/* sql and its copy, where placeholders $N become ?N (same offsets). */
struct sq_copy {
	const char *sql;
	char *out;
};

static enum pc_rc
sq_param(void *arg, const char *at)
{
	struct sq_copy *c = arg;

	c->out[at - c->sql] = '?';
	return PC_OK;
}

/* sql with $N rewritten into ?N. OUT: *out, free(). */
static enum pc_rc
sq_rewrite(const char *sql, char **out)
{
	struct sq_copy c = { sql, strdup(sql) };

	if (c.out == NULL)
		return PC_ENOMEM;
	(void)store_sql_params(sql, sq_param, &c);
	*out = c.out;
	return PC_OK;
}

/* The cached statement of sql (its hash), free, taken; or NULL. */
static struct sqlite_stmt *
sq_cache_take(struct sq_conn *c, const char *sql, uint64_t hash)
{
	struct sqlite_stmt *st;
	size_t i;

	for (i = 0; i < c->ncache; i++) {
		st = c->cache[i];
		if (st->st_hash != hash || st->st_busy ||
		    strcmp(st->st_sql, sql) != 0)
			continue;
		st->st_busy = true;
		st->done = false;
		st->changes = 0;
		return st;
	}
	return NULL;
}

/* Keep st (prepared from sql, in use) in c: a free slot, else in place
 * of the least recently used statement nobody holds; else not kept. */
static void
sq_cache_put(
    struct sq_conn *c, struct sqlite_stmt *st, const char *sql, uint64_t hash)
{
	size_t i, k = SQ_CACHE_MAX;

	st->st_sql = strdup(sql);
	if (st->st_sql == NULL)
		return;
	if (c->ncache < SQ_CACHE_MAX) {
		k = c->ncache++;
	} else {
		for (i = 0; i < c->ncache; i++)
			if (!c->cache[i]->st_busy &&
			    (k == SQ_CACHE_MAX ||
			        c->cache[i]->st_used < c->cache[k]->st_used))
				k = i;
		if (k == SQ_CACHE_MAX) {
			free(st->st_sql);
			st->st_sql = NULL;
			return;
		}
		sq_stmt_destroy(c->cache[k]);
	}
	c->cache[k] = st;
	st->st_hash = hash;
	st->st_cached = true;
	st->st_busy = true;
}

static enum pc_rc
sq_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct sqlite_stmt *st = NULL;
	char *q = NULL;
	const char *tail = NULL;
	uint64_t hash = sq_hash(sql);
	enum pc_rc rc;
	int r;

	st = sq_cache_take(sq_c(db), sql, hash);
	if (st != NULL) {
		*out = &st->base;
		return PC_OK;
	}
	rc = sq_rewrite(sql, &q);
	if (rc != PC_OK)
		goto out;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	st->base.st_db = db;
	r = sqlite3_prepare_v3(
	    sq_conn(db), q, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt, &tail);
	if (r != SQLITE_OK || st->stmt == NULL) {
		store_log_sql(
		    "sqlite", "prepare", sql, sqlite3_errmsg(sq_conn(db)));
		rc = r == SQLITE_NOMEM ? PC_ENOMEM : PC_EDB;
		goto out;
	}
	if (tail != NULL && tail[strspn(tail, " \t\r\n;")] != '\0') {
		store_log_sql(
		    "sqlite", "prepare", sql, "more than one statement");
		rc = PC_EINTERNAL;
		goto out;
	}
	sq_cache_put(sq_c(db), st, sql, hash);
	*out = &st->base;
	st = NULL;
	rc = PC_OK;
out:
	sq_stmt_destroy(st);
	free(q);
	return rc;
}

static sqlite3_stmt *
sq_st(struct db_stmt *st)
{
	return ((struct sqlite_stmt *)st)->stmt;
}

/* A cached statement back to its connection's cache (reset, no
 * bindings: no copy of a value stays bound); another one finalized. */
static void
sq_stmt_free(struct db_stmt *dst)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)dst;

	if (st == NULL)
		return;
	if (!st->st_cached) {
		sq_stmt_destroy(st);
		return;
	}
	sqlite3_reset(st->stmt);
	sqlite3_clear_bindings(st->stmt);
	st->st_busy = false;
	st->st_used = ++sq_c(dst->st_db)->clock;
}

static enum pc_rc
sq_bind_check(struct db_stmt *st, int r)
{
	if (r == SQLITE_OK)
		return PC_OK;
	store_log_sql(
	    "sqlite", "bind", sqlite3_sql(sq_st(st)), sqlite3_errstr(r));
	return r == SQLITE_RANGE ? PC_EINTERNAL : sq_rc(r);
}

static enum pc_rc
sq_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
	return sq_bind_check(st, sqlite3_bind_int64(sq_st(st), idx, v));
}

static enum pc_rc
sq_bind_text(struct db_stmt *st, int idx, const char *s)
{
	return sq_bind_check(
	    st, sqlite3_bind_text(sq_st(st), idx, s, -1, SQLITE_TRANSIENT));
}

static enum pc_rc
sq_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	/* A NULL pointer would bind SQL NULL, not an empty blob. */
	if (p == NULL)
		p = "";
	return sq_bind_check(
	    st, sqlite3_bind_blob64(sq_st(st), idx, p, n, SQLITE_TRANSIENT));
}

static enum pc_rc
sq_bind_null(struct db_stmt *st, int idx)
{
	return sq_bind_check(st, sqlite3_bind_null(sq_st(st), idx));
}

static enum pc_rc
sq_step(struct db_stmt *dst, bool *row)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)dst;
	sqlite3 *h = sq_conn(dst->st_db);
	enum pc_rc rc;
	int r;

	if (st->done)
		return PC_OK; /* stepping again would re-run it */
	r = sqlite3_step(st->stmt);
	if (r == SQLITE_ROW) {
		*row = true;
		return PC_OK;
	}
	st->done = true;
	if (r == SQLITE_DONE) {
		st->changes =
		    sqlite3_stmt_readonly(st->stmt) ? 0 : sqlite3_changes64(h);
		return PC_OK;
	}
	rc = sq_rc(sqlite3_extended_errcode(h));
	if (rc == PC_OK)
		rc = PC_EDB;
	if (rc != PC_EEXIST)
		store_log_sql(
		    "sqlite", "step", sqlite3_sql(st->stmt), sqlite3_errmsg(h));
	else
		log_debug("store", "store: sqlite: %s", sqlite3_errmsg(h));
	return rc;
}

static bool
sq_col_is_null(struct db_stmt *st, int col)
{
	return sqlite3_column_type(sq_st(st), col) == SQLITE_NULL;
}

static int64_t
sq_col_i64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(sq_st(st), col);
}

static const char *
sq_col_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(sq_st(st), col);
}

static const uint8_t *
sq_col_blob(struct db_stmt *st, int col, size_t *n)
{
	const void *p;

	if (sqlite3_column_type(sq_st(st), col) == SQLITE_NULL)
		return NULL;
	p = sqlite3_column_blob(sq_st(st), col);
	*n = (size_t)sqlite3_column_bytes(sq_st(st), col);
	if (p == NULL)
		p = ""; /* an empty blob is not NULL */
	return p;
}

static int64_t
sq_changes(struct db_stmt *st)
{
	return ((struct sqlite_stmt *)st)->changes;
}

const struct store_driver store_sqlite_driver =
    STORE_DRIVER(sq, STORE_SQLITE, "sqlite", "BEGIN IMMEDIATE");
