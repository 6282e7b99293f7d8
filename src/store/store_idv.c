/*
 * store_idv.c: identity verification cases and their files (see
 * store_idv.h). Rows go through the column tables below (store_row.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_idv.h"
#include "store/store_int.h"
#include "store/store_row.h"

/* The members read by the queue (no manifest, no time-stamp). */
#define IDV_LIGHT_COLS(T)                                                      \
	STORE_COL(T, id, COL_TEXT, 0), STORE_COL(T, user_id, COL_TEXT, 0),     \
	    STORE_COL(T, order_id, COL_TEXT, 0),                               \
	    STORE_COL(T, attempt, COL_I64, 0),                                 \
	    STORE_COL(T, state, COL_TEXT, 0),                                  \
	    STORE_COL(T, doc_type, COL_TEXT, 0),                               \
	    STORE_COL(T, email, COL_STR, 0), STORE_COL(T, phone, COL_STR, 0),  \
	    STORE_COL(T, phone_changed, COL_BOOL, 0),                          \
	    STORE_COL(T, challenges, COL_STR, 0),                              \
	    STORE_COL(T, steps, COL_STR, 0),                                   \
	    STORE_COL(T, sms_verified_at, COL_I64, 0),                         \
	    STORE_COL(T, sms_failures, COL_I64, 0),                            \
	    STORE_COL(T, client, COL_STR, 0), STORE_COL(T, ip, COL_TEXT, 0),   \
	    STORE_COL(T, user_agent, COL_STR, 0),                              \
	    STORE_COL(T, created_at, COL_I64, 0),                              \
	    STORE_COL(T, submitted_at, COL_I64, 0),                            \
	    STORE_COL(T, deadline_at, COL_I64, 0),                             \
	    STORE_COL(T, claimed_by, COL_TEXT, COL_NULL0),                     \
	    STORE_COL(T, claim_until, COL_I64, 0),                             \
	    STORE_COL(T, decided_by, COL_TEXT, COL_NULL0),                     \
	    STORE_COL(T, decided_at, COL_I64, 0),                              \
	    STORE_COL(T, reason, COL_TEXT, COL_NULL0),                         \
	    STORE_COL(T, reason_text, COL_STR, 0),                             \
	    STORE_COL(T, checklist, COL_STR, 0),                               \
	    STORE_COL(T, identity, COL_STR, 0),                                \
	    STORE_COL(T, manifest_sha256, COL_TEXT, COL_NULL0),                \
	    STORE_COL(T, retain_until, COL_I64, 0),                            \
	    STORE_COL(T, purged_at, COL_I64, 0),                               \
	    STORE_COL(T, phone_decision, COL_TEXT, COL_NULL0),                 \
	    STORE_COL(T, updated_at, COL_I64, 0)

#define T struct store_idv_case
static const struct store_col case_col[] = {
	IDV_LIGHT_COLS(T),
	STORE_COL(T, manifest, COL_STR, 0),
	STORE_BLOB(T, manifest_tst, manifest_tst_len, 0),
};
static const struct store_cols case_cols =
    STORE_COLS(T, "idv_cases", NULL, NULL, case_col);
static const struct store_col case_light_col[] = { IDV_LIGHT_COLS(T) };
static const struct store_cols case_light_cols =
    STORE_COLS(T, "idv_cases", NULL, NULL, case_light_col);
STORE_ROW_EACH_FN(idv_case, T)
#undef T

#define T struct store_idv_file
static const struct store_col file_col[] = {
	STORE_COL(T, case_id, COL_TEXT, 0),
	STORE_COL(T, kind, COL_TEXT, 0),
	STORE_COL(T, ctype, COL_TEXT, 0),
	STORE_COL(T, key_hex, COL_TEXT, 0),
	STORE_COL(T, state_hex, COL_TEXT, 0),
	STORE_COL(T, enc_len, COL_I64, 0),
	STORE_COL(T, plain_len, COL_I64, 0),
	STORE_COL(T, final, COL_BOOL, 0),
	STORE_COL(T, busy_until, COL_I64, 0),
	STORE_COL(T, sha256, COL_TEXT, COL_NULL0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, updated_at, COL_I64, 0),
};
static const struct store_cols file_cols =
    STORE_COLS(T, "idv_files", NULL, NULL, file_col);
STORE_ROW_EACH_FN(idv_file, T)
#undef T

void
store_idv_case_cleanup(struct store_idv_case *c)
{
	store_row_cleanup(&case_cols, c);
}

void
store_idv_file_cleanup(struct store_idv_file *f)
{
	store_row_cleanup(&file_cols, f);
}

enum pc_rc
store_idv_insert(struct db *db, const struct store_idv_case *c)
{
	RETURN_VAL_IF_FAIL(db != NULL && c != NULL && c->id[0], PC_EINTERNAL);
	return store_row_insert(
	    db, &case_cols, c, "ON CONFLICT (order_id, attempt) DO NOTHING");
}

enum pc_rc
store_idv_get(struct db *db, const char *id, struct store_idv_case *c)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && c != NULL, PC_EINTERNAL);
	return store_row_get(db, &case_cols, c, "WHERE id = $1", "s", id);
}

enum pc_rc
store_idv_latest(struct db *db, const char *order_id, struct store_idv_case *c)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && order_id != NULL && c != NULL, PC_EINTERNAL);
	return store_row_get(db, &case_cols, c,
	    "WHERE order_id = $1 ORDER BY attempt DESC LIMIT 1", "s", order_id);
}

enum pc_rc
store_idv_count(
    struct db *db, const char *order_id, const char *state, int64_t *n)
{
	RETURN_VAL_IF_FAIL(db != NULL && order_id != NULL && n, PC_EINTERNAL);
	return store_q_i64(db, n,
	    "SELECT count(*) FROM idv_cases WHERE order_id = $1"
	    " AND ($2 = '' OR state = $2)",
	    "ss", order_id, state != NULL ? state : "");
}

enum pc_rc
store_idv_set_state(struct db *db, const char *id, const char *from,
    const char *to, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && id && from && to, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE idv_cases SET state = $3, updated_at = $4,"
	    " claimed_by = NULL, claim_until = 0"
	    " WHERE id = $1 AND state = $2",
	    "sssi", id, from, to, now);
}

enum pc_rc
store_idv_update_open(
    struct db *db, const struct store_idv_case *c, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && c != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE idv_cases SET phone = $2, phone_changed = $3, steps = $4,"
	    " sms_verified_at = $5, sms_failures = $6, updated_at = $7"
	    " WHERE id = $1 AND state = 'open'",
	    "ssisiii", c->id, c->phone, (int64_t)c->phone_changed, c->steps,
	    c->sms_verified_at, c->sms_failures, now);
}

enum pc_rc
store_idv_submit(struct db *db, const struct store_idv_case *c, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && c != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE idv_cases SET state = 'submitted', client = $2, ip = $3,"
	    " user_agent = $4, manifest = $5, manifest_sha256 = $6,"
	    " manifest_tst = $7, submitted_at = $8, deadline_at = $9,"
	    " steps = $10, updated_at = $11"
	    " WHERE id = $1 AND state = 'open'",
	    "ssssssbiisi", c->id, c->client, c->ip, c->user_agent, c->manifest,
	    c->manifest_sha256, c->manifest_tst, c->manifest_tst_len,
	    c->submitted_at, c->deadline_at, c->steps, now);
}

enum pc_rc
store_idv_queue(struct db *db, const char *state,
    enum pc_rc (*fn)(void *arg, const struct store_idv_case *c), void *arg)
{
	struct idv_case_each e = { fn, arg };
	struct store_idv_case row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	if (state == NULL)
		return store_row_each(db, &case_light_cols, &row,
		    idv_case_each_call, &e,
		    "WHERE state IN ('submitted', 'contact')"
		    " ORDER BY submitted_at, id LIMIT 500",
		    "");
	return store_row_each(db, &case_light_cols, &row, idv_case_each_call,
	    &e, "WHERE state = $1 ORDER BY submitted_at DESC, id LIMIT 500",
	    "s", state);
}

enum pc_rc
store_idv_claim(
    struct db *db, const char *id, const char *op, int64_t until, int64_t now)
{
	struct store_idv_case c;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    db != NULL && id != NULL && op != NULL, PC_EINTERNAL);
	rc = store_q_change(db, PC_ESTATE,
	    "UPDATE idv_cases SET claimed_by = $2, claim_until = $3"
	    " WHERE id = $1 AND state IN ('submitted', 'contact')"
	    " AND (claimed_by IS NULL OR claimed_by = $2 OR claim_until < $4)",
	    "ssii", id, op, until, now);
	if (rc != PC_ESTATE)
		return rc;
	/* Say why: gone, decided, or someone else's. */
	rc = store_row_get(db, &case_light_cols, &c, "WHERE id = $1", "s", id);
	if (rc != PC_OK)
		return rc;
	rc =
	    strcmp(c.state, "submitted") == 0 || strcmp(c.state, "contact") == 0
	        ? PC_EEXIST
	        : PC_ESTATE;
	store_row_cleanup(&case_light_cols, &c);
	return rc;
}

enum pc_rc
store_idv_release(struct db *db, const char *id, const char *op)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && id != NULL && op != NULL, PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "UPDATE idv_cases SET claimed_by = NULL, claim_until = 0"
	    " WHERE id = $1 AND claimed_by = $2",
	    "ss", id, op);
}

enum pc_rc
store_idv_decide(struct db *db, const struct store_idv_case *c,
    const char *from, const char *op, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && c != NULL && from && op, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE idv_cases SET state = $2, decided_by = $4,"
	    " decided_at = $5, reason = $6, reason_text = $7, checklist = $8,"
	    " identity = $9, retain_until = $10, claimed_by = NULL,"
	    " claim_until = 0, updated_at = $5"
	    " WHERE id = $1 AND state = $3 AND claimed_by = $4"
	    " AND claim_until >= $5",
	    "ssssissssi", c->id, c->state, from, op, now,
	    c->reason[0] ? c->reason : NULL, c->reason_text, c->checklist,
	    c->identity, c->retain_until);
}

enum pc_rc
store_idv_set_retain(struct db *db, const char *id, int64_t until)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE idv_cases SET retain_until = $2 WHERE id = $1", "si", id,
	    until);
}

enum pc_rc
store_idv_expired(struct db *db, int64_t now, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_idv_case *c), void *arg)
{
	struct idv_case_each e = { fn, arg };
	struct store_idv_case row;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	return store_row_each(db, &case_light_cols, &row, idv_case_each_call,
	    &e,
	    "WHERE retain_until > 0 AND retain_until <= $1 AND purged_at = 0"
	    " ORDER BY retain_until LIMIT $2",
	    "ii", now, limit);
}

enum pc_rc
store_idv_purged(struct db *db, const char *id, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	/* The row stays (dates, state, the manifest's hash: what happened);
	 * what identifies the person goes. */
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE idv_cases SET purged_at = $2, updated_at = $2,"
	    " email = '', phone = '', client = NULL, ip = '',"
	    " user_agent = NULL, identity = NULL, reason_text = NULL,"
	    " manifest = NULL, steps = '[]', challenges = '[]'"
	    " WHERE id = $1 AND purged_at = 0",
	    "si", id, now);
}

enum pc_rc
store_idv_abandon_old(
    struct db *db, int64_t before, int64_t retain_until, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "UPDATE idv_cases SET state = 'abandoned', retain_until = $2,"
	    " updated_at = $3 WHERE state = 'open' AND created_at < $1",
	    "iii", before, retain_until, now);
}

/* ---- files ------------------------------------------------------------ */

enum pc_rc
store_idv_file_insert(struct db *db, const struct store_idv_file *f)
{
	RETURN_VAL_IF_FAIL(db != NULL && f != NULL, PC_EINTERNAL);
	return store_row_insert(
	    db, &file_cols, f, "ON CONFLICT (case_id, kind) DO NOTHING");
}

enum pc_rc
store_idv_file_get(struct db *db, const char *case_id, const char *kind,
    struct store_idv_file *f)
{
	RETURN_VAL_IF_FAIL(db && case_id && kind && f, PC_EINTERNAL);
	return store_row_get(db, &file_cols, f,
	    "WHERE case_id = $1 AND kind = $2", "ss", case_id, kind);
}

enum pc_rc
store_idv_file_reserve(struct db *db, const char *case_id, const char *kind,
    int64_t offset, int64_t until, int64_t now)
{
	RETURN_VAL_IF_FAIL(db && case_id && kind, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE idv_files SET busy_until = $4"
	    " WHERE case_id = $1 AND kind = $2 AND plain_len = $3"
	    " AND final = 0 AND busy_until < $5",
	    "ssiii", case_id, kind, offset, until, now);
}

enum pc_rc
store_idv_file_commit(
    struct db *db, const struct store_idv_file *f, int64_t old_plain_len)
{
	RETURN_VAL_IF_FAIL(db != NULL && f != NULL, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE idv_files SET state_hex = $3, enc_len = $4,"
	    " plain_len = $5, final = $6, sha256 = $7, busy_until = 0,"
	    " updated_at = $8"
	    " WHERE case_id = $1 AND kind = $2 AND plain_len = $9",
	    "sssiiisii", f->case_id, f->kind, f->state_hex, f->enc_len,
	    f->plain_len, (int64_t)f->final, f->sha256[0] ? f->sha256 : NULL,
	    f->updated_at, old_plain_len);
}

enum pc_rc
store_idv_file_unreserve(struct db *db, const char *case_id, const char *kind)
{
	RETURN_VAL_IF_FAIL(db && case_id && kind, PC_EINTERNAL);
	return store_q_run(db, NULL,
	    "UPDATE idv_files SET busy_until = 0"
	    " WHERE case_id = $1 AND kind = $2",
	    "ss", case_id, kind);
}

enum pc_rc
store_idv_files_each(struct db *db, const char *case_id,
    enum pc_rc (*fn)(void *arg, const struct store_idv_file *f), void *arg)
{
	struct idv_file_each e = { fn, arg };
	struct store_idv_file row;

	RETURN_VAL_IF_FAIL(db && case_id && fn, PC_EINTERNAL);
	return store_row_each(db, &file_cols, &row, idv_file_each_call, &e,
	    "WHERE case_id = $1 ORDER BY kind", "s", case_id);
}

enum pc_rc
store_idv_files_delete(struct db *db, const char *case_id)
{
	RETURN_VAL_IF_FAIL(db != NULL && case_id != NULL, PC_EINTERNAL);
	return store_q_run(
	    db, NULL, "DELETE FROM idv_files WHERE case_id = $1", "s", case_id);
}

enum pc_rc
store_idv_phone_decide(
    struct db *db, const char *id, const char *decision, int64_t now)
{
	RETURN_VAL_IF_FAIL(db && id && decision, PC_EINTERNAL);
	return store_q_change(db, PC_ESTATE,
	    "UPDATE idv_cases SET phone_decision = $2, updated_at = $3"
	    " WHERE id = $1 AND phone_decision IS NULL",
	    "ssi", id, decision, now);
}
