/*
 * signer_user.c: SIGN_USER, signatures with holders' keys under a SAD.
 *
 * The only path by which a holder's HSM key signs. Order of the checks
 * (see signer.h): credential and certificate (expired, revoked), the
 * counter (enough transactions for the signatures and the timestamps the
 * caller will request), the TOTP code through signer_totp.c (purpose
 * "sign": the same window, replay and lockout rules as every other use),
 * then the HSM signs every hash. Only when all signatures exist does one
 * transaction take the transactions and write the records (table
 * signatures: kind "sign" with the signed hash, kind "timestamp" with the
 * imprint the TSA will be asked for, i.e. the hash of the signature
 * value). A refusal or an HSM failure counts nothing and returns nothing.
 * The TOTP step is used (committed) as soon as the code matched, so a
 * failed signature never makes the same code usable again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "signer/signer_int.h"
#include "store/store_credential.h"

struct signer_user {
	const struct conf *conf;
	struct hsm *hsm;          /* borrowed */
	struct signer_totp *totp; /* borrowed; NULL: no TOTP key */
	struct store *store;
};

static const char *const result_codes[] = {
	[USER_R_OK] = "ok",
	[USER_R_TOTP_BAD] = "totp_invalid",
	[USER_R_TOTP_REPLAY] = "totp_replay",
	[USER_R_TOTP_LOCKED] = "totp_locked",
	[USER_R_TOTP_NONE] = "totp_not_enrolled",
	[USER_R_CERT_EXPIRED] = "cert_expired",
	[USER_R_CERT_REVOKED] = "cert_revoked",
	[USER_R_QUOTA] = "quota_exhausted",
	[USER_R_UNKNOWN] = "credential_unknown",
	[USER_R_SIGN_FAILED] = "sign_failed",
};

const char *
signer_user_result_code(enum signer_user_result r)
{
	if ((size_t)r >= PC_ARRAY_LEN(result_codes) || result_codes[r] == NULL)
		return "sign_failed";
	return result_codes[r];
}

enum pc_rc
signer_user_open(const struct conf *conf, struct hsm *hsm,
    struct signer_totp *totp, struct signer_user **out)
{
	struct signer_user *u;
	enum pc_rc rc;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return PC_ENOMEM;
	u->conf = conf;
	u->hsm = hsm;
	u->totp = totp;
	rc = store_open(conf->store.url, 2, &u->store);
	if (rc != PC_OK) {
		free(u);
		return rc;
	}
	*out = u;
	return PC_OK;
}

void
signer_user_close(struct signer_user *u)
{
	if (u == NULL)
		return;
	store_close(u->store);
	free(u);
}

static enum signer_user_result
totp_result(enum signer_totp_result r)
{
	switch (r) {
	case TOTP_R_OK:
		return USER_R_OK;
	case TOTP_R_REPLAY:
		return USER_R_TOTP_REPLAY;
	case TOTP_R_LOCKED:
		return USER_R_TOTP_LOCKED;
	case TOTP_R_NONE:
	case TOTP_R_GONE:
		return USER_R_TOTP_NONE;
	case TOTP_R_BAD:
	default:
		return USER_R_TOTP_BAD;
	}
}

struct user_req {
	char serial[STORE_SERIAL_MAX + 1];
	char sad[SIGNER_SAD_MAX + 1];
	uint16_t mech;
	uint32_t md;
	uint16_t nts, n;
	const uint8_t *hashes[SIGNER_USER_HASHES_MAX];
	size_t hlen;
};

/* The request as C strings and hashes (its bounds: the table's). */
static void
req_from(const struct signer_m_sign_user *m, struct user_req *q)
{
	size_t i;

	signer_text(&m->credential, q->serial, sizeof(q->serial));
	signer_text(&m->sad, q->sad, sizeof(q->sad));
	q->mech = m->mech;
	q->md = m->md;
	q->nts = m->timestamps;
	q->n = m->nhashes;
	for (i = 0; i < q->n; i++)
		q->hashes[i] = m->hashes[i].p;
	q->hlen = m->hashes[0].n;
}

/* The credential and its certificate: result and key label. */
static enum pc_rc
check_credential(struct db *db, const struct user_req *q, int64_t now,
    struct store_credential *cr, char *label, size_t lsize,
    enum signer_user_result *res)
{
	struct store_cert c;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	rc = store_credential_get(db, q->serial, cr);
	if (rc == PC_OK)
		rc = store_cert_get(db, q->serial, &c);
	if (rc == PC_ENOTFOUND) {
		*res = USER_R_UNKNOWN;
		rc = PC_OK;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (c.kind == NULL || strcmp(c.kind, CERT_KIND_SIGN) != 0 ||
	    c.key_label == NULL) {
		*res = USER_R_UNKNOWN;
	} else if (c.status == CERT_REVOKED) {
		*res = USER_R_CERT_REVOKED;
	} else if (now > c.not_after || now < c.not_before) {
		*res = USER_R_CERT_EXPIRED;
	} else if (cr->transactions_left < (int64_t)q->n + q->nts) {
		*res = USER_R_QUOTA;
	} else {
		*res = USER_R_OK;
		snprintf(label, lsize, "%s", c.key_label);
	}
out:
	store_cert_cleanup(&c);
	return rc;
}

/* Take the transactions and write the records, in one transaction. */
static enum pc_rc
record(struct db *db, const struct user_req *q, uint8_t (*sigs)[HSM_SIG_MAX],
    const size_t *siglens, int64_t now, enum signer_user_result *res,
    int64_t *left)
{
	struct store_credential cr;
	char hex[2 * SIGNER_HASH_MAX + 1], detail[160];
	uint8_t imp[EVP_MAX_MD_SIZE];
	unsigned int implen;
	const EVP_MD *md;
	size_t i;
	enum pc_rc rc;

	md = EVP_get_digestbynid((int)q->md);
	if (md == NULL && q->nts > 0)
		return PC_EINVAL;
	rc = db_begin(db);
	if (rc != PC_OK)
		return rc;
	rc = store_credential_spend(db, q->serial, (int64_t)q->n + q->nts, now);
	if (rc == PC_ELIMIT) {
		*res = USER_R_QUOTA; /* another request took them */
		db_rollback(db);
		return PC_OK;
	}
	for (i = 0; rc == PC_OK && i < q->n; i++) {
		hex_encode(q->hashes[i], q->hlen, hex);
		rc = store_signature_add(
		    db, q->serial, STORE_SIG_KIND_SIGN, hex, now);
		if (rc != PC_OK || i >= q->nts)
			continue;
		if (!EVP_Digest(sigs[i], siglens[i], imp, &implen, md, NULL)) {
			rc = PC_ECRYPTO;
			break;
		}
		hex_encode(imp, implen, hex);
		rc = store_signature_add(
		    db, q->serial, STORE_SIG_KIND_TIMESTAMP, hex, now);
	}
	snprintf(detail, sizeof(detail),
	    "credential=%s signatures=%u "
	    "timestamps=%u",
	    q->serial, q->n, q->nts);
	if (rc == PC_OK)
		rc = store_audit_append(db, "signer", "sign.user", detail);
	if (rc == PC_OK)
		rc = store_credential_get(db, q->serial, &cr);
	if (rc == PC_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	if (rc == PC_OK)
		*left = cr.transactions_left;
	return rc;
}

void
signer_user_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_sign_user *m, struct buf *reply)
{
	struct signer_m_sign_user_reply r;
	struct user_req q;
	struct store_credential cr;
	struct signer_totp_reply tr;
	struct db *db = NULL;
	const struct hsm_key *key;
	uint8_t(*sigs)[HSM_SIG_MAX] = NULL;
	size_t siglens[SIGNER_USER_HASHES_MAX];
	enum signer_user_result res = USER_R_SIGN_FAILED;
	char label[HSM_LABEL_MAX];
	int64_t now = clock_now(), left = 0;
	uint32_t retry = 0;
	size_t i;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	memset(&tr, 0, sizeof(tr));
	memset(&cr, 0, sizeof(cr));
	if (drc != PC_OK) {
		rc = drc;
		goto out;
	}
	req_from(m, &q);
	if (u == NULL || u->totp == NULL) {
		rc = PC_EUNAVAIL;
		goto out;
	}
	rc = store_acquire(u->store, &db);
	if (rc != PC_OK)
		goto out;
	rc = check_credential(db, &q, now, &cr, label, sizeof(label), &res);
	if (rc != PC_OK || res != USER_R_OK)
		goto out;
	left = cr.transactions_left;

	/* The SAD: a TOTP code of the holder (its account once linked). */
	rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	rc = signer_totp_check(u->totp, db,
	    cr.user_id[0] != '\0' ? cr.user_id : cr.holder, "sign", q.sad, &tr);
	if (rc == PC_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	if (rc != PC_OK)
		goto out;
	res = totp_result(tr.result);
	retry = tr.retry_after;
	if (res != USER_R_OK)
		goto out;

	res = USER_R_SIGN_FAILED;
	sigs = calloc(q.n, sizeof(*sigs));
	if (sigs == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = hsm_key_find(u->hsm, label, &key);
	for (i = 0; rc == PC_OK && i < q.n; i++)
		rc = hsm_key_sign(u->hsm, key, (enum hsm_mech)q.mech, (int)q.md,
		    q.hashes[i], q.hlen, sigs[i], &siglens[i]);
	if (rc != PC_OK) {
		log_warnx("signer: credential %s: signing failed (%s); "
		          "nothing counted",
		    q.serial, pc_rc_str(rc));
		rc = PC_OK;
		goto out;
	}
	res = USER_R_OK;
	rc = record(db, &q, sigs, siglens, now, &res, &left);
out:
	secret_wipe(q.sad, sizeof(q.sad));
	if (db != NULL)
		store_release(u->store, db);
	if (rc != PC_OK)
		res = USER_R_SIGN_FAILED;
	log_info("signer: sign_user credential=%s n=%u timestamps=%u "
	         "result=%s rc=%s",
	    q.serial, q.n, q.nts, signer_user_result_code(res), pc_rc_str(rc));
	memset(&r, 0, sizeof(r));
	r.rc = (uint32_t)rc;
	r.result = (uint16_t)res;
	r.retry_after = retry;
	r.transactions_left = (uint32_t)(left > 0 ? left : 0);
	if (rc == PC_OK && res == USER_R_OK) {
		r.nsigs = q.n;
		for (i = 0; i < q.n; i++) {
			r.sigs[i].p = sigs[i];
			r.sigs[i].n = siglens[i];
		}
	}
	signer_reply(reply, SIGNER_MSG_SIGN_USER_REPLY, &r);
	free(sigs);
}
