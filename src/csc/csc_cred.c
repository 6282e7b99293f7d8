/*
 * csc_cred.c: credentials/list and credentials/info. A credential is one
 * of the account's qualified signing certificates (its serial in hex is
 * the credentialID); another account's credential does not exist for the
 * caller, whatever userID the request names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "csc/csc.h"
#include "store/store.h"
#include "store/store_credential.h"

struct list_walk {
	struct db *db;
	const char *user;
	bool only_valid, with_auth;
	int64_t now;
	enum pc_rc (*fn)(void *arg, const char *serial);
	void *arg;
};

static enum pc_rc
list_one(void *arg, const struct store_cert *c)
{
	struct list_walk *w = arg;
	struct store_credential cr;
	enum pc_rc rc;

	bool auth = c->kind != NULL && strcmp(c->kind, CERT_KIND_AUTH) == 0;

	if (c->kind == NULL ||
	    (strcmp(c->kind, CERT_KIND_SIGN) != 0 && !(auth && w->with_auth)))
		return PC_OK;
	if (w->only_valid && (c->status != CERT_GOOD || w->now > c->not_after ||
	                         w->now < c->not_before))
		return PC_OK;
	rc = auth ? store_credential_of_auth(w->db, c->serial, &cr)
	          : store_credential_get(w->db, c->serial, &cr);
	if (rc == PC_ENOTFOUND)
		return PC_OK;
	if (rc != PC_OK)
		return rc;
	if (strcmp(cr.user_id, w->user) != 0)
		return PC_OK;
	return w->fn(w->arg, c->serial);
}

enum pc_rc
csc_credentials(const struct pc_env *e, const struct csc_token *t,
    bool only_valid, bool with_auth,
    enum pc_rc (*fn)(void *arg, const char *serial), void *arg)
{
	struct list_walk w = { NULL, t->user_id, only_valid, with_auth,
		clock_now(), fn, arg };
	enum pc_rc rc;

	rc = store_acquire(e->store, &w.db);
	if (rc != PC_OK)
		return rc;
	rc = store_cert_each_of_user(w.db, t->user_id, list_one, &w);
	store_release(e->store, w.db);
	return rc;
}

void
csc_cred_info_cleanup(struct csc_cred_info *ci)
{
	size_t i;

	if (ci == NULL)
		return;
	for (i = 0; i < PC_ARRAY_LEN(ci->certs); i++)
		buf_cleanup(&ci->certs[i]);
	free(ci->subject_dn);
	free(ci->issuer_dn);
	memset(ci, 0, sizeof(*ci));
}

static void
gtime(const ASN1_TIME *t, char out[16])
{
	struct tm tm;

	out[0] = '\0';
	if (ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(out, 16, "%Y%m%d%H%M%SZ", &tm);
}

/* Key, names and validity from the signer's certificate. */
static enum pc_rc
describe(struct csc_cred_info *ci)
{
	static const char *const rsa[] = { "1.2.840.113549.1.1.11",
		"1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13",
		"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10", NULL };
	static const char *const ec[] = { "1.2.840.10045.4.3.2",
		"1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",
		"1.2.840.10045.2.1", NULL };
	const unsigned char *p = ci->certs[0].data;
	X509 *x = d2i_X509(NULL, &p, (long)ci->certs[0].len);
	EVP_PKEY *k;
	char gname[64];
	size_t glen = 0, i;
	bool is_rsa;

	if (x == NULL)
		return PC_ECRYPTO;
	k = X509_get0_pubkey(x);
	if (k == NULL) {
		X509_free(x);
		return PC_ECRYPTO;
	}
	is_rsa = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
	ci->key_len = EVP_PKEY_get_bits(k);
	for (i = 0; (is_rsa ? rsa[i] : ec[i]) != NULL; i++)
		ci->algos[ci->nalgos++] = is_rsa ? rsa[i] : ec[i];
	if (!is_rsa && EVP_PKEY_get_utf8_string_param(
	                   k, "group", gname, sizeof(gname), &glen) == 1) {
		int nid = OBJ_sn2nid(gname);

		if (nid == NID_undef)
			nid = OBJ_ln2nid(gname);
		ci->curve = nid == NID_X9_62_prime256v1 ? "1.2.840.10045.3.1.7"
		            : nid == NID_secp384r1      ? "1.3.132.0.34"
		                                        : NULL;
	}
	ci->subject_dn = csc_dn_utf8(X509_get_subject_name(x));
	ci->issuer_dn = csc_dn_utf8(X509_get_issuer_name(x));
	gtime(X509_get0_notBefore(x), ci->valid_from);
	gtime(X509_get0_notAfter(x), ci->valid_to);
	X509_free(x);
	return ci->subject_dn != NULL && ci->issuer_dn != NULL ? PC_OK
	                                                       : PC_ENOMEM;
}

enum pc_rc
csc_credential_info(const struct pc_env *e, const struct csc_token *t,
    const char *serial, struct csc_cred_info *out, struct pc_err *err)
{
	struct store_credential cr;
	struct store_cert c;
	struct db *db = NULL;
	char next[STORE_SERIAL_MAX + 1];
	int64_t now = clock_now();
	size_t i;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	for (i = 0; i < PC_ARRAY_LEN(out->certs); i++)
		buf_init(&out->certs[i], 64 * 1024);
	if (serial == NULL || strlen(serial) > STORE_SERIAL_MAX)
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credentialID");
	/* A credential scope token knows its credential only. */
	if (t->credential[0] != '\0' && strcmp(t->credential, serial) != 0)
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credentialID");
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	/* The signing certificate's credential, or for the authentication
	 * certificate its holder's. */
	rc = store_cert_get(db, serial, &c);
	if (rc == PC_OK && c.kind != NULL &&
	    strcmp(c.kind, CERT_KIND_AUTH) == 0)
		out->auth = true;
	else if (rc == PC_OK &&
	         (c.kind == NULL || strcmp(c.kind, CERT_KIND_SIGN) != 0))
		rc = PC_ENOTFOUND;
	if (rc == PC_OK)
		rc = out->auth ? store_credential_of_auth(db, serial, &cr)
		               : store_credential_get(db, serial, &cr);
	if (rc == PC_OK && strcmp(cr.user_id, t->user_id) != 0)
		rc = PC_ENOTFOUND;
	if (rc != PC_OK)
		goto out;
	snprintf(out->serial, sizeof(out->serial), "%s", serial);
	snprintf(out->serial_hex, sizeof(out->serial_hex), "%s", serial);
	out->transactions_left = cr.transactions_left;
	out->multisign = CSC_HASHES_MAX;
	out->status = c.status == CERT_REVOKED
	                  ? (c.reason == 6 ? "suspended" : "revoked")
	              : now > c.not_after || now < c.not_before ? "expired"
	                                                        : "valid";
	out->key_status =
	    strcmp(out->status, "valid") == 0 ? "enabled" : "disabled";
	/* The signer first, then its issuers up to the root. */
	for (i = 0; rc == PC_OK && i < PC_ARRAY_LEN(out->certs); i++) {
		buf_append(&out->certs[i], c.der, c.der_len);
		rc = buf_ok(&out->certs[i]) ? PC_OK : buf_rc(&out->certs[i]);
		out->ncerts = i + 1;
		snprintf(next, sizeof(next), "%s", c.issuer);
		store_cert_cleanup(&c);
		if (rc != PC_OK || next[0] == '\0' ||
		    i + 1 == PC_ARRAY_LEN(out->certs))
			break;
		rc = store_cert_get(db, next, &c);
	}
	if (rc == PC_OK)
		rc = describe(out);
out:
	store_cert_cleanup(&c);
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credentialID");
	if (rc != PC_OK)
		csc_cred_info_cleanup(out);
	return rc;
}
