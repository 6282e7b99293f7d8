/*
 * signer_pkcs11.c: a signer over any PKCS#11 module and key, through
 * src/hsm (hsm_open, hsm_key_find, hsm_key_sign).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/log.h"
#include "hsm/hsm.h"
#include "sign/sign.h"

struct p11_arg {
	struct hsm_key_ref ref;
};

static void
p11_free(void *arg)
{
	struct p11_arg *a = arg;

	if (a == NULL)
		return;
	hsm_close(a->ref.hsm);
	free(a);
}

static enum pc_rc
p11_sign(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	struct p11_arg *a = arg;

	return hsm_key_sign(
	    a->ref.hsm, a->ref.key, mech, md_nid, hash, hlen, sig, siglen);
}

enum pc_rc
sign_signer_pkcs11(const char *module, const char *token_label,
    const char *key_label, const char *pin, const char *cert_pem,
    struct sign_signer **out, struct sign_err *err)
{
	struct hsm_opts ho;
	struct p11_arg *a = NULL;
	STACK_OF(X509) *certs = NULL;
	X509 *c;
	BIO *bio = NULL;
	char tok[33];
	enum pc_rc rc;

	bio = BIO_new_file(cert_pem, "r");
	certs = sk_X509_new_null();
	if (bio == NULL || certs == NULL) {
		rc = sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", cert_pem);
		goto out;
	}
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(certs, c);
	ERR_clear_error();
	if (sk_X509_num(certs) == 0) {
		rc = sign_err_set(err, PC_EINVAL, "bad_certificate",
		    "no certificate in %s", cert_pem);
		goto out;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (token_label == NULL) {
		rc = hsm_token_only(module, tok, sizeof(tok));
		if (rc != PC_OK) {
			rc = sign_err_set(err, rc, "pkcs11_failed",
			    rc == PC_ESTATE ? "%s has several tokens: name one "
			                      "with --pkcs11-token"
			                    : "cannot find a token in %s "
			                      "(check the module path and its "
			                      "configuration)",
			    module);
			goto out;
		}
		token_label = tok;
	}
	memset(&ho, 0, sizeof(ho));
	ho.module = module;
	ho.token_label = token_label;
	ho.pin = pin;
	ho.pool = 1;
	rc = hsm_open(&ho, &a->ref.hsm);
	if (rc == PC_EAUTH) {
		rc = sign_err_set(err, rc, "pkcs11_failed",
		    "the token \"%s\" refused the PIN (check --pin-file)",
		    token_label);
		goto out;
	}
	if (rc != PC_OK) {
		rc = sign_err_set(err, rc, "pkcs11_failed",
		    "cannot open the token \"%s\" of %s (check the module "
		    "and the token label)",
		    token_label, module);
		goto out;
	}
	rc = hsm_key_find(a->ref.hsm, key_label, &a->ref.key);
	if (rc != PC_OK) {
		rc = sign_err_set(err, rc, "pkcs11_failed",
		    "no private key labelled \"%s\" in the token", key_label);
		goto out;
	}
	if (EVP_PKEY_eq(hsm_key_public(a->ref.key),
	        X509_get0_pubkey(sk_X509_value(certs, 0))) != 1) {
		ERR_clear_error();
		rc = sign_err_set(err, PC_EINVAL, "bad_certificate",
		    "the certificate in %s is not for the key \"%s\"", cert_pem,
		    key_label);
		goto out;
	}
	rc = sign_signer_new(sk_X509_value(certs, 0), certs, p11_sign, a, out);
	if (rc != PC_OK)
		goto out;
	(*out)->arg_free = p11_free;
	a = NULL;
out:
	p11_free(a);
	BIO_free(bio);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}
