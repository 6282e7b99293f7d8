/*
 * pki_tsa.c: our time-stamping unit (RFC 3161).
 *
 * One TS_RESP_CTX per request (it is not thread-safe), with the TSA
 * certificate and its HSM key, our default policy, SHA-256/384/512 message
 * imprints, accuracy from the config, 128-bit random serials (OpenSSL's
 * default serial callback always returns 1) and the time from clock_now().
 * The request is size-checked and parsed by pki_tsa_req_parse before
 * OpenSSL's own parser sees it; a request we refuse gets the rejection
 * OpenSSL makes for unparsable input (badDataFormat).
 */
#include <limits.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>

#include "base/clock.h"
#include "base/log.h"
#include "pki/pki_int.h"

/*
 * TimeStampResp { status { rejection(2), failInfo systemFailure(25) } }:
 * what we answer when no TS_RESP_CTX could be made at all.
 */
static const uint8_t tsa_system_failure[] = { 0x30, 0x0c, 0x30, 0x0a, 0x02,
	0x01, 0x02, 0x03, 0x05, 0x06, 0x00, 0x00, 0x00, 0x40 };

/* What a TimeStampReq must be besides well-formed DER (see pki.h). */
static enum pc_rc
tsa_req_check(TS_REQ *req)
{
	TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint(req);
	X509_ALGOR *alg;
	const ASN1_OBJECT *obj;
	const EVP_MD *md;
	ASN1_OCTET_STRING *msg;

	if (TS_REQ_get_version(req) != 1 || mi == NULL)
		return PC_EINVAL;
	alg = TS_MSG_IMPRINT_get_algo(mi);
	msg = TS_MSG_IMPRINT_get_msg(mi);
	if (alg == NULL || msg == NULL)
		return PC_EINVAL;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	md = EVP_get_digestbyobj(obj);
	/* unknown or unaccepted algorithms are the TSA's "badAlg" */
	if (md != NULL && ASN1_STRING_length(msg) != EVP_MD_get_size(md))
		return PC_EINVAL;
	return PC_OK;
}

/* Parse and check a TimeStampReq (see pki.h). */
PKI_DER_PARSER(pki_tsa_req_parse, TS_REQ, tsa_req_check)

static ASN1_INTEGER *
tsa_serial_cb(TS_RESP_CTX *ctx, void *data)
{
	ASN1_INTEGER *ai;

	ai = pki_serial_new();
	if (ai == NULL) {
		TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION,
		    "Error during serial number generation.");
		TS_RESP_CTX_add_failure_info(
		    ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
	}
	return ai;
}

static int
tsa_time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	*sec = (long)clock_now();
	*usec = 0;
	return 1;
}

static TS_RESP_CTX *
tsa_ctx_new(struct pki *p, EVP_PKEY *key)
{
	const struct conf_pki *cp = &p->conf->pki;
	TS_RESP_CTX *ctx = NULL;
	ASN1_OBJECT *policy = NULL;
	STACK_OF(X509) *certs = NULL;
	int64_t acc = cp->tsa_accuracy_ms > 0 ? cp->tsa_accuracy_ms : 1000;
	bool ok = false;

	policy =
	    OBJ_txt2obj(cp->tsa_policy_oid != NULL ? cp->tsa_policy_oid
	                                           : "1.3.6.1.4.1.99999.1.2",
	        1);
	certs = sk_X509_new_null();
	ctx = TS_RESP_CTX_new();
	if (policy == NULL || certs == NULL || ctx == NULL)
		goto out;
	if (sk_X509_push(certs, p->ca[PKI_ISSUING].cert) <= 0)
		goto out;
	if (TS_RESP_CTX_set_signer_cert(ctx, p->ca[PKI_TSA].cert) != 1 ||
	    TS_RESP_CTX_set_signer_key(ctx, key) != 1 ||
	    TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_set_certs(ctx, certs) != 1 ||
	    TS_RESP_CTX_set_def_policy(ctx, policy) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha384()) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha512()) != 1 ||
	    TS_RESP_CTX_set_accuracy(
	        ctx, (int)(acc / 1000), (int)(acc % 1000), 0) != 1)
		goto out;
	TS_RESP_CTX_set_serial_cb(ctx, tsa_serial_cb, NULL);
	TS_RESP_CTX_set_time_cb(ctx, tsa_time_cb, NULL);
	TS_RESP_CTX_add_flags(ctx, TS_TSA_NAME);
	ok = true;
out:
	if (!ok) {
		ossl_fail("tsa: context");
		TS_RESP_CTX_free(ctx);
		ctx = NULL;
	}
	sk_X509_free(certs); /* the context copied the list */
	ASN1_OBJECT_free(policy);
	return ctx;
}

/* A TimeStampReq (see pki.h). */
TS_REQ *
pki_tsq_new(int md_nid, const uint8_t *hash, size_t hlen)
{
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	TS_REQ *ret = NULL;
	/* OpenSSL's setter takes a non-const pointer (it copies). */
	unsigned char h[EVP_MAX_MD_SIZE];

	if (hlen > sizeof(h))
		return NULL;
	memcpy(h, hash, hlen);
	req = TS_REQ_new();
	mi = TS_MSG_IMPRINT_new();
	alg = X509_ALGOR_new();
	bn = BN_new();
	if (req == NULL || mi == NULL || alg == NULL || bn == NULL)
		goto out;
	if (!TS_REQ_set_version(req, 1) ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(md_nid), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, h, (int)hlen) ||
	    !TS_REQ_set_msg_imprint(req, mi))
		goto out;
	if (!BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
		goto out;
	nonce = BN_to_ASN1_INTEGER(bn, NULL);
	if (nonce == NULL || !TS_REQ_set_nonce(req, nonce) ||
	    !TS_REQ_set_cert_req(req, 1))
		goto out;
	ret = req;
	req = NULL;
out:
	TS_REQ_free(req);
	TS_MSG_IMPRINT_free(mi);
	X509_ALGOR_free(alg);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	return ret;
}

/* Stamp a SHA-256 hash with our own TSA (see pki.h). */
enum pc_rc
pki_tsa_stamp(struct pki *p, const uint8_t hash[32], struct buf *out)
{
	TS_REQ *req = NULL;
	TS_RESP *resp = NULL;
	unsigned char *der = NULL;
	const unsigned char *cp;
	const ASN1_INTEGER *st;
	int len;
	enum pc_rc rc = PC_ECRYPTO;

	req = pki_tsq_new(NID_sha256, hash, 32);
	if (req == NULL)
		goto out;
	len = i2d_TS_REQ(req, &der);
	if (len <= 0)
		goto out;
	rc = pki_tsa_respond(p, der, (size_t)len, out);
	if (rc != PC_OK)
		goto out;
	cp = out->data;
	resp = d2i_TS_RESP(NULL, &cp, (long)out->len);
	st = resp != NULL
	         ? TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))
	         : NULL;
	/* Refused (the signer down answers a rejection): not a stamp. */
	if (st == NULL || ASN1_INTEGER_get(st) > 1 ||
	    TS_RESP_get_token(resp) == NULL) {
		log_warnx("tsa: our own time-stamp was refused");
		rc = PC_EUNAVAIL;
	}
out:
	ERR_clear_error();
	OPENSSL_free(der);
	TS_REQ_free(req);
	TS_RESP_free(resp);
	return rc;
}

/* Answer a TimeStampReq (see pki.h). */
enum pc_rc
pki_tsa_respond(struct pki *p, const uint8_t *der, size_t n, struct buf *out)
{
	TS_REQ *req = NULL;
	TS_RESP_CTX *ctx = NULL;
	TS_RESP *resp = NULL;
	BIO *in = NULL;
	EVP_PKEY *key = NULL;
	unsigned char *rder = NULL;
	int len;
	enum pc_rc rc, prc;

	RETURN_VAL_IF_FAIL(p != NULL && out != NULL, PC_EINTERNAL);
	prc = pki_tsa_req_parse(
	    der, n, (size_t)p->conf->pki.tsa_max_request, &req);
	rc = pki_ca_key(p, PKI_TSA, &key);
	if (rc != PC_OK)
		goto fail;
	ctx = tsa_ctx_new(p, key);
	if (ctx == NULL) {
		rc = PC_ECRYPTO;
		goto fail;
	}
	if (prc != PC_OK) {
		log_info("tsa: malformed request (%zu bytes): %s", n,
		    pc_rc_str(prc));
		/* OpenSSL answers rejection/badDataFormat to no input */
		in = BIO_new_mem_buf("", 0);
	} else
		in = BIO_new_mem_buf(der, (int)n);
	if (in == NULL) {
		rc = ossl_fail("tsa: bio");
		goto fail;
	}
	resp = TS_RESP_create_response(ctx, in);
	if (resp == NULL) {
		rc = ossl_fail("tsa: response");
		goto fail;
	}
	ERR_clear_error(); /* a rejection leaves errors behind */
	len = i2d_TS_RESP(resp, &rder);
	rc = pki_der_to_buf(rder, len, out);
	if (rc == PC_OK)
		goto out;
fail:
	log_error("tsa: internal error: %s", pc_rc_str(rc));
	buf_reset(out);
	buf_append(out, tsa_system_failure, sizeof(tsa_system_failure));
	rc = buf_ok(out) ? PC_OK : buf_rc(out);
out:
	OPENSSL_free(rder);
	BIO_free(in);
	TS_RESP_free(resp);
	TS_RESP_CTX_free(ctx);
	TS_REQ_free(req);
	return rc;
}

/* Check a TimeStampResp of our TSA over hash (see pki.h). */
enum pc_rc
pki_tsa_check(struct pki *p, const uint8_t *der, size_t n,
    const uint8_t hash[32], int64_t *gen_time)
{
	const unsigned char *cp = der;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	X509_STORE *xs = NULL;
	STACK_OF(X509) *chain = NULL;
	unsigned char *imprint = NULL;
	const ASN1_GENERALIZEDTIME *gt;
	struct tm tm;
	int root = pki_ca_index("root"), issuing = pki_ca_index("issuing");
	int tsa = pki_ca_index("tsa");
	enum pc_rc rc = PC_ECRYPTO;

	if (n > LONG_MAX || root < 0 || issuing < 0 || tsa < 0)
		return PC_EINVAL;
	resp = d2i_TS_RESP(NULL, &cp, (long)n);
	if (resp == NULL || cp != der + n) {
		rc = PC_EINVAL;
		goto out;
	}
	xs = X509_STORE_new();
	chain = sk_X509_new_null();
	imprint = OPENSSL_memdup(hash, 32);
	ctx = TS_VERIFY_CTX_new();
	if (xs == NULL || chain == NULL || imprint == NULL || ctx == NULL ||
	    !X509_STORE_add_cert(xs, p->ca[root].cert) ||
	    !sk_X509_push(chain, p->ca[issuing].cert) ||
	    !X509_up_ref(p->ca[issuing].cert))
		goto out;
	if (!sk_X509_push(chain, p->ca[tsa].cert) ||
	    !X509_up_ref(p->ca[tsa].cert))
		goto out;
	TS_VERIFY_CTX_set_flags(ctx,
	    TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT | TS_VFY_SIGNER);
	/* The context owns them from here. */
	TS_VERIFY_CTX_set_imprint(ctx, imprint, 32);
	imprint = NULL;
	TS_VERIFY_CTX_set_store(ctx, xs);
	xs = NULL;
	TS_VERIFY_CTX_set_certs(ctx, chain);
	chain = NULL;
	if (TS_RESP_verify_response(ctx, resp) != 1)
		goto out;
	gt = TS_TST_INFO_get_time(TS_RESP_get_tst_info(resp));
	if (gt == NULL || !ASN1_TIME_to_tm(gt, &tm))
		goto out;
	if (gen_time != NULL)
		*gen_time = (int64_t)timegm(&tm);
	rc = PC_OK;
out:
	ERR_clear_error();
	TS_VERIFY_CTX_free(ctx);
	X509_STORE_free(xs);
	sk_X509_pop_free(chain, X509_free);
	OPENSSL_free(imprint);
	TS_RESP_free(resp);
	return rc;
}
