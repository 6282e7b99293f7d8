/*
 * csc.h: the remote-signing API of the Cloud Signature Consortium (CSC
 * API v1 and v2) as a domain module: access tokens, the account's
 * credentials, the explicit authorization (TOTP) that yields a SAD, and
 * signatures of hashes. docs/internals/csc.md.
 *
 * The HTTP faces (api/api_csc.c) only translate; v1 and v2 differ in
 * field names, not here. The SAD is minted and spent by the signer
 * process (signer.h: CSC_AUTHORIZE, CSC_SIGN, CSC_EXTEND): this module
 * never sees a TOTP secret and cannot make a SAD; it decodes and checks
 * what the client sent (base64 or base64url hashes of the right length,
 * algorithm OIDs that fit the key) and passes the binding the signer
 * needs (the access token's hash, the user, the credential).
 */
#ifndef PC_CSC_H
#define PC_CSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "signer/signer.h"
#include "store/store_token.h"

/* Lifetime of an access token from auth/login (seconds). */
#define CSC_TOKEN_TTL_S 3600
/* Hashes per authorization and per signHash (the signer's batch). */
#define CSC_HASHES_MAX SIGNER_USER_HASHES_MAX
#define CSC_TOKEN_LEN 64

#define CSC_SCOPE_SERVICE "service"
#define CSC_SCOPE_CREDENTIAL "credential"

/* The caller's access token, as the gate found it. */
struct csc_token {
	char hash[STORE_TOKEN_HASH_LEN + 1];
	/* The token hash SADs are bound to in the signer: hash, or for an
	 * OAuth2 credential token the one its consent's SAD was bound to */
	char bind[STORE_TOKEN_HASH_LEN + 1];
	char user_id[STORE_TOKEN_ID_MAX + 1];
	char scope[16];
	char credential[STORE_SERIAL_MAX + 1]; /* credential scope */
	int64_t expires_at;
	char grant_id[STORE_TOKEN_ID_MAX + 1]; /* OAuth2: "" for auth/login */
	/* How this caller authorizes signatures (credentials/info's
	 * authMode): its OAuth2 client's mode, "explicit" for auth/login */
	char auth_mode[16];
	/* OAuth2 credential scope: the SAD of the consent (secret), which
	 * signHash uses when the request gives none; "" none */
	char sad[SIGNER_SAD_HEX + 1];
};

/*
 * The access token of an Authorization header ("Bearer <token>") for a
 * route of scope: known, not expired, not revoked, and its scope allows
 * the route (a "service" token reaches every route; a "credential" token
 * only routes of scope "credential"). PC_EAUTH with invalid_token or
 * insufficient_scope. OUT: *out.
 */
enum pc_rc csc_bearer(const struct pc_env *e, const char *authorization,
    const char *scope, struct csc_token *out, struct pc_err *err);

/*
 * auth/login: HTTP Basic (e-mail:password) through the sign-in rules of
 * the web (pacing, failure counting, lockout) -> a new "service" access
 * token (hex, CSC_TOKEN_LEN) valid CSC_TOKEN_TTL_S; stored hashed.
 * Refusals: authentication_error (login_failed, account_locked).
 */
/* "user:password" of an HTTP Basic Authorization header, decoded into buf
 * (size bytes); false when it is not one. */
bool csc_basic_split(const char *authorization, char *buf, size_t size,
    const char **user, const char **pw);
enum pc_rc csc_login(const struct pc_env *e, const char *authorization,
    char token[CSC_TOKEN_LEN + 1], int64_t *expires_in, struct pc_err *err);

/*
 * auth/revoke: revoke token (an access token of the caller's user;
 * NULL: the caller's own). Another's or an unknown token: PC_EINVAL
 * (invalid_request).
 */
enum pc_rc csc_revoke(const struct pc_env *e, const struct csc_token *t,
    const char *token, struct pc_err *err);

/* credentials/list: the user's signing credentials, newest first; with
 * with_auth, each holder's authentication certificate too (the virtual
 * token's TLS key: docs/internals/vtoken.md). */
enum pc_rc csc_credentials(const struct pc_env *e, const struct csc_token *t,
    bool only_valid, bool with_auth,
    enum pc_rc (*fn)(void *arg, const char *serial), void *arg);

/* What credentials/info tells of a credential (strings: malloc'd). */
struct csc_cred_info {
	char serial[STORE_SERIAL_MAX + 1];
	const char *key_status; /* "enabled", "disabled" */
	const char *algos[8];   /* signature algorithm OIDs */
	size_t nalgos;
	int key_len;         /* bits */
	const char *curve;   /* EC: the curve's OID; NULL for RSA */
	const char *status;  /* "valid", "expired", "revoked", "suspended" */
	struct buf certs[3]; /* DER: signer, issuing CA, root */
	size_t ncerts;
	char *subject_dn, *issuer_dn;
	char serial_hex[STORE_SERIAL_MAX + 1];
	char valid_from[16], valid_to[16]; /* GeneralizedTime YYYYMMDDHHMMSSZ */
	int64_t transactions_left;
	unsigned multisign; /* hashes per authorization */
	bool auth; /* the authentication certificate, not a qualified key */
};

/*
 * credentials/info: the user's credential serial (another's, or none:
 * credential_unknown). OUT: *out (csc_cred_info_cleanup).
 */
enum pc_rc csc_credential_info(const struct pc_env *e,
    const struct csc_token *t, const char *serial, struct csc_cred_info *out,
    struct pc_err *err);
void csc_cred_info_cleanup(struct csc_cred_info *ci);

/* An authorization's or a signHash's hashes, as the client sent them. */
struct csc_hashes {
	const char *const *b64; /* base64 or base64url, padded or not */
	size_t n;
	const char *hash_oid; /* NULL: from the length (32, 48, 64 bytes) */
};

/*
 * credentials/authorize, explicit mode: num signatures of the hashes
 * (num must equal their count) with the credential, the holder's TOTP
 * code as OTP. The signer checks and mints the SAD (hex, secret: wipe
 * it) bound to t's token. Refusals: field_invalid / hash_invalid /
 * algo_invalid / num_signatures_invalid for the request, then the
 * signer's (credential_unknown, cert_*, quota_exhausted, totp_*).
 */
enum pc_rc csc_authorize(const struct pc_env *e, const struct csc_token *t,
    const char *serial, int64_t num, const struct csc_hashes *h,
    const char *otp, char sad[SIGNER_SAD_HEX + 1], int64_t *expires_in,
    struct pc_err *err);

/*
 * credentials/extendTransaction: a new SAD for the one given (same
 * bindings, a new expiry); the old one stops working. h (NULL or none:
 * not given) are the hashes the client means to sign next: they may
 * only restate hashes the SAD still covers (SCAL 2: a new hash needs the
 * holder's code, so a new authorization); else hash_not_authorized and
 * the SAD stays as it was.
 */
enum pc_rc csc_extend(const struct pc_env *e, const struct csc_token *t,
    const char *serial, const char *sad, const struct csc_hashes *h,
    char out[SIGNER_SAD_HEX + 1], int64_t *expires_in, struct pc_err *err);

/*
 * signatures/signHash: sign the hashes with sign_oid (RSA PKCS#1 v1.5 by
 * rsaEncryption + hash or sha*WithRSAEncryption; RSASSA-PSS with
 * sign_params, base64 DER RSASSA-PSS-params: the hash, MGF1 with the same
 * hash, salt of the hash's length; ECDSA by ecPublicKey + hash or
 * ecdsa-with-SHA*; sign_params only for PSS) under the SAD. OUT:
 * sigs[i] the base64 of each signature (malloc'd; csc_sigs_free).
 * Refusals: the request's (hash_invalid, algo_invalid), then the
 * signer's (sad_invalid, sad_expired, hash_not_authorized,
 * hashes_exceed, algo_invalid, cert_*, quota_exhausted).
 */
enum pc_rc csc_sign_hash(const struct pc_env *e, const struct csc_token *t,
    const char *serial, const char *sad, const struct csc_hashes *h,
    const char *sign_oid, const char *sign_params, char **sigs,
    struct pc_err *err);
void csc_sigs_free(char **sigs, size_t n);

/*
 * signatures/timestamp (2.0.0.2 §11.13): an RFC 3161 token from the node's
 * own TSA over hash (base64 or base64url) of hash_oid (SHA-256/384/512),
 * with nonce (hex, NULL: a random one) in it. Audited (csc.timestamp) for
 * t's user. OUT: out (the DER token). Refusals: hash_invalid,
 * algo_invalid, field_invalid (nonce), the TSA's unavailability.
 */
enum pc_rc csc_timestamp(const struct pc_env *e, const struct csc_token *t,
    const char *hash_b64, const char *hash_oid, const char *nonce,
    struct buf *out, struct pc_err *err);

/* ---- helpers (csc_util.c), also for the unit test ---------------------- */

/*
 * Decode base64 or base64url (padding optional, but right when present;
 * no white space) into out (at most max bytes). PC_EINVAL otherwise.
 */
enum pc_rc csc_b64_decode(
    const char *in, uint8_t *out, size_t max, size_t *outlen);
/* Standard base64 of p (malloc'd, NUL-terminated); NULL: ENOMEM. */
char *csc_b64_encode(const uint8_t *p, size_t n);
/*
 * A DN as RFC 4514 text in UTF-8 (credentials/info issuerDN, subjectDN):
 * non-ASCII as UTF-8, not \XX escapes. malloc'd; NULL: ENOMEM.
 */
struct X509_name_st; /* X509_NAME */
char *csc_dn_utf8(const struct X509_name_st *n);
/* The NID of a dotted OID; NID_undef (0) when unknown or not dotted. */
int csc_oid_nid(const char *oid);
/* A hash algorithm we sign with: SHA-256, -384, -512. */
bool csc_md_ok(int nid);
/*
 * The credential and SAD of a signing call (signHash, signDoc): serial
 * must be the token's credential when the token is bound to one; a
 * credential-scope token's own SAD stands in for a missing one. OUT:
 * *sad. PC_ENOTFOUND credential_unknown, PC_EAUTH SAD_invalid.
 */
enum pc_rc csc_sign_args(const struct csc_token *t, const char *serial,
    const char **sad, struct pc_err *err);

/*
 * signatures/signDoc (2.0.0.2 §11.11; csc_doc.c). Documents (base64, at
 * most CSC_DOCS_MAX, each at most CSC_DOC_MAX_BYTES decoded, all at most
 * CSC_DOCS_TOTAL_BYTES) and one documentDigests entry (hashes of its
 * hashAlgorithmOID, detached CAdES).
 */
#define CSC_DOCS_MAX 10
#define CSC_DOC_MAX_BYTES (8 * 1024 * 1024)
#define CSC_DOCS_TOTAL_BYTES (16 * 1024 * 1024)

struct csc_doc_in {
	const char *b64;      /* document */
	const char *format;   /* signature_format: "P" or "C" */
	const char *level;    /* conformance_level: AdES-B-B, AdES-B-T */
	const char *envelope; /* signed_envelope_property */
	const char *sign_algo, *sign_params;
};

struct csc_doc_digests {
	struct csc_hashes h; /* hashes, hashAlgorithmOID (required) */
	const char *format, *level, *envelope, *sign_algo, *sign_params;
};

struct csc_doc_req {
	const struct csc_doc_in *docs;
	size_t ndocs;
	const struct csc_doc_digests *digests;
	size_t ndigests;
	bool validation_info; /* returnValidationInfo */
};

/* The answer: base64 strings (malloc'd; csc_doc_out_cleanup). */
struct csc_doc_out {
	char **docs; /* DocumentWithSignature: PAdES, attached CAdES */
	size_t ndocs;
	char **sigs; /* SignatureObject: detached CAdES (digests first) */
	size_t nsigs;
	char **certs, **crls, **ocsps; /* validationInfo */
	size_t ncerts, ncrls, nocsps;
};

/*
 * Sign the documents and digests of q with the credential under the SAD
 * (or the credential-scope token's), which must cover each document's
 * hash (the digest of its bytes as sent: SHA-256, or the documentDigests'
 * algorithm) and each digest; they are consumed from it. Nothing is
 * spent when a document is refused (document_invalid, file_too_large,
 * field_invalid) or the SAD does not cover it (hash_not_authorized).
 * OUT: *out.
 */
enum pc_rc csc_sign_doc(const struct pc_env *e, const struct csc_token *t,
    const char *serial, const char *sad, const struct csc_doc_req *q,
    struct csc_doc_out *out, struct pc_err *err);
void csc_doc_out_cleanup(struct csc_doc_out *o);

#endif /* PC_CSC_H */
