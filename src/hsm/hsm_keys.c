/*
 * hsm_keys.c: finding keys on the token, reading their public parts into
 * EVP_PKEYs, and the cache of key handles (label -> handle + public key).
 * Handles of token objects stay valid across the sessions of one process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "base/log.h"
#include "base/secret.h"
#include "hsm/hsm_int.h"

/*
 * Find objects by class and label.
 */
enum pc_rc
hsm_find_objects(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
    const char *label, CK_OBJECT_HANDLE *out, size_t max, size_t *n)
{
	CK_OBJECT_HANDLE tmp[8];
	CK_ATTRIBUTE tmpl[2];
	CK_ULONG ntmpl = 0, got;
	enum pc_rc rc = PC_OK;
	CK_RV rv;
	size_t i;

	*n = 0;
	tmpl[ntmpl].type = CKA_LABEL;
	tmpl[ntmpl].pValue = (void *)(uintptr_t)label;
	tmpl[ntmpl++].ulValueLen = (CK_ULONG)strlen(label);
	if (cls != (CK_OBJECT_CLASS)-1) {
		tmpl[ntmpl].type = CKA_CLASS;
		tmpl[ntmpl].pValue = &cls;
		tmpl[ntmpl++].ulValueLen = sizeof(cls);
	}
	rv = h->h_f->C_FindObjectsInit(s, tmpl, ntmpl);
	if (rv != CKR_OK)
		return hsm_rv_fail("C_FindObjectsInit", rv);
	for (;;) {
		rv = h->h_f->C_FindObjects(s, tmp, PC_ARRAY_LEN(tmp), &got);
		if (rv != CKR_OK) {
			rc = hsm_rv_fail("C_FindObjects", rv);
			break;
		}
		if (got == 0)
			break;
		for (i = 0; i < got; i++, (*n)++)
			if (*n < max)
				out[*n] = tmp[i];
	}
	rv = h->h_f->C_FindObjectsFinal(s);
	if (rv != CKR_OK && rc == PC_OK)
		rc = hsm_rv_fail("C_FindObjectsFinal", rv);
	return rc;
}

static enum pc_rc
attr_get(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    CK_ATTRIBUTE_TYPE type, uint8_t **p, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*p = NULL;
	rv = h->h_f->C_GetAttributeValue(s, obj, &a, 1);
	if (rv != CKR_OK)
		return hsm_rv_fail("C_GetAttributeValue", rv);
	if (a.ulValueLen == 0 || a.ulValueLen > 4096) {
		log_warnx("hsm: attribute 0x%lx has length %lu",
		    (unsigned long)type, (unsigned long)a.ulValueLen);
		return PC_EHSM;
	}
	a.pValue = malloc(a.ulValueLen);
	if (a.pValue == NULL)
		return PC_ENOMEM;
	rv = h->h_f->C_GetAttributeValue(s, obj, &a, 1);
	if (rv != CKR_OK) {
		free(a.pValue);
		return hsm_rv_fail("C_GetAttributeValue", rv);
	}
	*p = a.pValue;
	*len = a.ulValueLen;
	return PC_OK;
}

/* Attributes of an object, read by attrs_get. */
struct attr_val {
	CK_ATTRIBUTE_TYPE type;
	uint8_t *p; /* malloc()ed */
	size_t len;
};

/* The n attributes a[i].type of obj. OUT: a[i].p (attrs_free), a[i].len. */
static enum pc_rc
attrs_get(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    struct attr_val *a, size_t n)
{
	enum pc_rc rc = PC_OK;
	size_t i;

	for (i = 0; rc == PC_OK && i < n; i++)
		rc = attr_get(h, s, obj, a[i].type, &a[i].p, &a[i].len);
	return rc;
}

static void
attrs_free(struct attr_val *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a[i].p);
}

static enum pc_rc
pub_from_params(const char *alg, OSSL_PARAM_BLD *bld, EVP_PKEY **pub)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	enum pc_rc rc = PC_OK;

	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, pub, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		rc = ossl_fail("hsm: public key");
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return rc;
}

static enum pc_rc
pub_read_rsa(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    EVP_PKEY **pub, enum hsm_key_type *type)
{
	struct attr_val a[] = { { CKA_MODULUS, NULL, 0 },
		{ CKA_PUBLIC_EXPONENT, NULL, 0 } };
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *n = NULL, *e = NULL;
	enum pc_rc rc;
	int bits;

	rc = attrs_get(h, s, obj, a, PC_ARRAY_LEN(a));
	if (rc != PC_OK)
		goto out;
	n = BN_bin2bn(a[0].p, (int)a[0].len, NULL);
	e = BN_bin2bn(a[1].p, (int)a[1].len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (n == NULL || e == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
		rc = ossl_fail("hsm: rsa public key");
		goto out;
	}
	bits = BN_num_bits(n);
	if (bits == 2048)
		*type = HSM_KEY_RSA2048;
	else if (bits == 3072)
		*type = HSM_KEY_RSA3072;
	else {
		log_warnx("hsm: unsupported RSA key size %d", bits);
		rc = PC_EINVAL;
		goto out;
	}
	rc = pub_from_params("RSA", bld, pub);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	attrs_free(a, PC_ARRAY_LEN(a));
	return rc;
}

static enum pc_rc
pub_read_ec(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    EVP_PKEY **pub, enum hsm_key_type *type)
{
	struct attr_val a[] = { { CKA_EC_PARAMS, NULL, 0 },
		{ CKA_EC_POINT, NULL, 0 } };
	const uint8_t *cp, *pt;
	size_t ptlen;
	const uint8_t *point;
	size_t pointlen;
	ASN1_OBJECT *oid = NULL;
	ASN1_OCTET_STRING *os = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	const char *group;
	enum pc_rc rc;
	int nid;

	rc = attrs_get(h, s, obj, a, PC_ARRAY_LEN(a));
	if (rc != PC_OK)
		goto out;
	pt = a[1].p;
	ptlen = a[1].len;
	cp = a[0].p;
	oid = d2i_ASN1_OBJECT(NULL, &cp, (long)a[0].len);
	nid = oid != NULL ? OBJ_obj2nid(oid) : NID_undef;
	if (nid == NID_X9_62_prime256v1)
		*type = HSM_KEY_P256;
	else if (nid == NID_secp384r1)
		*type = HSM_KEY_P384;
	else {
		log_warnx("hsm: unsupported EC parameters");
		rc = PC_EINVAL;
		goto out;
	}
	group = OBJ_nid2sn(nid);
	/* CKA_EC_POINT is a DER OCTET STRING; some modules give it raw. */
	cp = pt;
	os = d2i_ASN1_OCTET_STRING(NULL, &cp, (long)ptlen);
	if (os != NULL && cp == pt + ptlen) {
		point = ASN1_STRING_get0_data(os);
		pointlen = (size_t)ASN1_STRING_length(os);
	} else {
		point = pt;
		pointlen = ptlen;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(
	        bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(
	        bld, OSSL_PKEY_PARAM_PUB_KEY, point, pointlen)) {
		rc = ossl_fail("hsm: ec public key");
		goto out;
	}
	rc = pub_from_params("EC", bld, pub);
out:
	ERR_clear_error(); /* the failed d2i of a raw point */
	OSSL_PARAM_BLD_free(bld);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(oid);
	attrs_free(a, PC_ARRAY_LEN(a));
	return rc;
}

/*
 * Build the public key of obj, an RSA or EC public key object (or an RSA
 * private key object, which carries the modulus and exponent too).
 */
enum pc_rc
hsm_pub_read(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
    CK_KEY_TYPE kt, EVP_PKEY **pub, enum hsm_key_type *type)
{
	*pub = NULL;
	if (kt == CKK_RSA)
		return pub_read_rsa(h, s, obj, pub, type);
	if (kt == CKK_EC)
		return pub_read_ec(h, s, obj, pub, type);
	log_warnx("hsm: unsupported key type 0x%lx", (unsigned long)kt);
	return PC_EINVAL;
}

static struct hsm_key *
cache_lookup(struct hsm *h, const char *label)
{
	struct hsm_key *k;

	for (k = h->h_keys; k != NULL; k = k->k_next)
		if (!atomic_load(&k->k_dead) && strcmp(k->k_label, label) == 0)
			return k;
	return NULL;
}

/*
 * Add a key to the cache; if another thread added the label first, keep
 * that one. Takes pub.
 */
enum pc_rc
hsm_key_cache_add(struct hsm *h, const char *label, enum hsm_key_type type,
    CK_OBJECT_HANDLE priv, EVP_PKEY *pub, const struct hsm_key **key)
{
	struct hsm_key *k;

	pthread_mutex_lock(&h->h_lock);
	k = cache_lookup(h, label);
	if (k != NULL) {
		pthread_mutex_unlock(&h->h_lock);
		EVP_PKEY_free(pub);
		*key = k;
		return PC_OK;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		pthread_mutex_unlock(&h->h_lock);
		EVP_PKEY_free(pub);
		return PC_ENOMEM;
	}
	snprintf(k->k_label, sizeof(k->k_label), "%s", label);
	k->k_type = type;
	k->k_priv = priv;
	k->k_pub = pub;
	atomic_init(&k->k_dead, false);
	k->k_next = h->h_keys;
	h->h_keys = k;
	pthread_mutex_unlock(&h->h_lock);
	*key = k;
	return PC_OK;
}

/*
 * Mark the cached keys labelled label as destroyed; the memory stays until
 * hsm_close because callers may still hold pointers.
 */
void
hsm_key_cache_kill(struct hsm *h, const char *label)
{
	struct hsm_key *k;

	pthread_mutex_lock(&h->h_lock);
	for (k = h->h_keys; k != NULL; k = k->k_next)
		if (strcmp(k->k_label, label) == 0)
			atomic_store(&k->k_dead, true);
	pthread_mutex_unlock(&h->h_lock);
}

/*
 * Find a private key by label, from the cache or the token.
 */
enum pc_rc
hsm_key_find(struct hsm *h, const char *label, const struct hsm_key **key)
{
	CK_OBJECT_HANDLE priv, pubobj;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	CK_SESSION_HANDLE s;
	enum hsm_key_type type;
	EVP_PKEY *pub = NULL;
	struct hsm_key *k;
	unsigned idx;
	size_t n, len;
	enum pc_rc rc;
	CK_RV rv;

	RETURN_VAL_IF_FAIL(
	    h != NULL && label != NULL && key != NULL, PC_EINTERNAL);
	*key = NULL;
	len = strlen(label);
	if (len == 0 || len > HSM_LABEL_MAX)
		return PC_EINVAL;
	pthread_mutex_lock(&h->h_lock);
	k = cache_lookup(h, label);
	pthread_mutex_unlock(&h->h_lock);
	if (k != NULL) {
		*key = k;
		return PC_OK;
	}
	rc = hsm_sess_get(h, &idx, &s);
	if (rc != PC_OK)
		return rc;
	rc = hsm_find_objects(h, s, CKO_PRIVATE_KEY, label, &priv, 1, &n);
	if (rc != PC_OK)
		goto out;
	if (n == 0) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	if (n > 1) {
		log_warnx("hsm: %zu private keys are labelled %s", n, label);
		rc = PC_ESTATE;
		goto out;
	}
	rv = h->h_f->C_GetAttributeValue(s, priv, &a, 1);
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_GetAttributeValue", rv);
		goto out;
	}
	rc = hsm_find_objects(h, s, CKO_PUBLIC_KEY, label, &pubobj, 1, &n);
	if (rc != PC_OK)
		goto out;
	if (n == 1)
		rc = hsm_pub_read(h, s, pubobj, kt, &pub, &type);
	else if (kt == CKK_RSA)
		rc = hsm_pub_read(h, s, priv, kt, &pub, &type);
	else {
		log_warnx("hsm: key %s has %zu public keys", label, n);
		rc = PC_ESTATE;
	}
	if (rc != PC_OK)
		goto out;
	hsm_sess_put(h, idx, false);
	return hsm_key_cache_add(h, label, type, priv, pub, key);
out:
	EVP_PKEY_free(pub);
	hsm_sess_put(h, idx, false);
	return rc;
}

/* The public key of a found key (borrowed). */
EVP_PKEY *
hsm_key_public(const struct hsm_key *key)
{
	return key->k_pub;
}

/* The type of a found key. */
enum hsm_key_type
hsm_key_type(const struct hsm_key *key)
{
	return key->k_type;
}

/* The label of a found key (borrowed). */
const char *
hsm_key_label(const struct hsm_key *key)
{
	return key->k_label;
}

enum pc_rc
hsm_key_ensure(struct hsm *h, enum hsm_key_type type, const char *label,
    const struct hsm_key **key)
{
	EVP_PKEY *pub = NULL;
	enum pc_rc rc;

	rc = hsm_key_find(h, label, key);
	if (rc != PC_ENOTFOUND)
		return rc;
	rc = hsm_key_generate(h, type, label, &pub);
	EVP_PKEY_free(pub);
	if (rc == PC_OK || rc == PC_EEXIST) /* EEXIST: made meanwhile */
		rc = hsm_key_find(h, label, key);
	return rc;
}
