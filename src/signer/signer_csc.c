/*
 * signer_csc.c: the CSC API's Signature Activation Data, minted and spent
 * inside the signer process (see signer.h: CSC_AUTHORIZE, CSC_SIGN,
 * CSC_EXTEND).
 *
 * A SAD is 256 random bits given out once, as hex, in the reply to
 * CSC_AUTHORIZE; the signer keeps only its SHA-256, in memory, with what
 * it was minted for: the access token (its hash), the credential, the
 * hash algorithm, each authorized hash occurrence and the expiry (at
 * most SIGNER_SAD_TTL_S; an authentication key's hashless SAD: [csc]
 * auth_sad_ttl, whatever the web side asks). The web side cannot make one:
 * minting needs the holder's TOTP code, checked here, and spending needs the
 * SAD, which the web side never stores.
 *
 * Spending (CSC_SIGN) matches every hash of the request to a distinct
 * authorized occurrence; the SAD is then reserved (a second request with
 * it is refused while the HSM signs), and consumed once the signatures
 * and their records are written (one use). A refusal before signing
 * leaves the SAD as it was; a failure of the HSM or of the record
 * releases it. The table is bounded (SADS_MAX): a new SAD takes the place
 * of an expired one, else of the oldest.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "signer/signer_int.h"
#include "store/store_credential.h"

#define SADS_MAX 1024

struct sad {
	uint8_t id[32]; /* SHA-256 of the SAD's hex */
	char token[SIGNER_TOKEN_HEX + 1];
	char serial[STORE_SERIAL_MAX + 1];
	uint32_t md;
	uint16_t n;    /* authorized occurrences */
	uint16_t uses; /* n == 0: an authentication SAD's signatures left */
	size_t hlen;
	uint8_t hashes[SIGNER_USER_HASHES_MAX][SIGNER_HASH_MAX];
	int64_t created, until;
	bool busy; /* reserved by a CSC_SIGN under way */
};

struct signer_csc {
	pthread_mutex_t mu;
	struct sad *sads[SADS_MAX];
};

enum pc_rc
signer_csc_new(struct signer_csc **out)
{
	struct signer_csc *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return PC_ENOMEM;
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return PC_OK;
}

static void
sad_free(struct sad *s)
{
	if (s == NULL)
		return;
	secret_wipe(s, sizeof(*s));
	free(s);
}

void
signer_csc_free(struct signer_csc *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < SADS_MAX; i++)
		sad_free(c->sads[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void
sad_id(const char *hex, uint8_t out[32])
{
	unsigned int n = 32;

	if (EVP_Digest(hex, strlen(hex), out, &n, EVP_sha256(), NULL) != 1)
		memset(out, 0xff, 32);
}

/* Keep s (taken) in the table: an expired slot, else the oldest; false
 * (s freed) when every slot is in use by a signature under way. */
static bool
sad_put(struct signer_csc *c, struct sad *s, int64_t now)
{
	size_t i, k = SADS_MAX;

	pthread_mutex_lock(&c->mu);
	for (i = 0; i < SADS_MAX; i++) {
		struct sad *o = c->sads[i];

		if (o == NULL || (o->until < now && !o->busy)) {
			k = i;
			break;
		}
		if (!o->busy && (k == SADS_MAX || o->until < c->sads[k]->until))
			k = i;
	}
	if (k == SADS_MAX) { /* every SAD busy: cannot happen with the
		                channels there are; the new one waits */
		pthread_mutex_unlock(&c->mu);
		sad_free(s);
		return false;
	}
	sad_free(c->sads[k]);
	c->sads[k] = s;
	pthread_mutex_unlock(&c->mu);
	return true;
}

/*
 * The SAD hex for token and serial (c->mu held): its slot, or SADS_MAX
 * with *res sad_invalid or sad_expired (an expired one is dropped).
 */
static size_t
sad_find(struct signer_csc *c, const char *hex, const char *token,
    const char *serial, int64_t now, enum signer_user_result *res)
{
	uint8_t id[32];
	size_t i;

	sad_id(hex, id);
	for (i = 0; i < SADS_MAX; i++) {
		struct sad *s = c->sads[i];

		if (s == NULL || !secret_eq(s->id, id, sizeof(id)))
			continue;
		if (strcmp(s->token, token) != 0 ||
		    strcmp(s->serial, serial) != 0 || s->busy)
			break;
		if (s->until < now) {
			sad_free(s);
			c->sads[i] = NULL;
			*res = USER_R_SAD_EXPIRED;
			return SADS_MAX;
		}
		*res = USER_R_OK;
		return i;
	}
	*res = USER_R_SAD_INVALID;
	return SADS_MAX;
}

/* Every hash of q takes a distinct authorized occurrence of s. */
static enum signer_user_result
sad_covers(const struct sad *s, const struct signer_uq *q)
{
	bool taken[SIGNER_USER_HASHES_MAX] = { false };
	bool seen;
	size_t i, j;

	if (s->n == 0) /* an authentication SAD: any hash, uses left */
		return s->uses >= q->n ? USER_R_OK : USER_R_HASHES_EXCEED;
	if (q->md != s->md)
		return USER_R_ALGO;
	if (q->hlen != s->hlen)
		return USER_R_HASH_NOT_AUTHORIZED;
	if (q->n > s->n)
		return USER_R_HASHES_EXCEED;
	for (i = 0; i < q->n; i++) {
		seen = false;
		for (j = 0; j < s->n; j++) {
			if (!secret_eq(s->hashes[j], q->hashes[i], q->hlen))
				continue;
			seen = true;
			if (!taken[j])
				break;
		}
		if (j == s->n)
			return seen ? USER_R_HASHES_EXCEED
			            : USER_R_HASH_NOT_AUTHORIZED;
		taken[j] = true;
	}
	return USER_R_OK;
}

/*
 * Find the SAD of q (q->sad, for token and q->serial) and, when it covers
 * what cover asks, reserve it: its slot, or SADS_MAX with *res saying
 * why not.
 */
static size_t
sad_reserve(struct signer_csc *c, const struct signer_uq *q, const char *token,
    const struct signer_uq *cover, int64_t now, enum signer_user_result *res)
{
	size_t k;

	pthread_mutex_lock(&c->mu);
	k = sad_find(c, q->sad, token, q->serial, now, res);
	if (k < SADS_MAX) {
		*res = sad_covers(c->sads[k], cover);
		if (*res == USER_R_OK)
			c->sads[k]->busy = true;
		else
			k = SADS_MAX;
	}
	pthread_mutex_unlock(&c->mu);
	return k;
}

/*
 * The request fields both CSC signing messages carry, into q (zeroed
 * first, also on failure): drc, the message's decoding, or PC_EUNAVAIL
 * without the SAD table or the HSM.
 */
static enum pc_rc
csc_uq(const struct signer_user *u, enum pc_rc drc, struct signer_uq *q,
    char *token, size_t tsize, const struct signer_bytes *tok,
    const struct signer_bytes *cred, const struct signer_bytes *sad,
    uint16_t mech, uint32_t md, uint16_t n, const struct signer_bytes *hashes)
{
	size_t i;

	memset(q, 0, sizeof(*q));
	if (drc != PC_OK)
		return drc;
	if (u == NULL || u->csc == NULL || u->hsm == NULL)
		return PC_EUNAVAIL;
	signer_text(tok, token, tsize);
	signer_text(cred, q->serial, sizeof(q->serial));
	signer_text(sad, q->sad, sizeof(q->sad));
	q->mech = mech;
	q->md = md;
	q->n = n;
	q->hlen = hashes[0].n;
	for (i = 0; i < n; i++)
		q->hashes[i] = hashes[i].p;
	return PC_OK;
}

static void
reply_sad(struct buf *reply, enum pc_rc rc, enum signer_user_result res,
    uint32_t retry, const char *hex, int64_t expires_in)
{
	struct signer_m_csc_sad_reply r;

	memset(&r, 0, sizeof(r));
	r.rc = (uint32_t)rc;
	r.result = (uint16_t)res;
	r.retry_after = retry;
	if (rc == PC_OK && res == USER_R_OK) {
		r.sad.p = (const uint8_t *)hex;
		r.sad.n = strlen(hex);
		r.expires_in = (uint32_t)expires_in;
	}
	signer_reply(reply, SIGNER_MSG_CSC_SAD_REPLY, &r);
}

/*
 * signer_user_check for the CSC API, which also signs with a holder's
 * authentication key (the virtual token's TLS client key): its owner is
 * the holder's credential's account; valid, not revoked or suspended; no
 * qualified transaction is spent on it (*auth set). The SAD rules are the
 * same for both keys.
 */
static enum pc_rc
csc_check(struct db *db, const struct signer_uq *q, int64_t now,
    struct store_credential *cr, char *label, size_t lsize,
    enum signer_user_result *res, bool *auth)
{
	struct store_cert c;
	enum pc_rc rc;

	*auth = false;
	memset(&c, 0, sizeof(c));
	rc = store_cert_get(db, q->serial, &c);
	if (rc != PC_OK || c.kind == NULL ||
	    strcmp(c.kind, CERT_KIND_AUTH) != 0) {
		/* Not an authentication key: the qualified one's checks, on
		 * the certificate just read. */
		if (rc == PC_ENOTFOUND) {
			*res = USER_R_UNKNOWN;
			rc = PC_OK;
		} else if (rc == PC_OK) {
			rc = signer_user_check(
			    db, q, now, &c, cr, label, lsize, res);
		}
		store_cert_cleanup(&c);
		return rc;
	}
	*auth = true;
	rc = store_credential_of_auth(db, q->serial, cr);
	if (rc == PC_ENOTFOUND || (rc == PC_OK && c.key_label == NULL)) {
		*res = USER_R_UNKNOWN;
		rc = PC_OK;
	} else if (rc != PC_OK) {
		/* the store's error */
	} else if (c.status == CERT_REVOKED) {
		*res =
		    c.reason == 6 ? USER_R_CERT_SUSPENDED : USER_R_CERT_REVOKED;
	} else if (now > c.not_after || now < c.not_before) {
		*res = USER_R_CERT_EXPIRED;
	} else {
		*res = USER_R_OK;
		snprintf(label, lsize, "%s", c.key_label);
	}
	store_cert_cleanup(&c);
	return rc;
}

/* Sign with the authentication key: the audit records it (no signing
 * record, no transaction: not a qualified signature). */
static enum pc_rc
sign_auth(struct signer_user *u, struct db *db, const struct signer_uq *q,
    const char *label, uint8_t (**sigs)[HSM_SIG_MAX], size_t *siglens,
    enum signer_user_result *res)
{
	enum pc_rc rc;

	*res = USER_R_SIGN_FAILED;
	rc = signer_user_sign_all(u->hsm, label, q, sigs, siglens);
	if (rc == PC_ENOMEM)
		return rc;
	if (rc != PC_OK) {
		*res = rc == PC_EINVAL ? USER_R_ALGO : USER_R_SIGN_FAILED;
		return PC_OK;
	}
	rc = store_audit_printf(db, "signer", "sign.auth",
	    "credential=%s signatures=%u", q->serial, q->n);
	if (rc == PC_OK)
		*res = USER_R_OK;
	return rc;
}

/* An authentication SAD's lifetime: the one asked, at most [csc]
 * auth_sad_ttl. */
static int64_t
auth_ttl(const struct conf *conf, uint32_t asked)
{
	int64_t max = conf != NULL ? conf->csc.auth_sad_ttl : SIGNER_SAD_TTL_S;

	return (int64_t)asked < max ? (int64_t)asked : max;
}

/* Does md's digest have hlen bytes? */
static bool
md_fits(uint32_t md, size_t hlen)
{
	const EVP_MD *m = EVP_get_digestbynid((int)md);

	return m != NULL && (size_t)EVP_MD_get_size(m) == hlen;
}

void
signer_csc_authorize_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_authorize *m, struct buf *reply)
{
	char user[SIGNER_TOTP_ID_MAX + 1] = "", code[SIGNER_TOTP_CODE_MAX + 1];
	char label[HSM_LABEL_MAX], hex[SIGNER_SAD_HEX + 1] = "";
	struct store_credential cr;
	struct signer_totp_reply tr;
	struct signer_uq q;
	struct sad *s = NULL;
	struct db *db = NULL;
	enum signer_user_result res = USER_R_SIGN_FAILED;
	int64_t now = clock_now();
	int64_t ttl = SIGNER_SAD_TTL_S;
	uint32_t retry = 0;
	size_t i;
	bool auth;
	enum pc_rc rc = drc;

	memset(&q, 0, sizeof(q));
	memset(&cr, 0, sizeof(cr));
	memset(&tr, 0, sizeof(tr));
	code[0] = '\0';
	if (rc != PC_OK)
		goto out;
	if (u == NULL || u->totp == NULL || u->csc == NULL) {
		rc = PC_EUNAVAIL;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	signer_text(&m->user, user, sizeof(user));
	signer_text(&m->token, s->token, sizeof(s->token));
	signer_text(&m->credential, q.serial, sizeof(q.serial));
	signer_text(&m->code, code, sizeof(code));
	q.md = m->md;
	q.n = m->nhashes;
	q.hlen = q.n > 0 ? m->hashes[0].n : 0;
	for (i = 0; i < q.n; i++)
		q.hashes[i] = m->hashes[i].p;
	if (q.n > 0 && !md_fits(q.md, q.hlen)) {
		res = USER_R_ALGO;
		goto out;
	}
	rc = store_acquire(u->store, &db);
	if (rc != PC_OK)
		goto out;
	rc = csc_check(db, &q, now, &cr, label, sizeof(label), &res, &auth);
	if (rc != PC_OK)
		goto out;
	/* Another account's credential is no credential at all. */
	if (res != USER_R_UNKNOWN && strcmp(cr.user_id, user) != 0)
		res = USER_R_UNKNOWN;
	if (res != USER_R_OK)
		goto out;
	/* Hashless: the authentication key's only (never a qualified
	 * signature without the holder's hashes). */
	if (q.n == 0 && !auth) {
		res = USER_R_HASH_NOT_AUTHORIZED;
		goto out;
	}
	/* The web side asks [csc] auth_sad_ttl; the signer's own is the
	 * bound. */
	ttl = q.n == 0 ? auth_ttl(u->conf, m->ttl) : SIGNER_SAD_TTL_S;
	rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	rc = signer_totp_check(u->totp, db, user, "sign", code, &tr);
	res = signer_user_totp_result(tr.result);
	if (rc == PC_OK && res == USER_R_OK)
		rc = store_audit_printf(db, user, "csc.authorize",
		    "credential=%s hashes=%u uses=%u expires_in=%lld", q.serial,
		    q.n, (unsigned)m->uses, (long long)ttl);
	if (rc == PC_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	retry = tr.retry_after;
	if (rc != PC_OK || res != USER_R_OK)
		goto out;
	rc = rnd_hex(SIGNER_SAD_HEX / 2, hex);
	if (rc != PC_OK)
		goto out;
	sad_id(hex, s->id);
	snprintf(s->serial, sizeof(s->serial), "%s", q.serial);
	s->md = q.md;
	s->n = q.n;
	s->uses = q.n == 0 ? m->uses : 0;
	s->hlen = q.hlen;
	for (i = 0; i < q.n; i++)
		memcpy(s->hashes[i], q.hashes[i], q.hlen);
	s->created = now;
	s->until = now + ttl;
	if (!sad_put(u->csc, s, now))
		rc = PC_ELIMIT;
	s = NULL;
out:
	if (db != NULL)
		store_release(u->store, db);
	if (rc != PC_OK)
		res = USER_R_SIGN_FAILED;
	log_info("signer: csc_authorize credential=%s n=%u result=%s rc=%s",
	    q.serial[0] ? q.serial : "-", q.n, signer_user_result_code(res),
	    pc_rc_str(rc));
	reply_sad(reply, rc, res, retry, hex, ttl);
	secret_wipe(code, sizeof(code));
	secret_wipe(hex, sizeof(hex));
	sad_free(s);
}

/* Release slot k's reservation, or drop it (consumed: n signatures made;
 * an authentication SAD stays while it has uses left). */
static void
sad_done(struct signer_csc *c, size_t k, bool consumed, unsigned n)
{
	pthread_mutex_lock(&c->mu);
	if (consumed && c->sads[k] != NULL && c->sads[k]->n == 0 &&
	    c->sads[k]->uses > n) {
		c->sads[k]->uses -= (uint16_t)n;
		c->sads[k]->busy = false;
	} else if (consumed) {
		sad_free(c->sads[k]);
		c->sads[k] = NULL;
	} else if (c->sads[k] != NULL) {
		c->sads[k]->busy = false;
	}
	pthread_mutex_unlock(&c->mu);
}

/*
 * What signHash and signDoc share once their message is read: the SAD
 * reserved for covers (the hashes themselves, or the documents'), the
 * credential checked, the signatures made and recorded, then the SAD
 * consumed (or given back on failure). The authentication key signs only
 * where auth_ok (signHash: TLS client authentication).
 */
static enum pc_rc
csc_run(struct signer_user *u, const struct signer_uq *q, const char *token,
    const struct signer_uq *covers, bool auth_ok, int64_t now,
    uint8_t (**sigs)[HSM_SIG_MAX], size_t *siglens,
    enum signer_user_result *res, int64_t *left)
{
	struct store_credential cr;
	char label[HSM_LABEL_MAX];
	struct db *db = NULL;
	size_t k;
	bool auth = false;
	enum pc_rc rc = PC_OK;

	memset(&cr, 0, sizeof(cr));
	k = sad_reserve(u->csc, q, token, covers, now, res);
	if (*res == USER_R_OK)
		rc = store_acquire(u->store, &db);
	if (*res == USER_R_OK && rc == PC_OK && auth_ok)
		rc = csc_check(
		    db, q, now, &cr, label, sizeof(label), res, &auth);
	else if (*res == USER_R_OK && rc == PC_OK)
		rc = signer_user_check(
		    db, q, now, NULL, &cr, label, sizeof(label), res);
	if (rc == PC_OK && *res == USER_R_OK) {
		*left = auth ? 0 : cr.transactions_left;
		if (auth)
			rc = sign_auth(u, db, q, label, sigs, siglens, res);
		else
			rc = signer_user_sign_record(u, db, q, label,
			    "sign.csc", now, sigs, siglens, res, left);
	}
	if (k < SADS_MAX)
		sad_done(
		    u->csc, k, rc == PC_OK && *res == USER_R_OK, covers->n);
	if (db != NULL)
		store_release(u->store, db);
	return rc;
}

void
signer_csc_sign_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_sign *m, struct buf *reply)
{
	struct signer_uq q;
	uint8_t(*sigs)[HSM_SIG_MAX] = NULL;
	size_t siglens[SIGNER_USER_HASHES_MAX];
	char token[SIGNER_TOKEN_HEX + 1] = "";
	enum signer_user_result res = USER_R_SIGN_FAILED;
	int64_t left = 0;
	enum pc_rc rc;

	rc = csc_uq(u, drc, &q, token, sizeof(token), &m->token, &m->credential,
	    &m->sad, m->mech, m->md, m->nhashes, m->hashes);
	/* The SAD: this token's and credential's, in its time, covering
	 * every hash. */
	if (rc == PC_OK)
		rc = csc_run(u, &q, token, &q, true, clock_now(), &sigs,
		    siglens, &res, &left);
	secret_wipe(q.sad, sizeof(q.sad));
	if (rc != PC_OK)
		res = USER_R_SIGN_FAILED;
	log_info("signer: csc_sign credential=%s n=%u result=%s rc=%s",
	    q.serial[0] ? q.serial : "-", q.n, signer_user_result_code(res),
	    pc_rc_str(rc));
	signer_user_reply_send(reply, rc, res, 0, left, &q, sigs, siglens);
	free(sigs);
}

void
signer_csc_sign_doc_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_sign_doc *m, struct buf *reply)
{
	struct signer_uq q, d;
	uint8_t(*sigs)[HSM_SIG_MAX] = NULL;
	size_t siglens[SIGNER_USER_HASHES_MAX];
	char token[SIGNER_TOKEN_HEX + 1] = "";
	enum signer_user_result res = USER_R_SIGN_FAILED;
	int64_t left = 0;
	size_t i;
	enum pc_rc rc;

	memset(&d, 0, sizeof(d));
	rc = csc_uq(u, drc, &q, token, sizeof(token), &m->token, &m->credential,
	    &m->sad, m->mech, m->md, m->nhashes, m->hashes);
	if (rc != PC_OK)
		goto out;
	q.nts = m->timestamps;
	/* What the holder authorized: the documents' hashes. */
	d.md = m->dmd;
	d.n = m->ndocs;
	d.hlen = m->docs[0].n;
	for (i = 0; i < d.n; i++)
		d.hashes[i] = m->docs[i].p;
	if (!md_fits(q.md, q.hlen))
		res = USER_R_ALGO;
	else
		rc = csc_run(u, &q, token, &d, false, clock_now(), &sigs,
		    siglens, &res, &left);
out:
	secret_wipe(q.sad, sizeof(q.sad));
	if (rc != PC_OK)
		res = USER_R_SIGN_FAILED;
	log_info("signer: csc_sign_doc credential=%s n=%u ts=%u result=%s "
	         "rc=%s",
	    q.serial[0] ? q.serial : "-", q.n, q.nts,
	    signer_user_result_code(res), pc_rc_str(rc));
	signer_user_reply_send(reply, rc, res, 0, left, &q, sigs, siglens);
	free(sigs);
}

/* The hashes of an extendTransaction against the SAD (sad_covers). */
static enum signer_user_result
extend_covers(const struct sad *s, const struct signer_m_csc_sign *m)
{
	struct signer_uq q;
	size_t i;

	memset(&q, 0, sizeof(q));
	q.md = m->md;
	q.n = m->nhashes;
	q.hlen = m->hashes[0].n;
	for (i = 0; i < q.n; i++)
		q.hashes[i] = m->hashes[i].p;
	return sad_covers(s, &q);
}

void
signer_csc_extend_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_sign *m, struct buf *reply)
{
	char token[SIGNER_TOKEN_HEX + 1] = "",
	                              serial[STORE_SERIAL_MAX + 1] = "";
	char old[SIGNER_SAD_MAX + 1] = "", hex[SIGNER_SAD_HEX + 1] = "";
	enum signer_user_result res = USER_R_SIGN_FAILED;
	int64_t now = clock_now(), until = now;
	size_t k;
	enum pc_rc rc = drc;

	if (rc != PC_OK)
		goto out;
	if (u == NULL || u->csc == NULL) {
		rc = PC_EUNAVAIL;
		goto out;
	}
	signer_text(&m->token, token, sizeof(token));
	signer_text(&m->credential, serial, sizeof(serial));
	signer_text(&m->sad, old, sizeof(old));
	rc = rnd_hex(SIGNER_SAD_HEX / 2, hex);
	if (rc != PC_OK)
		goto out;
	pthread_mutex_lock(&u->csc->mu);
	k = sad_find(u->csc, old, token, serial, now, &res);
	if (k < SADS_MAX) {
		struct sad *s = u->csc->sads[k];

		/* Never past SIGNER_SAD_LIFE_S from the code typed. */
		until = now + SIGNER_SAD_TTL_S;
		if (until > s->created + SIGNER_SAD_LIFE_S)
			until = s->created + SIGNER_SAD_LIFE_S;
		/* Hashes named: only ones the SAD still covers (a new hash
		 * needs the holder's code: a new authorization). */
		if (m->nhashes > 0)
			res = extend_covers(s, m);
		/* An authentication SAD lives its lifetime, never longer. */
		if (s->n == 0)
			res = USER_R_SAD_INVALID;
		if (res != USER_R_OK) {
			until = now;
		} else if (until <= now) {
			res = USER_R_SAD_EXPIRED;
		} else {
			sad_id(hex, s->id);
			s->until = until;
		}
	}
	pthread_mutex_unlock(&u->csc->mu);
out:
	if (rc != PC_OK)
		res = USER_R_SIGN_FAILED;
	log_info("signer: csc_extend credential=%s result=%s rc=%s",
	    serial[0] ? serial : "-", signer_user_result_code(res),
	    pc_rc_str(rc));
	reply_sad(reply, rc, res, 0, hex, until - now);
	secret_wipe(old, sizeof(old));
	secret_wipe(hex, sizeof(hex));
}
