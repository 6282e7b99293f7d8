/*
 * store_gauges.c: what the database says about the work waiting, for
 * /metrics: the outbox, identifications and signing batches by state, the
 * scheduled jobs. Cluster-wide values (every node reads the same rows).
 */
#include <string.h>

#include "base/buf.h"
#include "store/store.h"

static const struct {
	const char *name, *type, *help, *label;
	const char *sql; /* two columns: label value (or NULL), number */
} gauges[] = {
	{ "pecete_outbox_queued", "gauge",
	    "E-mails and SMS waiting to be sent (every node's).", NULL,
	    "SELECT NULL, count(*) FROM outbox WHERE status = 'queued'" },
	{ "pecete_outbox_oldest_queued_seconds", "gauge",
	    "Age of the oldest message waiting to be sent.", NULL,
	    "SELECT NULL, COALESCE($1 - MIN(created_at), 0) FROM outbox "
	    "WHERE status = 'queued'" },
	{ "pecete_idv_cases", "gauge", "Video identifications by state.",
	    "state", "SELECT state, count(*) FROM idv_cases GROUP BY state" },
	{ "pecete_sign_batches", "gauge", "Signing batches by state.", "state",
	    "SELECT state, count(*) FROM sign_batches GROUP BY state" },
	{ "pecete_job_runs_total", "counter",
	    "Runs of each scheduled job (cluster-wide).", "job",
	    "SELECT name, runs FROM jobs" },
	{ "pecete_job_failures_total", "counter",
	    "Runs of each scheduled job that failed (cluster-wide).", "job",
	    "SELECT name, failures FROM jobs" },
	{ "pecete_job_last_end_timestamp_seconds", "gauge",
	    "When each scheduled job last ended (0: never).", "job",
	    "SELECT name, last_end FROM jobs" },
};

static enum pc_rc
one_gauge(struct db *db, size_t g, int64_t now, struct buf *out)
{
	struct db_stmt *st = NULL;
	const char *lv;
	bool row;
	enum pc_rc rc;

	rc = db_prepare(db, gauges[g].sql, &st);
	if (rc == PC_OK && strstr(gauges[g].sql, "$1") != NULL)
		rc = db_bind_i64(st, 1, now);
	if (rc != PC_OK)
		goto out;
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", gauges[g].name,
	    gauges[g].help, gauges[g].name, gauges[g].type);
	while ((rc = db_step(st, &row)) == PC_OK && row) {
		lv = gauges[g].label != NULL ? db_col_text(st, 0) : NULL;
		/* States and job names are our own words: no quoting. */
		if (lv != NULL)
			buf_printf(out, "%s{%s=\"%s\"} %lld\n", gauges[g].name,
			    gauges[g].label, lv, (long long)db_col_i64(st, 1));
		else
			buf_printf(out, "%s %lld\n", gauges[g].name,
			    (long long)db_col_i64(st, 1));
	}
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_gauges(struct db *db, int64_t now, struct buf *out)
{
	enum pc_rc rc = PC_OK;
	size_t i;

	for (i = 0; i < sizeof(gauges) / sizeof(gauges[0]) && rc == PC_OK; i++)
		rc = one_gauge(db, i, now, out);
	return rc;
}
