/*
 * test_store_race.c: counters under concurrency, on SQLite and (with
 * PECETE_TEST_PG_URL, tests/integration/store_pg.sh) PostgreSQL.
 *
 * RACE_THREADS threads, each with its own connection and its own
 * transaction, first read the row as the callers do (the signer reads
 * last_step and failures, the sign-in reads failed_logins). On PostgreSQL
 * (READ COMMITTED) a barrier then holds every thread until all have read,
 * so a read-modify-write would lose updates or accept one step twice
 * every time; on SQLite BEGIN IMMEDIATE serializes the transactions (a
 * barrier inside one would only wait for the busy timeout). The checks:
 * one TOTP step is used exactly once, failures are counted exactly and
 * the lock engages exactly once per max failures. The last two tests run
 * the signer's own check (signer_totp_check) the same way: one code
 * accepted once, the others replays, wrong codes all counted.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <liboath/oath.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "signer/signer_int.h"
#include "store/store.h"
#include "store/store_account.h"
#include "support/tstore.h"

#define RACE_THREADS 8
#define RACE_ROUNDS 5
#define RACE_USER "00000000000000000000000000000001"

static struct store *s; /* RACE_THREADS connections */

enum race_op { OP_USE_STEP, OP_TOTP_FAIL, OP_LOGIN_FAIL, OP_SIGNER_CHECK };

struct race {
	enum race_op op;
	pthread_barrier_t start, read;
	pthread_mutex_t mtx;
	bool pg;
	int rounds;
	int64_t step, max, lock;
	struct signer_totp *totp;
	const char *code;
	/* results */
	int used, locked, errors;
	int results[TOTP_R_GONE + 1];
};

static int
group_setup(void **state)
{
	struct store_user u;
	struct db *db = NULL;
	enum pc_rc rc;

	if (ts_store_fresh(ts_cur->url, RACE_THREADS, &s) != 0)
		return -1;
	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", RACE_USER);
	u.email = (char *)"race@example.ro";
	u.given_name = u.surname = (char *)"Race";
	u.phone = (char *)"+40700000000";
	u.lang = (char *)"ro";
	u.status = (char *)USER_STATUS_ACTIVE;
	rc = store_acquire(s, &db);
	if (rc == PC_OK)
		rc = store_user_insert(db, &u);
	store_release(s, db);
	return rc == PC_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	store_close(s);
	s = NULL;
	return 0;
}

/* The read the callers make before they write (its values are unused). */
static enum pc_rc
race_read(struct race *r, struct db *db)
{
	struct store_totp t;
	struct store_user u;
	enum pc_rc rc;

	if (r->op == OP_LOGIN_FAIL) {
		rc = store_user_get(db, RACE_USER, &u);
		store_user_cleanup(&u);
	} else {
		rc = store_totp_get(db, RACE_USER, &t);
		store_totp_cleanup(&t);
	}
	return rc;
}

/* One transaction of one thread. */
static void
race_round(struct race *r, struct db *db)
{
	struct signer_totp_reply tr;
	enum pc_rc rc;
	bool flag = false;

	memset(&tr, 0, sizeof(tr));
	rc = db_begin(db);
	if (rc == PC_OK && r->op != OP_SIGNER_CHECK)
		rc = race_read(r, db);
	if (r->pg && r->op != OP_SIGNER_CHECK)
		pthread_barrier_wait(&r->read); /* every thread has read */
	if (rc == PC_OK) {
		switch (r->op) {
		case OP_USE_STEP:
			rc = store_totp_use_step(db, RACE_USER, r->step, &flag);
			break;
		case OP_TOTP_FAIL:
			rc = store_totp_fail(
			    db, RACE_USER, r->max, r->lock, &flag);
			break;
		case OP_LOGIN_FAIL:
			rc = store_user_login_fail(
			    db, RACE_USER, r->max, r->lock, &flag);
			break;
		case OP_SIGNER_CHECK:
			rc = signer_totp_check(
			    r->totp, db, RACE_USER, "race", r->code, &tr);
			break;
		}
	}
	if (rc == PC_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	pthread_mutex_lock(&r->mtx);
	if (rc != PC_OK)
		r->errors++;
	else if (r->op == OP_USE_STEP)
		r->used += flag;
	else if (r->op == OP_SIGNER_CHECK)
		r->results[tr.result]++;
	else
		r->locked += flag;
	pthread_mutex_unlock(&r->mtx);
}

static void *
race_thread(void *arg)
{
	struct race *r = arg;
	struct db *db = NULL;
	enum pc_rc rc;
	int i;

	rc = store_acquire(s, &db);
	pthread_barrier_wait(&r->start);
	for (i = 0; i < r->rounds; i++) {
		if (rc == PC_OK) {
			race_round(r, db);
		} else {
			if (r->pg && r->op != OP_SIGNER_CHECK)
				pthread_barrier_wait(&r->read);
			pthread_mutex_lock(&r->mtx);
			r->errors++;
			pthread_mutex_unlock(&r->mtx);
		}
	}
	store_release(s, db);
	return NULL;
}

/* Run RACE_THREADS threads of r->rounds transactions each. */
static void
race_run(struct race *r)
{
	pthread_t t[RACE_THREADS];
	int i;

	r->pg = store_kind(s) == STORE_PG;
	pthread_mutex_init(&r->mtx, NULL);
	pthread_barrier_init(&r->start, NULL, RACE_THREADS);
	pthread_barrier_init(&r->read, NULL, RACE_THREADS);
	for (i = 0; i < RACE_THREADS; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, race_thread, r), 0);
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&r->read);
	pthread_barrier_destroy(&r->start);
	pthread_mutex_destroy(&r->mtx);
	assert_int_equal(r->errors, 0);
}

static void
totp_row(struct store_totp *t)
{
	struct db *db = NULL;

	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(store_totp_get(db, RACE_USER, t), PC_OK);
	store_release(s, db);
}

/* A TOTP row with an active secret (blob) at last_step. */
static void
totp_setup(const uint8_t *blob, size_t n, int64_t last_step)
{
	struct db *db = NULL;

	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(
	    store_totp_put_pending(db, RACE_USER, blob, n, clock_now()), PC_OK);
	assert_int_equal(
	    store_totp_activate(db, RACE_USER, last_step, clock_now()), PC_OK);
	store_release(s, db);
}

/* ---- the store functions -------------------------------------------- */

static void
test_use_step_once(void **state)
{
	static const uint8_t blob[4] = { 1, 2, 3, 4 };
	struct store_totp t;
	struct race r;

	totp_setup(blob, sizeof(blob), 100);
	memset(&r, 0, sizeof(r));
	r.op = OP_USE_STEP;
	r.rounds = 1;
	r.step = 101;
	race_run(&r);
	assert_int_equal(r.used, 1);
	totp_row(&t);
	assert_int_equal(t.last_step, 101);
	store_totp_cleanup(&t);
	/* The same step again, and an older one: never. */
	memset(&r, 0, sizeof(r));
	r.op = OP_USE_STEP;
	r.rounds = 2;
	r.step = 101;
	race_run(&r);
	assert_int_equal(r.used, 0);
	/* Each thread its own round of a new step: one per step. */
	memset(&r, 0, sizeof(r));
	r.op = OP_USE_STEP;
	r.rounds = 1;
	r.step = 105;
	race_run(&r);
	assert_int_equal(r.used, 1);
}

static void
test_totp_failures_exact(void **state)
{
	static const uint8_t blob[4] = { 1, 2, 3, 4 };
	struct store_totp t;
	struct db *db = NULL;
	struct race r;

	totp_setup(blob, sizeof(blob), 100);
	/* No lock within reach: the count is exact. */
	memset(&r, 0, sizeof(r));
	r.op = OP_TOTP_FAIL;
	r.rounds = RACE_ROUNDS;
	r.max = 1000;
	r.lock = 5000;
	race_run(&r);
	assert_int_equal(r.locked, 0);
	totp_row(&t);
	assert_int_equal(t.failures, RACE_THREADS * RACE_ROUNDS);
	assert_int_equal(t.locked_until, 0);
	store_totp_cleanup(&t);
	/* From 0, a lock at every 6th of 40 failures: 6 locks, 4 left. */
	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(
	    store_totp_set_counters(db, RACE_USER, 100, 0, 0), PC_OK);
	store_release(s, db);
	memset(&r, 0, sizeof(r));
	r.op = OP_TOTP_FAIL;
	r.rounds = RACE_ROUNDS;
	r.max = 6;
	r.lock = 7000;
	race_run(&r);
	assert_int_equal(r.locked, (RACE_THREADS * RACE_ROUNDS) / 6);
	totp_row(&t);
	assert_int_equal(t.failures, (RACE_THREADS * RACE_ROUNDS) % 6);
	assert_int_equal(t.locked_until, 7000);
	assert_int_equal(t.last_step, 100);
	store_totp_cleanup(&t);
}

static void
test_login_failures_exact(void **state)
{
	struct store_user u;
	struct db *db = NULL;
	struct race r;

	memset(&r, 0, sizeof(r));
	r.op = OP_LOGIN_FAIL;
	r.rounds = RACE_ROUNDS;
	r.max = 1000;
	r.lock = 5000;
	race_run(&r);
	assert_int_equal(r.locked, 0);
	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(store_user_get(db, RACE_USER, &u), PC_OK);
	assert_int_equal(u.failed_logins, RACE_THREADS * RACE_ROUNDS);
	store_user_cleanup(&u);
	assert_int_equal(store_user_login_ok(db, RACE_USER), PC_OK);
	store_release(s, db);
	/* 40 failures, a lock at every 7th: 5 locks, 5 left. */
	memset(&r, 0, sizeof(r));
	r.op = OP_LOGIN_FAIL;
	r.rounds = RACE_ROUNDS;
	r.max = 7;
	r.lock = 8000;
	race_run(&r);
	assert_int_equal(r.locked, (RACE_THREADS * RACE_ROUNDS) / 7);
	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(store_user_get(db, RACE_USER, &u), PC_OK);
	assert_int_equal(u.failed_logins, (RACE_THREADS * RACE_ROUNDS) % 7);
	assert_int_equal(u.locked_until, 8000);
	store_user_cleanup(&u);
	store_release(s, db);
}

/* ---- the signer's check ------------------------------------------------ */

struct signer_fix {
	char dir[PATH_MAX], key[PATH_MAX + 16];
	char url[PATH_MAX + 32];
	struct conf conf;
	struct signer_totp *t;
	char *secret; /* raw TOTP secret (liboath's malloc) */
	size_t secret_len;
};

/* One TOTP message of the texts a, b and c (NULL: not sent) through
 * signer_totp_handle. OUT: *reply fields. */
static void
totp_msg3(struct signer_fix *f, uint16_t type, const char *a, const char *b,
    const char *c, struct signer_totp_reply *out)
{
	struct signer_rd rd;
	struct buf body, reply;
	const uint8_t *p;
	size_t n = 0;
	uint32_t rc;

	buf_init(&body, 1024);
	buf_init(&reply, 4096);
	signer_put_bytes16(&body, a, strlen(a));
	signer_put_bytes16(&body, b, strlen(b));
	if (c != NULL)
		signer_put_bytes16(&body, c, strlen(c));
	rd.p = body.data;
	rd.n = body.len;
	rd.bad = false;
	signer_totp_handle(f->t, type, &rd, &reply);
	rd.p = reply.data;
	rd.n = reply.len;
	rd.bad = false;
	rc = signer_get_u32(&rd);
	assert_int_equal(rc, PC_OK);
	memset(out, 0, sizeof(*out));
	out->result = (enum signer_totp_result)signer_get_u16(&rd);
	out->retry_after = signer_get_u32(&rd);
	p = signer_get_bytes16(&rd, SIGNER_TOTP_B32_MAX, &n);
	assert_false(rd.bad);
	if (n > 0)
		memcpy(out->secret, p, n);
	out->secret[n] = '\0';
	buf_cleanup(&body);
	buf_cleanup(&reply);
}

static void
totp_msg(struct signer_fix *f, uint16_t type, const char *a, const char *b,
    struct signer_totp_reply *out)
{
	totp_msg3(f, type, a, b, NULL, out);
}

static void
totp_code(const struct signer_fix *f, int64_t at, char code[7])
{
	assert_int_equal(oath_totp_generate(f->secret, f->secret_len,
	                     (time_t)at, 30, 0, 6, code),
	    OATH_OK);
}

/* A signer TOTP part on the test database, and RACE_USER paired. */
static void
signer_setup(struct signer_fix *f, int64_t max_failures)
{
	static const char hexkey[] = "000102030405060708090a0b0c0d0e0f"
	                             "101112131415161718191a1b1c1d1e1f\n";
	struct signer_totp_reply r;
	const char *tmp = getenv("TMPDIR");
	char code[7];
	FILE *fp;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/pecete-race-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->key, sizeof(f->key), "%s/totp.key", f->dir);
	fp = fopen(f->key, "w");
	assert_non_null(fp);
	assert_int_equal(fchmod(fileno(fp), 0600), 0);
	fputs(hexkey, fp);
	fclose(fp);
	snprintf(f->url, sizeof(f->url), "%s", ts_cur->url);
	f->conf.store.url = f->url;
	f->conf.signer.totp_key_file = f->key;
	f->conf.account.totp_max_failures = max_failures;
	f->conf.account.totp_lock_s = 300;
	assert_int_equal(signer_totp_open(&f->conf, &f->t), PC_OK);

	totp_msg(f, SIGNER_MSG_TOTP_ENROL_BEGIN, RACE_USER, "race", &r);
	assert_int_equal(strlen(r.secret), 32); /* 20 bytes, base32 */
	assert_int_equal(oath_base32_decode(r.secret, strlen(r.secret),
	                     &f->secret, &f->secret_len),
	    OATH_OK);
	assert_int_equal(f->secret_len, 20);
	totp_code(f, clock_now(), code);
	totp_msg(f, SIGNER_MSG_TOTP_ENROL_CONFIRM, RACE_USER, code, &r);
	assert_int_equal(r.result, TOTP_R_OK);
}

static void
signer_teardown(struct signer_fix *f)
{
	signer_totp_close(f->t);
	free(f->secret);
	unlink(f->key);
	rmdir(f->dir);
}

static void
test_signer_one_code_once(void **state)
{
	struct signer_fix f;
	struct race r;
	char code[7];

	signer_setup(&f, 1000);
	/* The next step's code: valid (window +-1), newer than pairing's. */
	totp_code(&f, clock_now() + 30, code);
	memset(&r, 0, sizeof(r));
	r.op = OP_SIGNER_CHECK;
	r.rounds = 1;
	r.totp = f.t;
	r.code = code;
	race_run(&r);
	assert_int_equal(r.results[TOTP_R_OK], 1);
	assert_int_equal(r.results[TOTP_R_REPLAY], RACE_THREADS - 1);
	signer_teardown(&f);
}

static void
test_signer_failures_exact(void **state)
{
	struct signer_fix f;
	struct store_totp t;
	struct race r;
	char wrong[12], good[7];
	int64_t now = clock_now(), d;
	int k;

	signer_setup(&f, 1000);
	/* A code that matches no step near now. */
	for (k = 0; k < 1000; k++) {
		snprintf(wrong, sizeof(wrong), "%06d", 123456 + k);
		for (d = -60; d <= 90; d += 30) {
			totp_code(&f, now + d, good);
			if (strcmp(good, wrong) == 0)
				break;
		}
		if (d > 90)
			break;
	}
	memset(&r, 0, sizeof(r));
	r.op = OP_SIGNER_CHECK;
	r.rounds = RACE_ROUNDS;
	r.totp = f.t;
	r.code = wrong;
	race_run(&r);
	assert_int_equal(r.results[TOTP_R_BAD], RACE_THREADS * RACE_ROUNDS);
	totp_row(&t);
	assert_int_equal(t.failures, RACE_THREADS * RACE_ROUNDS);
	store_totp_cleanup(&t);
	signer_teardown(&f);
}

/*
 * TOTP_PEEK: a right code is OK and stays unused (VERIFY then uses it
 * once), a used one is a replay, a wrong one counts as a failure.
 */
static void
test_signer_peek(void **state)
{
	struct signer_fix f;
	struct signer_totp_reply r;
	struct store_totp t;
	char code[7], wrong[12];
	int64_t last;

	(void)state;
	signer_setup(&f, 1000);
	totp_code(&f, clock_now() + 30, code);
	snprintf(wrong, sizeof(wrong), "%06d",
	    (int)((strtol(code, NULL, 10) + 1) % 1000000));
	totp_row(&t);
	last = t.last_step;
	store_totp_cleanup(&t);
	totp_msg3(&f, SIGNER_MSG_TOTP_PEEK, RACE_USER, "sign", code, &r);
	assert_int_equal(r.result, TOTP_R_OK);
	totp_msg3(&f, SIGNER_MSG_TOTP_PEEK, RACE_USER, "sign", code, &r);
	assert_int_equal(r.result, TOTP_R_OK);
	totp_row(&t);
	assert_int_equal(t.last_step, last); /* not used */
	assert_int_equal(t.failures, 0);
	store_totp_cleanup(&t);
	totp_msg3(&f, SIGNER_MSG_TOTP_PEEK, RACE_USER, "sign", wrong, &r);
	assert_int_equal(r.result, TOTP_R_BAD);
	totp_row(&t);
	assert_int_equal(t.failures, 1);
	store_totp_cleanup(&t);
	totp_msg3(&f, SIGNER_MSG_TOTP_VERIFY, RACE_USER, "sign", code, &r);
	assert_int_equal(r.result, TOTP_R_OK);
	totp_msg3(&f, SIGNER_MSG_TOTP_PEEK, RACE_USER, "sign", code, &r);
	assert_int_equal(r.result, TOTP_R_REPLAY);
	signer_teardown(&f);
}

/* Each test starts from an empty schema. */
static int
test_setup(void **state)
{
	group_teardown(state);
	return group_setup(state);
}

static const struct CMUnitTest suite[] = {
	cmocka_unit_test_setup(test_use_step_once, test_setup),
	cmocka_unit_test_setup(test_totp_failures_exact, test_setup),
	cmocka_unit_test_setup(test_login_failures_exact, test_setup),
	cmocka_unit_test_setup(test_signer_one_code_once, test_setup),
	cmocka_unit_test_setup(test_signer_failures_exact, test_setup),
	cmocka_unit_test_setup(test_signer_peek, test_setup),
};

int
main(void)
{
	return ts_store_main("test_store_race", suite, PC_ARRAY_LEN(suite),
	    group_setup, group_teardown);
}
