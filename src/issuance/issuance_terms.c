/*
 * issuance_terms.c: the terms of the certificate, signed with the new key
 * at issuance (J8) and kept in the holder's documents; see issuance.h.
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

/* Largest terms PDF, as made and as signed. */
#define TERMS_MAX (8u << 20)

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
	struct buf pdf;
	char dir[600], in[700], signed_path[700], tag[17];
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	buf_init(&pdf, TERMS_MAX);
	STORE_ONE(rc, e->store, store_user_get(db, user_id, &u));
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
enum pc_rc
issuance_terms_sign(const struct pc_env *e, const char *user_id,
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
