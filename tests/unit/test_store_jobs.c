/*
 * test_store_jobs.c: the job table's leases (store_jobs.c) and the
 * scheduler (src/jobs), on SQLite and (with PECETE_TEST_PG_URL,
 * tests/integration/store_pg.sh) PostgreSQL.
 *
 * The lease: a due job is taken by one owner; another owner, or the same
 * one again, gets nothing until it ends or its lease expires; the end of
 * a run names its owner, so a node whose lease ran out cannot overwrite
 * the schedule of the node that took over; a schedule from a clock that
 * went back does not stall. Under concurrency: RACE_THREADS connections
 * take one due job at the same instant, RACE_ROUNDS times; exactly one
 * wins each time. The scheduler: two "nodes" (two jobs_start on one
 * database) run a cluster job of period 1 s for a few seconds: never two
 * runs at once, about one run per second in all, the row counts every
 * run; a node job runs on both nodes. A failing run is recorded; a job
 * whose row is missing registers it again.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "jobs/jobs.h"
#include "store/store.h"
#include "store/store_jobs.h"
#include "support/tstore.h"

#define RACE_THREADS 8
#define RACE_ROUNDS 10
#define HORIZON 7200

static struct store *s; /* RACE_THREADS + runner connections */

static int
group_setup(void **state)
{
	return ts_store_fresh(ts_cur->url, RACE_THREADS + 4, &s);
}

static int
group_teardown(void **state)
{
	store_close(s);
	s = NULL;
	return 0;
}

static struct db *
db_get(void)
{
	struct db *db = NULL;

	assert_int_equal(store_acquire(s, &db), PC_OK);
	return db;
}

static void
test_register(void **state)
{
	struct store_job j;
	struct db *db = db_get();

	assert_int_equal(store_job_register(db, "reg", 1000), PC_OK);
	assert_int_equal(store_job_register(db, "reg", 5000), PC_OK);
	assert_int_equal(store_job_get(db, "reg", &j), PC_OK);
	assert_string_equal(j.name, "reg");
	assert_int_equal(j.next_run, 1000); /* the schedule is kept */
	assert_string_equal(j.lease_owner, "");
	assert_int_equal(j.runs, 0);
	assert_int_equal(store_job_register(db, "", 1), PC_EINVAL);
	assert_int_equal(store_job_get(db, "none", &j), PC_ENOTFOUND);
	store_release(s, db);
}

static void
test_lease(void **state)
{
	struct store_job j;
	struct db *db = db_get();
	int64_t t = 100000;

	assert_int_equal(store_job_register(db, "lease", t), PC_OK);
	/* Not due yet. */
	assert_int_equal(
	    store_job_take(db, "lease", "A", t - 1, t + 60, HORIZON, &j),
	    PC_ESTATE);
	assert_int_equal(
	    store_job_take(db, "lease", "A", t, t + 60, HORIZON, &j), PC_OK);
	assert_string_equal(j.lease_owner, "A");
	assert_int_equal(j.lease_until, t + 60);
	assert_int_equal(j.last_start, t);
	assert_int_equal(j.runs, 1);
	/* Leased: nobody else, not the owner again. */
	assert_int_equal(
	    store_job_take(db, "lease", "B", t + 5, t + 65, HORIZON, NULL),
	    PC_ESTATE);
	assert_int_equal(
	    store_job_take(db, "lease", "A", t + 5, t + 65, HORIZON, NULL),
	    PC_ESTATE);
	/* Only the owner ends the run. */
	assert_int_equal(
	    store_job_done(db, "lease", "B", t + 10, t + 610, true, "x"),
	    PC_ESTATE);
	assert_int_equal(
	    store_job_done(db, "lease", "A", t + 10, t + 610, true, "done"),
	    PC_OK);
	assert_int_equal(store_job_get(db, "lease", &j), PC_OK);
	assert_string_equal(j.lease_owner, "");
	assert_int_equal(j.lease_until, 0);
	assert_int_equal(j.next_run, t + 610);
	assert_int_equal(j.last_end, t + 10);
	assert_string_equal(j.last_result, "done");
	assert_int_equal(j.failures, 0);
	/* Due again at next_run; B takes it and dies. */
	assert_int_equal(
	    store_job_take(db, "lease", "B", t + 609, t + 700, HORIZON, NULL),
	    PC_ESTATE);
	assert_int_equal(
	    store_job_take(db, "lease", "B", t + 610, t + 670, HORIZON, NULL),
	    PC_OK);
	assert_int_equal(
	    store_job_take(db, "lease", "A", t + 669, t + 729, HORIZON, NULL),
	    PC_ESTATE);
	/* Its lease expired: A takes over; B's late end changes nothing. */
	assert_int_equal(
	    store_job_take(db, "lease", "A", t + 670, t + 730, HORIZON, NULL),
	    PC_OK);
	assert_int_equal(
	    store_job_done(db, "lease", "B", t + 680, t + 1280, true, "late"),
	    PC_ESTATE);
	assert_int_equal(store_job_done(db, "lease", "A", t + 690, t + 1290,
	                     false, "failed: reason"),
	    PC_OK);
	assert_int_equal(store_job_get(db, "lease", &j), PC_OK);
	assert_int_equal(j.runs, 3);
	assert_int_equal(j.failures, 1);
	assert_int_equal(j.next_run, t + 1290);
	assert_string_equal(j.last_result, "failed: reason");
	/* The clock went back a day: the far schedule does not stall it. */
	assert_int_equal(store_job_take(db, "lease", "C", t + 1290 - 86400,
	                     t + 1290 - 86400 + 60, HORIZON, NULL),
	    PC_OK);
	/* ... nor does the lease it took, once the clock is right again. */
	assert_int_equal(store_job_take(db, "lease", "D", t + 1290 + HORIZON,
	                     t + 1290 + HORIZON + 60, HORIZON, NULL),
	    PC_OK);
	assert_int_equal(
	    store_job_take(db, "nosuchjob", "A", t, t + 60, HORIZON, NULL),
	    PC_ESTATE);
	store_release(s, db);
}

struct race {
	pthread_barrier_t start;
	pthread_mutex_t mu;
	int64_t now;
	int won, lost, errors;
};

struct racer {
	struct race *r;
	int id;
};

static void *
race_thread(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;
	struct db *db = NULL;
	char owner[32];
	enum pc_rc rc;

	snprintf(owner, sizeof(owner), "node-%d", me->id);
	rc = store_acquire(s, &db);
	pthread_barrier_wait(&r->start);
	if (rc == PC_OK)
		rc = store_job_take(
		    db, "race", owner, r->now, r->now + 60, HORIZON, NULL);
	if (db != NULL)
		store_release(s, db);
	pthread_mutex_lock(&r->mu);
	if (rc == PC_OK)
		r->won++;
	else if (rc == PC_ESTATE)
		r->lost++;
	else
		r->errors++;
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void
test_take_race(void **state)
{
	pthread_t th[RACE_THREADS];
	struct racer who[RACE_THREADS];
	struct store_job j;
	struct race r;
	struct db *db;
	int round, i;

	db = db_get();
	assert_int_equal(store_job_register(db, "race", 1000), PC_OK);
	store_release(s, db);
	for (round = 0; round < RACE_ROUNDS; round++) {
		memset(&r, 0, sizeof(r));
		r.now = 1000 + round * 100;
		pthread_barrier_init(&r.start, NULL, RACE_THREADS);
		pthread_mutex_init(&r.mu, NULL);
		for (i = 0; i < RACE_THREADS; i++) {
			who[i].r = &r;
			who[i].id = i;
			assert_int_equal(
			    pthread_create(&th[i], NULL, race_thread, &who[i]),
			    0);
		}
		for (i = 0; i < RACE_THREADS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&r.start);
		pthread_mutex_destroy(&r.mu);
		assert_int_equal(r.errors, 0);
		assert_int_equal(r.won, 1);
		assert_int_equal(r.lost, RACE_THREADS - 1);
		/* The winner ends its run; due again next round. */
		db = db_get();
		assert_int_equal(store_job_get(db, "race", &j), PC_OK);
		assert_int_equal(store_job_done(db, "race", j.lease_owner,
		                     r.now + 1, r.now + 100, true, "ok"),
		    PC_OK);
		store_release(s, db);
	}
	db = db_get();
	assert_int_equal(store_job_get(db, "race", &j), PC_OK);
	assert_int_equal(j.runs, RACE_ROUNDS);
	store_release(s, db);
}

/* What the scheduler test's jobs count. */
static struct {
	pthread_mutex_t mu;
	int running, overlaps, cluster_runs, bad_actor;
	int node_runs[2];
} C = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, { 0, 0 } };

static enum pc_rc
tick(const struct pc_env *e, void *arg, char *result, size_t n)
{
	struct timespec ts = { 0, 50 * 1000000L };

	pthread_mutex_lock(&C.mu);
	if (C.running > 0)
		C.overlaps++;
	C.running++;
	C.cluster_runs++;
	if (e->actor == NULL || strcmp(e->actor, "job:tick") != 0)
		C.bad_actor++;
	pthread_mutex_unlock(&C.mu);
	nanosleep(&ts, NULL); /* a run takes a while */
	pthread_mutex_lock(&C.mu);
	C.running--;
	pthread_mutex_unlock(&C.mu);
	snprintf(result, n, "ticked");
	return PC_OK;
}

static enum pc_rc
local(const struct pc_env *e, void *arg, char *result, size_t n)
{
	pthread_mutex_lock(&C.mu);
	(*(int *)arg)++;
	pthread_mutex_unlock(&C.mu);
	return PC_OK;
}

static void
test_two_nodes(void **state)
{
	struct jobs_def defs[2];
	struct pc_env e;
	struct jobs *a = NULL, *b = NULL;
	struct store_job j;
	struct timespec ts = { 3, 500 * 1000000L };
	struct db *db;
	int64_t t0;

	C.running = C.overlaps = C.cluster_runs = C.bad_actor = 0;
	C.node_runs[0] = C.node_runs[1] = 0;
	memset(&e, 0, sizeof(e));
	e.store = s;
	defs[0] = (struct jobs_def){ "tick", JOBS_CLUSTER, 1000, 30, tick, NULL,
		NULL };
	defs[1] = (struct jobs_def){ "local", JOBS_NODE, 200, 0, local,
		&C.node_runs[0], NULL };
	t0 = clock_now();
	assert_int_equal(jobs_start(&e, defs, 2, &a), PC_OK);
	defs[1].arg = &C.node_runs[1];
	assert_int_equal(jobs_start(&e, defs, 2, &b), PC_OK);
	assert_string_not_equal(jobs_owner(a), jobs_owner(b));
	nanosleep(&ts, NULL);
	jobs_stop(a);
	jobs_stop(b);
	assert_int_equal(C.overlaps, 0);
	assert_int_equal(C.bad_actor, 0);
	/* About one run a second in all (the period runs from each end). */
	assert_true(C.cluster_runs >= 2);
	assert_true(C.cluster_runs <= (int)(clock_now() - t0) + 1);
	assert_true(C.node_runs[0] >= 5);
	assert_true(C.node_runs[1] >= 5);
	db = db_get();
	assert_int_equal(store_job_get(db, "tick", &j), PC_OK);
	assert_int_equal(j.runs, C.cluster_runs);
	assert_string_equal(j.lease_owner, "");
	assert_string_equal(j.last_result, "ticked");
	assert_int_equal(j.failures, 0);
	/* A node job has no row. */
	assert_int_equal(store_job_get(db, "local", &j), PC_ENOTFOUND);
	store_release(s, db);
}

static enum pc_rc
boom(const struct pc_env *e, void *arg, char *result, size_t n)
{
	snprintf(result, n, "boom");
	return PC_EIO;
}

static int freed;

static void
count_free(void *arg)
{
	freed++;
}

static void
test_failure_and_defs(void **state)
{
	struct jobs_def d = { "boom", JOBS_CLUSTER, 600000, 30, boom, NULL,
		count_free };
	struct jobs_def two[2];
	struct pc_env e;
	struct jobs *j = NULL;
	struct store_job row;
	struct db *db;
	int64_t wait = 0;
	bool ran = false;

	memset(&e, 0, sizeof(e));
	e.store = s;
	db = db_get();
	assert_int_equal(store_job_register(db, "boom", clock_now()), PC_OK);
	store_release(s, db);
	assert_int_equal(jobs_cluster_try(&e, &d, "me", &ran, &wait), PC_OK);
	assert_true(ran);
	assert_int_equal(wait, 600000);
	/* Not due now: no run, a wait until it is (at most a minute). */
	assert_int_equal(jobs_cluster_try(&e, &d, "me", &ran, &wait), PC_OK);
	assert_false(ran);
	assert_true(wait >= 1000 && wait <= 60000);
	db = db_get();
	assert_int_equal(store_job_get(db, "boom", &row), PC_OK);
	assert_int_equal(row.runs, 1);
	assert_int_equal(row.failures, 1);
	assert_string_equal(row.last_result, "boom");
	assert_true(row.next_run >= clock_now() + 599);
	store_release(s, db);

	/* A job without a row (deleted, or never registered) gets one. */
	d.name = "fresh";
	assert_int_equal(jobs_cluster_try(&e, &d, "me", &ran, &wait), PC_OK);
	assert_false(ran);
	assert_int_equal(wait, 1000);
	assert_int_equal(jobs_cluster_try(&e, &d, "me", &ran, &wait), PC_OK);
	assert_true(ran);
	d.name = "boom";

	/* Definitions are checked; every arg is freed on a refusal. */
	two[0] = d;
	two[1] = d; /* the same name twice */
	freed = 0;
	assert_int_equal(jobs_start(&e, two, 2, &j), PC_EINVAL);
	assert_null(j);
	assert_int_equal(freed, 2);
	two[1].name = "other";
	two[1].lease_s = 0; /* a cluster job needs a lease */
	assert_int_equal(jobs_start(&e, two, 2, &j), PC_EINVAL);
	jobs_stop(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_lease),
		cmocka_unit_test(test_take_race),
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_failure_and_defs),
	};

	return ts_store_main("test_store_jobs", tests, PC_ARRAY_LEN(tests),
	    group_setup, group_teardown);
}
