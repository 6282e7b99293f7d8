/*
 * store_account.c: SQL of accounts (see store_account.h).
 *
 * Rows go through the column tables below (store_row.h); every other
 * statement is one store_q_*() call. Counters are changed in SQL, in one
 * conditional UPDATE, never read and written back.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "store/store_account.h"
#include "base/clock.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define T struct store_user
static const struct store_col user_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, email, COL_STR, 0),
	STORE_COL(T, given_name, COL_STR, 0),
	STORE_COL(T, surname, COL_STR, 0),
	STORE_COL(T, phone, COL_STR, 0),
	STORE_COL(T, lang, COL_STR, 0),
	STORE_COL(T, status, COL_STR, 0),
	STORE_COL(T, password_hash, COL_STR, 0),
	STORE_COL(T, twofa_defer, COL_STR, 0),
	STORE_COL(T, twofa_defer_until, COL_I64, 0),
	STORE_COL(T, twofa_enabled, COL_BOOL, 0),
	STORE_COL(T, phone_verified_at, COL_I64, 0),
	STORE_COL(T, failed_logins, COL_I64, 0),
	STORE_COL(T, locked_until, COL_I64, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COLX(T, created_at, COL_I64, COL_WO, "updated_at", NULL),
	STORE_COL(T, role, COL_TEXT, COL_RO),
	STORE_COL(T, consent_gdpr, COL_STR, 0),
	STORE_COL(T, consent_app, COL_STR, 0),
};
static const struct store_cols user_cols =
    STORE_COLS(T, "users", NULL, NULL, user_col);
#undef T

#define T struct store_link
static const struct store_col link_col[] = {
	STORE_COL(T, token_hash, COL_TEXT, 0),
	STORE_COL(T, kind, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, expires_at, COL_I64, 0),
	STORE_COL(T, used_at, COL_I64, COL_RO),
	STORE_COL(T, verified, COL_BOOL, COL_RO),
};
static const struct store_cols link_cols =
    STORE_COLS(T, "account_links", NULL, NULL, link_col);
#undef T

#define T struct store_code
static const struct store_col code_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, purpose, COL_TEXT, 0),
	STORE_COL(T, target, COL_STR, 0),
	STORE_COL(T, salt, COL_TEXT, 0),
	STORE_COL(T, hash, COL_TEXT, 0),
	STORE_COL(T, sent_at, COL_I64, 0),
	STORE_COL(T, expires_at, COL_I64, 0),
	STORE_COL(T, used_at, COL_I64, COL_RO),
	STORE_COL(T, attempts, COL_I64, COL_RO),
};
static const struct store_cols code_cols =
    STORE_COLS(T, "account_codes", NULL, NULL, code_col);
#undef T

#define T struct store_session
static const struct store_col session_col[] = {
	STORE_COL(T, id_hash, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, state, COL_TEXT, 0),
	STORE_COL(T, csrf, COL_TEXT, 0),
	STORE_COL(T, ip, COL_TEXT, 0),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, last_seen, COL_I64, 0),
	STORE_COL(T, flags, COL_I64, 0),
};
static const struct store_cols session_cols =
    STORE_COLS(T, "sessions", NULL, NULL, session_col);
#undef T

#define T struct store_consent
static const struct store_col consent_col[] = {
	STORE_COL(T, kind, COL_REF, 0),
	STORE_COL(T, version, COL_REF, 0),
	STORE_COL(T, accepted_at, COL_I64, 0),
	STORE_COLX(T, ip, COL_REF, COL_RO, "ip", "COALESCE(ip, '')"),
	STORE_COL(T, withdrawn_at, COL_I64, 0),
};
static const struct store_cols consent_cols =
    STORE_COLS(T, "consents", NULL, NULL, consent_col);
STORE_ROW_EACH_FN(consent, T)
#undef T

#define T struct store_totp
static const struct store_col totp_col[] = {
	STORE_BLOB(T, active, active_len, 0),
	STORE_BLOB(T, pending, pending_len, 0),
	STORE_COL(T, pending_at, COL_I64, 0),
	STORE_COL(T, last_step, COL_I64, 0),
	STORE_COL(T, failures, COL_I64, 0),
	STORE_COL(T, locked_until, COL_I64, 0),
	STORE_COL(T, activated_at, COL_I64, 0),
	STORE_COL(T, qr_served, COL_BOOL, 0),
};
static const struct store_cols totp_cols =
    STORE_COLS(T, "totp_secrets", NULL, NULL, totp_col);
#undef T

/* ---- users --------------------------------------------------------------- */

/* Insert u (copied); PC_EEXIST when the e-mail exists. */
enum pc_rc
store_user_insert(struct db *db, const struct store_user *u)
{
	RETURN_VAL_IF_FAIL(db != NULL && u != NULL, PC_EINTERNAL);
	return store_row_insert(
	    db, &user_cols, u, "ON CONFLICT (email) DO NOTHING");
}

/* The user with this id. OUT: *u (store_user_cleanup). */
enum pc_rc
store_user_get(struct db *db, const char *id, struct store_user *u)
{
	RETURN_VAL_IF_FAIL(db != NULL && id != NULL && u != NULL, PC_EINTERNAL);
	return store_row_get(db, &user_cols, u, "WHERE id = $1", "s", id);
}

/* The user with this e-mail. OUT: *u (store_user_cleanup). */
enum pc_rc
store_user_get_by_email(struct db *db, const char *email, struct store_user *u)
{
	RETURN_VAL_IF_FAIL(
	    db != NULL && email != NULL && u != NULL, PC_EINTERNAL);
	return store_row_get(db, &user_cols, u, "WHERE email = $1", "s", email);
}

/* Free what store_user_get filled and zero u; NULL is a no-op. */
void
store_user_cleanup(struct store_user *u)
{
	store_row_cleanup(&user_cols, u);
}

/* Set the password hash; the failure count and lock are reset. */
enum pc_rc
store_user_set_password(struct db *db, const char *id, const char *hash)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE users SET password_hash = $2, failed_logins = 0, "
	    "locked_until = 0 WHERE id = $1",
	    "ss", id, hash);
}

/* Set the phone number and when it was verified. */
enum pc_rc
store_user_set_phone(
    struct db *db, const char *id, const char *phone, int64_t verified_at)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE users SET phone = $2, phone_verified_at = $3 "
	    "WHERE id = $1",
	    "ssi", id, phone, verified_at);
}

/* Set the status (USER_STATUS_*). */
enum pc_rc
store_user_set_status(struct db *db, const char *id, const char *status)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE users SET status = $2 WHERE id = $1", "ss", id, status);
}

enum pc_rc
store_user_set_lang(struct db *db, const char *id, const char *lang)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE users SET lang = $2 WHERE id = $1", "ss", id, lang);
}

/* Set two-factor authentication and its deferral. */
enum pc_rc
store_user_set_twofa(struct db *db, const char *id, bool enabled,
    const char *defer, int64_t defer_until)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE users SET twofa_enabled = $2, twofa_defer = $3, "
	    "twofa_defer_until = $4 WHERE id = $1",
	    "sisi", id, (int64_t)enabled, defer, defer_until);
}

/* Write the sign-in counters as given. */
enum pc_rc
store_user_set_login(
    struct db *db, const char *id, int64_t failed_logins, int64_t locked_until)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE users SET failed_logins = $2, locked_until = $3 "
	    "WHERE id = $1",
	    "sii", id, failed_logins, locked_until);
}

/*
 * One failure counted on the row of table whose key is $1, in one UPDATE
 * ... RETURNING: counter + 1 reaching $2 (max) resets it to 0 and locks
 * the row until $3.
 */
#define COUNT_FAILURE_SQL(table, key, counter)                                 \
	"UPDATE " table " SET " counter " = CASE WHEN " counter                \
	" + 1 >= $2 THEN 0 ELSE " counter " + 1 END, "                         \
	"locked_until = CASE WHEN " counter " + 1 >= $2 THEN $3 "              \
	"ELSE locked_until END WHERE " key " = $1 RETURNING " counter

/*
 * Run sql (COUNT_FAILURE_SQL): the new count is 0 exactly when this
 * failure engaged the lock.
 */
static enum pc_rc
count_failure(struct db *db, const char *sql, const char *id, int64_t max,
    int64_t lock_until, bool *locked)
{
	int64_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && id != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(locked != NULL, PC_EINTERNAL);
	*locked = false;
	rc = store_q_i64(db, &n, sql, "sii", id, max, lock_until);
	if (rc == PC_OK)
		*locked = n == 0;
	return rc;
}

/* One failed sign-in, counted in SQL; see store_account.h. */
enum pc_rc
store_user_login_fail(struct db *db, const char *user_id, int64_t max_failures,
    int64_t lock_until, bool *locked)
{
	return count_failure(db,
	    COUNT_FAILURE_SQL("users", "id", "failed_logins"), user_id,
	    max_failures, lock_until, locked);
}

/* A good sign-in: the counter and the lock are reset. */
enum pc_rc
store_user_login_ok(struct db *db, const char *user_id)
{
	return store_user_set_login(db, user_id, 0, 0);
}

/* The consent version the user has accepted now, per kind. */
enum pc_rc
store_user_set_consent(
    struct db *db, const char *user_id, const char *kind, const char *version)
{
	const char *sql;

	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL, PC_EINTERNAL);
	if (kind != NULL && strcmp(kind, CONSENT_GDPR_NOTICE) == 0)
		sql = "UPDATE users SET consent_gdpr = $2 WHERE id = $1";
	else if (kind != NULL && strcmp(kind, CONSENT_APP_ACCESS) == 0)
		sql = "UPDATE users SET consent_app = $2 WHERE id = $1";
	else
		return PC_EINVAL;
	return store_q_change(db, PC_ENOTFOUND, sql, "ss", user_id, version);
}

/* ---- links --------------------------------------------------------------- */

/* Insert a link (unused, not verified). */
enum pc_rc
store_link_insert(struct db *db, const struct store_link *l)
{
	return store_row_insert(db, &link_cols, l, NULL);
}

/* The link with this token hash. OUT: *l. */
enum pc_rc
store_link_get(struct db *db, const char *token_hash, struct store_link *l)
{
	return store_row_get(
	    db, &link_cols, l, "WHERE token_hash = $1", "s", token_hash);
}

/* Mark the SMS step of a link done. */
enum pc_rc
store_link_set_verified(struct db *db, const char *token_hash)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE account_links SET verified = 1 WHERE token_hash = $1", "s",
	    token_hash);
}

/* Use a link once; PC_ESTATE when it was used. */
enum pc_rc
store_link_use(struct db *db, const char *token_hash, int64_t now)
{
	return store_q_change(db, PC_ESTATE,
	    "UPDATE account_links SET used_at = $2 "
	    "WHERE token_hash = $1 AND used_at = 0",
	    "si", token_hash, now);
}

/* ---- codes --------------------------------------------------------------- */

/* Insert a code (unused, no attempt). */
enum pc_rc
store_code_insert(struct db *db, const struct store_code *c)
{
	return store_row_insert(db, &code_cols, c, NULL);
}

/*
 * The latest code of user for purpose. OUT: *c (store_code_cleanup).
 * Times are whole seconds and ids random: of two codes sent in the same
 * second (one used, then a new one sent), the unused one is the later.
 */
enum pc_rc
store_code_latest(struct db *db, const char *user_id, const char *purpose,
    struct store_code *c)
{
	return store_row_get(db, &code_cols, c,
	    "WHERE user_id = $1 AND purpose = $2 "
	    "ORDER BY sent_at DESC, used_at ASC, id DESC LIMIT 1",
	    "ss", user_id, purpose);
}

/* How many codes of purpose user_id was sent since since. */
enum pc_rc
store_code_count_since(struct db *db, const char *user_id, const char *purpose,
    int64_t since, int64_t *n)
{
	return store_q_i64(db, n,
	    "SELECT COUNT(*) FROM account_codes WHERE user_id = $1 AND "
	    "purpose = $2 AND sent_at >= $3",
	    "ssi", user_id, purpose, since);
}

/* Count one wrong attempt (in SQL). */
enum pc_rc
store_code_add_attempt(struct db *db, const char *id)
{
	return store_q_run(db, NULL,
	    "UPDATE account_codes SET attempts = attempts + 1 WHERE id = $1",
	    "s", id);
}

/* Use a code once; PC_ESTATE when it was used. */
enum pc_rc
store_code_use(struct db *db, const char *id, int64_t now)
{
	return store_q_change(db, PC_ESTATE,
	    "UPDATE account_codes SET used_at = $2 "
	    "WHERE id = $1 AND used_at = 0",
	    "si", id, now);
}

/* Free what store_code_latest filled and zero c; NULL is a no-op. */
void
store_code_cleanup(struct store_code *c)
{
	store_row_cleanup(&code_cols, c);
}

/* ---- sessions ------------------------------------------------------------ */

/* Insert a session. */
enum pc_rc
store_session_insert(struct db *db, const struct store_session *s)
{
	return store_row_insert(db, &session_cols, s, NULL);
}

/* The session with this id hash. OUT: *s. */
enum pc_rc
store_session_get(struct db *db, const char *id_hash, struct store_session *s)
{
	return store_row_get(
	    db, &session_cols, s, "WHERE id_hash = $1", "s", id_hash);
}

/* Write state, flags and last_seen. */
enum pc_rc
store_session_update(struct db *db, const struct store_session *s)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE sessions SET state = $2, flags = $3, last_seen = $4 "
	    "WHERE id_hash = $1",
	    "ssii", s->id_hash, s->state, s->flags, s->last_seen);
}

/* Delete a session (none is fine). */
enum pc_rc
store_session_delete(struct db *db, const char *id_hash)
{
	return store_q_run(
	    db, NULL, "DELETE FROM sessions WHERE id_hash = $1", "s", id_hash);
}

/* Delete the user's sessions but keep_hash (NULL: all). */
enum pc_rc
store_session_delete_user(
    struct db *db, const char *user_id, const char *keep_hash)
{
	enum pc_rc rc;

	rc = store_q_run(db, NULL,
	    "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", "ss",
	    user_id, keep_hash != NULL ? keep_hash : "");
	/* Signed out everywhere: the API's access tokens too, and the apps
	 * the person authorized (OAuth2 grants and their refresh tokens; a
	 * request not yet exchanged is dropped). */
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "DELETE FROM api_tokens WHERE user_id = $1", "s", user_id);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "UPDATE oauth_refresh SET used_at = $2 WHERE used_at = 0 "
		    "AND "
		    "grant_id IN (SELECT id FROM oauth_grants WHERE user_id = "
		    "$1)",
		    "si", user_id, clock_now());
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "UPDATE oauth_grants SET revoked_at = $2 WHERE user_id = "
		    "$1 "
		    "AND revoked_at = 0",
		    "si", user_id, clock_now());
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "DELETE FROM oauth_requests WHERE user_id = $1", "s",
		    user_id);
	return rc;
}

/* ---- consents ------------------------------------------------------------ */

/* Record a consent (standing, not withdrawn). */
enum pc_rc
store_consent_insert(struct db *db, const char *user_id, const char *kind,
    const char *version, int64_t at, const char *ip)
{
	return store_q_run(db, NULL,
	    "INSERT INTO consents (user_id, kind, version, accepted_at, ip) "
	    "VALUES ($1, $2, $3, $4, $5)",
	    "sssis", user_id, kind, version, at, ip);
}

/* Every consent of the user, oldest first, to fn. */
enum pc_rc
store_consent_each(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_consent *c), void *arg)
{
	struct consent_each e = { fn, arg };
	struct store_consent c;

	return store_row_each(db, &consent_cols, &c, consent_each_call, &e,
	    "WHERE user_id = $1 ORDER BY accepted_at, kind", "s", user_id);
}

/* Withdraw every standing consent of kind (a consent given again, at each
 * order or identification, is withdrawn as a whole); see store_account.h. */
enum pc_rc
store_consent_withdraw(
    struct db *db, const char *user_id, const char *kind, int64_t now)
{
	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(kind != NULL, PC_EINTERNAL);
	if (now <= 0)
		return PC_EINVAL;
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE consents SET withdrawn_at = $3 "
	    "WHERE user_id = $1 AND kind = $2 "
	    "AND COALESCE(withdrawn_at, 0) = 0",
	    "ssi", user_id, kind, now);
}

/* ---- rate limits --------------------------------------------------------- */

/* Count a hit of key in window (in SQL). OUT: *count, the total. */
enum pc_rc
store_rate_hit(struct db *db, const char *key, int64_t window, int64_t *count)
{
	return store_q_i64_or(db, PC_EDB, count,
	    "INSERT INTO rate_limits (key, window_start, count) "
	    "VALUES ($1, $2, 1) ON CONFLICT (key, window_start) DO UPDATE "
	    "SET count = rate_limits.count + 1 RETURNING count",
	    "si", key, window);
}

/* The count of key in window (0 when none). */
enum pc_rc
store_rate_get(struct db *db, const char *key, int64_t window, int64_t *count)
{
	return store_q_i64_or(db, PC_OK, count,
	    "SELECT count FROM rate_limits WHERE key = $1 AND "
	    "window_start = $2",
	    "si", key, window);
}

/* Drop the windows that started before before. */
enum pc_rc
store_rate_purge(struct db *db, int64_t before)
{
	return store_q_run(db, NULL,
	    "DELETE FROM rate_limits WHERE window_start < $1", "i", before);
}

/* ---- TOTP ---------------------------------------------------------------- */

/* The TOTP row of the user. OUT: *t (store_totp_cleanup). */
enum pc_rc
store_totp_get(struct db *db, const char *user_id, struct store_totp *t)
{
	return store_row_get(
	    db, &totp_cols, t, "WHERE user_id = $1", "s", user_id);
}

/* Free what store_totp_get filled and zero t; NULL is a no-op. */
void
store_totp_cleanup(struct store_totp *t)
{
	store_row_cleanup(&totp_cols, t);
}

/* A new pending secret (the QR may be served again). */
enum pc_rc
store_totp_put_pending(struct db *db, const char *user_id, const uint8_t *blob,
    size_t n, int64_t now)
{
	return store_q_run(db, NULL,
	    "INSERT INTO totp_secrets (user_id, pending, pending_at, "
	    "qr_served, last_step, failures, locked_until, activated_at) "
	    "VALUES ($1, $2, $3, 0, 0, 0, 0, 0) ON CONFLICT (user_id) DO "
	    "UPDATE SET pending = excluded.pending, pending_at = "
	    "excluded.pending_at, qr_served = 0",
	    "sbi", user_id, blob, n, now);
}

/* The pending secret becomes the active one; PC_ESTATE when none. */
enum pc_rc
store_totp_activate(
    struct db *db, const char *user_id, int64_t last_step, int64_t now)
{
	return store_q_change(db, PC_ESTATE,
	    "UPDATE totp_secrets SET active = pending, pending = NULL, "
	    "pending_at = 0, qr_served = 1, last_step = $2, failures = 0, "
	    "locked_until = 0, activated_at = $3 "
	    "WHERE user_id = $1 AND pending IS NOT NULL",
	    "sii", user_id, last_step, now);
}

/* Write the counters as given. */
enum pc_rc
store_totp_set_counters(struct db *db, const char *user_id, int64_t last_step,
    int64_t failures, int64_t locked_until)
{
	return store_q_run(db, NULL,
	    "UPDATE totp_secrets SET last_step = $2, failures = $3, "
	    "locked_until = $4 WHERE user_id = $1",
	    "siii", user_id, last_step, failures, locked_until);
}

/* Use step once; see store_account.h. */
enum pc_rc
store_totp_use_step(
    struct db *db, const char *user_id, int64_t step, bool *used)
{
	int64_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && user_id != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(used != NULL, PC_EINTERNAL);
	rc = store_q_run(db, &n,
	    "UPDATE totp_secrets SET last_step = $2, failures = 0, "
	    "locked_until = 0 WHERE user_id = $1 AND last_step < $2",
	    "si", user_id, step);
	*used = rc == PC_OK && n == 1;
	return rc;
}

/* One wrong code, counted in SQL; see store_account.h. */
enum pc_rc
store_totp_fail(struct db *db, const char *user_id, int64_t max,
    int64_t lock_until, bool *locked)
{
	return count_failure(db,
	    COUNT_FAILURE_SQL("totp_secrets", "user_id", "failures"), user_id,
	    max, lock_until, locked);
}

/* Mark the QR served; PC_ESTATE when it was (or nothing is pending). */
enum pc_rc
store_totp_qr_take(struct db *db, const char *user_id)
{
	return store_q_change(db, PC_ESTATE,
	    "UPDATE totp_secrets SET qr_served = 1 WHERE user_id = $1 AND "
	    "pending IS NOT NULL AND qr_served = 0",
	    "s", user_id);
}
