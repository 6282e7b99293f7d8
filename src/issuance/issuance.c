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

#define TERMS_MAX (8u << 20)

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

/* ---- the terms, signed with the new key ---------------------------------- */

/* A scratch directory for the terms (the account's documents dir). */
static void
scratch_of(const struct pc_env *e, const char *user_id, char *out, size_t n)
{
	char *slash;

	doc_path(e, user_id, "x", out, n);
	slash = strrchr(out, '/');
	if (slash != NULL)
		*slash = '\0';
}

/* Sign in -> out with credential under sad (PAdES B-T, this node's TSA);
 * a renewal's terms with renewal. */
static enum pc_rc
sign_pdf(const struct pc_env *e, const char *credential, const char *sad,
    const char *renewal, const char *in, const char *out, struct pc_err *err)
{
	struct signing_opts o;
	struct signing_item it;
	struct signing_batch *b = NULL;
	const struct signing_result *res;
	char tsa[300];
	enum pc_rc rc;

	memset(&o, 0, sizeof(o));
	memset(&it, 0, sizeof(it));
	signing_local_tsa(e, tsa, sizeof(tsa));
	o.credential = credential;
	sign_opts_init(&o.sign);
	o.sign.level = SIGN_LEVEL_BT;
	o.sign.tsa_url = tsa;
	o.sign.reason = "Acceptance of the terms of the trust service";
	o.stop_at_first = true;
	o.renewal = renewal;
	o.terms_version = legal_version(e->conf, LEGAL_TERMS);
	rc = signing_batch_new(e, &o, &b, err);
	if (rc != PC_OK)
		return rc;
	it.in_path = in;
	it.in_fd = -1;
	it.out_path = out;
	it.format = SIGN_FMT_PADES;
	rc = signing_batch_add(b, &it, NULL);
	if (rc == PC_OK)
		rc = signing_batch_begin(e, b);
	if (rc == PC_OK)
		rc = signing_batch_authorize(e, b, sad, err);
	if (rc == PC_OK)
		rc = signing_batch_finish(e, b);
	if (rc != PC_OK && err != NULL && err->code == 0) {
		res = signing_batch_result(b, 0);
		log_warnx("issuance: the terms could not be signed (%s%s%s)",
		    pc_rc_str(rc), res != NULL && res->err.code ? ": " : "",
		    res != NULL && res->err.code ? res->err.code : "");
		rc = pc_fail(err, rc == PC_EUNAVAIL ? PC_EUNAVAIL : PC_EHSM,
		    rc == PC_EUNAVAIL ? PCE_SIGNER_UNAVAILABLE
		                      : PCE_SIGN_FAILED,
		    NULL);
	}
	signing_batch_free(b);
	return rc;
}

/* Keep the signed terms as a document; fulfil the order; tell. */
static enum pc_rc
terms_keep(const struct pc_env *e, const char *user_id,
    const struct issuance_status *st, const char *credential,
    const struct buf *pdf)
{
	struct store_document d;
	struct store_user u;
	struct db *db = NULL;
	char name[64];
	json_t *vars = NULL;
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	rc = doc_write(e, user_id, STORE_DOC_TERMS, "", "application/pdf",
	    pdf->data, pdf->len, 0, &d);
	if (rc != PC_OK)
		return rc;
	snprintf(name, sizeof(name), "terms-%s-signed.pdf", st->terms_version);
	snprintf(d.credential, sizeof(d.credential), "%s", credential);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = doc_insert(db, &d, name);
	if (rc == PC_OK && st->order.id[0] != '\0') {
		rc = shop_order_transition(db, st->order.id, SHOP_PAID,
		    SHOP_FULFILLED, NULL, NULL, 0, d.created_at);
		if (rc == PC_ESTATE)
			rc = PC_OK; /* fulfilled by an earlier run */
	}
	if (rc == PC_OK) {
		char detail[256];

		snprintf(detail, sizeof(detail),
		    "credential=%s document=%s sha256=%s", credential, d.id,
		    d.sha256);
		rc = store_audit_append(
		    db, user_id, "issuance.terms_signed", detail);
	}
	if (rc == PC_OK)
		rc = store_user_get(db, user_id, &u);
	if (rc == PC_OK) {
		char who[300], link[600];

		snprintf(who, sizeof(who), "%s %s", u.given_name, u.surname);
		snprintf(link, sizeof(link), "%s/settings",
		    e->conf->server.public_url);
		vars = json_pack("{s:s,s:s,s:s}", "name", who, "serial",
		    credential, "link", link);
		rc = vars != NULL ? notify_enqueue(db, NOTIFY_EMAIL, u.email,
		                        "cert_issued", u.lang, vars, NULL)
		                  : PC_ENOMEM;
	}
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK)
		doc_unwrite(e, &d);
	json_decref(vars);
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
issuance_terms_signed(const struct pc_env *e, const char *user_id,
    const char *credential, const char *sad, const char *renewal,
    struct buf *out, struct pc_err *err)
{
	struct store_user u;
	struct db *db = NULL;
	struct buf pdf;
	char dir[600], in[700], signed_path[700], tag[17];
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	buf_init(&pdf, TERMS_MAX);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_user_get(db, user_id, &u);
	store_release(e->store, db);
	if (rc == PC_OK)
		rc = legal_pdf(e->conf, LEGAL_TERMS, u.lang, &pdf);
	if (rc == PC_OK)
		rc = rnd_hex(8, tag);
	if (rc != PC_OK)
		goto out;
	scratch_of(e, user_id, dir, sizeof(dir));
	snprintf(in, sizeof(in), "%s/.terms-%s.pdf", dir, tag);
	snprintf(signed_path, sizeof(signed_path), "%s/.terms-%s-signed.pdf",
	    dir, tag);
	rc = file_write_atomic(in, pdf.data, pdf.len, 0600);
	if (rc == PC_OK)
		rc =
		    sign_pdf(e, credential, sad, renewal, in, signed_path, err);
	if (rc == PC_OK)
		rc = file_read(signed_path, TERMS_MAX, out);
	unlink(in);
	unlink(signed_path);
out:
	store_user_cleanup(&u);
	buf_cleanup(&pdf);
	return rc;
}

/* The terms signed with the new credential, kept. */
static enum pc_rc
terms_sign(const struct pc_env *e, const char *user_id,
    const struct issuance_status *st, const char *credential, const char *sad,
    struct pc_err *err)
{
	struct buf signed_pdf;
	enum pc_rc rc;

	buf_init(&signed_pdf, TERMS_MAX);
	rc = issuance_terms_signed(
	    e, user_id, credential, sad, NULL, &signed_pdf, err);
	if (rc == PC_OK)
		rc = terms_keep(e, user_id, st, credential, &signed_pdf);
	buf_cleanup(&signed_pdf);
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
	struct db *db = NULL;
	json_t *j = NULL;
	char idnum[40];
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	memset(&u, 0, sizeof(u));
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_user_get(db, user_id, &u);
	store_release(e->store, db);
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
		rc = terms_sign(e, user_id, &st, st.cred.serial, code, err);
	} else if (strcmp(st.state, ISSUANCE_TOTP) == 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_TOTP_NOT_ENABLED, NULL);
	} else if (strcmp(st.state, ISSUANCE_READY) != 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_ISSUANCE_NOT_READY, NULL);
	} else if (st.phone_question) {
		rc = pc_fail(err, PC_ESTATE, PCE_PHONE_DECISION_REQUIRED, NULL);
	} else {
		rc = issue(e, user_id, &st, code, NULL, &rep, err);
		if (rc == PC_OK)
			rc = terms_sign(
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
		rc = terms_sign(
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

/* ---- reading ------------------------------------------------------------- */

enum pc_rc
issuance_terms_pdf(const struct pc_env *e, const char *user_id, struct buf *out)
{
	return doc_latest(e, user_id, STORE_DOC_TERMS, out);
}

struct certs_each {
	enum pc_rc (*fn)(void *arg, const struct issuance_cert *c);
	void *arg;
};

static enum pc_rc
cert_one(void *arg, const struct store_cert *c)
{
	struct certs_each *ce = arg;
	struct issuance_cert ic;

	memset(&ic, 0, sizeof(ic));
	snprintf(ic.serial, sizeof(ic.serial), "%s", c->serial);
	ic.kind = strcmp(c->kind, CERT_KIND_SIGN) == 0 ? "sign" : "auth";
	ic.subject = c->subject;
	ic.not_before = c->not_before;
	ic.not_after = c->not_after;
	ic.revoked = c->status == CERT_REVOKED;
	ic.status = !ic.revoked      ? "good"
	            : c->reason == 6 ? "suspended"
	                             : "revoked";
	return ce->fn(ce->arg, &ic);
}

enum pc_rc
issuance_certs(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct issuance_cert *c), void *arg)
{
	struct certs_each ce = { fn, arg };
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_cert_each_of_user(db, user_id, cert_one, &ce);
	store_release(e->store, db);
	return rc;
}

/* One certificate, DER to PEM, appended to out. */
static enum pc_rc
der_to_pem(const uint8_t *p, size_t n, struct buf *out)
{
	const unsigned char *q = p;
	X509 *x = d2i_X509(NULL, &q, (long)n);
	enum pc_rc rc = x != NULL ? pki_x509_pem(x, out) : PC_ECRYPTO;

	X509_free(x);
	return rc;
}

struct find_cert {
	const char *serial;
	struct buf *der;
	bool found;
};

static enum pc_rc
cert_find(void *arg, const struct store_cert *c)
{
	struct find_cert *f = arg;

	if (strcmp(c->serial, f->serial) != 0)
		return PC_OK;
	f->found = true;
	buf_append(f->der, c->der, c->der_len);
	return buf_ok(f->der) ? PC_OK : buf_rc(f->der);
}

enum pc_rc
issuance_cert_file(const struct pc_env *e, const char *user_id,
    const char *serial, bool pem, bool chain, struct buf *out)
{
	struct find_cert f;
	struct buf der;
	struct db *db = NULL;
	enum pc_rc rc;

	buf_init(&der, 64 * 1024);
	f.serial = serial;
	f.der = &der;
	f.found = false;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_cert_each_of_user(db, user_id, cert_find, &f);
	store_release(e->store, db);
	if (rc == PC_OK && !f.found)
		rc = PC_ENOTFOUND;
	if (rc != PC_OK)
		goto out;
	if (!pem) {
		buf_append(out, der.data, der.len);
		rc = buf_ok(out) ? PC_OK : buf_rc(out);
		goto out;
	}
	rc = der_to_pem(der.data, der.len, out);
	if (rc == PC_OK && chain)
		rc = pki_cert_pem(e->pki, "issuing", out);
	if (rc == PC_OK && chain)
		rc = pki_cert_pem(e->pki, "root", out);
out:
	buf_cleanup(&der);
	return rc;
}

/* ---- expiry reminders ------------------------------------------------------
 */

struct due {
	struct store_expiring x[64];
	size_t n;
};

static enum pc_rc
due_one(void *arg, const struct store_expiring *x)
{
	struct due *d = arg;

	if (d->n < PC_ARRAY_LEN(d->x))
		d->x[d->n++] = *x;
	return PC_OK;
}

static enum pc_rc
remind_one(const struct pc_env *e, const struct store_expiring *x, int64_t days,
    bool *sent)
{
	struct store_user u;
	struct db *db = NULL;
	char who[300], link[600], date[32], ndays[16];
	json_t *vars = NULL;
	enum pc_rc rc;

	*sent = false;
	memset(&u, 0, sizeof(u));
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_reminder_add(db, x->serial, days, clock_now());
	if (rc == PC_EEXIST) {
		store_write_end(e->store, db, PC_OK);
		return PC_OK;
	}
	if (rc == PC_OK)
		rc = store_user_get(db, x->user_id, &u);
	if (rc == PC_OK) {
		snprintf(who, sizeof(who), "%s %s", u.given_name, u.surname);
		snprintf(
		    link, sizeof(link), "%s/home", e->conf->server.public_url);
		clock_fmt_iso(x->not_after, date, sizeof(date));
		date[10] = '\0'; /* the day */
		snprintf(ndays, sizeof(ndays), "%lld", (long long)days);
		vars = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", who, "serial",
		    x->serial, "link", link, "date", date, "days", ndays);
		rc = vars != NULL ? notify_enqueue(db, NOTIFY_EMAIL, u.email,
		                        "cert_expiring", u.lang, vars, NULL)
		                  : PC_ENOMEM;
	}
	rc = store_write_end(e->store, db, rc);
	*sent = rc == PC_OK;
	json_decref(vars);
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
issuance_remind(const struct pc_env *e, int64_t *sent)
{
	int64_t first = e->conf->lifecycle.remind_first_days;
	int64_t second = e->conf->lifecycle.remind_second_days;
	int64_t now = clock_now(), near, far;
	struct due *d;
	struct db *db = NULL;
	size_t i;
	bool one;
	enum pc_rc rc;

	*sent = 0;
	near = first < second ? first : second;
	far = first < second ? second : first;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return PC_ENOMEM;
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_credential_expiring(db, now, now + far * 86400,
		    (int64_t)PC_ARRAY_LEN(d->x), due_one, d);
	store_release(e->store, db);
	for (i = 0; rc == PC_OK && i < d->n; i++) {
		/* The nearest lead reached is the one to send. */
		int64_t days =
		    d->x[i].not_after - now <= near * 86400 ? near : far;

		rc = remind_one(e, &d->x[i], days, &one);
		if (rc == PC_OK && one)
			(*sent)++;
	}
	free(d);
	return rc;
}
