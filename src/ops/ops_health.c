/*
 * ops_health.c: readiness. "Alive" needs nothing (the process answers);
 * "ready" means a request can be served: the database takes a write (a
 * read-only or full database is not ready), the signer answers and the
 * HSM signs.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/obj_mac.h>

#include "base/clock.h"
#include "base/log.h"
#include "hsm/hsm.h"
#include "ops/ops.h"
#include "signer/signer.h"
#include "store/store.h"
#include "store/store_account.h"

void
ops_ready(const struct pc_env *e, struct ops_ready *r)
{
	struct db *db = NULL;
	int64_t count = 0, now = clock_now();
	enum pc_rc rc;

	memset(r, 0, sizeof(*r));
	r->db_why = "";
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		rc = db_begin(db);
		/* An upsert of a counter row: a real write, committed. */
		if (rc == PC_OK)
			rc = store_rate_hit(
			    db, "ops:ready", now - now % 60, &count);
		if (rc == PC_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
		store_release(e->store, db);
		r->db_why = rc == PC_OK ? "" : "write failed";
	} else {
		r->db_why = "no connection";
	}
	r->db_ok = rc == PC_OK;
	r->signer_ok =
	    e->signer != NULL && signer_client_ping(e->signer) == PC_OK;
	r->signer_restarts =
	    e->signer != NULL ? signer_client_restarts(e->signer) : 0;
	r->hsm_ok = r->signer_ok && ops_hsm_check(e) == PC_OK;
}

/*
 * The HSM found failing, then signing again: the recovery goes into the
 * audit log with how long it failed (the failure itself cannot: an audit
 * row needs the HSM's seal). Seen by this node's checks (readyz, metrics).
 */
static void
hsm_transition(const struct pc_env *e, bool ok)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static int64_t failing_since; /* 0: not failing */
	int64_t since = 0;
	bool began = false;
	char detail[64];

	pthread_mutex_lock(&mu);
	if (!ok && failing_since == 0) {
		failing_since = clock_now();
		began = true;
	}
	if (ok && failing_since != 0) {
		since = failing_since;
		failing_since = 0;
	}
	pthread_mutex_unlock(&mu);
	if (began) {
		log_warnx("ops: the HSM does not sign (readiness check)");
	} else if (since != 0) {
		snprintf(detail, sizeof(detail), "failing_s=%lld",
		    (long long)(clock_now() - since));
		ops_audit_event(e, "hsm.recovered", detail);
	}
}

enum pc_rc
ops_hsm_check(const struct pc_env *e)
{
	static const uint8_t probe[32] = { 'p', 'e', 'c', 'e', 't', 'e', '-',
		'h', 's', 'm', '-', 'c', 'h', 'e', 'c', 'k' };
	uint8_t sig[HSM_SIG_MAX];
	size_t len = 0;
	enum pc_rc rc;

	if (e->signer == NULL)
		return PC_EUNAVAIL;
	rc = signer_client_sign_service(e->signer, HSM_AUDIT_SEAL_LABEL,
	    HSM_MECH_ECDSA, NID_sha256, probe, sizeof(probe), sig, &len);
	if (rc == PC_OK && len == 0)
		rc = PC_ECRYPTO;
	hsm_transition(e, rc == PC_OK);
	return rc;
}

void
ops_audit_event(const struct pc_env *e, const char *event, const char *detail)
{
	enum pc_rc rc;

	if (e == NULL || e->store == NULL)
		return;
	STORE_ONE(
	    rc, e->store, store_audit_append(db, "system", event, detail));
	if (rc != PC_OK)
		log_warnx(
		    "ops: audit %s not written (%s)", event, pc_rc_str(rc));
}
