/*
 * store_pg.c: the PostgreSQL driver (libpq).
 *
 * Statements are prepared once per connection and kept in a small cache
 * keyed by their SQL text (prepared statements live as long as the
 * session, whatever happens to transactions). When the cache is full a
 * statement runs unnamed with PQexecParams at its first step.
 *
 * Parameters: integers and strings go in text format, blobs in binary
 * format (bytes as they are). Results come in text format: integers are
 * parsed from text, bytea is decoded from its hex text form with
 * PQunescapeBytea and kept until the next step.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/pq_lazy.h"
#include "store/store.h"
#include "store/store_int.h"

#define PG_CACHE_MAX 128
#define PG_PARAMS_MAX 64
#define PG_SQLSTATE_UNIQUE "23505"

struct pg_cached {
	char *sql;
	char name[24];
};

struct pg_conn {
	PGconn *conn;
	struct pg_cached cache[PG_CACHE_MAX];
	unsigned ncache;
	uint64_t next_name;
};

struct pg_stmt {
	struct db_stmt base; /* first */
	const char *sql;     /* the cache's copy, or owned (unnamed) */
	char *owned_sql;
	const char *name; /* NULL: unnamed, PQexecParams */
	int nparams;
	char **values; /* owned copies, NULL for SQL NULL */
	int *lengths;
	int *formats;
	PGresult *res;
	bool ran;
	int row; /* current row, -1 before the first */
	int ncols;
	uint8_t **blobs; /* decoded bytea of the current row */
	size_t *bloblens;
};

static struct pg_conn *
pg_c(struct db *db)
{
	return db->db_conn;
}

static void
pg_notice(void *arg, const char *msg)
{
	log_debug("store", "store: pg: %s", msg);
}

static void
pg_cache_clear(struct pg_conn *pc)
{
	unsigned i;

	for (i = 0; i < pc->ncache; i++)
		free(pc->cache[i].sql);
	pc->ncache = 0;
}

static enum pc_rc
pg_connect(const char *url, void **conn)
{
	struct pg_conn *pc;
	enum pc_rc rc;

	rc = pq_lazy_load();
	if (rc != PC_OK)
		return rc;
	pc = calloc(1, sizeof(*pc));
	if (pc == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	pc->conn = PQconnectdb(url);
	if (pc->conn == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (PQstatus(pc->conn) != CONNECTION_OK) {
		log_warnx("store: pg: connect: %s", PQerrorMessage(pc->conn));
		rc = PC_EDB;
		goto out;
	}
	PQsetNoticeProcessor(pc->conn, pg_notice, NULL);
	*conn = pc;
	pc = NULL;
	rc = PC_OK;
out:
	if (pc != NULL) {
		PQfinish(pc->conn);
		free(pc);
	}
	return rc;
}

static void
pg_disconnect(void *conn)
{
	struct pg_conn *pc = conn;

	if (pc == NULL)
		return;
	pg_cache_clear(pc);
	PQfinish(pc->conn);
	free(pc);
}

static enum pc_rc
pg_check(struct db *db)
{
	struct pg_conn *pc = pg_c(db);

	/* A server that restarted closed the sockets of idle connections:
	 * reading what is pending (non-blocking) finds that out here, so
	 * the connection is made again instead of the caller's statement
	 * failing on it. The first read may take the server's FATAL
	 * message, the second then sees the end of the stream. */
	if (PQstatus(pc->conn) == CONNECTION_OK &&
	    PQconsumeInput(pc->conn) == 1 && PQconsumeInput(pc->conn) == 1 &&
	    PQstatus(pc->conn) == CONNECTION_OK)
		return PC_OK;
	log_warnx("store: pg: connection lost, reconnecting");
	pg_cache_clear(pc); /* prepared statements died with it */
	PQreset(pc->conn);
	if (PQstatus(pc->conn) != CONNECTION_OK) {
		log_warnx("store: pg: reconnect: %s", PQerrorMessage(pc->conn));
		return PC_EUNAVAIL; /* the server is away: try again later */
	}
	return PC_OK;
}

/*
 * The message of a failed result. Data exceptions (class 22) quote the
 * offending value, so only their SQLSTATE is given.
 */
static const char *
pg_errmsg(const PGresult *res, PGconn *conn, char *tmp, size_t n)
{
	const char *state, *prim;

	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	prim = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
	                   : NULL;
	if (state == NULL) {
		snprintf(tmp, n, "%s", PQerrorMessage(conn));
		tmp[strcspn(tmp, "\n")] = '\0';
	} else if (strncmp(state, "22", 2) == 0 || prim == NULL)
		snprintf(tmp, n, "SQLSTATE %s", state);
	else
		snprintf(tmp, n, "SQLSTATE %s: %s", state, prim);
	return tmp;
}

static enum pc_rc
pg_res_rc(const PGresult *res, PGconn *conn)
{
	const char *state;

	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL && strcmp(state, PG_SQLSTATE_UNIQUE) == 0)
		return PC_EEXIST;
	/* A connection exception (class 08) or the server shutting down or
	 * starting (57P01..57P03): unavailable for now, not a fault. */
	if (state != NULL &&
	    (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0))
		return PC_EUNAVAIL;
	/* No answer at all: the connection was lost on the way. */
	if (state == NULL && PQstatus(conn) != CONNECTION_OK)
		return PC_EUNAVAIL;
	return PC_EDB;
}

static enum pc_rc
pg_exec(struct db *db, const char *sql)
{
	PGconn *conn = pg_c(db)->conn;
	PGresult *res, *last = NULL;
	enum pc_rc rc = PC_OK;
	char msg[256];

	/* Several statements: read every result, keep the first error. */
	if (PQsendQuery(conn, sql) == 0) {
		store_log_sql(
		    "pg", "exec", sql, pg_errmsg(NULL, conn, msg, sizeof(msg)));
		return PQstatus(conn) == CONNECTION_OK ? PC_EDB : PC_EUNAVAIL;
	}
	while ((res = PQgetResult(conn)) != NULL) {
		ExecStatusType t = PQresultStatus(res);

		if (rc == PC_OK && t != PGRES_COMMAND_OK &&
		    t != PGRES_TUPLES_OK && t != PGRES_EMPTY_QUERY) {
			store_log_sql("pg", "exec", sql,
			    pg_errmsg(res, conn, msg, sizeof(msg)));
			rc = pg_res_rc(res, conn);
		}
		PQclear(last);
		last = res;
	}
	PQclear(last);
	return rc;
}

static void
pg_rollback(struct db *db)
{
	PGconn *conn = pg_c(db)->conn;

	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		return;
	(void)pg_exec(db, "ROLLBACK");
}

static enum pc_rc
pg_commit(struct db *db)
{
	PGconn *conn = pg_c(db)->conn;
	PGresult *res = NULL;
	enum pc_rc rc;
	char msg[256];

	if (PQtransactionStatus(conn) == PQTRANS_INERROR) {
		/* COMMIT would answer "ROLLBACK" without an error. */
		log_warnx("store: pg: commit of a failed transaction");
		pg_rollback(db);
		rc = PC_EDB;
		goto out;
	}
	res = PQexec(conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		store_log_sql("pg", "exec", "COMMIT",
		    pg_errmsg(res, conn, msg, sizeof(msg)));
		pg_rollback(db);
		rc = PC_EDB;
		goto out;
	}
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		log_warnx("store: pg: commit answered %s", PQcmdStatus(res));
		rc = PC_EDB;
		goto out;
	}
	rc = PC_OK;
out:
	PQclear(res);
	return rc;
}

/* The highest $N so far in *arg (an int); PC_ELIMIT past PG_PARAMS_MAX. */
static enum pc_rc
pg_param_max(void *arg, const char *at)
{
	int *max = arg, v = 0;

	for (at++; *at >= '0' && *at <= '9'; at++) {
		v = v * 10 + (*at - '0');
		if (v > PG_PARAMS_MAX)
			return PC_ELIMIT;
	}
	if (v > *max)
		*max = v;
	return PC_OK;
}

static const struct pg_cached *
pg_cache_find(struct pg_conn *pc, const char *sql)
{
	unsigned i;

	for (i = 0; i < pc->ncache; i++)
		if (strcmp(pc->cache[i].sql, sql) == 0)
			return &pc->cache[i];
	return NULL;
}

static enum pc_rc
pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct pg_conn *pc = pg_c(db);
	const struct pg_cached *c;
	struct pg_stmt *st = NULL;
	struct pg_cached *nc;
	PGresult *res = NULL;
	enum pc_rc rc;
	char msg[256];
	int np;

	np = 0;
	if (store_sql_params(sql, pg_param_max, &np) != PC_OK) {
		store_log_sql("pg", "prepare", sql, "too many parameters");
		rc = PC_EINTERNAL;
		goto out;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	st->base.st_db = db;
	st->row = -1;
	st->nparams = np;
	if (np > 0) {
		st->values = calloc((size_t)np, sizeof(*st->values));
		st->lengths = calloc((size_t)np, sizeof(*st->lengths));
		st->formats = calloc((size_t)np, sizeof(*st->formats));
		if (st->values == NULL || st->lengths == NULL ||
		    st->formats == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
	}
	c = pg_cache_find(pc, sql);
	if (c != NULL) {
		st->sql = c->sql;
		st->name = c->name;
	} else if (pc->ncache == PG_CACHE_MAX) {
		st->owned_sql = strdup(sql);
		if (st->owned_sql == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
		st->sql = st->owned_sql;
		st->name = NULL;
	} else {
		nc = &pc->cache[pc->ncache];
		snprintf(
		    nc->name, sizeof(nc->name), "pc_%" PRIu64, pc->next_name++);
		res = PQprepare(pc->conn, nc->name, sql, 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			store_log_sql("pg", "prepare", sql,
			    pg_errmsg(res, pc->conn, msg, sizeof(msg)));
			rc = pg_res_rc(res, pc->conn);
			goto out;
		}
		nc->sql = strdup(sql);
		if (nc->sql == NULL) {
			rc = PC_ENOMEM; /* the server keeps an orphan */
			goto out;
		}
		pc->ncache++;
		st->sql = nc->sql;
		st->name = nc->name;
	}
	*out = &st->base;
	st = NULL;
	rc = PC_OK;
out:
	PQclear(res);
	if (st != NULL)
		db_stmt_free(&st->base);
	return rc;
}

static void
pg_blobs_clear(struct pg_stmt *st)
{
	int i;

	if (st->blobs == NULL)
		return;
	for (i = 0; i < st->ncols; i++) {
		PQfreemem(st->blobs[i]);
		st->blobs[i] = NULL;
	}
}

static void
pg_stmt_free(struct db_stmt *dst)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;
	int i;

	pg_blobs_clear(st);
	free(st->blobs);
	free(st->bloblens);
	PQclear(st->res);
	for (i = 0; st->values != NULL && i < st->nparams; i++)
		free(st->values[i]);
	free(st->values);
	free(st->lengths);
	free(st->formats);
	free(st->owned_sql);
	free(st);
}

static enum pc_rc
pg_bind(struct db_stmt *dst, int idx, const void *p, size_t n, int format)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;
	char *v = NULL;

	if (idx > st->nparams || st->ran) {
		store_log_sql("pg", "bind", st->sql,
		    st->ran ? "statement already ran" : "no such parameter");
		return PC_EINTERNAL;
	}
	if (n > INT32_MAX)
		return PC_ELIMIT;
	if (p != NULL) {
		v = malloc(n + 1);
		if (v == NULL)
			return PC_ENOMEM;
		memcpy(v, p, n);
		v[n] = '\0';
	}
	free(st->values[idx - 1]);
	st->values[idx - 1] = v;
	st->lengths[idx - 1] = (int)n;
	st->formats[idx - 1] = format;
	return PC_OK;
}

static enum pc_rc
pg_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
	char tmp[32];
	int n;

	n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	return pg_bind(st, idx, tmp, (size_t)n, 0);
}

static enum pc_rc
pg_bind_text(struct db_stmt *st, int idx, const char *s)
{
	return pg_bind(st, idx, s, strlen(s), 0);
}

static enum pc_rc
pg_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n)
{
	return pg_bind(st, idx, p != NULL ? p : "", n, 1);
}

static enum pc_rc
pg_bind_null(struct db_stmt *st, int idx)
{
	return pg_bind(st, idx, NULL, 0, 0);
}

static enum pc_rc
pg_run(struct pg_stmt *st)
{
	PGconn *conn = pg_c(st->base.st_db)->conn;
	const char *const *values = (const char *const *)st->values;
	ExecStatusType t;
	enum pc_rc rc;
	char msg[256];

	st->ran = true;
	if (st->name != NULL)
		st->res = PQexecPrepared(conn, st->name, st->nparams, values,
		    st->lengths, st->formats, 0);
	else
		st->res = PQexecParams(conn, st->sql, st->nparams, NULL, values,
		    st->lengths, st->formats, 0);
	t = PQresultStatus(st->res);
	if (t == PGRES_TUPLES_OK) {
		st->ncols = PQnfields(st->res);
		if (st->ncols > 0) {
			st->blobs =
			    calloc((size_t)st->ncols, sizeof(*st->blobs));
			st->bloblens =
			    calloc((size_t)st->ncols, sizeof(*st->bloblens));
			if (st->blobs == NULL || st->bloblens == NULL)
				return PC_ENOMEM;
		}
		return PC_OK;
	}
	if (t == PGRES_COMMAND_OK)
		return PC_OK;
	rc = pg_res_rc(st->res, conn);
	if (rc == PC_EEXIST)
		log_debug("store", "store: pg: unique violation");
	else
		store_log_sql("pg", "step", st->sql,
		    pg_errmsg(st->res, conn, msg, sizeof(msg)));
	return rc;
}

static enum pc_rc
pg_step(struct db_stmt *dst, bool *row)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;
	enum pc_rc rc;

	if (!st->ran) {
		rc = pg_run(st);
		if (rc != PC_OK)
			return rc;
	}
	if (PQresultStatus(st->res) != PGRES_TUPLES_OK)
		return PC_OK;
	pg_blobs_clear(st);
	if (st->row < PQntuples(st->res))
		st->row++;
	*row = st->row < PQntuples(st->res);
	return PC_OK;
}

static bool
pg_has(struct pg_stmt *st, int col)
{
	return st->res != NULL && st->row >= 0 &&
	       st->row < PQntuples(st->res) && col < st->ncols;
}

static bool
pg_col_is_null(struct db_stmt *dst, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;

	if (!pg_has(st, col))
		return true;
	return PQgetisnull(st->res, st->row, col) != 0;
}

static int64_t
pg_col_i64(struct db_stmt *dst, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;
	const char *s;
	char *end;
	long long v;

	if (pg_col_is_null(dst, col))
		return 0;
	s = PQgetvalue(st->res, st->row, col);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		log_warnx("store: pg: column %d is not an integer", col);
		return 0;
	}
	return (int64_t)v;
}

static const char *
pg_col_text(struct db_stmt *dst, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;

	if (pg_col_is_null(dst, col))
		return NULL;
	return PQgetvalue(st->res, st->row, col);
}

static const uint8_t *
pg_col_blob(struct db_stmt *dst, int col, size_t *n)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;
	const char *s;

	if (pg_col_is_null(dst, col))
		return NULL;
	if (st->blobs[col] == NULL) {
		s = PQgetvalue(st->res, st->row, col);
		st->blobs[col] = PQunescapeBytea(
		    (const unsigned char *)s, &st->bloblens[col]);
		if (st->blobs[col] == NULL) {
			log_warnx(
			    "store: pg: cannot decode bytea column %d", col);
			return NULL;
		}
	}
	*n = st->bloblens[col];
	return st->blobs[col];
}

static int64_t
pg_changes(struct db_stmt *dst)
{
	struct pg_stmt *st = (struct pg_stmt *)dst;
	const char *s;

	if (st->res == NULL)
		return 0;
	s = PQcmdTuples(st->res);
	return *s == '\0' ? 0 : strtoll(s, NULL, 10);
}

const struct store_driver store_pg_driver =
    STORE_DRIVER(pg, STORE_PG, "pg", "BEGIN");
