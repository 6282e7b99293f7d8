/*
 * verify_rev.c: revocation status of a certificate chain (ETSI EN 319
 * 102-1 5.2.5/5.2.6): the validation data in the file (DSS, CMS) when it
 * speaks for the signature's proof of existence, else OCSP (the AIA URL,
 * with a nonce) and CRLs (the CRL DP URL). An OCSP response counts only
 * when its signature verifies, its responder is the CA or a responder the
 * CA certified for OCSPSigning (with id-pkix-ocsp-nocheck), it is fresh
 * (thisUpdate/nextUpdate) and it echoes our nonce when it carries one.
 * No answer is never "good": it is INDETERMINATE / TRY_LATER.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "sign/sign_local.h"
#include "sign/verify_int.h"

#define REV_MAX_REPLY (1024 * 1024)

/* Is the responder allowed to speak for issuer's certificates? */
static bool
responder_ok(X509 *rs, X509 *issuer, int64_t at, char *msg, size_t n)
{
	if (X509_cmp(rs, issuer) == 0)
		return true;
	if (X509_check_issued(issuer, rs) != X509_V_OK ||
	    X509_verify(rs, X509_get0_pubkey(issuer)) != 1) {
		snprintf(msg, n,
		    "OCSP response signed by a responder the CA "
		    "did not certify");
		return false;
	}
	if (!(X509_get_extension_flags(rs) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(rs) & XKU_OCSP_SIGN)) {
		snprintf(msg, n,
		    "OCSP responder certificate without the "
		    "OCSPSigning extended key usage");
		return false;
	}
	if (X509_get_ext_by_NID(rs, NID_id_pkix_OCSP_noCheck, -1) < 0) {
		snprintf(msg, n,
		    "delegated OCSP responder without "
		    "id-pkix-ocsp-nocheck (its own status is not "
		    "checked)");
		return false;
	}
	if (at != 0 && (vasn1_time(X509_get0_notBefore(rs)) > at ||
	                   vasn1_time(X509_get0_notAfter(rs)) < at)) {
		snprintf(msg, n,
		    "OCSP responder certificate not valid when "
		    "the response was produced");
		return false;
	}
	return true;
}

/*
 * Is status information of thisUpdate tu and nextUpdate nu (0: none)
 * fresh for a proof of existence at poe? ETSI EN 319 102-1 5.2.5.4: with
 * no policy, the maximum accepted freshness is nextUpdate - thisUpdate,
 * so information issued at most that long before poe (or after it)
 * counts; without nextUpdate only information issued after poe does.
 */
static bool
vrev_fresh(int64_t tu, int64_t nu, int64_t poe)
{
	if (tu >= poe)
		return true;
	return nu > tu && tu >= poe - (nu - tu);
}

enum vrev_st
sign_ocsp_check(OCSP_BASICRESP *bs, OCSP_CERTID *id, X509 *issuer,
    STACK_OF(X509) * certs, OCSP_REQUEST *req, int64_t now, int64_t poe,
    int64_t *revoked_at, char *msg, size_t n)
{
	ASN1_GENERALIZEDTIME *rev = NULL, *thisu = NULL, *nextu = NULL;
	X509 *rs = NULL;
	int64_t tu, nu, produced;
	int status, reason, nr;
	enum vrev_st st = VREV_NONE;

	*revoked_at = 0;
	if (OCSP_resp_get0_signer(bs, &rs, certs) != 1 || rs == NULL) {
		snprintf(msg, n,
		    "OCSP response: responder certificate "
		    "missing");
		goto out;
	}
	if (OCSP_basic_verify(bs, certs, NULL, OCSP_NOVERIFY) != 1) {
		snprintf(msg, n,
		    "OCSP response: the signature does not "
		    "verify");
		goto out;
	}
	produced = vasn1_time(OCSP_resp_get0_produced_at(bs));
	if (!responder_ok(rs, issuer, produced, msg, n))
		goto out;
	if (req != NULL) {
		/* 0: both carry one and they differ. A response without
		 * one (-1) is judged by its times, as pre-produced ones
		 * are. */
		nr = OCSP_check_nonce(req, bs);
		if (nr == 0) {
			snprintf(msg, n,
			    "OCSP response: the nonce is not the "
			    "one sent (a replayed response?)");
			goto out;
		}
	}
	if (!OCSP_resp_find_status(
	        bs, id, &status, &reason, &rev, &thisu, &nextu)) {
		snprintf(msg, n,
		    "OCSP response: no status for the "
		    "certificate");
		goto out;
	}
	tu = vasn1_time(thisu);
	nu = nextu != NULL ? vasn1_time(nextu) : 0;
	if (tu == 0 || tu > now + VERIFY_SKEW_S) {
		snprintf(msg, n, "OCSP response: thisUpdate in the future");
		goto out;
	}
	if (poe != 0) {
		if (!vrev_fresh(tu, nu, poe)) {
			snprintf(msg, n,
			    "OCSP response older than the "
			    "signature's proof of existence");
			goto out;
		}
	} else if ((nu != 0 && nu < now - VERIFY_SKEW_S) ||
	           (nu == 0 && tu < now - 86400)) {
		snprintf(msg, n, "OCSP response is stale (nextUpdate %s)",
		    nu != 0 ? "passed" : "absent and thisUpdate old");
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_GOOD) {
		st = VREV_GOOD;
	} else if (status == V_OCSP_CERTSTATUS_REVOKED) {
		st = VREV_REVOKED;
		*revoked_at = vasn1_time(rev);
	} else {
		st = VREV_UNKNOWN;
	}
	snprintf(msg, n, "OCSP: %s",
	    st == VREV_GOOD      ? "good"
	    : st == VREV_REVOKED ? "revoked"
	                         : "unknown to the responder");
out:
	ERR_clear_error();
	return st;
}

/* Ask the OCSP responder of cert's AIA. */
static enum vrev_st
ocsp_online(struct vctx *v, X509 *cert, X509 *issuer, STACK_OF(X509) * certs,
    int64_t *revoked_at, char *msg, size_t n)
{
	STACK_OF(OPENSSL_STRING) *urls = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL, *id2 = NULL;
	unsigned char *der = NULL;
	const unsigned char *cp;
	struct buf reply;
	int len;
	enum vrev_st st = VREV_NONE;

	buf_init(&reply, REV_MAX_REPLY);
	urls = X509_get1_ocsp(cert);
	if (urls == NULL || sk_OPENSSL_STRING_num(urls) == 0) {
		snprintf(msg, n, "no OCSP responder in the certificate");
		goto out;
	}
	req = OCSP_REQUEST_new();
	id = OCSP_cert_to_id(NULL, cert, issuer);
	id2 = id != NULL ? OCSP_CERTID_dup(id) : NULL;
	if (req == NULL || id2 == NULL ||
	    OCSP_request_add0_id(req, id2) == NULL) {
		snprintf(msg, n, "cannot build an OCSP request");
		goto out;
	}
	id2 = NULL;
	if (OCSP_request_add1_nonce(req, NULL, -1) != 1 ||
	    (len = i2d_OCSP_REQUEST(req, &der)) <= 0) {
		snprintf(msg, n, "cannot build an OCSP request");
		goto out;
	}
	if (sign_http_post(sk_OPENSSL_STRING_value(urls, 0),
	        "application/ocsp-request", "application/ocsp-response", der,
	        (size_t)len,
	        v->opts->ocsp_timeout_s > 0 ? v->opts->ocsp_timeout_s : 5,
	        REV_MAX_REPLY, &reply) != PC_OK) {
		snprintf(msg, n, "OCSP responder %s unreachable",
		    sk_OPENSSL_STRING_value(urls, 0));
		goto out;
	}
	cp = reply.data;
	resp = d2i_OCSP_RESPONSE(NULL, &cp, (long)reply.len);
	if (resp == NULL ||
	    OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL) {
		snprintf(msg, n, "OCSP responder answered with an error");
		goto out;
	}
	st = sign_ocsp_check(
	    bs, id, issuer, certs, req, v->now, 0, revoked_at, msg, n);
out:
	ERR_clear_error();
	X509_email_free(urls);
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	OCSP_CERTID_free(id2);
	OPENSSL_free(der);
	buf_cleanup(&reply);
	return st;
}

/* A CRL about cert from issuer, usable at now (poe 0) or for poe. */
static enum vrev_st
crl_status(struct vctx *v, X509_CRL *crl, X509 *cert, X509 *issuer, int64_t poe,
    int64_t *revoked_at, char *msg, size_t n)
{
	X509_REVOKED *rev = NULL;
	int64_t tu, nu;

	if (X509_NAME_cmp(
	        X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
		return VREV_NONE;
	if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
		ERR_clear_error();
		snprintf(msg, n, "CRL: the signature does not verify");
		return VREV_NONE;
	}
	tu = vasn1_time(X509_CRL_get0_lastUpdate(crl));
	nu = vasn1_time(X509_CRL_get0_nextUpdate(crl));
	if (tu == 0 || tu > v->now + VERIFY_SKEW_S) {
		snprintf(msg, n, "CRL: thisUpdate in the future");
		return VREV_NONE;
	}
	if (poe != 0 ? !vrev_fresh(tu, nu, poe)
	             : nu != 0 && nu < v->now - VERIFY_SKEW_S) {
		snprintf(msg, n, "CRL: %s",
		    poe != 0 ? "older than the proof of existence"
		             : "stale (nextUpdate passed)");
		return VREV_NONE;
	}
	if (X509_CRL_get0_by_cert(crl, &rev, cert) == 1) {
		*revoked_at = vasn1_time(X509_REVOKED_get0_revocationDate(rev));
		snprintf(msg, n, "CRL: revoked");
		return VREV_REVOKED;
	}
	snprintf(msg, n, "CRL: not revoked");
	return VREV_GOOD;
}

/* Fetch the CRL of cert's CRL DP and look cert up. */
static enum vrev_st
crl_online(struct vctx *v, X509 *cert, X509 *issuer, int64_t *revoked_at,
    char *msg, size_t n)
{
	STACK_OF(DIST_POINT) * dps;
	DIST_POINT *dp;
	GENERAL_NAME *gn;
	const char *url = NULL;
	const unsigned char *cp;
	X509_CRL *crl = NULL;
	struct buf body;
	int i, j;
	enum vrev_st st = VREV_NONE;

	buf_init(&body, 16 * 1024 * 1024);
	dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; url == NULL && i < sk_DIST_POINT_num(dps); i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0;
		     url == NULL &&
		     j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		     j++) {
			gn = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			if (gn->type == GEN_URI)
				url = (const char *)ASN1_STRING_get0_data(
				    gn->d.uniformResourceIdentifier);
		}
	}
	if (url == NULL) {
		snprintf(msg, n,
		    "no OCSP responder or CRL in the "
		    "certificate");
		goto out;
	}
	if (sign_http_get(url,
	        v->opts->ocsp_timeout_s > 0 ? v->opts->ocsp_timeout_s : 5,
	        16 * 1024 * 1024, &body) != PC_OK) {
		snprintf(msg, n, "CRL %s unreachable", url);
		goto out;
	}
	cp = body.data;
	crl = d2i_X509_CRL(NULL, &cp, (long)body.len);
	if (crl == NULL) {
		snprintf(msg, n, "CRL %s unreadable", url);
		goto out;
	}
	st = crl_status(v, crl, cert, issuer, 0, revoked_at, msg, n);
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	CRL_DIST_POINTS_free(dps);
	buf_cleanup(&body);
	return st;
}

/* The file's validation data about cert, usable for poe. */
static enum vrev_st
in_file(struct vctx *v, X509 *cert, X509 *issuer, STACK_OF(X509) * certs,
    int64_t poe, int64_t *revoked_at, char *msg, size_t n)
{
	OCSP_CERTID *id;
	char m[SIGN_MSG_MAX];
	enum vrev_st st = VREV_NONE;
	int i;

	id = OCSP_cert_to_id(NULL, cert, issuer);
	for (i = 0; id != NULL && st == VREV_NONE && i < v->vd_nocsp; i++)
		st = sign_ocsp_check(v->vd_ocsp[i], id, issuer, certs, NULL,
		    v->now, poe, revoked_at, m, sizeof(m));
	OCSP_CERTID_free(id);
	for (i = 0; st == VREV_NONE && i < sk_X509_CRL_num(v->vd_crls); i++)
		st = crl_status(v, sk_X509_CRL_value(v->vd_crls, i), cert,
		    issuer, poe, revoked_at, m, sizeof(m));
	if (st != VREV_NONE)
		snprintf(msg, n, "%.180s (in the file)", m);
	ERR_clear_error();
	return st;
}

bool
vrev_chain_in_file(struct vctx *v, STACK_OF(X509) * chain)
{
	int64_t ra;
	char m[SIGN_MSG_MAX];
	int i;

	for (i = 0; i + 1 < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);

		if (X509_get_ext_by_NID(c, NID_id_pkix_OCSP_noCheck, -1) >= 0)
			continue;
		if (in_file(v, c, sk_X509_value(chain, i + 1), chain, 1, &ra, m,
		        sizeof(m)) == VREV_NONE)
			return false;
	}
	return sk_X509_num(chain) > 0;
}

/* Status of cert now (online, remembered) or for poe (file first). */
static enum vrev_st
cert_status(struct vctx *v, X509 *cert, X509 *issuer, STACK_OF(X509) * certs,
    int64_t poe, int64_t *revoked_at, char *msg, size_t n)
{
	unsigned char id[20];
	unsigned int idlen = 0;
	struct vrev_memo *m;
	enum vrev_st st = VREV_NONE;
	int i;

	if (poe != 0) {
		st = in_file(v, cert, issuer, certs, poe, revoked_at, msg, n);
		if (st == VREV_GOOD || st == VREV_REVOKED)
			return st;
	}
	X509_digest(cert, EVP_sha1(), id, &idlen);
	for (i = 0; i < v->nmemo; i++) {
		m = &v->memo[i];
		if (memcmp(m->id, id, sizeof(id)) == 0) {
			*revoked_at = m->revoked_at;
			snprintf(msg, n, "%s", m->msg);
			return (enum vrev_st)m->st;
		}
	}
	if (v->opts->no_ocsp) {
		snprintf(msg, n,
		    "not fetched (--no-ocsp) and not in the "
		    "file");
		return VREV_NONE;
	}
	st = ocsp_online(v, cert, issuer, certs, revoked_at, msg, n);
	if (st == VREV_NONE) {
		char m1[SIGN_MSG_MAX], m2[SIGN_MSG_MAX];
		bool no_ocsp = strncmp(msg, "no OCSP", 7) == 0;

		snprintf(m1, sizeof(m1), "%s", msg);
		st = crl_online(v, cert, issuer, revoked_at, m2, sizeof(m2));
		if (st != VREV_NONE || no_ocsp)
			snprintf(msg, n, "%s", m2);
		else if (strncmp(m2, "no OCSP", 7) != 0)
			snprintf(msg, n, "%.95s; %.95s", m1, m2);
	}
	if (v->nmemo < VERIFY_REV_CACHE) {
		m = &v->memo[v->nmemo++];
		memcpy(m->id, id, sizeof(id));
		m->st = st;
		m->revoked_at = *revoked_at;
		snprintf(m->msg, sizeof(m->msg), "%s", msg);
	}
	return st;
}

void
vrev_chain(struct vctx *v, STACK_OF(X509) * chain, int64_t poe, int64_t claimed,
    struct sign_check *c, enum sign_ind *ind, enum sign_sub *sub)
{
	char msg[SIGN_MSG_MAX], when[32], all[SIGN_MSG_MAX];
	int64_t ra;
	int i, n = sk_X509_num(chain);
	enum vrev_st st;

	*ind = SIGN_IND_PASSED;
	*sub = SIGN_SUB_NONE;
	all[0] = '\0';
	if (n == 0) {
		vcheck_set(c, SIGN_CHK_NONE, "no trusted chain");
		*ind = SIGN_IND_INDETERMINATE;
		*sub = SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND;
		return;
	}
	for (i = 0; i + 1 < n; i++) {
		X509 *cert = sk_X509_value(chain, i);
		const char *who = i == 0 ? "signer" : "CA";

		if (X509_get_ext_by_NID(cert, NID_id_pkix_OCSP_noCheck, -1) >=
		    0)
			continue;
		ra = 0;
		st = cert_status(v, cert, sk_X509_value(chain, i + 1), chain,
		    poe, &ra, msg, sizeof(msg));
		if (st == VREV_GOOD) {
			if (all[0] == '\0')
				snprintf(
				    all, sizeof(all), "good (%.180s)", msg);
			continue;
		}
		if (st == VREV_REVOKED) {
			vtime_str(ra, when, sizeof(when));
			if (poe != 0 && poe < ra) {
				snprintf(all, sizeof(all),
				    "%s certificate revoked at %s, after the "
				    "proof of existence (%.100s)",
				    who, when, msg);
				continue;
			}
			vcheck_set(c, SIGN_CHK_FAILED,
			    "REVOKED at %s: the %s certificate (%.120s)", when,
			    who, msg);
			if (i == 0 && claimed != 0 && claimed > ra) {
				*ind = SIGN_IND_FAILED;
				*sub = SIGN_SUB_REVOKED;
			} else {
				*ind = SIGN_IND_INDETERMINATE;
				*sub = i == 0 ? SIGN_SUB_REVOKED_NO_POE
				              : SIGN_SUB_REVOKED_CA_NO_POE;
			}
			return;
		}
		vcheck_set(c, SIGN_CHK_UNSURE, "%s certificate: %.170s", who,
		    st == VREV_UNKNOWN ? "status unknown to the OCSP responder"
		                       : msg);
		*ind = SIGN_IND_INDETERMINATE;
		*sub = SIGN_SUB_TRY_LATER;
		return;
	}
	vcheck_set(c, SIGN_CHK_OK, "%s", all[0] != '\0' ? all : "good");
}
