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

#endif /* PC_OPS_H */
