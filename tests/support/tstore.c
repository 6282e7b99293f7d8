/*
 * tstore.c: the databases the store tests run on (see tstore.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "base/log.h"
#include "store/store.h"
#include "store/store_row.h"
#include "support/tstore.h"

/* Remove the SQLite database file path and its companions. */
static void
sqlite_unlink(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 64];
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(sfx); i++) {
		if (snprintf(p, sizeof(p), "%s%s", path, sfx[i]) <
		    (int)sizeof(p))
			unlink(p);
	}
}

const struct ts_db *ts_cur;

static int
run(const char *prog, const struct ts_db *b, const struct CMUnitTest *suite,
    size_t n, int (*setup)(void **state), int (*teardown)(void **state))
{
	printf("%s: backend=%s\n", prog, b->name);
	fflush(stdout);
	ts_cur = b;
	return _cmocka_run_group_tests(b->name, suite, n, setup, teardown);
}

/* A store suite on each database; see tstore.h. */
int
ts_store_main(const char *prog, const struct CMUnitTest *suite, size_t n,
    int (*setup)(void **state), int (*teardown)(void **state))
{
	struct ts_db b;
	const char *tmp, *pgurl;
	int failed = 0;

	log_init(prog);
	cmocka_set_message_output(CM_OUTPUT_STDOUT);
	memset(&b, 0, sizeof(b));
	b.name = "sqlite";
	tmp = getenv("TMPDIR");
	snprintf(b.dir, sizeof(b.dir), "%s/pecete-tstore-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(b.dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(b.url, sizeof(b.url), "sqlite:%s/store.db", b.dir);
	failed += run(prog, &b, suite, n, setup, teardown) != 0;
	sqlite_unlink(b.url + strlen("sqlite:"));
	rmdir(b.dir);

	pgurl = getenv("PECETE_TEST_PG_URL");
	if (pgurl == NULL || pgurl[0] == '\0') {
		printf("%s: PECETE_TEST_PG_URL not set, PostgreSQL not tested "
		       "here (tests/integration/store_pg.sh does)\n",
		    prog);
		return failed != 0;
	}
	memset(&b, 0, sizeof(b));
	b.name = "postgresql";
	snprintf(b.url, sizeof(b.url), "%s", pgurl);
	failed += run(prog, &b, suite, n, setup, teardown) != 0;
	return failed != 0;
}

/* A pool on a freshly migrated, empty schema; see tstore.h. */
int
ts_store_fresh(const char *url, unsigned npool, struct store **out)
{
	struct store *s = NULL;
	struct db *db = NULL;
	enum pc_rc rc;

	*out = NULL;
	if (strncmp(url, "sqlite:", 7) == 0)
		sqlite_unlink(url + 7);
	rc = store_open(url, npool, &s);
	if (rc == PC_OK && store_kind(s) == STORE_PG) {
		rc = store_acquire(s, &db);
		if (rc == PC_OK)
			rc = db_exec(db, "DROP SCHEMA public CASCADE; "
			                 "CREATE SCHEMA public");
		store_release(s, db);
	}
	if (rc == PC_OK)
		rc = store_migrate(s);
	if (rc != PC_OK) {
		fprintf(stderr, "ts_store_fresh: %s\n", pc_rc_str(rc));
		store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

int64_t
ts_q1(struct store *s, const char *sql)
{
	struct db *db = NULL;
	int64_t v = -1;

	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(store_q_i64(db, &v, sql, ""), PC_OK);
	store_release(s, db);
	return v;
}

void
ts_exec(struct store *s, const char *sql)
{
	struct db *db = NULL;

	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(store_q_run(db, NULL, sql, ""), PC_OK);
	store_release(s, db);
}

enum pc_rc
ts_seal_with(void *arg, const uint8_t hash[32], uint8_t *sig, size_t *n)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(arg, NULL);
	size_t len = STORE_AUDIT_SEAL_MAX;
	int ok;

	ok = c != NULL && EVP_PKEY_sign_init(c) > 0 &&
	     EVP_PKEY_sign(c, sig, &len, hash, 32) > 0;
	EVP_PKEY_CTX_free(c);
	*n = len;
	return ok ? PC_OK : PC_ECRYPTO;
}

bool
ts_unseal_with(void *arg, const uint8_t hash[32], const uint8_t *sig, size_t n)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(arg, NULL);
	int ok;

	ok = c != NULL && EVP_PKEY_verify_init(c) > 0 &&
	     EVP_PKEY_verify(c, sig, n, hash, 32) == 1;
	EVP_PKEY_CTX_free(c);
	return ok;
}
