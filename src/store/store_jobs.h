/*
 * store_jobs.h: typed functions for the job table ("jobs", migration 9).
 * Used by src/jobs only.
 *
 * One row per scheduled job that must run once per period across every
 * node (a cluster job). A node takes a due job with ONE conditional
 * UPDATE that sets it as the lease owner until lease_until; of nodes that
 * try at once, on SQLite (one writer) or PostgreSQL (READ COMMITTED: the
 * second UPDATE re-reads the row and finds it leased), exactly one
 * changes the row, so each run happens once. The end of a run names the
 * owner, so a node whose lease ran out (and was taken by another) cannot
 * overwrite the other's schedule. A lease that is never released (the
 * node died) expires at lease_until.
 *
 * Times are UTC seconds (clock_now). horizon guards against a clock that
 * went back (tests with libfaketime, a corrected host clock): a next_run
 * or lease_until more than horizon seconds ahead of now is treated as
 * due or expired, so a job never stalls until a date that will not come.
 */
#ifndef PC_STORE_JOBS_H
#define PC_STORE_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"

#define STORE_JOB_NAME_MAX 64
#define STORE_JOB_OWNER_MAX 128
#define STORE_JOB_RESULT_MAX 200

struct store_job {
	char name[STORE_JOB_NAME_MAX + 1];
	int64_t next_run;                          /* due from then */
	char lease_owner[STORE_JOB_OWNER_MAX + 1]; /* "" when free */
	int64_t lease_until;                       /* 0 when free */
	int64_t last_start, last_end;              /* 0 before the first */
	char last_result[STORE_JOB_RESULT_MAX + 1];
	int64_t runs;     /* runs started */
	int64_t failures; /* runs that ended with a failure */
};

/*
 * Add the job name due at next_run unless a row exists (its schedule is
 * kept). PC_OK either way.
 */
enum pc_rc store_job_register(
    struct db *db, const char *name, int64_t next_run);
/*
 * Take name for owner until lease_until when it is due at now and not
 * leased (see above; horizon > 0). PC_ESTATE when it is not due or
 * another owner holds it; PC_ENOTFOUND is never returned (an unknown
 * name is PC_ESTATE too). OUT: *job (may be NULL), the row as taken.
 */
enum pc_rc store_job_take(struct db *db, const char *name, const char *owner,
    int64_t now, int64_t lease_until, int64_t horizon, struct store_job *job);
/*
 * End owner's run of name at now: the lease is released, the job is due
 * again at next_run, result (short, no secrets; cut to
 * STORE_JOB_RESULT_MAX) and a failure counted when !ok. PC_ESTATE when
 * owner no longer holds the lease.
 */
enum pc_rc store_job_done(struct db *db, const char *name, const char *owner,
    int64_t now, int64_t next_run, bool ok, const char *result);
/* The row of name. PC_ENOTFOUND when absent. OUT: *job. */
enum pc_rc store_job_get(
    struct db *db, const char *name, struct store_job *job);

#endif /* PC_STORE_JOBS_H */
