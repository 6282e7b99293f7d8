/*
 * test_sign_ocsp.c: the checks an OCSP response must pass before the
 * verifier believes it (sign_ocsp_check): the signature, the responder's
 * authority (the CA, or a responder it certified for OCSPSigning with
 * id-pkix-ocsp-nocheck), thisUpdate/nextUpdate, the nonce, the proof of
 * existence; good, revoked and unknown answers. Bad responses beside good
 * ones, all made here with OpenSSL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sign/verify_int.h"

struct pki {
	EVP_PKEY *ca_key, *rs_key, *bad_key, *other_key, *user_key;
	X509 *ca, *rs, *bad, *other, *user;
};

static struct pki P;

/* A certificate for key, issued by issuer (NULL: self-signed). */
static X509 *
mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial,
    const char *eku, bool nocheck)
{
	X509 *c = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	assert_non_null(c);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, X509_get_subject_name(issuer ? issuer : c));
	X509_gmtime_adj(X509_getm_notBefore(c), -86400);
	X509_gmtime_adj(X509_getm_notAfter(c), 86400 * 30);
	X509_set_pubkey(c, key);
	X509V3_set_ctx(&v3, issuer ? issuer : c, c, NULL, NULL, 0);
	if (eku != NULL) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage, eku);
		assert_non_null(ext);
		X509_add_ext(c, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (nocheck) {
		ext = X509V3_EXT_conf_nid(
		    NULL, &v3, NID_id_pkix_OCSP_noCheck, "ignored");
		assert_non_null(ext);
		X509_add_ext(c, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(c, ikey ? ikey : key, EVP_sha256()) > 0);
	return c;
}

static int
setup(void **state)
{
	P.ca_key = EVP_EC_gen("P-256");
	P.rs_key = EVP_EC_gen("P-256");
	P.bad_key = EVP_EC_gen("P-256");
	P.other_key = EVP_EC_gen("P-256");
	P.user_key = EVP_EC_gen("P-256");
	P.ca = mkcert("CA", P.ca_key, NULL, NULL, 1, NULL, false);
	P.rs = mkcert(
	    "Responder", P.rs_key, P.ca, P.ca_key, 2, "OCSPSigning", true);
	P.bad = mkcert("No EKU", P.bad_key, P.ca, P.ca_key, 3, NULL, true);
	P.other = mkcert("Other CA", P.other_key, NULL, NULL, 4, NULL, false);
	P.user = mkcert("User", P.user_key, P.ca, P.ca_key, 5, NULL, false);
	return 0;
}

static int
teardown(void **state)
{
	X509_free(P.ca);
	X509_free(P.rs);
	X509_free(P.bad);
	X509_free(P.other);
	X509_free(P.user);
	EVP_PKEY_free(P.ca_key);
	EVP_PKEY_free(P.rs_key);
	EVP_PKEY_free(P.bad_key);
	EVP_PKEY_free(P.other_key);
	EVP_PKEY_free(P.user_key);
	return 0;
}

struct resp_spec {
	int status;    /* V_OCSP_CERTSTATUS_* */
	long this_off; /* thisUpdate - now, seconds */
	long next_off; /* nextUpdate - now; 0: none */
	X509 *signer;  /* certificate and key that sign */
	EVP_PKEY *key;
	OCSP_REQUEST *nonce; /* copy this request's nonce */
	bool other_nonce;    /* add a nonce of our own */
	bool tamper;         /* flip a bit of the signature */
};

static OCSP_BASICRESP *
mkresp(const struct resp_spec *sp, OCSP_CERTID *id)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *tu = X509_gmtime_adj(NULL, sp->this_off);
	ASN1_TIME *nu =
	    sp->next_off ? X509_gmtime_adj(NULL, sp->next_off) : NULL;
	ASN1_TIME *rt = X509_gmtime_adj(NULL, -3600);
	STACK_OF(X509) *certs = sk_X509_new_null();
	const ASN1_BIT_STRING *sig;
	unsigned char *der = NULL;
	const unsigned char *p;
	int len;

	assert_non_null(OCSP_basic_add1_status(bs, id, sp->status,
	    sp->status == V_OCSP_CERTSTATUS_REVOKED ? 1 : -1,
	    sp->status == V_OCSP_CERTSTATUS_REVOKED ? rt : NULL, tu, nu));
	if (sp->nonce != NULL)
		assert_true(OCSP_copy_nonce(bs, sp->nonce) > 0);
	if (sp->other_nonce)
		assert_true(OCSP_basic_add1_nonce(bs, NULL, 16) > 0);
	sk_X509_push(certs, sp->signer);
	assert_true(OCSP_basic_sign(
	                bs, sp->signer, sp->key, EVP_sha256(), certs, 0) == 1);
	if (sp->tamper) {
		sig = OCSP_resp_get0_signature(bs);
		len = i2d_OCSP_BASICRESP(bs, &der);
		assert_true(len > 0 && ASN1_STRING_length(sig) > 8);
		/* The signature is the last bytes before the certificates:
		 * find it and flip one bit. */
		for (p = der; p + ASN1_STRING_length(sig) <= der + len; p++)
			if (memcmp(p, ASN1_STRING_get0_data(sig),
			        (size_t)ASN1_STRING_length(sig)) == 0)
				break;
		assert_true(p + ASN1_STRING_length(sig) <= der + len);
		der[(p - der) + 4] ^= 1;
		OCSP_BASICRESP_free(bs);
		p = der;
		bs = d2i_OCSP_BASICRESP(NULL, &p, len);
		assert_non_null(bs);
		OPENSSL_free(der);
	}
	sk_X509_free(certs);
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_TIME_free(rt);
	return bs;
}

static struct resp_spec
spec(int status, long this_off, long next_off)
{
	struct resp_spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.status = status;
	sp.this_off = this_off;
	sp.next_off = next_off;
	return sp;
}

/* Check a response made by sp for the user's certificate. */
static enum vrev_st
check(const struct resp_spec *sp, OCSP_REQUEST *req, int64_t poe, int64_t *ra,
    char *msg)
{
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, P.user, P.ca);
	OCSP_BASICRESP *bs = mkresp(sp, id);
	enum vrev_st st;

	st = sign_ocsp_check(bs, id, P.ca, NULL, req, (int64_t)time(NULL), poe,
	    ra, msg, SIGN_MSG_MAX);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	return st;
}

static void
test_ocsp_good(void **state)
{
	struct resp_spec sp = spec(V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	char msg[SIGN_MSG_MAX];
	int64_t ra;

	sp.signer = P.ca, sp.key = P.ca_key;
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_GOOD);
	sp.signer = P.rs, sp.key = P.rs_key; /* delegated */
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_GOOD);
	sp.next_off = 0; /* no nextUpdate, but recent */
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_GOOD);
}

static void
test_ocsp_status(void **state)
{
	struct resp_spec sp = spec(V_OCSP_CERTSTATUS_REVOKED, -60, 3600);
	char msg[SIGN_MSG_MAX];
	int64_t ra = 0, now = (int64_t)time(NULL);

	sp.signer = P.rs, sp.key = P.rs_key;
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_REVOKED);
	assert_true(ra > now - 3700 && ra < now - 3500);
	sp.status = V_OCSP_CERTSTATUS_UNKNOWN;
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_UNKNOWN);
}

static void
test_ocsp_authority(void **state)
{
	struct resp_spec sp = spec(V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	char msg[SIGN_MSG_MAX];
	int64_t ra;

	sp.signer = P.bad, sp.key = P.bad_key; /* no OCSPSigning */
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_NONE);
	assert_non_null(strstr(msg, "OCSPSigning"));
	sp.signer = P.other, sp.key = P.other_key; /* another CA */
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_NONE);
	assert_non_null(strstr(msg, "did not certify"));
	sp.signer = P.user, sp.key = P.user_key; /* the subject itself */
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_NONE);
}

static void
test_ocsp_signature(void **state)
{
	struct resp_spec sp = spec(V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	char msg[SIGN_MSG_MAX];
	int64_t ra;

	sp.signer = P.rs, sp.key = P.rs_key, sp.tamper = true;
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_NONE);
	assert_non_null(strstr(msg, "signature"));
}

static void
test_ocsp_times(void **state)
{
	struct resp_spec sp = spec(V_OCSP_CERTSTATUS_GOOD, -7200, -3600);
	char msg[SIGN_MSG_MAX];
	int64_t ra, now = (int64_t)time(NULL);

	sp.signer = P.rs, sp.key = P.rs_key;
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_NONE);
	assert_non_null(strstr(msg, "stale"));
	sp.this_off = -3 * 86400, sp.next_off = 0; /* old, no nextUpdate */
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_NONE);
	sp.this_off = 3600, sp.next_off = 7200; /* from the future */
	assert_int_equal(check(&sp, NULL, 0, &ra, msg), VREV_NONE);
	assert_non_null(strstr(msg, "future"));
	/* For a proof of existence: produced after it counts, even when
	 * stale now; before it only within its own validity period
	 * (nextUpdate - thisUpdate, EN 319 102-1 5.2.5.4), not earlier. */
	sp.this_off = -7200, sp.next_off = -3600;
	assert_int_equal(check(&sp, NULL, now - 9000, &ra, msg), VREV_GOOD);
	assert_int_equal(check(&sp, NULL, now - 5400, &ra, msg), VREV_GOOD);
	assert_int_equal(check(&sp, NULL, now - 3599, &ra, msg), VREV_NONE);
	assert_non_null(strstr(msg, "older than"));
	assert_int_equal(check(&sp, NULL, now - 60, &ra, msg), VREV_NONE);
	sp.this_off = -7200, sp.next_off = 0; /* no nextUpdate: after only */
	assert_int_equal(check(&sp, NULL, now - 7000, &ra, msg), VREV_NONE);
	assert_int_equal(check(&sp, NULL, now - 7300, &ra, msg), VREV_GOOD);
}

static void
test_ocsp_nonce(void **state)
{
	struct resp_spec sp = spec(V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	char msg[SIGN_MSG_MAX];
	int64_t ra;

	assert_true(OCSP_request_add1_nonce(req, NULL, -1) == 1);
	sp.signer = P.rs, sp.key = P.rs_key;
	sp.nonce = req; /* echoed */
	assert_int_equal(check(&sp, req, 0, &ra, msg), VREV_GOOD);
	sp.nonce = NULL, sp.other_nonce = true; /* another request's */
	assert_int_equal(check(&sp, req, 0, &ra, msg), VREV_NONE);
	assert_non_null(strstr(msg, "nonce"));
	sp.other_nonce = false; /* none: freshness decides */
	assert_int_equal(check(&sp, req, 0, &ra, msg), VREV_GOOD);
	OCSP_REQUEST_free(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ocsp_good),
		cmocka_unit_test(test_ocsp_status),
		cmocka_unit_test(test_ocsp_authority),
		cmocka_unit_test(test_ocsp_signature),
		cmocka_unit_test(test_ocsp_times),
		cmocka_unit_test(test_ocsp_nonce),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
