/*
 * test_signer_record.c: the signer's group commit (signer_record.c) on
 * SQLite and (tests/integration/store_pg.sh) PostgreSQL.
 *
 * REC_THREADS threads, each with its own connection, record signatures at
 * once; records finishing together share a transaction, each under its own
 * savepoint. Checked: the credential's transactions are taken exactly
 * (every record either counted whole or refused whole, never below zero),
 * every counted record has its signature and timestamp rows and its audit
 * row, and records that fail (an unknown credential) in the same groups
 * leave the others' untouched. The audit rows carry one seal per group
 * (the last row's): the log verifies, every row sealed or covered.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "base/log.h"
#include "signer/signer_int.h"
#include "store/store.h"
#include "store/store_credential.h"
#include "store/store_row.h"
#include "support/tstore.h"

#define REC_THREADS 8
#define REC_ROUNDS 6
#define REC_SERIAL "5e1a1"
#define REC_QUOTA 31 /* each record costs 2: 15 fit, 1 is left */

static struct store *s;
static EVP_PKEY *seal_key;

struct rec_race {
	pthread_barrier_t start;
	pthread_mutex_t mu;
	bool with_bad; /* odd threads record for an unknown credential */
	int ok, quota, failed, bad_ok;
	int next;
};

static int
group_setup(void **state)
{
	struct store_credential c;
	struct db *db = NULL;
	enum pc_rc rc;

	(void)state;
	if (ts_store_fresh(ts_cur->url, REC_THREADS, &s) != 0)
		return -1;
	if (seal_key == NULL)
		seal_key = EVP_EC_gen("P-256");
	if (seal_key == NULL)
		return -1;
	store_audit_sealer(s, ts_seal_with, seal_key);
	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), REC_SERIAL);
	snprintf(c.holder, sizeof(c.holder), "holder-rec");
	c.transactions_left = REC_QUOTA;
	c.created_at = 50;
	rc = store_acquire(s, &db);
	if (rc == PC_OK)
		rc = store_credential_insert(db, &c);
	store_release(s, db);
	return rc == PC_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	store_close(s);
	s = NULL;
	return 0;
}

static int64_t
q1(const char *sql)
{
	return ts_q1(s, sql);
}

static void *
rec_thread(void *arg)
{
	struct rec_race *r = arg;
	uint8_t hash[32], sig[1][HSM_SIG_MAX];
	size_t siglen[1] = { 64 };
	struct signer_uq q;
	struct db *db = NULL;
	enum signer_user_result res;
	int64_t left = -1;
	enum pc_rc rc;
	bool bad;
	int me, i;

	pthread_mutex_lock(&r->mu);
	me = r->next++;
	pthread_mutex_unlock(&r->mu);
	bad = r->with_bad && me % 2 == 1;
	if (store_acquire(s, &db) != PC_OK)
		return NULL;
	pthread_barrier_wait(&r->start);
	for (i = 0; i < REC_ROUNDS; i++) {
		memset(&q, 0, sizeof(q));
		snprintf(q.serial, sizeof(q.serial), "%s",
		    bad ? "dead0" : REC_SERIAL);
		memset(hash, me * REC_ROUNDS + i, sizeof(hash));
		memset(sig, me, sizeof(sig));
		q.md = NID_sha256;
		q.n = 1;
		q.nts = 1;
		q.hashes[0] = hash;
		q.hlen = sizeof(hash);
		res = USER_R_OK;
		rc = signer_user_record(
		    db, &q, sig, siglen, 1000 + i, "sign.test", &res, &left);
		pthread_mutex_lock(&r->mu);
		if (rc == PC_OK && res == USER_R_OK && bad)
			r->bad_ok++;
		else if (rc == PC_OK && res == USER_R_OK && left >= 0)
			r->ok++;
		else if (rc == PC_OK && res == USER_R_QUOTA)
			r->quota++;
		else
			r->failed++;
		pthread_mutex_unlock(&r->mu);
	}
	store_release(s, db);
	return NULL;
}

static void
rec_run(struct rec_race *r)
{
	pthread_t t[REC_THREADS];
	int i;

	pthread_barrier_init(&r->start, NULL, REC_THREADS);
	pthread_mutex_init(&r->mu, NULL);
	for (i = 0; i < REC_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, rec_thread, r), 0);
	for (i = 0; i < REC_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&r->start);
	pthread_mutex_destroy(&r->mu);
}

/* The group commits' audit rows: each sealed or covered by a later seal. */
static void
check_seals(int ok)
{
	struct store_audit_report rep;
	struct db *db = NULL;

	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(
	    store_audit_verify(db, ts_unseal_with, seal_key, &rep), PC_OK);
	store_release(s, db);
	assert_int_equal(rep.rows, ok);
	assert_int_equal(rep.sealed + rep.covered, ok);
	assert_int_equal(rep.unsealed, 0);
	assert_int_equal(q1("SELECT COUNT(*) FROM audit_log WHERE seal = '' "
	                    "AND id = (SELECT max(id) FROM audit_log)"),
	    0);
}

static void
check_counts(int ok)
{
	assert_int_equal(q1("SELECT transactions_left FROM credentials WHERE "
	                    "serial = '" REC_SERIAL "'"),
	    REC_QUOTA - 2 * ok);
	assert_int_equal(q1("SELECT COUNT(*) FROM signatures WHERE "
	                    "credential = '" REC_SERIAL "' AND kind = 'sign'"),
	    ok);
	assert_int_equal(
	    q1("SELECT COUNT(*) FROM signatures WHERE credential = '" REC_SERIAL
	       "' AND kind = 'timestamp'"),
	    ok);
	assert_int_equal(q1("SELECT COUNT(*) FROM audit_log WHERE "
	                    "event = 'sign.test'"),
	    ok);
	assert_int_equal(q1("SELECT COUNT(*) FROM signatures WHERE "
	                    "credential <> '" REC_SERIAL "'"),
	    0);
	check_seals(ok);
}

/* 48 records of cost 2 against 31 transactions: 15 counted, 1 left. */
static void
test_quota_exact(void **state)
{
	struct rec_race r;

	(void)state;
	memset(&r, 0, sizeof(r));
	rec_run(&r);
	assert_int_equal(r.ok, REC_QUOTA / 2);
	assert_int_equal(r.quota, REC_THREADS * REC_ROUNDS - REC_QUOTA / 2);
	assert_int_equal(r.failed, 0);
	check_counts(REC_QUOTA / 2);
	/* 8 threads started together: some records shared a commit. */
	assert_true(signer_record_largest() > 1);
}

/* Half the records fail in the same groups: the others are as above. */
static void
test_failures_alone(void **state)
{
	struct rec_race r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.with_bad = true;
	rec_run(&r);
	assert_int_equal(r.bad_ok, 0);
	assert_int_equal(r.failed, (REC_THREADS / 2) * REC_ROUNDS);
	/* 24 good records, 15 fit */
	assert_int_equal(r.ok, REC_QUOTA / 2);
	assert_int_equal(r.quota, (REC_THREADS / 2) * REC_ROUNDS - r.ok);
	check_counts(REC_QUOTA / 2);
}

/* Each test starts from an empty schema. */
static int
test_setup(void **state)
{
	group_teardown(state);
	return group_setup(state);
}

static const struct CMUnitTest suite[] = {
	cmocka_unit_test_setup(test_quota_exact, test_setup),
	cmocka_unit_test_setup(test_failures_alone, test_setup),
};

int
main(void)
{
	int rc;

	rc = ts_store_main("test_signer_record", suite, PC_ARRAY_LEN(suite),
	    group_setup, group_teardown);
	EVP_PKEY_free(seal_key);
	return rc;
}
