/*
 * issuance_certs.c: reading an account's certificates: the list, a
 * certificate as PEM or DER, the signed terms; see issuance.h.
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
	enum pc_rc rc;

	STORE_ONE(
	    rc, e->store, store_cert_each_of_user(db, user_id, cert_one, &ce));
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
