/*
 * account.h: accounts and sign-in (journeys J1-J5, J12-J14).
 *
 * The domain layer between the JSON handlers (src/api/api_account.c,
 * api_session.c, api_totp.c) and the store (store_account.h) and signer
 * (TOTP). Every flow runs in one database transaction, enqueues its e-mail
 * or SMS in that transaction (notify_enqueue) and audits the security
 * events (no codes, passwords, tokens or full phone numbers).
 *
 * Refusals return a pc_rc and fill struct pc_err with a stable code the
 * UI translates ("code_expired", "resend_too_soon", ...; the list is in
 * docs/api.yaml) and, for timers, retry_after. See docs/internals/account.md.
 */
#ifndef PC_ACCOUNT_H
#define PC_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/conf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "signer/signer.h"
#include "store/store.h"
#include "store/store_account.h"

#define ACCT_TOKEN_LEN 64 /* hex of 32 random bytes (links, sessions) */
#define ACCT_CODE_LEN 6
#define ACCT_PASSWORD_MIN 12
#define ACCT_PASSWORD_MAX 256
#define ACCT_NAME_MAX 100
#define ACCT_EMAIL_MAX 254

/* Session states (store_session.state). */
#define SESS_PASSWORD_OK "password_ok"
#define SESS_NEEDS_2FA "needs_2fa"
#define SESS_FULL "full"

/* Session flags. */
#define SESS_F_EMAIL_PROVEN 0x1 /* TOTP reset: e-mail code verified */
#define SESS_F_PHONE_EMAIL 0x2  /* phone change: e-mail code verified */
/* A TOTP code was verified in this session (sign-in step or pairing):
 * what operator routes ask for. */
#define SESS_F_TOTP 0x4

/* What the UI shows after a code was sent. */
struct acct_code_info {
	const char *channel; /* "sms" or "email" */
	char to_masked[64];
	int64_t expires_at;
	int64_t resend_after;
};

/*
 * One-time codes for another journey (the identification's SMS step, RA):
 * send a code for purpose by SMS to phone with template tmpl now, unless
 * one sent to that number is still valid (then *sent is false and ci
 * describes it). The resend rules of acct codes apply.
 */
enum pc_rc acct_otp_sms(const struct pc_env *e, const char *user_id,
    const char *purpose, const char *phone, const char *tmpl,
    struct acct_code_info *ci, bool *sent, struct pc_err *err);
/*
 * Check the account's authenticator (TOTP) code for purpose ("login",
 * "revoke", ...) in the signer: window, replay and lockout rules, audited
 * there. Refusals: totp_invalid, totp_replay, totp_locked (retry_after),
 * totp_not_enabled; 503 signer_unavailable.
 */
/*
 * The person again before something that cannot be undone: the account's
 * password (the lock and its count as at sign-in: password_wrong on
 * "password", account_locked) and, with two-step sign-in on, a TOTP code
 * of purpose (the TOTP errors on "code").
 */
enum pc_rc acct_reauth(const struct pc_env *e, const char *user_id,
    const char *pw, const char *code, const char *purpose, struct pc_err *err);
enum pc_rc acct_totp_check(const struct pc_env *e, const char *user_id,
    const char *purpose, const char *code, struct pc_err *err);
/* Check (and use up) the code of purpose; wrong tries are counted. */
enum pc_rc acct_otp_check(const struct pc_env *e, const char *user_id,
    const char *purpose, const char *code, struct pc_err *err);

/* ---- pure rules (acct_rules.c), unit-tested -------------------------- */

/* The least zxcvbn score (0-4) of a new password. */
#define ACCT_PASSWORD_MIN_SCORE 3
/*
 * Judge a new password: PCE_NONE when acceptable, else password_weak
 * (short, blank, guessable), password_common (mostly dictionary words)
 * or password_personal (contains the e-mail's name part or a name, with
 * diacritics folded). OUT: *score, zxcvbn's 0-4 (the form's meter).
 */
enum pc_ecode acct_password_strength(const char *pw, const char *email,
    const char *given_name, const char *surname, int *score);
/* The same, without the score. */
enum pc_ecode acct_password_rule(const char *pw, const char *email,
    const char *given_name, const char *surname);
/* Argon2id (libsodium, interactive limits). out: crypto_pwhash_STRBYTES. */
enum pc_rc acct_password_hash(const char *pw, char *out, size_t outlen);
bool acct_password_verify(const char *hash, const char *pw);

/* A random token (hex) and its SHA-256 (hex), each ACCT_TOKEN_LEN + 1. */
enum pc_rc acct_token_new(char *token, char *hash);
/* SHA-256 hex of a token; PC_EINVAL when it is not 64 hex digits. */
enum pc_rc acct_token_hash(const char *token, char *hash);

/* A 6-digit code, a salt and SHA-256(salt || code) hex. */
enum pc_rc acct_code_new(char code[ACCT_CODE_LEN + 1],
    char salt[STORE_ID_LEN + 1], char hash[STORE_HASH_LEN + 1]);
void acct_code_hash(
    const char *salt, const char *code, char hash[STORE_HASH_LEN + 1]);
#define ACCT_CODE_MAX_ATTEMPTS 5
/*
 * Check a submitted code against the stored one at now: NULL when it
 * matches, else code_used, code_expired, code_attempts or code_invalid.
 */
enum pc_ecode acct_code_check(
    const struct store_code *c, const char *code, int64_t now);
/*
 * May a new code be sent, given the latest one (NULL when none)? true, or
 * false with *retry_after: a resend only after the previous code expired
 * and not sooner than resend_min_s after the previous send.
 */
bool acct_code_resend_ok(const struct store_code *latest, int64_t now,
    int64_t resend_min_s, int64_t *retry_after);

/*
 * The 2FA rule after a password sign-in of a user without TOTP: "required"
 * when now is after the end of the twofa_mandatory_after day, "offer" when
 * the user must be asked (no deferral, next_login, or a date reached),
 * NULL when a deferral holds (never, or a date in the future).
 */
const char *acct_twofa_rule(
    const struct store_user *u, int64_t now, int64_t mandatory_after);

/* E.164: "+" then 8 to 15 digits, not starting with 0. */
bool acct_phone_valid(const char *phone);
/* "+40******678" into out. */
void acct_phone_mask(const char *phone, char *out, size_t n);
/* "a***@example.ro" into out. */
void acct_email_mask(const char *email, char *out, size_t n);
/* A plausible e-mail address (one @, a dot in the domain, no spaces). */
bool acct_email_valid(const char *email);

/* ---- sessions (acct_session.c) --------------------------------------- */

struct acct_session {
	struct store_session s;
	struct store_user u;
	char token[ACCT_TOKEN_LEN + 1]; /* set only when just created */
};

/*
 * Load the session of cookie token: PC_OK, or PC_EAUTH when unknown,
 * expired (idle or absolute) or the user is gone. Touches last_seen.
 * OUT: *out (acct_session_cleanup).
 */
enum pc_rc acct_session_load(
    const struct pc_env *e, const char *token, struct acct_session *out);
void acct_session_cleanup(struct acct_session *s);
/* Sign out: delete the session. */
enum pc_rc acct_session_end(const struct pc_env *e, struct acct_session *s);
/* What the faces show of a session. */
struct acct_view {
	const char *next; /* "totp", "twofa_offer", "twofa_required",
	                     "gdpr_notice", "app_consent", or NULL */
	char role[16];    /* "user", "operator", "admin" */
	char phone_masked[32];
	char defer_until[32]; /* "YYYY-MM-DD" of a dated 2FA deferral, "" */
};
void acct_session_view(
    const struct pc_env *e, const struct acct_session *s, struct acct_view *v);
/* The current versions of the required consents are accepted. */
bool acct_session_consents_ok(
    const struct pc_env *e, const struct acct_session *s);
/* The user's role is operator or admin. */
bool acct_session_is_operator(
    const struct pc_env *e, const struct acct_session *s);

/* ---- flows (acct_register.c, acct_login.c, acct_totp.c, ...) --------- */

struct acct_register_req {
	const char *given_name, *surname, *email, *phone, *lang;
	const char *privacy_version;
	bool privacy_consent;
};

/* J1. Same answer whether the e-mail exists or not. */
enum pc_rc acct_register(const struct pc_env *e,
    const struct acct_register_req *r, struct pc_err *err);

/* J2. What the activation page shows. */
struct acct_activation {
	char *given_name, *surname, *email; /* malloc'd */
	char phone_masked[32];
	bool phone_verified;
	int64_t expires_at;
	bool code_sent; /* a code is waiting: its timers */
	struct acct_code_info code;
};
/* The link's user and step. OUT: *a (acct_activation_cleanup). */
enum pc_rc acct_activation_get(const struct pc_env *e, const char *token,
    struct acct_activation *a, struct pc_err *err);
void acct_activation_cleanup(struct acct_activation *a);
enum pc_rc acct_activation_phone(const struct pc_env *e, const char *token,
    const char *phone, bool change, struct acct_code_info *ci,
    struct pc_err *err);
enum pc_rc acct_activation_code(const struct pc_env *e, const char *token,
    const char *code, struct pc_err *err);
enum pc_rc acct_activation_password(const struct pc_env *e, const char *token,
    const char *pw, const char *pw2, char *email_out, size_t email_n,
    struct pc_err *err);

/*
 * J3. OUT: *out with out->token set (the cookie value). prev: the session
 * this browser had (ended on success), or NULL.
 */
enum pc_rc acct_login(const struct pc_env *e, const char *email, const char *pw,
    struct acct_session *prev, struct acct_session *out, struct pc_err *err);
/*
 * The password check of an API client's sign-in (CSC auth/login): the
 * rules of acct_login (pacing, failures, lockout, audit "login.api_ok"),
 * no session. OUT: uid, the user's id.
 */
#define ACCT_ID_MAX 64
enum pc_rc acct_login_api(const struct pc_env *e, const char *email,
    const char *pw, char uid[ACCT_ID_MAX + 1], struct pc_err *err);
enum pc_rc acct_login_totp(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err);
enum pc_rc acct_twofa_defer(const struct pc_env *e, struct acct_session *s,
    const char *mode, const char *date, struct pc_err *err);

/* Where a resumable step stands (a reload resumes it, no new code). */
struct acct_step {
	const char *step; /* static: the step's name (see the callers) */
	bool code_sent;   /* a code is waiting: its timers in code */
	struct acct_code_info code;
};

/* J4 / J14. Steps: start, code, qr, confirm, not_allowed. */
enum pc_rc acct_pairing_state(
    const struct pc_env *e, const struct acct_session *s, struct acct_step *st);
enum pc_rc acct_pairing_start(const struct pc_env *e, struct acct_session *s,
    struct acct_code_info *ci, struct pc_err *err);
enum pc_rc acct_pairing_verify(const struct pc_env *e, struct acct_session *s,
    const char *code, bool installed, struct signer_totp_reply *out,
    struct pc_err *err);
/* The URI for the QR PNG, once. */
enum pc_rc acct_pairing_qr(const struct pc_env *e, struct acct_session *s,
    char *uri, size_t n, struct pc_err *err);
enum pc_rc acct_pairing_confirm(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err);
enum pc_rc acct_totp_reset_start(const struct pc_env *e, struct acct_session *s,
    struct acct_code_info *ci, struct pc_err *err);
enum pc_rc acct_totp_reset_verify(const struct pc_env *e,
    struct acct_session *s, const char *code, struct pc_err *err);

/* J5. A consent as the settings list it. */
struct acct_consent {
	char kind[32], version[32], ip[64];
	int64_t accepted_at, withdrawn_at; /* withdrawn_at 0: in force */
	bool required;                     /* needed for the service */
};
struct acct_consents {
	struct acct_consent *items;
	size_t n;
	struct {
		const char *kind, *version; /* static / conf */
	} missing[2];                       /* required and not accepted */
	size_t nmissing;
};
/*
 * Withdraw an optional consent (marketing, biometrics): recorded with the
 * time; consent_not_withdrawable for those the service rests on,
 * consent_unknown for one not in force.
 */
enum pc_rc acct_consent_withdraw(const struct pc_env *e, struct acct_session *s,
    const char *kind, struct pc_err *err);
/* The language of the user's e-mails, SMS and documents. */
enum pc_rc acct_lang_set(const struct pc_env *e, struct acct_session *s,
    const char *lang, struct pc_err *err);
/* OUT: *out (acct_consents_cleanup). */
enum pc_rc acct_consents_list(const struct pc_env *e,
    const struct acct_session *s, struct acct_consents *out);
void acct_consents_cleanup(struct acct_consents *c);
/* Record a consent; OUT: *next, what the consent screens show next. */
enum pc_rc acct_consent_add(const struct pc_env *e, struct acct_session *s,
    const char *kind, const char *version, const char **next,
    struct pc_err *err);
enum pc_rc acct_consent_each(const struct pc_env *e,
    const struct acct_session *s,
    enum pc_rc (*fn)(void *arg, const struct store_consent *c), void *arg);
/* Is have the current version of consent kind? */
bool acct_consent_current(
    const struct conf *c, const char *kind, const char *have);
/* The current version of a consent kind, NULL for an unknown kind. */
const char *acct_consent_version(const struct conf *c, const char *kind);

/* J12. */
enum pc_rc acct_password_change(const struct pc_env *e, struct acct_session *s,
    const char *cur, const char *pw, const char *pw2, struct pc_err *err);
enum pc_rc acct_recovery_start(
    const struct pc_env *e, const char *email, struct pc_err *err);
/* What the recovery page shows (the code step resumes when reopened). */
struct acct_recovery {
	int64_t expires_at;
	char phone_masked[32];
	bool code_verified;
	bool code_sent;
	struct acct_code_info code;
};
enum pc_rc acct_recovery_get(const struct pc_env *e, const char *token,
    struct acct_recovery *v, struct pc_err *err);
enum pc_rc acct_recovery_sms(const struct pc_env *e, const char *token,
    struct acct_code_info *ci, struct pc_err *err);
enum pc_rc acct_recovery_code(const struct pc_env *e, const char *token,
    const char *code, struct pc_err *err);
enum pc_rc acct_recovery_password(const struct pc_env *e, const char *token,
    const char *pw, const char *pw2, struct pc_err *err);

/* J13. Steps: start, email_code, new_number, sms_code. */
enum pc_rc acct_phone_state(
    const struct pc_env *e, const struct acct_session *s, struct acct_step *st);
enum pc_rc acct_phone_email_code(const struct pc_env *e, struct acct_session *s,
    struct acct_code_info *ci, struct pc_err *err);
enum pc_rc acct_phone_email_verify(const struct pc_env *e,
    struct acct_session *s, const char *code, struct pc_err *err);
enum pc_rc acct_phone_sms_code(const struct pc_env *e, struct acct_session *s,
    const char *phone, struct acct_code_info *ci, struct pc_err *err);
enum pc_rc acct_phone_sms_verify(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err);

/* ---- rate limits (acct_rate.c) ----------------------------------------- */

/*
 * Count a hit of key in the current window of window_s seconds; PC_ELIMIT
 * with err->code "rate_limited" and retry_after past limit.
 */
enum pc_rc acct_rate_hit(const struct pc_env *e, const char *key,
    int64_t window_s, int64_t limit, struct pc_err *err);

#endif /* PC_ACCOUNT_H */
