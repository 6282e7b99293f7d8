/*
 * csc_sign.c: credentials/authorize (explicit mode), extendTransaction
 * and signatures/signHash. This side decodes and checks the request
 * (base64 or base64url hashes canonicalised to bytes, their length
 * against the hash algorithm, the signature algorithm against the key);
 * the signer process checks the TOTP code, mints the SAD, and spends it
 * (signer.h: CSC_AUTHORIZE, CSC_SIGN, CSC_EXTEND).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/secret.h"
#include "csc/csc.h"
#include "sign/sign.h"
#include "signing/signing.h"
#include "store/store.h"

static int
md_of_len(size_t n)
{
	return n == 32   ? NID_sha256
	       : n == 48 ? NID_sha384
	       : n == 64 ? NID_sha512
	                 : NID_undef;
}

/*
 * The hashes of h decoded into out (CSC_HASHES_MAX x SIGNER_HASH_MAX),
 * all of one length that fits the hash algorithm: *md its NID.
 */
static enum pc_rc
hashes_decode(const struct csc_hashes *h, uint8_t (*out)[SIGNER_HASH_MAX],
    size_t *hlen, int *md, const char *field, struct pc_err *err)
{
	size_t i, n;

	if (h->n == 0 || h->n > CSC_HASHES_MAX)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, field);
	for (i = 0; i < h->n; i++) {
		if (csc_b64_decode(h->b64[i], out[i], SIGNER_HASH_MAX, &n) !=
		        PC_OK ||
		    (i > 0 && n != *hlen))
			return pc_fail(err, PC_EINVAL, PCE_HASH_INVALID, field);
		*hlen = n;
	}
	if (h->hash_oid != NULL) {
		*md = csc_oid_nid(h->hash_oid);
		if (!csc_md_ok(*md))
			return pc_fail(err, PC_EINVAL, PCE_ALGO_INVALID,
			    "hashAlgorithmOID");
	} else {
		*md = md_of_len(*hlen);
	}
	if (*md == NID_undef ||
	    (size_t)EVP_MD_get_size(EVP_get_digestbynid(*md)) != *hlen)
		return pc_fail(err, PC_EINVAL, PCE_HASH_INVALID, field);
	return PC_OK;
}

/*
 * The signer's answer as the domain's status: unavailable (its own code),
 * a transport failure as is, a refusal by its result (signing_refusal).
 */
static enum pc_rc
signer_outcome(
    enum pc_rc rc, int result, int64_t retry_after, struct pc_err *err)
{
	if (rc == PC_EUNAVAIL)
		return pc_fail(err, rc, PCE_SIGNER_UNAVAILABLE, NULL);
	if (rc == PC_OK && result != USER_R_OK)
		return signing_refusal(result, retry_after, err);
	return rc;
}

enum pc_rc
csc_authorize(const struct pc_env *e, const struct csc_token *t,
    const char *serial, int64_t num, const struct csc_hashes *h,
    const char *otp, char sad[SIGNER_SAD_HEX + 1], int64_t *expires_in,
    struct pc_err *err)
{
	struct signer_csc_auth_req q;
	struct signer_csc_sad_reply rep;
	uint8_t(*hashes)[SIGNER_HASH_MAX] = NULL;
	size_t hlen = 0;
	int md = NID_undef;
	enum pc_rc rc;

	sad[0] = '\0';
	memset(&q, 0, sizeof(q));
	/* A client registered for oauth2code authorizes on our consent page,
	 * where the holder sees the documents: never with a code it
	 * collected itself. */
	if (strcmp(t->auth_mode, "oauth2code") == 0)
		return pc_fail(err, PC_ESTATE, PCE_STATE, NULL);
	if (serial == NULL || serial[0] == '\0' ||
	    strlen(serial) > STORE_SERIAL_MAX ||
	    (t->credential[0] != '\0' && strcmp(t->credential, serial) != 0))
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credentialID");
	if (otp == NULL || otp[0] == '\0' || strlen(otp) > 16)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "OTP");
	if (h->n == 0) { /* an authentication SAD: numSignatures, no hashes */
		if (num < 1 || num > SIGNER_AUTH_SAD_USES_MAX)
			return pc_fail(err, PC_EINVAL,
			    PCE_NUM_SIGNATURES_INVALID, "numSignatures");
		q.uses = (unsigned)num;
		q.ttl = e->conf != NULL ? (uint32_t)e->conf->csc.auth_sad_ttl
		                        : SIGNER_SAD_TTL_S;
		md = NID_sha256; /* not binding: any hash of the key's */
	} else if (num < 1 || num > CSC_HASHES_MAX || (size_t)num != h->n) {
		return pc_fail(err, PC_EINVAL, PCE_NUM_SIGNATURES_INVALID,
		    "numSignatures");
	}
	hashes = calloc(CSC_HASHES_MAX, sizeof(*hashes));
	if (hashes == NULL)
		return PC_ENOMEM;
	if (h->n > 0)
		rc = hashes_decode(h, hashes, &hlen, &md, "hashes", err);
	else
		rc = PC_OK;
	if (rc != PC_OK)
		goto out;
	q.user = t->user_id;
	q.token = t->bind;
	q.credential = serial;
	q.code = otp;
	q.md_nid = md;
	q.n = (unsigned)h->n;
	q.hashes = (const uint8_t(*)[SIGNER_HASH_MAX])hashes;
	q.hlen = hlen;
	rc = signer_client_csc_authorize(e->signer, &q, &rep);
	rc = signer_outcome(rc, rep.result, rep.retry_after, err);
	if (rc != PC_OK)
		goto out;
	memcpy(sad, rep.sad, sizeof(rep.sad));
	*expires_in = rep.expires_in;
out:
	secret_wipe(&rep, sizeof(rep));
	free(hashes);
	return rc;
}

enum pc_rc
csc_extend(const struct pc_env *e, const struct csc_token *t,
    const char *serial, const char *sad, const struct csc_hashes *h,
    char out[SIGNER_SAD_HEX + 1], int64_t *expires_in, struct pc_err *err)
{
	struct signer_csc_sign_req q;
	struct signer_csc_sad_reply rep;
	uint8_t(*hashes)[SIGNER_HASH_MAX] = NULL;
	size_t hlen = 0;
	int md = NID_undef;
	enum pc_rc rc;

	out[0] = '\0';
	memset(&q, 0, sizeof(q));
	memset(&rep, 0, sizeof(rep));
	if (serial == NULL || serial[0] == '\0' ||
	    strlen(serial) > STORE_SERIAL_MAX)
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credentialID");
	if (sad == NULL || sad[0] == '\0' || strlen(sad) > SIGNER_SAD_MAX)
		return pc_fail(err, PC_EAUTH, PCE_SAD_INVALID, "SAD");
	if (h != NULL && h->n > 0) {
		hashes = calloc(CSC_HASHES_MAX, sizeof(*hashes));
		if (hashes == NULL)
			return PC_ENOMEM;
		rc = hashes_decode(h, hashes, &hlen, &md, "hashes", err);
		if (rc != PC_OK)
			goto out;
		q.md_nid = md;
		q.n = (unsigned)h->n;
		q.hashes = (const uint8_t(*)[SIGNER_HASH_MAX])hashes;
		q.hlen = hlen;
	}
	q.token = t->bind;
	q.credential = serial;
	q.sad = sad;
	rc = signer_client_csc_extend(e->signer, &q, &rep);
	rc = signer_outcome(rc, rep.result, rep.retry_after, err);
	if (rc == PC_OK) {
		memcpy(out, rep.sad, sizeof(rep.sad));
		*expires_in = rep.expires_in;
	}
out:
	secret_wipe(&rep, sizeof(rep));
	free(hashes);
	return rc;
}

/* The NID of an AlgorithmIdentifier (NULL: def). */
static int
alg_nid(const X509_ALGOR *a, int def)
{
	const ASN1_OBJECT *o = NULL;

	if (a == NULL)
		return def;
	X509_ALGOR_get0(&o, NULL, NULL, a);
	return OBJ_obj2nid(o);
}

/*
 * RSASSA-PSS-params (base64 DER) the HSM signs with: the hash md (or, md
 * NID_undef, the one named), MGF1 with the same hash, trailer 1, a salt
 * of at least the hash's length (the caller checks a longer one is the
 * key's largest). OUT: *md_out, *salt.
 */
static enum pc_rc
pss_params(const char *b64, int md, int *md_out, long *salt, struct pc_err *err)
{
	uint8_t der[256];
	const unsigned char *p = der;
	RSA_PSS_PARAMS *pp = NULL;
	X509_ALGOR *mh = NULL;
	const ASN1_STRING *mp = NULL;
	const unsigned char *q;
	const ASN1_OBJECT *mo = NULL;
	size_t n = 0;
	int h, ptype = 0;
	bool ok = false;

	if (b64 == NULL || csc_b64_decode(b64, der, sizeof(der), &n) != PC_OK ||
	    (pp = d2i_RSA_PSS_PARAMS(NULL, &p, (long)n)) == NULL ||
	    p != der + n)
		goto out;
	h = alg_nid(pp->hashAlgorithm, NID_sha1);
	if (!csc_md_ok(h) || (md != NID_undef && md != h))
		goto out;
	if (pp->maskGenAlgorithm == NULL)
		goto out; /* MGF1 with SHA-1 */
	X509_ALGOR_get0(&mo, &ptype, (const void **)&mp, pp->maskGenAlgorithm);
	if (OBJ_obj2nid(mo) != NID_mgf1 || ptype != V_ASN1_SEQUENCE)
		goto out;
	/* MGF1's parameter: the hash's AlgorithmIdentifier (its DER). */
	q = ASN1_STRING_get0_data(mp);
	mh = d2i_X509_ALGOR(NULL, &q, ASN1_STRING_length(mp));
	if (mh == NULL || alg_nid(mh, NID_undef) != h)
		goto out;
	*salt = pp->saltLength == NULL ? 20 : ASN1_INTEGER_get(pp->saltLength);
	if (*salt < EVP_MD_get_size(EVP_get_digestbynid(h)))
		goto out;
	if (pp->trailerField != NULL && ASN1_INTEGER_get(pp->trailerField) != 1)
		goto out;
	*md_out = h;
	ok = true;
out:
	X509_ALGOR_free(mh);
	RSA_PSS_PARAMS_free(pp);
	return ok ? PC_OK
	          : pc_fail(err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgoParams");
}

/*
 * The mechanism and hash of sign_oid with the request's hash algorithm
 * md (NID_undef: none given): rsaEncryption and ecPublicKey take md;
 * sha*WithRSAEncryption and ecdsa-with-SHA* name their own, which must
 * agree with md when both are given.
 */
static enum pc_rc
sign_algo(const char *sign_oid, const char *params, int md, enum hsm_mech *mech,
    int *md_out, long *salt, struct pc_err *err)
{
	int nid = csc_oid_nid(sign_oid), smd = NID_undef, pk = NID_undef;

	if (nid == NID_rsassaPss) {
		*mech = HSM_MECH_RSA_PSS;
		return pss_params(params, md, md_out, salt, err);
	}
	if (params != NULL)
		return pc_fail(
		    err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgoParams");
	if (nid == NID_rsaEncryption) {
		*mech = HSM_MECH_RSA_PKCS1;
	} else if (nid == NID_X9_62_id_ecPublicKey) {
		*mech = HSM_MECH_ECDSA;
	} else if (nid != NID_undef && OBJ_find_sigid_algs(nid, &smd, &pk) &&
	           (pk == NID_rsaEncryption ||
	               pk == NID_X9_62_id_ecPublicKey) &&
	           csc_md_ok(smd)) {
		*mech = pk == NID_rsaEncryption ? HSM_MECH_RSA_PKCS1
		                                : HSM_MECH_ECDSA;
		if (md != NID_undef && md != smd)
			return pc_fail(
			    err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgo");
		md = smd;
	} else {
		return pc_fail(err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgo");
	}
	if (md == NID_undef)
		return pc_fail(err, PC_EINVAL, PCE_ALGO_INVALID, "hashAlgo");
	*md_out = md;
	return PC_OK;
}

/*
 * A PSS salt longer than the hash: only the largest the credential's key
 * allows (emLen - hLen - 2, RFC 8017 §9.1.1; pyHanko sends it), signed
 * as HSM_MECH_RSA_PSS_MAXSALT.
 */
static enum pc_rc
pss_max_salt(const struct pc_env *e, const struct csc_token *t,
    const char *serial, int md, long salt, enum hsm_mech *mech,
    struct pc_err *err)
{
	struct csc_cred_info ci;
	long max;
	bool ec;
	enum pc_rc rc;

	rc = csc_credential_info(e, t, serial, &ci, err);
	if (rc != PC_OK)
		return rc;
	ec = ci.curve != NULL;
	max =
	    (ci.key_len + 6) / 8 - EVP_MD_get_size(EVP_get_digestbynid(md)) - 2;
	csc_cred_info_cleanup(&ci);
	if (ec || salt != max)
		return pc_fail(
		    err, PC_EINVAL, PCE_ALGO_INVALID, "signAlgoParams");
	*mech = HSM_MECH_RSA_PSS_MAXSALT;
	return PC_OK;
}

void
csc_sigs_free(char **sigs, size_t n)
{
	size_t i;

	for (i = 0; sigs != NULL && i < n; i++) {
		free(sigs[i]);
		sigs[i] = NULL;
	}
}

enum pc_rc
csc_sign_hash(const struct pc_env *e, const struct csc_token *t,
    const char *serial, const char *sad, const struct csc_hashes *h,
    const char *sign_oid, const char *sign_params, char **sigs,
    struct pc_err *err)
{
	struct signer_csc_sign_req q;
	struct signer_user_reply rep;
	struct csc_hashes hh = *h;
	uint8_t(*hashes)[SIGNER_HASH_MAX] = NULL;
	enum hsm_mech mech = HSM_MECH_RSA_PKCS1;
	size_t hlen = 0, i;
	int md = NID_undef, given = NID_undef;
	long salt = 0;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	memset(&rep, 0, sizeof(rep));
	rc = csc_sign_args(t, serial, &sad, err);
	if (rc != PC_OK)
		return rc;
	if (h->hash_oid != NULL) {
		given = csc_oid_nid(h->hash_oid);
		if (!csc_md_ok(given))
			return pc_fail(err, PC_EINVAL, PCE_ALGO_INVALID,
			    "hashAlgorithmOID");
	}
	rc = sign_algo(sign_oid, sign_params, given, &mech, &md, &salt, err);
	if (rc == PC_OK && mech == HSM_MECH_RSA_PSS &&
	    salt != EVP_MD_get_size(EVP_get_digestbynid(md)))
		rc = pss_max_salt(e, t, serial, md, salt, &mech, err);
	if (rc != PC_OK)
		return rc;
	hashes = calloc(CSC_HASHES_MAX, sizeof(*hashes));
	if (hashes == NULL)
		return PC_ENOMEM;
	hh.hash_oid = NULL; /* the length says which; it must be md */
	rc = hashes_decode(&hh, hashes, &hlen, &given, "hashes", err);
	if (rc == PC_OK && given != md)
		rc = pc_fail(err, PC_EINVAL, PCE_HASH_INVALID, "hashes");
	if (rc != PC_OK)
		goto out;
	q.token = t->bind;
	q.credential = serial;
	q.sad = sad;
	q.mech = mech;
	q.md_nid = md;
	q.n = (unsigned)h->n;
	q.hashes = (const uint8_t(*)[SIGNER_HASH_MAX])hashes;
	q.hlen = hlen;
	rc = signer_client_csc_sign(e->signer, &q, &rep);
	rc = signer_outcome(rc, rep.result, rep.retry_after, err);
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < rep.n; i++) {
		sigs[i] = csc_b64_encode(rep.sigs[i], rep.siglens[i]);
		if (sigs[i] == NULL) {
			csc_sigs_free(sigs, i);
			rc = PC_ENOMEM;
			goto out;
		}
	}
out:
	signer_user_reply_cleanup(&rep);
	free(hashes);
	return rc;
}

enum pc_rc
csc_timestamp(const struct pc_env *e, const struct csc_token *t,
    const char *hash_b64, const char *hash_oid, const char *nonce,
    struct buf *out, struct pc_err *err)
{
	const char *one[1] = { hash_b64 };
	struct csc_hashes h = { one, 1, hash_oid };
	uint8_t(*hashes)[SIGNER_HASH_MAX] = NULL;
	struct sign_err se;
	struct db *db = NULL;
	char url[300];
	size_t hlen = 0;
	int md = NID_undef;
	enum pc_rc rc;

	memset(&se, 0, sizeof(se));
	if (hash_b64 == NULL || hash_b64[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "hash");
	if (hash_oid == NULL)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "hashAlgo");
	hashes = calloc(1, sizeof(*hashes));
	if (hashes == NULL)
		return PC_ENOMEM;
	rc = hashes_decode(&h, hashes, &hlen, &md, "hash", err);
	if (rc != PC_OK)
		goto out;
	signing_local_tsa(e, url, sizeof(url));
	rc = sign_tsa_request_nonce(url, md, hashes[0], hlen, nonce, out, &se);
	if (rc == PC_EINVAL) {
		rc = pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "nonce");
		goto out;
	}
	if (rc != PC_OK) {
		rc = pc_fail(err, PC_EUNAVAIL, PCE_SIGNER_UNAVAILABLE, NULL);
		goto out;
	}
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		rc = db_begin(db);
		if (rc == PC_OK)
			rc = store_audit_printf(db, t->user_id, "csc.timestamp",
			    "hash_len=%zu ip=%s", hlen,
			    e->ip != NULL ? e->ip : "-");
		if (rc == PC_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
		store_release(e->store, db);
	}
out:
	free(hashes);
	return rc;
}
