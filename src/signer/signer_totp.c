/*
 * signer_totp.c: TOTP secrets inside the signer process.
 *
 * The signer is the only process that holds the key of the TOTP secrets
 * ([signer] totp_key_file, 32 random bytes as hex, made by pecete init).
 * Secrets are stored in totp_secrets as nonce || XChaCha20-Poly1305
 * ciphertext, with the user id as associated data so a row cannot be moved
 * to another user. Codes are checked with liboath (RFC 6238: SHA-1, 6
 * digits, 30 s, window +-1); the matched time step is stored and a step
 * not newer than the last used one is refused (replay); failures are
 * counted and lock the user's TOTP. Each check is one transaction; the
 * step and the failures are written by conditional UPDATEs
 * (store_totp_use_step, store_totp_fail), so parallel checks on
 * PostgreSQL's READ COMMITTED neither accept one code twice nor lose a
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "ops/ops.h"
#include "signer/signer_int.h"
#include "store/store_account.h"

#define TOTP_SECRET_LEN 20
#define TOTP_STEP 30
#define TOTP_DIGITS 6
#define TOTP_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define TOTP_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TOTP_BLOB_LEN                                                          \
	(TOTP_NONCE_LEN + TOTP_SECRET_LEN +                                    \
	    crypto_aead_xchacha20poly1305_ietf_ABYTES)

struct signer_totp {
	const struct conf *conf;
	struct store *store;
	uint8_t *key; /* secret memory */
};

enum pc_rc
signer_totp_open(const struct conf *conf, struct signer_totp **out)
{
	struct signer_totp *t;
	char *hex = NULL;
	enum pc_rc rc;

	*out = NULL;
	if (sodium_init() < 0 || oath_init() != OATH_OK)
		return PC_ECRYPTO;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return PC_ENOMEM;
	t->conf = conf;
	t->key = secret_alloc(TOTP_KEY_LEN);
	if (t->key == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = secret_read_file(conf->signer.totp_key_file, 256, &hex);
	if (rc != PC_OK) {
		log_error("signer: the TOTP key file %s: %s",
		    conf->signer.totp_key_file, secret_file_why(rc));
		goto out;
	}
	rc = hex_decode(str_from(hex), t->key, TOTP_KEY_LEN);
	secret_strfree(hex);
	if (rc != PC_OK) {
		log_error("signer: %s is not 64 hex digits",
		    conf->signer.totp_key_file);
		goto out;
	}
	rc = store_open(conf->store.url, 4, &t->store);
out:
	if (rc != PC_OK)
		signer_totp_close(t);
	else
		*out = t;
	return rc;
}

void
signer_totp_sealer(struct signer_totp *t, struct hsm *h)
{
	if (t != NULL && t->store != NULL)
		store_audit_sealer(t->store, ops_audit_seal_hsm, h);
}

void
signer_totp_close(struct signer_totp *t)
{
	if (t == NULL)
		return;
	if (t->key != NULL)
		secret_free(t->key, TOTP_KEY_LEN);
	if (t->store != NULL)
		store_close(t->store);
	free(t);
}

static void
totp_ad(const char *user_id, char *ad, size_t n)
{
	snprintf(ad, n, "pecete-totp:%s", user_id);
}

static enum pc_rc
totp_seal(struct signer_totp *t, const char *user_id, const uint8_t *secret,
    uint8_t blob[TOTP_BLOB_LEN])
{
	char ad[128];
	unsigned long long clen;

	totp_ad(user_id, ad, sizeof(ad));
	randombytes_buf(blob, TOTP_NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(blob + TOTP_NONCE_LEN,
	        &clen, secret, TOTP_SECRET_LEN, (const uint8_t *)ad, strlen(ad),
	        NULL, blob, t->key) != 0)
		return PC_ECRYPTO;
	return PC_OK;
}

/* OUT: secret (TOTP_SECRET_LEN bytes of secret memory). */
static enum pc_rc
totp_open_blob(struct signer_totp *t, const char *user_id, const uint8_t *blob,
    size_t n, uint8_t *secret)
{
	char ad[128];
	unsigned long long mlen;

	if (blob == NULL || n != TOTP_BLOB_LEN)
		return PC_ECRYPTO;
	totp_ad(user_id, ad, sizeof(ad));
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret, &mlen, NULL,
	        blob + TOTP_NONCE_LEN, n - TOTP_NONCE_LEN, (const uint8_t *)ad,
	        strlen(ad), blob, t->key) != 0 ||
	    mlen != TOTP_SECRET_LEN) {
		log_error("signer: a TOTP secret does not decrypt (user=%s)",
		    user_id);
		return PC_ECRYPTO;
	}
	return PC_OK;
}

/* Percent-encode s for a URI path or query into out. */
static void
uri_escape(const char *s, struct buf *out)
{
	static const char hexd[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			buf_append(out, p, 1);
		} else {
			char e[3] = { '%', hexd[*p >> 4], hexd[*p & 15] };

			buf_append(out, e, 3);
		}
	}
}

/* The base32 secret and the otpauth URI into r. */
static enum pc_rc
totp_uri(const uint8_t *secret, const char *label, struct signer_totp_reply *r)
{
	struct buf u;
	char *b32 = NULL;
	size_t b32len = 0, i, j;
	enum pc_rc rc = PC_OK;

	if (oath_base32_encode((const char *)secret, TOTP_SECRET_LEN, &b32,
	        &b32len) != OATH_OK)
		return PC_ECRYPTO;
	/* No padding ("=") in authenticator URIs. */
	for (i = 0, j = 0; i < b32len && j < SIGNER_TOTP_B32_MAX; i++)
		if (b32[i] != '=')
			r->secret[j++] = b32[i];
	r->secret[j] = '\0';
	secret_wipe(b32, b32len);
	free(b32);
	buf_init(&u, SIGNER_TOTP_URI_MAX);
	buf_append_str(&u, "otpauth://totp/Pecete:");
	uri_escape(label, &u);
	buf_printf(&u,
	    "?secret=%s&issuer=Pecete&algorithm=SHA1&digits=%d&period=%d",
	    r->secret, TOTP_DIGITS, TOTP_STEP);
	if (!buf_ok(&u))
		rc = PC_ELIMIT;
	else
		snprintf(r->uri, sizeof(r->uri), "%s", (char *)u.data);
	buf_cleanup(&u);
	return rc;
}

/*
 * Check code against secret at now: PC_OK and *step when it matches
 * within +-1 step, PC_EAUTH when not.
 */
static enum pc_rc
totp_check(const uint8_t *secret, const char *code, int64_t now, int64_t *step)
{
	int pos = 0, r;
	size_t i;

	if (strlen(code) != TOTP_DIGITS)
		return PC_EAUTH;
	for (i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return PC_EAUTH;
	r = oath_totp_validate2((const char *)secret, TOTP_SECRET_LEN,
	    (time_t)now, TOTP_STEP, 0, 1, &pos, code);
	if (r < 0)
		return PC_EAUTH;
	*step = now / TOTP_STEP + pos;
	return PC_OK;
}

static enum pc_rc
do_begin(struct signer_totp *t, struct db *db, const char *user,
    const char *label, struct signer_totp_reply *r)
{
	uint8_t *secret, blob[TOTP_BLOB_LEN];
	enum pc_rc rc;

	secret = secret_alloc(TOTP_SECRET_LEN);
	if (secret == NULL)
		return PC_ENOMEM;
	randombytes_buf(secret, TOTP_SECRET_LEN);
	rc = totp_seal(t, user, secret, blob);
	if (rc == PC_OK)
		rc = totp_uri(secret, label, r);
	if (rc == PC_OK)
		rc = store_totp_put_pending(
		    db, user, blob, sizeof(blob), clock_now());
	if (rc == PC_OK)
		rc = store_audit_append(
		    db, user, "totp.enrol_begin", "pending secret made");
	secret_free(secret, TOTP_SECRET_LEN);
	if (rc != PC_OK) {
		memset(r->secret, 0, sizeof(r->secret));
		r->uri[0] = '\0';
	}
	return rc;
}

/*
 * Count a failure in SQL (exact when verifications run in parallel); the
 * failure that reaches the maximum locks.
 */
static enum pc_rc
count_failure(struct signer_totp *t, struct db *db, const char *user,
    const char *purpose, int64_t now, struct signer_totp_reply *r)
{
	char detail[96];
	enum pc_rc rc;
	bool locked = false;

	rc = store_totp_fail(db, user, t->conf->account.totp_max_failures,
	    now + t->conf->account.totp_lock_s, &locked);
	if (rc != PC_OK)
		return rc;
	r->result = locked ? TOTP_R_LOCKED : TOTP_R_BAD;
	if (locked)
		r->retry_after = (uint32_t)t->conf->account.totp_lock_s;
	snprintf(detail, sizeof(detail), "purpose=%s%s", purpose,
	    locked ? " locked" : "");
	return store_audit_append(
	    db, user, locked ? "totp.locked" : "totp.failed", detail);
}

/*
 * VERIFY (purpose != NULL) or ENROL_CONFIRM (purpose == NULL); with peek
 * (VERIFY's rules) a right code is not used: the step stays free.
 */
static enum pc_rc
do_check(struct signer_totp *t, struct db *db, const char *user,
    const char *purpose, const char *code, bool peek,
    struct signer_totp_reply *r)
{
	struct store_totp st;
	uint8_t *secret = NULL;
	int64_t now = clock_now(), step = 0;
	bool confirm = purpose == NULL, used = false;
	char detail[96];
	enum pc_rc rc;

	memset(&st, 0, sizeof(st));
	rc = store_totp_get(db, user, &st);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK &&
	        (confirm ? st.pending == NULL : st.active == NULL))) {
		r->result = TOTP_R_NONE;
		rc = PC_OK;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (st.locked_until > now) {
		r->result = TOTP_R_LOCKED;
		r->retry_after = (uint32_t)(st.locked_until - now);
		goto out;
	}
	secret = secret_alloc(TOTP_SECRET_LEN);
	if (secret == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = totp_open_blob(t, user, confirm ? st.pending : st.active,
	    confirm ? st.pending_len : st.active_len, secret);
	if (rc != PC_OK)
		goto out;
	if (totp_check(secret, code, now, &step) != PC_OK) {
		rc = count_failure(
		    t, db, user, confirm ? "pairing" : purpose, now, r);
		goto out;
	}
	if (confirm) {
		r->result = TOTP_R_OK;
		rc = store_totp_activate(db, user, step, now);
		if (rc == PC_OK)
			rc = store_audit_append(db, user, "totp.activated",
			    "new secret active; old one replaced");
		goto out;
	}
	if (peek) {
		/* What the UPDATE below would find; nothing written. */
		if (step <= st.last_step) {
			r->result = TOTP_R_REPLAY;
			rc = store_audit_append(
			    db, user, "totp.replay", purpose);
		} else
			r->result = TOTP_R_OK;
		goto out;
	}
	/*
	 * The step is used by one conditional UPDATE (last_step < step), not
	 * by comparing what was read: of two parallel verifications of one
	 * code, on any database, only one changes the row.
	 */
	rc = store_totp_use_step(db, user, step, &used);
	if (rc != PC_OK)
		goto out;
	if (!used) {
		r->result = TOTP_R_REPLAY;
		rc = store_audit_append(db, user, "totp.replay", purpose);
		goto out;
	}
	r->result = TOTP_R_OK;
	snprintf(detail, sizeof(detail), "purpose=%s", purpose);
	rc = store_audit_append(db, user, "totp.ok", detail);
out:
	if (secret != NULL)
		secret_free(secret, TOTP_SECRET_LEN);
	store_totp_cleanup(&st);
	return rc;
}

enum pc_rc
signer_totp_check(struct signer_totp *t, struct db *db, const char *user,
    const char *purpose, const char *code, struct signer_totp_reply *r)
{
	RETURN_VAL_IF_FAIL(t != NULL && db != NULL && user != NULL &&
	                       purpose != NULL && code != NULL && r != NULL,
	    PC_EINTERNAL);
	memset(r, 0, sizeof(*r));
	r->result = TOTP_R_NONE;
	return do_check(t, db, user, purpose, code, false, r);
}

static enum pc_rc
do_qr_uri(struct signer_totp *t, struct db *db, const char *user,
    const char *label, struct signer_totp_reply *r)
{
	struct store_totp st;
	uint8_t *secret = NULL;
	enum pc_rc rc;

	memset(&st, 0, sizeof(st));
	rc = store_totp_get(db, user, &st);
	if (rc == PC_ENOTFOUND || (rc == PC_OK && st.pending == NULL)) {
		r->result = TOTP_R_NONE;
		rc = PC_OK;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	rc = store_totp_qr_take(db, user);
	if (rc == PC_ESTATE) {
		r->result = TOTP_R_GONE;
		rc = PC_OK;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	secret = secret_alloc(TOTP_SECRET_LEN);
	if (secret == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = totp_open_blob(t, user, st.pending, st.pending_len, secret);
	if (rc == PC_OK)
		rc = totp_uri(secret, label, r);
	/* Only the URI leaves; the bare secret was shown at BEGIN. */
	secret_wipe(r->secret, sizeof(r->secret));
	r->result = TOTP_R_OK;
out:
	if (secret != NULL)
		secret_free(secret, TOTP_SECRET_LEN);
	store_totp_cleanup(&st);
	return rc;
}

/* The TOTP_REPLY of rc and r. */
static void
reply_put(struct buf *reply, enum pc_rc rc, const struct signer_totp_reply *r)
{
	struct signer_m_totp_reply m;

	memset(&m, 0, sizeof(m));
	m.rc = (uint32_t)rc;
	m.result = (uint16_t)r->result;
	m.retry_after = r->retry_after;
	m.secret.p = (const uint8_t *)r->secret;
	m.secret.n = strlen(r->secret);
	m.uri.p = (const uint8_t *)r->uri;
	m.uri.n = strlen(r->uri);
	signer_reply(reply, SIGNER_MSG_TOTP_REPLY, &m);
}

void
signer_totp_serve(struct signer_totp *t, uint16_t type, enum pc_rc drc,
    const struct signer_m_totp *q, struct buf *reply)
{
	struct signer_totp_reply r;
	struct db *db = NULL;
	char user[SIGNER_TOTP_ID_MAX + 1], label[SIGNER_TOTP_LABEL_MAX + 1];
	char purpose[SIGNER_TOTP_PURPOSE_MAX + 1];
	char code[SIGNER_TOTP_CODE_MAX + 1];
	enum pc_rc rc = drc;

	memset(&r, 0, sizeof(r));
	r.result = TOTP_R_NONE;
	user[0] = label[0] = purpose[0] = code[0] = '\0';
	if (rc != PC_OK)
		goto done;
	/* The table bounds every field: these copies always fit. */
	signer_text(&q->user, user, sizeof(user));
	signer_text(&q->label, label, sizeof(label));
	signer_text(&q->purpose, purpose, sizeof(purpose));
	signer_text(&q->code, code, sizeof(code));
	if (t == NULL) {
		rc = PC_EUNAVAIL;
		goto done;
	}
	rc = store_acquire(t->store, &db);
	if (rc != PC_OK)
		goto done;
	rc = db_begin(db);
	if (rc != PC_OK)
		goto done;
	switch (type) {
	case SIGNER_MSG_TOTP_ENROL_BEGIN:
		rc = do_begin(t, db, user, label, &r);
		break;
	case SIGNER_MSG_TOTP_ENROL_CONFIRM:
		rc = do_check(t, db, user, NULL, code, false, &r);
		break;
	case SIGNER_MSG_TOTP_VERIFY:
	case SIGNER_MSG_TOTP_PEEK:
		rc = do_check(t, db, user, purpose, code,
		    type == SIGNER_MSG_TOTP_PEEK, &r);
		break;
	case SIGNER_MSG_TOTP_QR_URI:
		rc = do_qr_uri(t, db, user, label, &r);
		break;
	default:
		rc = PC_EINVAL;
	}
	if (rc == PC_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	log_debug("signer", "totp type=%u user=%s result=%d rc=%s", type, user,
	    (int)r.result, pc_rc_str(rc));
done:
	secret_wipe(code, sizeof(code));
	if (db != NULL)
		store_release(t->store, db);
	if (rc != PC_OK) {
		secret_wipe(&r, sizeof(r));
		r.result = TOTP_R_NONE;
	}
	reply_put(reply, rc, &r);
	secret_wipe(&r, sizeof(r));
}

void
signer_totp_handle(struct signer_totp *t, uint16_t type, struct signer_rd *rd,
    struct buf *reply)
{
	struct signer_m_totp q;
	const struct signer_msgdef *def = signer_msg_def(type);
	enum pc_rc drc = PC_EINVAL;

	memset(&q, 0, sizeof(q));
	if (def != NULL && def->reply == SIGNER_MSG_TOTP_REPLY)
		drc = signer_msg_decode(type, rd->p, rd->n, &q);
	signer_totp_serve(t, type, drc, &q, reply);
	secret_wipe(&q, sizeof(q));
}
