/*
 * tstore.h: the databases the store tests run on (pecete_test_support).
 *
 * Every store test runs on SQLite (a file in a temporary directory) and,
 * when PECETE_TEST_PG_URL is set, on PostgreSQL too
 * (tests/integration/store_pg.sh starts a throwaway server and sets it).
 */
#ifndef PC_TSTORE_H
#define PC_TSTORE_H

#include <limits.h>

struct store;

struct ts_db {
	const char *name; /* "sqlite" or "postgresql" */
	char url[PATH_MAX + 32];
	char dir[PATH_MAX]; /* SQLite: the temporary directory */
};

/*
 * Call run(b) on SQLite and, when PECETE_TEST_PG_URL is set, on
 * PostgreSQL, printing "<prog>: backend=<name>" before each (store_pg.sh
 * looks for both). Returns the number of runs that did not return 0.
 */
int ts_store_backends(const char *prog, int (*run)(const struct ts_db *b));

/*
 * Open a pool of npool connections to url on an empty schema (SQLite: the
 * file is removed first; PostgreSQL: the public schema is dropped and
 * made again), then apply every migration. OUT: *out (store_close). Returns 0
 * or -1.
 */
int ts_store_fresh(const char *url, unsigned npool, struct store **out);

#endif /* PC_TSTORE_H */
