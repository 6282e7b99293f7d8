/*
 * hsm_keygen.c: generation and destruction of sign-only key pairs.
 */
#include <string.h>

#include "base/log.h"
#include "base/rnd.h"
#include "hsm/hsm_int.h"

#define KEY_ID_LEN 16

/* DER OIDs for CKA_EC_PARAMS (namedCurve). */
static const CK_BYTE oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x03, 0x01, 0x07 };
static const CK_BYTE oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

#define ATTR(t, p, n)                                                          \
	do {                                                                   \
		tmpl[nt].type = (t);                                           \
		tmpl[nt].pValue = (void *)(uintptr_t)(p);                      \
		tmpl[nt++].ulValueLen = (CK_ULONG)(n);                         \
	} while (0)

/*
 * Generate a sign-only, non-extractable key pair of type labelled label.
 */
enum pc_rc
hsm_key_generate(
    struct hsm *h, enum hsm_key_type type, const char *label, EVP_PKEY **pub)
{
	static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	static const CK_BYTE e65537[] = { 0x01, 0x00, 0x01 };
	static const CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY;
	static const CK_OBJECT_CLASS cpub = CKO_PUBLIC_KEY;
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pubt[12], privt[16], *tmpl;
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	CK_KEY_TYPE kt;
	CK_ULONG bits = 0, nt, npub, npriv;
	CK_BYTE id[KEY_ID_LEN];
	CK_SESSION_HANDLE s;
	const struct hsm_key *key;
	enum hsm_key_type got;
	EVP_PKEY *pk = NULL;
	size_t n, len;
	bool held = false, genlock = false;
	unsigned idx;
	enum pc_rc rc;
	CK_RV rv = CKR_OK;

	RETURN_VAL_IF_FAIL(
	    h != NULL && label != NULL && pub != NULL, PC_EINTERNAL);
	*pub = NULL;
	len = strlen(label);
	if (len == 0 || len > HSM_LABEL_MAX)
		return PC_EINVAL;
	switch (type) {
	case HSM_KEY_RSA2048:
	case HSM_KEY_RSA3072:
		kt = CKK_RSA;
		bits = type == HSM_KEY_RSA2048 ? 2048 : 3072;
		break;
	case HSM_KEY_P256:
	case HSM_KEY_P384:
		kt = CKK_EC;
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		break;
	default:
		return PC_EINVAL;
	}
	rc = rnd_bytes(id, sizeof(id));
	if (rc != PC_OK)
		return rc;

	tmpl = pubt;
	nt = 0;
	ATTR(CKA_CLASS, &cpub, sizeof(cpub));
	ATTR(CKA_KEY_TYPE, &kt, sizeof(kt));
	ATTR(CKA_TOKEN, &yes, sizeof(yes));
	ATTR(CKA_PRIVATE, &no, sizeof(no));
	ATTR(CKA_LABEL, label, len);
	ATTR(CKA_ID, id, sizeof(id));
	ATTR(CKA_VERIFY, &yes, sizeof(yes));
	ATTR(CKA_ENCRYPT, &no, sizeof(no));
	ATTR(CKA_WRAP, &no, sizeof(no));
	if (kt == CKK_RSA) {
		ATTR(CKA_MODULUS_BITS, &bits, sizeof(bits));
		ATTR(CKA_PUBLIC_EXPONENT, e65537, sizeof(e65537));
	} else if (type == HSM_KEY_P256)
		ATTR(CKA_EC_PARAMS, oid_p256, sizeof(oid_p256));
	else
		ATTR(CKA_EC_PARAMS, oid_p384, sizeof(oid_p384));
	npub = nt;

	tmpl = privt;
	nt = 0;
	ATTR(CKA_CLASS, &cpriv, sizeof(cpriv));
	ATTR(CKA_KEY_TYPE, &kt, sizeof(kt));
	ATTR(CKA_TOKEN, &yes, sizeof(yes));
	ATTR(CKA_PRIVATE, &yes, sizeof(yes));
	ATTR(CKA_LABEL, label, len);
	ATTR(CKA_ID, id, sizeof(id));
	ATTR(CKA_SIGN, &yes, sizeof(yes));
	ATTR(CKA_DECRYPT, &no, sizeof(no));
	ATTR(CKA_UNWRAP, &no, sizeof(no));
	ATTR(CKA_DERIVE, &no, sizeof(no));
	ATTR(CKA_SENSITIVE, &yes, sizeof(yes));
	ATTR(CKA_EXTRACTABLE, &no, sizeof(no));
	npriv = nt;

	pthread_mutex_lock(&h->h_genlock);
	genlock = true;
	rc = hsm_sess_get(h, &idx, &s);
	if (rc != PC_OK)
		goto out;
	held = true;
	rc = hsm_find_objects(h, s, (CK_OBJECT_CLASS)-1, label, &hpriv, 1, &n);
	if (rc != PC_OK)
		goto out;
	if (n != 0) {
		log_warnx("hsm: label %s is taken", label);
		rc = PC_EEXIST;
		goto out;
	}
	hpriv = CK_INVALID_HANDLE;
	rv = h->h_f->C_GenerateKeyPair(
	    s, &mech, pubt, npub, privt, npriv, &hpub, &hpriv);
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_GenerateKeyPair", rv);
		goto out;
	}
	rc = hsm_pub_read(h, s, hpub, kt, &pk, &got);
	if (rc == PC_OK && got != type) {
		log_warnx("hsm: generated key has the wrong type");
		rc = PC_EHSM;
	}
	if (rc != PC_OK) {
		(void)h->h_f->C_DestroyObject(s, hpriv);
		(void)h->h_f->C_DestroyObject(s, hpub);
		goto out;
	}
	if (EVP_PKEY_up_ref(pk) != 1) {
		rc = PC_ECRYPTO;
		goto out;
	}
	*pub = pk;
	rc = hsm_key_cache_add(h, label, type, hpriv, pk, &key);
	pk = NULL;
	if (rc != PC_OK) {
		EVP_PKEY_free(*pub);
		*pub = NULL;
		goto out;
	}
	log_info("hsm: key %s generated", label);
out:
	EVP_PKEY_free(pk);
	if (held)
		hsm_sess_put(h, idx, hsm_rv_session_lost(rv));
	if (genlock)
		pthread_mutex_unlock(&h->h_genlock);
	return rc;
}

/*
 * Destroy every object labelled label (the key pair and anything else with
 * that label). PC_ENOTFOUND if there is none.
 */
enum pc_rc
hsm_key_destroy(struct hsm *h, const char *label)
{
	CK_OBJECT_HANDLE objs[8];
	CK_SESSION_HANDLE s;
	bool held = false;
	unsigned idx;
	size_t n, i;
	enum pc_rc rc;
	CK_RV rv = CKR_OK;

	RETURN_VAL_IF_FAIL(h != NULL && label != NULL, PC_EINTERNAL);
	if (*label == '\0' || strlen(label) > HSM_LABEL_MAX)
		return PC_EINVAL;
	pthread_mutex_lock(&h->h_genlock);
	rc = hsm_sess_get(h, &idx, &s);
	if (rc != PC_OK)
		goto out;
	held = true;
	rc = hsm_find_objects(
	    h, s, (CK_OBJECT_CLASS)-1, label, objs, PC_ARRAY_LEN(objs), &n);
	if (rc != PC_OK)
		goto out;
	if (n == 0) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	if (n > PC_ARRAY_LEN(objs)) {
		log_warnx("hsm: %zu objects labelled %s", n, label);
		rc = PC_ESTATE;
		goto out;
	}
	hsm_key_cache_kill(h, label);
	for (i = 0; i < n; i++) {
		rv = h->h_f->C_DestroyObject(s, objs[i]);
		if (rv != CKR_OK) {
			rc = hsm_rv_fail("C_DestroyObject", rv);
			goto out;
		}
	}
	log_info("hsm: key %s destroyed", label);
out:
	if (held)
		hsm_sess_put(h, idx, hsm_rv_session_lost(rv));
	pthread_mutex_unlock(&h->h_genlock);
	return rc;
}
