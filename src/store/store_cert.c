/*
 * store_cert.c: the certificates we issued (and our own CA and service
 * certificates), with their revocation state.
 */
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define T struct store_cert
static const struct store_col cert_col[] = {
	STORE_COL(T, serial, COL_TEXT, 0),
	STORE_COL(T, issuer, COL_TEXT, 0),
	STORE_COL(T, kind, COL_STR, 0),
	STORE_COL(T, name, COL_STR, 0),
	STORE_COL(T, subject, COL_STR, 0),
	STORE_COL(T, holder, COL_STR, 0),
	STORE_COL(T, key_label, COL_STR, 0),
	STORE_COL(T, not_before, COL_I64, 0),
	STORE_COL(T, not_after, COL_I64, 0),
	STORE_COL(T, status, COL_INT, 0),
	STORE_COL(T, revoked_at, COL_I64, COL_NULL0),
	STORE_COL(T, reason, COL_INT, COL_NULL0),
	STORE_BLOB(T, der, der_len, 0),
	STORE_COL(T, created_at, COL_I64, 0),
};
static const struct store_cols cert_cols =
    STORE_COLS(T, "certs", NULL, NULL, cert_col);
STORE_ROW_EACH_FN(cert, T)
#undef T
_Static_assert(
    sizeof(enum store_cert_status) == sizeof(int), "status is read as an int");

#define CRL_REASON_HOLD 6 /* certificateHold */

/* Lower-case hex, no leading zero, 1..STORE_SERIAL_MAX digits. */
static bool
serial_ok(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i == STORE_SERIAL_MAX)
			return false;
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/* RFC 5280 CRLReason values a revocation may carry (not 7, not 8). */
static bool
reason_ok(int reason)
{
	return (reason >= 0 && reason <= 6) || reason == 9 || reason == 10;
}

/*
 * Insert a certificate; created_at is set to now. Everything is copied.
 * PC_EEXIST when the serial exists, PC_EINVAL on a malformed serial.
 */
enum pc_rc
store_cert_insert(struct db *db, const struct store_cert *c)
{
	static uint8_t none[1];
	struct store_cert w;
	bool revoked;

	RETURN_VAL_IF_FAIL(db != NULL && c != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(c->kind != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(c->der != NULL || c->der_len == 0, PC_EINTERNAL);
	revoked = c->status == CERT_REVOKED;
	if (!serial_ok(c->serial) ||
	    (c->issuer[0] != '\0' && !serial_ok(c->issuer)) ||
	    (revoked && !reason_ok(c->reason)))
		return PC_EINVAL;
	/* A good certificate has no revocation time or reason (NULL). */
	w = *c;
	w.status = revoked ? CERT_REVOKED : CERT_GOOD;
	w.revoked_at = revoked ? c->revoked_at : 0;
	w.reason = revoked ? c->reason : 0;
	w.der = c->der != NULL ? c->der : none; /* an empty blob */
	w.created_at = clock_now();
	/* ON CONFLICT keeps a PostgreSQL transaction usable. */
	return store_row_insert(
	    db, &cert_cols, &w, "ON CONFLICT (serial) DO NOTHING");
}

/*
 * The certificate with this serial. OUT: *c, free with store_cert_cleanup.
 * PC_ENOTFOUND when absent.
 */
enum pc_rc
store_cert_get(struct db *db, const char *serial, struct store_cert *c)
{
	RETURN_VAL_IF_FAIL(db != NULL && serial != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(c != NULL, PC_EINTERNAL);
	return store_row_get(
	    db, &cert_cols, c, "WHERE serial = $1", "s", serial);
}

/*
 * The current certificate named name: a good one before a revoked one,
 * then the latest notBefore. OUT: *c, free with store_cert_cleanup.
 */
enum pc_rc
store_cert_get_by_name(struct db *db, const char *name, struct store_cert *c)
{
	RETURN_VAL_IF_FAIL(db != NULL && name != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(c != NULL, PC_EINTERNAL);
	return store_row_get(db, &cert_cols, c,
	    "WHERE name = $1 "
	    "ORDER BY status, not_before DESC, created_at DESC, serial DESC "
	    "LIMIT 1",
	    "s", name);
}

/*
 * After a conditional UPDATE of serial's status: rc, but a change that
 * found no row is PC_ESTATE when serial exists (it is not in the state the
 * UPDATE wants), PC_ENOTFOUND when it does not.
 */
static enum pc_rc
changed_or_state(struct db *db, const char *serial, enum pc_rc rc)
{
	int64_t one = 0;

	if (rc != PC_ENOTFOUND)
		return rc;
	rc = store_q_i64(
	    db, &one, "SELECT 1 FROM certs WHERE serial = $1", "s", serial);
	return rc == PC_OK ? PC_ESTATE : rc;
}

/*
 * Revoke serial with an RFC 5280 reason at time when. A certificate on
 * hold (reason 6) may be revoked again with another reason; it keeps its
 * first revocation time. PC_ENOTFOUND when absent, PC_ESTATE when already
 * revoked, PC_EINVAL for reasons 7, 8 and out of range.
 */
enum pc_rc
store_cert_revoke(struct db *db, const char *serial, int reason, int64_t when)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && serial != NULL, PC_EINTERNAL);
	if (!reason_ok(reason))
		return PC_EINVAL;
	rc = store_q_change(db, PC_ENOTFOUND,
	    "UPDATE certs SET status = 1, reason = $2, "
	    "revoked_at = CASE WHEN status = 1 THEN revoked_at ELSE $3 END "
	    "WHERE serial = $1 AND (status = 0 OR (reason = 6 AND $4 = 1))",
	    "siii", serial, (int64_t)reason, when,
	    (int64_t)(reason != CRL_REASON_HOLD));
	return changed_or_state(db, serial, rc);
}

/*
 * Take serial off hold (RFC 5280 removeFromCRL): back to good, without
 * revocation time or reason. PC_ENOTFOUND when absent, PC_ESTATE when it
 * is not on hold (good, or revoked for good).
 */
enum pc_rc
store_cert_release(struct db *db, const char *serial)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && serial != NULL, PC_EINTERNAL);
	rc = store_q_change(db, PC_ENOTFOUND,
	    "UPDATE certs SET status = 0, reason = NULL, revoked_at = NULL "
	    "WHERE serial = $1 AND status = 1 AND reason = $2",
	    "si", serial, (int64_t)CRL_REASON_HOLD);
	return changed_or_state(db, serial, rc);
}

/*
 * Call fn for each revoked certificate issued by issuer_serial, in
 * revocation order. c is valid only during the call. The first status
 * other than PC_OK returned by fn stops the walk and is returned.
 */
enum pc_rc
store_cert_each_revoked(struct db *db, const char *issuer_serial,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg)
{
	struct cert_each e = { fn, arg };
	struct store_cert c;

	RETURN_VAL_IF_FAIL(db != NULL && issuer_serial != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &cert_cols, &c, cert_each_call, &e,
	    "WHERE issuer = $1 AND status = 1 ORDER BY revoked_at, serial", "s",
	    issuer_serial);
}

/* The certificates of an account's holders, newest first. */
enum pc_rc
store_cert_each_of_user(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg)
{
	struct cert_each e = { fn, arg };
	struct store_cert c;

	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &cert_cols, &c, cert_each_call, &e,
	    "WHERE holder IN (SELECT holder FROM credentials"
	    " WHERE user_id = $1) ORDER BY created_at DESC, kind DESC",
	    "s", user_id);
}

/* The certificates of one holder (its signing and authentication ones). */
enum pc_rc
store_cert_each_of_holder(struct db *db, const char *holder,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg)
{
	struct cert_each e = { fn, arg };
	struct store_cert c;

	RETURN_VAL_IF_FAIL(db != NULL && holder != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &cert_cols, &c, cert_each_call, &e,
	    "WHERE holder = $1 ORDER BY kind DESC, serial", "s", holder);
}

/* ---- the public registry (J16) ----------------------------------------- */

/* Signing certificates with no registry row yet, at most limit. */
enum pc_rc
store_registry_each_unindexed(struct db *db, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg)
{
	struct cert_each e = { fn, arg };
	struct store_cert c;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &cert_cols, &c, cert_each_call, &e,
	    "WHERE kind = 'sign' AND serial NOT IN "
	    "(SELECT serial FROM cert_registry) ORDER BY serial LIMIT $1",
	    "i", limit);
}

/* How many signing certificates have no registry row yet. */
enum pc_rc
store_registry_unindexed_count(struct db *db, int64_t *n)
{
	RETURN_VAL_IF_FAIL(db != NULL && n != NULL, PC_EINTERNAL);
	return store_q_i64(db, n,
	    "SELECT count(*) FROM certs WHERE kind = 'sign' AND serial NOT IN "
	    "(SELECT serial FROM cert_registry)",
	    "");
}

/* The search keys of a signing certificate; an existing row is kept. */
enum pc_rc
store_registry_put(struct db *db, const char *serial, const char *name_key,
    const char *name_rev_key, const char *email_key)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && serial != NULL && name_key != NULL &&
	                       name_rev_key != NULL && email_key != NULL,
	    PC_EINTERNAL);
	rc = store_q_change(db, PC_EEXIST,
	    "INSERT INTO cert_registry (serial, name_key, name_rev_key, "
	    "email_key) VALUES ($1, $2, $3, $4) ON CONFLICT (serial) DO "
	    "NOTHING",
	    "ssss", serial, name_key, name_rev_key, email_key);
	return rc == PC_EEXIST ? PC_OK : rc;
}

/*
 * The signing certificates whose name (either order) or e-mail key is
 * key, newest first, at most limit.
 */
enum pc_rc
store_registry_find(struct db *db, const char *key, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg)
{
	struct cert_each e = { fn, arg };
	struct store_cert c;

	RETURN_VAL_IF_FAIL(
	    db != NULL && key != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &cert_cols, &c, cert_each_call, &e,
	    "WHERE kind = 'sign' AND serial IN (SELECT serial FROM "
	    "cert_registry WHERE name_key = $1 OR name_rev_key = $1 OR "
	    "email_key = $1) ORDER BY not_before DESC, serial LIMIT $2",
	    "si", key, limit);
}

/* Free what store_cert_get filled and zero c; safe on a zeroed c. */
void
store_cert_cleanup(struct store_cert *c)
{
	store_row_cleanup(&cert_cols, c);
}

/* ---- key pairs of an issuance under way -------------------------------- */

struct pending_key {
	char label[128];
};

#define T struct pending_key
static const struct store_col pk_col[] = {
	STORE_COL(T, label, COL_TEXT, 0),
};
static const struct store_cols pk_cols =
    STORE_COLS(T, "pending_keys", NULL, NULL, pk_col);
#undef T

struct pk_each {
	enum pc_rc (*fn)(void *arg, const char *label);
	void *arg;
};

static enum pc_rc
pk_each_call(void *arg, void *row)
{
	struct pk_each *e = arg;

	return e->fn(e->arg, ((struct pending_key *)row)->label);
}

enum pc_rc
store_pending_key_add(struct db *db, const char *label, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && label != NULL, PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "INSERT INTO pending_keys (label, created_at) VALUES ($1, $2)",
	    "si", label, now);
}

enum pc_rc
store_pending_key_del(struct db *db, const char *label)
{
	RETURN_VAL_IF_FAIL(db != NULL && label != NULL, PC_EINTERNAL);
	return store_q_run(
	    db, NULL, "DELETE FROM pending_keys WHERE label = $1", "s", label);
}

enum pc_rc
store_pending_key_each(struct db *db, int64_t before, int64_t limit,
    enum pc_rc (*fn)(void *arg, const char *label), void *arg)
{
	struct pk_each e = { fn, arg };
	struct pending_key row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &pk_cols, &row, pk_each_call, &e,
	    "WHERE created_at < $1 ORDER BY created_at LIMIT $2", "ii", before,
	    limit);
}

enum pc_rc
store_cert_key_used(struct db *db, const char *label, bool *yes)
{
	int64_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && label != NULL && yes, PC_EINTERNAL);
	rc = store_q_i64(db, &n,
	    "SELECT count(*) FROM certs WHERE key_label = $1", "s", label);
	*yes = rc == PC_OK && n > 0;
	return rc;
}
