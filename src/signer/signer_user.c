/*
 * signer_user.c: SIGN_USER, signatures with holders' keys under a SAD.
 *
 * The only path by which a holder's HSM key signs. Order of the checks
 * (see signer.h): credential and certificate (expired, revoked), the
 * counter (enough transactions for the signatures and the timestamps the
 * caller will request), the TOTP code through signer_totp.c (purpose
 * "sign": the same window, replay and lockout rules as every other use),
 * then the HSM signs every hash. Only when all signatures exist does one
 * transaction (signer_record.c: a group commit with the records of other
 * requests finishing at the same time, each under its own savepoint)
 * take the transactions and write the records (table
 * signatures: kind "sign" with the signed hash, kind "timestamp" with the
 * imprint the TSA will be asked for, i.e. the hash of the signature
 * value). A refusal or an HSM failure counts nothing and returns nothing.
 * The TOTP step is used (committed) as soon as the code matched, so a
 * failed signature never makes the same code usable again.
 *
 * ISSUE_USER (J8) is here too: the account's TOTP code (purpose "issue"),
 * then both key pairs and certificates (pki_holder_issue with the HSM as
 * key source; the credential row in its transaction). It leaves a grant:
 * a one-time SAD, kept hashed in memory for GRANT_TTL_S, good for one
 * SIGN_USER of one hash with the new credential (the issuance terms,
 * signed with the new key under the code just typed).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "pki/pki.h"
#include "ops/ops.h"
#include "signer/signer_int.h"
#include "store/store_credential.h"
#include "store/store_renewal.h"

static const char *const result_codes[] = {
	[USER_R_OK] = "ok",
	[USER_R_TOTP_BAD] = "totp_invalid",
	[USER_R_TOTP_REPLAY] = "totp_replay",
	[USER_R_TOTP_LOCKED] = "totp_locked",
	[USER_R_TOTP_NONE] = "totp_not_enrolled",
	[USER_R_CERT_EXPIRED] = "cert_expired",
	[USER_R_CERT_REVOKED] = "cert_revoked",
	[USER_R_CERT_SUSPENDED] = "cert_suspended",
	[USER_R_QUOTA] = "quota_exhausted",
	[USER_R_UNKNOWN] = "credential_unknown",
	[USER_R_SIGN_FAILED] = "sign_failed",
	[USER_R_EXISTS] = "credential_exists",
	[USER_R_INVALID] = "identity_invalid",
	[USER_R_SAD_INVALID] = "sad_invalid",
	[USER_R_SAD_EXPIRED] = "sad_expired",
	[USER_R_HASH_NOT_AUTHORIZED] = "hash_not_authorized",
	[USER_R_HASHES_EXCEED] = "hashes_exceed",
	[USER_R_ALGO] = "algo_invalid",
};

const char *
signer_user_result_code(enum signer_user_result r)
{
	if ((size_t)r >= PC_ARRAY_LEN(result_codes) || result_codes[r] == NULL)
		return "sign_failed";
	return result_codes[r];
}

/* The PKI of issuance, opened once (with u->mu held). */
static enum pc_rc
user_pki(struct signer_user *u)
{
	struct pki_keysrc ks;

	if (u->pki != NULL)
		return PC_OK;
	pki_keysrc_hsm(&ks, u->hsm);
	return pki_open(u->conf, u->store, &ks, &u->pki);
}

/* Key pairs of issuances killed before their commit deleted (u->mu held). */
static void
user_sweep(struct signer_user *u)
{
	int64_t n = 0;
	enum pc_rc rc;

	rc = pki_sweep_pending(u->pki, SIGNER_SWEEP_S, &n);
	if (rc != PC_OK)
		log_warnx("signer: the sweep of orphan keys failed (%s)",
		    pc_rc_str(rc));
	else if (n > 0)
		log_info("signer: %lld orphan key(s) of unfinished issuances "
		         "deleted",
		    (long long)n);
}

void
signer_user_sweep(struct signer_user *u)
{
	if (u == NULL)
		return;
	pthread_mutex_lock(&u->mu);
	if (user_pki(u) == PC_OK)
		user_sweep(u);
	else
		log_warnx("signer: no PKI; orphan keys not swept");
	pthread_mutex_unlock(&u->mu);
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
	/* A connection per HSM session: a request holds one from its checks
	 * to its record, and the group commit gathers only requests that
	 * hold one (2 had capped the groups at 2 and left channels waiting
	 * for a connection with the HSM idle). */
	rc = store_open(conf->store.url,
	    conf->hsm.pool > 2 ? (unsigned)conf->hsm.pool : 2, &u->store);
	if (rc != PC_OK) {
		free(u);
		return rc;
	}
	if (hsm != NULL)
		store_audit_sealer(u->store, ops_audit_seal_hsm, hsm);
	pthread_mutex_init(&u->mu, NULL);
	rc = signer_csc_new(&u->csc);
	if (rc != PC_OK) {
		pthread_mutex_destroy(&u->mu);
		store_close(u->store);
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
	pki_close(u->pki);
	signer_csc_free(u->csc);
	pthread_mutex_destroy(&u->mu);
	secret_wipe(u->grants, sizeof(u->grants));
	store_close(u->store);
	free(u);
}

/* ---- grants ------------------------------------------------------------ */

static void
grant_hash(const char *hex, uint8_t out[32])
{
	unsigned int n = 32;

	if (EVP_Digest(hex, strlen(hex), out, &n, EVP_sha256(), NULL) != 1)
		memset(out, 0xff, 32);
}

/* A new grant for serial into hex (SIGNER_GRANT_LEN + 1 bytes). */
static enum pc_rc
grant_new(struct signer_user *u, const char *serial, int64_t now, char *hex)
{
	struct grant *g = NULL;
	size_t i;
	enum pc_rc rc;

	rc = rnd_hex(SIGNER_GRANT_LEN / 2, hex);
	if (rc != PC_OK)
		return rc;
	pthread_mutex_lock(&u->mu);
	for (i = 0; i < GRANTS_MAX; i++)
		if (u->grants[i].until < now &&
		    (g == NULL || u->grants[i].until < g->until))
			g = &u->grants[i]; /* a free or the oldest expired */
	if (g == NULL)
		g = &u->grants[0]; /* all live: the first gives way */
	snprintf(g->serial, sizeof(g->serial), "%s", serial);
	grant_hash(hex, g->hash);
	g->until = now + GRANT_TTL_S;
	pthread_mutex_unlock(&u->mu);
	return PC_OK;
}

/* Spend the grant hex of serial: true once, within its time. */
static bool
grant_take(
    struct signer_user *u, const char *serial, const char *hex, int64_t now)
{
	uint8_t h[32];
	bool ok = false;
	size_t i;

	grant_hash(hex, h);
	pthread_mutex_lock(&u->mu);
	for (i = 0; i < GRANTS_MAX && !ok; i++) {
		struct grant *g = &u->grants[i];

		if (g->until >= now && strcmp(g->serial, serial) == 0 &&
		    secret_eq(g->hash, h, sizeof(h))) {
			memset(g, 0, sizeof(*g));
			ok = true;
		}
	}
	pthread_mutex_unlock(&u->mu);
	return ok;
}

enum signer_user_result
signer_user_totp_result(enum signer_totp_result r)
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

/*
 * A batch's signatures on SIGNER_USER_THREADS threads (the HSM's session
 * pool serves them side by side): a 100-document browser batch no longer
 * waits for 100 signatures in turn. The first failure stops the others.
 */
#define SIGNER_USER_THREADS 2

struct par_sign {
	struct hsm *h;
	const struct hsm_key *key;
	const struct signer_uq *q;
	uint8_t (*sigs)[HSM_SIG_MAX];
	size_t *siglens;
	atomic_size_t next;
	atomic_int rc;
};

static void *
par_sign_run(void *arg)
{
	struct par_sign *ps = arg;
	enum pc_rc rc;
	size_t i;

	while (atomic_load(&ps->rc) == PC_OK &&
	       (i = atomic_fetch_add(&ps->next, 1)) < ps->q->n) {
		rc = hsm_key_sign(ps->h, ps->key, (enum hsm_mech)ps->q->mech,
		    (int)ps->q->md, ps->q->hashes[i], ps->q->hlen, ps->sigs[i],
		    &ps->siglens[i]);
		if (rc != PC_OK)
			atomic_store(&ps->rc, (int)rc);
	}
	return NULL;
}

enum pc_rc
signer_user_sign_all(struct hsm *h, const char *label,
    const struct signer_uq *q, uint8_t (**sigs)[HSM_SIG_MAX], size_t *siglens)
{
	const struct hsm_key *key;
	struct par_sign ps;
	pthread_t th[SIGNER_USER_THREADS];
	size_t k, started = 0;
	enum pc_rc rc;

	*sigs = calloc(q->n, sizeof(**sigs));
	if (*sigs == NULL)
		return PC_ENOMEM;
	rc = hsm_key_find(h, label, &key);
	if (rc != PC_OK)
		return rc;
	ps.h = h;
	ps.key = key;
	ps.q = q;
	ps.sigs = *sigs;
	ps.siglens = siglens;
	atomic_init(&ps.next, 0);
	atomic_init(&ps.rc, PC_OK);
	for (k = 1; k < SIGNER_USER_THREADS && q->n >= 8; k++)
		if (pthread_create(&th[started], NULL, par_sign_run, &ps) == 0)
			started++;
	(void)par_sign_run(&ps);
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	return (enum pc_rc)atomic_load(&ps.rc);
}

/* The request as C strings and hashes (its bounds: the table's). */
static void
req_from(const struct signer_m_sign_user *m, struct signer_uq *q)
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
	signer_text(&m->renewal, q->renewal, sizeof(q->renewal));
	signer_text(&m->terms, q->terms, sizeof(q->terms));
}

/* A renewal's terms: the request is cr's holder's, for this credential,
 * a draft, and its window still open. */
static enum pc_rc
renewal_terms_check(struct db *db, const struct signer_uq *q,
    const struct store_credential *cr, int64_t now,
    enum signer_user_result *res)
{
	struct store_renewal r;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	rc = store_renewal_get(db, q->renewal, &r);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && (cr->user_id[0] == '\0' ||
	                        strcmp(r.user_id, cr->user_id) != 0 ||
	                        strcmp(r.old_serial, q->serial) != 0 ||
	                        strcmp(r.state, RENEWAL_DRAFT) != 0 ||
	                        now >= r.old_not_after - RENEWAL_WINDOW_S))) {
		*res = USER_R_INVALID;
		rc = PC_OK;
	}
	store_renewal_cleanup(&r);
	return rc;
}

/* The credential and its certificate: result and key label. */
enum pc_rc
signer_user_check(struct db *db, const struct signer_uq *q, int64_t now,
    const struct store_cert *known, struct store_credential *cr, char *label,
    size_t lsize, enum signer_user_result *res)
{
	struct store_cert read;
	const struct store_cert *c = known;
	enum pc_rc rc;

	memset(&read, 0, sizeof(read));
	rc = store_credential_get(db, q->serial, cr);
	if (rc == PC_OK && c == NULL) {
		rc = store_cert_get(db, q->serial, &read);
		c = &read;
	}
	if (rc == PC_ENOTFOUND) {
		*res = USER_R_UNKNOWN;
		rc = PC_OK;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (c->kind == NULL || strcmp(c->kind, CERT_KIND_SIGN) != 0 ||
	    c->key_label == NULL) {
		*res = USER_R_UNKNOWN;
	} else if (c->status == CERT_REVOKED) {
		*res = c->reason == 6 ? USER_R_CERT_SUSPENDED
		                      : USER_R_CERT_REVOKED;
	} else if (now > c->not_after || now < c->not_before) {
		*res = USER_R_CERT_EXPIRED;
	} else if (q->renewal[0] == '\0' &&
	           cr->transactions_left < (int64_t)q->n + q->nts) {
		*res = USER_R_QUOTA;
	} else {
		*res = USER_R_OK;
		snprintf(label, lsize, "%s", c->key_label);
		if (q->renewal[0] != '\0')
			rc = renewal_terms_check(db, q, cr, now, res);
	}
out:
	store_cert_cleanup(&read);
	return rc;
}

/* Sign with the HSM, then record (signer_user_record: a group commit). */
enum pc_rc
signer_user_sign_record(struct signer_user *u, struct db *db,
    const struct signer_uq *q, const char *label, const char *event,
    int64_t now, uint8_t (**sigs)[HSM_SIG_MAX], size_t *siglens,
    enum signer_user_result *res, int64_t *left)
{
	enum pc_rc rc;

	*res = USER_R_SIGN_FAILED;
	rc = signer_user_sign_all(u->hsm, label, q, sigs, siglens);
	if (rc == PC_ENOMEM)
		return rc;
	if (rc != PC_OK) {
		log_warnx("signer: credential %s: signing failed (%s); "
		          "nothing counted",
		    q->serial, pc_rc_str(rc));
		/* A mechanism or digest the key cannot do: the caller's. */
		if (rc == PC_EINVAL)
			*res = USER_R_ALGO;
		return PC_OK;
	}
	*res = USER_R_OK;
	return signer_user_record(db, q, *sigs, siglens, now, event, res, left);
}

void
signer_user_reply_send(struct buf *reply, enum pc_rc rc,
    enum signer_user_result res, uint32_t retry, int64_t left,
    const struct signer_uq *q, uint8_t (*sigs)[HSM_SIG_MAX],
    const size_t *siglens)
{
	struct signer_m_sign_user_reply r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.rc = (uint32_t)rc;
	r.result = (uint16_t)res;
	r.retry_after = retry;
	r.transactions_left = (uint32_t)(left > 0 ? left : 0);
	if (rc == PC_OK && res == USER_R_OK && sigs != NULL) {
		r.nsigs = q->n;
		for (i = 0; i < q->n; i++) {
			r.sigs[i].p = sigs[i];
			r.sigs[i].n = siglens[i];
		}
	}
	signer_reply(reply, SIGNER_MSG_SIGN_USER_REPLY, &r);
}

void
signer_user_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_sign_user *m, struct buf *reply)
{
	struct signer_uq q;
	struct store_credential cr;
	struct signer_totp_reply tr;
	struct db *db = NULL;
	uint8_t(*sigs)[HSM_SIG_MAX] = NULL;
	size_t siglens[SIGNER_USER_HASHES_MAX];
	enum signer_user_result res = USER_R_SIGN_FAILED;
	char label[HSM_LABEL_MAX];
	int64_t now = clock_now(), left = 0;
	uint32_t retry = 0;
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
	rc = signer_user_check(
	    db, &q, now, NULL, &cr, label, sizeof(label), &res);
	if (rc != PC_OK || res != USER_R_OK)
		goto out;
	left = cr.transactions_left;

	/* The SAD: an issuance grant for one signature, or a TOTP code of
	 * the holder (its account once linked). */
	if (strlen(q.sad) == SIGNER_GRANT_LEN) {
		res = q.n == 1 && grant_take(u, q.serial, q.sad, now)
		          ? USER_R_OK
		          : USER_R_TOTP_BAD;
		if (res != USER_R_OK)
			goto out;
		goto sign;
	}
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
	res = signer_user_totp_result(tr.result);
	retry = tr.retry_after;
	if (res != USER_R_OK)
		goto out;

sign:
	rc = signer_user_sign_record(u, db, &q, label,
	    q.renewal[0] != '\0' ? "sign.renewal_terms" : "sign.user", now,
	    &sigs, siglens, &res, &left);
out:
	secret_wipe(q.sad, sizeof(q.sad));
	if (db != NULL)
		store_release(u->store, db);
	if (rc != PC_OK)
		res = USER_R_SIGN_FAILED;
	log_info("signer: sign_user credential=%s n=%u timestamps=%u "
	         "result=%s rc=%s",
	    q.serial, q.n, q.nts, signer_user_result_code(res), pc_rc_str(rc));
	signer_user_reply_send(reply, rc, res, retry, left, &q, sigs, siglens);
	free(sigs);
}

/* ---- ISSUE_USER -----------------------------------------------------------
 */

struct issue_req {
	char user[SIGNER_TOTP_ID_MAX + 1];
	char sad[SIGNER_TOTP_CODE_MAX + 1];
	char given_name[257], surname[257], email[255], country[3];
	char id_number[33];
	struct pki_person who;
	int years;
	enum hsm_key_type key;
	int64_t transactions;
	char renewal[STORE_ID_LEN + 1]; /* "": the first issuance */
};

static void
issue_req_from(const struct signer_m_issue_user *m, struct issue_req *q)
{
	signer_text(&m->user, q->user, sizeof(q->user));
	signer_text(&m->sad, q->sad, sizeof(q->sad));
	signer_text(&m->given_name, q->given_name, sizeof(q->given_name));
	signer_text(&m->surname, q->surname, sizeof(q->surname));
	signer_text(&m->email, q->email, sizeof(q->email));
	signer_text(&m->country, q->country, sizeof(q->country));
	signer_text(&m->id_number, q->id_number, sizeof(q->id_number));
	q->who.given_name = q->given_name;
	q->who.surname = q->surname;
	q->who.email = q->email;
	q->who.country = q->country;
	q->who.id_type = (enum pki_id_type)m->id_type;
	q->who.id_number = q->id_number;
	q->years = m->years;
	q->key = (enum hsm_key_type)m->key;
	q->transactions = m->transactions;
	signer_text(&m->renewal, q->renewal, sizeof(q->renewal));
}

/* In issuance's transaction: the credential, linked to the account. */
static enum pc_rc
issue_credential(void *arg, struct db *db, const struct pki_issued *is)
{
	const struct issue_req *q = arg;
	struct store_credential cr;

	memset(&cr, 0, sizeof(cr));
	snprintf(cr.serial, sizeof(cr.serial), "%s", is->sign_serial);
	snprintf(cr.holder, sizeof(cr.holder), "%s", is->holder);
	snprintf(cr.user_id, sizeof(cr.user_id), "%s", q->user);
	cr.transactions_left = q->transactions;
	cr.created_at = clock_now();
	if (q->renewal[0] != '\0') {
		enum pc_rc rc = store_renewal_move(db, q->renewal,
		    RENEWAL_APPROVED, RENEWAL_ISSUED, NULL, NULL, NULL,
		    is->sign_serial, cr.created_at);

		if (rc != PC_OK)
			return rc;
	}
	return store_credential_insert(db, &cr);
}

/* A renewal: the user's, approved, due (its certificate ends within
 * RENEWAL_LEAD_S and has not ended), the certificate neither revoked nor
 * suspended. */
static enum pc_rc
issue_check_renewal(struct db *db, const struct issue_req *q, int64_t now,
    enum signer_user_result *res)
{
	struct store_renewal r;
	struct store_cert c;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	rc = store_renewal_get(db, q->renewal, &r);
	if (rc == PC_OK)
		rc = store_cert_get(db, r.old_serial, &c);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK &&
	        (strcmp(r.user_id, q->user) != 0 ||
	            strcmp(r.state, RENEWAL_APPROVED) != 0 ||
	            now < r.old_not_after - RENEWAL_LEAD_S ||
	            now >= r.old_not_after || c.status != CERT_GOOD))) {
		*res = USER_R_INVALID;
		rc = PC_OK;
	} else if (rc == PC_OK) {
		*res = USER_R_OK;
	}
	store_renewal_cleanup(&r);
	store_cert_cleanup(&c);
	return rc;
}

/* The account's code, and no valid credential yet. */
static enum pc_rc
issue_check(struct signer_user *u, const struct issue_req *q, int64_t now,
    enum signer_user_result *res, uint32_t *retry)
{
	struct store_credential cr;
	struct signer_totp_reply tr;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(&tr, 0, sizeof(tr));
	rc = store_acquire(u->store, &db);
	if (rc != PC_OK)
		return rc;
	if (q->renewal[0] != '\0') {
		rc = issue_check_renewal(db, q, now, res);
		goto out;
	}
	rc = store_credential_of_user(db, q->user, now, &cr);
	if (rc == PC_OK) {
		*res = USER_R_EXISTS;
		goto out;
	}
	if (rc != PC_ENOTFOUND)
		goto out;
	rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	rc = signer_totp_check(u->totp, db, q->user, "issue", q->sad, &tr);
	if (rc == PC_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	*res = signer_user_totp_result(tr.result);
	*retry = tr.retry_after;
out:
	store_release(u->store, db);
	return rc;
}

void
signer_issue_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_issue_user *m, struct buf *reply)
{
	struct signer_m_issue_user_reply r;
	struct issue_req *q = NULL;
	struct pki_issued is;
	struct pki_issue_hook hook;
	enum signer_user_result res = USER_R_SIGN_FAILED;
	char grant[SIGNER_GRANT_LEN + 1] = "", why[256] = "";
	int64_t now = clock_now();
	uint32_t retry = 0;
	bool locked = false;
	enum pc_rc rc = drc;

	memset(&is, 0, sizeof(is));
	if (rc != PC_OK)
		goto out;
	if (u == NULL || u->totp == NULL || u->hsm == NULL) {
		rc = PC_EUNAVAIL;
		goto out;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	issue_req_from(m, q);
	/* One issuance at a time: the second of two parallel requests
	 * finds the first's credential. */
	pthread_mutex_lock(&u->mu);
	locked = true;
	rc = user_pki(u);
	if (rc != PC_OK)
		goto out;
	user_sweep(u);
	rc = issue_check(u, q, now, &res, &retry);
	if (rc != PC_OK || res != USER_R_OK)
		goto out;
	hook.in_tx = issue_credential;
	hook.arg = q;
	rc = pki_holder_issue(
	    u->pki, &q->who, q->years, q->key, &hook, &is, why, sizeof(why));
	if (rc == PC_EINVAL) {
		/* The message names the field, never its value. */
		log_warnx("signer: issuance for %s refused: %s", q->user, why);
		res = USER_R_INVALID;
		rc = PC_OK;
		goto out;
	}
	res = USER_R_SIGN_FAILED;
	if (rc != PC_OK)
		goto out;
	pthread_mutex_unlock(&u->mu);
	locked = false;
	rc = grant_new(u, is.sign_serial, now, grant);
	if (rc == PC_OK)
		res = USER_R_OK;
out:
	if (locked)
		pthread_mutex_unlock(&u->mu);
	if (rc != PC_OK)
		res = USER_R_SIGN_FAILED;
	log_info("signer: issue_user user=%s result=%s rc=%s sign=%s",
	    q != NULL ? q->user : "-", signer_user_result_code(res),
	    pc_rc_str(rc), is.sign_serial[0] ? is.sign_serial : "-");
	memset(&r, 0, sizeof(r));
	r.rc = (uint32_t)rc;
	r.result = (uint16_t)res;
	r.retry_after = retry;
	if (rc == PC_OK && res == USER_R_OK) {
		r.sign_serial.p = (const uint8_t *)is.sign_serial;
		r.sign_serial.n = strlen(is.sign_serial);
		r.auth_serial.p = (const uint8_t *)is.auth_serial;
		r.auth_serial.n = strlen(is.auth_serial);
		r.grant.p = (const uint8_t *)grant;
		r.grant.n = strlen(grant);
	}
	signer_reply(reply, SIGNER_MSG_ISSUE_USER_REPLY, &r);
	secret_wipe(grant, sizeof(grant));
	if (q != NULL) {
		secret_wipe(q, sizeof(*q));
		free(q);
	}
	pki_issued_cleanup(&is);
}
