/*
 * ops.h: what operators and load balancers ask of a running node:
 * liveness, readiness (database writable, signer answering with its HSM
 * session).
 */
#ifndef PC_OPS_H
#define PC_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/env.h"
#include "base/pc.h"

struct ops_ready {
	bool db_ok;     /* a write transaction committed */
	bool signer_ok; /* the signer answered a ping (it holds the HSM) */
	unsigned signer_restarts;
	const char *db_why; /* static: why not, or "" */
};

/*
 * Check readiness now: a short write transaction on the database and a
 * ping of the signer process. Fills r; never fails otherwise.
 */
void ops_ready(const struct pc_env *e, struct ops_ready *r);

struct buf;
/*
 * Append the node's metrics to out in Prometheus text format: uptime
 * (started_at: the node's start), the signer process and the calls to it,
 * the database's gauges (pecete_db_up says whether they could be read).
 * The HTTP requests are http_metrics_render's.
 */
enum pc_rc ops_metrics(
    const struct pc_env *e, int64_t started_at, struct buf *out);

/* ---- anchors of the audit chain (ops_audit.c) ---- */

#define OPS_AUDIT_ANCHORS "audit-anchors" /* in the data directory */

struct conf;
struct db;
struct pki;

/*
 * Time-stamp the head of the audit chain with our TSA and append the
 * anchor to the data directory's file, when the head moved since the last
 * anchor. OUT: *anchored, the row anchored (0: nothing new).
 */
enum pc_rc ops_audit_anchor(const struct pc_env *e, int64_t *anchored);

struct ops_audit_report {
	int64_t rows; /* rows of an intact chain */
	int64_t anchors, anchors_ok;
	int64_t last_anchor_row, last_anchor_at;
	int64_t bad_row;     /* the row found wrong, or 0 */
	int bad_anchor_line; /* an anchor line that is wrong, or 0 */
	char why[256];       /* what is wrong, for people; "" when intact */
};

/*
 * Check the chain, then every anchor of the file against the rows and its
 * time-stamp against our TSA (p: the hierarchy, no key needed). PC_OK when
 * all holds; PC_ECRYPTO with r->why when not.
 */
enum pc_rc ops_audit_check(const struct conf *c, struct db *db, struct pki *p,
    struct ops_audit_report *r);

#endif /* PC_OPS_H */
