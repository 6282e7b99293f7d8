/*
 * acct_session.c: sessions and sign-in (J3): password, TOTP second
 * factor, 2FA offer and deferral, sign-out.
 *
 * A session is a random 256-bit token (the pc_session cookie) stored as
 * its SHA-256; it has a state (password_ok -> needs_2fa -> full), a CSRF
 * token, an idle and an absolute expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/acct_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"

/* A well-formed Argon2id hash to spend the same time on unknown e-mails. */
static char dummy_hash[256];

void
acct_session_cleanup(struct acct_session *s)
{
	if (s == NULL)
		return;
	store_user_cleanup(&s->u);
	memset(s, 0, sizeof(*s));
}

enum pc_rc
acct_session_create(const struct acct_env *e, struct db *db,
    const struct store_user *u, const char *state, struct acct_session *s)
{
	enum pc_rc rc;

	memset(&s->s, 0, sizeof(s->s));
	rc = acct_token_new(s->token, s->s.id_hash);
	if (rc == PC_OK)
		rc = rnd_hex(STORE_HASH_LEN / 2, s->s.csrf);
	if (rc != PC_OK)
		return rc;
	snprintf(s->s.user_id, sizeof(s->s.user_id), "%s", u->id);
	snprintf(s->s.state, sizeof(s->s.state), "%s", state);
	snprintf(s->s.ip, sizeof(s->s.ip), "%s", e->ip != NULL ? e->ip : "");
	s->s.created_at = s->s.last_seen = clock_now();
	return store_session_insert(db, &s->s);
}

enum pc_rc
acct_session_load(
    const struct acct_env *e, const char *token, struct acct_session *out)
{
	struct db *db = NULL;
	char hash[STORE_HASH_LEN + 1];
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	if (acct_token_hash(token, hash) != PC_OK)
		return PC_EAUTH;
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_session_get(db, hash, &out->s);
	if (rc == PC_ENOTFOUND) {
		rc = PC_EAUTH;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (now >= out->s.last_seen + e->conf->account.session_idle_s ||
	    now >= out->s.created_at + e->conf->account.session_max_s) {
		store_session_delete(db, hash);
		acct_tx_end(e, db, PC_OK);
		memset(out, 0, sizeof(*out));
		return PC_EAUTH;
	}
	rc = store_user_get(db, out->s.user_id, &out->u);
	if (rc == PC_ENOTFOUND) {
		rc = PC_EAUTH;
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	/* Touch at most once a minute: fewer writes. */
	if (now - out->s.last_seen >= 60) {
		out->s.last_seen = now;
		rc = store_session_update(db, &out->s);
	}
out:
	rc = acct_tx_end(e, db, rc);
	if (rc != PC_OK)
		acct_session_cleanup(out);
	return rc;
}

enum pc_rc
acct_session_end(const struct acct_env *e, struct acct_session *s)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_session_delete(db, s->s.id_hash);
	if (rc == PC_OK)
		rc = acct_audit(db, s->u.id, "session.signed_out", "-");
	return acct_tx_end(e, db, rc);
}

struct consent_scan {
	const struct conf *conf;
	bool gdpr, app;
};

static enum pc_rc
consent_seen(void *arg, const struct store_consent *c)
{
	struct consent_scan *cs = arg;

	if (strcmp(c->kind, "gdpr_notice") == 0 &&
	    strcmp(c->version, cs->conf->account.gdpr_version) == 0)
		cs->gdpr = true;
	if (strcmp(c->kind, "app_access") == 0 &&
	    strcmp(c->version, cs->conf->account.app_consent_version) == 0)
		cs->app = true;
	return PC_OK;
}

const char *
acct_session_next(const struct acct_env *e, const struct acct_session *s)
{
	struct consent_scan cs;
	const char *rule;

	if (strcmp(s->s.state, SESS_NEEDS_2FA) == 0)
		return "totp";
	if (strcmp(s->s.state, SESS_PASSWORD_OK) == 0) {
		rule = acct_twofa_rule(
		    &s->u, clock_now(), acct_mandatory_after(e->conf));
		return rule != NULL && strcmp(rule, "required") == 0
		           ? "twofa_required"
		           : "twofa_offer";
	}
	memset(&cs, 0, sizeof(cs));
	cs.conf = e->conf;
	if (acct_consent_each(e, s, consent_seen, &cs) != PC_OK)
		return NULL;
	if (!cs.gdpr)
		return "gdpr_notice";
	if (!cs.app)
		return "app_consent";
	return NULL;
}

/* The state after the password: TOTP, 2FA offer, or signed in. */
static const char *
state_after_password(const struct acct_env *e, const struct store_user *u)
{
	if (u->twofa_enabled)
		return SESS_NEEDS_2FA;
	if (acct_twofa_rule(u, clock_now(), acct_mandatory_after(e->conf)) !=
	    NULL)
		return SESS_PASSWORD_OK;
	return SESS_FULL;
}

enum pc_rc
acct_login(const struct acct_env *e, const char *email, const char *pw,
    struct acct_session *out, struct acct_err *err)
{
	struct store_user u;
	struct db *db = NULL;
	char low[ACCT_EMAIL_MAX + 1];
	int64_t now = clock_now(), fails;
	size_t i;
	bool ok;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	if (email == NULL || pw == NULL || strlen(email) > ACCT_EMAIL_MAX ||
	    strlen(pw) > ACCT_PASSWORD_MAX)
		return acct_fail(err, PC_EAUTH, "login_failed");
	for (i = 0; email[i] != '\0'; i++)
		low[i] = (char)(email[i] >= 'A' && email[i] <= 'Z'
		                    ? email[i] - 'A' + 'a'
		                    : email[i]);
	low[i] = '\0';
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_get_by_email(db, low, &u);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && (strcmp(u.status, USER_STATUS_ACTIVE) != 0 ||
	                        u.password_hash == NULL))) {
		/* Same work and answer as a wrong password. */
		if (dummy_hash[0] == '\0')
			acct_password_hash("pecete-dummy-password", dummy_hash,
			    sizeof(dummy_hash));
		acct_password_verify(dummy_hash, pw);
		rc = acct_audit(db, rc == PC_OK ? u.id : "-", "login.failed",
		    "ip=%s reason=unknown", e->ip != NULL ? e->ip : "-");
		if (rc == PC_OK) {
			acct_tx_end(e, db, PC_OK);
			db = NULL;
		}
		rc = acct_fail(err, PC_EAUTH, "login_failed");
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (u.locked_until > now) {
		err->retry_after = u.locked_until - now;
		rc = acct_fail(err, PC_ELIMIT, "account_locked");
		goto out;
	}
	ok = acct_password_verify(u.password_hash, pw);
	if (!ok) {
		fails = u.failed_logins + 1;
		if (fails >= e->conf->account.login_max_failures) {
			rc = store_user_set_login(
			    db, u.id, 0, now + e->conf->account.login_lock_s);
			if (rc == PC_OK)
				rc = acct_audit(db, u.id, "login.locked",
				    "ip=%s", e->ip != NULL ? e->ip : "-");
		} else {
			rc = store_user_set_login(db, u.id, fails, 0);
			if (rc == PC_OK)
				rc = acct_audit(db, u.id, "login.failed",
				    "ip=%s reason=password",
				    e->ip != NULL ? e->ip : "-");
		}
		if (rc == PC_OK) {
			acct_tx_end(e, db, PC_OK);
			db = NULL;
		}
		rc = acct_fail(err, PC_EAUTH, "login_failed");
		goto out;
	}
	rc = store_user_set_login(db, u.id, 0, 0);
	if (rc == PC_OK)
		rc = acct_session_create(
		    e, db, &u, state_after_password(e, &u), out);
	if (rc == PC_OK)
		rc = acct_audit(db, u.id, "login.password_ok", "ip=%s state=%s",
		    e->ip != NULL ? e->ip : "-", out->s.state);
	if (rc == PC_OK) {
		out->u = u;
		memset(&u, 0, sizeof(u));
	}
out:
	store_user_cleanup(&u);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_totp_result(const struct signer_totp_reply *r, struct acct_err *err)
{
	switch (r->result) {
	case TOTP_R_OK:
		return PC_OK;
	case TOTP_R_BAD:
		return acct_fail(err, PC_EINVAL, "code_invalid");
	case TOTP_R_REPLAY:
		return acct_fail(err, PC_EINVAL, "totp_replay");
	case TOTP_R_LOCKED:
		err->retry_after = r->retry_after;
		return acct_fail(err, PC_ELIMIT, "totp_locked");
	case TOTP_R_NONE:
		return acct_fail(err, PC_ESTATE, "totp_not_enabled");
	case TOTP_R_GONE:
		return acct_fail(err, PC_ESTATE, "qr_gone");
	}
	return PC_EINTERNAL;
}

static enum pc_rc
session_set_state(const struct acct_env *e, struct acct_session *s,
    const char *state, const char *event)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	snprintf(s->s.state, sizeof(s->s.state), "%s", state);
	s->s.last_seen = clock_now();
	rc = store_session_update(db, &s->s);
	if (rc == PC_OK && event != NULL)
		rc = acct_audit(
		    db, s->u.id, event, "ip=%s", e->ip != NULL ? e->ip : "-");
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_login_totp(const struct acct_env *e, struct acct_session *s,
    const char *code, struct acct_err *err)
{
	struct signer_totp_reply r;
	enum pc_rc rc;

	if (strcmp(s->s.state, SESS_NEEDS_2FA) != 0)
		return acct_fail(err, PC_ESTATE, "step_order");
	rc = signer_client_totp_verify(
	    e->signer, s->u.id, "login", code != NULL ? code : "", &r);
	if (rc == PC_EUNAVAIL)
		return acct_fail(err, rc, "signer_unavailable");
	if (rc != PC_OK)
		return rc;
	rc = acct_totp_result(&r, err);
	if (rc != PC_OK)
		return rc;
	return session_set_state(e, s, SESS_FULL, "login.totp_ok");
}

enum pc_rc
acct_twofa_defer(const struct acct_env *e, struct acct_session *s,
    const char *mode, const char *date, struct acct_err *err)
{
	struct db *db = NULL;
	int64_t until = 0, now = clock_now(), mand;
	const char *rule;
	enum pc_rc rc;

	if (strcmp(s->s.state, SESS_PASSWORD_OK) != 0)
		return acct_fail(err, PC_ESTATE, "step_order");
	mand = acct_mandatory_after(e->conf);
	rule = acct_twofa_rule(&s->u, now, mand);
	if (rule != NULL && strcmp(rule, "required") == 0)
		return acct_fail(err, PC_ESTATE, "twofa_required");
	if (mode == NULL)
		return acct_fail(err, PC_EINVAL, "defer_invalid");
	if (strcmp(mode, "date") == 0) {
		if (acct_date_parse(date, &until) != PC_OK || until <= now ||
		    until > mand + 86400) {
			err->field = "date";
			return acct_fail(err, PC_EINVAL, "defer_invalid");
		}
	} else if (strcmp(mode, "next_login") != 0 &&
	           strcmp(mode, "never") != 0) {
		err->field = "mode";
		return acct_fail(err, PC_EINVAL, "defer_invalid");
	}
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_set_twofa(db, s->u.id, false, mode, until);
	if (rc == PC_OK) {
		snprintf(s->s.state, sizeof(s->s.state), SESS_FULL);
		rc = store_session_update(db, &s->s);
	}
	if (rc == PC_OK)
		rc = acct_audit(db, s->u.id, "twofa.deferred", "mode=%s", mode);
	return acct_tx_end(e, db, rc);
}
