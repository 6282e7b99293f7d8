/*
 * store_renewal.c: renewal (rekey) requests; see store_renewal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pc.h"
#include "store/store_int.h"
#include "store/store_renewal.h"
#include "store/store_row.h"

#define T struct store_renewal
static const struct store_col ren_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, order_id, COL_TEXT, 0),
	STORE_COL(T, old_serial, COL_TEXT, 0),
	STORE_COL(T, old_not_after, COL_I64, 0),
	STORE_COL(T, state, COL_TEXT, 0),
	STORE_COL(T, doc_type, COL_TEXT, 0),
	STORE_COL(T, doc_series, COL_TEXT, 0),
	STORE_COL(T, doc_number, COL_TEXT, 0),
	STORE_COL(T, doc_issued, COL_TEXT, 0),
	STORE_COL(T, doc_expiry, COL_TEXT, 0),
	STORE_COL(T, doc_issuer, COL_TEXT, 0),
	STORE_COL(T, photo_type, COL_TEXT, COL_NULL0),
	STORE_COL(T, photo_size, COL_I64, 0),
	STORE_COL(T, photo_sha256, COL_TEXT, COL_NULL0),
	STORE_COL(T, photo_key, COL_TEXT, COL_NULL0),
	STORE_COL(T, terms_version, COL_TEXT, COL_NULL0),
	STORE_COL(T, reason, COL_STR, 0),
	STORE_COL(T, decided_by, COL_TEXT, COL_NULL0),
	STORE_COL(T, new_serial, COL_TEXT, COL_NULL0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, submitted_at, COL_I64, 0),
	STORE_COL(T, decided_at, COL_I64, 0),
};
static const struct store_cols ren_cols =
    STORE_COLS(T, "renewals", NULL, NULL, ren_col);
STORE_ROW_EACH_FN(ren, T)
#undef T

void
store_renewal_cleanup(struct store_renewal *r)
{
	store_row_cleanup(&ren_cols, r);
}

enum pc_rc
store_renewal_insert(struct db *db, const struct store_renewal *r)
{
	RETURN_VAL_IF_FAIL(db != NULL && r != NULL && r->id[0], PC_EINTERNAL);
	return store_row_insert(
	    db, &ren_cols, r, "ON CONFLICT (id) DO NOTHING");
}

enum pc_rc
store_renewal_get(struct db *db, const char *id, struct store_renewal *r)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && r != NULL, PC_EINTERNAL);
	return store_row_get(db, &ren_cols, r, "WHERE id = $1", "s", id);
}

enum pc_rc
store_renewal_latest(
    struct db *db, const char *user_id, struct store_renewal *r)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && r != NULL, PC_EINTERNAL);
	/* Requests made in the same second: a draft closed by another
	 * (store_renewal_close_drafts) is the older; ids are random. */
	return store_row_get(db, &ren_cols, r,
	    "WHERE user_id = $1 ORDER BY created_at DESC,"
	    " CASE WHEN state = '" RENEWAL_CLOSED "' THEN 1 ELSE 0 END,"
	    " id DESC LIMIT 1",
	    "s", user_id);
}

enum pc_rc
store_renewal_each(struct db *db, const char *state, int64_t due, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_renewal *r), void *arg)
{
	struct ren_each e = { fn, arg };
	struct store_renewal row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &ren_cols, &row, ren_each_call, &e,
	    "WHERE ($1 = '' OR state = $1) AND ($2 = 0 OR old_not_after <= $2)"
	    " ORDER BY created_at, id LIMIT $3",
	    "sii", state != NULL ? state : "", due, limit);
}

enum pc_rc
store_renewal_photo(struct db *db, const char *id, const char *ctype,
    int64_t size, const char *sha256, const char *key_hex)
{
	RETURN_VAL_IF_FAIL(
	    db && id && ctype && sha256 && key_hex, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE renewals SET photo_type = $2, photo_size = $3,"
	    " photo_sha256 = $4, photo_key = $5 WHERE id = $1"
	    " AND state = '" RENEWAL_DRAFT "'",
	    "ssiss", id, ctype, size, sha256, key_hex);
}

enum pc_rc
store_renewal_photo_due(struct db *db, int64_t open_before,
    int64_t decided_before, int64_t ended_before, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_renewal *r), void *arg)
{
	struct ren_each e = { fn, arg };
	struct store_renewal row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &ren_cols, &row, ren_each_call, &e,
	    "WHERE photo_key IS NOT NULL AND ("
	    "(state = '" RENEWAL_CLOSED "' AND COALESCE(submitted_at, 0) = 0"
	    " AND decided_at <= $1)"
	    " OR (state IN ('" RENEWAL_REJECTED "', '" RENEWAL_REFUNDED
	    "', '" RENEWAL_CLOSED "') AND COALESCE(submitted_at, 0) > 0"
	    " AND decided_at <= $2)"
	    " OR (state = '" RENEWAL_ISSUED "' AND EXISTS (SELECT 1 FROM certs"
	    " WHERE certs.serial = renewals.new_serial"
	    " AND certs.not_after <= $3)))"
	    " ORDER BY decided_at, id LIMIT $4",
	    "iiii", open_before, decided_before, ended_before, limit);
}

enum pc_rc
store_renewal_photo_forget(struct db *db, const char *id)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE renewals SET photo_type = NULL, photo_key = NULL"
	    " WHERE id = $1",
	    "s", id);
}

enum pc_rc
store_renewal_move(struct db *db, const char *id, const char *from,
    const char *to, const char *terms_version, const char *reason,
    const char *decided_by, const char *new_serial, int64_t now)
{
	bool submit = strcmp(to, RENEWAL_SUBMITTED) == 0;

	RETURN_VAL_IF_FAIL(db && id && from && to, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE renewals SET state = $3,"
	    " terms_version = COALESCE($4, terms_version),"
	    " reason = COALESCE($5, reason),"
	    " decided_by = COALESCE($6, decided_by),"
	    " new_serial = COALESCE($7, new_serial),"
	    " submitted_at = CASE WHEN $8 = 1 THEN $9 ELSE submitted_at END,"
	    " decided_at = CASE WHEN $8 = 1 THEN decided_at ELSE $9 END"
	    " WHERE id = $1 AND state = $2",
	    "sssssssii", id, from, to, terms_version, reason, decided_by,
	    new_serial, (int64_t)submit, now);
}

enum pc_rc
store_renewal_order_used(struct db *db, const char *order_id, bool *used)
{
	int64_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db && order_id && used, PC_EINTERNAL);
	rc = store_q_i64(db, &n,
	    "SELECT count(*) FROM renewals WHERE order_id = $1 AND state IN"
	    " ('" RENEWAL_SUBMITTED "', '" RENEWAL_APPROVED
	    "', '" RENEWAL_ISSUED "', '" RENEWAL_REFUNDED "')",
	    "s", order_id);
	*used = rc == PC_OK && n > 0;
	return rc;
}

enum pc_rc
store_renewal_order_claimed(struct db *db, const char *order_id, bool *claimed)
{
	int64_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db && order_id && claimed, PC_EINTERNAL);
	rc = store_q_i64(db, &n,
	    "SELECT count(*) FROM renewals WHERE order_id = $1"
	    " AND state != '" RENEWAL_CLOSED "'",
	    "s", order_id);
	*claimed = rc == PC_OK && n > 0;
	return rc;
}

enum pc_rc
store_renewal_close_drafts(struct db *db, const char *user_id, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL, PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "UPDATE renewals SET state = '" RENEWAL_CLOSED "', decided_at = $2"
	    " WHERE user_id = $1 AND state = '" RENEWAL_DRAFT "'",
	    "si", user_id, now);
}
