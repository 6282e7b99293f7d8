/*
 * store_credential.c: signing credentials, transaction counters and the
 * signing records (see store_credential.h).
 *
 * The counter is only ever changed in SQL, by one conditional UPDATE
 * (store_credential_spend): two parallel batches cannot both spend the
 * last transactions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_credential.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define T struct store_credential
static const struct store_col cred_col[] = {
	STORE_COL(T, serial, COL_TEXT, 0),
	STORE_COL(T, holder, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, COL_NULL0),
	STORE_COL(T, transactions_left, COL_I64, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, updated_at, COL_I64, COL_RO),
	STORE_COLX(T, created_at, COL_I64, COL_WO, "updated_at", NULL),
};
static const struct store_cols cred_cols =
    STORE_COLS(T, "credentials", NULL, NULL, cred_col);
#undef T

#define T struct store_expiring
static const struct store_col exp_col[] = {
	STORE_COL(T, serial, COL_TEXT, COL_RO),
	STORE_COL(T, user_id, COL_TEXT, COL_RO),
	STORE_COLX(T, not_after, COL_I64, COL_RO, "not_after", "t.not_after"),
};
static const struct store_cols exp_cols = STORE_COLS(T, "credentials",
    "credentials c JOIN certs t ON t.serial = c.serial", "c", exp_col);
STORE_ROW_EACH_FN(expiring, T)
#undef T

#define T struct store_retired
static const struct store_col ret_col[] = {
	STORE_COL(T, serial, COL_TEXT, COL_RO),
	STORE_COL(T, holder, COL_TEXT, COL_RO),
};
static const struct store_cols ret_cols = STORE_COLS(T, "credentials",
    "credentials c JOIN certs t ON t.serial = c.serial", "c", ret_col);
STORE_ROW_EACH_FN(retired, T)
#undef T

/* Insert (updated_at = created_at); PC_EEXIST when the serial has one. */
enum pc_rc
store_credential_insert(struct db *db, const struct store_credential *c)
{
	RETURN_VAL_IF_FAIL(db != NULL && c != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(
	    c->serial[0] != '\0' && c->holder[0] != '\0', PC_EINVAL);
	return store_row_insert(
	    db, &cred_cols, c, "ON CONFLICT (serial) DO NOTHING");
}

/* The credential of serial. OUT: *c. PC_ENOTFOUND when none. */
enum pc_rc
store_credential_get(
    struct db *db, const char *serial, struct store_credential *c)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && c != NULL, PC_EINTERNAL);
	return store_row_get(
	    db, &cred_cols, c, "WHERE serial = $1", "s", serial);
}

/* The credential whose holder has the authentication certificate
 * auth_serial. OUT: *c. PC_ENOTFOUND when none. */
enum pc_rc
store_credential_of_auth(
    struct db *db, const char *auth_serial, struct store_credential *c)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && auth_serial != NULL && c != NULL, PC_EINTERNAL);
	return store_row_get(db, &cred_cols, c,
	    "WHERE holder = (SELECT holder FROM certs WHERE serial = $1"
	    " AND kind = 'auth') ORDER BY created_at DESC LIMIT 1",
	    "s", auth_serial);
}

enum pc_rc
store_credential_of_user(
    struct db *db, const char *user_id, int64_t now, struct store_credential *c)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && c != NULL, PC_EINTERNAL);
	return store_row_get(db, &cred_cols, c,
	    "WHERE user_id = $1 AND serial IN (SELECT serial FROM certs"
	    " WHERE status = 0 AND not_after > $2)"
	    " ORDER BY created_at DESC LIMIT 1",
	    "si", user_id, now);
}

enum pc_rc
store_credential_count_user(struct db *db, const char *user_id, int64_t *n)
{
	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL && n, PC_EINTERNAL);
	return store_q_i64(db, n,
	    "SELECT count(*) FROM credentials WHERE user_id = $1", "s",
	    user_id);
}

/* Take n transactions, atomically; see store_credential.h. */
enum pc_rc
store_credential_spend(
    struct db *db, const char *serial, int64_t n, int64_t now)
{
	struct store_credential c;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && n >= 0, PC_EINTERNAL);
	/* One statement: the check and the decrement cannot be split. */
	rc = store_q_change(db, PC_ELIMIT,
	    "UPDATE credentials SET transactions_left = transactions_left - $2,"
	    " updated_at = $3 WHERE serial = $1 AND transactions_left >= $2",
	    "sii", serial, n, now);
	if (rc == PC_ELIMIT) {
		rc = store_credential_get(db, serial, &c);
		if (rc == PC_OK)
			rc = PC_ELIMIT;
	}
	return rc;
}

static int
serial_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum pc_rc
store_credential_lock(struct db *db, const char **serials, size_t n)
{
	const char **v;
	size_t i;
	enum pc_rc rc = PC_OK;

	RETURN_VAL_IF_FAIL(
	    db != NULL && (serials != NULL || n == 0), PC_EINTERNAL);
	if (db_kind(db) != STORE_PG || n == 0)
		return PC_OK;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		return PC_ENOMEM;
	memcpy(v, serials, n * sizeof(*v));
	qsort(v, n, sizeof(*v), serial_cmp);
	for (i = 0; rc == PC_OK && i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			rc = store_q_run(db, NULL,
			    "SELECT serial FROM credentials WHERE serial = $1 "
			    "FOR UPDATE",
			    "s", v[i]);
	free(v);
	return rc;
}

/* Record one signature or timestamp of hash_hex. */
enum pc_rc
store_signature_add(struct db *db, const char *serial, const char *kind,
    const char *hash_hex, int64_t at)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && kind != NULL && hash_hex != NULL,
	    PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "INSERT INTO signatures (credential, kind, hash, at) "
	    "VALUES ($1, $2, $3, $4)",
	    "sssi", serial, kind, hash_hex, at);
}

/* The number of records of serial of kind (NULL: all). OUT: *out. */
enum pc_rc
store_signature_count(
    struct db *db, const char *serial, const char *kind, int64_t *out)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && out != NULL, PC_EINTERNAL);
	return store_q_i64(db, out,
	    "SELECT COUNT(*) FROM signatures WHERE credential = $1 "
	    "AND kind = COALESCE($2, kind)",
	    "ss", serial, kind);
}

enum pc_rc
store_credential_refund(
    struct db *db, const char *serial, int64_t n, int64_t now)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && n >= 0, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE credentials SET transactions_left = transactions_left + $2,"
	    " updated_at = $3 WHERE serial = $1",
	    "sii", serial, n, now);
}

enum pc_rc
store_signature_refund(
    struct db *db, const char *serial, const char *hash_hex, int64_t now)
{
	RETURN_VAL_IF_FAIL(db && serial && hash_hex && now > 0, PC_EINTERNAL);
	/* One record (the oldest not given back yet): its id is unique. */
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE signatures SET refunded_at = $3 WHERE id = (SELECT"
	    " MIN(id) FROM signatures WHERE credential = $1 AND kind = 'sign'"
	    " AND hash = $2 AND refunded_at = 0) AND refunded_at = 0",
	    "ssi", serial, hash_hex, now);
}

enum pc_rc
store_credential_expiring(struct db *db, int64_t now, int64_t until,
    int64_t limit, enum pc_rc (*fn)(void *arg, const struct store_expiring *x),
    void *arg)
{
	struct expiring_each e = { fn, arg };
	struct store_expiring row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &exp_cols, &row, expiring_each_call, &e,
	    "WHERE c.user_id IS NOT NULL AND c.user_id <> '' AND t.status = 0"
	    " AND t.not_after > $1 AND t.not_after <= $2"
	    " ORDER BY t.not_after LIMIT $3",
	    "iii", now, until, limit);
}

enum pc_rc
store_reminder_add(struct db *db, const char *serial, int64_t days, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && serial != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_EEXIST,
	    "INSERT INTO cert_reminders (serial, days, sent_at)"
	    " VALUES ($1, $2, $3) ON CONFLICT (serial, days) DO NOTHING",
	    "sii", serial, days, now);
}

enum pc_rc
store_credential_retired(struct db *db, int64_t before, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_retired *x), void *arg)
{
	struct retired_each e = { fn, arg };
	struct store_retired row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	/* Revoked for good (not on hold: CRL reason 6) or ended. */
	return store_row_each(db, &ret_cols, &row, retired_each_call, &e,
	    "WHERE c.keys_destroyed_at = 0 AND ((t.status = 1 AND"
	    " t.reason <> 6 AND t.revoked_at < $1) OR t.not_after < $1)"
	    " ORDER BY c.serial LIMIT $2",
	    "ii", before, limit);
}

enum pc_rc
store_credential_keys_gone(struct db *db, const char *serial, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && serial != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE credentials SET keys_destroyed_at = $2, updated_at = $2"
	    " WHERE serial = $1 AND keys_destroyed_at = 0",
	    "si", serial, now);
}
