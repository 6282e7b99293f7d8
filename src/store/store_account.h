/*
 * store_account.h: typed storage of accounts (users, invitation and
 * recovery links, SMS/e-mail codes, sessions, consents, rate-limit
 * counters, TOTP secrets). SQL lives in store_account.c only.
 *
 * Every function works inside the caller's transaction when one is open
 * (db_begin), else on its own. Secrets are never stored in clear: links,
 * codes and session tokens as SHA-256 hex, TOTP secrets encrypted by the
 * signer. Phone numbers and names are personal data, stored in clear for
 * now (encryption at rest of identity data is a later issue).
 */
#ifndef PC_STORE_ACCOUNT_H
#define PC_STORE_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"

#define STORE_ID_LEN 32   /* hex of 16 random bytes */
#define STORE_HASH_LEN 64 /* hex of SHA-256 */

/* ---- users --------------------------------------------------------------- */

#define USER_STATUS_INVITED "invited"
#define USER_STATUS_ACTIVE "active"
#define USER_STATUS_ERASED "erased" /* GDPR erasure: anonymised, closed */

struct store_user {
	char id[STORE_ID_LEN + 1];
	char *email; /* lower case */
	char *given_name;
	char *surname;
	char *phone;         /* E.164 */
	char *lang;          /* "ro" or "en" */
	char *status;        /* USER_STATUS_* */
	char *password_hash; /* Argon2id string, NULL before activation */
	char *twofa_defer;   /* NULL, "date", "next_login", "never" */
	int64_t twofa_defer_until;
	bool twofa_enabled;
	int64_t phone_verified_at;
	int64_t failed_logins;
	int64_t locked_until;
	int64_t created_at;
	char role[16]; /* "user" (default), "operator", "admin"; read only */
	char *consent_gdpr; /* version of the GDPR notice accepted, or NULL */
	char *consent_app;  /* version of the app-access consent, or NULL */
};

/* Insert; PC_EEXIST when the e-mail exists. Copies everything. */
enum pc_rc store_user_insert(struct db *db, const struct store_user *u);
/* OUT: *u (store_user_cleanup). PC_ENOTFOUND when absent. */
enum pc_rc store_user_get(struct db *db, const char *id, struct store_user *u);
enum pc_rc store_user_get_by_email(
    struct db *db, const char *email, struct store_user *u);
void store_user_cleanup(struct store_user *u);
enum pc_rc store_user_set_password(
    struct db *db, const char *id, const char *hash);
enum pc_rc store_user_set_phone(
    struct db *db, const char *id, const char *phone, int64_t verified_at);
/* The language of e-mails, SMS and documents ("ro" or "en"). */
enum pc_rc store_user_set_lang(struct db *db, const char *id, const char *lang);
enum pc_rc store_user_set_status(
    struct db *db, const char *id, const char *status);
/* defer may be NULL (no deferral). */
enum pc_rc store_user_set_twofa(struct db *db, const char *id, bool enabled,
    const char *defer, int64_t defer_until);
/*
 * Write the sign-in counters as given. A caller that read them first loses
 * counts under parallel requests: use the two below.
 */
enum pc_rc store_user_set_login(
    struct db *db, const char *id, int64_t failed_logins, int64_t locked_until);
/*
 * Count one failed sign-in of user_id in a single conditional UPDATE (exact
 * when requests run in parallel, on both databases): failed_logins + 1, or
 * when that reaches max_failures, failed_logins = 0 and locked_until =
 * lock_until. OUT: *locked, true when this failure engaged the lock.
 * PC_ENOTFOUND when the user does not exist.
 */
enum pc_rc store_user_login_fail(struct db *db, const char *user_id,
    int64_t max_failures, int64_t lock_until, bool *locked);
/*
 * A good sign-in: failed_logins = 0 and locked_until = 0 in one UPDATE.
 * PC_ENOTFOUND when the user does not exist. Nothing is kept.
 */
enum pc_rc store_user_login_ok(struct db *db, const char *user_id);
/*
 * Set the consent version the user currently has accepted: kind
 * CONSENT_GDPR_NOTICE (users.consent_gdpr) or CONSENT_APP_ACCESS
 * (users.consent_app); version is copied, NULL clears it. PC_EINVAL for
 * another kind, PC_ENOTFOUND when the user does not exist. The consents
 * table keeps the history: write both in one transaction.
 */
enum pc_rc store_user_set_consent(
    struct db *db, const char *user_id, const char *kind, const char *version);

/* ---- links (invitation, recovery) --------------------------------------- */

struct store_link {
	char token_hash[STORE_HASH_LEN + 1];
	char kind[16]; /* "invitation", "recovery" */
	char user_id[STORE_ID_LEN + 1];
	int64_t created_at, expires_at, used_at; /* used_at 0: unused */
	bool verified; /* the SMS step of the link is done */
};

enum pc_rc store_link_insert(struct db *db, const struct store_link *l);
enum pc_rc store_link_get(
    struct db *db, const char *token_hash, struct store_link *l);
enum pc_rc store_link_set_verified(struct db *db, const char *token_hash);
/* PC_ESTATE when it was used already. */
enum pc_rc store_link_use(struct db *db, const char *token_hash, int64_t now);

/* ---- one-time codes ----------------------------------------------------- */

struct store_code {
	char id[STORE_ID_LEN + 1];
	char user_id[STORE_ID_LEN + 1];
	char purpose[32];
	char *target; /* where it was sent (phone/e-mail); may be NULL */
	char salt[STORE_ID_LEN + 1];
	char hash[STORE_HASH_LEN + 1];
	int64_t sent_at, expires_at, used_at, attempts;
};

enum pc_rc store_code_insert(struct db *db, const struct store_code *c);
/* The most recent code of user for purpose. PC_ENOTFOUND when none. */
enum pc_rc store_code_latest(struct db *db, const char *user_id,
    const char *purpose, struct store_code *c);
/* OUT: *n, the codes of purpose sent to user_id since since. */
enum pc_rc store_code_count_since(struct db *db, const char *user_id,
    const char *purpose, int64_t since, int64_t *n);
enum pc_rc store_code_add_attempt(struct db *db, const char *id);
/* PC_ESTATE when it was used already. */
enum pc_rc store_code_use(struct db *db, const char *id, int64_t now);
void store_code_cleanup(struct store_code *c);

/* ---- sessions ----------------------------------------------------------- */

struct store_session {
	char id_hash[STORE_HASH_LEN + 1];
	char user_id[STORE_ID_LEN + 1];
	char state[16];
	char csrf[STORE_HASH_LEN + 1];
	char ip[64];
	int64_t created_at, last_seen, flags;
};

enum pc_rc store_session_insert(struct db *db, const struct store_session *s);
enum pc_rc store_session_get(
    struct db *db, const char *id_hash, struct store_session *s);
/* Writes state, flags and last_seen. */
enum pc_rc store_session_update(struct db *db, const struct store_session *s);
enum pc_rc store_session_delete(struct db *db, const char *id_hash);
/*
 * Delete every session of user except keep_hash (NULL: all), and every
 * access token of the user's API clients (store_token.h): a password
 * change, a recovery, a new phone or authenticator signs out everywhere.
 */
enum pc_rc store_session_delete_user(
    struct db *db, const char *user_id, const char *keep_hash);

/* ---- consents ----------------------------------------------------------- */

#define CONSENT_GDPR_NOTICE "gdpr_notice"
#define CONSENT_APP_ACCESS "app_access"

struct store_consent {
	const char *kind, *version, *ip; /* borrowed from the row */
	int64_t accepted_at;
	int64_t withdrawn_at; /* 0 while the consent stands */
};

enum pc_rc store_consent_insert(struct db *db, const char *user_id,
    const char *kind, const char *version, int64_t at, const char *ip);
/* Call fn for each consent of user, oldest first. */
enum pc_rc store_consent_each(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_consent *c), void *arg);
/*
 * Withdraw every standing consent of the user of kind (given again at each
 * order or identification, a consent is withdrawn as a whole): their
 * withdrawn_at becomes now (> 0). One conditional UPDATE: of two parallel calls
 * one withdraws. PC_ENOTFOUND when no consent of kind stands; PC_EINVAL when
 * now <= 0. Nothing is kept; users.consent_* is the caller's to update
 * (store_user_set_consent).
 */
enum pc_rc store_consent_withdraw(
    struct db *db, const char *user_id, const char *kind, int64_t now);

/* ---- rate limits -------------------------------------------------------- */

/* Count one hit of key in the window starting at window; *count = total. */
enum pc_rc store_rate_hit(
    struct db *db, const char *key, int64_t window, int64_t *count);
/* The current count without counting. */
enum pc_rc store_rate_get(
    struct db *db, const char *key, int64_t window, int64_t *count);
enum pc_rc store_rate_purge(struct db *db, int64_t before);

/* ---- TOTP secrets (written by the signer only) ------------------------- */

struct store_totp {
	uint8_t *active; /* encrypted, NULL when none */
	size_t active_len;
	uint8_t *pending; /* encrypted, NULL when none */
	size_t pending_len;
	int64_t pending_at, last_step, failures, locked_until, activated_at;
	bool qr_served;
};

/* OUT: *t (store_totp_cleanup). PC_ENOTFOUND when the user has no row. */
enum pc_rc store_totp_get(
    struct db *db, const char *user_id, struct store_totp *t);
void store_totp_cleanup(struct store_totp *t);
enum pc_rc store_totp_put_pending(struct db *db, const char *user_id,
    const uint8_t *blob, size_t n, int64_t now);
/* pending -> active; the old active secret is gone at once. */
enum pc_rc store_totp_activate(
    struct db *db, const char *user_id, int64_t last_step, int64_t now);
/* Write the counters as given (read-modify-write: prefer the two below). */
enum pc_rc store_totp_set_counters(struct db *db, const char *user_id,
    int64_t last_step, int64_t failures, int64_t locked_until);
/*
 * Use time step for user_id, once: one UPDATE that sets last_step = step,
 * failures = 0 and locked_until = 0 only WHERE last_step < step. OUT:
 * *used, true when this call used the step; false when the step (or a
 * later one) was used already (a replay), also by a parallel transaction,
 * or the user has no TOTP row.
 */
enum pc_rc store_totp_use_step(
    struct db *db, const char *user_id, int64_t step, bool *used);
/*
 * Count one wrong TOTP code of user_id in a single conditional UPDATE
 * (exact under parallel requests): failures + 1, or when that reaches max,
 * failures = 0 and locked_until = lock_until. OUT: *locked, true when this
 * failure engaged the lock. PC_ENOTFOUND when the user has no TOTP row.
 */
enum pc_rc store_totp_fail(struct db *db, const char *user_id, int64_t max,
    int64_t lock_until, bool *locked);
/* Mark the QR as served; PC_ESTATE when it was already (or no pending). */
enum pc_rc store_totp_qr_take(struct db *db, const char *user_id);

#endif /* PC_STORE_ACCOUNT_H */
