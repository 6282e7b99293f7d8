/*
 * store_jobs.c: the job table (see store_jobs.h). Rows go through the
 * column table below (store_row.h); the lease changes by conditional
 * UPDATEs whose row count says who won.
 */
#include <stdio.h>
#include <string.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_jobs.h"
#include "store/store_row.h"

#define T struct store_job
static const struct store_col job_col[] = {
	STORE_COL(T, name, COL_TEXT, 0),
	STORE_COL(T, next_run, COL_I64, 0),
	STORE_COL(T, lease_owner, COL_TEXT, COL_NULL0),
	STORE_COL(T, lease_until, COL_I64, 0),
	STORE_COL(T, last_start, COL_I64, 0),
	STORE_COL(T, last_end, COL_I64, 0),
	STORE_COL(T, last_result, COL_TEXT, COL_NULL0),
	STORE_COL(T, runs, COL_I64, 0),
	STORE_COL(T, failures, COL_I64, 0),
};
static const struct store_cols job_cols =
    STORE_COLS(T, "jobs", NULL, NULL, job_col);
#undef T

/* Add a job unless it exists. */
enum pc_rc
store_job_register(struct db *db, const char *name, int64_t next_run)
{
	struct store_job j;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && name != NULL, PC_EINTERNAL);
	if (strlen(name) == 0 || strlen(name) > STORE_JOB_NAME_MAX)
		return PC_EINVAL;
	memset(&j, 0, sizeof(j));
	snprintf(j.name, sizeof(j.name), "%s", name);
	j.next_run = next_run;
	rc = store_row_insert(
	    db, &job_cols, &j, "ON CONFLICT (name) DO NOTHING");
	return rc == PC_EEXIST ? PC_OK : rc;
}

/* Take a due, free job for owner (one conditional UPDATE). */
enum pc_rc
store_job_take(struct db *db, const char *name, const char *owner, int64_t now,
    int64_t lease_until, int64_t horizon, struct store_job *job)
{
	struct store_job scratch;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && name != NULL && owner != NULL &&
	                       owner[0] != '\0' &&
	                       strlen(owner) <= STORE_JOB_OWNER_MAX &&
	                       lease_until > now && horizon > 0,
	    PC_EINTERNAL);
	rc = store_row_returning(db, &job_cols, job != NULL ? job : &scratch,
	    "UPDATE jobs SET lease_owner = $2, lease_until = $4, "
	    "last_start = $3, runs = runs + 1 "
	    "WHERE name = $1 "
	    "AND (next_run <= $3 OR next_run > $3 + $5) "
	    "AND (lease_owner IS NULL OR lease_until <= $3 "
	    "OR lease_until > $3 + $5)",
	    "ssiii", name, owner, now, lease_until, horizon);
	if (job == NULL)
		store_row_cleanup(&job_cols, &scratch);
	return rc;
}

/* End a run that owner holds. */
enum pc_rc
store_job_done(struct db *db, const char *name, const char *owner, int64_t now,
    int64_t next_run, bool ok, const char *result)
{
	char res[STORE_JOB_RESULT_MAX + 1];

	RETURN_VAL_IF_FAIL(
	    db != NULL && name != NULL && owner != NULL, PC_EINTERNAL);
	snprintf(res, sizeof(res), "%s", result != NULL ? result : "");
	return store_q_change(db, PC_ESTATE,
	    "UPDATE jobs SET lease_owner = NULL, lease_until = 0, "
	    "next_run = $3, last_end = $4, last_result = $5, "
	    "failures = failures + $6 "
	    "WHERE name = $1 AND lease_owner = $2",
	    "ssiisi", name, owner, next_run, now, res, (int64_t)(ok ? 0 : 1));
}

/* One job's row. */
enum pc_rc
store_job_get(struct db *db, const char *name, struct store_job *job)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && name != NULL && job != NULL, PC_EINTERNAL);
	return store_row_get(db, &job_cols, job, "WHERE name = $1", "s", name);
}
