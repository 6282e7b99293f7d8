/*
 * issuance.c: the certificates of an account at its first sign-in after
 * identification (J8); see issuance.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "issuance/issuance.h"
#include "issuance/issuance_int.h"
#include "legal/legal.h"
#include "notify/notify.h"
#include "pki/pki.h"
#include "ra/ra.h"
#include "shop/shop.h"
#include "signer/signer.h"
#include "signing/documents.h"
#include "signing/signing.h"
#include "store/store_account.h"
#include "store/store_documents.h"
#include "vault/vault.h"

void
issuance_status_cleanup(struct issuance_status *s)
{
	if (s == NULL)
		return;
	store_order_cleanup(&s->order);
	free(s->identity);
	memset(s, 0, sizeof(*s));
}

/* The sign certificate's end and the auth serial of cred's holder. */
struct holder_certs {
	const char *holder;
	struct issuance_status *out;
};

static enum pc_rc
holder_cert(void *arg, const struct store_cert *c)
{
	struct holder_certs *h = arg;

	if (c->holder == NULL || strcmp(c->holder, h->holder) != 0)
		return PC_OK;
	if (strcmp(c->kind, CERT_KIND_SIGN) == 0)
		h->out->not_after = c->not_after;
	else if (h->out->auth_serial[0] == '\0')
		snprintf(h->out->auth_serial, sizeof(h->out->auth_serial), "%s",
		    c->serial);
	return PC_OK;
}

/* The newest signing certificate of the account, whatever its end. */
static enum pc_rc
newest_sign(void *arg, const struct store_cert *c)
{
	struct issuance_status *out = arg;

	if (c->kind == NULL || strcmp(c->kind, CERT_KIND_SIGN) != 0 ||
	    c->not_after <= out->not_after)
		return PC_OK;
	out->not_after = c->not_after;
	snprintf(out->cred.serial, sizeof(out->cred.serial), "%s", c->serial);
	return PC_OK;
}

/*
 * No valid credential and no order waiting: when the account had a
 * signing certificate, it ended (ISSUANCE_EXPIRED, with its serial, end
 * and what was left); else nothing was bought (ISSUANCE_NONE).
 */
static enum pc_rc
status_ended(
    const struct pc_env *e, const char *user_id, struct issuance_status *out)
{
	struct store_credential cr;
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_cert_each_of_user(db, user_id, newest_sign, out);
	if (rc == PC_OK && out->cred.serial[0] != '\0') {
		out->state = ISSUANCE_EXPIRED;
		memset(&cr, 0, sizeof(cr));
		if (store_credential_get(db, out->cred.serial, &cr) == PC_OK)
			out->cred = cr;
	}
	store_release(e->store, db);
	return rc;
}

/* Issued already: ISSUANCE_ISSUED, or ISSUANCE_TERMS while the terms
 * signed with this credential are missing. */
static enum pc_rc
status_issued(struct db *db, const char *user_id, struct issuance_status *out)
{
	struct store_document d;
	struct holder_certs h = { out->cred.holder, out };
	enum pc_rc rc;

	memset(&d, 0, sizeof(d));
	rc = store_document_latest(db, user_id, STORE_DOC_TERMS, &d);
	out->state = rc == PC_OK && strcmp(d.credential, out->cred.serial) == 0
	                 ? ISSUANCE_ISSUED
	                 : ISSUANCE_TERMS;
	store_document_cleanup(&d);
	if (rc != PC_OK && rc != PC_ENOTFOUND)
		return rc;
	return store_cert_each_of_user(db, user_id, holder_cert, &h);
}

enum pc_rc
issuance_status(
    const struct pc_env *e, const char *user_id, struct issuance_status *out)
{
	struct ra_status rs;
	struct store_user u;
	struct store_package pkg;
	struct db *db = NULL;
	const char *v;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	memset(&pkg, 0, sizeof(pkg));
	out->state = ISSUANCE_NONE;
	v = legal_version(e->conf, LEGAL_TERMS);
	snprintf(out->terms_version, sizeof(out->terms_version), "%s",
	    v != NULL ? v : "");
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_credential_of_user(db, user_id, clock_now(), &out->cred);
	if (rc == PC_OK)
		rc = status_issued(db, user_id, out);
	else if (rc == PC_ENOTFOUND)
		rc = store_user_get(db, user_id, &u);
	store_release(e->store, db);
	db = NULL;
	if (rc != PC_OK || strcmp(out->state, ISSUANCE_NONE) != 0)
		goto out;
	rc = ra_status(e, user_id, &rs);
	if (rc != PC_OK)
		goto out;
	out->order = rs.order;
	memset(&rs.order, 0, sizeof(rs.order));
	if (out->order.id[0] == '\0') {
		rc = status_ended(e, user_id, out);
		goto done;
	}
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_shop_package_get(db, out->order.package, &pkg);
	store_release(e->store, db);
	if (rc != PC_OK)
		goto done;
	out->years = pkg.years;
	out->transactions = pkg.transactions;
	snprintf(out->package_name, sizeof(out->package_name), "%s",
	    pkg.name != NULL ? pkg.name : pkg.code);
	out->state = ISSUANCE_IDENTIFICATION;
	if (rs.c.id[0] == '\0' || strcmp(rs.c.state, RA_ACCEPTED) != 0 ||
	    rs.c.identity == NULL)
		goto done;
	out->identity = strdup(rs.c.identity);
	if (out->identity == NULL) {
		rc = PC_ENOMEM;
		goto done;
	}
	snprintf(out->phone, sizeof(out->phone), "%s",
	    rs.c.phone != NULL ? rs.c.phone : "");
	out->phone_question = rs.c.phone_changed &&
	                      rs.c.phone_decision[0] == '\0' &&
	                      strcmp(out->phone, u.phone) != 0;
	out->state = u.twofa_enabled ? ISSUANCE_READY : ISSUANCE_TOTP;
done:
	ra_status_cleanup(&rs);
out:
	store_user_cleanup(&u);
	store_package_cleanup(&pkg);
	if (rc != PC_OK)
		issuance_status_cleanup(out);
	return rc;
}

enum pc_rc
issuance_phone(const struct pc_env *e, const char *user_id, bool associate,
    struct pc_err *err)
{
	struct issuance_status st;
	struct ra_status rs;
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	rc = issuance_status(e, user_id, &st);
	if (rc != PC_OK)
		return rc;
	if (!st.phone_question) {
		issuance_status_cleanup(&st);
		return pc_fail(err, PC_ESTATE, PCE_ISSUANCE_NOT_READY, NULL);
	}
	rc = ra_status(e, user_id, &rs);
	if (rc != PC_OK)
		goto out;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_phone_decide(
		    db, rs.c.id, associate ? "associate" : "keep", now);
	if (rc == PC_OK && associate)
		rc = store_user_set_phone(db, user_id, st.phone, now);
	if (rc == PC_OK)
		rc = store_audit_append(db, user_id, "issuance.phone",
		    associate ? "decision=associate" : "decision=keep");
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE)
		rc = pc_fail(err, PC_ESTATE, PCE_ISSUANCE_NOT_READY, NULL);
	ra_status_cleanup(&rs);
out:
	issuance_status_cleanup(&st);
	return rc;
}

/* ---- issuing ---------------------------------------------------------------
 */

/* The identity JSON confirmed by the operator as the request's subject. */
static enum pc_rc
person_from(const char *identity, struct signer_issue_req *q, char *idnum,
    size_t n, json_t **keep)
{
	json_t *j = json_loads(identity, 0, NULL);
	const char *cnp, *doc, *series, *number, *country;

	if (j == NULL)
		return PC_EINVAL;
	q->given_name = json_string_value(json_object_get(j, "given_name"));
	q->surname = json_string_value(json_object_get(j, "surname"));
	cnp = json_string_value(json_object_get(j, "cnp"));
	doc = json_string_value(json_object_get(j, "doc_type"));
	series = json_string_value(json_object_get(j, "doc_series"));
	number = json_string_value(json_object_get(j, "doc_number"));
	country = json_string_value(json_object_get(j, "country"));
	q->country = country != NULL && country[0] ? country : "RO";
	if (cnp != NULL && cnp[0] != '\0') {
		q->id_type = PKI_ID_PNO;
		snprintf(idnum, n, "%s", cnp);
	} else {
		q->id_type = doc != NULL && strcmp(doc, RA_DOC_PASSPORT) == 0
		                 ? PKI_ID_PAS
		                 : PKI_ID_IDC;
		snprintf(idnum, n, "%s%s", series != NULL ? series : "",
		    number != NULL ? number : "");
	}
	q->id_number = idnum;
	*keep = j;
	return q->given_name != NULL && q->surname != NULL && idnum[0] != '\0'
	           ? PC_OK
	           : PC_EINVAL;
}

/* ISSUE_USER through the signer; the grant into grant. */
static enum pc_rc
issue(const struct pc_env *e, const char *user_id,
    const struct issuance_status *st, const char *code, const char *renewal,
    struct signer_issue_reply *rep, struct pc_err *err)
{
	struct signer_issue_req q;
	struct store_user u;
	json_t *j = NULL;
	char idnum[40];
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	memset(&u, 0, sizeof(u));
	STORE_ONE(rc, e->store, store_user_get(db, user_id, &u));
	if (rc != PC_OK)
		return rc;
	if (person_from(st->identity, &q, idnum, sizeof(idnum), &j) != PC_OK) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDENTITY_INVALID, NULL);
		goto out;
	}
	q.user = user_id;
	q.sad = code;
	q.renewal = renewal;
	q.email = u.email;
	q.years = (int)st->years;
	q.key = HSM_KEY_RSA3072;
	q.transactions = (uint32_t)st->transactions;
	rc = signer_client_issue_user(e->signer, &q, rep);
	if (rc == PC_EINVAL) /* a name longer than a certificate holds */
		rc = pc_fail(err, PC_ESTATE, PCE_IDENTITY_INVALID, NULL);
	else if (rc != PC_OK)
		rc = pc_fail(err, PC_EUNAVAIL, PCE_SIGNER_UNAVAILABLE, NULL);
	else if (rep->result != USER_R_OK)
		rc = signing_refusal(rep->result, rep->retry_after, err);
out:
	json_decref(j);
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
issuance_run(const struct pc_env *e, const char *user_id, const char *code,
    struct issuance_status *out, struct pc_err *err)
{
	struct issuance_status st;
	struct signer_issue_reply rep;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&rep, 0, sizeof(rep));
	if (code == NULL || code[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "code");
	rc = issuance_status(e, user_id, &st);
	if (rc != PC_OK)
		return rc;
	if (strcmp(st.state, ISSUANCE_ISSUED) == 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_CREDENTIAL_EXISTS, NULL);
	} else if (strcmp(st.state, ISSUANCE_TERMS) == 0) {
		/* Issued before; the terms still to sign, with this code. */
		rc = issuance_terms_sign(
		    e, user_id, &st, st.cred.serial, code, err);
	} else if (strcmp(st.state, ISSUANCE_TOTP) == 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_TOTP_NOT_ENABLED, NULL);
	} else if (strcmp(st.state, ISSUANCE_READY) != 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_ISSUANCE_NOT_READY, NULL);
	} else if (st.phone_question) {
		rc = pc_fail(err, PC_ESTATE, PCE_PHONE_DECISION_REQUIRED, NULL);
	} else {
		rc = issue(e, user_id, &st, code, NULL, &rep, err);
		if (rc == PC_OK)
			rc = issuance_terms_sign(
			    e, user_id, &st, rep.sign_serial, rep.grant, err);
	}
	secret_wipe(rep.grant, sizeof(rep.grant));
	issuance_status_cleanup(&st);
	/* The request's member is "code". */
	if (rc != PC_OK && err != NULL && err->field != NULL &&
	    strcmp(err->field, "sad") == 0)
		err->field = "code";
	if (rc == PC_OK)
		rc = issuance_status(e, user_id, out);
	return rc;
}

enum pc_rc
issuance_renew(const struct pc_env *e, const char *user_id,
    const char *renewal_id, const char *order_id, const char *identity,
    struct pc_err *err)
{
	struct issuance_status st;
	struct signer_issue_reply rep;
	struct store_package pkg;
	struct db *db = NULL;
	const char *v = legal_version(e->conf, LEGAL_TERMS);
	enum pc_rc rc;

	memset(&st, 0, sizeof(st));
	memset(&rep, 0, sizeof(rep));
	memset(&pkg, 0, sizeof(pkg));
	snprintf(st.terms_version, sizeof(st.terms_version), "%s",
	    v != NULL ? v : "");
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_shop_order_get(db, order_id, &st.order);
	if (rc == PC_OK)
		rc = store_shop_package_get(db, st.order.package, &pkg);
	store_release(e->store, db);
	if (rc != PC_OK)
		goto out;
	st.years = pkg.years;
	st.transactions = pkg.transactions;
	st.identity = strdup(identity);
	if (st.identity == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = issue(e, user_id, &st, NULL, renewal_id, &rep, err);
	if (rc == PC_OK)
		rc = issuance_terms_sign(
		    e, user_id, &st, rep.sign_serial, rep.grant, err);
	if (rc == PC_OK)
		log_info("issuance: renewal %s issued %s", renewal_id,
		    rep.sign_serial);
out:
	secret_wipe(rep.grant, sizeof(rep.grant));
	store_package_cleanup(&pkg);
	issuance_status_cleanup(&st);
	return rc;
}
