/*
 * store_account.c: SQL of accounts (see store_account.h).
 *
 * q_run() binds parameters from a small format string ('s' text or NULL,
 * 'i' int64_t, 'b' bytes + size_t) so each typed function is one statement.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/store_account.h"
#include "store/store_int.h"

static enum pc_rc
q_bindv(struct db_stmt *st, const char *fmt, va_list ap)
{
	enum pc_rc rc = PC_OK;
	const char *s;
	const void *p;
	size_t n;
	int i;

	for (i = 1; *fmt != '\0' && rc == PC_OK; fmt++, i++) {
		switch (*fmt) {
		case 's':
			s = va_arg(ap, const char *);
			rc = s != NULL ? db_bind_text(st, i, s)
			               : db_bind_null(st, i);
			break;
		case 'i':
			rc = db_bind_i64(st, i, va_arg(ap, int64_t));
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			rc = p != NULL ? db_bind_blob(st, i, p, n)
			               : db_bind_null(st, i);
			break;
		default:
			rc = PC_EINTERNAL;
		}
	}
	return rc;
}

/* Prepare and bind. OUT: *out (db_stmt_free). */
static enum pc_rc
q_prep(
    struct db *db, struct db_stmt **out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	enum pc_rc rc;

	*out = NULL;
	rc = db_prepare(db, sql, out);
	if (rc != PC_OK)
		return rc;
	va_start(ap, fmt);
	rc = q_bindv(*out, fmt, ap);
	va_end(ap);
	if (rc != PC_OK) {
		db_stmt_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Run a statement without result; *changes (may be NULL) rows changed. */
static enum pc_rc
q_run(struct db *db, int64_t *changes, const char *sql, const char *fmt, ...)
{
	struct db_stmt *st = NULL;
	va_list ap;
	enum pc_rc rc;
	bool row;

	rc = db_prepare(db, sql, &st);
	if (rc != PC_OK)
		goto out;
	va_start(ap, fmt);
	rc = q_bindv(st, fmt, ap);
	va_end(ap);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && changes != NULL)
		*changes = db_changes(st);
out:
	db_stmt_free(st);
	return rc;
}

static char *
col_dup(struct db_stmt *st, int col)
{
	const char *s;

	if (db_col_is_null(st, col))
		return NULL;
	s = db_col_text(st, col);
	return strdup(s != NULL ? s : "");
}

static void
col_copy(struct db_stmt *st, int col, char *out, size_t n)
{
	const char *s = db_col_is_null(st, col) ? NULL : db_col_text(st, col);

	snprintf(out, n, "%s", s != NULL ? s : "");
}

static uint8_t *
col_blob_dup(struct db_stmt *st, int col, size_t *n)
{
	const uint8_t *p;
	uint8_t *q;

	*n = 0;
	if (db_col_is_null(st, col))
		return NULL;
	p = db_col_blob(st, col, n);
	q = malloc(*n > 0 ? *n : 1);
	if (q != NULL && *n > 0)
		memcpy(q, p, *n);
	return q;
}

/* ---- users --------------------------------------------------------------- */

#define USER_COLS                                                              \
	"id, email, given_name, surname, phone, lang, status, password_hash, " \
	"twofa_defer, twofa_defer_until, twofa_enabled, phone_verified_at, "   \
	"failed_logins, locked_until, created_at"

enum pc_rc
store_user_insert(struct db *db, const struct store_user *u)
{
	int64_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && u != NULL, PC_EINTERNAL);
	rc = q_run(db, &n,
	    "INSERT INTO users (" USER_COLS ", updated_at) VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) "
	    "ON CONFLICT (email) DO NOTHING",
	    "sssssssssiiiiii", u->id, u->email, u->given_name, u->surname,
	    u->phone, u->lang, u->status, u->password_hash, u->twofa_defer,
	    u->twofa_defer_until, (int64_t)u->twofa_enabled,
	    u->phone_verified_at, u->failed_logins, u->locked_until,
	    u->created_at);
	if (rc == PC_OK && n == 0)
		rc = PC_EEXIST;
	return rc;
}

static enum pc_rc
user_read(struct db *db, const char *sql, const char *key, struct store_user *u)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	memset(u, 0, sizeof(*u));
	rc = q_prep(db, &st, sql, "s", key);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	if (!row) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	col_copy(st, 0, u->id, sizeof(u->id));
	u->email = col_dup(st, 1);
	u->given_name = col_dup(st, 2);
	u->surname = col_dup(st, 3);
	u->phone = col_dup(st, 4);
	u->lang = col_dup(st, 5);
	u->status = col_dup(st, 6);
	u->password_hash = col_dup(st, 7);
	u->twofa_defer = col_dup(st, 8);
	u->twofa_defer_until = db_col_i64(st, 9);
	u->twofa_enabled = db_col_i64(st, 10) != 0;
	u->phone_verified_at = db_col_i64(st, 11);
	u->failed_logins = db_col_i64(st, 12);
	u->locked_until = db_col_i64(st, 13);
	u->created_at = db_col_i64(st, 14);
	if (u->email == NULL || u->given_name == NULL || u->surname == NULL ||
	    u->phone == NULL || u->lang == NULL || u->status == NULL) {
		store_user_cleanup(u);
		rc = PC_ENOMEM;
	}
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_user_get(struct db *db, const char *id, struct store_user *u)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && u != NULL, PC_EINTERNAL);
	return user_read(
	    db, "SELECT " USER_COLS " FROM users WHERE id = $1", id, u);
}

enum pc_rc
store_user_get_by_email(struct db *db, const char *email, struct store_user *u)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && email != NULL && u != NULL, PC_EINTERNAL);
	return user_read(
	    db, "SELECT " USER_COLS " FROM users WHERE email = $1", email, u);
}

void
store_user_cleanup(struct store_user *u)
{
	if (u == NULL)
		return;
	free(u->email);
	free(u->given_name);
	free(u->surname);
	free(u->phone);
	free(u->lang);
	free(u->status);
	free(u->password_hash);
	free(u->twofa_defer);
	memset(u, 0, sizeof(*u));
}

static enum pc_rc
changed_one(enum pc_rc rc, int64_t n)
{
	if (rc == PC_OK && n == 0)
		rc = PC_ENOTFOUND;
	return rc;
}

enum pc_rc
store_user_set_password(struct db *db, const char *id, const char *hash)
{
	int64_t n = 0;

	enum pc_rc rc = q_run(db, &n,
	    "UPDATE users SET password_hash = $2, failed_logins = 0, "
	    "locked_until = 0 WHERE id = $1",
	    "ss", id, hash);

	return changed_one(rc, n);
}

enum pc_rc
store_user_set_phone(
    struct db *db, const char *id, const char *phone, int64_t verified_at)
{
	int64_t n = 0;

	enum pc_rc rc = q_run(db, &n,
	    "UPDATE users SET phone = $2, phone_verified_at = $3 "
	    "WHERE id = $1",
	    "ssi", id, phone, verified_at);

	return changed_one(rc, n);
}

enum pc_rc
store_user_set_status(struct db *db, const char *id, const char *status)
{
	int64_t n = 0;

	enum pc_rc rc = q_run(db, &n,
	    "UPDATE users SET status = $2 WHERE id = $1", "ss", id, status);

	return changed_one(rc, n);
}

enum pc_rc
store_user_set_twofa(struct db *db, const char *id, bool enabled,
    const char *defer, int64_t defer_until)
{
	int64_t n = 0;
	enum pc_rc rc = q_run(db, &n,
	    "UPDATE users SET twofa_enabled = $2, twofa_defer = $3, "
	    "twofa_defer_until = $4 WHERE id = $1",
	    "sisi", id, (int64_t)enabled, defer, defer_until);

	return changed_one(rc, n);
}

enum pc_rc
store_user_set_login(
    struct db *db, const char *id, int64_t failed_logins, int64_t locked_until)
{
	int64_t n = 0;

	enum pc_rc rc = q_run(db, &n,
	    "UPDATE users SET failed_logins = $2, locked_until = $3 "
	    "WHERE id = $1",
	    "sii", id, failed_logins, locked_until);

	return changed_one(rc, n);
}

/* ---- links --------------------------------------------------------------- */

enum pc_rc
store_link_insert(struct db *db, const struct store_link *l)
{
	return q_run(db, NULL,
	    "INSERT INTO account_links (token_hash, kind, user_id, "
	    "created_at, expires_at, used_at, verified) "
	    "VALUES ($1, $2, $3, $4, $5, 0, 0)",
	    "sssii", l->token_hash, l->kind, l->user_id, l->created_at,
	    l->expires_at);
}

enum pc_rc
store_link_get(struct db *db, const char *token_hash, struct store_link *l)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	memset(l, 0, sizeof(*l));
	rc = q_prep(db, &st,
	    "SELECT token_hash, kind, user_id, created_at, expires_at, "
	    "used_at, verified FROM account_links WHERE token_hash = $1",
	    "s", token_hash);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc != PC_OK)
		goto out;
	col_copy(st, 0, l->token_hash, sizeof(l->token_hash));
	col_copy(st, 1, l->kind, sizeof(l->kind));
	col_copy(st, 2, l->user_id, sizeof(l->user_id));
	l->created_at = db_col_i64(st, 3);
	l->expires_at = db_col_i64(st, 4);
	l->used_at = db_col_i64(st, 5);
	l->verified = db_col_i64(st, 6) != 0;
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_link_set_verified(struct db *db, const char *token_hash)
{
	int64_t n = 0;

	enum pc_rc rc = q_run(db, &n,
	    "UPDATE account_links SET verified = 1 WHERE token_hash = $1", "s",
	    token_hash);

	return changed_one(rc, n);
}

enum pc_rc
store_link_use(struct db *db, const char *token_hash, int64_t now)
{
	int64_t n = 0;
	enum pc_rc rc;

	rc = q_run(db, &n,
	    "UPDATE account_links SET used_at = $2 "
	    "WHERE token_hash = $1 AND used_at = 0",
	    "si", token_hash, now);
	if (rc == PC_OK && n == 0)
		rc = PC_ESTATE;
	return rc;
}

/* ---- codes --------------------------------------------------------------- */

enum pc_rc
store_code_insert(struct db *db, const struct store_code *c)
{
	return q_run(db, NULL,
	    "INSERT INTO account_codes (id, user_id, purpose, target, salt, "
	    "hash, sent_at, expires_at, used_at, attempts) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0)",
	    "ssssssii", c->id, c->user_id, c->purpose, c->target, c->salt,
	    c->hash, c->sent_at, c->expires_at);
}

enum pc_rc
store_code_latest(struct db *db, const char *user_id, const char *purpose,
    struct store_code *c)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	memset(c, 0, sizeof(*c));
	rc = q_prep(db, &st,
	    "SELECT id, user_id, purpose, target, salt, hash, sent_at, "
	    "expires_at, used_at, attempts FROM account_codes "
	    "WHERE user_id = $1 AND purpose = $2 "
	    "ORDER BY sent_at DESC, id DESC LIMIT 1",
	    "ss", user_id, purpose);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc != PC_OK)
		goto out;
	col_copy(st, 0, c->id, sizeof(c->id));
	col_copy(st, 1, c->user_id, sizeof(c->user_id));
	col_copy(st, 2, c->purpose, sizeof(c->purpose));
	c->target = col_dup(st, 3);
	col_copy(st, 4, c->salt, sizeof(c->salt));
	col_copy(st, 5, c->hash, sizeof(c->hash));
	c->sent_at = db_col_i64(st, 6);
	c->expires_at = db_col_i64(st, 7);
	c->used_at = db_col_i64(st, 8);
	c->attempts = db_col_i64(st, 9);
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_code_add_attempt(struct db *db, const char *id)
{
	return q_run(db, NULL,
	    "UPDATE account_codes SET attempts = attempts + 1 WHERE id = $1",
	    "s", id);
}

enum pc_rc
store_code_use(struct db *db, const char *id, int64_t now)
{
	int64_t n = 0;
	enum pc_rc rc;

	rc = q_run(db, &n,
	    "UPDATE account_codes SET used_at = $2 "
	    "WHERE id = $1 AND used_at = 0",
	    "si", id, now);
	if (rc == PC_OK && n == 0)
		rc = PC_ESTATE;
	return rc;
}

void
store_code_cleanup(struct store_code *c)
{
	if (c == NULL)
		return;
	free(c->target);
	c->target = NULL;
}

/* ---- sessions ------------------------------------------------------------ */

enum pc_rc
store_session_insert(struct db *db, const struct store_session *s)
{
	return q_run(db, NULL,
	    "INSERT INTO sessions (id_hash, user_id, state, csrf, ip, "
	    "created_at, last_seen, flags) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	    "sssssiii", s->id_hash, s->user_id, s->state, s->csrf, s->ip,
	    s->created_at, s->last_seen, s->flags);
}

enum pc_rc
store_session_get(struct db *db, const char *id_hash, struct store_session *s)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	memset(s, 0, sizeof(*s));
	rc = q_prep(db, &st,
	    "SELECT id_hash, user_id, state, csrf, ip, created_at, "
	    "last_seen, flags FROM sessions WHERE id_hash = $1",
	    "s", id_hash);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc != PC_OK)
		goto out;
	col_copy(st, 0, s->id_hash, sizeof(s->id_hash));
	col_copy(st, 1, s->user_id, sizeof(s->user_id));
	col_copy(st, 2, s->state, sizeof(s->state));
	col_copy(st, 3, s->csrf, sizeof(s->csrf));
	col_copy(st, 4, s->ip, sizeof(s->ip));
	s->created_at = db_col_i64(st, 5);
	s->last_seen = db_col_i64(st, 6);
	s->flags = db_col_i64(st, 7);
out:
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_session_update(struct db *db, const struct store_session *s)
{
	int64_t n = 0;

	enum pc_rc rc = q_run(db, &n,
	    "UPDATE sessions SET state = $2, flags = $3, last_seen = $4 "
	    "WHERE id_hash = $1",
	    "ssii", s->id_hash, s->state, s->flags, s->last_seen);

	return changed_one(rc, n);
}

enum pc_rc
store_session_delete(struct db *db, const char *id_hash)
{
	return q_run(
	    db, NULL, "DELETE FROM sessions WHERE id_hash = $1", "s", id_hash);
}

enum pc_rc
store_session_delete_user(
    struct db *db, const char *user_id, const char *keep_hash)
{
	return q_run(db, NULL,
	    "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", "ss",
	    user_id, keep_hash != NULL ? keep_hash : "");
}

/* ---- consents ------------------------------------------------------------ */

enum pc_rc
store_consent_insert(struct db *db, const char *user_id, const char *kind,
    const char *version, int64_t at, const char *ip)
{
	return q_run(db, NULL,
	    "INSERT INTO consents (user_id, kind, version, accepted_at, ip) "
	    "VALUES ($1, $2, $3, $4, $5)",
	    "sssis", user_id, kind, version, at, ip);
}

enum pc_rc
store_consent_each(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_consent *c), void *arg)
{
	struct store_consent c;
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc = q_prep(db, &st,
	    "SELECT kind, version, accepted_at, ip FROM consents "
	    "WHERE user_id = $1 ORDER BY accepted_at, kind",
	    "s", user_id);
	while (rc == PC_OK) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		c.kind = db_col_text(st, 0);
		c.version = db_col_text(st, 1);
		c.accepted_at = db_col_i64(st, 2);
		c.ip = db_col_is_null(st, 3) ? "" : db_col_text(st, 3);
		rc = fn(arg, &c);
	}
	db_stmt_free(st);
	return rc;
}

/* ---- rate limits --------------------------------------------------------- */

enum pc_rc
store_rate_hit(struct db *db, const char *key, int64_t window, int64_t *count)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	*count = 0;
	rc = q_prep(db, &st,
	    "INSERT INTO rate_limits (key, window_start, count) "
	    "VALUES ($1, $2, 1) ON CONFLICT (key, window_start) DO UPDATE "
	    "SET count = rate_limits.count + 1 RETURNING count",
	    "si", key, window);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_EDB;
	if (rc == PC_OK) {
		*count = db_col_i64(st, 0);
		rc = db_step(st, &row); /* finish the statement (SQLite) */
	}
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_rate_get(struct db *db, const char *key, int64_t window, int64_t *count)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row = false;

	*count = 0;
	rc = q_prep(db, &st,
	    "SELECT count FROM rate_limits WHERE key = $1 AND "
	    "window_start = $2",
	    "si", key, window);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && row)
		*count = db_col_i64(st, 0);
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_rate_purge(struct db *db, int64_t before)
{
	return q_run(db, NULL,
	    "DELETE FROM rate_limits WHERE window_start < $1", "i", before);
}

/* ---- TOTP ---------------------------------------------------------------- */

enum pc_rc
store_totp_get(struct db *db, const char *user_id, struct store_totp *t)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	memset(t, 0, sizeof(*t));
	rc = q_prep(db, &st,
	    "SELECT active, pending, pending_at, last_step, failures, "
	    "locked_until, activated_at, qr_served FROM totp_secrets "
	    "WHERE user_id = $1",
	    "s", user_id);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc != PC_OK)
		goto out;
	t->active = col_blob_dup(st, 0, &t->active_len);
	t->pending = col_blob_dup(st, 1, &t->pending_len);
	t->pending_at = db_col_i64(st, 2);
	t->last_step = db_col_i64(st, 3);
	t->failures = db_col_i64(st, 4);
	t->locked_until = db_col_i64(st, 5);
	t->activated_at = db_col_i64(st, 6);
	t->qr_served = db_col_i64(st, 7) != 0;
out:
	db_stmt_free(st);
	return rc;
}

void
store_totp_cleanup(struct store_totp *t)
{
	if (t == NULL)
		return;
	free(t->active);
	free(t->pending);
	memset(t, 0, sizeof(*t));
}

enum pc_rc
store_totp_put_pending(struct db *db, const char *user_id, const uint8_t *blob,
    size_t n, int64_t now)
{
	return q_run(db, NULL,
	    "INSERT INTO totp_secrets (user_id, pending, pending_at, "
	    "qr_served, last_step, failures, locked_until, activated_at) "
	    "VALUES ($1, $2, $3, 0, 0, 0, 0, 0) ON CONFLICT (user_id) DO "
	    "UPDATE SET pending = excluded.pending, pending_at = "
	    "excluded.pending_at, qr_served = 0",
	    "sbi", user_id, blob, n, now);
}

enum pc_rc
store_totp_activate(
    struct db *db, const char *user_id, int64_t last_step, int64_t now)
{
	int64_t n = 0;
	enum pc_rc rc;

	rc = q_run(db, &n,
	    "UPDATE totp_secrets SET active = pending, pending = NULL, "
	    "pending_at = 0, qr_served = 1, last_step = $2, failures = 0, "
	    "locked_until = 0, activated_at = $3 "
	    "WHERE user_id = $1 AND pending IS NOT NULL",
	    "sii", user_id, last_step, now);
	if (rc == PC_OK && n == 0)
		rc = PC_ESTATE;
	return rc;
}

enum pc_rc
store_totp_set_counters(struct db *db, const char *user_id, int64_t last_step,
    int64_t failures, int64_t locked_until)
{
	return q_run(db, NULL,
	    "UPDATE totp_secrets SET last_step = $2, failures = $3, "
	    "locked_until = $4 WHERE user_id = $1",
	    "siii", user_id, last_step, failures, locked_until);
}

enum pc_rc
store_totp_qr_take(struct db *db, const char *user_id)
{
	int64_t n = 0;
	enum pc_rc rc;

	rc = q_run(db, &n,
	    "UPDATE totp_secrets SET qr_served = 1 WHERE user_id = $1 AND "
	    "pending IS NOT NULL AND qr_served = 0",
	    "s", user_id);
	if (rc == PC_OK && n == 0)
		rc = PC_ESTATE;
	return rc;
}
