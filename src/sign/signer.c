/*
 * signer.c: the kinds of signer of the engine: any hsm_sign_fn, a PKCS#12
 * file (key used locally), a PKCS#11 module (through src/hsm).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "base/log.h"
#include "base/secret.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

/* The commonName of nm, UTF-8. */
bool
sign_name_cn(const X509_NAME *nm, char *out, size_t n)
{
	unsigned char *u = NULL;
	int i;

	out[0] = '\0';
	i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	if (i < 0 ||
	    ASN1_STRING_to_UTF8(
	        &u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i))) < 0)
		return false;
	snprintf(out, n, "%s", (char *)u);
	OPENSSL_free(u);
	return true;
}

enum sign_level
sign_level_parse(const char *s)
{
	static const char *const names[] = { "B-B", "B-T", "B-LT", "B-LTA" };
	size_t i;

	for (i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return (enum sign_level)(SIGN_LEVEL_BB + (int)i);
	return 0;
}

void
sign_opts_init(struct sign_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->md_nid = NID_sha256;
	o->level = SIGN_LEVEL_BB;
	o->lang = SIGN_LANG_RO;
	o->tz_offset_min = INT32_MIN;
	o->page = 1;
}

enum sign_format
sign_format_guess(const char *path)
{
	FILE *f;
	char magic[5] = { 0 };
	size_t n = strlen(path);
	bool pdf;

	if (n > 4 && strcasecmp(path + n - 4, ".pdf") == 0)
		return SIGN_FMT_PADES;
	f = fopen(path, "rb");
	if (f == NULL)
		return SIGN_FMT_CADES;
	pdf = fread(magic, 1, 5, f) == 5 && memcmp(magic, "%PDF-", 5) == 0;
	fclose(f);
	return pdf ? SIGN_FMT_PADES : SIGN_FMT_CADES;
}

enum pc_rc
sign_err_set(
    struct sign_err *err, enum pc_rc rc, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return rc;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

static enum hsm_mech
mech_for_key(EVP_PKEY *pk)
{
	if (EVP_PKEY_is_a(pk, "EC"))
		return HSM_MECH_ECDSA;
	return HSM_MECH_RSA_PKCS1;
}

/* hsm_sign_fn over a local EVP_PKEY (PKCS#12). */
static enum pc_rc
local_sign(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	EVP_PKEY *pk = arg;
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = HSM_SIG_MAX;
	enum pc_rc rc = PC_ECRYPTO;

	pctx = EVP_PKEY_CTX_new(pk, NULL);
	if (pctx == NULL || EVP_PKEY_sign_init(pctx) <= 0)
		goto out;
	if (mech == HSM_MECH_RSA_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		goto out;
	if ((mech == HSM_MECH_RSA_PSS || mech == HSM_MECH_RSA_PSS_MAXSALT) &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	        EVP_PKEY_CTX_set_rsa_pss_saltlen(
	            pctx, mech == HSM_MECH_RSA_PSS ? RSA_PSS_SALTLEN_DIGEST
	                                           : RSA_PSS_SALTLEN_MAX) <= 0))
		goto out;
	if (EVP_PKEY_CTX_set_signature_md(pctx, EVP_get_digestbynid(md_nid)) <=
	    0)
		goto out;
	if (EVP_PKEY_sign(pctx, NULL, &n, hash, hlen) <= 0 || n > HSM_SIG_MAX)
		goto out;
	n = HSM_SIG_MAX;
	if (EVP_PKEY_sign(pctx, sig, &n, hash, hlen) <= 0)
		goto out;
	*siglen = n;
	rc = PC_OK;
out:
	if (rc != PC_OK)
		rc = ossl_fail("sign: local key");
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

static void
local_free(void *arg)
{
	EVP_PKEY_free(arg);
}

enum pc_rc
sign_signer_new(X509 *cert, STACK_OF(X509) * chain, hsm_sign_fn fn, void *arg,
    struct sign_signer **out)
{
	struct sign_signer *s;
	EVP_PKEY *pub;
	int i;

	RETURN_VAL_IF_FAIL(
	    cert != NULL && fn != NULL && out != NULL, PC_EINTERNAL);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PC_ENOMEM;
	s->chain = sk_X509_new_null();
	if (s->chain == NULL || !X509_up_ref(cert)) {
		sk_X509_free(s->chain);
		free(s);
		return PC_ENOMEM;
	}
	s->cert = cert;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);

		if (X509_cmp(c, cert) == 0)
			continue;
		if (!X509_add_cert(s->chain, c, X509_ADD_FLAG_UP_REF)) {
			sign_signer_free(s);
			return PC_ENOMEM;
		}
	}
	pub = X509_get0_pubkey(cert);
	s->mech = pub != NULL ? mech_for_key(pub) : HSM_MECH_RSA_PKCS1;
	s->fn = fn;
	s->arg = arg;
	*out = s;
	return PC_OK;
}

void
sign_signer_free(struct sign_signer *s)
{
	if (s == NULL)
		return;
	if (s->arg_free != NULL)
		s->arg_free(s->arg);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}

enum pc_rc
sign_signer_p12(const char *path, const char *pass, struct sign_signer **out,
    struct sign_err *err)
{
	FILE *f = NULL;
	PKCS12 *p12 = NULL;
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;
	enum pc_rc rc;

	f = fopen(path, "rb");
	if (f == NULL) {
		rc = sign_err_set(
		    err, PC_EIO, "p12_unreadable", "cannot open %s", path);
		goto out;
	}
	p12 = d2i_PKCS12_fp(f, NULL);
	if (p12 == NULL) {
		ERR_clear_error();
		rc = sign_err_set(err, PC_EINVAL, "p12_invalid",
		    "%s is not a PKCS#12 file", path);
		goto out;
	}
	if (!PKCS12_parse(p12, pass, &pk, &cert, &ca) || pk == NULL ||
	    cert == NULL) {
		ERR_clear_error();
		rc = sign_err_set(err, PC_EAUTH, "p12_password",
		    "cannot open %s: wrong password or no key", path);
		goto out;
	}
	if (X509_check_private_key(cert, pk) != 1) {
		ERR_clear_error();
		rc = sign_err_set(err, PC_EINVAL, "p12_invalid",
		    "the key in %s does not match its certificate", path);
		goto out;
	}
	rc = sign_signer_new(cert, ca, local_sign, pk, out);
	if (rc != PC_OK)
		goto out;
	(*out)->mech = mech_for_key(pk);
	(*out)->arg_free = local_free;
	pk = NULL;
out:
	if (f != NULL)
		fclose(f);
	PKCS12_free(p12);
	EVP_PKEY_free(pk);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	return rc;
}
