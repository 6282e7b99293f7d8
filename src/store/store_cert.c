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

#define CERT_COLS                                                              \
	"serial, issuer, kind, name, subject, holder, key_label, not_before, " \
	"not_after, status, revoked_at, reason, der, created_at"

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

static enum pc_rc
dup_col(struct db_stmt *st, int col, char **out)
{
	const char *s;

	*out = NULL;
	s = db_col_text(st, col);
	if (s == NULL)
		return PC_OK;
	*out = strdup(s);
	return *out != NULL ? PC_OK : PC_ENOMEM;
}

static enum pc_rc
copy_serial(struct db_stmt *st, int col, char *out)
{
	const char *s;
	size_t n;

	s = db_col_text(st, col);
	if (s == NULL)
		s = "";
	n = strlen(s);
	if (n > STORE_SERIAL_MAX) {
		log_warnx("store: certs: serial too long in the database");
		return PC_EDB;
	}
	memcpy(out, s, n + 1);
	return PC_OK;
}

/* Fill c from a row selected with CERT_COLS. */
static enum pc_rc
cert_from_row(struct db_stmt *st, struct store_cert *c)
{
	const uint8_t *der;
	size_t n = 0;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	rc = copy_serial(st, 0, c->serial);
	if (rc == PC_OK)
		rc = copy_serial(st, 1, c->issuer);
	if (rc == PC_OK)
		rc = dup_col(st, 2, &c->kind);
	if (rc == PC_OK)
		rc = dup_col(st, 3, &c->name);
	if (rc == PC_OK)
		rc = dup_col(st, 4, &c->subject);
	if (rc == PC_OK)
		rc = dup_col(st, 5, &c->holder);
	if (rc == PC_OK)
		rc = dup_col(st, 6, &c->key_label);
	if (rc != PC_OK)
		goto out;
	c->not_before = db_col_i64(st, 7);
	c->not_after = db_col_i64(st, 8);
	c->status =
	    db_col_i64(st, 9) == CERT_REVOKED ? CERT_REVOKED : CERT_GOOD;
	c->revoked_at = db_col_i64(st, 10);
	c->reason = (int)db_col_i64(st, 11);
	der = db_col_blob(st, 12, &n);
	c->der = malloc(n > 0 ? n : 1);
	if (c->der == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(c->der, der, n);
	c->der_len = n;
	c->created_at = db_col_i64(st, 13);
out:
	if (rc != PC_OK)
		store_cert_cleanup(c);
	return rc;
}

/*
 * Insert a certificate; created_at is set to now. Everything is copied.
 * PC_EEXIST when the serial exists, PC_EINVAL on a malformed serial.
 */
enum pc_rc
store_cert_insert(struct db *db, const struct store_cert *c)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row, revoked;

	RETURN_VAL_IF_FAIL(db != NULL && c != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(c->kind != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(c->der != NULL || c->der_len == 0, PC_EINTERNAL);
	revoked = c->status == CERT_REVOKED;
	if (!serial_ok(c->serial) ||
	    (c->issuer[0] != '\0' && !serial_ok(c->issuer)) ||
	    (revoked && !reason_ok(c->reason))) {
		rc = PC_EINVAL;
		goto out;
	}
	/* ON CONFLICT keeps a PostgreSQL transaction usable. */
	rc = db_prepare(db,
	    "INSERT INTO certs (" CERT_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
	    "ON CONFLICT (serial) DO NOTHING",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, c->serial);
	if (rc == PC_OK)
		rc = db_bind_text(st, 2, c->issuer);
	if (rc == PC_OK)
		rc = db_bind_text(st, 3, c->kind);
	if (rc == PC_OK)
		rc = db_bind_text(st, 4, c->name);
	if (rc == PC_OK)
		rc = db_bind_text(st, 5, c->subject);
	if (rc == PC_OK)
		rc = db_bind_text(st, 6, c->holder);
	if (rc == PC_OK)
		rc = db_bind_text(st, 7, c->key_label);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 8, c->not_before);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 9, c->not_after);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 10, revoked ? CERT_REVOKED : CERT_GOOD);
	if (rc == PC_OK)
		rc = revoked ? db_bind_i64(st, 11, c->revoked_at)
		             : db_bind_null(st, 11);
	if (rc == PC_OK)
		rc = revoked ? db_bind_i64(st, 12, c->reason)
		             : db_bind_null(st, 12);
	if (rc == PC_OK)
		rc = db_bind_blob(st, 13, c->der, c->der_len);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 14, clock_now());
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (db_changes(st) == 0)
		rc = PC_EEXIST;
out:
	db_stmt_free(st);
	return rc;
}

static enum pc_rc
cert_get_one(
    struct db *db, const char *sql, const char *key, struct store_cert *c)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	memset(c, 0, sizeof(*c));
	rc = db_prepare(db, sql, &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, key);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	rc = cert_from_row(st, c);
out:
	db_stmt_free(st);
	return rc;
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
	return cert_get_one(db,
	    "SELECT " CERT_COLS " FROM certs "
	    "WHERE serial = $1",
	    serial, c);
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
	return cert_get_one(db,
	    "SELECT " CERT_COLS " FROM certs "
	    "WHERE name = $1 "
	    "ORDER BY status, not_before DESC, created_at DESC, serial DESC "
	    "LIMIT 1",
	    name, c);
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
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && serial != NULL, PC_EINTERNAL);
	if (!reason_ok(reason)) {
		rc = PC_EINVAL;
		goto out;
	}
	rc = db_prepare(db,
	    "UPDATE certs SET status = 1, reason = $2, "
	    "revoked_at = CASE WHEN status = 1 THEN revoked_at ELSE $3 END "
	    "WHERE serial = $1 AND (status = 0 OR (reason = 6 AND $4 = 1))",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, serial);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, reason);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 3, when);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 4, reason != CRL_REASON_HOLD);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (db_changes(st) > 0)
		goto out;
	db_stmt_free(st);
	st = NULL;
	rc = db_prepare(db, "SELECT 1 FROM certs WHERE serial = $1", &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, serial);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	rc = row ? PC_ESTATE : PC_ENOTFOUND;
out:
	db_stmt_free(st);
	return rc;
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
	struct db_stmt *st = NULL;
	struct store_cert c;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && issuer_serial != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(fn != NULL, PC_EINTERNAL);
	rc = db_prepare(db,
	    "SELECT " CERT_COLS " FROM certs "
	    "WHERE issuer = $1 AND status = 1 ORDER BY revoked_at, serial",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, issuer_serial);
	if (rc != PC_OK)
		goto out;
	for (;;) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		rc = cert_from_row(st, &c);
		if (rc != PC_OK)
			break;
		rc = fn(arg, &c);
		store_cert_cleanup(&c);
		if (rc != PC_OK)
			break;
	}
out:
	db_stmt_free(st);
	return rc;
}

/* Free what store_cert_get filled and zero c; safe on a zeroed c. */
void
store_cert_cleanup(struct store_cert *c)
{
	if (c == NULL)
		return;
	free(c->kind);
	free(c->name);
	free(c->subject);
	free(c->holder);
	free(c->key_label);
	free(c->der);
	memset(c, 0, sizeof(*c));
}
