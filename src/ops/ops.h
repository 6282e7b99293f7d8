/*
 * ops.h: what operators and load balancers ask of a running node:
 * liveness, readiness (database writable, signer answering with its HSM
 * session).
 */
#ifndef PC_OPS_H
#define PC_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/env.h"
#include "base/pc.h"

struct ops_ready {
	bool db_ok;     /* a write transaction committed */
	bool signer_ok; /* the signer answered a ping (it holds the HSM) */
	bool hsm_ok;    /* the HSM made a signature (the audit seal key) */
	unsigned signer_restarts;
	const char *db_why; /* static: why not, or "" */
};

/*
 * Check readiness now: a short write transaction on the database, a
 * ping of the signer process and a signature by the HSM (ops_hsm_check).
 * Fills r; never fails otherwise.
 */
void ops_ready(const struct pc_env *e, struct ops_ready *r);

/*
 * The HSM at work: the signer signs a fixed hash with the audit seal key
 * (ECDSA P-256, a fraction of a millisecond) and a signature comes back.
 * PC_OK, or why not.
 */
enum pc_rc ops_hsm_check(const struct pc_env *e);

/*
 * The validation service's readiness: its trust anchors now (this
 * provider's root, [server] trust_anchors, the services of the trusted
 * lists in use) into *anchors and the state of each trusted list into
 * *lists (a JSON array, tl_ready; json_decref). False when there is no
 * anchor at all, or a configured list is refused, expired or not loaded.
 */
bool ops_validation_ready(
    const struct pc_env *e, unsigned *anchors, json_t **lists);

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
	int64_t sealed,
	    unsealed;    /* rows with a good seal; of a log never sealed */
	int64_t covered; /* rows sealed by a later row's seal (group commit) */
	bool seals_checked;  /* false: no sealing key to check with */
	bool bad_seal;       /* bad_row is a seal's, not the chain's */
	int64_t bad_row;     /* the row found wrong, or 0 */
	int bad_anchor_line; /* an anchor line that is wrong, or 0 */
	char why[256];       /* what is wrong, for people; "" when intact */
};

/*
 * Check the chain and, with seal_pub (the public key of the HSM's sealing
 * key, an EVP_PKEY), every row's seal; then every anchor of the file
 * against the rows and its time-stamp against our TSA (p: the hierarchy,
 * no key needed). PC_OK when all holds; PC_ECRYPTO with r->why when not.
 */
enum pc_rc ops_audit_check(const struct conf *c, struct db *db, struct pki *p,
    void *seal_pub, struct ops_audit_report *r);

/*
 * Sealers for store_audit_sealer: the in-process HSM (arg: struct hsm,
 * CLI) or the signer process (arg: struct signer_client, server), both
 * with HSM_AUDIT_SEAL_LABEL.
 */
enum pc_rc ops_audit_seal_hsm(
    void *arg, const uint8_t hash[32], uint8_t *sig, size_t *n);
enum pc_rc ops_audit_seal_signer(
    void *arg, const uint8_t hash[32], uint8_t *sig, size_t *n);
/* store_unseal_fn over a public key (arg: EVP_PKEY). */
bool ops_audit_unseal(
    void *arg, const uint8_t hash[32], const uint8_t *sig, size_t n);

/*
 * Export rows from..to (to 0: the newest) as JSON to path, with the
 * sealing key's public key (seal_pub, PEM in the file), and path.tsr: a
 * time-stamp of our TSA over the file's SHA-256, so the export verifies
 * offline (openssl ts -verify -data path -in path.tsr, then each row's
 * chain link and seal). OUT: *nrows exported.
 */
enum pc_rc ops_audit_export(const struct pc_env *e, struct db *db,
    void *seal_pub, int64_t from, int64_t to, const char *path, int64_t *nrows);

/*
 * A security event of the service (start, stop, the HSM back after a
 * failure) into the sealed audit log, actor "system"; a failure to write
 * it is logged, not returned.
 */
void ops_audit_event(
    const struct pc_env *e, const char *event, const char *detail);

#endif /* PC_OPS_H */
