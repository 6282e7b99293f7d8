/*
 * test_hsm.c: the PKCS#11 client against a real SoftHSMv2 token.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <p11-kit/pkcs11.h>

#include "base/log.h"
#include "hsm/hsm.h"
#include "support/tsupport.h"

#define TOKEN "t-hsm"
#define PIN "4711-pin"

static char g_dir[PATH_MAX];

struct kspec {
	const char *label;
	enum hsm_key_type type;
};

static const struct kspec kspecs[] = {
	{ "k-rsa2048", HSM_KEY_RSA2048 },
	{ "k-rsa3072", HSM_KEY_RSA3072 },
	{ "k-p256", HSM_KEY_P256 },
	{ "k-p384", HSM_KEY_P384 },
};
#define NKEYS PC_ARRAY_LEN(kspecs)

struct fixture {
	struct hsm *h;
	EVP_PKEY *pub[NKEYS];
};

static struct hsm_opts
opts(const char *label, const char *pin, unsigned pool)
{
	struct hsm_opts o = { TS_SOFTHSM_MODULE, label, pin, pool };

	return o;
}

/* Group A: no handle held, so the token is logged out between tests. */

static void
t_open_by_label(void **state)
{
	struct hsm_opts o = opts(TOKEN, PIN, 3);
	struct hsm *h = NULL;

	assert_int_equal(hsm_open(&o, &h), PC_OK);
	assert_non_null(h);
	hsm_close(h);
	hsm_close(NULL);
}

static void
t_token_exists(void **state)
{
	assert_int_equal(
	    hsm_token_create(TS_SOFTHSM_MODULE, TOKEN, TS_SO_PIN, PIN),
	    PC_EEXIST);
	assert_int_equal(
	    hsm_token_create(TS_SOFTHSM_MODULE,
	        "a-label-longer-than-thirty-two-bytes", TS_SO_PIN, PIN),
	    PC_EINVAL);
}

static void
t_open_errors(void **state)
{
	struct hsm_opts o;
	struct hsm *h = NULL;

	o = opts("no-such-token", PIN, 1);
	assert_int_equal(hsm_open(&o, &h), PC_ENOTFOUND);
	assert_null(h);
	o = opts(TOKEN, "wrong-pin", 1);
	assert_int_equal(hsm_open(&o, &h), PC_EAUTH);
	assert_null(h);
	o = opts(TOKEN, PIN, 0);
	assert_int_equal(hsm_open(&o, &h), PC_EINVAL);
	o = opts(TOKEN, PIN, 1);
	o.module = "/nonexistent/libpkcs11.so";
	assert_int_equal(hsm_open(&o, &h), PC_EHSM);
	/* The right PIN still works after a wrong one. */
	o = opts(TOKEN, PIN, 1);
	assert_int_equal(hsm_open(&o, &h), PC_OK);
	hsm_close(h);
}

static void
t_second_token(void **state)
{
	struct hsm_opts o = opts("t-second", "second-pin", 1);
	struct hsm *h = NULL;

	assert_int_equal(hsm_token_create(TS_SOFTHSM_MODULE, "t-second",
	                     TS_SO_PIN, "second-pin"),
	    PC_OK);
	assert_int_equal(hsm_open(&o, &h), PC_OK);
	hsm_close(h);
	o = opts("t-second", PIN, 1);
	assert_int_equal(hsm_open(&o, &h), PC_EAUTH);
}

/* Group B: one handle, four keys. */

static int
setup_keys(void **state)
{
	struct hsm_opts o = opts(TOKEN, PIN, 2);
	struct fixture *fx;
	size_t i;

	fx = calloc(1, sizeof(*fx));
	if (fx == NULL || hsm_open(&o, &fx->h) != PC_OK)
		return -1;
	for (i = 0; i < NKEYS; i++)
		if (hsm_key_generate(fx->h, kspecs[i].type, kspecs[i].label,
		        &fx->pub[i]) != PC_OK)
			return -1;
	*state = fx;
	return 0;
}

static int
teardown_keys(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	if (fx == NULL)
		return 0;
	for (i = 0; i < NKEYS; i++)
		EVP_PKEY_free(fx->pub[i]);
	hsm_close(fx->h);
	free(fx);
	return 0;
}

static void
t_keygen(void **state)
{
	struct fixture *fx = *state;
	static const int bits[] = { 2048, 3072, 256, 384 };
	EVP_PKEY *pub = NULL;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		assert_non_null(fx->pub[i]);
		assert_int_equal(EVP_PKEY_get_bits(fx->pub[i]), bits[i]);
	}
	assert_int_equal(
	    hsm_key_generate(fx->h, HSM_KEY_P256, "k-p256", &pub), PC_EEXIST);
	assert_null(pub);
	assert_int_equal(
	    hsm_key_generate(fx->h, (enum hsm_key_type)99, "x", &pub),
	    PC_EINVAL);
	assert_int_equal(
	    hsm_key_generate(fx->h, HSM_KEY_P256, "", &pub), PC_EINVAL);
}

static void
t_find(void **state)
{
	struct fixture *fx = *state;
	struct hsm_opts o = opts(TOKEN, PIN, 1);
	const struct hsm_key *k, *k2;
	struct hsm *h2 = NULL;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		assert_int_equal(
		    hsm_key_find(fx->h, kspecs[i].label, &k), PC_OK);
		assert_int_equal(hsm_key_type(k), kspecs[i].type);
		assert_string_equal(hsm_key_label(k), kspecs[i].label);
		assert_int_equal(EVP_PKEY_eq(hsm_key_public(k), fx->pub[i]), 1);
		assert_int_equal(
		    hsm_key_find(fx->h, kspecs[i].label, &k2), PC_OK);
		assert_ptr_equal(k, k2);
	}
	assert_int_equal(hsm_key_find(fx->h, "no-such-key", &k), PC_ENOTFOUND);
	assert_null(k);

	/* A fresh handle reads the public keys back from the token. */
	assert_int_equal(hsm_open(&o, &h2), PC_OK);
	for (i = 0; i < NKEYS; i++) {
		assert_int_equal(hsm_key_find(h2, kspecs[i].label, &k), PC_OK);
		assert_int_equal(hsm_key_type(k), kspecs[i].type);
		assert_int_equal(EVP_PKEY_eq(hsm_key_public(k), fx->pub[i]), 1);
	}
	assert_int_equal(hsm_key_find(h2, "no-such-key", &k), PC_ENOTFOUND);
	hsm_close(h2);
}

static int
verify(EVP_PKEY *pub, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY_CTX *ctx;
	const EVP_MD *md = EVP_get_digestbynid(md_nid);
	int ok = 0;

	ctx = EVP_PKEY_CTX_new(pub, NULL);
	if (ctx == NULL || EVP_PKEY_verify_init(ctx) <= 0)
		goto out;
	if (md != NULL && EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0)
		goto out;
	if (mech == HSM_MECH_RSA_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
		goto out;
	if (mech == HSM_MECH_RSA_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, (int)hlen) <= 0 ||
	        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0))
		goto out;
	ok = EVP_PKEY_verify(ctx, sig, siglen, hash, hlen) == 1;
out:
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static void
t_sign_matrix(void **state)
{
	static const struct {
		int key;
		enum hsm_mech mech;
		int md_nid;
		size_t hlen;
		enum pc_rc want;
	} cases[] = {
		{ 0, HSM_MECH_RSA_PKCS1, NID_sha256, 32, PC_OK },
		{ 0, HSM_MECH_RSA_PKCS1, NID_sha384, 48, PC_OK },
		{ 0, HSM_MECH_RSA_PKCS1, NID_sha512, 64, PC_OK },
		{ 0, HSM_MECH_RSA_PSS, NID_sha256, 32, PC_OK },
		{ 0, HSM_MECH_RSA_PSS, NID_sha384, 48, PC_OK },
		{ 0, HSM_MECH_RSA_PSS, NID_sha512, 64, PC_OK },
		{ 1, HSM_MECH_RSA_PKCS1, NID_sha256, 32, PC_OK },
		{ 1, HSM_MECH_RSA_PSS, NID_sha512, 64, PC_OK },
		{ 2, HSM_MECH_ECDSA, NID_sha256, 32, PC_OK },
		{ 2, HSM_MECH_ECDSA, 0, 32, PC_OK },
		{ 2, HSM_MECH_ECDSA, NID_sha512, 64, PC_OK },
		{ 3, HSM_MECH_ECDSA, NID_sha384, 48, PC_OK },
		{ 3, HSM_MECH_ECDSA, 0, 48, PC_OK },
		/* bad: mechanism does not fit the key, digest, length */
		{ 0, HSM_MECH_ECDSA, NID_sha256, 32, PC_EINVAL },
		{ 2, HSM_MECH_RSA_PKCS1, NID_sha256, 32, PC_EINVAL },
		{ 3, HSM_MECH_RSA_PSS, NID_sha256, 32, PC_EINVAL },
		{ 0, HSM_MECH_RSA_PKCS1, NID_sha256, 20, PC_EINVAL },
		{ 0, HSM_MECH_RSA_PKCS1, NID_sha1, 20, PC_EINVAL },
		{ 0, HSM_MECH_RSA_PSS, 0, 32, PC_EINVAL },
		{ 2, HSM_MECH_ECDSA, NID_sha256, 48, PC_EINVAL },
		{ 2, HSM_MECH_ECDSA, 0, 8, PC_EINVAL },
		{ 0, (enum hsm_mech)42, NID_sha256, 32, PC_EINVAL },
	};
	struct fixture *fx = *state;
	const struct hsm_key *k;
	uint8_t hash[64], sig[HSM_SIG_MAX];
	size_t i, siglen;
	enum pc_rc rc;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		assert_int_equal(RAND_bytes(hash, sizeof(hash)), 1);
		assert_int_equal(
		    hsm_key_find(fx->h, kspecs[cases[i].key].label, &k), PC_OK);
		siglen = 12345;
		rc = hsm_key_sign(fx->h, k, cases[i].mech, cases[i].md_nid,
		    hash, cases[i].hlen, sig, &siglen);
		if (rc != cases[i].want)
			fail_msg("case %zu: %s, want %s", i, pc_rc_str(rc),
			    pc_rc_str(cases[i].want));
		if (rc != PC_OK) {
			assert_int_equal(siglen, 0);
			continue;
		}
		if (cases[i].mech != HSM_MECH_ECDSA)
			assert_int_equal(siglen,
			    (size_t)EVP_PKEY_get_size(fx->pub[cases[i].key]));
		if (!verify(fx->pub[cases[i].key], cases[i].mech,
		        cases[i].md_nid, hash, cases[i].hlen, sig, siglen))
			fail_msg("case %zu: signature does not verify", i);
		/* The verifier can fail: another hash, another key. */
		hash[0] ^= 1;
		assert_false(verify(fx->pub[cases[i].key], cases[i].mech,
		    cases[i].md_nid, hash, cases[i].hlen, sig, siglen));
		hash[0] ^= 1;
		assert_false(verify(fx->pub[cases[i].key ^ 1], cases[i].mech,
		    cases[i].md_nid, hash, cases[i].hlen, sig, siglen));
	}
}

static CK_BBOOL
attr_bool(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL v = 2;
	CK_ATTRIBUTE a = { t, &v, sizeof(v) };

	assert_int_equal(f->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
	return v;
}

static CK_OBJECT_HANDLE
find_one(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
    const char *label)
{
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)(uintptr_t)label, strlen(label) },
	};
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n = 0;

	assert_int_equal(f->C_FindObjectsInit(s, t, 2), CKR_OK);
	assert_int_equal(f->C_FindObjects(s, o, 2, &n), CKR_OK);
	assert_int_equal(f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	return o[0];
}

/* Read the attributes back with raw PKCS#11 (the module stays initialised
 * by the fixture's handle, whose login the new session shares). */
static void
t_attributes(void **state)
{
	CK_C_GetFunctionList gfl;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slots[16];
	CK_ULONG nslots = 16, i;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE priv, pub;
	uint8_t id1[64], id2[64], secret[512];
	CK_ATTRIBUTE a1 = { CKA_ID, id1, sizeof(id1) };
	CK_ATTRIBUTE a2 = { CKA_ID, id2, sizeof(id2) };
	CK_ATTRIBUTE ax = { CKA_PRIVATE_EXPONENT, secret, sizeof(secret) };
	CK_ATTRIBUTE av = { CKA_VALUE, secret, sizeof(secret) };
	bool found = false;
	void *dl;
	size_t k;

	dl = dlopen(TS_SOFTHSM_MODULE, RTLD_NOW);
	assert_non_null(dl);
	*(void **)&gfl = dlsym(dl, "C_GetFunctionList");
	assert_non_null(gfl);
	assert_int_equal(gfl(&f), CKR_OK);
	assert_int_equal(
	    f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &nslots), CKR_OK);
	for (i = 0; i < nslots && !found; i++) {
		assert_int_equal(f->C_GetTokenInfo(slots[i], &ti), CKR_OK);
		found = strncmp((char *)ti.label, TOKEN " ",
		            strlen(TOKEN) + 1) == 0;
	}
	assert_true(found);
	assert_int_equal(
	    f->C_OpenSession(slots[i - 1], CKF_SERIAL_SESSION, NULL, NULL, &s),
	    CKR_OK);
	for (k = 0; k < NKEYS; k++) {
		priv = find_one(f, s, CKO_PRIVATE_KEY, kspecs[k].label);
		pub = find_one(f, s, CKO_PUBLIC_KEY, kspecs[k].label);
		assert_int_equal(attr_bool(f, s, priv, CKA_SIGN), CK_TRUE);
		assert_int_equal(attr_bool(f, s, priv, CKA_SENSITIVE), CK_TRUE);
		assert_int_equal(
		    attr_bool(f, s, priv, CKA_ALWAYS_SENSITIVE), CK_TRUE);
		assert_int_equal(
		    attr_bool(f, s, priv, CKA_EXTRACTABLE), CK_FALSE);
		assert_int_equal(
		    attr_bool(f, s, priv, CKA_NEVER_EXTRACTABLE), CK_TRUE);
		assert_int_equal(attr_bool(f, s, priv, CKA_DECRYPT), CK_FALSE);
		assert_int_equal(attr_bool(f, s, priv, CKA_UNWRAP), CK_FALSE);
		assert_int_equal(attr_bool(f, s, priv, CKA_DERIVE), CK_FALSE);
		assert_int_equal(attr_bool(f, s, priv, CKA_TOKEN), CK_TRUE);
		assert_int_equal(attr_bool(f, s, priv, CKA_PRIVATE), CK_TRUE);
		assert_int_equal(attr_bool(f, s, pub, CKA_VERIFY), CK_TRUE);
		assert_int_equal(attr_bool(f, s, pub, CKA_ENCRYPT), CK_FALSE);
		assert_int_equal(attr_bool(f, s, pub, CKA_WRAP), CK_FALSE);
		a1.ulValueLen = sizeof(id1);
		a2.ulValueLen = sizeof(id2);
		assert_int_equal(
		    f->C_GetAttributeValue(s, priv, &a1, 1), CKR_OK);
		assert_int_equal(
		    f->C_GetAttributeValue(s, pub, &a2, 1), CKR_OK);
		assert_int_equal(a1.ulValueLen, 16);
		assert_int_equal(a2.ulValueLen, 16);
		assert_memory_equal(id1, id2, 16);
		/* The secret part cannot be read. */
		ax.ulValueLen = sizeof(secret);
		av.ulValueLen = sizeof(secret);
		assert_int_equal(
		    f->C_GetAttributeValue(s, priv,
		        kspecs[k].type <= HSM_KEY_RSA3072 ? &ax : &av, 1),
		    CKR_ATTRIBUTE_SENSITIVE);
	}
	/* Distinct keys have distinct ids. */
	priv = find_one(f, s, CKO_PRIVATE_KEY, kspecs[0].label);
	a1.ulValueLen = sizeof(id1);
	assert_int_equal(f->C_GetAttributeValue(s, priv, &a1, 1), CKR_OK);
	assert_memory_not_equal(id1, id2, 16);
	assert_int_equal(f->C_CloseSession(s), CKR_OK);
	dlclose(dl);
}

static void
t_destroy(void **state)
{
	struct fixture *fx = *state;
	const struct hsm_key *k, *k2;
	EVP_PKEY *pub = NULL;
	uint8_t hash[32] = { 1 }, sig[HSM_SIG_MAX];
	size_t siglen;

	assert_int_equal(
	    hsm_key_generate(fx->h, HSM_KEY_P256, "k-tmp", &pub), PC_OK);
	EVP_PKEY_free(pub);
	assert_int_equal(hsm_key_find(fx->h, "k-tmp", &k), PC_OK);
	assert_int_equal(hsm_key_sign(fx->h, k, HSM_MECH_ECDSA, NID_sha256,
	                     hash, 32, sig, &siglen),
	    PC_OK);
	assert_int_equal(hsm_key_destroy(fx->h, "k-tmp"), PC_OK);
	assert_int_equal(hsm_key_find(fx->h, "k-tmp", &k2), PC_ENOTFOUND);
	assert_int_equal(hsm_key_sign(fx->h, k, HSM_MECH_ECDSA, NID_sha256,
	                     hash, 32, sig, &siglen),
	    PC_ENOTFOUND);
	assert_int_equal(hsm_key_destroy(fx->h, "k-tmp"), PC_ENOTFOUND);
	/* The label can be used again. */
	assert_int_equal(
	    hsm_key_generate(fx->h, HSM_KEY_RSA2048, "k-tmp", &pub), PC_OK);
	assert_int_equal(hsm_key_find(fx->h, "k-tmp", &k2), PC_OK);
	assert_ptr_not_equal(k, k2);
	assert_int_equal(hsm_key_type(k2), HSM_KEY_RSA2048);
	assert_int_equal(EVP_PKEY_eq(hsm_key_public(k2), pub), 1);
	EVP_PKEY_free(pub);
	assert_int_equal(hsm_key_destroy(fx->h, "k-tmp"), PC_OK);
}

#define NTHREADS 4
#define NSIGS 200

struct worker {
	struct fixture *fx;
	int n;
	atomic_int *bad;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	const struct hsm_key *k;
	uint8_t hash[32], sig[HSM_SIG_MAX];
	size_t siglen;
	int i, ki;
	enum hsm_mech mech;

	for (i = 0; i < NSIGS; i++) {
		ki = (i + w->n) % 2 == 0 ? 0 : 2; /* rsa2048, p256 */
		mech = ki == 0 ? HSM_MECH_RSA_PKCS1 : HSM_MECH_ECDSA;
		if (RAND_bytes(hash, sizeof(hash)) != 1 ||
		    hsm_key_find(w->fx->h, kspecs[ki].label, &k) != PC_OK ||
		    hsm_key_sign(w->fx->h, k, mech, NID_sha256, hash, 32, sig,
		        &siglen) != PC_OK ||
		    !verify(w->fx->pub[ki], mech, NID_sha256, hash, 32, sig,
		        siglen))
			atomic_fetch_add(w->bad, 1);
	}
	return NULL;
}

static void
t_pool_threads(void **state)
{
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	atomic_int bad;
	int i;

	atomic_init(&bad, 0);
	for (i = 0; i < NTHREADS; i++) {
		w[i].fx = *state;
		w[i].n = i;
		w[i].bad = &bad;
		assert_int_equal(
		    pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(atomic_load(&bad), 0);
}

static X509 *
make_cert(EVP_PKEY *pub, EVP_PKEY *signer)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	X509_NAME *name;
	X509 *x;

	x = X509_new();
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4711), 1);
	name = X509_get_subject_name(x);
	assert_int_equal(
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	        (const unsigned char *)"Pecete test TSA", -1, -1, 0),
	    1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, pub), 1);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(
	    NULL, &v3, NID_ext_key_usage, "critical,timeStamping");
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
	    "critical,digitalSignature,nonRepudiation");
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, signer, EVP_sha256()) > 0);
	return x;
}

static void
proxy_crl(X509 *cert, EVP_PKEY *proxy, EVP_PKEY *pub, EVP_PKEY *other)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = X509_gmtime_adj(NULL, 0);

	assert_non_null(crl);
	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(cert)), 1);
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
	assert_true(X509_CRL_sign(crl, proxy, EVP_sha256()) > 0);
	assert_int_equal(X509_CRL_verify(crl, pub), 1);
	assert_true(X509_CRL_verify(crl, other) != 1);
	ERR_clear_error();
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

static void
proxy_ocsp(X509 *cert, EVP_PKEY *proxy, X509 *othercert)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *t = X509_gmtime_adj(NULL, 0);
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, cert, cert);

	assert_non_null(bs);
	assert_non_null(id);
	assert_non_null(OCSP_basic_add1_status(
	    bs, id, V_OCSP_CERTSTATUS_GOOD, 0, NULL, t, NULL));
	assert_int_equal(
	    OCSP_basic_sign(bs, cert, proxy, EVP_sha256(), NULL, 0), 1);
	assert_true(certs != NULL && store != NULL);
	/* Same subject name: the responder id matches both certificates. */
	assert_int_equal(sk_X509_push(certs, othercert), 1);
	assert_true(OCSP_basic_verify(
	                bs, certs, store, OCSP_NOINTERN | OCSP_NOVERIFY) <= 0);
	ERR_clear_error();
	sk_X509_pop(certs);
	assert_int_equal(sk_X509_push(certs, cert), 1);
	assert_int_equal(
	    OCSP_basic_verify(bs, certs, store, OCSP_NOINTERN | OCSP_NOVERIFY),
	    1);
	sk_X509_free(certs);
	X509_STORE_free(store);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(t);
	OCSP_BASICRESP_free(bs);
}

static ASN1_INTEGER *
ts_serial(TS_RESP_CTX *ctx, void *data)
{
	ASN1_INTEGER *s = ASN1_INTEGER_new();

	if (s != NULL)
		ASN1_INTEGER_set(s, 77);
	return s;
}

static void
proxy_ts(X509 *cert, EVP_PKEY *proxy)
{
	uint8_t hash[32];
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	TS_RESP *resp;
	BIO *bio;
	PKCS7 *tok;

	assert_true(req && mi && alg && policy && ctx && certs && store);
	assert_int_equal(RAND_bytes(hash, sizeof(hash)), 1);
	assert_int_equal(TS_REQ_set_version(req, 1), 1);
	assert_int_equal(
	    X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL),
	    1);
	assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
	assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, hash, sizeof(hash)), 1);
	assert_int_equal(TS_REQ_set_msg_imprint(req, mi), 1);
	assert_int_equal(TS_REQ_set_cert_req(req, 1), 1);
	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	assert_int_equal(i2d_TS_REQ_bio(bio, req), 1);

	assert_int_equal(TS_RESP_CTX_set_signer_cert(ctx, cert), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_key(ctx, proxy), 1);
	assert_int_equal(TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()), 1);
	assert_int_equal(TS_RESP_CTX_set_def_policy(ctx, policy), 1);
	assert_int_equal(TS_RESP_CTX_add_md(ctx, EVP_sha256()), 1);
	TS_RESP_CTX_set_serial_cb(ctx, ts_serial, NULL);
	resp = TS_RESP_create_response(ctx, bio);
	assert_non_null(resp);
	assert_int_equal(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	                     TS_RESP_get_status_info(resp))),
	    TS_STATUS_GRANTED);
	tok = TS_RESP_get_token(resp);
	assert_non_null(tok);
	assert_int_equal(sk_X509_push(certs, cert), 1);
	assert_int_equal(
	    PKCS7_verify(tok, certs, store, NULL, NULL, PKCS7_NOVERIFY), 1);
	sk_X509_free(certs);
	X509_STORE_free(store);
	TS_RESP_free(resp);
	BIO_free(bio);
	TS_RESP_CTX_free(ctx);
	ASN1_OBJECT_free(policy);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
}

static void
proxy_cms(X509 *cert, EVP_PKEY *proxy, X509 *othercert)
{
	static const char msg[] = "Pecete CAdES test content";
	STACK_OF(X509) *certs = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	BIO *in, *out;
	CMS_ContentInfo *cms;
	unsigned char *der;
	const unsigned char *cp;
	char *p;
	long n;

	in = BIO_new_mem_buf(msg, (int)strlen(msg));
	out = BIO_new(BIO_s_mem());
	assert_true(in && out && certs && store);
	cms = CMS_sign(cert, proxy, NULL, in, CMS_BINARY | CMS_NOCERTS);
	assert_non_null(cms);
	der = NULL;
	n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	CMS_ContentInfo_free(cms);
	/* Parse it again for each check: a parsed object keeps its signer. */
	cp = der;
	cms = d2i_CMS_ContentInfo(NULL, &cp, n);
	assert_non_null(cms);
	assert_int_equal(sk_X509_push(certs, othercert), 1);
	/* The wrong certificate does not verify the signature. */
	assert_int_equal(CMS_verify(cms, certs, store, NULL, NULL,
	                     CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY),
	    0);
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	sk_X509_pop(certs);
	assert_int_equal(sk_X509_push(certs, cert), 1);
	cp = der;
	cms = d2i_CMS_ContentInfo(NULL, &cp, n);
	assert_non_null(cms);
	assert_int_equal(CMS_verify(cms, certs, store, NULL, out,
	                     CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY),
	    1);
	OPENSSL_free(der);
	n = BIO_get_mem_data(out, &p);
	assert_int_equal(n, (long)strlen(msg));
	assert_memory_equal(p, msg, strlen(msg));
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
	sk_X509_free(certs);
	X509_STORE_free(store);
}

/* EVP_PKEY_sign without a digest (RSA_private_encrypt over a DigestInfo)
 * and PSS (not offered by the proxy: must fail cleanly). */
static void
proxy_rsa_raw(EVP_PKEY *proxy, EVP_PKEY *pub)
{
	static const uint8_t di[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
		0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
		0x00, 0x04, 0x20 };
	uint8_t in[19 + 32], sig[HSM_SIG_MAX];
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *ctx;

	memcpy(in, di, sizeof(di));
	assert_int_equal(RAND_bytes(in + 19, 32), 1);
	ctx = EVP_PKEY_CTX_new(proxy, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &siglen, in, sizeof(in)), 1);
	assert_true(verify(
	    pub, HSM_MECH_RSA_PKCS1, NID_sha256, in + 19, 32, sig, siglen));
	/* Not a DigestInfo: refused. */
	siglen = sizeof(sig);
	assert_true(
	    EVP_PKEY_sign(ctx, sig, &siglen, in + 1, sizeof(in) - 1) <= 0);
	EVP_PKEY_CTX_free(ctx);

	ctx = EVP_PKEY_CTX_new(proxy, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_true(
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0);
	assert_true(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0);
	siglen = sizeof(sig);
	assert_true(EVP_PKEY_sign(ctx, sig, &siglen, in + 19, 32) <= 0);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
}

static void
proxy_all(struct fixture *fx, int ki, int other)
{
	struct hsm_key_ref ref;
	EVP_PKEY *proxy, *oproxy;
	struct hsm_key_ref oref;
	X509 *cert, *ocert;

	ref.hsm = fx->h;
	assert_int_equal(
	    hsm_key_find(fx->h, kspecs[ki].label, &ref.key), PC_OK);
	oref.hsm = fx->h;
	assert_int_equal(
	    hsm_key_find(fx->h, kspecs[other].label, &oref.key), PC_OK);
	proxy = hsm_proxy_pkey_new(fx->pub[ki], hsm_key_ref_sign, &ref);
	assert_non_null(proxy);
	oproxy = hsm_proxy_pkey_new(fx->pub[other], hsm_key_ref_sign, &oref);
	assert_non_null(oproxy);

	cert = make_cert(fx->pub[ki], proxy);
	assert_int_equal(X509_verify(cert, fx->pub[ki]), 1);
	assert_true(X509_verify(cert, fx->pub[other]) != 1);
	ERR_clear_error();
	assert_int_equal(X509_check_private_key(cert, proxy), 1);
	ocert = make_cert(fx->pub[other], oproxy);
	assert_int_equal(X509_verify(ocert, fx->pub[other]), 1);

	proxy_crl(cert, proxy, fx->pub[ki], fx->pub[other]);
	proxy_ocsp(cert, proxy, ocert);
	proxy_ts(cert, proxy);
	proxy_cms(cert, proxy, ocert);
	if (ki == 0)
		proxy_rsa_raw(proxy, fx->pub[ki]);

	X509_free(cert);
	X509_free(ocert);
	EVP_PKEY_free(proxy);
	EVP_PKEY_free(oproxy);
}

static void
t_proxy_rsa(void **state)
{
	proxy_all(*state, 0, 1);
}

static void
t_proxy_p256(void **state)
{
	proxy_all(*state, 2, 3);
}

static enum pc_rc
failing_fn(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	return PC_EHSM;
}

/* A failing signer makes X509_sign fail, not crash. */
static void
t_proxy_fail(void **state)
{
	struct fixture *fx = *state;
	EVP_PKEY *proxy;
	X509 *x;
	int k;

	for (k = 0; k < 4; k += 2) {
		proxy = hsm_proxy_pkey_new(fx->pub[k], failing_fn, NULL);
		assert_non_null(proxy);
		x = X509_new();
		assert_non_null(x);
		assert_int_equal(X509_set_pubkey(x, fx->pub[k]), 1);
		assert_true(X509_sign(x, proxy, EVP_sha256()) <= 0);
		ERR_clear_error();
		X509_free(x);
		EVP_PKEY_free(proxy);
	}
}

int
main(void)
{
	const struct CMUnitTest group_a[] = {
		cmocka_unit_test(t_open_by_label),
		cmocka_unit_test(t_token_exists),
		cmocka_unit_test(t_open_errors),
		cmocka_unit_test(t_second_token),
	};
	const struct CMUnitTest group_b[] = {
		cmocka_unit_test(t_keygen),
		cmocka_unit_test(t_find),
		cmocka_unit_test(t_sign_matrix),
		cmocka_unit_test(t_attributes),
		cmocka_unit_test(t_destroy),
		cmocka_unit_test(t_pool_threads),
		cmocka_unit_test(t_proxy_rsa),
		cmocka_unit_test(t_proxy_p256),
		cmocka_unit_test(t_proxy_fail),
	};
	int fails;

	if (access(TS_SOFTHSM_MODULE, R_OK) != 0) {
		fprintf(stderr, "SKIP: %s missing\n", TS_SOFTHSM_MODULE);
		return 77;
	}
	log_init("test_hsm");
	if (ts_softhsm_setup(g_dir, sizeof(g_dir), TOKEN, PIN) != 0)
		return 1;
	fails = cmocka_run_group_tests_name("hsm-token", group_a, NULL, NULL);
	fails += cmocka_run_group_tests_name(
	    "hsm-keys", group_b, setup_keys, teardown_keys);
	ts_rmtree(g_dir);
	return fails == 0 ? 0 : 1;
}
