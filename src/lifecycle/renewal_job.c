/*
 * renewal_job.c: the renewals job (J10): approved requests issued when
 * due, refused or lapsed ones refunded, and the photos deleted when
 * their retention ends. See renewal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "issuance/issuance.h"
#include "legal/legal.h"
#include "lifecycle/renewal.h"
#include "lifecycle/renewal_int.h"
#include "notify/notify.h"
#include "ra/ra.h"
#include "shop/shop.h"
#include "signing/documents.h"
#include "store/store_account.h"
#include "store/store_credential.h"
#include "store/store_idv.h"
#include "store/store_shop.h"
#include "vault/vault.h"

struct due {
	struct store_renewal r[RUN_MAX];
	size_t n;
};

static enum pc_rc
due_one(void *arg, const struct store_renewal *r)
{
	struct due *d = arg;

	if (d->n < RUN_MAX) {
		d->r[d->n] = *r;
		d->r[d->n].reason = NULL; /* not needed; owned by the walk */
		d->n++;
	}
	return PC_OK;
}

/* Issue the approved request r (due). */
static enum pc_rc
run_issue(const struct pc_env *e, const struct store_renewal *r)
{
	struct pc_err err = { 0 };
	json_t *id = NULL;
	char *identity = NULL;
	enum pc_rc rc;

	rc = renewal_accepted_identity(e, r->user_id, &id);
	if (rc == PC_OK) {
		/* The document given with the request. */
		json_object_set_new(id, "doc_type", json_string(r->doc_type));
		json_object_set_new(
		    id, "doc_series", json_string(r->doc_series));
		json_object_set_new(
		    id, "doc_number", json_string(r->doc_number));
		json_object_set_new(
		    id, "doc_expiry", json_string(r->doc_expiry));
		identity = json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS);
		rc = identity != NULL ? PC_OK : PC_ENOMEM;
	}
	if (rc == PC_OK)
		rc = issuance_renew(
		    e, r->user_id, r->id, r->order_id, identity, &err);
	if (rc != PC_OK)
		log_warnx("renewal: %s not issued yet (%s%s%s)", r->id,
		    pc_rc_str(rc), err.code ? ": " : "",
		    err.code ? pc_ecode_name(err.code) : "");
	free(identity);
	json_decref(id);
	return rc;
}

/*
 * Refund the order of r and close r; tell the holder. A draft or a
 * rejected request whose order another request uses, or whose order was
 * refunded already, is closed without a refund.
 */
static enum pc_rc
run_refund(const struct pc_env *e, const struct store_renewal *r)
{
	struct pc_env sys = *e;
	struct pc_err err = { 0 };
	struct db *db = NULL;
	const char *to = RENEWAL_REFUNDED;
	bool used = false, asked = strcmp(r->state, RENEWAL_DRAFT) != 0 &&
	                           strcmp(r->state, RENEWAL_REJECTED) != 0;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_renewal_order_used(db, r->order_id, &used);
	store_release(e->store, db);
	if (rc != PC_OK)
		return rc;
	sys.actor = "system";
	if (used && !asked)
		to = RENEWAL_CLOSED;
	else
		rc = shop_order_refund(&sys, r->order_id,
		    "renewal not issued before the window closed", &err);
	if (rc == PC_ESTATE && err.code == PCE_ORDER_STATE) {
		to = RENEWAL_CLOSED; /* refunded for another request */
		rc = PC_OK;
	}
	if (rc != PC_OK) {
		log_warnx("renewal: the order of %s could not be refunded (%s)",
		    r->id, pc_rc_str(rc));
		return rc;
	}
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_renewal_move(
	    db, r->id, r->state, to, NULL, NULL, NULL, NULL, clock_now());
	if (rc == PC_OK)
		rc = store_audit_printf(db, "system", "renewal.close",
		    "renewal=%s order=%s state=%s", r->id, r->order_id, to);
	if (rc == PC_OK && strcmp(to, RENEWAL_REFUNDED) == 0)
		rc = renewal_tell(e, db, r, "renewal_refunded", NULL);
	return store_write_end(e->store, db, rc);
}

/* Is serial neither revoked nor suspended? */
static bool
cert_good(const struct pc_env *e, const char *serial)
{
	struct store_cert c;
	struct db *db = NULL;
	bool good;

	memset(&c, 0, sizeof(c));
	if (store_acquire(e->store, &db) != PC_OK)
		return true; /* the signer checks it again */
	good = store_cert_get(db, serial, &c) == PC_OK && c.status == CERT_GOOD;
	store_release(e->store, db);
	store_cert_cleanup(&c);
	return good;
}

static enum pc_rc
run_state(const struct pc_env *e, const char *state, int64_t due_at, bool issue,
    int64_t *count)
{
	struct due *d;
	size_t i;
	enum pc_rc rc, one;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return PC_ENOMEM;
	STORE_ONE(rc, e->store,
	    store_renewal_each(db, state, due_at, RUN_MAX, due_one, d));
	for (i = 0; rc == PC_OK && i < d->n; i++) {
		/* An approved request whose certificate ended, or was
		 * revoked or suspended, is refunded. */
		if (issue && clock_now() < d->r[i].old_not_after &&
		    cert_good(e, d->r[i].old_serial))
			one = run_issue(e, &d->r[i]);
		else
			one = run_refund(e, &d->r[i]);
		if (one == PC_OK)
			(*count)++;
	}
	free(d);
	return rc;
}

enum pc_rc
renewal_run(const struct pc_env *e, int64_t *issued, int64_t *refunded)
{
	static const char *const closed[] = { RENEWAL_DRAFT, RENEWAL_SUBMITTED,
		RENEWAL_REJECTED };
	int64_t now = clock_now();
	size_t i;
	enum pc_rc rc;

	*issued = *refunded = 0;
	/* Approved: issued from RENEWAL_LEAD_S before the end (refunded
	 * when still not issued at the end); first, so that the requests
	 * closed next see the order used. */
	rc = run_state(e, RENEWAL_APPROVED, now + RENEWAL_LEAD_S, true, issued);
	/* The rest when the window closed. */
	for (i = 0; rc == PC_OK && i < PC_ARRAY_LEN(closed); i++)
		rc = run_state(
		    e, closed[i], now + RENEWAL_WINDOW_S, false, refunded);
	return rc;
}

/* ---- the photos' retention ----------------------------------------------- */

struct gone {
	char id[RUN_MAX][STORE_ID_LEN + 1];
	size_t n;
};

static enum pc_rc
gone_one(void *arg, const struct store_renewal *r)
{
	struct gone *g = arg;

	if (g->n < RUN_MAX)
		snprintf(g->id[g->n++], STORE_ID_LEN + 1, "%s", r->id);
	return PC_OK;
}

enum pc_rc
renewal_photos_expire(const struct pc_env *e, int64_t *deleted)
{
	const struct conf_ra *ra = &e->conf->ra;
	int64_t now = clock_now();
	struct db *db = NULL;
	struct gone *g;
	char path[600];
	size_t i;
	enum pc_rc rc;

	*deleted = 0;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return PC_ENOMEM;
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_renewal_photo_due(db,
		    now - ra->retention_open_days * 86400,
		    now - ra->retention_rejected_days * 86400,
		    now - ra->retention_accepted_years * 366 * 86400, RUN_MAX,
		    gone_one, g);
	store_release(e->store, db);
	for (i = 0; rc == PC_OK && i < g->n; i++) {
		renewal_photo_path(e, g->id[i], path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT) {
			log_warnx("renewal: the photo of %s could not be "
			          "deleted (%s)",
			    g->id[i], strerror(errno));
			continue;
		}
		rc = store_write_begin(e->store, &db);
		if (rc != PC_OK)
			break;
		rc = store_renewal_photo_forget(db, g->id[i]);
		if (rc == PC_OK)
			rc = store_audit_printf(db, "system",
			    "renewal.photo_deleted", "renewal=%s", g->id[i]);
		rc = store_write_end(e->store, db, rc);
		if (rc == PC_OK)
			(*deleted)++;
	}
	free(g);
	return rc;
}
