/*
 * test_sign_pades.c: the PAdES file flow (placeholder update in a
 * temporary file, hash, CMS, patch, rename): a signer that refuses after
 * the placeholder was written leaves no output and no temporary file; a
 * job freed unfinished leaves nothing; a refused finish can be retried on
 * the same job; the output starts with the input and its /Contents holds
 * the CMS over the /ByteRange.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sign/sign.h"
#include "support/tsupport.h"

struct fixture {
	EVP_PKEY *key;
	X509 *cert;
	char dir[64];
	char in[128], out[128];
	size_t in_len;
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
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/pc-pades.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->in, sizeof(fx->in), "%s/in.pdf", fx->dir);
	snprintf(fx->out, sizeof(fx->out), "%s/out.pdf", fx->dir);
	fx->in_len = ts_pdf_write(fx->in);
	assert_true(fx->in_len > 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->out);
	unlink(fx->in);
	rmdir(fx->dir);
	EVP_PKEY_free(fx->key);
	X509_free(fx->cert);
	free(fx);
	return 0;
}

static struct sign_signer *
signer(struct fixture *fx, hsm_sign_fn fn)
{
	struct sign_signer *s = NULL;

	assert_int_equal(
	    sign_signer_new(fx->cert, NULL, fn, fx->key, &s), PC_OK);
	return s;
}

/* The signer refuses after the placeholder update was written. */
static void
test_pades_refused_leaves_nothing(void **state)
{
	struct fixture *fx = *state;
	struct sign_signer *s = signer(fx, key_refuse);
	struct sign_opts o;
	struct sign_err err;
	struct stat st;

	sign_opts_init(&o);
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(
	    sign_pades_file(s, &o, fx->in, fx->out, &err), PC_OK);
	assert_int_not_equal(stat(fx->out, &st), 0);
	assert_int_equal(ts_dir_count(fx->dir), 1); /* in.pdf only */
	sign_signer_free(s);
}

/* begin, then free: the temporary file goes, no output appears. */
static void
test_pades_unfinished_job(void **state)
{
	struct fixture *fx = *state;
	struct sign_signer *s = signer(fx, key_sign);
	struct sign_pades_job *j = NULL;
	struct sign_opts o;
	struct sign_err err;
	struct stat st;

	sign_opts_init(&o);
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    sign_pades_begin(s, &o, fx->in, fx->out, &j, &err), PC_OK);
	assert_non_null(j);
	assert_int_equal(ts_dir_count(fx->dir), 2); /* in + temporary */
	assert_int_not_equal(stat(fx->out, &st), 0);
	sign_pades_job_free(j);
	assert_int_equal(ts_dir_count(fx->dir), 1);
	sign_signer_free(s);
}

/* A refused finish keeps the job; the retry signs; the CMS verifies. */
static void
test_pades_retry_and_verify(void **state)
{
	struct fixture *fx = *state;
	struct sign_signer *bad = signer(fx, key_refuse);
	struct sign_signer *good = signer(fx, key_sign);
	struct sign_pades_job *j = NULL;
	struct sign_opts o;
	struct sign_err err;
	CMS_ContentInfo *cms;
	STACK_OF(X509) * certs;
	X509_STORE *store;
	BIO *content;
	unsigned char *file, *der, *hex;
	long br[4];
	size_t n, dlen, k;
	FILE *f;
	char *p;

	sign_opts_init(&o);
	memset(&err, 0, sizeof(err));
	assert_int_equal(
	    sign_pades_begin(good, &o, fx->in, fx->out, &j, &err), PC_OK);
	assert_int_not_equal(sign_pades_finish(j, bad, &err), PC_OK);
	assert_int_equal(ts_dir_count(fx->dir), 2);
	assert_int_equal(sign_pades_finish(j, good, &err), PC_OK);
	assert_int_equal(sign_pades_finish(j, good, &err), PC_ESTATE);
	sign_pades_job_free(j);
	assert_int_equal(ts_dir_count(fx->dir), 2); /* in + out */

	/* The input is a prefix; /Contents holds a CMS over /ByteRange. */
	f = fopen(fx->out, "rb");
	assert_non_null(f);
	file = malloc(1 << 20);
	assert_non_null(file);
	n = fread(file, 1, (1 << 20) - 1, f);
	fclose(f);
	file[n] = '\0';
	assert_true(n > fx->in_len);
	{
		unsigned char orig[2048];
		FILE *g = fopen(fx->in, "rb");

		assert_non_null(g);
		assert_int_equal(fread(orig, 1, sizeof(orig), g), fx->in_len);
		fclose(g);
		assert_memory_equal(orig, file, fx->in_len);
	}
	p = strstr((char *)file + fx->in_len, "/ByteRange[");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "/ByteRange[%ld %ld %ld %ld]", &br[0],
	                     &br[1], &br[2], &br[3]),
	    4);
	assert_int_equal(br[0], 0);
	assert_int_equal((size_t)(br[2] + br[3]), n);
	assert_int_equal(file[br[1]], '<');
	hex = file + br[1] + 1;
	dlen = (size_t)(br[2] - br[1] - 2) / 2;
	der = calloc(1, dlen);
	assert_non_null(der);
	for (k = 0; k < dlen; k++) {
		unsigned int v;

		assert_int_equal(sscanf((char *)hex + 2 * k, "%2x", &v), 1);
		der[k] = (unsigned char)v;
	}
	{
		const unsigned char *q = der;

		cms = d2i_CMS_ContentInfo(NULL, &q, (long)dlen);
	}
	assert_non_null(cms);
	content = BIO_new(BIO_s_mem());
	BIO_write(content, file, (int)br[1]);
	BIO_write(content, file + br[2], (int)br[3]);
	store = X509_STORE_new();
	X509_STORE_add_cert(store, fx->cert);
	certs = sk_X509_new_null();
	sk_X509_push(certs, fx->cert);
	assert_int_equal(CMS_verify(cms, certs, store, content, NULL,
	                     CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY),
	    1);
	sk_X509_free(certs);
	X509_STORE_free(store);
	BIO_free(content);
	CMS_ContentInfo_free(cms);
	free(der);
	free(file);
	sign_signer_free(bad);
	sign_signer_free(good);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_pades_refused_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pades_unfinished_job, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pades_retry_and_verify, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
