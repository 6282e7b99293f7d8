/*
 * ops_health.c: readiness. "Alive" needs nothing (the process answers);
 * "ready" means a request can be served: the database takes a write (a
 * read-only or full database is not ready), the signer answers and the
 * HSM signs.
 */
#include <string.h>

#include <openssl/obj_mac.h>

#include "base/clock.h"
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
	return rc;
}
