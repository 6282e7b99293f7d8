/*
 * pki_eseal.c: the platform's e-seal certificate (see pki.h,
 * pki_eseal_create): a key pair in the HSM, certified by the issuing CA
 * as a qualified seal of the provider (a legal person).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "base/log.h"
#include "base/rnd.h"
#include "pki/pki_int.h"

#define ESEAL_YEARS 3

/* The unsigned certificate of the e-seal key pub. */
static enum pc_rc
eseal_build(const struct conf *conf, X509 *issuer, EVP_PKEY *pub, X509 **out)
{
	static const struct pki_ext ext[] = {
		{ NID_basic_constraints, "critical,CA:FALSE" },
		{ NID_key_usage, "critical,digitalSignature,nonRepudiation" },
		{ 0, NULL },
	};
	const char *org = conf->pki.org != NULL ? conf->pki.org : "Pecete";
	char cn[65];
	struct pki_rdn rdn[] = {
		{ NID_countryName, MBSTRING_UTF8,
		    conf->pki.country != NULL ? conf->pki.country : "RO" },
		{ NID_organizationName, MBSTRING_UTF8, org },
		{ NID_organizationIdentifier, MBSTRING_UTF8,
		    conf->pki.org_id != NULL ? conf->pki.org_id
		                             : "NTRRO-PECETE" },
		{ NID_commonName, MBSTRING_UTF8, cn },
	};
	X509 *c = NULL;
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	enum pc_rc rc;

	*out = NULL;
	snprintf(cn, sizeof(cn), "%.50s e-seal", org);
	if (!pki_oid_ok(conf->pki.policy_oid)) {
		log_error("pki: pki.policy_oid is not a dotted OID");
		return PC_EINVAL;
	}
	rc = pki_name_new(rdn, PC_ARRAY_LEN(rdn), &name);
	if (rc == PC_OK)
		rc =
		    pki_cert_new(name, issuer, pub, ESEAL_YEARS, ext, &ctx, &c);
	if (rc == PC_OK)
		rc = pki_add_policies(
		    c, PKI_OID_QCP_L_QSCD, conf->pki.policy_oid);
	if (rc == PC_OK)
		rc = pki_ext_urls(
		    c, &ctx, conf->server.public_url, "issuing", true);
	if (rc == PC_OK)
		rc = pki_qc_statements(c, &ctx, conf->pki.pds_url,
		    PKI_OID_QCT_ESEAL, PKI_OID_SEM_LEGAL);
	return pki_cert_done(rc, c, name, out);
}

enum pc_rc
pki_eseal_create(
    const struct conf *conf, struct store *st, const struct pki_keysrc *ks)
{
	struct store_cert ca, row;
	struct db *db = NULL;
	X509 *issuer = NULL, *cert = NULL;
	EVP_PKEY *ca_key = NULL, *pub = NULL;
	const unsigned char *d;
	char label[HSM_LABEL_MAX], sfx[9], detail[160];
	bool made = false;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    conf != NULL && st != NULL && ks != NULL, PC_EINTERNAL);
	memset(&ca, 0, sizeof(ca));
	memset(&row, 0, sizeof(row));
	if (ks->generate == NULL || ks->load == NULL)
		return PC_EUNAVAIL;
	rc = store_acquire(st, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_cert_get_by_name(db, PKI_ESEAL_NAME, &row);
	store_cert_cleanup(&row);
	if (rc == PC_OK)
		rc = PC_EEXIST;
	if (rc != PC_ENOTFOUND)
		goto out;
	rc = store_cert_get_by_name(db, "issuing", &ca);
	if (rc != PC_OK)
		goto out;
	d = ca.der;
	issuer = d2i_X509(NULL, &d, (long)ca.der_len);
	if (issuer == NULL || ca.key_label == NULL) {
		rc = ossl_fail("pki: the issuing CA's certificate");
		goto out;
	}
	ca_key = ks->load(ks->arg, ca.key_label, X509_get0_pubkey(issuer));
	if (ca_key == NULL) {
		rc = PC_EHSM;
		goto out;
	}
	rc = rnd_hex(4, sfx);
	if (rc != PC_OK)
		goto out;
	snprintf(label, sizeof(label), "pki-eseal-%s", sfx);
	rc = ks->generate(ks->arg, HSM_KEY_RSA3072, label, &pub);
	if (rc != PC_OK)
		goto out;
	made = true;
	rc = eseal_build(conf, issuer, pub, &cert);
	if (rc == PC_OK)
		rc = pki_cert_finish(cert, ca_key, CERT_KIND_ESEAL,
		    PKI_ESEAL_NAME, ca.serial, NULL, label, &row);
	if (rc == PC_OK)
		rc = db_begin(db);
	if (rc == PC_OK)
		rc = store_cert_insert(db, &row);
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail), "eseal=%s issuer=%s",
		    row.serial, ca.serial);
		rc = store_audit_append(db, "pki", "pki.eseal.create", detail);
	}
	if (rc == PC_OK)
		rc = db_commit(db);
	if (rc == PC_OK)
		log_info("pki: e-seal certificate made: %s", detail);
out:
	if (db != NULL) {
		if (db_in_tx(db))
			db_rollback(db);
		store_release(st, db);
	}
	if (rc != PC_OK && made && ks->destroy != NULL)
		(void)ks->destroy(ks->arg, label);
	store_cert_cleanup(&ca);
	store_cert_cleanup(&row);
	X509_free(issuer);
	X509_free(cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(pub);
	return rc;
}
