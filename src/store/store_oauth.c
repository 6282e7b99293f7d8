/*
 * store_oauth.c: the OAuth2 authorization server's tables; see
 * store_oauth.h.
 */
#include <string.h>

#include "base/pc.h"
#include "store/store_int.h"
#include "store/store_oauth.h"
#include "store/store_row.h"

#define T struct store_oauth_client
static const struct store_col cl_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, name, COL_TEXT, 0),
	STORE_COL(T, type, COL_TEXT, 0),
	STORE_COL(T, secret_hash, COL_TEXT, COL_NULL0),
	STORE_COL(T, redirect_uris, COL_STR, 0),
	STORE_COL(T, auth_mode, COL_TEXT, 0),
	STORE_COL(T, created_at, COL_I64, 0),
};
static const struct store_cols cl_cols =
    STORE_COLS(T, "oauth_clients", NULL, NULL, cl_col);
STORE_ROW_EACH_FN(cl, T)
#undef T

#define T struct store_oauth_req
static const struct store_col rq_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, par_hash, COL_TEXT, COL_NULL0),
	STORE_COL(T, consent_hash, COL_TEXT, COL_NULL0),
	STORE_COL(T, code_hash, COL_TEXT, COL_NULL0),
	STORE_COL(T, client_id, COL_TEXT, 0),
	STORE_COL(T, redirect_uri, COL_STR, 0),
	STORE_COL(T, scope, COL_TEXT, 0),
	STORE_COL(T, state, COL_STR, 0),
	STORE_COL(T, challenge, COL_TEXT, 0),
	STORE_COL(T, credential, COL_TEXT, COL_NULL0),
	STORE_COL(T, details, COL_STR, 0),
	STORE_COL(T, num, COL_I64, 0),
	STORE_COL(T, user_id, COL_TEXT, COL_NULL0),
	STORE_COL(T, sad_enc, COL_TEXT, COL_NULL0),
	STORE_COL(T, grant_id, COL_TEXT, COL_NULL0),
	STORE_COL(T, status, COL_TEXT, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, expires_at, COL_I64, 0),
};
static const struct store_cols rq_cols =
    STORE_COLS(T, "oauth_requests", NULL, NULL, rq_col);
#undef T

#define T struct store_oauth_grant
static const struct store_col gr_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, client_id, COL_TEXT, 0),
	STORE_COL(T, scope, COL_TEXT, 0),
	STORE_COL(T, credential, COL_TEXT, COL_NULL0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, last_used, COL_I64, 0),
	STORE_COL(T, revoked_at, COL_I64, 0),
	STORE_COLX(T, client_name, COL_TEXT, COL_RO, "client_name",
	    "(SELECT name FROM oauth_clients c WHERE c.id = g.client_id)"),
};
static const struct store_cols gr_cols =
    STORE_COLS(T, "oauth_grants", "oauth_grants g", "g", gr_col);
STORE_ROW_EACH_FN(gr, T)
#undef T

#define T struct store_oauth_refresh
static const struct store_col rf_col[] = {
	STORE_COL(T, hash, COL_TEXT, 0),
	STORE_COL(T, grant_id, COL_TEXT, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, expires_at, COL_I64, 0),
	STORE_COL(T, used_at, COL_I64, 0),
};
static const struct store_cols rf_cols =
    STORE_COLS(T, "oauth_refresh", NULL, NULL, rf_col);
#undef T

enum pc_rc
store_oauth_client_insert(struct db *db, const struct store_oauth_client *c)
{
	RETURN_VAL_IF_FAIL(db != NULL && c != NULL, PC_EINTERNAL);
	return store_row_insert(db, &cl_cols, c, "ON CONFLICT (id) DO NOTHING");
}

enum pc_rc
store_oauth_client_get(
    struct db *db, const char *id, struct store_oauth_client *c)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && c != NULL, PC_EINTERNAL);
	return store_row_get(db, &cl_cols, c, "WHERE id = $1", "s", id);
}

enum pc_rc
store_oauth_client_each(struct db *db,
    enum pc_rc (*fn)(void *arg, const struct store_oauth_client *c), void *arg)
{
	struct cl_each e = { fn, arg };
	struct store_oauth_client row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &cl_cols, &row, cl_each_call, &e,
	    "ORDER BY created_at, id", "");
}

enum pc_rc
store_oauth_client_delete(struct db *db, const char *id, int64_t now)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	rc = store_q_run(db, NULL,
	    "UPDATE api_tokens SET revoked_at = $2 WHERE client_id = $1"
	    " AND revoked_at = 0",
	    "si", id, now);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "DELETE FROM oauth_refresh WHERE grant_id IN"
		    " (SELECT id FROM oauth_grants WHERE client_id = $1)",
		    "s", id);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "DELETE FROM oauth_grants WHERE client_id = $1", "s", id);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "DELETE FROM oauth_requests WHERE client_id = $1", "s", id);
	if (rc == PC_OK)
		rc = store_q_change(db, PC_ENOTFOUND,
		    "DELETE FROM oauth_clients WHERE id = $1", "s", id);
	return rc;
}

void
store_oauth_client_cleanup(struct store_oauth_client *c)
{
	store_row_cleanup(&cl_cols, c);
}

enum pc_rc
store_oauth_req_insert(struct db *db, const struct store_oauth_req *q)
{
	RETURN_VAL_IF_FAIL(db != NULL && q != NULL, PC_EINTERNAL);
	return store_row_insert(db, &rq_cols, q, "ON CONFLICT DO NOTHING");
}

enum pc_rc
store_oauth_req_get(
    struct db *db, const char *col, const char *hash, struct store_oauth_req *q)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && hash != NULL && q != NULL, PC_EINTERNAL);
	if (strcmp(col, "par_hash") == 0)
		return store_row_get(
		    db, &rq_cols, q, "WHERE par_hash = $1", "s", hash);
	if (strcmp(col, "consent_hash") == 0)
		return store_row_get(
		    db, &rq_cols, q, "WHERE consent_hash = $1", "s", hash);
	if (strcmp(col, "code_hash") == 0)
		return store_row_get(
		    db, &rq_cols, q, "WHERE code_hash = $1", "s", hash);
	return PC_EINTERNAL;
}

enum pc_rc
store_oauth_req_move(
    struct db *db, const struct store_oauth_req *q, const char *from)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && q != NULL && from != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE oauth_requests SET consent_hash = $3, code_hash = $4,"
	    " user_id = $5, sad_enc = $6, grant_id = $7, status = $8,"
	    " expires_at = $9 WHERE id = $1 AND status = $2",
	    "ssssssssi", q->id, from,
	    q->consent_hash[0] != '\0' ? q->consent_hash : NULL,
	    q->code_hash[0] != '\0' ? q->code_hash : NULL,
	    q->user_id[0] != '\0' ? q->user_id : NULL,
	    q->sad_enc[0] != '\0' ? q->sad_enc : NULL,
	    q->grant_id[0] != '\0' ? q->grant_id : NULL, q->status,
	    q->expires_at);
}

void
store_oauth_req_cleanup(struct store_oauth_req *q)
{
	store_row_cleanup(&rq_cols, q);
}

enum pc_rc
store_oauth_req_purge(struct db *db, int64_t before, int64_t *n)
{
	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	return store_q_run(db, n,
	    "DELETE FROM oauth_requests WHERE expires_at < $1", "i", before);
}

enum pc_rc
store_oauth_req_scrub(struct db *db, const char *id)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE oauth_requests SET state = NULL, details = NULL,"
	    " sad_enc = NULL WHERE id = $1",
	    "s", id);
}

enum pc_rc
store_oauth_refresh_purge(struct db *db, int64_t before, int64_t *n)
{
	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	return store_q_run(db, n,
	    "DELETE FROM oauth_refresh WHERE expires_at < $1", "i", before);
}

enum pc_rc
store_oauth_grant_insert(struct db *db, const struct store_oauth_grant *g)
{
	RETURN_VAL_IF_FAIL(db != NULL && g != NULL, PC_EINTERNAL);
	return store_row_insert(db, &gr_cols, g, "ON CONFLICT (id) DO NOTHING");
}

enum pc_rc
store_oauth_grant_get(
    struct db *db, const char *id, struct store_oauth_grant *g)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && g != NULL, PC_EINTERNAL);
	return store_row_get(db, &gr_cols, g, "WHERE g.id = $1", "s", id);
}

enum pc_rc
store_oauth_grant_each(struct db *db, const char *user_id, int64_t cred_since,
    enum pc_rc (*fn)(void *arg, const struct store_oauth_grant *g), void *arg)
{
	struct gr_each e = { fn, arg };
	struct store_oauth_grant row;

	RETURN_VAL_IF_FAIL(
	    db != NULL && user_id != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &gr_cols, &row, gr_each_call, &e,
	    "WHERE g.user_id = $1 AND g.revoked_at = 0 AND"
	    " (g.scope = 'service' OR g.created_at > $2)"
	    " ORDER BY CASE WHEN g.scope = 'service' THEN 0 ELSE 1 END,"
	    " g.created_at DESC, g.id LIMIT 200",
	    "si", user_id, cred_since);
}

enum pc_rc
store_oauth_grant_touch(struct db *db, const char *id, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "UPDATE oauth_grants SET last_used = $2 WHERE id = $1"
	    " AND last_used < $2 - 60",
	    "si", id, now);
}

enum pc_rc
store_oauth_grant_revoke(
    struct db *db, const char *id, const char *user_id, int64_t now)
{
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	rc = store_q_change(db, PC_ENOTFOUND,
	    "UPDATE oauth_grants SET revoked_at = $3 WHERE id = $1"
	    " AND ($2 = '' OR user_id = $2) AND revoked_at = 0",
	    "ssi", id, user_id != NULL ? user_id : "", now);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "UPDATE api_tokens SET revoked_at = $2 WHERE grant_id = $1"
		    " AND revoked_at = 0",
		    "si", id, now);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "UPDATE oauth_refresh SET used_at = $2 WHERE grant_id = $1"
		    " AND used_at = 0",
		    "si", id, now);
	return rc;
}

enum pc_rc
store_oauth_refresh_insert(struct db *db, const struct store_oauth_refresh *t)
{
	RETURN_VAL_IF_FAIL(db != NULL && t != NULL, PC_EINTERNAL);
	return store_row_insert(
	    db, &rf_cols, t, "ON CONFLICT (hash) DO NOTHING");
}

enum pc_rc
store_oauth_refresh_get(
    struct db *db, const char *hash, struct store_oauth_refresh *t)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && hash != NULL && t != NULL, PC_EINTERNAL);
	return store_row_get(db, &rf_cols, t, "WHERE hash = $1", "s", hash);
}

enum pc_rc
store_oauth_refresh_use(struct db *db, const char *hash, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && hash != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE oauth_refresh SET used_at = $2 WHERE hash = $1"
	    " AND used_at = 0",
	    "si", hash, now);
}
