/*
 * store.c: the connection pool and the dispatch of db_* to the drivers.
 *
 * The pool holds npool connections opened at store_open. store_acquire
 * waits on a condition variable until one is free; store_release rolls back
 * a transaction left open and wakes a waiter.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"

#define STORE_POOL_MAX 256

struct store {
	const struct store_driver *s_drv;
	pthread_mutex_t s_mtx;
	pthread_cond_t s_cond;
	unsigned s_n;       /* connections */
	struct db *s_conns; /* s_n of them */
	struct db **s_free; /* stack of free connections */
	unsigned s_nfree;
	store_seal_fn s_seal; /* audit rows' sealer, or NULL */
	void *s_seal_arg;
};

void
store_audit_sealer(struct store *s, store_seal_fn fn, void *arg)
{
	pthread_mutex_lock(&s->s_mtx);
	s->s_seal = fn;
	s->s_seal_arg = arg;
	pthread_mutex_unlock(&s->s_mtx);
}

store_seal_fn
store_audit_sealer_of(struct db *db, void **arg)
{
	struct store *s = db->db_store;
	store_seal_fn fn;

	pthread_mutex_lock(&s->s_mtx);
	fn = s->s_seal;
	*arg = s->s_seal_arg;
	pthread_mutex_unlock(&s->s_mtx);
	return fn;
}

static const struct store_driver *
driver_for(const char *url)
{
	if (strncmp(url, "sqlite:", 7) == 0)
		return &store_sqlite_driver;
	if (strncmp(url, "postgresql:", 11) == 0 ||
	    strncmp(url, "postgres:", 9) == 0)
		return &store_pg_driver;
	return NULL;
}

/*
 * Open a pool of npool connections to url ("sqlite:PATH",
 * "postgresql://..."). OUT: *out, free with store_close.
 */
enum pc_rc
store_open(const char *url, unsigned npool, struct store **out)
{
	struct store *s = NULL;
	const struct store_driver *drv;
	enum pc_rc rc;
	unsigned i;
	bool locks = false;

	RETURN_VAL_IF_FAIL(url != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	drv = driver_for(url);
	if (drv == NULL) {
		log_warnx("store: unknown database URL scheme");
		rc = PC_EINVAL;
		goto out;
	}
	if (npool == 0 || npool > STORE_POOL_MAX) {
		log_warnx("store: pool size %u out of range", npool);
		rc = PC_EINVAL;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	s->s_drv = drv;
	s->s_conns = calloc(npool, sizeof(*s->s_conns));
	s->s_free = calloc(npool, sizeof(*s->s_free));
	if (s->s_conns == NULL || s->s_free == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (pthread_mutex_init(&s->s_mtx, NULL) != 0) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (pthread_cond_init(&s->s_cond, NULL) != 0) {
		pthread_mutex_destroy(&s->s_mtx);
		rc = PC_ENOMEM;
		goto out;
	}
	locks = true;
	for (i = 0; i < npool; i++) {
		struct db *db = &s->s_conns[i];

		db->db_store = s;
		db->db_drv = drv;
		rc = drv->connect(url, &db->db_conn);
		if (rc != PC_OK)
			goto out;
		s->s_n++;
		s->s_free[s->s_nfree++] = db;
	}
	log_debug("store", "store: %s pool of %u open", drv->name, npool);
	*out = s;
	s = NULL;
	rc = PC_OK;
out:
	if (s != NULL) {
		for (i = 0; i < s->s_n; i++)
			drv->disconnect(s->s_conns[i].db_conn);
		if (locks) {
			pthread_cond_destroy(&s->s_cond);
			pthread_mutex_destroy(&s->s_mtx);
		}
		free(s->s_free);
		free(s->s_conns);
		free(s);
	}
	return rc;
}

/*
 * Close every connection and free the pool; NULL is a no-op. All
 * connections must have been released.
 */
void
store_close(struct store *s)
{
	unsigned i;

	if (s == NULL)
		return;
	if (s->s_nfree != s->s_n)
		log_warnx("store: closing with %u connection(s) in use",
		    s->s_n - s->s_nfree);
	for (i = 0; i < s->s_n; i++)
		s->s_drv->disconnect(s->s_conns[i].db_conn);
	pthread_cond_destroy(&s->s_cond);
	pthread_mutex_destroy(&s->s_mtx);
	free(s->s_free);
	free(s->s_conns);
	free(s);
}

/* The kind of database of the pool. */
enum store_kind
store_kind(const struct store *s)
{
	return s->s_drv->kind;
}

/* The kind of database behind a connection. */
enum store_kind
db_kind(const struct db *db)
{
	return db->db_drv->kind;
}

/*
 * Wait for a free connection, check it is alive. OUT: *out, give back with
 * store_release.
 */
enum pc_rc
store_acquire(struct store *s, struct db **out)
{
	struct db *db;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(s != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	pthread_mutex_lock(&s->s_mtx);
	while (s->s_nfree == 0)
		pthread_cond_wait(&s->s_cond, &s->s_mtx);
	db = s->s_free[--s->s_nfree];
	db->db_busy = true;
	pthread_mutex_unlock(&s->s_mtx);

	rc = db->db_drv->check(db);
	if (rc != PC_OK) {
		store_release(s, db);
		goto out;
	}
	*out = db;
out:
	return rc;
}

/* Give a connection back; an open transaction is rolled back. */
void
store_release(struct store *s, struct db *db)
{
	if (db == NULL)
		return;
	RETURN_IF_FAIL(s != NULL && db->db_store == s && db->db_busy);
	if (db->db_tx) {
		log_debug("store", "store: release rolls back an open "
		                   "transaction");
		db_rollback(db);
	}
	pthread_mutex_lock(&s->s_mtx);
	db->db_busy = false;
	s->s_free[s->s_nfree++] = db;
	pthread_cond_signal(&s->s_cond);
	pthread_mutex_unlock(&s->s_mtx);
}

/* Apply pending migrations, on one connection of the pool. */
enum pc_rc
store_migrate(struct store *s)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_migrate_db(db);
out:
	store_release(s, db);
	return rc;
}

/* The highest migration applied (0 on an empty database). */
enum pc_rc
store_schema_version(struct store *s, int *version)
{
	struct db *db = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(version != NULL, PC_EINTERNAL);
	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_schema_version_db(db, version);
out:
	store_release(s, db);
	return rc;
}

/* ---- transactions ------------------------------------------------------ */

/* Open a transaction; PC_ESTATE when one is already open (no nesting). */
enum pc_rc
db_begin(struct db *db)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	if (db->db_tx) {
		log_warnx("store: begin inside a transaction");
		return PC_ESTATE;
	}
	rc = db->db_drv->exec(db, db->db_drv->begin);
	if (rc == PC_OK)
		db->db_tx = true;
	return rc;
}

/*
 * Commit the open transaction. On failure it has been rolled back and
 * PC_EDB is returned.
 */
enum pc_rc
db_commit(struct db *db)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	if (!db->db_tx) {
		log_warnx("store: commit without a transaction");
		return PC_ESTATE;
	}
	rc = db->db_drv->commit(db);
	db->db_tx = false;
	return rc;
}

/* Roll back the open transaction, if any. */
void
db_rollback(struct db *db)
{
	if (db == NULL || !db->db_tx)
		return;
	db->db_drv->rollback(db);
	db->db_tx = false;
}

/* Whether a transaction is open on db. */
bool
db_in_tx(const struct db *db)
{
	return db != NULL && db->db_tx;
}

/* Open a transaction unless the caller has one; see store_int.h. */
enum pc_rc
store_tx_begin(struct db *db, bool *owned)
{
	enum pc_rc rc = PC_OK;

	*owned = false;
	if (db->db_tx)
		goto out;
	rc = db_begin(db);
	if (rc == PC_OK)
		*owned = true;
out:
	return rc;
}

/* Commit (rc == PC_OK) or roll back what store_tx_begin opened. */
enum pc_rc
store_tx_end(struct db *db, bool owned, enum pc_rc rc)
{
	if (!owned)
		return rc;
	if (rc == PC_OK)
		return db_commit(db);
	db_rollback(db);
	return rc;
}

/* ---- statements -------------------------------------------------------- */

/*
 * Prepare sql ($1, $2, ... placeholders) on db. OUT: *out, free with
 * db_stmt_free.
 */
enum pc_rc
db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	RETURN_VAL_IF_FAIL(db != NULL && sql != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	return db->db_drv->prepare(db, sql, out);
}

/* Free a statement; NULL is a no-op. */
void
db_stmt_free(struct db_stmt *st)
{
	if (st == NULL)
		return;
	st->st_db->db_drv->stmt_free(st);
}

/* Bind a 64-bit integer to parameter idx (from 1). */
enum pc_rc
db_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
	RETURN_VAL_IF_FAIL(st != NULL && idx >= 1, PC_EINTERNAL);
	return st->st_db->db_drv->bind_i64(st, idx, v);
}

/* Bind a copy of a string (NULL binds SQL NULL). */
enum pc_rc
db_bind_text(struct db_stmt *st, int idx, const char *s)
{
	RETURN_VAL_IF_FAIL(st != NULL && idx >= 1, PC_EINTERNAL);
	if (s == NULL)
		return st->st_db->db_drv->bind_null(st, idx);
	return st->st_db->db_drv->bind_text(st, idx, s);
}

/* Bind a copy of n bytes (any bytes, NUL included); n may be 0. */
enum pc_rc
db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	RETURN_VAL_IF_FAIL(st != NULL && idx >= 1, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(p != NULL || n == 0, PC_EINTERNAL);
	return st->st_db->db_drv->bind_blob(st, idx, p, n);
}

/* Bind SQL NULL. */
enum pc_rc
db_bind_null(struct db_stmt *st, int idx)
{
	RETURN_VAL_IF_FAIL(st != NULL && idx >= 1, PC_EINTERNAL);
	return st->st_db->db_drv->bind_null(st, idx);
}

/*
 * Run the statement (first call) or move to the next row. *row is true
 * when a row is available. PC_EEXIST on a unique-key violation.
 */
enum pc_rc
db_step(struct db_stmt *st, bool *row)
{
	RETURN_VAL_IF_FAIL(st != NULL && row != NULL, PC_EINTERNAL);
	*row = false;
	return st->st_db->db_drv->step(st, row);
}

/* Whether column col of the current row is NULL. */
bool
db_col_is_null(struct db_stmt *st, int col)
{
	RETURN_VAL_IF_FAIL(st != NULL && col >= 0, true);
	return st->st_db->db_drv->col_is_null(st, col);
}

/* Column col as an integer (0 for NULL). */
int64_t
db_col_i64(struct db_stmt *st, int col)
{
	RETURN_VAL_IF_FAIL(st != NULL && col >= 0, 0);
	return st->st_db->db_drv->col_i64(st, col);
}

/* Column col as text (NULL for NULL); owned by the statement. */
const char *
db_col_text(struct db_stmt *st, int col)
{
	RETURN_VAL_IF_FAIL(st != NULL && col >= 0, NULL);
	return st->st_db->db_drv->col_text(st, col);
}

/*
 * Column col as bytes (NULL and *n = 0 for NULL); owned by the statement
 * until the next step.
 */
const uint8_t *
db_col_blob(struct db_stmt *st, int col, size_t *n)
{
	RETURN_VAL_IF_FAIL(st != NULL && col >= 0 && n != NULL, NULL);
	*n = 0;
	return st->st_db->db_drv->col_blob(st, col, n);
}

/*
 * Rows changed by the statement; valid once db_step reported no more rows
 * (SQLite counts a statement when it has run to its end).
 */
int64_t
db_changes(struct db_stmt *st)
{
	RETURN_VAL_IF_FAIL(st != NULL, 0);
	return st->st_db->db_drv->changes(st);
}

/* Run SQL with no parameters and no result (DDL, several statements). */
enum pc_rc
db_exec(struct db *db, const char *sql)
{
	RETURN_VAL_IF_FAIL(db != NULL && sql != NULL, PC_EINTERNAL);
	return db->db_drv->exec(db, sql);
}

/* ---- logging ----------------------------------------------------------- */

/*
 * Log a driver failure with the first words of the SQL: enough to find the
 * statement, never a value (values are bound, not in the text).
 */
/* Each placeholder of sql outside literals and comments, to fn. */
enum pc_rc
store_sql_params(
    const char *sql, enum pc_rc (*fn)(void *arg, const char *at), void *arg)
{
	const char *p;
	char quote = 0;
	bool line_comment = false;
	enum pc_rc rc = PC_OK;

	for (p = sql; *p != '\0' && rc == PC_OK; p++) {
		if (line_comment) {
			if (*p == '\n')
				line_comment = false;
		} else if (quote != 0) {
			if (*p == quote)
				quote = 0; /* '' re-enters: harmless */
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (p[0] == '-' && p[1] == '-') {
			line_comment = true;
		} else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
			rc = fn(arg, p);
		}
	}
	return rc;
}

void
store_log_sql(
    const char *drv, const char *what, const char *sql, const char *msg)
{
	char head[48];
	size_t i = 0, words = 0;
	bool space = true;

	if (sql == NULL)
		sql = "";
	while (*sql != '\0' && isspace((unsigned char)*sql))
		sql++;
	for (; sql[i] != '\0' && i < sizeof(head) - 1; i++) {
		if (isspace((unsigned char)sql[i])) {
			if (!space && ++words == 4)
				break;
			space = true;
			head[i] = ' ';
		} else {
			space = false;
			head[i] = sql[i];
		}
	}
	head[i] = '\0';
	log_warnx("store: %s: %s failed: %s [sql: %s ...]", drv, what,
	    msg != NULL ? msg : "?", head);
}

enum pc_rc
store_write_begin(struct store *s, struct db **db)
{
	enum pc_rc rc;

	*db = NULL;
	rc = store_acquire(s, db);
	if (rc != PC_OK)
		return rc;
	rc = db_begin(*db);
	if (rc != PC_OK) {
		store_release(s, *db);
		*db = NULL;
	}
	return rc;
}

enum pc_rc
store_write_end(struct store *s, struct db *db, enum pc_rc rc)
{
	enum pc_rc crc;

	if (db == NULL)
		return rc;
	if (rc == PC_OK) {
		crc = db_commit(db);
		if (crc != PC_OK)
			rc = crc;
	} else {
		db_rollback(db);
	}
	store_release(s, db);
	return rc;
}
