/*
 * acct_totp.c: pairing the authenticator (J4) and pairing it again (J14),
 * also from the 2FA prompt after an e-mail code. The secrets live in the
 * signer; here we only prove the user (SMS/e-mail codes) and relay.
 */
#include <stdio.h>
#include <string.h>

#include "account/acct_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"

/* May this session pair? */
static bool
may_pair(const struct acct_session *s)
{
	if (strcmp(s->s.state, SESS_PASSWORD_OK) == 0 ||
	    strcmp(s->s.state, SESS_FULL) == 0)
		return true;
	return strcmp(s->s.state, SESS_NEEDS_2FA) == 0 &&
	       (s->s.flags & SESS_F_EMAIL_PROVEN) != 0;
}

enum pc_rc
acct_pairing_state(
    const struct pc_env *e, const struct acct_session *s, struct acct_step *st)
{
	struct store_totp t;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(st, 0, sizeof(*st));
	if (!may_pair(s)) {
		st->step = "not_allowed";
		return PC_OK;
	}
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	memset(&t, 0, sizeof(t));
	rc = store_totp_get(db, s->u.id, &t);
	if (rc == PC_OK && t.pending != NULL)
		/* The secret is made: the QR once, then the first code. */
		st->step = t.qr_served ? "confirm" : "qr";
	else if (rc == PC_OK || rc == PC_ENOTFOUND)
		st->step =
		    acct_code_info_get(db, e, s->u.id, "pairing_sms", &st->code)
		        ? (st->code_sent = true, "code")
		        : "start";
	if (rc == PC_ENOTFOUND)
		rc = PC_OK;
	store_totp_cleanup(&t);
	store_release(e->store, db);
	return rc;
}

enum pc_rc
acct_pairing_start(const struct pc_env *e, struct acct_session *s,
    struct acct_code_info *ci, struct pc_err *err)
{
	if (!may_pair(s))
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	return acct_code_send_tx(e, &s->u, "pairing_sms", NOTIFY_SMS,
	    s->u.phone, NULL,
	    s->u.twofa_enabled ? "totp_reset_sms" : "pairing_sms",
	    e->conf->account.sms_code_ttl_s, ci, err);
}

enum pc_rc
acct_pairing_verify(const struct pc_env *e, struct acct_session *s,
    const char *code, bool installed, struct signer_totp_reply *out,
    struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	if (!may_pair(s))
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	if (!installed) {
		err->field = "installed";
		return pc_fail(err, PC_EINVAL, PCE_INSTALLED_REQUIRED, NULL);
	}
	rc =
	    acct_code_check_tx(e, s->u.id, "pairing_sms", code, NULL, &db, err);
	if (rc != PC_OK)
		return rc;
	/* The code is used up even if the signer fails below. */
	rc = acct_tx_end(e, db, PC_OK);
	if (rc != PC_OK)
		return rc;
	rc = signer_client_totp_begin(e->signer, s->u.id, s->u.email, out);
	if (rc == PC_EUNAVAIL)
		return pc_fail(err, rc, PCE_SIGNER_UNAVAILABLE, NULL);
	return rc;
}

enum pc_rc
acct_pairing_qr(const struct pc_env *e, struct acct_session *s, char *uri,
    size_t n, struct pc_err *err)
{
	struct signer_totp_reply r;
	enum pc_rc rc;

	if (!may_pair(s))
		return pc_fail(err, PC_ESTATE, PCE_QR_GONE, NULL);
	rc = signer_client_totp_qr_uri(e->signer, s->u.id, s->u.email, &r);
	if (rc == PC_EUNAVAIL)
		return pc_fail(err, rc, PCE_SIGNER_UNAVAILABLE, NULL);
	if (rc != PC_OK)
		return rc;
	if (r.result != TOTP_R_OK) {
		secret_wipe(&r, sizeof(r));
		return pc_fail(err, PC_ESTATE, PCE_QR_GONE, NULL);
	}
	snprintf(uri, n, "%s", r.uri);
	secret_wipe(&r, sizeof(r));
	return PC_OK;
}

enum pc_rc
acct_pairing_confirm(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err)
{
	struct signer_totp_reply r;
	struct db *db = NULL;
	enum pc_rc rc;

	if (!may_pair(s))
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	rc = signer_client_totp_confirm(
	    e->signer, s->u.id, code != NULL ? code : "", &r);
	if (rc == PC_EUNAVAIL)
		return pc_fail(err, rc, PCE_SIGNER_UNAVAILABLE, NULL);
	if (rc != PC_OK)
		return rc;
	if (r.result == TOTP_R_NONE)
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	rc = acct_totp_result(&r, err);
	if (rc != PC_OK)
		return rc;
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_set_twofa(db, s->u.id, true, NULL, 0);
	if (rc == PC_OK) {
		/* An elevation: new tokens. */
		s->u.twofa_enabled = true;
		s->s.flags &= ~(int64_t)SESS_F_EMAIL_PROVEN;
		s->s.flags |= SESS_F_TOTP;
		rc = acct_session_rotate(e, db, s, SESS_FULL);
	}
	/* Other sessions signed in with the old secret end (lost phone). */
	if (rc == PC_OK)
		rc = store_session_delete_user(db, s->u.id, s->s.id_hash);
	if (rc == PC_OK)
		rc = store_audit_printf(db, s->u.id, "twofa.paired", "ip=%s",
		    e->ip != NULL ? e->ip : "-");
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_totp_reset_start(const struct pc_env *e, struct acct_session *s,
    struct acct_code_info *ci, struct pc_err *err)
{
	if (strcmp(s->s.state, SESS_NEEDS_2FA) != 0)
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	return acct_code_send_tx(e, &s->u, "reset_email", NOTIFY_EMAIL,
	    s->u.email, NULL, "totp_reset_email_code",
	    e->conf->account.sms_code_ttl_s, ci, err);
}

enum pc_rc
acct_totp_reset_verify(const struct pc_env *e, struct acct_session *s,
    const char *code, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	if (strcmp(s->s.state, SESS_NEEDS_2FA) != 0)
		return pc_fail(err, PC_ESTATE, PCE_STEP_ORDER, NULL);
	rc =
	    acct_code_check_tx(e, s->u.id, "reset_email", code, NULL, &db, err);
	if (rc != PC_OK)
		return rc;
	s->s.flags |= SESS_F_EMAIL_PROVEN;
	rc = store_session_update(db, &s->s);
	if (rc == PC_OK)
		rc = store_audit_printf(
		    db, s->u.id, "twofa.reset_email_ok", "-");
	return acct_tx_end(e, db, rc);
}
