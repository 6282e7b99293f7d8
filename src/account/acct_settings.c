/*
 * acct_settings.c: consents (J5), password change and recovery (J12),
 * phone change (J13), and the rate-limit counters.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/acct_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "legal/legal.h"
#include "base/secret.h"

#define LINK_RECOVERY "recovery"

/* ---- consents ------------------------------------------------------------ */

const char *
acct_consent_version(const struct conf *c, const char *kind)
{
	if (kind == NULL)
		return NULL;
	/* The privacy notice's version is its file's (data/legal), unless
	 * the configuration pins one. */
	if (strcmp(kind, CONSENT_GDPR_NOTICE) == 0)
		return c->account.gdpr_version != NULL
		           ? c->account.gdpr_version
		           : legal_version(c, LEGAL_PRIVACY);
	if (strcmp(kind, "privacy") == 0)
		return c->account.privacy_version != NULL
		           ? c->account.privacy_version
		           : legal_version(c, LEGAL_PRIVACY);
	if (strcmp(kind, CONSENT_APP_ACCESS) == 0)
		return c->account.app_consent_version;
	if (strcmp(kind, "terms") == 0)
		return legal_version(c, LEGAL_TERMS);
	if (strcmp(kind, "shop_conditions") == 0)
		return legal_version(c, LEGAL_SHOP);
	return NULL;
}

enum pc_rc
acct_consent_add(const struct pc_env *e, struct acct_session *s,
    const char *kind, const char *version, const char **next,
    struct pc_err *err)
{
	struct db *db = NULL;
	const char *cur;
	bool gdpr, app;
	enum pc_rc rc;

	*next = NULL;
	if (strcmp(s->s.state, SESS_NEEDS_2FA) == 0)
		return pc_fail(err, PC_EAUTH, PCE_TWOFA_NEEDED, NULL);
	cur = acct_consent_version(e->conf, kind);
	/* Only the sign-in consent screens record here; the others are
	 * recorded by their own steps (registration, checkout). */
	if (cur == NULL || (strcmp(kind, CONSENT_GDPR_NOTICE) != 0 &&
	                       strcmp(kind, CONSENT_APP_ACCESS) != 0)) {
		err->field = "kind";
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, NULL);
	}
	if (version == NULL || strcmp(version, cur) != 0) {
		err->field = "version";
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, NULL);
	}
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_consent_insert(
	    db, s->u.id, kind, version, clock_now(), e->ip);
	/* The user row holds the versions in force (the gate reads it). */
	if (rc == PC_OK)
		rc = store_user_set_consent(db, s->u.id, kind, version);
	if (rc == PC_OK)
		rc = store_audit_printf(db, s->u.id, "consent.given",
		    "kind=%s version=%s ip=%s", kind, version,
		    e->ip != NULL ? e->ip : "-");
	rc = acct_tx_end(e, db, rc);
	if (rc != PC_OK)
		return rc;
	/* What the consent screens show next, with this one given. */
	gdpr = strcmp(kind, CONSENT_GDPR_NOTICE) == 0 ||
	       acct_consent_current(
	           e->conf, CONSENT_GDPR_NOTICE, s->u.consent_gdpr);
	app =
	    strcmp(kind, CONSENT_APP_ACCESS) == 0 ||
	    acct_consent_current(e->conf, CONSENT_APP_ACCESS, s->u.consent_app);
	*next = !gdpr ? "gdpr_notice" : !app ? "app_consent" : NULL;
	return PC_OK;
}

enum pc_rc
acct_consent_each(const struct pc_env *e, const struct acct_session *s,
    enum pc_rc (*fn)(void *arg, const struct store_consent *c), void *arg)
{
	enum pc_rc rc;

	STORE_ONE(rc, e->store, store_consent_each(db, s->u.id, fn, arg));
	return rc;
}

struct consent_collect {
	const struct conf *conf;
	struct acct_consents *out;
	size_t cap;
	enum pc_rc rc;
};

/* The optional consents a holder may withdraw from the settings: marketing
 * and the biometric processing of the identification (ra.h
 * RA_CONSENT_BIOMETRIC; a new identification asks it again). */
static bool
consent_optional(const char *kind)
{
	return kind != NULL && (strcmp(kind, "marketing") == 0 ||
	                           strcmp(kind, "idv_biometric") == 0);
}

static enum pc_rc
consent_collect(void *arg, const struct store_consent *c)
{
	struct consent_collect *cc = arg;
	struct acct_consents *o = cc->out;
	struct acct_consent *it, *grown;

	if (o->n == cc->cap) {
		cc->cap = cc->cap == 0 ? 8 : cc->cap * 2;
		grown = realloc(o->items, cc->cap * sizeof(*grown));
		if (grown == NULL)
			return PC_ENOMEM;
		o->items = grown;
	}
	it = &o->items[o->n++];
	memset(it, 0, sizeof(*it));
	snprintf(it->kind, sizeof(it->kind), "%s", c->kind);
	snprintf(it->version, sizeof(it->version), "%s", c->version);
	snprintf(it->ip, sizeof(it->ip), "%s", c->ip != NULL ? c->ip : "");
	it->accepted_at = c->accepted_at;
	it->withdrawn_at = c->withdrawn_at;
	it->required = !consent_optional(c->kind);
	return PC_OK;
}

enum pc_rc
acct_consents_list(const struct pc_env *e, const struct acct_session *s,
    struct acct_consents *out)
{
	static const char *const kinds[] = { "gdpr_notice", "app_access" };
	struct consent_collect cc;
	const char *cur;
	size_t i, j;
	bool have;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&cc, 0, sizeof(cc));
	cc.conf = e->conf;
	cc.out = out;
	rc = acct_consent_each(e, s, consent_collect, &cc);
	if (rc != PC_OK) {
		acct_consents_cleanup(out);
		return rc;
	}
	for (i = 0; i < PC_ARRAY_LEN(kinds); i++) {
		cur = acct_consent_version(e->conf, kinds[i]);
		have = false;
		for (j = 0; j < out->n; j++)
			if (strcmp(out->items[j].kind, kinds[i]) == 0 &&
			    strcmp(out->items[j].version, cur) == 0 &&
			    out->items[j].withdrawn_at == 0)
				have = true;
		if (!have) {
			out->missing[out->nmissing].kind = kinds[i];
			out->missing[out->nmissing].version = cur;
			out->nmissing++;
		}
	}
	return PC_OK;
}

void
acct_consents_cleanup(struct acct_consents *c)
{
	if (c == NULL)
		return;
	free(c->items);
	memset(c, 0, sizeof(*c));
}

enum pc_rc
acct_consent_withdraw(const struct pc_env *e, struct acct_session *s,
    const char *kind, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	if (!consent_optional(kind)) {
		/* The ones the service rests on are not withdrawn here; nor
		 * the identification's other agreements (its evidence is kept
		 * for its legal period whatever is withdrawn). */
		if (kind != NULL &&
		    (acct_consent_version(e->conf, kind) != NULL ||
		        strncmp(kind, "idv_", 4) == 0))
			return pc_fail(err, PC_ESTATE,
			    PCE_CONSENT_NOT_WITHDRAWABLE, "kind");
		return pc_fail(err, PC_EINVAL, PCE_CONSENT_UNKNOWN, "kind");
	}
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_consent_withdraw(db, s->u.id, kind, clock_now());
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, PC_ENOTFOUND, PCE_CONSENT_UNKNOWN, "kind");
	if (rc == PC_OK)
		rc = store_audit_printf(db, s->u.id, "consent.withdrawn",
		    "kind=%s ip=%s", kind, e->ip != NULL ? e->ip : "-");
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_lang_set(const struct pc_env *e, struct acct_session *s, const char *lang,
    struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	if (lang == NULL ||
	    (strcmp(lang, "ro") != 0 && strcmp(lang, "en") != 0))
		return pc_fail(err, PC_EINVAL, PCE_LANG_INVALID, "lang");
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_set_lang(db, s->u.id, lang);
	if (rc == PC_OK)
		rc = store_audit_printf(
		    db, s->u.id, "account.lang", "lang=%s", lang);
	return acct_tx_end(e, db, rc);
}

/* ---- passwords ----------------------------------------------------------- */

enum pc_rc
acct_password_new(const struct store_user *u, const char *pw, const char *pw2,
    char *hash, size_t n, struct pc_err *err)
{
	enum pc_ecode why;

	if (pw == NULL || pw2 == NULL || strcmp(pw, pw2) != 0)
		return pc_fail(
		    err, PC_EINVAL, PCE_PASSWORD_MISMATCH, "password_confirm");
	why = acct_password_rule(pw, u->email, u->given_name, u->surname);
	if (why != PCE_NONE)
		return pc_fail(err, PC_EINVAL, why, "password");
	return acct_password_make(pw, hash, n, err);
}

enum pc_rc
acct_password_changed(struct db *db, const struct store_user *u,
    const char *event, const char *detail)
{
	char *name = acct_name(u);
	enum pc_rc rc;

	rc = acct_notify(db, NOTIFY_EMAIL, u->email, "password_changed",
	    u->lang, "name", name != NULL ? name : "", NULL);
	if (rc == PC_OK)
		rc = store_audit_printf(db, u->id, event, "%s", detail);
	free(name);
	return rc;
}

/* The account's password again (the lock, and a wrong one counted
 * against it as at sign-in); field names the request member. */
static enum pc_rc
password_confirm(const struct pc_env *e, const struct store_user *u,
    const char *pw, const char *field, int64_t now, struct pc_err *err)
{
	struct db *db = NULL;
	bool ok = false;
	enum pc_rc rc;

	if (u->locked_until > now) {
		err->retry_after = u->locked_until - now;
		return pc_fail(err, PC_ELIMIT, PCE_ACCOUNT_LOCKED, NULL);
	}
	rc = acct_password_check(
	    u->email, u->password_hash, pw != NULL ? pw : "", &ok, err);
	if (rc != PC_OK || ok)
		return rc;
	rc = acct_tx_begin(e, &db);
	if (rc == PC_OK)
		rc = acct_tx_end(e, db, acct_login_failed(e, db, u, field));
	return rc == PC_OK ? pc_fail(err, PC_EAUTH, PCE_PASSWORD_WRONG, field)
	                   : rc;
}

enum pc_rc
acct_reauth(const struct pc_env *e, const char *user_id, const char *pw,
    const char *code, const char *purpose, struct pc_err *err)
{
	struct store_user u;
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	STORE_ONE(rc, e->store, store_user_get(db, user_id, &u));
	if (rc == PC_OK)
		rc = password_confirm(e, &u, pw, "password", clock_now(), err);
	if (rc == PC_OK && u.twofa_enabled) {
		rc = acct_totp_check(e, user_id, purpose, code, err);
		if (rc != PC_OK && err != NULL && err->field != NULL)
			err->field = "code";
	}
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
acct_password_change(const struct pc_env *e, struct acct_session *s,
    const char *cur, const char *pw, const char *pw2, struct pc_err *err)
{
	struct store_user u;
	struct db *db = NULL;
	char hash[256];
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	memset(hash, 0, sizeof(hash));
	/* The current hash, fresh from the database (not the session's). */
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_get(db, s->u.id, &u);
	store_release(e->store, db);
	db = NULL;
	if (rc != PC_OK)
		return rc;
	rc = password_confirm(e, &u, cur, "current_password", now, err);
	if (rc != PC_OK)
		goto out;
	if (pw != NULL && strcmp(pw, cur) == 0) {
		rc = pc_fail(err, PC_EINVAL, PCE_PASSWORD_REUSED, "password");
		goto out;
	}
	rc = acct_password_new(&u, pw, pw2, hash, sizeof(hash), err);
	if (rc != PC_OK)
		goto out;
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_user_set_password(db, u.id, hash);
	/* Other sessions end; this one gets new tokens. */
	if (rc == PC_OK)
		rc = store_session_delete_user(db, u.id, s->s.id_hash);
	if (rc == PC_OK)
		rc = acct_session_rotate(e, db, s, s->s.state);
	if (rc == PC_OK)
		rc = acct_password_changed(
		    db, &u, "password.changed", "other sessions ended");
	rc = acct_tx_end(e, db, rc);
out:
	secret_wipe(hash, sizeof(hash));
	store_user_cleanup(&u);
	return rc;
}

/* ---- recovery ------------------------------------------------------------ */

enum pc_rc
acct_recovery_start(
    const struct pc_env *e, const char *email, struct pc_err *err)
{
	struct store_user u;
	struct store_link l;
	struct db *db = NULL;
	char low[ACCT_EMAIL_MAX + 1], token[ACCT_TOKEN_LEN + 1];
	char *link = NULL, *name = NULL;
	size_t i;
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	if (!acct_email_valid(email)) {
		err->field = "email";
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, NULL);
	}
	for (i = 0; email[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)email[i]);
	low[i] = '\0';
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_get_by_email(db, low, &u);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && strcmp(u.status, USER_STATUS_ACTIVE) != 0)) {
		rc = store_audit_printf(db, "-", "recovery.unknown", "ip=%s",
		    e->ip != NULL ? e->ip : "-");
		goto out; /* same answer: nothing revealed */
	}
	if (rc != PC_OK)
		goto out;
	memset(&l, 0, sizeof(l));
	rc = acct_token_new(token, l.token_hash);
	if (rc != PC_OK)
		goto out;
	snprintf(l.kind, sizeof(l.kind), LINK_RECOVERY);
	snprintf(l.user_id, sizeof(l.user_id), "%s", u.id);
	l.created_at = clock_now();
	l.expires_at = l.created_at + e->conf->account.recovery_ttl_s;
	rc = store_link_insert(db, &l);
	link = acct_link(e, "recover", token);
	name = acct_name(&u);
	if (rc == PC_OK)
		rc = link != NULL && name != NULL
		         ? acct_notify(db, NOTIFY_EMAIL, u.email,
		               "recovery_link", u.lang, "name", name, "link",
		               link, NULL)
		         : PC_ENOMEM;
	if (rc == PC_OK)
		rc = store_audit_printf(db, u.id, "recovery.link_sent", "ip=%s",
		    e->ip != NULL ? e->ip : "-");
out:
	memset(token, 0, sizeof(token));
	free(link);
	free(name);
	store_user_cleanup(&u);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_recovery_get(const struct pc_env *e, const char *token,
    struct acct_recovery *v, struct pc_err *err)
{
	struct store_user u;
	struct store_link l;
	enum pc_rc rc;

	memset(v, 0, sizeof(*v));
	rc = acct_link_state(e, token, LINK_RECOVERY, "recovery_sms", &l, &u,
	    &v->code_sent, &v->code, err);
	if (rc != PC_OK)
		return rc;
	acct_phone_mask(u.phone, v->phone_masked, sizeof(v->phone_masked));
	v->expires_at = l.expires_at;
	v->code_verified = l.verified;
	store_user_cleanup(&u);
	return PC_OK;
}

enum pc_rc
acct_recovery_sms(const struct pc_env *e, const char *token,
    struct acct_code_info *ci, struct pc_err *err)
{
	struct store_user u;
	struct store_link l;
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = acct_link_load(db, token, LINK_RECOVERY, &l, &u, err);
	if (rc == PC_OK && l.verified)
		rc = pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	if (rc == PC_OK)
		rc = acct_code_send(e, db, &u, "recovery_sms", NOTIFY_SMS,
		    u.phone, NULL, "recovery_sms",
		    e->conf->account.sms_code_ttl_s, ci, err);
	store_user_cleanup(&u);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_recovery_code(const struct pc_env *e, const char *token, const char *code,
    struct pc_err *err)
{
	struct store_user u;
	struct db *db = NULL;
	bool fresh;
	enum pc_rc rc;

	rc = acct_link_code(e, token, LINK_RECOVERY, "recovery_sms", code, &db,
	    &u, &fresh, err);
	if (rc != PC_OK)
		return rc;
	store_user_cleanup(&u);
	return acct_tx_end(e, db, PC_OK);
}

enum pc_rc
acct_recovery_password(const struct pc_env *e, const char *token,
    const char *pw, const char *pw2, struct pc_err *err)
{
	struct store_user u;
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_link_password(e, token, LINK_RECOVERY, pw, pw2, &db, &u, err);
	if (rc != PC_OK)
		return rc;
	rc = store_session_delete_user(db, u.id, NULL);
	if (rc == PC_OK)
		rc = acct_password_changed(
		    db, &u, "password.recovered", "every session ended");
	rc = acct_tx_end(e, db, rc);
	store_user_cleanup(&u);
	return rc;
}

/* ---- phone change (resumable: acct_phone_state says where it stands) ---- */

enum pc_rc
acct_phone_state(
    const struct pc_env *e, const struct acct_session *s, struct acct_step *st)
{
	struct db *db = NULL;
	enum pc_rc rc;

	memset(st, 0, sizeof(*st));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	if ((s->s.flags & SESS_F_PHONE_EMAIL) != 0) {
		st->code_sent =
		    acct_code_info_get(db, e, s->u.id, "phone_sms", &st->code);
		st->step = st->code_sent ? "sms_code" : "new_number";
	} else {
		st->code_sent = acct_code_info_get(
		    db, e, s->u.id, "phone_email", &st->code);
		st->step = st->code_sent ? "email_code" : "start";
	}
	store_release(e->store, db);
	return PC_OK;
}

/* ---- phone change -------------------------------------------------------- */

enum pc_rc
acct_phone_email_code(const struct pc_env *e, struct acct_session *s,
    struct acct_code_info *ci, struct pc_err *err)
{
	return acct_code_send_tx(e, &s->u, "phone_email", NOTIFY_EMAIL,
	    s->u.email, NULL, "phone_change_email_code",
	    e->conf->account.phone_code_ttl_s, ci, err);
}

enum pc_rc
acct_phone_email_verify(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc =
	    acct_code_check_tx(e, s->u.id, "phone_email", code, NULL, &db, err);
	if (rc != PC_OK)
		return rc;
	s->s.flags |= SESS_F_PHONE_EMAIL;
	rc = store_session_update(db, &s->s);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_phone_sms_code(const struct pc_env *e, struct acct_session *s,
    const char *phone, struct acct_code_info *ci, struct pc_err *err)
{
	if ((s->s.flags & SESS_F_PHONE_EMAIL) == 0)
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	if (!acct_phone_valid(phone)) {
		err->field = "phone";
		return pc_fail(err, PC_EINVAL, PCE_PHONE_INVALID, NULL);
	}
	return acct_code_send_tx(e, &s->u, "phone_sms", NOTIFY_SMS, phone,
	    phone, "phone_change_sms", e->conf->account.phone_code_ttl_s, ci,
	    err);
}

enum pc_rc
acct_phone_sms_verify(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err)
{
	struct store_code c;
	struct db *db = NULL;
	char masked[32], *name = NULL;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	if ((s->s.flags & SESS_F_PHONE_EMAIL) == 0)
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	rc = acct_code_check_tx(e, s->u.id, "phone_sms", code, &c, &db, err);
	if (rc != PC_OK)
		return rc;
	if (c.target == NULL || !acct_phone_valid(c.target)) {
		rc = PC_EINTERNAL;
		goto out;
	}
	rc = store_user_set_phone(db, s->u.id, c.target, clock_now());
	/* Sign out everywhere, this session too. */
	if (rc == PC_OK)
		rc = store_session_delete_user(db, s->u.id, NULL);
	acct_phone_mask(c.target, masked, sizeof(masked));
	name = acct_name(&s->u);
	if (rc == PC_OK)
		rc = acct_notify(db, NOTIFY_EMAIL, s->u.email, "phone_changed",
		    s->u.lang, "name", name != NULL ? name : "", "phone",
		    masked, NULL);
	if (rc == PC_OK)
		rc = store_audit_printf(
		    db, s->u.id, "phone.changed", "new=%s", masked);
out:
	free(name);
	store_code_cleanup(&c);
	return acct_tx_end(e, db, rc);
}

/* ---- rate limits --------------------------------------------------------- */

enum pc_rc
acct_rate_hit(const struct pc_env *e, const char *key, int64_t window_s,
    int64_t limit, struct pc_err *err)
{
	struct db *db = NULL;
	int64_t now = clock_now(), win, count = 0;
	enum pc_rc rc;

	win = now - now % window_s;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_rate_hit(db, key, win, &count);
	/* Now and then drop old windows. */
	if (rc == PC_OK && count == 1 && now % 64 == 0)
		store_rate_purge(db, now - 86400);
	store_release(e->store, db);
	if (rc != PC_OK)
		return rc;
	if (count > limit) {
		err->retry_after = win + window_s - now;
		return pc_fail(err, PC_ELIMIT, PCE_RATE_LIMITED, NULL);
	}
	return PC_OK;
}
