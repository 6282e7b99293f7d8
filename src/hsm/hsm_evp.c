/*
 * hsm_evp.c: proxy EVP_PKEYs whose private-key operations call a
 * hsm_sign_fn.
 *
 * OpenSSL 3 treats an RSA or EC_KEY with a non-default RSA_METHOD or
 * EC_KEY_METHOD as "foreign": it is never exported to a provider and every
 * operation takes the legacy path, which ends in the method's sign
 * callbacks. X509_sign, X509_CRL_sign, OCSP_basic_sign, TS_RESP_CTX and
 * CMS_sign all get there through EVP_DigestSign or EVP_PKEY_sign.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "base/log.h"
#include "hsm/hsm_int.h"

struct proxy {
	hsm_sign_fn p_fn;
	void *p_arg;
};

static pthread_once_t meth_once = PTHREAD_ONCE_INIT;
static RSA_METHOD *rsa_meth;
static EC_KEY_METHOD *ec_meth;
static int rsa_idx = -1, ec_idx = -1;

static void
proxy_free(
    void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	free(ptr);
}

static int
proxy_call(const struct proxy *p, enum hsm_mech mech, int md_nid,
    const uint8_t *hash, size_t hlen, unsigned char *out, size_t outmax,
    size_t *outlen)
{
	uint8_t sig[HSM_SIG_MAX];
	size_t siglen = 0;
	enum pc_rc rc;

	if (p == NULL)
		return 0;
	rc = p->p_fn(p->p_arg, mech, md_nid, hash, hlen, sig, &siglen);
	if (rc != PC_OK || siglen == 0 || siglen > outmax) {
		log_warnx("hsm: proxy signature failed: %s", pc_rc_str(rc));
		return 0;
	}
	memcpy(out, sig, siglen);
	*outlen = siglen;
	return 1;
}

static int
rsa_sign(int type, const unsigned char *m, unsigned int mlen,
    unsigned char *sigret, unsigned int *siglen, const RSA *rsa)
{
	const struct proxy *p = RSA_get_ex_data(rsa, rsa_idx);
	size_t len;

	if (!proxy_call(p, HSM_MECH_RSA_PKCS1, type, m, mlen, sigret,
	        (size_t)RSA_size(rsa), &len)) {
		ERR_raise(ERR_LIB_RSA, ERR_R_OPERATION_FAIL);
		return 0;
	}
	*siglen = (unsigned int)len;
	return 1;
}

/* RSA_private_encrypt with PKCS#1 padding over a DigestInfo. */
static int
rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
    int padding)
{
	const struct proxy *p = RSA_get_ex_data(rsa, rsa_idx);
	const uint8_t *hash;
	size_t hlen, len;
	int md_nid;

	if (padding != RSA_PKCS1_PADDING) {
		ERR_raise(ERR_LIB_RSA, RSA_R_UNKNOWN_PADDING_TYPE);
		return -1;
	}
	if (flen < 0 || hsm_digestinfo_parse(from, (size_t)flen, &md_nid, &hash,
	                    &hlen) != PC_OK) {
		ERR_raise(ERR_LIB_RSA, RSA_R_INVALID_DIGEST);
		return -1;
	}
	if (!proxy_call(p, HSM_MECH_RSA_PKCS1, md_nid, hash, hlen, to,
	        (size_t)RSA_size(rsa), &len)) {
		ERR_raise(ERR_LIB_RSA, ERR_R_OPERATION_FAIL);
		return -1;
	}
	return (int)len;
}

static int
rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to, RSA *rsa,
    int padding)
{
	ERR_raise(ERR_LIB_RSA, RSA_R_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE);
	return -1;
}

/* The digest named by OpenSSL if it fits dlen, else 0 ("a digest"). */
static int
ec_md_nid(int type, int dlen)
{
	if ((type == NID_sha256 && dlen == 32) ||
	    (type == NID_sha384 && dlen == 48) ||
	    (type == NID_sha512 && dlen == 64))
		return type;
	return 0;
}

static int
ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig,
    unsigned int *siglen, const BIGNUM *kinv, const BIGNUM *r, EC_KEY *ec)
{
	const struct proxy *p = EC_KEY_get_ex_data(ec, ec_idx);
	size_t len;

	if (dlen <= 0 ||
	    !proxy_call(p, HSM_MECH_ECDSA, ec_md_nid(type, dlen), dgst,
	        (size_t)dlen, sig, (size_t)ECDSA_size(ec), &len)) {
		ERR_raise(ERR_LIB_EC, ERR_R_OPERATION_FAIL);
		return 0;
	}
	*siglen = (unsigned int)len;
	return 1;
}

static ECDSA_SIG *
ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	const struct proxy *p = EC_KEY_get_ex_data(ec, ec_idx);
	uint8_t der[HSM_SIG_MAX];
	const uint8_t *cp = der;
	ECDSA_SIG *es;
	size_t len;

	if (dlen <= 0 || !proxy_call(p, HSM_MECH_ECDSA, 0, dgst, (size_t)dlen,
	                     der, sizeof(der), &len)) {
		ERR_raise(ERR_LIB_EC, ERR_R_OPERATION_FAIL);
		return NULL;
	}
	es = d2i_ECDSA_SIG(NULL, &cp, (long)len);
	if (es == NULL || cp != der + len) {
		ECDSA_SIG_free(es);
		ERR_raise(ERR_LIB_EC, ERR_R_OPERATION_FAIL);
		return NULL;
	}
	return es;
}

static void
meth_init(void)
{
	RSA_METHOD *rm;
	EC_KEY_METHOD *em;

	rsa_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL, proxy_free);
	ec_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, proxy_free);
	rm = RSA_meth_dup(RSA_PKCS1_OpenSSL());
	if (rm == NULL || RSA_meth_set1_name(rm, "pecete hsm proxy") != 1 ||
	    RSA_meth_set_sign(rm, rsa_sign) != 1 ||
	    RSA_meth_set_priv_enc(rm, rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(rm, rsa_priv_dec) != 1) {
		RSA_meth_free(rm);
		rm = NULL;
	}
	em = EC_KEY_METHOD_new(EC_KEY_get_default_method());
	if (em != NULL)
		EC_KEY_METHOD_set_sign(em, ec_sign, NULL, ec_sign_sig);
	rsa_meth = rm;
	ec_meth = em;
}

/* key (an RSA or EC_KEY of type) in a new EVP_PKEY; NULL: key not taken. */
static EVP_PKEY *
pkey_wrap(int type, void *key)
{
	EVP_PKEY *pk = EVP_PKEY_new();

	if (pk != NULL && EVP_PKEY_assign(pk, type, key) != 1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

static EVP_PKEY *
proxy_rsa(EVP_PKEY *pub, struct proxy *p)
{
	const RSA *src;
	const BIGNUM *n = NULL, *e = NULL;
	BIGNUM *n2 = NULL, *e2 = NULL;
	EVP_PKEY *pk = NULL;
	RSA *rsa = NULL;

	src = EVP_PKEY_get0_RSA(pub);
	if (src == NULL)
		goto out;
	RSA_get0_key(src, &n, &e, NULL);
	rsa = RSA_new();
	n2 = BN_dup(n);
	e2 = BN_dup(e);
	if (rsa == NULL || n2 == NULL || e2 == NULL ||
	    RSA_set_method(rsa, rsa_meth) != 1 ||
	    RSA_set0_key(rsa, n2, e2, NULL) != 1)
		goto out;
	n2 = e2 = NULL;
	if (RSA_set_ex_data(rsa, rsa_idx, p) != 1)
		goto out;
	p = NULL; /* freed with rsa from now on */
	pk = pkey_wrap(EVP_PKEY_RSA, rsa);
	if (pk != NULL)
		rsa = NULL;
out:
	RSA_free(rsa);
	BN_free(n2);
	BN_free(e2);
	free(p);
	return pk;
}

static EVP_PKEY *
proxy_ec(EVP_PKEY *pub, struct proxy *p)
{
	const EC_KEY *src;
	EVP_PKEY *pk = NULL;
	EC_KEY *ec = NULL;

	src = EVP_PKEY_get0_EC_KEY(pub);
	if (src == NULL)
		goto out;
	ec = EC_KEY_new();
	if (ec == NULL || EC_KEY_set_method(ec, ec_meth) != 1 ||
	    EC_KEY_set_group(ec, EC_KEY_get0_group(src)) != 1 ||
	    EC_KEY_set_public_key(ec, EC_KEY_get0_public_key(src)) != 1)
		goto out;
	if (EC_KEY_set_ex_data(ec, ec_idx, p) != 1)
		goto out;
	p = NULL;
	pk = pkey_wrap(EVP_PKEY_EC, ec);
	if (pk != NULL)
		ec = NULL;
out:
	EC_KEY_free(ec);
	free(p);
	return pk;
}

/*
 * A proxy EVP_PKEY with the public key of pub whose signatures call fn.
 */
EVP_PKEY *
hsm_proxy_pkey_new(EVP_PKEY *pub, hsm_sign_fn fn, void *arg)
{
	struct proxy *p;
	EVP_PKEY *pk = NULL;
	int id;

	RETURN_VAL_IF_FAIL(pub != NULL && fn != NULL, NULL);
	if (pthread_once(&meth_once, meth_init) != 0 || rsa_meth == NULL ||
	    ec_meth == NULL || rsa_idx < 0 || ec_idx < 0) {
		log_warnx("hsm: proxy methods unavailable");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->p_fn = fn;
	p->p_arg = arg;
	id = EVP_PKEY_get_base_id(pub);
	if (id == EVP_PKEY_RSA)
		pk = proxy_rsa(pub, p);
	else if (id == EVP_PKEY_EC)
		pk = proxy_ec(pub, p);
	else {
		log_warnx("hsm: no proxy for key type %d", id);
		free(p);
		return NULL;
	}
	if (pk == NULL)
		(void)ossl_fail("hsm: proxy key");
	return pk;
}
