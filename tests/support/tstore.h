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
#include <stddef.h>

struct store;

struct ts_db {
	const char *name; /* "sqlite" or "postgresql" */
	char url[PATH_MAX + 32];
	char dir[PATH_MAX]; /* SQLite: the temporary directory */
};

/* The database the running suite is on (set by ts_store_main). */
extern const struct ts_db *ts_cur;

struct CMUnitTest;

/*
 * The main() of a store suite: run the cmocka group suite[0..n) with setup
 * and teardown on SQLite and, when PECETE_TEST_PG_URL is set, on
 * PostgreSQL, printing "<prog>: backend=<name>" before each (store_pg.sh
 * looks for both). Returns the exit status: 0 when every run passed.
 */
int ts_store_main(const char *prog, const struct CMUnitTest *suite, size_t n,
    int (*setup)(void **state), int (*teardown)(void **state));

/*
 * Open a pool of npool connections to url on an empty schema (SQLite: the
 * file is removed first; PostgreSQL: the public schema is dropped and
 * made again), then apply every migration. OUT: *out (store_close). Returns 0
 * or -1.
 */
int ts_store_fresh(const char *url, unsigned npool, struct store **out);

/* The one integer sql (no parameters) yields on s; a failure fails the
 * test. */
#include <stdint.h>
int64_t ts_q1(struct store *s, const char *sql);
/* Run sql (no parameters) on s; a failure fails the test. */
void ts_exec(struct store *s, const char *sql);

/*
 * An audit sealer and its check over an in-memory key (an EVP_PKEY as
 * arg; the server's key is in the HSM): store_seal_fn / store_unseal_fn.
 */
#include <stdbool.h>

#include "base/pc.h"
enum pc_rc ts_seal_with(
    void *arg, const uint8_t hash[32], uint8_t *sig, size_t *n);
bool ts_unseal_with(
    void *arg, const uint8_t hash[32], const uint8_t *sig, size_t n);

#endif /* PC_TSTORE_H */
