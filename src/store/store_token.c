/*
 * store_token.c: access tokens of the remote-signing API; see
 * store_token.h.
 */
#include <string.h>

#include "base/pc.h"
#include "store/store_int.h"
#include "store/store_row.h"
#include "store/store_token.h"

#define T struct store_token
static const struct store_col tok_col[] = {
	STORE_COL(T, hash, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, client_id, COL_TEXT, COL_NULL0),
	STORE_COL(T, scope, COL_TEXT, 0),
	STORE_COL(T, credential, COL_TEXT, COL_NULL0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, expires_at, COL_I64, 0),
	STORE_COL(T, revoked_at, COL_I64, 0),
	STORE_COL(T, grant_id, COL_TEXT, COL_NULL0),
	STORE_COL(T, sad_enc, COL_TEXT, COL_NULL0),
	STORE_COL(T, sad_bind, COL_TEXT, COL_NULL0),
	STORE_COLX(T, auth_mode, COL_TEXT, COL_RO, "auth_mode", "c.auth_mode"),
	STORE_COLX(T, user_active, COL_BOOL, COL_RO, "user_active",
	    "CASE WHEN u.status = 'active' THEN 1 ELSE 0 END"),
	STORE_COLX(T, grant_used, COL_I64, COL_RO, "grant_used", "g.last_used"),
};
static const struct store_cols tok_cols = STORE_COLS(T, "api_tokens",
    "api_tokens t LEFT JOIN oauth_clients c ON c.id = t.client_id"
    " LEFT JOIN users u ON u.id = t.user_id"
    " LEFT JOIN oauth_grants g ON g.id = t.grant_id",
    "t", tok_col);
#undef T

enum pc_rc
store_token_insert(struct db *db, const struct store_token *t)
{
	RETURN_VAL_IF_FAIL(db != NULL && t != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(
	    t->hash[0] != '\0' && t->user_id[0] != '\0', PC_EINVAL);
	return store_row_insert(
	    db, &tok_cols, t, "ON CONFLICT (hash) DO NOTHING");
}

enum pc_rc
store_token_get(struct db *db, const char *hash, struct store_token *t)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && hash != NULL && t != NULL, PC_EINTERNAL);
	return store_row_get(db, &tok_cols, t, "WHERE t.hash = $1", "s", hash);
}

enum pc_rc
store_token_revoke(
    struct db *db, const char *hash, const char *user_id, int64_t now)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && hash != NULL && user_id != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE api_tokens SET revoked_at = $3 WHERE hash = $1"
	    " AND user_id = $2 AND revoked_at = 0 AND expires_at > $3",
	    "ssi", hash, user_id, now);
}

enum pc_rc
store_token_purge(struct db *db, int64_t before, int64_t *n)
{
	enum pc_rc rc;
	int64_t k = 0;

	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	rc = store_q_run(db, &k, "DELETE FROM api_tokens WHERE expires_at < $1",
	    "i", before);
	if (n != NULL)
		*n = k;
	return rc;
}
