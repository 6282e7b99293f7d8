/*
 * pki_hierarchy.c: create and load our CA hierarchy (root, issuing CA,
 * OCSP responder, TSA), and hand out its certificates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "pki/pki_int.h"

struct ca_spec {
	const char *cn;
	enum hsm_key_type ktype;
	int years;
	int issuer; /* index of the issuer; itself for the root */
	const struct pki_ext *ext;
	const char *urls; /* AIA and CRL DP of this issuer's files, or NULL */
	bool ocsp;        /* with the OCSP responder in the AIA */
};

static const struct pki_ext root_ext[] = {
	{ NID_basic_constraints, "critical,CA:TRUE,pathlen:1" },
	{ NID_key_usage, "critical,keyCertSign,cRLSign" },
	{ 0, NULL },
};
static const struct pki_ext issuing_ext[] = {
	{ NID_basic_constraints, "critical,CA:TRUE,pathlen:0" },
	{ NID_key_usage, "critical,keyCertSign,cRLSign" },
	{ 0, NULL },
};
static const struct pki_ext ocsp_ext[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "OCSPSigning" },
	{ NID_id_pkix_OCSP_noCheck, "ignored" },
	{ 0, NULL },
};
static const struct pki_ext tsa_ext[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "critical,timeStamping" },
	{ 0, NULL },
};

static const struct ca_spec ca_specs[PKI_NCA] = {
	[PKI_ROOT] = { "Pecete Root CA", HSM_KEY_RSA3072, 20, PKI_ROOT,
	    root_ext, NULL, false },
	[PKI_ISSUING] = { "Pecete Qualified CA", HSM_KEY_RSA3072, 10, PKI_ROOT,
	    issuing_ext, "root", false },
	[PKI_OCSP] = { "Pecete OCSP Responder", HSM_KEY_P256, 2, PKI_ISSUING,
	    ocsp_ext, NULL, false },
	[PKI_TSA] = { "Pecete Time-Stamping Unit", HSM_KEY_RSA3072, 5,
	    PKI_ISSUING, tsa_ext, "issuing", true },
};

/* The unsigned certificate of hierarchy member idx. */
static enum pc_rc
ca_cert_build(
    const struct conf *conf, int idx, EVP_PKEY *pub, X509 *issuer, X509 **out)
{
	const struct ca_spec *sp = &ca_specs[idx];
	const struct pki_rdn rdn[] = {
		{ NID_countryName, MBSTRING_UTF8,
		    conf->pki.country ? conf->pki.country : "RO" },
		{ NID_organizationName, MBSTRING_UTF8,
		    conf->pki.org ? conf->pki.org : "Pecete" },
		{ NID_commonName, MBSTRING_UTF8, sp->cn },
	};
	X509 *c = NULL;
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	enum pc_rc rc;

	rc = pki_name_new(rdn, PC_ARRAY_LEN(rdn), &name);
	if (rc == PC_OK)
		rc = pki_cert_new(
		    name, issuer, pub, sp->years, sp->ext, &ctx, &c);
	if (rc == PC_OK && sp->urls != NULL)
		rc = pki_ext_urls(
		    c, &ctx, conf->server.public_url, sp->urls, sp->ocsp);
	return pki_cert_done(rc, c, name, out);
}

/*
 * Create the hierarchy: four HSM keys, four certificates and the first
 * CRLs of root and issuing, all rows in one transaction. On failure the
 * keys made are destroyed.
 */
enum pc_rc
pki_hierarchy_create(
    const struct conf *conf, struct store *st, const struct pki_keysrc *ks)
{
	struct db *db = NULL;
	struct store_cert row[PKI_NCA], tmp;
	struct pki_ca ca[PKI_NCA];
	EVP_PKEY *pub[PKI_NCA] = { NULL }, *key[PKI_NCA] = { NULL };
	bool made[PKI_NCA] = { false };
	char sfx[9], detail[512];
	enum pc_rc rc;
	int i;

	RETURN_VAL_IF_FAIL(
	    conf != NULL && st != NULL && ks != NULL, PC_EINTERNAL);
	memset(row, 0, sizeof(row));
	memset(ca, 0, sizeof(ca));
	memset(&tmp, 0, sizeof(tmp));
	if (ks->generate == NULL || ks->load == NULL) {
		rc = PC_EUNAVAIL;
		goto out;
	}
	if (!pki_url_ok(conf->server.public_url)) {
		log_error("pki: server.public_url must be an http(s) URL "
		          "without spaces, commas, '#' or '$'");
		rc = PC_EINVAL;
		goto out;
	}
	rc = store_acquire(st, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_cert_get_by_name(db, "root", &tmp);
	store_cert_cleanup(&tmp);
	if (rc == PC_OK) {
		rc = PC_EEXIST;
		goto out;
	}
	if (rc != PC_ENOTFOUND)
		goto out;
	rc = rnd_hex(4, sfx);
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < PKI_NCA; i++) {
		ca[i].name = pki_ca_names[i];
		snprintf(ca[i].key_label, sizeof(ca[i].key_label), "pki-%s-%s",
		    pki_ca_names[i], sfx);
		rc = ks->generate(
		    ks->arg, ca_specs[i].ktype, ca[i].key_label, &pub[i]);
		if (rc != PC_OK) {
			log_error("pki: generate key %s: %s", ca[i].key_label,
			    pc_rc_str(rc));
			goto out;
		}
		made[i] = true;
		key[i] = ks->load(ks->arg, ca[i].key_label, pub[i]);
		if (key[i] == NULL) {
			rc = PC_EHSM;
			goto out;
		}
	}
	for (i = 0; i < PKI_NCA; i++) {
		int is = ca_specs[i].issuer;

		rc = ca_cert_build(conf, i, pub[i],
		    i == PKI_ROOT ? NULL : ca[is].cert, &ca[i].cert);
		if (rc != PC_OK)
			goto out;
		rc = pki_cert_finish(ca[i].cert, key[is], pki_ca_kinds[i],
		    pki_ca_names[i], i == PKI_ROOT ? "" : ca[is].serial, NULL,
		    ca[i].key_label, &row[i]);
		if (rc != PC_OK)
			goto out;
		if (snprintf(ca[i].serial, sizeof(ca[i].serial), "%s",
		        row[i].serial) >= (int)sizeof(ca[i].serial)) {
			rc = PC_EINTERNAL;
			goto out;
		}
	}
	rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < PKI_NCA; i++) {
		rc = store_cert_insert(db, &row[i]);
		if (rc != PC_OK)
			goto out;
	}
	rc = pki_crl_make(conf, db, &ca[PKI_ROOT], key[PKI_ROOT], NULL, NULL);
	if (rc != PC_OK)
		goto out;
	rc = pki_crl_make(
	    conf, db, &ca[PKI_ISSUING], key[PKI_ISSUING], NULL, NULL);
	if (rc != PC_OK)
		goto out;
	snprintf(detail, sizeof(detail), "root=%s issuing=%s ocsp=%s tsa=%s",
	    ca[0].serial, ca[1].serial, ca[2].serial, ca[3].serial);
	rc = store_audit_append(db, "pki", "pki.hierarchy.create", detail);
	if (rc != PC_OK)
		goto out;
	rc = db_commit(db);
	if (rc != PC_OK)
		goto out;
	log_info("pki: hierarchy created: %s", detail);
out:
	if (db != NULL) {
		if (db_in_tx(db))
			db_rollback(db);
		store_release(st, db);
	}
	for (i = 0; i < PKI_NCA; i++) {
		if (rc != PC_OK && made[i] && ks->destroy != NULL)
			(void)ks->destroy(ks->arg, ca[i].key_label);
		EVP_PKEY_free(key[i]);
		EVP_PKEY_free(pub[i]);
		X509_free(ca[i].cert);
		store_cert_cleanup(&row[i]);
	}
	return rc;
}

/* Load the hierarchy's certificates; keys are loaded on first use. */
enum pc_rc
pki_open(const struct conf *conf, struct store *st, const struct pki_keysrc *ks,
    struct pki **out)
{
	struct pki *p = NULL;
	struct db *db = NULL;
	struct store_cert row;
	const unsigned char *d;
	enum pc_rc rc;
	int i;

	RETURN_VAL_IF_FAIL(
	    conf != NULL && st != NULL && out != NULL, PC_EINTERNAL);
	*out = NULL;
	memset(&row, 0, sizeof(row));
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return PC_ENOMEM;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return PC_ENOMEM;
	}
	p->conf = conf;
	p->st = st;
	if (ks != NULL)
		p->ks = *ks;
	rc = store_acquire(st, &db);
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < PKI_NCA; i++) {
		p->ca[i].name = pki_ca_names[i];
		rc = store_cert_get_by_name(db, pki_ca_names[i], &row);
		if (rc != PC_OK) {
			log_error("pki: no %s certificate in the store: %s",
			    pki_ca_names[i], pc_rc_str(rc));
			goto out;
		}
		d = row.der;
		p->ca[i].cert = d2i_X509(NULL, &d, (long)row.der_len);
		if (p->ca[i].cert == NULL) {
			rc = ossl_fail("pki: stored certificate");
			goto out;
		}
		snprintf(
		    p->ca[i].serial, sizeof(p->ca[i].serial), "%s", row.serial);
		snprintf(p->ca[i].key_label, sizeof(p->ca[i].key_label), "%s",
		    row.key_label != NULL ? row.key_label : "");
		store_cert_cleanup(&row);
	}
out:
	store_cert_cleanup(&row);
	if (db != NULL)
		store_release(st, db);
	if (rc != PC_OK) {
		pki_close(p);
		p = NULL;
	}
	*out = p;
	return rc;
}

/* Free p and its certificates and key handles; NULL is a no-op. */
void
pki_close(struct pki *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < PKI_NCA; i++) {
		X509_free(p->ca[i].cert);
		EVP_PKEY_free(p->ca[i].key);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* The private-key handle of ca[idx]; borrowed, valid until pki_close. */
enum pc_rc
pki_ca_key(struct pki *p, int idx, EVP_PKEY **key)
{
	enum pc_rc rc = PC_OK;

	RETURN_VAL_IF_FAIL(idx >= 0 && idx < PKI_NCA, PC_EINTERNAL);
	*key = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->ca[idx].key == NULL) {
		if (p->ks.load == NULL) {
			rc = PC_EUNAVAIL;
			goto out;
		}
		p->ca[idx].key = p->ks.load(p->ks.arg, p->ca[idx].key_label,
		    X509_get0_pubkey(p->ca[idx].cert));
		if (p->ca[idx].key == NULL) {
			log_error(
			    "pki: cannot load the %s key", p->ca[idx].name);
			rc = PC_EHSM;
			goto out;
		}
	}
	*key = p->ca[idx].key;
out:
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* The DER certificate of a hierarchy member into out. */
enum pc_rc
pki_cert_der(struct pki *p, const char *name, struct buf *out)
{
	unsigned char *der = NULL;
	int idx, len;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(p != NULL && out != NULL, PC_EINTERNAL);
	idx = pki_ca_index(name);
	if (idx < 0)
		return PC_ENOTFOUND;
	len = i2d_X509(p->ca[idx].cert, &der);
	rc = pki_der_to_buf(der, len, out);
	OPENSSL_free(der);
	return rc;
}

enum pc_rc
pki_x509_pem(X509 *x, struct buf *out)
{
	BIO *b;
	BUF_MEM *bm;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(x != NULL && out != NULL, PC_EINTERNAL);
	b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_X509(b, x) != 1) {
		rc = ossl_fail("pki: PEM");
		goto out;
	}
	BIO_get_mem_ptr(b, &bm);
	buf_append(out, bm->data, bm->length);
	rc = buf_ok(out) ? PC_OK : buf_rc(out);
out:
	BIO_free(b);
	return rc;
}

/* The PEM certificate of a hierarchy member into out. */
enum pc_rc
pki_cert_pem(struct pki *p, const char *name, struct buf *out)
{
	int idx;

	RETURN_VAL_IF_FAIL(p != NULL && out != NULL, PC_EINTERNAL);
	idx = pki_ca_index(name);
	if (idx < 0)
		return PC_ENOTFOUND;
	return pki_x509_pem(p->ca[idx].cert, out);
}
