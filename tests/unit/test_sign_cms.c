/*
 * test_sign_cms.c: the CMS builder shared by PAdES and CAdES: the raw
 * signature path (CMS_PARTIAL + our signed attributes) verifies with
 * OpenSSL, signing-time only when asked, B-T needs a TSA URL, a failing
 * key fails the build; time formatting for appearances.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sign/sign.h"
#include "sign/sign_local.h"

static const char content[] = "Pecete test content\n";

struct fixture {
	EVP_PKEY *key;
	X509 *cert;
};

static enum pc_rc
key_sign(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	EVP_PKEY_CTX *pctx;
	size_t n = HSM_SIG_MAX;
	int ok;

	pctx = EVP_PKEY_CTX_new(arg, NULL);
	ok = pctx != NULL && EVP_PKEY_sign_init(pctx) > 0 &&
	     EVP_PKEY_CTX_set_signature_md(pctx, EVP_get_digestbynid(md_nid)) >
	         0 &&
	     EVP_PKEY_sign(pctx, sig, &n, hash, hlen) > 0;
	EVP_PKEY_CTX_free(pctx);
	*siglen = n;
	return ok ? PC_OK : PC_ECRYPTO;
}

static enum pc_rc
key_refuse(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	return PC_EAUTH;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	X509_NAME *nm;

	assert_non_null(fx);
	fx->key = EVP_EC_gen("P-256");
	assert_non_null(fx->key);
	fx->cert = X509_new();
	X509_set_version(fx->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(fx->cert), 42);
	X509_gmtime_adj(X509_getm_notBefore(fx->cert), -60);
	X509_gmtime_adj(X509_getm_notAfter(fx->cert), 3600);
	nm = X509_get_subject_name(fx->cert);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Test Signer", -1, -1, 0);
	X509_set_issuer_name(fx->cert, nm);
	X509_set_pubkey(fx->cert, fx->key);
	assert_true(X509_sign(fx->cert, fx->key, EVP_sha256()) > 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	EVP_PKEY_free(fx->key);
	X509_free(fx->cert);
	free(fx);
	return 0;
}

static CMS_ContentInfo *
build(struct fixture *fx, hsm_sign_fn fn, bool stime, int md_nid,
    enum sign_level level, enum pc_rc want, struct sign_err *err)
{
	struct sign_signer *s = NULL;
	struct sign_opts o;
	CMS_ContentInfo *cms = NULL;
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;

	sign_opts_init(&o);
	o.md_nid = md_nid;
	o.level = level;
	assert_int_equal(
	    sign_signer_new(fx->cert, NULL, fn, fx->key, &s), PC_OK);
	assert_int_equal(s->mech, HSM_MECH_ECDSA);
	assert_true(EVP_Digest(content, strlen(content), digest, &dlen,
	    EVP_get_digestbynid(md_nid), NULL));
	assert_int_equal(
	    sign_cms_build(s, &o, digest, dlen, stime, &cms, err), want);
	sign_signer_free(s);
	return cms;
}

/* What is written is DER: verify the round trip, as a verifier would. */
static void
verify_ok(struct fixture *fx, CMS_ContentInfo *built)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int len = i2d_CMS_ContentInfo(built, &der);
	CMS_ContentInfo *cms;
	X509_STORE *st = X509_STORE_new();
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *in = BIO_new_mem_buf(content, (int)strlen(content));

	assert_true(len > 0);
	p = der;
	cms = d2i_CMS_ContentInfo(NULL, &p, len);
	assert_non_null(cms);
	sk_X509_push(certs, fx->cert);
	int ok = CMS_verify(
	    cms, certs, st, in, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY);
	if (ok != 1)
		ERR_print_errors_fp(stderr);
	assert_int_equal(ok, 1);
	CMS_ContentInfo_free(cms);
	OPENSSL_free(der);
	BIO_free(in);
	sk_X509_free(certs);
	X509_STORE_free(st);
}

static void
test_cms_pades_shape(void **state)
{
	struct fixture *fx = *state;
	CMS_SignerInfo *si;
	CMS_ContentInfo *cms;
	static const int mds[] = { NID_sha256, NID_sha384, NID_sha512 };
	size_t i;

	for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		cms = build(
		    fx, key_sign, false, mds[i], SIGN_LEVEL_BB, PC_OK, NULL);
		assert_non_null(cms);
		verify_ok(fx, cms);
		si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		assert_true(CMS_signed_get_attr_by_NID(
		                si, NID_pkcs9_signingTime, -1) < 0);
		assert_true(CMS_signed_get_attr_by_NID(si,
		                NID_id_smime_aa_signingCertificateV2, -1) >= 0);
		assert_true(CMS_signed_get_attr_by_NID(
		                si, NID_pkcs9_contentType, -1) >= 0);
		assert_int_equal(
		    sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)), 1);
		CMS_ContentInfo_free(cms);
	}
}

static void
test_cms_cades_signing_time(void **state)
{
	struct fixture *fx = *state;
	CMS_SignerInfo *si;
	CMS_ContentInfo *cms;

	cms = build(fx, key_sign, true, NID_sha256, SIGN_LEVEL_BB, PC_OK, NULL);
	verify_ok(fx, cms);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	assert_true(
	    CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0);
	CMS_ContentInfo_free(cms);
}

static void
test_cms_bad(void **state)
{
	struct fixture *fx = *state;
	struct sign_err err = { 0 };

	assert_null(build(
	    fx, key_refuse, false, NID_sha256, SIGN_LEVEL_BB, PC_EAUTH, &err));
	assert_string_equal(err.code, "sign_failed");
	memset(&err, 0, sizeof(err));
	assert_null(build(
	    fx, key_sign, false, NID_sha256, SIGN_LEVEL_BT, PC_EINVAL, &err));
	assert_string_equal(err.code, "tsa_missing");
}

static void
test_time_fmt(void **state)
{
	static const struct {
		int64_t t;
		int tz;
		const char *want;
	} cases[] = {
		{ 0, 0, "1970-01-01 00:00:00 +00:00" },
		{ 1772373909, 120, "2026-03-01 16:05:09 +02:00" },
		{ 1772373909, 180, "2026-03-01 17:05:09 +03:00" },
		{ 1772373909, -330, "2026-03-01 08:35:09 -05:30" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sign_time_fmt(cases[i].t, cases[i].tz, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cms_pades_shape),
		cmocka_unit_test(test_cms_cades_signing_time),
		cmocka_unit_test(test_cms_bad),
		cmocka_unit_test(test_time_fmt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
