/*
 * pki_ocsp.c: our OCSP responder (RFC 6960).
 *
 * Requests about certificates of the issuing CA are answered by the
 * delegated responder ("ocsp", EKU OCSPSigning, id-pkix-ocsp-nocheck),
 * which includes its certificate and the issuing CA's. The root's key is
 * offline (the signer process refuses it), and a responder must be the CA
 * or be delegated by it, so requests about certificates of the root (the
 * issuing CA itself) get "unauthorized": their status is on the root's
 * CRL. So does a request that mixes issuers or names an issuer we do not
 * run.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "base/clock.h"
#include "base/log.h"
#include "pki/pki_int.h"

static int
ocsp_md_len(int nid)
{
	switch (nid) {
	case NID_sha1:
		return 20;
	case NID_sha256:
		return 32;
	case NID_sha384:
		return 48;
	case NID_sha512:
		return 64;
	default:
		return -1;
	}
}

/* What an OCSP request must be besides well-formed DER (see pki.h). */
static enum pc_rc
ocsp_req_check(OCSP_REQUEST *req)
{
	ASN1_OCTET_STRING *nh, *kh;
	ASN1_OBJECT *md;
	ASN1_INTEGER *sn;
	int i, cnt, len;

	cnt = OCSP_request_onereq_count(req);
	if (cnt < 1)
		return PC_EINVAL;
	if (cnt > PKI_OCSP_MAX_IDS)
		return PC_ELIMIT;
	for (i = 0; i < cnt; i++) {
		OCSP_CERTID *cid;

		cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		if (cid == NULL ||
		    OCSP_id_get0_info(&nh, &md, &kh, &sn, cid) != 1)
			return PC_EINVAL;
		if (nh == NULL || md == NULL || kh == NULL || sn == NULL)
			return PC_EINVAL;
		len = ocsp_md_len(OBJ_obj2nid(md));
		if (len < 0 || ASN1_STRING_length(nh) != len ||
		    ASN1_STRING_length(kh) != len)
			return PC_EINVAL;
	}
	return PC_OK;
}

/* Parse and check an OCSP request (see pki.h). */
PKI_DER_PARSER(pki_ocsp_req_parse, OCSP_REQUEST, ocsp_req_check)

static enum pc_rc
resp_encode(OCSP_RESPONSE *resp, struct buf *out)
{
	unsigned char *der = NULL;
	int len;
	enum pc_rc rc;

	len = i2d_OCSP_RESPONSE(resp, &der);
	rc = pki_der_to_buf(der, len, out);
	OPENSSL_free(der);
	return rc;
}

static enum pc_rc
resp_status(int status, struct buf *out)
{
	OCSP_RESPONSE *resp;
	enum pc_rc rc;

	resp = OCSP_response_create(status, NULL);
	if (resp == NULL)
		return ossl_fail("ocsp: response");
	rc = resp_encode(resp, out);
	OCSP_RESPONSE_free(resp);
	return rc;
}

/* Which of our CAs issued the certificates of all CertIDs; -1 if none. */
static int
req_issuer(struct pki *p, OCSP_REQUEST *req)
{
	static const int cands[] = { PKI_ISSUING, PKI_ROOT };
	int i, j, cnt, found = -1, idx;

	cnt = OCSP_request_onereq_count(req);
	for (i = 0; i < cnt; i++) {
		OCSP_CERTID *cid, *ours;
		ASN1_OBJECT *mdobj;
		const EVP_MD *md;

		cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		if (OCSP_id_get0_info(NULL, &mdobj, NULL, NULL, cid) != 1)
			return -1;
		md = EVP_get_digestbyobj(mdobj);
		if (md == NULL)
			return -1;
		idx = -1;
		for (j = 0; j < (int)PC_ARRAY_LEN(cands); j++) {
			ours = OCSP_cert_to_id(md, NULL, p->ca[cands[j]].cert);
			if (ours == NULL)
				return -1;
			if (OCSP_id_issuer_cmp(cid, ours) == 0)
				idx = cands[j];
			OCSP_CERTID_free(ours);
			if (idx >= 0)
				break;
		}
		if (idx < 0 || (found >= 0 && idx != found))
			return -1;
		found = idx;
	}
	return found;
}

static enum pc_rc
add_status(struct db *db, OCSP_BASICRESP *bs, OCSP_CERTID *cid,
    const struct pki_ca *ca, ASN1_TIME *thisupd, ASN1_TIME *nextupd)
{
	ASN1_INTEGER *sn;
	ASN1_TIME *rt = NULL;
	struct store_cert c;
	char hex[STORE_SERIAL_MAX + 1];
	int status = V_OCSP_CERTSTATUS_UNKNOWN, reason = -1;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	if (OCSP_id_get0_info(NULL, NULL, NULL, &sn, cid) != 1)
		return PC_EINTERNAL;
	rc = pki_serial_hex(sn, hex, sizeof(hex));
	if (rc == PC_OK) {
		rc = store_cert_get(db, hex, &c);
		if (rc == PC_OK && strcmp(c.issuer, ca->serial) == 0) {
			if (c.status == CERT_REVOKED) {
				status = V_OCSP_CERTSTATUS_REVOKED;
				reason = c.reason > 0
				             ? c.reason
				             : OCSP_REVOKED_STATUS_NOSTATUS;
				rt = ASN1_TIME_set(NULL, (time_t)c.revoked_at);
				if (rt == NULL) {
					rc = ossl_fail("ocsp: time");
					goto out;
				}
			} else
				status = V_OCSP_CERTSTATUS_GOOD;
		} else if (rc != PC_OK && rc != PC_ENOTFOUND)
			goto out;
	}
	if (OCSP_basic_add1_status(
	        bs, cid, status, reason, rt, thisupd, nextupd) == NULL) {
		rc = ossl_fail("ocsp: add status");
		goto out;
	}
	rc = PC_OK;
out:
	ASN1_TIME_free(rt);
	store_cert_cleanup(&c);
	return rc;
}

/* Answer an OCSP request (see pki.h). */
enum pc_rc
pki_ocsp_respond(struct pki *p, const uint8_t *der, size_t n, struct buf *out)
{
	OCSP_REQUEST *req = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	ASN1_TIME *t1 = NULL, *t2 = NULL;
	STACK_OF(X509) *extra = NULL;
	struct db *db = NULL;
	EVP_PKEY *key;
	int64_t now;
	int i, cnt, issuer, signer;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(p != NULL && out != NULL, PC_EINTERNAL);
	rc = pki_ocsp_req_parse(
	    der, n, (size_t)p->conf->pki.ocsp_max_request, &req);
	if (rc != PC_OK) {
		log_info("ocsp: malformed request (%zu bytes): %s", n,
		    pc_rc_str(rc));
		rc = resp_status(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, out);
		goto out;
	}
	issuer = req_issuer(p, req);
	if (issuer != PKI_ISSUING) {
		log_info("ocsp: request for an issuer we do not answer for");
		rc = resp_status(OCSP_RESPONSE_STATUS_UNAUTHORIZED, out);
		goto out;
	}
	signer = PKI_OCSP;
	rc = pki_ca_key(p, signer, &key);
	if (rc != PC_OK)
		goto fail;
	now = clock_now();
	bs = OCSP_BASICRESP_new();
	t1 = ASN1_GENERALIZEDTIME_set(NULL, (time_t)now);
	t2 = ASN1_GENERALIZEDTIME_set(NULL, (time_t)(now + PKI_OCSP_VALIDITY));
	extra = sk_X509_new_null();
	if (bs == NULL || t1 == NULL || t2 == NULL || extra == NULL) {
		rc = ossl_fail("ocsp: new response");
		goto fail;
	}
	rc = store_acquire(p->st, &db);
	if (rc != PC_OK)
		goto fail;
	cnt = OCSP_request_onereq_count(req);
	for (i = 0; i < cnt; i++) {
		rc = add_status(db, bs,
		    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i)),
		    &p->ca[issuer], t1, t2);
		if (rc != PC_OK)
			goto fail;
	}
	if (OCSP_copy_nonce(bs, req) <= 0) {
		rc = ossl_fail("ocsp: nonce");
		goto fail;
	}
	if (sk_X509_push(extra, p->ca[PKI_ISSUING].cert) <= 0) {
		rc = ossl_fail("ocsp: certs");
		goto fail;
	}
	if (OCSP_basic_sign(
	        bs, p->ca[signer].cert, key, EVP_sha256(), extra, 0) != 1) {
		rc = ossl_fail("ocsp: sign");
		goto fail;
	}
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	if (resp == NULL) {
		rc = ossl_fail("ocsp: response");
		goto fail;
	}
	rc = resp_encode(resp, out);
	if (rc == PC_OK)
		goto out;
fail:
	log_error("ocsp: internal error: %s", pc_rc_str(rc));
	buf_reset(out);
	rc = resp_status(OCSP_RESPONSE_STATUS_INTERNALERROR, out);
out:
	if (db != NULL)
		store_release(p->st, db);
	sk_X509_free(extra); /* the certs are borrowed */
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_REQUEST_free(req);
	return rc;
}
