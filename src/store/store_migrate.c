/*
 * store_migrate.c: the runner of the versioned schema (migrations.c holds
 * the migrations): each missing one applied in its own transaction and
 * recorded in schema_migrations; on PostgreSQL a transaction-scoped
 * advisory lock serializes nodes that start at the same time; on SQLite
 * BEGIN IMMEDIATE does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_row.h"

/* A migration's transaction, begun and holding the migrations' lock
 * (store_tx_end ends it, on failure too). */
static enum pc_rc
migrate_begin(struct db *db)
{
	enum pc_rc rc = db_begin(db);

	/* On SQLite, BEGIN IMMEDIATE holds the write lock. */
	if (rc == PC_OK && db_kind(db) == STORE_PG)
		rc = db_exec(db, MIGRATE_LOCK_SQL);
	return rc;
}

static enum pc_rc
migrate_applied(struct db *db, int version, bool *applied)
{
	int64_t one = 0;
	enum pc_rc rc;

	rc = store_q_i64_or(db, PC_OK, &one,
	    "SELECT 1 FROM schema_migrations WHERE version = $1", "i",
	    (int64_t)version);
	*applied = rc == PC_OK && one == 1;
	return rc;
}

static enum pc_rc
migrate_one(struct db *db, const struct migration *m, bool *done)
{
	const char *dialect;
	enum pc_rc rc;
	bool applied;

	*done = false;
	rc = migrate_begin(db);
	if (rc != PC_OK)
		goto out;
	rc = migrate_applied(db, m->version, &applied);
	if (rc != PC_OK || applied)
		goto out;
	if (m->common != NULL) {
		rc = db_exec(db, m->common);
		if (rc != PC_OK)
			goto out;
	}
	dialect = db_kind(db) == STORE_PG ? m->pg : m->sqlite;
	if (dialect != NULL) {
		rc = db_exec(db, dialect);
		if (rc != PC_OK)
			goto out;
	}
	rc = store_q_run(db, NULL,
	    "INSERT INTO schema_migrations "
	    "(version, name, applied_at) VALUES ($1, $2, $3)",
	    "isi", (int64_t)m->version, m->name, clock_now());
	if (rc != PC_OK)
		goto out;
	*done = true;
out:
	rc = store_tx_end(db, true, rc);
	if (rc != PC_OK) {
		*done = false;
		log_warnx(
		    "store: migration %d (%s) failed", m->version, m->name);
	}
	return rc;
}

static enum pc_rc
migrate_table(struct db *db)
{
	enum pc_rc rc;

	rc = migrate_begin(db);
	if (rc == PC_OK)
		rc =
		    db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
		                " version BIGINT PRIMARY KEY,"
		                " name TEXT NOT NULL,"
		                " applied_at BIGINT NOT NULL)");
	return store_tx_end(db, true, rc);
}

/*
 * Apply the pending migrations on db, each in its own transaction. db must
 * have no transaction open.
 */
enum pc_rc
store_migrate_db(struct db *db)
{
	enum pc_rc rc;
	size_t i;
	int have = 0, latest;
	bool done;

	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	if (db_in_tx(db)) {
		log_warnx("store: migrate inside a transaction");
		rc = PC_ESTATE;
		goto out;
	}
	/* Nothing to apply: no statement that needs the schema's owner (a
	 * web role without it starts on a schema its signer migrated). */
	latest = store_migrations[store_nmigrations - 1].version;
	rc = store_schema_version_db(db, &have);
	if (rc == PC_OK && have >= latest) {
		int64_t n = 0;

		/* ... and none missing below it. */
		rc = store_q_i64(db, &n,
		    "SELECT count(*) FROM schema_migrations WHERE version <= "
		    "$1",
		    "i", (int64_t)latest);
		if (rc == PC_OK && n == (int64_t)store_nmigrations)
			goto check;
	}
	rc = migrate_table(db);
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < store_nmigrations; i++) {
		rc = migrate_one(db, &store_migrations[i], &done);
		if (rc != PC_OK)
			goto out;
		if (done)
			log_info("store: migration %d (%s) applied",
			    store_migrations[i].version,
			    store_migrations[i].name);
	}
	rc = store_schema_version_db(db, &have);
	if (rc != PC_OK)
		goto out;
check:
	if (have > latest)
		log_warnx("store: the database has schema version %d, newer "
		          "than this program's %d",
		    have, latest);
out:
	return rc;
}

/* The highest migration applied to db; 0 when none. */
enum pc_rc
store_schema_version_db(struct db *db, int *version)
{
	int64_t have = 0;
	enum pc_rc rc;

	*version = 0;
	rc = store_q_i64(db, &have,
	    db_kind(db) == STORE_PG
	        ? "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL "
	          "THEN 0 ELSE 1 END"
	        : "SELECT count(*) FROM sqlite_master "
	          "WHERE type = 'table' AND name = 'schema_migrations'",
	    "");
	if (rc != PC_OK || have == 0)
		return rc;
	rc = store_q_i64(db, &have,
	    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "");
	if (rc == PC_OK)
		*version = (int)have;
	return rc;
}
