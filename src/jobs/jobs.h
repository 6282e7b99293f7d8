/*
 * jobs.h: scheduled work of pecete serve, once per cluster or on every
 * node (DESIGN §3: "jobs ... so one node runs each job").
 *
 * A job is a definition (name, scope, period, lease, a run function) and,
 * for a cluster job, a row of the job table (store/store_jobs.h):
 *
 *   JOBS_CLUSTER  each run happens once across every node: a node takes
 *                 the due row with a conditional UPDATE (a lease until
 *                 now + lease_s), runs, and releases it with the next due
 *                 time (end + period) and the result. A node that dies
 *                 mid-run leaves a lease that expires; then another node
 *                 runs the job. (The CRL refresh, the BNR rate of the day,
 *                 and later renewal reminders, retention, issuance.)
 *   JOBS_NODE     runs on every node, no row: for work whose items carry
 *                 their own claims, so that nodes share it without a
 *                 lease and the period can be short (notification
 *                 delivery: the outbox rows are claimed one by one with a
 *                 claim token; a pass every second).
 *
 * jobs_start() gives each job its own runner thread, so a slow run (a TSA
 * or BNR timeout) never delays another job; jobs_stop() wakes them and
 * waits for runs in progress. The runner's sleep is interruptible and
 * measured on the monotonic clock.
 * See docs/internals/jobs.md.
 */
#ifndef PC_JOBS_H
#define PC_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/env.h"
#include "base/pc.h"

#define JOBS_MAX 16
#define JOBS_RESULT_MAX 200 /* bytes of a run's result, for the table */

enum jobs_scope {
	JOBS_CLUSTER = 1,
	JOBS_NODE,
};

/*
 * A run: do the work with e (its actor is "job:<name>"), write a short
 * result (no secrets, no personal data) into result (n bytes; "" is
 * fine). PC_OK when it did what it should; a failure is recorded and the
 * job runs again at its next period.
 */
typedef enum pc_rc (*jobs_run_fn)(
    const struct pc_env *e, void *arg, char *result, size_t n);

struct jobs_def {
	const char *name; /* unique; the row's name for JOBS_CLUSTER */
	enum jobs_scope scope;
	int64_t period_ms; /* from the end of a run to the next start */
	int64_t lease_s;   /* JOBS_CLUSTER: a run ends within it */
	jobs_run_fn run;
	void *arg;
	void (*arg_free)(void *arg); /* at jobs_stop; may be NULL */
};

struct jobs;

/*
 * Register the cluster jobs (a row due now unless one exists) and start a
 * runner thread per job of defs[0..n) (copied; names borrowed). e is
 * borrowed and must outlive the jobs (its store, conf, pki). The node's
 * lease owner id is "<host>:<pid>:<random>". On failure nothing runs and
 * every arg is freed. OUT: *out (jobs_stop).
 */
enum pc_rc jobs_start(const struct pc_env *e, const struct jobs_def *defs,
    size_t n, struct jobs **out);
/*
 * Stop every runner (a run in progress ends first), free each arg; NULL
 * is a no-op.
 */
void jobs_stop(struct jobs *j);
/* The lease owner id of this node's runners. */
const char *jobs_owner(const struct jobs *j);

/*
 * One attempt at a cluster job as owner: run it when it is due and free,
 * record the end. *ran says whether it ran; PC_OK also when it was not
 * due. *wait_ms (may be NULL): how long to wait before trying again. The
 * runner threads call this; tests and a future "pecete jobs run" too.
 */
enum pc_rc jobs_cluster_try(const struct pc_env *e, const struct jobs_def *d,
    const char *owner, bool *ran, int64_t *wait_ms);

/*
 * The jobs of pecete serve: the issuing CA's CRL kept fresh and the BNR
 * rate of the day (cluster, every 10 minutes), notification delivery
 * (node, a pass every second: a fresh message goes out within about a
 * second, as before). e needs conf, store and pki. OUT: *out (jobs_stop).
 */
enum pc_rc jobs_serve_start(const struct pc_env *e, struct jobs **out);

#endif /* PC_JOBS_H */
