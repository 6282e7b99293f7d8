/*
 * lifecycle.c: suspension, resumption and revocation of a holder's
 * certificates, by the holder (Settings) or an operator (RA console).
 *
 * Order of every action: find the holder's certificates and check their
 * state (a refusal changes nothing and uses no TOTP code), check the TOTP
 * code in the signer when the action needs one, change the certificates
 * (each change one transaction with its new CRL: pki_crl.c), then one
 * transaction with the audit record and the e-mail to the holder.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "lifecycle/lifecycle.h"
#include "notify/notify.h"
#include "pki/pki.h"
#include "store/store_account.h"
#include "store/store_credential.h"

#define REASON_HOLD 6 /* certificateHold */
#define RELEASE (-1)  /* take off hold */

enum cert_st { ST_NONE, ST_GOOD, ST_HOLD, ST_REVOKED };

/* A holder's certificates. */
struct group {
	char holder[STORE_HOLDER_MAX + 1];
	char sign[STORE_SERIAL_MAX + 1], auth[STORE_SERIAL_MAX + 1];
	enum cert_st sign_st, auth_st;
	int64_t not_after; /* the signing certificate's */
	bool named_auth;   /* the serial named was the authentication one */
};

/* The reasons a holder may give (the rest are the CA's to say). */
static const char *const holder_reasons[] = {
	"unspecified",
	"keyCompromise",
	"affiliationChanged",
	"superseded",
	"cessationOfOperation",
};

static enum cert_st
cert_st(const struct store_cert *c)
{
	if (c->status != CERT_REVOKED)
		return ST_GOOD;
	return c->reason == REASON_HOLD ? ST_HOLD : ST_REVOKED;
}

static enum pc_rc
group_one(void *arg, const struct store_cert *c)
{
	struct group *g = arg;

	if (strcmp(c->kind, CERT_KIND_SIGN) == 0) {
		snprintf(g->sign, sizeof(g->sign), "%s", c->serial);
		g->sign_st = cert_st(c);
		g->not_after = c->not_after;
	} else if (strcmp(c->kind, CERT_KIND_AUTH) == 0) {
		snprintf(g->auth, sizeof(g->auth), "%s", c->serial);
		g->auth_st = cert_st(c);
	}
	return PC_OK;
}

struct pick {
	const char *serial;
	char holder[STORE_HOLDER_MAX + 1];
	bool auth;
};

static enum pc_rc
pick_one(void *arg, const struct store_cert *c)
{
	struct pick *p = arg;

	if (strcmp(c->serial, p->serial) == 0 && c->holder != NULL) {
		snprintf(p->holder, sizeof(p->holder), "%s", c->holder);
		p->auth = strcmp(c->kind, CERT_KIND_AUTH) == 0;
	}
	return PC_OK;
}

/*
 * The certificates of the holder of serial: among the account's when
 * user_id is set, else any holder's (an operator). PC_ENOTFOUND with
 * cert_not_found otherwise.
 */
static enum pc_rc
group_load(const struct pc_env *e, const char *user_id, const char *serial,
    struct group *g, struct pc_err *err)
{
	struct pick p;
	struct store_cert c;
	struct db *db = NULL;
	char sn[STORE_SERIAL_MAX + 1];
	enum pc_rc rc;

	memset(g, 0, sizeof(*g));
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	if (serial == NULL || pki_serial_norm(serial, sn, sizeof(sn)) != PC_OK)
		return pc_fail(err, PC_ENOTFOUND, PCE_CERT_NOT_FOUND, "serial");
	p.serial = sn;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	if (user_id != NULL) {
		rc = store_cert_each_of_user(db, user_id, pick_one, &p);
	} else {
		rc = store_cert_get(db, sn, &c);
		if (rc == PC_OK)
			rc = pick_one(&p, &c);
		if (rc == PC_ENOTFOUND)
			rc = PC_OK;
	}
	if (rc == PC_OK && p.holder[0] != '\0')
		rc = store_cert_each_of_holder(db, p.holder, group_one, g);
	store_release(e->store, db);
	store_cert_cleanup(&c);
	if (rc != PC_OK)
		return rc;
	if (p.holder[0] == '\0' || g->sign[0] == '\0')
		return pc_fail(err, PC_ENOTFOUND, PCE_CERT_NOT_FOUND, "serial");
	snprintf(g->holder, sizeof(g->holder), "%s", p.holder);
	g->named_auth = p.auth;
	return PC_OK;
}

/* Move one certificate to op (a reason, or RELEASE) when it needs it. */
static enum pc_rc
change(const struct pc_env *e, const char *serial, enum cert_st st, int op)
{
	if (serial[0] == '\0')
		return PC_OK;
	if (op == RELEASE)
		return st == ST_HOLD ? pki_cert_release(e->pki, serial) : PC_OK;
	if (op == REASON_HOLD)
		return st == ST_GOOD ? pki_cert_revoke(e->pki, serial, op)
		                     : PC_OK;
	return st == ST_REVOKED ? PC_OK : pki_cert_revoke(e->pki, serial, op);
}

/* The signing certificate (unless skipped), then the authentication one. */
static enum pc_rc
apply(const struct pc_env *e, const struct group *g, int op, bool sign)
{
	enum pc_rc rc = PC_OK;

	if (sign)
		rc = change(e, g->sign, g->sign_st, op);
	if (rc == PC_OK)
		rc = change(e, g->auth, g->auth_st, op);
	if (rc != PC_OK)
		log_warnx("req=%s lifecycle: %s of holder %s failed (%s)",
		    e->req_id != NULL ? e->req_id : "-",
		    op == RELEASE ? "release" : pki_reason_name(op), g->holder,
		    pc_rc_str(rc));
	return rc;
}

/*
 * The audit record of the action and the e-mail to the account of the
 * signing certificate (none for a credential with no account), in one
 * transaction.
 */
static enum pc_rc
tell(const struct pc_env *e, const struct group *g, const char *event,
    const char *tmpl, const char *reason, const char *note)
{
	struct store_credential cr;
	struct store_user u;
	struct db *db = NULL;
	const char *named = g->named_auth ? g->auth : g->sign;
	char who[300], link[600];
	json_t *vars = NULL;
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_audit_printf(db, e->actor, event,
	    "serial=%s sign=%s auth=%s reason=%s note=%s", named, g->sign,
	    g->auth[0] != '\0' ? g->auth : "-", reason != NULL ? reason : "-",
	    note != NULL ? note : "-");
	if (rc == PC_OK)
		rc = store_credential_get(db, g->sign, &cr);
	if (rc == PC_OK && cr.user_id[0] != '\0')
		rc = store_user_get(db, cr.user_id, &u);
	else if (rc == PC_OK || rc == PC_ENOTFOUND) {
		rc = PC_OK; /* issued from the CLI: nobody to tell */
		goto out;
	}
	if (rc == PC_OK) {
		snprintf(who, sizeof(who), "%s %s", u.given_name, u.surname);
		snprintf(link, sizeof(link), "%s/settings",
		    e->conf->server.public_url);
		vars = json_pack("{s:s,s:s,s:s,s:s}", "name", who, "serial",
		    named, "link", link, "reason",
		    reason != NULL ? reason : "unspecified");
		rc = vars != NULL ? notify_enqueue(db, NOTIFY_EMAIL, u.email,
		                        tmpl, u.lang, vars, NULL)
		                  : PC_ENOMEM;
	}
out:
	rc = store_write_end(e->store, db, rc);
	json_decref(vars);
	store_user_cleanup(&u);
	return rc;
}

static bool
expired(const struct group *g)
{
	return clock_now() >= g->not_after;
}

/* Both revoked for good (a revocation cut short is finished on retry). */
static bool
all_revoked(const struct group *g)
{
	return g->sign_st == ST_REVOKED &&
	       (g->auth[0] == '\0' || g->auth_st == ST_REVOKED);
}

enum pc_rc
lifecycle_suspend(const struct pc_env *e, const char *user_id,
    const char *serial, bool confirm, struct pc_err *err)
{
	struct group g;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && user_id != NULL, PC_EINTERNAL);
	if (!confirm)
		return pc_fail(err, PC_EINVAL, PCE_CONFIRM_REQUIRED, "confirm");
	rc = group_load(e, user_id, serial, &g, err);
	if (rc != PC_OK)
		return rc;
	if (g.sign_st != ST_GOOD || expired(&g))
		return pc_fail(err, PC_ESTATE, PCE_CERT_STATE, NULL);
	rc = apply(e, &g, REASON_HOLD, true);
	if (rc == PC_OK)
		rc = tell(e, &g, "cert.suspend", "cert_suspended", NULL, NULL);
	return rc;
}

enum pc_rc
lifecycle_resume(const struct pc_env *e, const char *user_id,
    const char *serial, const char *code, struct pc_err *err)
{
	struct group g;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && user_id != NULL, PC_EINTERNAL);
	rc = group_load(e, user_id, serial, &g, err);
	if (rc != PC_OK)
		return rc;
	if (g.sign_st != ST_HOLD || expired(&g))
		return pc_fail(err, PC_ESTATE, PCE_CERT_STATE, NULL);
	rc = acct_totp_check(e, user_id, "resume", code, err);
	if (rc == PC_OK)
		rc = apply(e, &g, RELEASE, true);
	if (rc == PC_OK)
		rc = tell(e, &g, "cert.resume", "cert_resumed", NULL, NULL);
	return rc;
}

enum pc_rc
lifecycle_revoke(const struct pc_env *e, const char *user_id,
    const char *serial, const char *code, bool confirm, const char *reason,
    struct pc_err *err)
{
	struct group g;
	size_t i;
	int op = -1;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && user_id != NULL, PC_EINTERNAL);
	if (!confirm)
		return pc_fail(err, PC_EINVAL, PCE_CONFIRM_REQUIRED, "confirm");
	if (reason == NULL)
		reason = "unspecified";
	for (i = 0; i < PC_ARRAY_LEN(holder_reasons); i++)
		if (strcmp(reason, holder_reasons[i]) == 0)
			op = pki_reason_from_name(reason);
	if (op < 0)
		return pc_fail(err, PC_EINVAL, PCE_REASON_INVALID, "reason");
	rc = group_load(e, user_id, serial, &g, err);
	if (rc != PC_OK)
		return rc;
	if (all_revoked(&g) || expired(&g))
		return pc_fail(err, PC_ESTATE, PCE_CERT_STATE, NULL);
	rc = acct_totp_check(e, user_id, "revoke", code, err);
	if (rc == PC_OK)
		rc = apply(e, &g, op, true);
	if (rc == PC_OK)
		rc = tell(e, &g, "cert.revoke", "cert_revoked", reason, NULL);
	return rc;
}

enum pc_rc
lifecycle_ra_revoke(const struct pc_env *e, const char *serial,
    const char *reason, const char *note, struct pc_err *err)
{
	struct group g;
	int op;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL, PC_EINTERNAL);
	/* No hold: the holder could lift it with a code (lifecycle_resume). */
	op = pki_reason_from_name(reason);
	if (op < 0 || op == REASON_HOLD)
		return pc_fail(err, PC_EINVAL, PCE_REASON_INVALID, "reason");
	rc = group_load(e, NULL, serial, &g, err);
	if (rc != PC_OK)
		return rc;
	if (g.named_auth ? g.auth_st == ST_REVOKED : all_revoked(&g))
		return pc_fail(err, PC_ESTATE, PCE_CERT_STATE, NULL);
	/* The signing certificate takes the authentication one with it. */
	rc = apply(e, &g, op, !g.named_auth);
	if (rc == PC_OK)
		rc = tell(e, &g, "ra.cert.revoke", "cert_revoked",
		    pki_reason_name(op), note);
	return rc;
}
