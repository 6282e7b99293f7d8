/*
 * signing_seal.c: a PDF sealed with the platform's e-seal (pki_eseal.c),
 * at B-LTA: the signature is made by the signer process with the e-seal
 * key (SIGN_SERVICE; the web side never holds it), then the validation
 * data and a document time-stamp. See signing.h, signing_seal_pdf.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "base/log.h"
#include "pki/pki.h"
#include "sign/sign.h"
#include "signer/signer.h"
#include "signing/signing.h"
#include "store/store.h"

struct seal_key {
	struct signer_client *sc;
	char label[HSM_LABEL_MAX];
};

static enum pc_rc
seal_sign(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	const struct seal_key *k = arg;

	return signer_client_sign_service(
	    k->sc, k->label, mech, md_nid, hash, hlen, sig, siglen);
}

/* The stored certificate name. OUT: *out (X509_free), label (may be
 * NULL). */
static enum pc_rc
cert_named(struct db *db, const char *name, X509 **out, char *label, size_t n)
{
	struct store_cert row;
	const unsigned char *d;
	enum pc_rc rc;

	memset(&row, 0, sizeof(row));
	*out = NULL;
	rc = store_cert_get_by_name(db, name, &row);
	if (rc == PC_OK) {
		d = row.der;
		*out = d2i_X509(NULL, &d, (long)row.der_len);
		if (*out == NULL)
			rc = PC_ECRYPTO;
	}
	if (rc == PC_OK && label != NULL)
		snprintf(label, n, "%s", row.key_label ? row.key_label : "");
	store_cert_cleanup(&row);
	return rc;
}

/* The e-seal's signer: its certificate, the chain, the signer's key. */
static enum pc_rc
seal_signer(const struct pc_env *e, struct seal_key *k, struct sign_signer **s)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509 *cert = NULL, *ca = NULL;
	struct db *db = NULL;
	const char *const names[] = { "issuing", "root" };
	size_t i;
	enum pc_rc rc;

	if (chain == NULL)
		return PC_ENOMEM;
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = cert_named(
		    db, PKI_ESEAL_NAME, &cert, k->label, sizeof(k->label));
	if (rc == PC_ENOTFOUND)
		log_warnx("seal: no e-seal certificate (run pecete pki eseal "
		          "--data DIR once, then restart)");
	for (i = 0; rc == PC_OK && i < PC_ARRAY_LEN(names); i++) {
		rc = cert_named(db, names[i], &ca, NULL, 0);
		if (rc == PC_OK && sk_X509_push(chain, ca) <= 0)
			rc = PC_ENOMEM;
		if (rc == PC_OK)
			ca = NULL;
	}
	store_release(e->store, db);
	if (rc == PC_OK)
		rc = sign_signer_new(cert, chain, seal_sign, k, s);
	X509_free(ca);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return rc == PC_ENOTFOUND ? PC_EUNAVAIL : rc;
}

enum pc_rc
signing_seal_pdf(const struct pc_env *e, const char *in_path,
    const char *out_path, const char *reason, struct sign_err *err)
{
	struct seal_key k;
	struct sign_signer *s = NULL;
	struct sign_opts o;
	char tsa[512];
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && in_path != NULL && out_path != NULL, PC_EINTERNAL);
	if (e->signer == NULL)
		return PC_EUNAVAIL;
	memset(&k, 0, sizeof(k));
	k.sc = e->signer;
	rc = seal_signer(e, &k, &s);
	if (rc != PC_OK)
		return rc;
	sign_opts_init(&o);
	signing_local_tsa(e, tsa, sizeof(tsa));
	o.level = SIGN_LEVEL_BT;
	o.tsa_url = tsa;
	o.reason = reason;
	o.max_size = SIGNING_SEAL_MAX;
	rc = sign_pades_file(s, &o, in_path, out_path, err);
	/* B-LTA: the chain's OCSP answers and CRLs, then a document
	 * time-stamp; a seal without them is not offered. */
	if (rc == PC_OK)
		rc = sign_pades_ltv(out_path, &o, true, err);
	if (rc != PC_OK)
		(void)unlink(out_path);
	sign_signer_free(s);
	return rc;
}

/* Write p[0..n) into the new file path (0600 by the umask's 0077 dir). */
static enum pc_rc
put_new(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wbx");
	bool ok;

	if (f == NULL)
		return PC_EIO;
	ok = fwrite(p, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	return ok ? PC_OK : PC_EIO;
}

enum pc_rc
signing_seal_mem(const struct pc_env *e, const uint8_t *p, size_t n,
    const char *reason, struct buf *out, struct pc_err *err)
{
	struct sign_err serr;
	char top[400], dir[480], in[520], outp[520];
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && p != NULL && out != NULL, PC_EINTERNAL);
	if (n > SIGNING_SEAL_MAX)
		return pc_fail(err, PC_ELIMIT, PCE_FILE_TOO_LARGE, NULL);
	snprintf(top, sizeof(top), "%s/scratch", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(top, 0700);
	snprintf(dir, sizeof(dir), "%s/seal.XXXXXX", top);
	if (mkdtemp(dir) == NULL)
		return PC_EIO;
	snprintf(in, sizeof(in), "%s/in.pdf", dir);
	snprintf(outp, sizeof(outp), "%s/out.pdf", dir);
	memset(&serr, 0, sizeof(serr));
	rc = put_new(in, p, n);
	if (rc == PC_OK)
		rc = signing_seal_pdf(e, in, outp, reason, &serr);
	if (rc != PC_OK) {
		log_warnx("seal: cannot seal (%s%s%s)", pc_rc_str(rc),
		    serr.code != NULL ? ", " : "",
		    serr.code != NULL ? serr.code : "");
		rc = pc_fail(err, PC_EUNAVAIL, PCE_SEAL_UNAVAILABLE, NULL);
	}
	if (rc == PC_OK)
		rc =
		    file_read(outp, (size_t)SIGNING_SEAL_MAX + (1u << 20), out);
	/* Nothing stays in the scratch directory, whatever happened. */
	(void)unlink(in);
	(void)unlink(outp);
	(void)rmdir(dir);
	return rc;
}
