/*
 * acct_register.c: J1 registration and J2 activation (invitation link,
 * phone validation by SMS code, password).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/acct_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "base/text.h"
#include "base/rnd.h"

#define LINK_INVITATION "invitation"

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A new invitation link for u, e-mailed. */
static enum pc_rc
invite(const struct pc_env *e, struct db *db, const struct store_user *u)
{
	struct store_link l;
	char token[ACCT_TOKEN_LEN + 1], *link = NULL, *name = NULL;
	enum pc_rc rc;

	memset(&l, 0, sizeof(l));
	rc = acct_token_new(token, l.token_hash);
	if (rc != PC_OK)
		return rc;
	snprintf(l.kind, sizeof(l.kind), LINK_INVITATION);
	snprintf(l.user_id, sizeof(l.user_id), "%s", u->id);
	l.created_at = clock_now();
	l.expires_at = l.created_at + e->conf->account.invitation_ttl_s;
	rc = store_link_insert(db, &l);
	if (rc != PC_OK)
		goto out;
	link = acct_link(e, "activate", token);
	name = acct_name(u);
	if (link == NULL || name == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = acct_notify(db, NOTIFY_EMAIL, u->email, "invitation", u->lang,
	    "name", name, "link", link, NULL);
out:
	free(link);
	free(name);
	memset(token, 0, sizeof(token));
	return rc;
}

enum pc_rc
acct_register(const struct pc_env *e, const struct acct_register_req *r,
    struct pc_err *err)
{
	struct store_user u, old;
	struct db *db = NULL;
	char email[ACCT_EMAIL_MAX + 1], *link = NULL, *name = NULL;
	char given[TEXT_NAME_MAX_BYTES], surname[TEXT_NAME_MAX_BYTES];
	char phone[32], lang[3]; /* acct_phone_valid: E.164, at most 16 */
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	memset(&old, 0, sizeof(old));
	/* One rule for names, the form's too (base/text.h): letters, spaces,
	 * hyphens, apostrophes; NFC; ş/ţ become ș/ț. */
	if (text_name_normalize(r->given_name, given, sizeof(given)) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_NAME_INVALID, "given_name");
	if (text_name_normalize(r->surname, surname, sizeof(surname)) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_NAME_INVALID, "surname");
	if (!acct_email_valid(r->email))
		return pc_fail(err, PC_EINVAL, PCE_EMAIL_INVALID, "email");
	if (!acct_phone_valid(r->phone))
		return pc_fail(err, PC_EINVAL, PCE_PHONE_INVALID, "phone");
	if (!r->privacy_consent)
		return pc_fail(
		    err, PC_EINVAL, PCE_CONSENT_REQUIRED, "privacy_consent");
	/* The version accepted is the one in force: a page showing an
	 * older one is asked to reload. */
	if (r->privacy_version != NULL && r->privacy_version[0] != '\0' &&
	    !acct_consent_current(e->conf, "privacy", r->privacy_version))
		return pc_fail(
		    err, PC_EINVAL, PCE_CONSENT_UNKNOWN, "privacy_version");
	if (r->lang != NULL && r->lang[0] != '\0' &&
	    strcmp(r->lang, "ro") != 0 && strcmp(r->lang, "en") != 0)
		return pc_fail(err, PC_EINVAL, PCE_LANG_INVALID, "lang");
	snprintf(email, sizeof(email), "%s", r->email);
	lower(email);
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_get_by_email(db, email, &old);
	if (rc == PC_OK && strcmp(old.status, USER_STATUS_INVITED) == 0) {
		/* Not activated yet: a fresh invitation, same answer. */
		rc = invite(e, db, &old);
		if (rc == PC_OK)
			rc = store_audit_printf(
			    db, old.id, "account.reinvited", "-");
		goto out;
	}
	if (rc == PC_OK) {
		/* Never a second account; say so only by e-mail. */
		link = acct_link(e, "signin", "");
		name = acct_name(&old);
		rc = link != NULL && name != NULL
		         ? acct_notify(db, NOTIFY_EMAIL, old.email,
		               "already_registered", old.lang, "name", name,
		               "link", link, NULL)
		         : PC_ENOMEM;
		if (rc == PC_OK)
			rc = store_audit_printf(db, old.id,
			    "account.register_again",
			    "an already-registered e-mail was sent");
		goto out;
	}
	if (rc != PC_ENOTFOUND)
		goto out;
	rc = rnd_hex(STORE_ID_LEN / 2, u.id);
	if (rc != PC_OK)
		goto out;
	u.email = email;
	u.given_name = given;
	u.surname = surname;
	snprintf(phone, sizeof(phone), "%s", r->phone);
	snprintf(lang, sizeof(lang), "%s",
	    r->lang != NULL && strcmp(r->lang, "en") == 0 ? "en" : "ro");
	u.phone = phone;
	u.lang = lang;
	u.status = USER_STATUS_INVITED;
	u.created_at = clock_now();
	rc = store_user_insert(db, &u);
	if (rc == PC_OK)
		rc = store_consent_insert(db, u.id, "privacy",
		    acct_consent_version(e->conf, "privacy"), u.created_at,
		    e->ip);
	if (rc == PC_OK)
		rc = invite(e, db, &u);
	if (rc == PC_OK)
		rc = store_audit_printf(db, u.id, "account.registered",
		    "ip=%s consent=privacy", e->ip != NULL ? e->ip : "-");
out:
	free(link);
	free(name);
	store_user_cleanup(&old);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_link_load(struct db *db, const char *token, const char *kind,
    struct store_link *l, struct store_user *u, struct pc_err *err)
{
	char hash[STORE_HASH_LEN + 1];
	enum pc_rc rc;

	memset(u, 0, sizeof(*u));
	if (acct_token_hash(token, hash) != PC_OK)
		return pc_fail(err, PC_ENOTFOUND, PCE_LINK_INVALID, NULL);
	rc = store_link_get(db, hash, l);
	if (rc == PC_ENOTFOUND || (rc == PC_OK && strcmp(l->kind, kind) != 0))
		return pc_fail(err, PC_ENOTFOUND, PCE_LINK_INVALID, NULL);
	if (rc != PC_OK)
		return rc;
	if (l->used_at != 0)
		return pc_fail(err, PC_ESTATE, PCE_LINK_USED, NULL);
	if (clock_now() >= l->expires_at)
		return pc_fail(err, PC_ESTATE, PCE_LINK_EXPIRED, NULL);
	rc = store_user_get(db, l->user_id, u);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, PC_ENOTFOUND, PCE_LINK_INVALID, NULL);
	return rc;
}

enum pc_rc
acct_link_state(const struct pc_env *e, const char *token, const char *kind,
    const char *purpose, struct store_link *l, struct store_user *u, bool *sent,
    struct acct_code_info *ci, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	memset(u, 0, sizeof(*u));
	*sent = false;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = acct_link_load(db, token, kind, l, u, err);
	/* Reopened after the SMS: the code step resumes with its timers. */
	if (rc == PC_OK && !l->verified && purpose != NULL)
		*sent = acct_code_info_get(db, e, u->id, purpose, ci);
	store_release(e->store, db);
	if (rc != PC_OK)
		store_user_cleanup(u);
	return rc;
}

enum pc_rc
acct_link_code(const struct pc_env *e, const char *token, const char *kind,
    const char *purpose, const char *code, struct db **db, struct store_user *u,
    bool *fresh, struct pc_err *err)
{
	struct store_link l;
	bool counted = false;
	enum pc_rc rc;

	*fresh = false;
	rc = acct_tx_begin(e, db);
	if (rc != PC_OK)
		return rc;
	rc = acct_link_load(*db, token, kind, &l, u, err);
	if (rc == PC_OK && !l.verified) {
		rc = acct_code_verify(
		    *db, u->id, purpose, code, NULL, &counted, err);
		if (rc == PC_OK)
			rc = store_link_set_verified(*db, l.token_hash);
		*fresh = rc == PC_OK;
	}
	if (rc != PC_OK) {
		store_user_cleanup(u);
		acct_tx_end_refused(e, *db, rc, counted);
		*db = NULL;
	}
	return rc;
}

enum pc_rc
acct_link_password(const struct pc_env *e, const char *token, const char *kind,
    const char *pw, const char *pw2, struct db **db, struct store_user *u,
    struct pc_err *err)
{
	struct store_link l;
	char hash[256];
	bool sent;
	enum pc_rc rc;

	*db = NULL;
	memset(hash, 0, sizeof(hash));
	/* Checks and the hash first, outside any transaction. */
	rc = acct_link_state(e, token, kind, NULL, &l, u, &sent, NULL, err);
	if (rc == PC_OK && !l.verified)
		rc = pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	if (rc == PC_OK)
		rc = acct_password_new(u, pw, pw2, hash, sizeof(hash), err);
	/* A short write; a conditional update: the link is used once. */
	if (rc == PC_OK)
		rc = acct_tx_begin(e, db);
	if (rc == PC_OK) {
		rc = store_link_use(*db, l.token_hash, clock_now());
		if (rc == PC_ESTATE)
			rc = pc_fail(err, PC_ESTATE, PCE_LINK_USED, NULL);
	}
	if (rc == PC_OK)
		rc = store_user_set_password(*db, u->id, hash);
	secret_wipe(hash, sizeof(hash));
	if (rc != PC_OK) {
		acct_tx_end(e, *db, rc);
		*db = NULL;
		store_user_cleanup(u);
	}
	return rc;
}

enum pc_rc
acct_activation_get(const struct pc_env *e, const char *token,
    struct acct_activation *a, struct pc_err *err)
{
	struct store_user u;
	struct store_link l;
	enum pc_rc rc;

	memset(a, 0, sizeof(*a));
	rc = acct_link_state(e, token, LINK_INVITATION, "activation_sms", &l,
	    &u, &a->code_sent, &a->code, err);
	if (rc != PC_OK)
		return rc;
	a->given_name = u.given_name;
	a->surname = u.surname;
	a->email = u.email;
	u.given_name = u.surname = u.email = NULL;
	acct_phone_mask(u.phone, a->phone_masked, sizeof(a->phone_masked));
	a->phone_verified = l.verified;
	a->expires_at = l.expires_at;
	store_user_cleanup(&u);
	return PC_OK;
}

void
acct_activation_cleanup(struct acct_activation *a)
{
	if (a == NULL)
		return;
	free(a->given_name);
	free(a->surname);
	free(a->email);
	memset(a, 0, sizeof(*a));
}

enum pc_rc
acct_activation_phone(const struct pc_env *e, const char *token,
    const char *phone, bool change, struct acct_code_info *ci,
    struct pc_err *err)
{
	struct store_user u;
	struct store_link l;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	if (!acct_phone_valid(phone)) {
		err->field = "phone";
		return pc_fail(err, PC_EINVAL, PCE_PHONE_INVALID, NULL);
	}
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = acct_link_load(db, token, LINK_INVITATION, &l, &u, err);
	if (rc != PC_OK)
		goto out;
	if (l.verified) {
		rc = pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
		goto out;
	}
	if (strcmp(u.phone, phone) != 0) {
		if (!change) {
			err->field = "phone";
			rc = pc_fail(err, PC_EINVAL, PCE_PHONE_MISMATCH, NULL);
			goto out;
		}
		rc = store_user_set_phone(db, u.id, phone, 0);
		if (rc != PC_OK)
			goto out;
		free(u.phone);
		u.phone = strdup(phone);
		if (u.phone == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
	}
	rc = acct_code_send(e, db, &u, "activation_sms", NOTIFY_SMS, u.phone,
	    NULL, "activation_sms", e->conf->account.sms_code_ttl_s, ci, err);
out:
	store_user_cleanup(&u);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_activation_code(const struct pc_env *e, const char *token,
    const char *code, struct pc_err *err)
{
	struct store_user u;
	struct db *db = NULL;
	bool fresh;
	enum pc_rc rc;

	rc = acct_link_code(e, token, LINK_INVITATION, "activation_sms", code,
	    &db, &u, &fresh, err);
	if (rc != PC_OK)
		return rc;
	/* Verified before: nothing more (idempotent). */
	if (fresh)
		rc = store_user_set_phone(db, u.id, u.phone, clock_now());
	if (fresh && rc == PC_OK)
		rc =
		    store_audit_printf(db, u.id, "account.phone_verified", "-");
	store_user_cleanup(&u);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_activation_password(const struct pc_env *e, const char *token,
    const char *pw, const char *pw2, char *email_out, size_t email_n,
    struct pc_err *err)
{
	struct store_user u;
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_link_password(
	    e, token, LINK_INVITATION, pw, pw2, &db, &u, err);
	if (rc != PC_OK)
		return rc;
	rc = store_user_set_status(db, u.id, USER_STATUS_ACTIVE);
	if (rc == PC_OK)
		rc = store_audit_printf(db, u.id, "account.activated", "-");
	rc = acct_tx_end(e, db, rc);
	if (rc == PC_OK)
		snprintf(email_out, email_n, "%s", u.email);
	store_user_cleanup(&u);
	return rc;
}
