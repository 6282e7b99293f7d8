/*
 * hsm_sign.c: signing a digest with a key of the token.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "base/log.h"
#include "hsm/hsm_int.h"

#define DI_PREFIX_LEN 19

/* DER DigestInfo prefixes (RFC 8017 §9.2, note 1). */
static const struct {
	int nid;
	size_t hlen;
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	uint8_t prefix[DI_PREFIX_LEN];
} digests[] = {
	{ NID_sha256, 32, CKM_SHA256, CKG_MGF1_SHA256,
	    { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	        0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 } },
	{ NID_sha384, 48, CKM_SHA384, CKG_MGF1_SHA384,
	    { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	        0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 } },
	{ NID_sha512, 64, CKM_SHA512, CKG_MGF1_SHA512,
	    { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	        0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 } },
};

/*
 * Split a DigestInfo of SHA-256/384/512.
 */
enum pc_rc
hsm_digestinfo_parse(
    const uint8_t *p, size_t n, int *md_nid, const uint8_t **hash, size_t *hlen)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(digests); i++) {
		if (n != DI_PREFIX_LEN + digests[i].hlen ||
		    CRYPTO_memcmp(p, digests[i].prefix, DI_PREFIX_LEN) != 0)
			continue;
		*md_nid = digests[i].nid;
		*hash = p + DI_PREFIX_LEN;
		*hlen = digests[i].hlen;
		return PC_OK;
	}
	return PC_EINVAL;
}

static int
digest_index(int md_nid, size_t hlen)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(digests); i++)
		if (digests[i].nid == md_nid && digests[i].hlen == hlen)
			return (int)i;
	return -1;
}

/* Raw r||s (2 * half bytes) to DER ECDSA-Sig-Value in place. */
static enum pc_rc
ecdsa_to_der(uint8_t *sig, size_t *siglen)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r, *s;
	uint8_t *p;
	size_t half;
	enum pc_rc rc = PC_OK;
	int n;

	half = *siglen / 2;
	if (*siglen == 0 || *siglen % 2 != 0 || *siglen > 132) {
		log_warnx("hsm: ECDSA signature of %zu bytes", *siglen);
		return PC_EHSM;
	}
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	if (es == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		rc = ossl_fail("hsm: ECDSA_SIG");
		goto out;
	}
	/* At most 2 * (66 + 3) + 4 bytes: fits HSM_SIG_MAX, one pass. */
	p = sig;
	n = i2d_ECDSA_SIG(es, &p);
	if (n <= 0) {
		rc = ossl_fail("hsm: i2d_ECDSA_SIG");
		goto out;
	}
	*siglen = (size_t)n;
out:
	ECDSA_SIG_free(es);
	return rc;
}

/*
 * Sign hash (a digest of md_nid) with key using mech.
 */
enum pc_rc
hsm_key_sign(struct hsm *h, const struct hsm_key *key, enum hsm_mech mech,
    int md_nid, const uint8_t *hash, size_t hlen, uint8_t *sig, size_t *siglen)
{
	uint8_t in[DI_PREFIX_LEN + 64];
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_MECHANISM m = { 0, NULL, 0 };
	CK_SESSION_HANDLE s;
	CK_ULONG inlen, outlen;
	const char *fn = "C_SignInit";
	bool rsa;
	unsigned idx;
	int di = -1, attempt;
	enum pc_rc rc;
	CK_RV rv = CKR_OK;

	RETURN_VAL_IF_FAIL(h != NULL && key != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(
	    hash != NULL && sig != NULL && siglen != NULL, PC_EINTERNAL);
	*siglen = 0;
	if (atomic_load(&key->k_dead))
		return PC_ENOTFOUND;
	rsa = key->k_type == HSM_KEY_RSA2048 || key->k_type == HSM_KEY_RSA3072;
	if (mech != HSM_MECH_ECDSA || md_nid != 0) {
		di = digest_index(md_nid, hlen);
		if (di < 0)
			return PC_EINVAL;
	} else if (hlen < 20 || hlen > 64)
		return PC_EINVAL;
	switch (mech) {
	case HSM_MECH_RSA_PKCS1:
		if (!rsa)
			return PC_EINVAL;
		memcpy(in, digests[di].prefix, DI_PREFIX_LEN);
		memcpy(in + DI_PREFIX_LEN, hash, hlen);
		inlen = (CK_ULONG)(DI_PREFIX_LEN + hlen);
		m.mechanism = CKM_RSA_PKCS;
		break;
	case HSM_MECH_RSA_PSS:
	case HSM_MECH_RSA_PSS_MAXSALT:
		if (!rsa)
			return PC_EINVAL;
		memcpy(in, hash, hlen);
		inlen = (CK_ULONG)hlen;
		pss.hashAlg = digests[di].hash;
		pss.mgf = digests[di].mgf;
		pss.sLen = (CK_ULONG)hlen;
		if (mech == HSM_MECH_RSA_PSS_MAXSALT)
			pss.sLen =
			    (CK_ULONG)((key->k_type == HSM_KEY_RSA3072 ? 384
			                                               : 256) -
			               hlen - 2);
		m.mechanism = CKM_RSA_PKCS_PSS;
		m.pParameter = &pss;
		m.ulParameterLen = sizeof(pss);
		break;
	case HSM_MECH_ECDSA:
		if (rsa)
			return PC_EINVAL;
		memcpy(in, hash, hlen);
		inlen = (CK_ULONG)hlen;
		m.mechanism = CKM_ECDSA;
		break;
	default:
		return PC_EINVAL;
	}

	/* A lost session is reopened once, on the next borrow. */
	for (attempt = 0; attempt < 2; attempt++) {
		rc = hsm_sess_get(h, &idx, &s);
		if (rc != PC_OK)
			return rc;
		outlen = HSM_SIG_MAX;
		fn = "C_SignInit";
		rv = h->h_f->C_SignInit(s, &m, key->k_priv);
		if (rv == CKR_OK) {
			fn = "C_Sign";
			rv = h->h_f->C_Sign(s, in, inlen, sig, &outlen);
		}
		hsm_sess_put(h, idx, hsm_rv_session_lost(rv));
		if (!hsm_rv_session_lost(rv))
			break;
	}
	if (rv != CKR_OK) {
		rc = hsm_rv_fail(fn, rv);
		/* The object is gone from under its handle (the token's files
		 * replaced, restored): the next hsm_key_find looks again. */
		if (rv == CKR_OBJECT_HANDLE_INVALID ||
		    rv == CKR_KEY_HANDLE_INVALID)
			hsm_key_cache_kill(h, key->k_label);
		goto out;
	}
	*siglen = outlen;
	if (mech == HSM_MECH_ECDSA)
		rc = ecdsa_to_der(sig, siglen);
out:
	OPENSSL_cleanse(in, sizeof(in));
	if (rc != PC_OK)
		*siglen = 0;
	return rc;
}

/*
 * hsm_sign_fn over a struct hsm_key_ref.
 */
enum pc_rc
hsm_key_ref_sign(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	const struct hsm_key_ref *ref = arg;

	RETURN_VAL_IF_FAIL(ref != NULL, PC_EINTERNAL);
	return hsm_key_sign(
	    ref->hsm, ref->key, mech, md_nid, hash, hlen, sig, siglen);
}
