/*
 * store_int.h: what the files of src/store share and nobody else sees.
 *
 * store.c owns the pool and dispatches every db_* call through the driver
 * table of the connection (store_sqlite.c, store_pg.c). A driver's
 * statement embeds struct db_stmt as its first member.
 */
#ifndef PC_STORE_INT_H
#define PC_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_driver {
	enum store_kind kind;
	const char *name;
	/* Open one connection. OUT: *conn. */
	enum pc_rc (*connect)(const char *url, void **conn);
	void (*disconnect)(void *conn);
	/* Before a connection is handed out: reconnect when it broke. */
	enum pc_rc (*check)(struct db *db);
	enum pc_rc (*exec)(struct db *db, const char *sql);
	const char *begin; /* the SQL that opens a transaction (exec) */
	/* On failure the driver rolls back: no transaction stays open. */
	enum pc_rc (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	enum pc_rc (*prepare)(
	    struct db *db, const char *sql, struct db_stmt **out);
	void (*stmt_free)(struct db_stmt *st);
	enum pc_rc (*bind_i64)(struct db_stmt *st, int idx, int64_t v);
	enum pc_rc (*bind_text)(struct db_stmt *st, int idx, const char *s);
	enum pc_rc (*bind_blob)(
	    struct db_stmt *st, int idx, const void *p, size_t n);
	enum pc_rc (*bind_null)(struct db_stmt *st, int idx);
	enum pc_rc (*step)(struct db_stmt *st, bool *row);
	bool (*col_is_null)(struct db_stmt *st, int col);
	int64_t (*col_i64)(struct db_stmt *st, int col);
	const char *(*col_text)(struct db_stmt *st, int col);
	const uint8_t *(*col_blob)(struct db_stmt *st, int col, size_t *n);
	int64_t (*changes)(struct db_stmt *st);
};

/*
 * STORE_DRIVER(p, kind, name, begin): a driver whose operations are the
 * functions p_connect, p_disconnect, ... p_changes (each must exist: a
 * driver cannot leave one out).
 */
#define STORE_DRIVER(p, k, nm, begin_sql)                                      \
	{                                                                      \
		.kind = (k), .name = (nm), .connect = p##_connect,             \
		.disconnect = p##_disconnect, .check = p##_check,              \
		.exec = p##_exec, .begin = (begin_sql), .commit = p##_commit,  \
		.rollback = p##_rollback, .prepare = p##_prepare,              \
		.stmt_free = p##_stmt_free, .bind_i64 = p##_bind_i64,          \
		.bind_text = p##_bind_text, .bind_blob = p##_bind_blob,        \
		.bind_null = p##_bind_null, .step = p##_step,                  \
		.col_is_null = p##_col_is_null, .col_i64 = p##_col_i64,        \
		.col_text = p##_col_text, .col_blob = p##_col_blob,            \
		.changes = p##_changes,                                        \
	}

struct db {
	struct store *db_store;
	const struct store_driver *db_drv;
	void *db_conn; /* the driver's connection */
	bool db_tx;    /* a transaction is open */
	bool db_busy;  /* acquired by a thread */
};

struct db_stmt {
	struct db *st_db;
};

extern const struct store_driver store_sqlite_driver;
extern const struct store_driver store_pg_driver;

/* The audit sealer of db's store (NULL: none set), its argument in *arg. */
store_seal_fn store_audit_sealer_of(struct db *db, void **arg);

/* The kind of database behind a connection. */
enum store_kind db_kind(const struct db *db);

/* One migration of the schema (migrations.c; run by store_migrate.c). */
struct migration {
	int version;
	const char *name;
	const char *common; /* both dialects, or NULL */
	const char *sqlite; /* SQLite only, or NULL */
	const char *pg;     /* PostgreSQL only, or NULL */
};
extern const struct migration store_migrations[];
extern const size_t store_nmigrations;

/* PostgreSQL: the schema's changes (migrations, grants) one node at a time,
 * held to the end of the transaction ("pecete\0\1"). */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_xact_lock(8098988792291328001)"

/*
 * For typed functions that must be atomic: open a transaction unless the
 * caller has one. *owned tells store_tx_end whether to commit it.
 */
enum pc_rc store_tx_begin(struct db *db, bool *owned);
/*
 * End what store_tx_begin opened: commit when rc is PC_OK, else roll back.
 * Returns rc, or the commit's failure.
 */
enum pc_rc store_tx_end(struct db *db, bool owned, enum pc_rc rc);

/*
 * Give fn each placeholder ($N) of sql outside string literals, quoted
 * identifiers and -- comments: where its '$' is. A status other than
 * PC_OK from fn stops the walk and is returned.
 */
enum pc_rc store_sql_params(
    const char *sql, enum pc_rc (*fn)(void *arg, const char *at), void *arg);

/*
 * Log a driver failure: the operation, the first words of the SQL (never
 * the parameter values) and the driver's message.
 */
void store_log_sql(
    const char *drv, const char *what, const char *sql, const char *msg);

/* Apply pending migrations on one connection (migrations.c). */
enum pc_rc store_migrate_db(struct db *db);
/* The highest migration applied, 0 when none (migrations.c). */
enum pc_rc store_schema_version_db(struct db *db, int *version);

#endif /* PC_STORE_INT_H */
