/*
 * jobs.c: the scheduler: a runner thread per job, cluster jobs through
 * the leased job table (see jobs.h and docs/internals/jobs.md).
 */
#define _GNU_SOURCE /* pthread_cond_clockwait */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "jobs/jobs.h"
#include "store/store.h"
#include "store/store_jobs.h"

/* A cluster job not due is looked at again after at most this. */
#define JOBS_POLL_MAX_MS 60000
/* After a database failure, try again after this (at most the period). */
#define JOBS_RETRY_MS 10000
/* A schedule or lease this far past the period and lease is a clock that
 * went back: treated as due or expired. */
#define JOBS_HORIZON_SLACK_S 3600

struct jobs;

struct runner {
	struct jobs *jobs;
	struct jobs_def def;
	struct pc_env env; /* the caller's, actor "job:<name>" */
	char actor[STORE_JOB_NAME_MAX + 8];
	pthread_t thread;
	bool started;
};

struct jobs {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* CLOCK_MONOTONIC */
	bool stop;
	char owner[STORE_JOB_OWNER_MAX + 1];
	struct runner r[JOBS_MAX];
	size_t n;
};

static int64_t
period_s(const struct jobs_def *d)
{
	int64_t s = (d->period_ms + 999) / 1000;

	return s > 0 ? s : 1;
}

/* Sleep up to ms, or until jobs_stop; false when stopping. */
static bool
runner_wait(struct jobs *j, int64_t ms)
{
	struct timespec ts;
	bool go;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	/* clockwait, not timedwait: libfaketime (tests) rewrites a timed
	 * wait's deadline as if it were wall-clock time, so under a moved
	 * clock every wait ended at once and the runners spun. */
	while (!j->stop && pthread_cond_clockwait(&j->cv, &j->mu,
	                       CLOCK_MONOTONIC, &ts) != ETIMEDOUT)
		;
	go = !j->stop;
	pthread_mutex_unlock(&j->mu);
	return go;
}

/* Run d once; its status, and its result in result. */
static enum pc_rc
run_one(
    const struct pc_env *e, const struct jobs_def *d, char *result, size_t n)
{
	enum pc_rc rc;

	result[0] = '\0';
	rc = d->run(e, d->arg, result, n);
	result[n - 1] = '\0';
	if (result[0] == '\0')
		snprintf(result, n, "%s", rc == PC_OK ? "ok" : pc_rc_str(rc));
	return rc;
}

/* How long to wait for a job taken elsewhere, or not yet due. */
static int64_t
wait_for(const struct store_job *row, int64_t now)
{
	int64_t at = row->next_run;

	if (row->lease_owner[0] != '\0' && row->lease_until > at)
		at = row->lease_until;
	at = (at - now) * 1000;
	if (at < 1000)
		at = 1000;
	return at < JOBS_POLL_MAX_MS ? at : JOBS_POLL_MAX_MS;
}

enum pc_rc
jobs_cluster_try(const struct pc_env *e, const struct jobs_def *d,
    const char *owner, bool *ran, int64_t *wait_ms)
{
	struct store_job row;
	struct db *db = NULL;
	char result[JOBS_RESULT_MAX + 1];
	int64_t now, end, horizon, wait;
	enum pc_rc rc, rrc;

	RETURN_VAL_IF_FAIL(e != NULL && e->store != NULL && d != NULL &&
	                       d->scope == JOBS_CLUSTER && d->lease_s > 0 &&
	                       owner != NULL && ran != NULL,
	    PC_EINTERNAL);
	*ran = false;
	wait = d->period_ms;
	horizon = period_s(d) + d->lease_s + JOBS_HORIZON_SLACK_S;
	memset(&row, 0, sizeof(row));
	now = clock_now();
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_job_take(
	    db, d->name, owner, now, now + d->lease_s, horizon, &row);
	if (rc == PC_ESTATE) {
		/* Not due, or another node runs it: look again later. */
		rc = store_job_get(db, d->name, &row);
		if (rc == PC_OK)
			wait = wait_for(&row, now);
		if (rc == PC_ENOTFOUND) {
			/* Its row went (or never came): due now again. */
			rc = store_job_register(db, d->name, now);
			wait = 1000;
		}
		store_release(e->store, db);
		goto out;
	}
	store_release(e->store, db);
	db = NULL;
	if (rc != PC_OK)
		goto out;

	*ran = true;
	rrc = run_one(e, d, result, sizeof(result));
	end = clock_now();
	if (rrc != PC_OK)
		log_warnx("jobs: %s failed (%s): %s", d->name, pc_rc_str(rrc),
		    result);
	else
		log_debug("jobs", "jobs: %s ran in %lld s: %s", d->name,
		    (long long)(end - now), result);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_job_done(db, d->name, owner, end, end + period_s(d),
		    rrc == PC_OK, result);
	if (db != NULL)
		store_release(e->store, db);
	if (rc == PC_ESTATE) {
		log_warnx("jobs: %s ran past its lease (%lld s); another node "
		          "may have run it too",
		    d->name, (long long)d->lease_s);
		rc = PC_OK;
	}
out:
	if (rc != PC_OK && rc != PC_ESTATE) {
		log_warnx("jobs: %s: the job table is not available (%s)",
		    d->name, pc_rc_str(rc));
		wait =
		    d->period_ms < JOBS_RETRY_MS ? d->period_ms : JOBS_RETRY_MS;
	}
	if (rc == PC_ESTATE)
		rc = PC_OK;
	if (wait_ms != NULL)
		*wait_ms = wait;
	return rc;
}

static void *
runner_main(void *arg)
{
	struct runner *r = arg;
	char result[JOBS_RESULT_MAX + 1];
	int64_t wait;
	bool ran;
	enum pc_rc rc;

	do {
		if (r->def.scope == JOBS_NODE) {
			rc = run_one(&r->env, &r->def, result, sizeof(result));
			if (rc != PC_OK)
				log_warnx("jobs: %s failed (%s): %s",
				    r->def.name, pc_rc_str(rc), result);
			wait = r->def.period_ms;
		} else {
			(void)jobs_cluster_try(
			    &r->env, &r->def, r->jobs->owner, &ran, &wait);
		}
	} while (runner_wait(r->jobs, wait > 0 ? wait : 1));
	return NULL;
}

static bool
def_ok(const struct jobs_def *d)
{
	return d->name != NULL && d->name[0] != '\0' &&
	       strlen(d->name) <= STORE_JOB_NAME_MAX && d->run != NULL &&
	       d->period_ms > 0 &&
	       (d->scope == JOBS_NODE ||
	           (d->scope == JOBS_CLUSTER && d->lease_s > 0));
}

/* The cluster jobs' rows, due now when new. */
static enum pc_rc
jobs_register(const struct pc_env *e, const struct jobs_def *defs, size_t n)
{
	struct db *db = NULL;
	size_t i;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	for (i = 0; rc == PC_OK && i < n; i++)
		if (defs[i].scope == JOBS_CLUSTER)
			rc = store_job_register(db, defs[i].name, clock_now());
	if (db != NULL)
		store_release(e->store, db);
	return rc;
}

static enum pc_rc
owner_id(char *out, size_t n)
{
	char host[64], rnd[2 * 4 + 1];
	enum pc_rc rc;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "node");
	host[sizeof(host) - 1] = '\0';
	rc = rnd_hex(4, rnd);
	if (rc == PC_OK)
		snprintf(out, n, "%s:%ld:%s", host, (long)getpid(), rnd);
	return rc;
}

enum pc_rc
jobs_start(const struct pc_env *e, const struct jobs_def *defs, size_t n,
    struct jobs **out)
{
	pthread_condattr_t ca;
	struct jobs *j;
	struct runner *r;
	size_t i, k;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && e->store != NULL && out != NULL &&
	                       (defs != NULL || n == 0),
	    PC_EINTERNAL);
	*out = NULL;
	rc = n <= JOBS_MAX ? PC_OK : PC_ELIMIT;
	for (i = 0; rc == PC_OK && i < n; i++) {
		if (!def_ok(&defs[i]))
			rc = PC_EINVAL;
		for (k = 0; rc == PC_OK && k < i; k++)
			if (strcmp(defs[i].name, defs[k].name) == 0)
				rc = PC_EINVAL;
	}
	j = rc == PC_OK ? calloc(1, sizeof(*j)) : NULL;
	if (rc == PC_OK && j == NULL)
		rc = PC_ENOMEM;
	if (rc == PC_OK)
		rc = owner_id(j->owner, sizeof(j->owner));
	/* A runner registers its row itself when it finds none. */
	if (rc == PC_OK && jobs_register(e, defs, n) != PC_OK)
		log_warnx("jobs: cannot register the jobs now; their runners "
		          "will");
	if (rc != PC_OK) {
		free(j);
		for (i = 0; i < n; i++)
			if (defs[i].arg_free != NULL)
				defs[i].arg_free(defs[i].arg);
		return rc;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < n; i++) {
		r = &j->r[i];
		r->jobs = j;
		r->def = defs[i];
		r->env = *e;
		snprintf(r->actor, sizeof(r->actor), "job:%s", defs[i].name);
		r->env.actor = r->actor;
		j->n++;
	}
	for (i = 0; i < j->n; i++) {
		r = &j->r[i];
		r->started =
		    pthread_create(&r->thread, NULL, runner_main, r) == 0;
		if (!r->started)
			log_warnx(
			    "jobs: cannot start the runner of %s", r->def.name);
	}
	log_info("jobs: %zu job(s) started (node %s)", j->n, j->owner);
	*out = j;
	return PC_OK;
}

void
jobs_stop(struct jobs *j)
{
	size_t i;

	if (j == NULL)
		return;
	pthread_mutex_lock(&j->mu);
	j->stop = true;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	for (i = 0; i < j->n; i++) {
		if (j->r[i].started)
			pthread_join(j->r[i].thread, NULL);
		if (j->r[i].def.arg_free != NULL)
			j->r[i].def.arg_free(j->r[i].def.arg);
	}
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

const char *
jobs_owner(const struct jobs *j)
{
	return j != NULL ? j->owner : "";
}
