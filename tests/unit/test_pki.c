/*
 * test_pki.c: the trust core: CNP and person checks, the hierarchy, the
 * qualified and authentication profiles, revocation and CRLs, OCSP and
 * TSA answers (good and hostile input), with a temporary SoftHSM token and
 * a temporary SQLite store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "base/conf.h"
#include "hsm/hsm.h"
#include "pki/pki.h"
#include "store/store.h"
#include "support/tsupport.h"

#define TOKEN "pkitest"
#define PIN "1234-pki"
#define CNP_OK "1800101221144"

static struct {
	char dir[512];
	struct conf conf;
	struct hsm *hsm;
	struct store *st;
	struct pki_keysrc ks;
	struct pki *pki;
	X509 *root, *issuing, *ocsp, *tsa;
	struct pki_issued is;
	bool revoked;
} T;

/* ---- pure checks ------------------------------------------------------ */

static void
test_cnp(void **state)
{
	static const struct {
		const char *cnp;
		bool ok;
	} v[] = {
		{ CNP_OK, true },
		{ "2960215401234", true },
		{ "5030311123454", true },
		{ "1761129040013", true },
		{ "1800101221145", false },  /* check digit */
		{ "180010122114", false },   /* 12 digits */
		{ "18001012211444", false }, /* 14 digits */
		{ "0800101221144", false },  /* first digit 0 */
		{ "1801301221144", false },  /* month 13 */
		{ "1800230221144", false },  /* 30 February */
		{ "1800101991144", false },  /* county 99 */
		{ "1800101220004", false },  /* serial 000 */
		{ "18001012211a4", false },
		{ "", false },
		{ " 800101221144", false },
	};
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(v); i++) {
		if (cnp_valid(v[i].cnp) != v[i].ok)
			fail_msg("cnp %s: expected %d", v[i].cnp, v[i].ok);
	}
	assert_false(cnp_valid(NULL));
}

static void
test_person_check(void **state)
{
	struct pki_person ok = { "Ion", "Popescu", "ion@example.ro", "RO",
		PKI_ID_PNO, CNP_OK };
	struct pki_person w;
	char err[200], longname[80];

	assert_int_equal(pki_person_check(&ok, err, sizeof(err)), PC_OK);
	w = ok;
	w.given_name = "Ștefan-Ioan"; /* UTF-8 */
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_OK);
	w = ok;
	w.given_name = "";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	assert_non_null(strstr(err, "given name"));
	memset(longname, 'a', 65);
	longname[65] = '\0';
	w = ok;
	w.surname = longname;
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	w = ok;
	w.surname = "Pop\tescu";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	w = ok;
	w.surname = "Pop\xc3"; /* truncated UTF-8 */
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	w = ok;
	w.email = "ion.example.ro";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	assert_non_null(strstr(err, "e-mail"));
	w.email = "ion@localhost";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	w.email = "a,b@example.ro";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	w = ok;
	w.country = "ro";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	w = ok;
	w.id_number = "1800101221145";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	assert_non_null(strstr(err, "CNP"));
	w = ok;
	w.id_type = PKI_ID_PAS;
	w.id_number = "055123456";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_OK);
	w.id_number = "05-5123456";
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
	w.id_number = "012345678901234567890"; /* 21 */
	assert_int_equal(pki_person_check(&w, err, sizeof(err)), PC_EINVAL);
}

static void
test_names(void **state)
{
	char sn[STORE_SERIAL_MAX + 1];

	assert_int_equal(pki_reason_from_name("keyCompromise"), 1);
	assert_int_equal(pki_reason_from_name("superseded"), 4);
	assert_int_equal(pki_reason_from_name("cessationOfOperation"), 5);
	assert_int_equal(pki_reason_from_name("certificateHold"), 6);
	assert_int_equal(pki_reason_from_name("affiliationChanged"), 3);
	assert_int_equal(pki_reason_from_name("unspecified"), 0);
	assert_int_equal(pki_reason_from_name("removeFromCRL"), -1);
	assert_int_equal(pki_reason_from_name("nonsense"), -1);
	assert_string_equal(pki_reason_name(1), "keyCompromise");
	assert_int_equal(pki_serial_norm("0x00AB:CD", sn, sizeof(sn)), PC_OK);
	assert_string_equal(sn, "abcd");
	assert_int_equal(pki_serial_norm("xyz", sn, sizeof(sn)), PC_EINVAL);
}

static void
test_parse_pure(void **state)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	OCSP_REQUEST *oreq = NULL;
	TS_REQ *treq = NULL;
	uint8_t big[300];

	memset(big, 0x30, sizeof(big));
	assert_int_equal(pki_ocsp_req_parse(NULL, 0, 100, &oreq), PC_EINVAL);
	assert_int_equal(
	    pki_ocsp_req_parse(junk, sizeof(junk), 100, &oreq), PC_EINVAL);
	assert_int_equal(
	    pki_ocsp_req_parse(big, sizeof(big), 100, &oreq), PC_ELIMIT);
	assert_null(oreq);
	assert_int_equal(
	    pki_tsa_req_parse(junk, sizeof(junk), 100, &treq), PC_EINVAL);
	assert_int_equal(
	    pki_tsa_req_parse(big, sizeof(big), 100, &treq), PC_ELIMIT);
	assert_null(treq);
}

/* ---- the hierarchy and the store ---------------------------------------- */

static X509 *
der_cert(const char *name)
{
	struct buf b;
	const unsigned char *p;
	X509 *x;

	buf_init(&b, 1 << 20);
	assert_int_equal(pki_cert_der(T.pki, name, &b), PC_OK);
	p = b.data;
	x = d2i_X509(NULL, &p, (long)b.len);
	assert_non_null(x);
	buf_cleanup(&b);
	return x;
}

static int
setup(void **state)
{
	struct hsm_opts ho;
	char url[600];

	if (ts_softhsm_setup(T.dir, sizeof(T.dir), TOKEN, PIN) != 0)
		return -1;
	ERR_clear_error();
	memset(&ho, 0, sizeof(ho));
	ho.module = TS_SOFTHSM_MODULE;
	ho.token_label = TOKEN;
	ho.pin = PIN;
	ho.pool = 2;
	if (hsm_open(&ho, &T.hsm) != PC_OK)
		return -1;
	ERR_clear_error();
	if (conf_defaults(&T.conf, T.dir) != PC_OK)
		return -1;
	snprintf(url, sizeof(url), "sqlite:%s/pecete.db", T.dir);
	free(T.conf.store.url);
	T.conf.store.url = strdup(url);
	free(T.conf.server.public_url);
	T.conf.server.public_url = strdup("https://pki.example.ro");
	T.conf.pki.ocsp_max_request = 4096;
	T.conf.pki.tsa_max_request = 4096;
	if (store_open(T.conf.store.url, 2, &T.st) != PC_OK ||
	    store_migrate(T.st) != PC_OK)
		return -1;
	pki_keysrc_hsm(&T.ks, T.hsm);
	if (pki_hierarchy_create(&T.conf, T.st, &T.ks) != PC_OK)
		return -1;
	if (pki_open(&T.conf, T.st, &T.ks, &T.pki) != PC_OK)
		return -1;
	T.root = der_cert("root");
	T.issuing = der_cert("issuing");
	T.ocsp = der_cert("ocsp");
	T.tsa = der_cert("tsa");
	return 0;
}

static int
teardown(void **state)
{
	pki_issued_cleanup(&T.is);
	X509_free(T.root);
	X509_free(T.issuing);
	X509_free(T.ocsp);
	X509_free(T.tsa);
	pki_close(T.pki);
	store_close(T.st);
	hsm_close(T.hsm);
	conf_free(&T.conf);
	if (T.dir[0] != '\0')
		ts_rmtree(T.dir);
	return 0;
}

/* Verify x against root (trusted) and issuing (untrusted). */
static int
verify_chain(X509 *x, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *un = sk_X509_new_null();
	int ok;

	assert_true(store != NULL && ctx != NULL && un != NULL);
	X509_STORE_add_cert(store, T.root);
	sk_X509_push(un, T.issuing);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, x, un), 1);
	if (purpose > 0)
		X509_STORE_CTX_set_purpose(ctx, purpose);
	ok = X509_verify_cert(ctx);
	if (ok != 1)
		print_message(
		    "verify: %s\n", X509_verify_cert_error_string(
		                        X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(un);
	return ok;
}

static bool
ext_critical(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	assert_true(i >= 0);
	return X509_EXTENSION_get_critical(X509_get_ext(x, i)) == 1;
}

static void
test_hierarchy(void **state)
{
	BASIC_CONSTRAINTS *bc;

	assert_int_equal(pki_hierarchy_create(&T.conf, T.st, &T.ks), PC_EEXIST);
	/* root self-signed, pathlen 1; issuing pathlen 0 */
	assert_int_equal(X509_check_issued(T.root, T.root), X509_V_OK);
	bc = X509_get_ext_d2i(T.root, NID_basic_constraints, NULL, NULL);
	assert_non_null(bc);
	assert_true(bc->ca);
	assert_int_equal(ASN1_INTEGER_get(bc->pathlen), 1);
	BASIC_CONSTRAINTS_free(bc);
	bc = X509_get_ext_d2i(T.issuing, NID_basic_constraints, NULL, NULL);
	assert_non_null(bc);
	assert_int_equal(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(verify_chain(T.issuing, 0), 1);
	assert_int_equal(verify_chain(T.ocsp, X509_PURPOSE_OCSP_HELPER), 1);
	assert_int_equal(verify_chain(T.tsa, X509_PURPOSE_TIMESTAMP_SIGN), 1);
	/* OCSP: EKU OCSPSigning and nocheck; TSA: critical EKU */
	assert_true(X509_get_extended_key_usage(T.ocsp) & XKU_OCSP_SIGN);
	assert_true(
	    X509_get_ext_by_NID(T.ocsp, NID_id_pkix_OCSP_noCheck, -1) >= 0);
	assert_true(ext_critical(T.tsa, NID_ext_key_usage));
	assert_int_equal(X509_get_extended_key_usage(T.tsa), XKU_TIMESTAMP);
	assert_true(X509_get0_subject_key_id(T.tsa) != NULL);
	assert_true(X509_get0_authority_key_id(T.tsa) != NULL);
}

static bool
ext_has_der(X509 *x, int nid, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *v;
	unsigned char *der = NULL;
	int i, n;
	bool found = false;

	i = X509_get_ext_by_NID(x, nid, -1);
	if (i < 0 || o == NULL)
		goto out;
	v = X509_EXTENSION_get_data(X509_get_ext(x, i));
	n = i2d_ASN1_OBJECT(o, &der);
	for (int k = 0; n > 0 && k + n <= v->length; k++)
		if (memcmp(v->data + k, der, (size_t)n) == 0)
			found = true;
out:
	OPENSSL_free(der);
	ASN1_OBJECT_free(o);
	return found;
}

static void
name_entry(X509 *x, int nid, char *out, size_t n)
{
	X509_NAME *nm = X509_get_subject_name(x);
	int i = X509_NAME_get_index_by_NID(nm, nid, -1);
	ASN1_STRING *s;

	assert_true(i >= 0);
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
	snprintf(out, n, "%.*s", ASN1_STRING_length(s),
	    (const char *)ASN1_STRING_get0_data(s));
}

static void
test_issue(void **state)
{
	struct pki_person who = { "Ion", "Popescu", "ion@example.ro", NULL,
		PKI_ID_PNO, CNP_OK };
	struct pki_issued bad;
	X509 *s, *a;
	const ASN1_INTEGER *sn;
	BIGNUM *bn;
	char buf[128], err[200];

	/* bad input: refused before any key is made */
	who.id_number = "1800101221145";
	assert_int_equal(pki_holder_issue(T.pki, &who, 1, HSM_KEY_P256, NULL,
	                     &bad, err, sizeof(err)),
	    PC_EINVAL);
	assert_non_null(strstr(err, "CNP"));
	who.id_number = CNP_OK;
	assert_int_equal(pki_holder_issue(T.pki, &who, 4, HSM_KEY_P256, NULL,
	                     &bad, err, sizeof(err)),
	    PC_EINVAL);

	assert_int_equal(pki_holder_issue(T.pki, &who, 2, HSM_KEY_P256, NULL,
	                     &T.is, err, sizeof(err)),
	    PC_OK);
	s = T.is.sign_cert;
	a = T.is.auth_cert;
	assert_int_equal(verify_chain(s, 0), 1);
	assert_int_equal(verify_chain(a, X509_PURPOSE_SSL_CLIENT), 1);
	assert_string_not_equal(T.is.sign_key_label, T.is.auth_key_label);

	/* type A: keyUsage nonRepudiation only, critical */
	assert_int_equal(X509_get_key_usage(s), KU_NON_REPUDIATION);
	assert_true(ext_critical(s, NID_key_usage));
	assert_true(
	    ext_has_der(s, NID_certificate_policies, "0.4.0.194112.1.2"));
	assert_true(
	    ext_has_der(s, NID_certificate_policies, T.conf.pki.policy_oid));
	assert_true(ext_has_der(s, NID_qcStatements, "0.4.0.1862.1.1"));
	assert_true(ext_has_der(s, NID_qcStatements, "0.4.0.1862.1.4"));
	assert_true(ext_has_der(s, NID_qcStatements, "0.4.0.1862.1.6"));
	assert_true(ext_has_der(s, NID_qcStatements, "0.4.0.1862.1.6.1"));
	assert_true(ext_has_der(s, NID_qcStatements, "0.4.0.1862.1.5"));
	assert_true(ext_has_der(s, NID_qcStatements, "1.3.6.1.5.5.7.11.2"));
	assert_true(ext_has_der(s, NID_qcStatements, "0.4.0.194121.1.1"));
	assert_true(X509_get_ext_by_NID(s, NID_info_access, -1) >= 0);
	assert_true(
	    X509_get_ext_by_NID(s, NID_crl_distribution_points, -1) >= 0);
	assert_true(X509_get_ext_by_NID(s, NID_subject_alt_name, -1) >= 0);
	assert_true(X509_get0_subject_key_id(s) != NULL);
	assert_true(X509_get0_authority_key_id(s) != NULL);
	name_entry(s, NID_serialNumber, buf, sizeof(buf));
	assert_string_equal(buf, "PNORO-" CNP_OK);
	name_entry(s, NID_commonName, buf, sizeof(buf));
	assert_string_equal(buf, "Ion Popescu");
	name_entry(s, NID_givenName, buf, sizeof(buf));
	assert_string_equal(buf, "Ion");
	name_entry(s, NID_surname, buf, sizeof(buf));
	assert_string_equal(buf, "Popescu");
	name_entry(s, NID_countryName, buf, sizeof(buf));
	assert_string_equal(buf, "RO");

	/* serial: positive, at least 64 bits */
	sn = X509_get0_serialNumber(s);
	bn = ASN1_INTEGER_to_BN(sn, NULL);
	assert_false(BN_is_negative(bn));
	assert_true(BN_num_bits(bn) >= 64);
	BN_free(bn);

	/* authentication: digitalSignature, clientAuth, not qualified */
	assert_int_equal(X509_get_key_usage(a), KU_DIGITAL_SIGNATURE);
	assert_true(ext_critical(a, NID_key_usage));
	assert_true(X509_get_extended_key_usage(a) & XKU_SSL_CLIENT);
	assert_true(X509_get_ext_by_NID(a, NID_qcStatements, -1) < 0);
	assert_false(
	    ext_has_der(a, NID_certificate_policies, "0.4.0.194112.1.2"));
	assert_int_not_equal(
	    ASN1_INTEGER_cmp(X509_get0_serialNumber(a), sn), 0);
}

/* ---- OCSP ------------------------------------------------------------- */

static OCSP_RESPONSE *
ocsp_ask(OCSP_CERTID *id, bool nonce, int *status)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL;
	const unsigned char *p;
	struct buf out;
	int n;

	assert_non_null(req);
	assert_non_null(OCSP_request_add0_id(req, id));
	if (nonce)
		assert_int_equal(OCSP_request_add1_nonce(req, NULL, -1), 1);
	n = i2d_OCSP_REQUEST(req, &der);
	assert_true(n > 0);
	buf_init(&out, 1 << 20);
	assert_int_equal(pki_ocsp_respond(T.pki, der, (size_t)n, &out), PC_OK);
	p = out.data;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)out.len);
	assert_non_null(resp);
	*status = OCSP_response_status(resp);
	OPENSSL_free(der);
	buf_cleanup(&out);
	if (nonce && *status == OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		OCSP_BASICRESP *bs = OCSP_response_get1_basic(resp);

		assert_int_equal(OCSP_check_nonce(req, bs), 1);
		OCSP_BASICRESP_free(bs);
	}
	OCSP_REQUEST_free(req);
	return resp;
}

static int
ocsp_status_of(OCSP_CERTID *id, int *reason)
{
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	OCSP_CERTID *copy = OCSP_CERTID_dup(id);
	X509_STORE *store = X509_STORE_new();
	ASN1_GENERALIZEDTIME *rev, *thisupd, *nextupd;
	int rs, st = -1;

	X509_STORE_add_cert(store, T.root);
	resp = ocsp_ask(id, true, &rs);
	assert_int_equal(rs, OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(resp);
	assert_non_null(bs);
	assert_int_equal(OCSP_basic_verify(bs, NULL, store, 0), 1);
	assert_int_equal(OCSP_resp_find_status(
	                     bs, copy, &st, reason, &rev, &thisupd, &nextupd),
	    1);
	assert_int_equal(OCSP_check_validity(thisupd, nextupd, 300, -1), 1);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_CERTID_free(copy);
	X509_STORE_free(store);
	return st;
}

static void
test_revoke(void **state)
{
	struct buf b;
	const unsigned char *p;
	X509_CRL *crl;
	X509_REVOKED *rev = NULL;
	ASN1_INTEGER *num;
	long n1, n2;

	assert_non_null(T.is.sign_cert);
	buf_init(&b, 1 << 20);
	assert_int_equal(pki_crl_der(T.pki, "issuing", &b), PC_OK);
	p = b.data;
	crl = d2i_X509_CRL(NULL, &p, (long)b.len);
	assert_non_null(crl);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	n1 = ASN1_INTEGER_get(num);
	ASN1_INTEGER_free(num);
	X509_CRL_free(crl);

	assert_int_equal(pki_cert_revoke(T.pki, T.is.sign_serial,
	                     pki_reason_from_name("keyCompromise")),
	    PC_OK);
	T.revoked = true;
	assert_int_equal(
	    pki_cert_revoke(T.pki, T.is.sign_serial, 1), PC_ESTATE);
	assert_int_equal(pki_cert_revoke(T.pki, "abcdef0123", 1), PC_ENOTFOUND);
	assert_int_equal(
	    pki_cert_revoke(T.pki, T.is.sign_serial, 8), PC_EINVAL);

	buf_reset(&b);
	assert_int_equal(pki_crl_der(T.pki, "issuing", &b), PC_OK);
	p = b.data;
	crl = d2i_X509_CRL(NULL, &p, (long)b.len);
	assert_non_null(crl);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(T.issuing)), 1);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	n2 = ASN1_INTEGER_get(num);
	ASN1_INTEGER_free(num);
	assert_true(n2 > n1);
	assert_int_equal(X509_CRL_get0_by_serial(
	                     crl, &rev, X509_get0_serialNumber(T.is.sign_cert)),
	    1);
	assert_int_equal(X509_CRL_get0_by_serial(
	                     crl, &rev, X509_get0_serialNumber(T.is.auth_cert)),
	    0);
	X509_CRL_free(crl);

	buf_reset(&b);
	assert_int_equal(pki_crl_der(T.pki, "root", &b), PC_OK);
	buf_reset(&b);
	assert_int_equal(pki_crl_der(T.pki, "tsa", &b), PC_ENOTFOUND);
	buf_cleanup(&b);
}

static void
test_ocsp(void **state)
{
	OCSP_CERTID *id;
	ASN1_INTEGER *rnd;
	X509 *other;
	EVP_PKEY *k;
	int reason = -1, st;
	OCSP_RESPONSE *resp;

	assert_true(T.revoked);
	/* good (auth), revoked (sign), with the reason */
	id = OCSP_cert_to_id(NULL, T.is.auth_cert, T.issuing);
	assert_int_equal(ocsp_status_of(id, &reason), V_OCSP_CERTSTATUS_GOOD);
	id = OCSP_cert_to_id(EVP_sha256(), T.is.sign_cert, T.issuing);
	assert_int_equal(
	    ocsp_status_of(id, &reason), V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	/* unknown: a serial we never issued */
	rnd = ASN1_INTEGER_new();
	ASN1_INTEGER_set_int64(rnd, 0x123456789LL);
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(T.issuing),
	    X509_get0_pubkey_bitstr(T.issuing), rnd);
	ASN1_INTEGER_free(rnd);
	assert_int_equal(
	    ocsp_status_of(id, &reason), V_OCSP_CERTSTATUS_UNKNOWN);
	/* the TSA certificate is ours too */
	id = OCSP_cert_to_id(NULL, T.tsa, T.issuing);
	assert_int_equal(ocsp_status_of(id, &reason), V_OCSP_CERTSTATUS_GOOD);

	/* an issuer we do not serve; the root (offline) */
	k = EVP_EC_gen("P-256");
	other = X509_new();
	assert_non_null(k);
	X509_set_pubkey(other, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(other), "CN",
	    MBSTRING_ASC, (const unsigned char *)"Other CA", -1, -1, 0);
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(other),
	    X509_get0_pubkey_bitstr(other), X509_get0_serialNumber(T.ocsp));
	resp = ocsp_ask(id, false, &st);
	assert_int_equal(st, OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	OCSP_RESPONSE_free(resp);
	X509_free(other);
	EVP_PKEY_free(k);
	id = OCSP_cert_to_id(NULL, T.issuing, T.root);
	resp = ocsp_ask(id, true, &st);
	assert_int_equal(st, OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	OCSP_RESPONSE_free(resp);
}

static int
raw_status(const uint8_t *p, size_t n, bool tsa)
{
	struct buf out;
	const unsigned char *q;
	int st;

	buf_init(&out, 1 << 20);
	if (tsa)
		assert_int_equal(pki_tsa_respond(T.pki, p, n, &out), PC_OK);
	else
		assert_int_equal(pki_ocsp_respond(T.pki, p, n, &out), PC_OK);
	q = out.data;
	if (tsa) {
		TS_RESP *r = d2i_TS_RESP(NULL, &q, (long)out.len);
		const ASN1_BIT_STRING *fi;

		assert_non_null(r);
		st = (int)ASN1_INTEGER_get(
		    TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r)));
		if (st == TS_STATUS_REJECTION) {
			fi = TS_STATUS_INFO_get0_failure_info(
			    TS_RESP_get_status_info(r));
			assert_non_null(fi);
			/* return the failure bit instead */
			for (int b = 0; b < 32; b++)
				if (ASN1_BIT_STRING_get_bit(fi, b))
					st = 100 + b;
		}
		TS_RESP_free(r);
	} else {
		OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(NULL, &q, (long)out.len);

		assert_non_null(r);
		st = OCSP_response_status(r);
		OCSP_RESPONSE_free(r);
	}
	buf_cleanup(&out);
	return st;
}

static void
test_ocsp_hostile(void **state)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	unsigned char *der = NULL, *big;
	uint8_t junk[64];
	int n, i;

	OCSP_request_add0_id(
	    req, OCSP_cert_to_id(NULL, T.is.auth_cert, T.issuing));
	n = i2d_OCSP_REQUEST(req, &der);
	assert_true(n > 10);
	/* truncated at every length */
	for (i = 0; i < n; i++)
		assert_int_equal(raw_status(der, (size_t)i, false),
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	/* trailing garbage */
	big = malloc((size_t)T.conf.pki.ocsp_max_request + 1);
	assert_non_null(big);
	memcpy(big, der, (size_t)n);
	big[n] = 0;
	assert_int_equal(raw_status(big, (size_t)n + 1, false),
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	/* oversized */
	memset(big, 0x30, (size_t)T.conf.pki.ocsp_max_request + 1);
	assert_int_equal(
	    raw_status(big, (size_t)T.conf.pki.ocsp_max_request + 1, false),
	    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	/* garbage */
	for (i = 0; i < 50; i++) {
		RAND_bytes(junk, sizeof(junk));
		assert_int_equal(raw_status(junk, sizeof(junk), false),
		    OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	}
	free(big);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

/* ---- TSA -------------------------------------------------------------- */

static TS_REQ *
tsq_new(const EVP_MD *md, const char *data, bool certreq)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl;
	ASN1_INTEGER *nonce = ASN1_INTEGER_new();

	EVP_Digest(data, strlen(data), h, &hl, md, NULL);
	X509_ALGOR_set_md(alg, md);
	TS_MSG_IMPRINT_set_algo(mi, alg);
	TS_MSG_IMPRINT_set_msg(mi, h, (int)hl);
	TS_REQ_set_version(req, 1);
	TS_REQ_set_msg_imprint(req, mi);
	ASN1_INTEGER_set_int64(nonce, 0x1122334455667788LL);
	TS_REQ_set_nonce(req, nonce);
	TS_REQ_set_cert_req(req, certreq ? 1 : 0);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	return req;
}

static TS_RESP *
tsa_ask(TS_REQ *req)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	struct buf out;
	TS_RESP *r;
	int n;

	n = i2d_TS_REQ(req, &der);
	assert_true(n > 0);
	buf_init(&out, 1 << 20);
	assert_int_equal(pki_tsa_respond(T.pki, der, (size_t)n, &out), PC_OK);
	p = out.data;
	r = d2i_TS_RESP(NULL, &p, (long)out.len);
	assert_non_null(r);
	buf_cleanup(&out);
	OPENSSL_free(der);
	return r;
}

static void
test_tsa(void **state)
{
	TS_REQ *req = tsq_new(EVP_sha256(), "hello, time", true);
	TS_RESP *r1, *r2;
	TS_VERIFY_CTX *vc;
	X509_STORE *store = X509_STORE_new();
	TS_TST_INFO *ti1, *ti2;
	const TS_ACCURACY *acc;
	STACK_OF(X509) * signers;
	char policy[80];

	r1 = tsa_ask(req);
	r2 = tsa_ask(req);
	assert_int_equal(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	                     TS_RESP_get_status_info(r1))),
	    TS_STATUS_GRANTED);
	X509_STORE_add_cert(store, T.root);
	vc = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	assert_non_null(vc);
	TS_VERIFY_CTX_add_flags(vc, TS_VFY_SIGNATURE);
	TS_VERIFY_CTX_set_store(vc, store); /* owned by vc */
	if (TS_RESP_verify_response(vc, r1) != 1) {
		ERR_print_errors_fp(stderr);
		fail_msg("TS_RESP_verify_response");
	}
	ti1 = TS_RESP_get_tst_info(r1);
	ti2 = TS_RESP_get_tst_info(r2);
	assert_int_not_equal(ASN1_INTEGER_cmp(TS_TST_INFO_get_serial(ti1),
	                         TS_TST_INFO_get_serial(ti2)),
	    0);
	OBJ_obj2txt(policy, sizeof(policy), TS_TST_INFO_get_policy_id(ti1), 1);
	assert_string_equal(policy, T.conf.pki.tsa_policy_oid);
	acc = TS_TST_INFO_get_accuracy(ti1);
	assert_non_null(acc);
	assert_non_null(TS_TST_INFO_get_nonce(ti1));
	/* the TSA certificate is in the token when asked for */
	signers = PKCS7_get0_signers(TS_RESP_get_token(r1), NULL, 0);
	assert_non_null(signers);
	assert_int_equal(X509_cmp(sk_X509_value(signers, 0), T.tsa), 0);
	sk_X509_free(signers);
	TS_VERIFY_CTX_free(vc);
	TS_RESP_free(r1);
	TS_RESP_free(r2);
	TS_REQ_free(req);

	/* SHA-1 imprints are not accepted: badAlg */
	req = tsq_new(EVP_sha1(), "old", false);
	r1 = tsa_ask(req);
	assert_int_equal(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	                     TS_RESP_get_status_info(r1))),
	    TS_STATUS_REJECTION);
	TS_RESP_free(r1);
	TS_REQ_free(req);
}

static void
test_tsa_hostile(void **state)
{
	TS_REQ *req = tsq_new(EVP_sha256(), "x", true);
	unsigned char *der = NULL, *big;
	uint8_t junk[64];
	size_t max = (size_t)T.conf.pki.tsa_max_request;
	int n, i;

	n = i2d_TS_REQ(req, &der);
	assert_true(n > 10);
	for (i = 0; i < n; i++)
		assert_int_equal(raw_status(der, (size_t)i, true),
		    100 + TS_INFO_BAD_DATA_FORMAT);
	big = malloc(max + 1);
	assert_non_null(big);
	memcpy(big, der, (size_t)n);
	big[n] = 0;
	assert_int_equal(raw_status(big, (size_t)n + 1, true),
	    100 + TS_INFO_BAD_DATA_FORMAT);
	memset(big, 0x30, max + 1);
	assert_int_equal(
	    raw_status(big, max + 1, true), 100 + TS_INFO_BAD_DATA_FORMAT);
	for (i = 0; i < 50; i++) {
		RAND_bytes(junk, sizeof(junk));
		assert_int_equal(raw_status(junk, sizeof(junk), true),
		    100 + TS_INFO_BAD_DATA_FORMAT);
	}
	free(big);
	OPENSSL_free(der);
	TS_REQ_free(req);
}

static void
test_export(void **state)
{
	char dir[700], path[800];
	struct stat st;
	const char *names[] = { "root", "issuing", "ocsp", "tsa" };
	size_t i;

	snprintf(dir, sizeof(dir), "%s/export", T.dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(pki_export(T.pki, dir), PC_OK);
	for (i = 0; i < PC_ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), "%s/%s.pem", dir, names[i]);
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size > 500);
	}
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_cnp),
		cmocka_unit_test(test_person_check),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_pure),
	};
	const struct CMUnitTest core[] = {
		cmocka_unit_test(test_hierarchy),
		cmocka_unit_test(test_issue),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_ocsp),
		cmocka_unit_test(test_ocsp_hostile),
		cmocka_unit_test(test_tsa),
		cmocka_unit_test(test_tsa_hostile),
		cmocka_unit_test(test_export),
	};
	int rc;

	rc = cmocka_run_group_tests_name("pki_pure", pure, NULL, NULL);
	rc += cmocka_run_group_tests_name("pki_core", core, setup, teardown);
	return rc;
}
