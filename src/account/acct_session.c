/*
 * acct_session.c: sessions and sign-in (J3): password, TOTP second
 * factor, 2FA offer and deferral, sign-out; what the session may do
 * (consents current, operator role).
 *
 * A session is a random 256-bit token (the pc_session cookie) stored as
 * its SHA-256; it has a state (password_ok -> needs_2fa -> full), a CSRF
 * token, an idle and an absolute expiry. Every elevation (the TOTP step,
 * the 2FA deferral, pairing) and every credential change gives it a new
 * token and a new CSRF token (acct_session_rotate): a token seen before
 * the elevation is worth nothing after it.
 *
 * Sign-in spends the same work whatever the outcome: the password hash is
 * verified (or a dummy one, for an unknown e-mail) outside any
 * transaction, then one short write transaction counts the outcome.
 * Unknown, wrong and locked answer alike: an unknown e-mail locks after
 * as many failures as a real account, counted by its hash.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "account/acct_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"

/* A well-formed Argon2id hash to spend the same time on unknown e-mails. */
static char dummy_hash[256];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
dummy_init(void)
{
	if (acct_password_hash("pecete-dummy-password", dummy_hash,
	        sizeof(dummy_hash)) != PC_OK)
		dummy_hash[0] = '\0';
}

void
acct_session_cleanup(struct acct_session *s)
{
	if (s == NULL)
		return;
	store_user_cleanup(&s->u);
	memset(s, 0, sizeof(*s));
}

/* A fresh token, its hash and a CSRF token into s (state kept). */
static enum pc_rc
fresh_tokens(struct acct_session *s)
{
	enum pc_rc rc;

	rc = acct_token_new(s->token, s->s.id_hash);
	if (rc == PC_OK)
		rc = rnd_hex(STORE_HASH_LEN / 2, s->s.csrf);
	return rc;
}

enum pc_rc
acct_session_create(const struct pc_env *e, struct db *db,
    const struct store_user *u, const char *state, struct acct_session *s)
{
	enum pc_rc rc;

	memset(&s->s, 0, sizeof(s->s));
	rc = fresh_tokens(s);
	if (rc != PC_OK)
		return rc;
	snprintf(s->s.user_id, sizeof(s->s.user_id), "%s", u->id);
	snprintf(s->s.state, sizeof(s->s.state), "%s", state);
	snprintf(s->s.ip, sizeof(s->s.ip), "%s", e->ip != NULL ? e->ip : "");
	s->s.created_at = s->s.last_seen = clock_now();
	return store_session_insert(db, &s->s);
}

enum pc_rc
acct_session_rotate(const struct pc_env *e, struct db *db,
    struct acct_session *s, const char *state)
{
	enum pc_rc rc;

	rc = store_session_delete(db, s->s.id_hash);
	if (rc != PC_OK && rc != PC_ENOTFOUND)
		return rc;
	rc = fresh_tokens(s);
	if (rc != PC_OK)
		return rc;
	/* The absolute expiry still counts from the sign-in. state may be
	 * s->s.state itself. */
	if (state != s->s.state)
		snprintf(s->s.state, sizeof(s->s.state), "%s", state);
	snprintf(s->s.ip, sizeof(s->s.ip), "%s", e->ip != NULL ? e->ip : "");
	s->s.last_seen = clock_now();
	return store_session_insert(db, &s->s);
}

enum pc_rc
acct_session_load(
    const struct pc_env *e, const char *token, struct acct_session *out)
{
	struct db *db = NULL;
	char hash[STORE_HASH_LEN + 1];
	int64_t now = clock_now();
	bool touch = false, expired = false;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	if (acct_token_hash(token, hash) != PC_OK)
		return PC_EAUTH;
	/* Reads without a write transaction; a write only when needed. */
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_session_get(db, hash, &out->s);
	if (rc == PC_ENOTFOUND)
		rc = PC_EAUTH;
	if (rc == PC_OK &&
	    (now >= out->s.last_seen + e->conf->account.session_idle_s ||
	        now >= out->s.created_at + e->conf->account.session_max_s)) {
		expired = true;
		rc = PC_EAUTH;
	}
	if (rc == PC_OK) {
		rc = store_user_get(db, out->s.user_id, &out->u);
		if (rc == PC_ENOTFOUND)
			rc = PC_EAUTH;
	}
	/* Touch at most once a minute: fewer writes. */
	if (rc == PC_OK && now - out->s.last_seen >= 60) {
		out->s.last_seen = now;
		touch = true;
	}
	if (expired || touch) {
		enum pc_rc wrc = db_begin(db);

		if (wrc == PC_OK)
			wrc = expired ? store_session_delete(db, hash)
			              : store_session_update(db, &out->s);
		if (wrc == PC_OK)
			wrc = db_commit(db);
		else
			db_rollback(db);
		if (wrc != PC_OK && rc == PC_OK)
			log_warnx("account: session touch failed (%s)",
			    pc_rc_str(wrc));
	}
	store_release(e->store, db);
	if (rc != PC_OK)
		acct_session_cleanup(out);
	return rc;
}

enum pc_rc
acct_session_end(const struct pc_env *e, struct acct_session *s)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_session_delete(db, s->s.id_hash);
	if (rc == PC_OK || rc == PC_ENOTFOUND)
		rc = store_audit_printf(db, s->u.id, "session.signed_out", "-");
	return acct_tx_end(e, db, rc);
}

/* ---- what the session may do ------------------------------------------ */

bool
acct_consent_current(const struct conf *c, const char *kind, const char *have)
{
	const char *want = acct_consent_version(c, kind);

	return have != NULL && want != NULL && strcmp(have, want) == 0;
}

bool
acct_session_consents_ok(const struct pc_env *e, const struct acct_session *s)
{
	/* The user row holds the accepted versions: no extra query. */
	return acct_consent_current(
	           e->conf, CONSENT_GDPR_NOTICE, s->u.consent_gdpr) &&
	       acct_consent_current(
	           e->conf, CONSENT_APP_ACCESS, s->u.consent_app);
}

bool
acct_session_is_operator(const struct pc_env *e, const struct acct_session *s)
{
	return strcmp(s->u.role, "operator") == 0 ||
	       strcmp(s->u.role, "admin") == 0;
}

void
acct_session_view(
    const struct pc_env *e, const struct acct_session *s, struct acct_view *v)
{
	const char *rule;

	memset(v, 0, sizeof(*v));
	acct_phone_mask(s->u.phone, v->phone_masked, sizeof(v->phone_masked));
	snprintf(v->role, sizeof(v->role), "%s",
	    s->u.role[0] != '\0' ? s->u.role : "user");
	if (s->u.twofa_defer != NULL && strcmp(s->u.twofa_defer, "date") == 0) {
		clock_fmt_iso(s->u.twofa_defer_until, v->defer_until,
		    sizeof(v->defer_until));
		v->defer_until[10] = '\0';
	}
	if (strcmp(s->s.state, SESS_NEEDS_2FA) == 0) {
		v->next = "totp";
		return;
	}
	if (strcmp(s->s.state, SESS_PASSWORD_OK) == 0) {
		rule = acct_twofa_rule(
		    &s->u, clock_now(), acct_mandatory_after(e->conf));
		v->next = rule != NULL && strcmp(rule, "required") == 0
		              ? "twofa_required"
		              : "twofa_offer";
		return;
	}
	if (!acct_consent_current(
	        e->conf, CONSENT_GDPR_NOTICE, s->u.consent_gdpr))
		v->next = "gdpr_notice";
	else if (!acct_consent_current(
	             e->conf, CONSENT_APP_ACCESS, s->u.consent_app))
		v->next = "app_consent";
}

/* ---- sign-in ---------------------------------------------------------- */

/* The state after the password: TOTP, 2FA offer, or signed in. */
static const char *
state_after_password(const struct pc_env *e, const struct store_user *u)
{
	if (u->twofa_enabled)
		return SESS_NEEDS_2FA;
	if (acct_twofa_rule(u, clock_now(), acct_mandatory_after(e->conf)) !=
	    NULL)
		return SESS_PASSWORD_OK;
	return SESS_FULL;
}

/*
 * A failed password for an e-mail without an account: counted under the
 * hash of the e-mail, so it locks after as many failures as an account.
 */
static enum pc_rc
unknown_failure(const struct pc_env *e, const char *email, struct pc_err *err)
{
	unsigned char md[32];
	char key[8 + 65];
	struct pc_err rerr = { 0 };
	enum pc_rc rc;

	if (EVP_Digest(email, strlen(email), md, NULL, EVP_sha256(), NULL) != 1)
		return PC_ECRYPTO;
	memcpy(key, "loginfail:", 10);
	hex_encode(md, 31, key + 10);
	key[sizeof(key) - 1] = '\0';
	rc = acct_rate_hit(e, key, e->conf->account.login_lock_s,
	    e->conf->account.login_max_failures - 1, &rerr);
	if (rc == PC_ELIMIT) {
		err->retry_after = rerr.retry_after;
		return pc_fail(err, PC_ELIMIT, PCE_ACCOUNT_LOCKED, NULL);
	}
	if (rc != PC_OK)
		return rc;
	return pc_fail(err, PC_EAUTH, PCE_LOGIN_FAILED, NULL);
}

/*
 * The password sign-in: with out, a session (acct_login); without, only
 * the check of an API client's sign-in (acct_login_api: the user's id in
 * uid). The same pacing, counting and lockout either way.
 */
static enum pc_rc
login(const struct pc_env *e, const char *email, const char *pw,
    struct acct_session *prev, struct acct_session *out, char *uid, size_t uidn,
    struct pc_err *err)
{
	struct acct_session dummy;
	struct store_user u;
	struct db *db = NULL;
	char low[ACCT_EMAIL_MAX + 1];
	int64_t now = clock_now();
	bool known, ok = false, locked;
	size_t i;
	enum pc_rc rc;

	if (out == NULL)
		out = &dummy;
	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	if (email == NULL || pw == NULL || strlen(email) > ACCT_EMAIL_MAX ||
	    strlen(pw) > ACCT_PASSWORD_MAX)
		return pc_fail(err, PC_EAUTH, PCE_LOGIN_FAILED, NULL);
	for (i = 0; email[i] != '\0'; i++)
		low[i] = (char)(email[i] >= 'A' && email[i] <= 'Z'
		                    ? email[i] - 'A' + 'a'
		                    : email[i]);
	low[i] = '\0';
	/* Read, no transaction. */
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_get_by_email(db, low, &u);
	store_release(e->store, db);
	db = NULL;
	if (rc != PC_OK && rc != PC_ENOTFOUND)
		return rc;
	known = rc == PC_OK && strcmp(u.status, USER_STATUS_ACTIVE) == 0 &&
	        u.password_hash != NULL;
	locked = known && u.locked_until > now;
	/* The same time for every outcome, outside any transaction; a locked
	 * account's answer does not depend on the password, so it waits
	 * instead of hashing and leaves the cores to everyone else. */
	pthread_once(&dummy_once, dummy_init);
	if (locked)
		acct_password_pace();
	else
		rc = acct_password_check(
		    low, known ? u.password_hash : dummy_hash, pw, &ok, err);
	if (rc != PC_OK)
		goto out;
	if (!known) {
		rc = unknown_failure(e, low, err);
		if (store_acquire(e->store, &db) == PC_OK)
			(void)store_audit_printf(db, "-", "login.failed",
			    "ip=%s reason=unknown",
			    e->ip != NULL ? e->ip : "-");
		store_release(e->store, db);
		db = NULL;
		goto out;
	}
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		goto out;
	if (locked) {
		/* No counting while locked, and no hint whether the password
		 * was right. */
		rc = store_audit_printf(db, u.id, "login.failed",
		    "ip=%s reason=locked", e->ip != NULL ? e->ip : "-");
		acct_tx_end(e, db, rc);
		db = NULL;
		err->retry_after = u.locked_until - now;
		rc = pc_fail(err, PC_ELIMIT, PCE_ACCOUNT_LOCKED, NULL);
		goto out;
	}
	if (!ok) {
		rc = acct_login_failed(e, db, &u, "password");
		acct_tx_end(e, db, rc);
		db = NULL;
		rc = rc == PC_OK
		         ? pc_fail(err, PC_EAUTH, PCE_LOGIN_FAILED, NULL)
		         : rc;
		goto out;
	}
	rc = store_user_login_ok(db, u.id);
	/* Signing in again in the same browser ends its old session. */
	if (rc == PC_OK && prev != NULL) {
		rc = store_session_delete(db, prev->s.id_hash);
		if (rc == PC_ENOTFOUND)
			rc = PC_OK;
	}
	if (rc == PC_OK && uid != NULL) {
		rc = store_audit_printf(db, u.id, "login.api_ok", "ip=%s",
		    e->ip != NULL ? e->ip : "-");
		if (rc == PC_OK)
			snprintf(uid, uidn, "%s", u.id);
	} else if (rc == PC_OK) {
		rc = acct_session_create(
		    e, db, &u, state_after_password(e, &u), out);
		if (rc == PC_OK)
			rc = store_audit_printf(db, u.id, "login.password_ok",
			    "ip=%s state=%s", e->ip != NULL ? e->ip : "-",
			    out->s.state);
	}
	rc = acct_tx_end(e, db, rc);
	db = NULL;
	if (rc == PC_OK && out != &dummy) {
		out->u = u;
		memset(&u, 0, sizeof(u));
	}
out:
	if (db != NULL)
		acct_tx_end(e, db, PC_EINTERNAL);
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
acct_login(const struct pc_env *e, const char *email, const char *pw,
    struct acct_session *prev, struct acct_session *out, struct pc_err *err)
{
	return login(e, email, pw, prev, out, NULL, 0, err);
}

enum pc_rc
acct_login_api(const struct pc_env *e, const char *email, const char *pw,
    char uid[ACCT_ID_MAX + 1], struct pc_err *err)
{
	uid[0] = '\0';
	return login(e, email, pw, NULL, NULL, uid, ACCT_ID_MAX + 1, err);
}

enum pc_rc
acct_totp_result(const struct signer_totp_reply *r, struct pc_err *err)
{
	switch (r->result) {
	case TOTP_R_OK:
		return PC_OK;
	case TOTP_R_BAD:
		return pc_fail(err, PC_EINVAL, PCE_TOTP_INVALID, "code");
	case TOTP_R_REPLAY:
		return pc_fail(err, PC_EINVAL, PCE_TOTP_REPLAY, "code");
	case TOTP_R_LOCKED:
		err->retry_after = r->retry_after;
		return pc_fail(err, PC_ELIMIT, PCE_TOTP_LOCKED, NULL);
	case TOTP_R_NONE:
		return pc_fail(err, PC_ESTATE, PCE_TOTP_NOT_ENABLED, NULL);
	case TOTP_R_GONE:
		return pc_fail(err, PC_ESTATE, PCE_QR_GONE, NULL);
	}
	return PC_EINTERNAL;
}

/* The account's TOTP code, checked by the signer (see account.h). */
enum pc_rc
acct_totp_check(const struct pc_env *e, const char *user_id,
    const char *purpose, const char *code, struct pc_err *err)
{
	struct signer_totp_reply r;
	enum pc_rc rc;

	rc = signer_client_totp_verify(
	    e->signer, user_id, purpose, code != NULL ? code : "", &r);
	if (rc == PC_EUNAVAIL)
		return pc_fail(err, rc, PCE_SIGNER_UNAVAILABLE, NULL);
	if (rc != PC_OK)
		return rc;
	return acct_totp_result(&r, err);
}

/* Move s to state with new tokens, audited. */
static enum pc_rc
elevate(const struct pc_env *e, struct acct_session *s, const char *state,
    const char *event)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = acct_session_rotate(e, db, s, state);
	if (rc == PC_OK && event != NULL)
		rc = store_audit_printf(
		    db, s->u.id, event, "ip=%s", e->ip != NULL ? e->ip : "-");
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_login_totp(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err)
{
	enum pc_rc rc;

	if (strcmp(s->s.state, SESS_NEEDS_2FA) != 0)
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	rc = acct_totp_check(e, s->u.id, "login", code, err);
	if (rc != PC_OK)
		return rc;
	s->s.flags |= SESS_F_TOTP;
	return elevate(e, s, SESS_FULL, "login.totp_ok");
}

enum pc_rc
acct_twofa_defer(const struct pc_env *e, struct acct_session *s,
    const char *mode, const char *date, struct pc_err *err)
{
	struct db *db = NULL;
	int64_t until = 0, now = clock_now(), mand;
	const char *rule;
	enum pc_rc rc;

	if (strcmp(s->s.state, SESS_PASSWORD_OK) != 0)
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	mand = acct_mandatory_after(e->conf);
	rule = acct_twofa_rule(&s->u, now, mand);
	if (rule != NULL && strcmp(rule, "required") == 0)
		return pc_fail(err, PC_ESTATE, PCE_TWOFA_REQUIRED, NULL);
	if (mode == NULL)
		return pc_fail(err, PC_EINVAL, PCE_DEFER_INVALID, "mode");
	if (strcmp(mode, "date") == 0) {
		if (clock_day_parse(date, &until) != PC_OK || until <= now ||
		    until > mand + 86400)
			return pc_fail(
			    err, PC_EINVAL, PCE_DEFER_INVALID, "date");
	} else if (strcmp(mode, "next_login") != 0 &&
	           strcmp(mode, "never") != 0) {
		return pc_fail(err, PC_EINVAL, PCE_DEFER_INVALID, "mode");
	}
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_set_twofa(db, s->u.id, false, mode, until);
	if (rc == PC_OK)
		rc = acct_session_rotate(e, db, s, SESS_FULL);
	if (rc == PC_OK)
		rc = store_audit_printf(
		    db, s->u.id, "twofa.deferred", "mode=%s", mode);
	return acct_tx_end(e, db, rc);
}
