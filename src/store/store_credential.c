/*
 * store_credential.c: signing credentials, transaction counters and the
 * signing records (see store_credential.h).
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_credential.h"
#include "store/store_int.h"

enum pc_rc
store_credential_insert(struct db *db, const struct store_credential *c)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(db != NULL && c != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(
	    c->serial[0] != '\0' && c->holder[0] != '\0', PC_EINVAL);
	rc = db_prepare(db,
	    "INSERT INTO credentials (serial, holder, user_id, "
	    "transactions_left, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (serial) DO NOTHING",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_text(st, 1, c->serial);
	if (rc == PC_OK)
		rc = db_bind_text(st, 2, c->holder);
	if (rc == PC_OK)
		rc = c->user_id[0] != '\0' ? db_bind_text(st, 3, c->user_id)
		                           : db_bind_null(st, 3);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 4, c->transactions_left);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 5, c->created_at);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && db_changes(st) == 0)
		rc = PC_EEXIST;
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_credential_get(
    struct db *db, const char *serial, struct store_credential *c)
{
	struct db_stmt *st = NULL;
	const char *s;
	enum pc_rc rc;
	bool row = false;

	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && c != NULL, PC_EINTERNAL);
	memset(c, 0, sizeof(*c));
	rc = db_prepare(db,
	    "SELECT serial, holder, user_id, transactions_left, created_at, "
	    "updated_at FROM credentials WHERE serial = $1",
	    &st);
	if (rc == PC_OK)
		rc = db_bind_text(st, 1, serial);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	snprintf(c->serial, sizeof(c->serial), "%s", db_col_text(st, 0));
	snprintf(c->holder, sizeof(c->holder), "%s", db_col_text(st, 1));
	s = db_col_is_null(st, 2) ? "" : db_col_text(st, 2);
	snprintf(c->user_id, sizeof(c->user_id), "%s", s != NULL ? s : "");
	c->transactions_left = db_col_i64(st, 3);
	c->created_at = db_col_i64(st, 4);
	c->updated_at = db_col_i64(st, 5);
	rc = db_step(st, &row);
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_credential_spend(
    struct db *db, const char *serial, int64_t n, int64_t now)
{
	struct store_credential c;
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && n >= 0, PC_EINTERNAL);
	/* One statement: the check and the decrement cannot be split. */
	rc = db_prepare(db,
	    "UPDATE credentials SET transactions_left = transactions_left - $2,"
	    " updated_at = $3 WHERE serial = $1 AND transactions_left >= $2",
	    &st);
	if (rc == PC_OK)
		rc = db_bind_text(st, 1, serial);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, n);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 3, now);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && db_changes(st) == 0) {
		rc = store_credential_get(db, serial, &c);
		if (rc == PC_OK)
			rc = PC_ELIMIT;
	}
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_signature_add(struct db *db, const char *serial, const char *kind,
    const char *hash_hex, int64_t at)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && kind != NULL && hash_hex != NULL,
	    PC_EINTERNAL);
	rc = db_prepare(db,
	    "INSERT INTO signatures (credential, kind, hash, at) "
	    "VALUES ($1, $2, $3, $4)",
	    &st);
	if (rc == PC_OK)
		rc = db_bind_text(st, 1, serial);
	if (rc == PC_OK)
		rc = db_bind_text(st, 2, kind);
	if (rc == PC_OK)
		rc = db_bind_text(st, 3, hash_hex);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 4, at);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_signature_count(
    struct db *db, const char *serial, const char *kind, int64_t *out)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row = false;

	RETURN_VAL_IF_FAIL(
	    db != NULL && serial != NULL && out != NULL, PC_EINTERNAL);
	*out = 0;
	rc = db_prepare(db,
	    "SELECT COUNT(*) FROM signatures WHERE credential = $1 "
	    "AND kind = COALESCE($2, kind)",
	    &st);
	if (rc == PC_OK)
		rc = db_bind_text(st, 1, serial);
	if (rc == PC_OK)
		rc = kind != NULL ? db_bind_text(st, 2, kind)
		                  : db_bind_null(st, 2);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && row) {
		*out = db_col_i64(st, 0);
		rc = db_step(st, &row);
	}
	db_stmt_free(st);
	return rc;
}
