/*
 * signer_retire.c: KEYS_RETIRE (see signer.h). A holder's keys are
 * destroyed in the HSM once they can never sign again: the signing
 * certificate revoked for good or ended (not while on hold: a suspension
 * can be lifted), a day after, so that a revocation entered by mistake can
 * still be looked at. The signer alone touches the keys and records it
 * (credentials.keys_destroyed_at, the audit row key.destroyed), at most
 * RETIRE_BATCH credentials per request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "signer/signer_int.h"
#include "store/store_credential.h"

#define RETIRE_GRACE_S (24 * 3600)
#define RETIRE_BATCH 32
#define RETIRE_KEYS 4 /* a holder's key pairs: signing, authentication */

struct retire_list {
	struct store_retired x[RETIRE_BATCH];
	size_t n;
};

static enum pc_rc
retire_add(void *arg, const struct store_retired *x)
{
	struct retire_list *l = arg;

	if (l->n < RETIRE_BATCH)
		l->x[l->n++] = *x;
	return PC_OK;
}

struct key_labels {
	char label[RETIRE_KEYS][HSM_LABEL_MAX];
	size_t n;
};

static enum pc_rc
label_add(void *arg, const struct store_cert *c)
{
	struct key_labels *k = arg;

	if (c->key_label != NULL && c->key_label[0] != '\0' &&
	    k->n < RETIRE_KEYS)
		snprintf(k->label[k->n++], HSM_LABEL_MAX, "%s", c->key_label);
	return PC_OK;
}

/* Destroy the keys of credential x, then record it. */
static enum pc_rc
retire_one(struct signer_user *u, const struct store_retired *x, int64_t now)
{
	struct key_labels k;
	struct db *db = NULL;
	char detail[200];
	size_t i;
	enum pc_rc rc;

	memset(&k, 0, sizeof(k));
	rc = store_acquire(u->store, &db);
	if (rc == PC_OK)
		rc = store_cert_each_of_holder(db, x->holder, label_add, &k);
	store_release(u->store, db);
	db = NULL;
	/* Gone already (a retry after a failed record) counts as done. */
	for (i = 0; rc == PC_OK && i < k.n; i++) {
		rc = hsm_key_destroy(u->hsm, k.label[i]);
		if (rc == PC_ENOTFOUND)
			rc = PC_OK;
	}
	if (rc != PC_OK) {
		log_warnx("signer: cannot destroy the keys of credential %s "
		          "(%s)",
		    x->serial, pc_rc_str(rc));
		return rc;
	}
	rc = store_write_begin(u->store, &db);
	if (rc == PC_OK)
		rc = store_credential_keys_gone(db, x->serial, now);
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail), "credential=%s keys=%zu",
		    x->serial, k.n);
		rc = store_audit_append(db, "signer", "key.destroyed", detail);
	}
	rc = store_write_end(u->store, db, rc);
	if (rc == PC_OK)
		log_info("signer: credential %s: %zu key pair(s) destroyed",
		    x->serial, k.n);
	return rc == PC_ESTATE ? PC_OK : rc; /* another node recorded it */
}

void
signer_retire_serve(struct signer_user *u, enum pc_rc drc, struct buf *reply)
{
	struct signer_m_keys_retire_reply out;
	struct retire_list *l = NULL;
	struct db *db = NULL;
	int64_t now = clock_now();
	uint32_t done = 0;
	size_t i;
	enum pc_rc rc = drc;

	if (rc == PC_OK && (u == NULL || u->hsm == NULL))
		rc = PC_EUNAVAIL;
	if (rc == PC_OK) {
		l = calloc(1, sizeof(*l));
		rc = l != NULL ? PC_OK : PC_ENOMEM;
	}
	if (rc == PC_OK)
		rc = store_acquire(u->store, &db);
	if (rc == PC_OK)
		rc = store_credential_retired(
		    db, now - RETIRE_GRACE_S, RETIRE_BATCH, retire_add, l);
	if (db != NULL)
		store_release(u->store, db);
	for (i = 0; rc == PC_OK && i < l->n; i++) {
		rc = retire_one(u, &l->x[i], now);
		if (rc == PC_OK)
			done++;
	}
	memset(&out, 0, sizeof(out));
	out.rc = (uint32_t)rc;
	out.destroyed = done;
	free(l);
	signer_reply(reply, SIGNER_MSG_KEYS_RETIRE_REPLY, &out);
}
