/*
 * acct_int.h: what the files of src/account share.
 */
#ifndef PC_ACCT_INT_H
#define PC_ACCT_INT_H

#include <jansson.h>

#include "account/account.h"
#include "notify/notify.h"

/* Acquire a connection and open a transaction. OUT: *db. */
enum pc_rc acct_tx_begin(const struct pc_env *e, struct db **db);
/* Commit when rc is PC_OK, else roll back; release; returns the result. */
enum pc_rc acct_tx_end(const struct pc_env *e, struct db *db, enum pc_rc rc);

/* Codes of one step sent to one person in 24 hours at most. */
#define ACCT_CODES_PER_DAY 5

/*
 * Send a new code for purpose by template to "to". The resend rule
 * applies to the same destination; a corrected one (target or to differs
 * from the last code's) gets a code at once; ACCT_CODES_PER_DAY bounds
 * both.
 * target is stored with the code (the new phone of a phone change) or NULL.
 */
enum pc_rc acct_code_send(const struct pc_env *e, struct db *db,
    const struct store_user *u, const char *purpose, enum notify_channel ch,
    const char *to, const char *target, const char *tmpl, int64_t ttl,
    struct acct_code_info *ci, struct pc_err *err);
/*
 * Check the latest code of purpose and use it up on success. OUT: *c when
 * not NULL (store_code_cleanup). Wrong tries are counted in the caller's
 * transaction, which must be committed even on refusal (see *commit).
 */
enum pc_rc acct_code_verify(struct db *db, const char *user_id,
    const char *purpose, const char *code, struct store_code *c, bool *commit,
    struct pc_err *err);
/*
 * End a transaction in which acct_code_verify refused a code: kept when
 * the wrong try counts (counted), else rolled back. Returns rc.
 */
enum pc_rc acct_tx_end_refused(
    const struct pc_env *e, struct db *db, enum pc_rc rc, bool counted);
/* acct_code_send in a transaction of its own. */
enum pc_rc acct_code_send_tx(const struct pc_env *e, const struct store_user *u,
    const char *purpose, enum notify_channel ch, const char *to,
    const char *target, const char *tmpl, int64_t ttl,
    struct acct_code_info *ci, struct pc_err *err);
/*
 * Open a transaction and check code, the latest of purpose of user_id. A
 * refusal ends the transaction (acct_tx_end_refused) and is returned; on
 * PC_OK it stays open for the caller's writes (acct_tx_end). OUT: *db,
 * *c when not NULL (store_code_cleanup).
 */
enum pc_rc acct_code_check_tx(const struct pc_env *e, const char *user_id,
    const char *purpose, const char *code, struct store_code *c, struct db **db,
    struct pc_err *err);
/* The info of the latest unused code of purpose; false when none. */
bool acct_code_info_get(struct db *db, const struct pc_env *e,
    const char *user_id, const char *purpose, struct acct_code_info *ci);

/*
 * Argon2id outside any transaction, at most as many at once as the machine
 * has cores; beyond that a caller waits up to 150 ms, then PC_EUNAVAIL
 * with busy and retry_after (a sign-in flood slows only sign-ins).
 * acct_password_check sets *ok, one at a time per account who (its
 * lower-case e-mail at sign-in, so unknown ones too): guessing one account
 * takes at most one core. acct_password_make hashes a new one.
 */
enum pc_rc acct_password_check(const char *who, const char *hash,
    const char *pw, bool *ok, struct pc_err *err);
enum pc_rc acct_password_make(
    const char *pw, char *out, size_t n, struct pc_err *err);
/* Waits as long as a verification takes, without spending a core: the
 * answer to a locked account looks like any other and costs a flood
 * nothing to others. */
void acct_password_pace(void);
/*
 * A wrong password of u (sign-in, or the current password of a change):
 * counted against the lock in db's transaction, audited with reason.
 */
enum pc_rc acct_login_failed(const struct pc_env *e, struct db *db,
    const struct store_user *u, const char *reason);
/* New tokens for s in state, in db's transaction (elevation). */
enum pc_rc acct_session_rotate(const struct pc_env *e, struct db *db,
    struct acct_session *s, const char *state);
/*
 * Check a new password of u (both copies, the strength rule) and hash it,
 * outside any transaction. OUT: hash (wipe it after use).
 */
enum pc_rc acct_password_new(const struct store_user *u, const char *pw,
    const char *pw2, char *hash, size_t n, struct pc_err *err);
/* Tell u that the password changed (e-mail) and audit event. */
enum pc_rc acct_password_changed(struct db *db, const struct store_user *u,
    const char *event, const char *detail);
/* notify_enqueue with vars built from "k", "v" pairs (NULL-terminated). */
enum pc_rc acct_notify(struct db *db, enum notify_channel ch, const char *to,
    const char *tmpl, const char *lang, ...);
/* e.g. PUBLIC_URL/activate#TOKEN */
char *acct_link(const struct pc_env *e, const char *page, const char *token);
/* The display name "Given Surname" (malloc). */
char *acct_name(const struct store_user *u);
/* Resend timer of a code (sms_code_ttl_s etc.). */
int64_t acct_mandatory_after(const struct conf *c);

/*
 * Load the link of token of kind and its user. OUT: *u (store_user_cleanup
 * also on failure). Refusals: link_invalid, link_expired, link_used.
 */
enum pc_rc acct_link_load(struct db *db, const char *token, const char *kind,
    struct store_link *l, struct store_user *u, struct pc_err *err);
/*
 * Where the code step of the link of token (kind) stands, on a connection
 * of its own. OUT: *l, *u (store_user_cleanup, also on failure), and while
 * the link is not verified, the code of purpose waiting (*sent, *ci; not
 * looked up when purpose is NULL).
 */
enum pc_rc acct_link_state(const struct pc_env *e, const char *token,
    const char *kind, const char *purpose, struct store_link *l,
    struct store_user *u, bool *sent, struct acct_code_info *ci,
    struct pc_err *err);
/*
 * The code step of the link of token (kind), in one transaction: the link
 * and its user, then, unless the link is verified already, the check of
 * code (purpose), which verifies it (*fresh). A refusal ends the
 * transaction; on PC_OK it stays open for the caller's writes
 * (acct_tx_end). OUT: *db, *u (store_user_cleanup, also on failure).
 */
enum pc_rc acct_link_code(const struct pc_env *e, const char *token,
    const char *kind, const char *purpose, const char *code, struct db **db,
    struct store_user *u, bool *fresh, struct pc_err *err);
/*
 * The password step of the link of token (kind), whose code step is done:
 * the new password checked and hashed outside any transaction, then in a
 * short one the link used up (once: link_used) and the password set.
 * OUT: *db in that transaction (the caller adds its own writes and ends it
 * with acct_tx_end), *u (store_user_cleanup, also on failure).
 */
enum pc_rc acct_link_password(const struct pc_env *e, const char *token,
    const char *kind, const char *pw, const char *pw2, struct db **db,
    struct store_user *u, struct pc_err *err);
/* A new session for u in state. OUT: s (token set). */
enum pc_rc acct_session_create(const struct pc_env *e, struct db *db,
    const struct store_user *u, const char *state, struct acct_session *s);
/* The refusal for a signer TOTP result (code_invalid, totp_replay, ...). */
enum pc_rc acct_totp_result(
    const struct signer_totp_reply *r, struct pc_err *err);

#endif /* PC_ACCT_INT_H */
