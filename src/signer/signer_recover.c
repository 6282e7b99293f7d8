/*
 * signer_recover.c: SIGN_RECOVER (see signer.h), a browser batch a dead
 * node left "signing". The quota is SAD state, so the signer, not the web
 * side, gives back what was counted and never delivered: bounded by its
 * own signature records (each given back at most once) and guarded by
 * the batch leaving "signing" in the same transaction (a second request
 * changes nothing).
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "signer/signer_int.h"
#include "signing/signing.h"
#include "store/store_credential.h"
#include "store/store_sign.h"

/* What a browser batch's items are in (signing_web_int.h). */
#define R_ITEM_READY "ready"
#define R_ITEM_SIGNED "signed"
#define R_ITEM_PENDING "pending"
#define R_ITEM_SIGNING "signing"

struct recover {
	struct db *db;
	const struct store_sign_batch *b;
	int64_t now;
	int64_t kept;        /* signed and delivered */
	int64_t kept_ts;     /* their timestamps */
	int64_t unfinished;  /* to sign again */
	int64_t undelivered; /* of those, recorded as signed */
	int64_t refunded;    /* their transactions */
};

static bool
unfinished(const struct store_sign_item *it)
{
	return strcmp(it->state, R_ITEM_READY) == 0 ||
	       strcmp(it->state, R_ITEM_PENDING) == 0 ||
	       strcmp(it->state, R_ITEM_SIGNING) == 0;
}

/* First pass, reading only: what was kept and what is left. */
static enum pc_rc
count_one(void *arg, const struct store_sign_item *it)
{
	struct recover *r = arg;

	if (strcmp(it->state, R_ITEM_SIGNED) == 0) {
		r->kept++;
		r->kept_ts +=
		    signing_ts_made(r->b->level, it->level, it->format);
	} else if (unfinished(it)) {
		r->unfinished++;
	}
	return PC_OK;
}

/*
 * Second pass, after the batch left "signing": an unfinished item goes
 * back to ready; when the signer recorded its hash as a signature of the
 * credential (a record not given back yet), that record is given back
 * with the item's transactions.
 */
static enum pc_rc
refund_one(void *arg, const struct store_sign_item *src)
{
	struct recover *r = arg;
	struct store_sign_item it;
	enum pc_rc rc = PC_OK;

	if (!unfinished(src))
		return PC_OK;
	if (src->tbs_hash[0] != '\0') {
		rc = store_signature_refund(
		    r->db, r->b->credential, src->tbs_hash, r->now);
		if (rc == PC_OK) {
			r->undelivered++;
			r->refunded +=
			    signing_cost_str(r->b->level, src->format);
		} else if (rc == PC_ENOTFOUND) {
			rc = PC_OK; /* never signed, or given back before */
		}
	}
	if (rc == PC_OK && strcmp(src->state, R_ITEM_READY) != 0) {
		it = *src;
		snprintf(it.state, sizeof(it.state), R_ITEM_READY);
		rc = store_sign_item_update(r->db, &it);
	}
	return rc;
}

static enum pc_rc
recover_tx(struct signer_user *u, const char *user, const char *id,
    struct recover *r, enum signer_recover_result *res)
{
	struct store_sign_batch b;
	struct db *db = NULL;
	char detail[200];
	enum pc_rc rc;

	*res = RECOVER_R_UNKNOWN;
	rc = store_write_begin(u->store, &db);
	if (rc != PC_OK)
		return rc;
	r->db = db;
	r->b = &b;
	rc = store_sign_batch_get(db, user, id, &b);
	if (rc == PC_ENOTFOUND) {
		rc = PC_OK;
		goto out;
	}
	*res = RECOVER_R_MOVED;
	if (rc != PC_OK || strcmp(b.state, "signing") != 0)
		goto out;
	rc = store_sign_item_each(db, b.id, count_one, r);
	if (rc != PC_OK)
		goto out;
	/* The guard first: another node's request waits here, then finds
	 * the batch moved (PC_ESTATE) and rolls back. */
	snprintf(b.state, sizeof(b.state), r->unfinished > 0 ? "open" : "done");
	b.interrupted_at = b.updated_at = r->now;
	if (r->unfinished == 0) {
		b.signatures = r->kept;
		b.timestamps = r->kept_ts;
		b.signed_at = r->now;
	}
	rc = store_sign_batch_move(db, &b, "signing");
	if (rc != PC_OK)
		goto out;
	rc = store_sign_item_each(db, b.id, refund_one, r);
	if (rc == PC_OK && r->refunded > 0)
		rc = store_credential_refund(
		    db, b.credential, r->refunded, r->now);
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s delivered=%lld undelivered=%lld "
		    "refunded=%lld",
		    b.id, b.credential, (long long)r->kept,
		    (long long)r->undelivered, (long long)r->refunded);
		rc = store_audit_append(
		    db, "signer", "sign.interrupted", detail);
	}
	if (rc == PC_OK)
		*res = RECOVER_R_OK;
out:
	rc = store_write_end(u->store, db, rc);
	if (rc == PC_ESTATE) {
		rc = PC_OK; /* another node moved it first */
		*res = RECOVER_R_MOVED;
	}
	if (rc != PC_OK || *res != RECOVER_R_OK)
		r->kept = r->undelivered = r->refunded = r->unfinished = 0;
	return rc;
}

void
signer_recover_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_sign_recover *m, struct buf *reply)
{
	struct signer_m_sign_recover_reply out;
	struct recover r;
	enum signer_recover_result res = RECOVER_R_UNKNOWN;
	char user[SIGNER_TOTP_ID_MAX + 1] = "", id[STORE_ID_LEN + 1] = "";
	enum pc_rc rc = drc;

	memset(&r, 0, sizeof(r));
	r.now = clock_now();
	if (rc == PC_OK && u == NULL)
		rc = PC_EUNAVAIL;
	if (rc == PC_OK && (!signer_text(&m->user, user, sizeof(user)) ||
	                       !signer_text(&m->batch, id, sizeof(id))))
		rc = PC_EINVAL;
	if (rc == PC_OK)
		rc = recover_tx(u, user, id, &r, &res);
	log_info("signer: sign_recover batch=%s result=%d kept=%lld "
	         "undelivered=%lld refunded=%lld rc=%s",
	    id, (int)res, (long long)r.kept, (long long)r.undelivered,
	    (long long)r.refunded, pc_rc_str(rc));
	memset(&out, 0, sizeof(out));
	out.rc = (uint32_t)rc;
	out.result = (uint16_t)(rc == PC_OK ? res : RECOVER_R_UNKNOWN);
	out.open = r.unfinished > 0;
	out.kept = (uint32_t)r.kept;
	out.undelivered = (uint32_t)r.undelivered;
	out.refunded = (uint32_t)r.refunded;
	signer_reply(reply, SIGNER_MSG_SIGN_RECOVER_REPLY, &out);
}
