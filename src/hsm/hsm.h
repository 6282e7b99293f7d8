/*
 * hsm.h: the PKCS#11 client of Pecete.
 *
 * struct hsm holds one loaded PKCS#11 module, one token (found by label,
 * never by slot number: slots move after token init), a logged-in pool of
 * sessions and a cache of key handles. It is thread-safe: each operation
 * borrows a session from the pool. Any PKCS#11 module works; SoftHSMv2 is
 * the embedded default.
 *
 * Keys are found by CKA_LABEL, unique in the token. Generated keys are
 * sign-only: CKA_SIGN true; CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE false;
 * CKA_SENSITIVE true; CKA_EXTRACTABLE false; CKA_TOKEN true; CKA_PRIVATE
 * true.
 *
 * Only the signer process and the offline CLI hold a struct hsm.
 */
#ifndef PC_HSM_H
#define PC_HSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/pc.h"

struct hsm;
struct hsm_key;

enum hsm_key_type {
	HSM_KEY_RSA2048 = 1,
	HSM_KEY_RSA3072,
	HSM_KEY_P256,
	HSM_KEY_P384,
};

/*
 * Signature mechanisms. The input is always a digest of md_nid
 * (NID_sha256, NID_sha384, NID_sha512):
 *  RSA_PKCS1: the DigestInfo is built here, then CKM_RSA_PKCS.
 *  RSA_PSS:   CKM_RSA_PKCS_PSS, MGF1 with the same hash, salt = digest size.
 *  ECDSA:     CKM_ECDSA; the output is DER (ECDSA-Sig-Value), as X.509 and
 *             CMS want it.
 */
enum hsm_mech {
	HSM_MECH_RSA_PKCS1 = 1,
	HSM_MECH_RSA_PSS,
	HSM_MECH_ECDSA,
	HSM_MECH_RSA_PSS_MAXSALT, /* RSA_PSS with the largest salt the key
	                           * allows: emLen - hLen - 2 (RFC 8017
	                           * §9.1.1), what pyHanko asks for */
};
#define HSM_MECH_LAST HSM_MECH_RSA_PSS_MAXSALT

#define HSM_SIG_MAX 512 /* bytes: RSA-4096 or DER ECDSA P-521 */
/* The audit log's sealing key (P-256): made by pecete init, or by the
 * signer at start when missing; signs only audit rows' hashes. */
#define HSM_AUDIT_SEAL_LABEL "pecete-audit-seal"
#define HSM_LABEL_MAX 128

struct hsm_opts {
	const char *module; /* path of the PKCS#11 module */
	const char *token_label;
	const char *pin; /* user PIN (secret memory of the caller) */
	unsigned pool;   /* sessions kept open, >= 1 */
};

/*
 * Initialise a new token with label in the first free slot of module (as
 * SoftHSM offers one), set its SO and user PIN. PC_EEXIST if a token with
 * that label exists.
 */
enum pc_rc hsm_token_create(const char *module, const char *label,
    const char *so_pin, const char *user_pin);

/*
 * The label of the only initialised token of module into label (n >= 33).
 * PC_ENOTFOUND: no token; PC_ESTATE: several (name one).
 */
enum pc_rc hsm_token_only(const char *module, char *label, size_t n);

/* Load the module, find the token, log in. OUT: *out (hsm_close). */
enum pc_rc hsm_open(const struct hsm_opts *opts, struct hsm **out);
void hsm_close(struct hsm *h);

/*
 * Generate a non-extractable sign-only key pair labelled label.
 * PC_EEXIST if the label is taken. OUT: *pub, the public key (free it).
 */
enum pc_rc hsm_key_generate(
    struct hsm *h, enum hsm_key_type type, const char *label, EVP_PKEY **pub);

/* Find the key labelled label, generating it (type) when there is none. */
enum pc_rc hsm_key_ensure(struct hsm *h, enum hsm_key_type type,
    const char *label, const struct hsm_key **key);

/*
 * Find a private key by label (cached after the first lookup).
 * OUT: *key borrowed: owned by h, valid until hsm_close.
 */
enum pc_rc hsm_key_find(
    struct hsm *h, const char *label, const struct hsm_key **key);
/* The public key (borrowed) and type of a found key. */
EVP_PKEY *hsm_key_public(const struct hsm_key *key);
enum hsm_key_type hsm_key_type(const struct hsm_key *key);
const char *hsm_key_label(const struct hsm_key *key);

/*
 * Sign a digest. sig must hold HSM_SIG_MAX bytes; *siglen gets the length.
 * PC_EINVAL when mech does not fit the key or hlen the digest.
 */
enum pc_rc hsm_key_sign(struct hsm *h, const struct hsm_key *key,
    enum hsm_mech mech, int md_nid, const uint8_t *hash, size_t hlen,
    uint8_t *sig, size_t *siglen) PC_NODISCARD;

/* Destroy the key pair labelled label (used on failed issuance). */
enum pc_rc hsm_key_destroy(struct hsm *h, const char *label);

/*
 * A signing function: what pki needs to sign with a key it does not hold.
 * In the CLI it calls hsm_key_sign; in the server, the signer process.
 */
typedef enum pc_rc (*hsm_sign_fn)(void *arg, enum hsm_mech mech, int md_nid,
    const uint8_t *hash, size_t hlen, uint8_t *sig, size_t *siglen);

/*
 * A proxy EVP_PKEY with the public key pub whose private-key operations
 * (RSA PKCS#1 v1.5 and ECDSA signatures, as used by X509_sign, X509_CRL_sign,
 * OCSP_basic_sign, TS_RESP_CTX and CMS) call fn(arg, ...). pub is not
 * taken (it is copied); arg must outlive the returned key. OUT: free with
 * EVP_PKEY_free.
 */
EVP_PKEY *hsm_proxy_pkey_new(EVP_PKEY *pub, hsm_sign_fn fn, void *arg);

/* hsm_sign_fn for a key of an open hsm; arg is a struct hsm_key_ref. */
struct hsm_key_ref {
	struct hsm *hsm;
	const struct hsm_key *key;
};
enum pc_rc hsm_key_ref_sign(void *arg, enum hsm_mech mech, int md_nid,
    const uint8_t *hash, size_t hlen, uint8_t *sig, size_t *siglen);

#endif /* PC_HSM_H */
