/*
 * pki.h: our certification authority and trust services.
 *
 * The hierarchy (made once by pki_hierarchy_create, from pecete init):
 *   "root"    self-signed root CA (long validity, pathlen 1)
 *   "issuing" issuing CA for qualified certificates (pathlen 0)
 *   "ocsp"    OCSP responder (EKU OCSPSigning, id-pkix-ocsp-nocheck)
 *   "tsa"     time-stamping unit (EKU timeStamping, critical)
 * All keys live in the HSM; struct pki never holds a private key: it signs
 * through a struct pki_keysrc (in-process HSM in the CLI, the signer process
 * in the server). Certificates, revocations and CRLs are in the store.
 *
 * URLs in certificates come from server.public_url:
 *   <public_url>/pki/<name>.crt (caIssuers), <public_url>/pki/<name>.crl,
 *   <public_url>/ocsp.
 */
#ifndef PC_PKI_H
#define PC_PKI_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/pc.h"
#include "hsm/hsm.h"
#include "store/store.h"

struct pki;

/* Where private-key operations go. */
struct pki_keysrc {
	/*
	 * A private-key handle for the key labelled label whose public key is
	 * pub (normally hsm_proxy_pkey_new). NULL on failure. Caller frees.
	 */
	EVP_PKEY *(*load)(void *arg, const char *label, EVP_PKEY *pub);
	/* Generate a key pair; NULL where keys cannot be made (web side). */
	enum pc_rc (*generate)(void *arg, enum hsm_key_type type,
	    const char *label, EVP_PKEY **pub);
	/* Destroy a key pair after a failed issuance; may be NULL. */
	enum pc_rc (*destroy)(void *arg, const char *label);
	void *arg;
};

/* A keysrc over an open hsm (CLI, signer). ks->arg = h. */
void pki_keysrc_hsm(struct pki_keysrc *ks, struct hsm *h);

/*
 * Create root, issuing, ocsp and tsa: keys in the HSM, certificates in the
 * store, a first CRL for root and issuing. PC_EEXIST when a hierarchy is
 * already there.
 */
enum pc_rc pki_hierarchy_create(
    const struct conf *conf, struct store *st, const struct pki_keysrc *ks);

/*
 * The platform's e-seal (issue 17): a key pair in the HSM and a qualified
 * seal certificate for it (QCP-l-qscd, QcType eseal, legal person: [pki]
 * org and org_id) issued by the issuing CA, stored as "eseal". Made by
 * pecete init, or once by `pecete pki eseal` for an older data dir.
 * PC_EEXIST when there is one. The signer seals with it (SIGN_SERVICE).
 */
#define PKI_ESEAL_NAME "eseal"
enum pc_rc pki_eseal_create(
    const struct conf *conf, struct store *st, const struct pki_keysrc *ks);

/* Load the hierarchy from the store. OUT: *out, free with pki_close. */
enum pc_rc pki_open(const struct conf *conf, struct store *st,
    const struct pki_keysrc *ks, struct pki **out);
void pki_close(struct pki *p);

/* Identity documents, for the subject serialNumber (ETSI EN 319 412-1). */
enum pki_id_type {
	PKI_ID_PNO = 1, /* national personal number: PNORO-<CNP> */
	PKI_ID_PAS,     /* passport: PASRO-<number> */
	PKI_ID_IDC,     /* identity card: IDCRO-<number> */
};

struct pki_person {
	const char *given_name;
	const char *surname;
	const char *email;
	const char *country; /* ISO 3166 alpha-2, default "RO" */
	enum pki_id_type id_type;
	const char *id_number; /* the CNP for PKI_ID_PNO */
};

struct pki_issued {
	char holder[33]; /* random id linking the two certificates */
	char sign_serial[STORE_SERIAL_MAX + 1];
	char auth_serial[STORE_SERIAL_MAX + 1];
	char sign_key_label[HSM_LABEL_MAX];
	char auth_key_label[HSM_LABEL_MAX];
	X509 *sign_cert; /* owned; freed by pki_issued_cleanup */
	X509 *auth_cert;
};

/*
 * Check a person's data (names, e-mail, country, CNP checksum). On
 * PC_EINVAL writes a message for the user into err.
 */
enum pc_rc pki_person_check(
    const struct pki_person *who, char *err, size_t errlen);

/*
 * Issue a holder's qualified signing certificate (type A: nonRepudiation
 * only, QCStatements, QCP-n-qscd) and authentication certificate
 * (digitalSignature, clientAuth), each on its own new HSM key, valid for
 * years (1..3). hook (may be NULL) runs in the transaction that stores
 * the certificates. Nothing is left behind on failure (keys destroyed, no
 * rows).
 */
/* Work of the caller in issuance's transaction (the credential row). */
struct pki_issue_hook {
	enum pc_rc (*in_tx)(
	    void *arg, struct db *db, const struct pki_issued *is);
	void *arg;
};

/*
 * Delete the HSM key pairs of issuances that never completed (a signer
 * killed between the key generation and the certificates' commit): the
 * labels recorded in pending_keys more than older_s seconds ago whose key
 * no certificate uses; each deletion audited (key.orphan_deleted). Run
 * by the signer at start and before each issuance. OUT: *n, keys deleted.
 */
enum pc_rc pki_sweep_pending(struct pki *p, int64_t older_s, int64_t *n);
enum pc_rc pki_holder_issue(struct pki *p, const struct pki_person *who,
    int years, enum hsm_key_type ktype, const struct pki_issue_hook *hook,
    struct pki_issued *out, char *err, size_t errlen);
void pki_issued_cleanup(struct pki_issued *is);

/* CRL reasons accepted by pki_cert_revoke, by name. -1 if unknown. */
int pki_reason_from_name(const char *name);
const char *pki_reason_name(int reason);

/* Revoke a certificate and publish a new CRL of its issuer. */
enum pc_rc pki_cert_revoke(struct pki *p, const char *serial, int reason);
/* Take a certificate off hold; a new CRL of its issuer. PC_ESTATE if not
 * on hold. */
enum pc_rc pki_cert_release(struct pki *p, const char *serial);

/* The DER certificate of a CA or service ("root", "issuing", "ocsp", "tsa"). */
enum pc_rc pki_cert_der(struct pki *p, const char *name, struct buf *out);
/* PEM of the same. */
enum pc_rc pki_cert_pem(struct pki *p, const char *name, struct buf *out);
/* Any certificate x as PEM, appended to out. */
enum pc_rc pki_x509_pem(X509 *x, struct buf *out);

/*
 * The current CRL of a CA ("root" or "issuing") in DER; a new one is made
 * when the latest is within conf.pki.crl_renew_hours of nextUpdate.
 */
enum pc_rc pki_crl_der(struct pki *p, const char *name, struct buf *out);

/*
 * Make a new CRL of "root" or "issuing" now (offline renewal of the root
 * CRL: needs the root key, so only from the CLI). OUT: DER appended.
 */
enum pc_rc pki_crl_renew(struct pki *p, const char *name, struct buf *out);

/*
 * Answer an OCSP request (DER). Always fills out with a DER OCSPResponse:
 * malformedRequest for garbage, unauthorized for unknown issuers, else a
 * signed basic response with good/revoked/unknown and the nonce echoed.
 * Returns PC_OK when out holds a response.
 */
enum pc_rc pki_ocsp_respond(
    struct pki *p, const uint8_t *req, size_t n, struct buf *out);

/*
 * Answer an RFC 3161 TimeStampReq (DER). Always fills out with a DER
 * TimeStampResp: granted with a token (our policy, unique random serial,
 * accuracy, nonce, certReq honoured) or rejection/badDataFormat.
 */
enum pc_rc pki_tsa_respond(
    struct pki *p, const uint8_t *req, size_t n, struct buf *out);

/*
 * A TimeStampReq for hash (md_nid: NID_sha256, ...) with a random nonce,
 * asking for the TSA's certificate. NULL on failure (TS_REQ_free).
 */
TS_REQ *pki_tsq_new(int md_nid, const uint8_t *hash, size_t hlen);
/*
 * Stamp a SHA-256 hash with our own TSA, in process: out receives the
 * TimeStampResp (DER) granted. PC_EUNAVAIL when the TSA refused (the
 * signer is down).
 */
enum pc_rc pki_tsa_stamp(
    struct pki *p, const uint8_t hash[32], struct buf *out);

/*
 * Check a TimeStampResp (DER) granted by our TSA over the SHA-256 hash:
 * signed by the TSA certificate of our hierarchy (chain to our root), its
 * imprint hash. OUT: *gen_time (may be NULL). PC_ECRYPTO when it does not
 * verify, PC_EINVAL when it is not a TimeStampResp.
 */
enum pc_rc pki_tsa_check(struct pki *p, const uint8_t *der, size_t n,
    const uint8_t hash[32], int64_t *gen_time);

/* Write root.pem, issuing.pem, tsa.pem, ocsp.pem into dir. */
enum pc_rc pki_export(struct pki *p, const char *dir);

/*
 * A serial as typed by a person ("0x", ':' separators, upper case, leading
 * zeros allowed) in the store's form: lower-case hex, no leading zeros.
 * PC_EINVAL when not hex or too long.
 */
enum pc_rc pki_serial_norm(const char *in, char *out, size_t outlen);

/*
 * The parse and validate step of pki_ocsp_respond, with no key or store:
 * n <= max, DER that d2i's exactly (no trailing bytes), 1..16 CertIDs each
 * with a SHA-1/SHA-2 hash algorithm and hashes of the right length.
 * PC_ELIMIT when too big, PC_EINVAL when malformed. OUT: *out (free with
 * OCSP_REQUEST_free).
 */
enum pc_rc pki_ocsp_req_parse(
    const uint8_t *der, size_t n, size_t max, OCSP_REQUEST **out);

/*
 * The parse and validate step of pki_tsa_respond: n <= max, exact DER,
 * version 1, a SHA-256/384/512 message imprint of the right length.
 * PC_ELIMIT / PC_EINVAL as above. OUT: *out (free with TS_REQ_free).
 */
enum pc_rc pki_tsa_req_parse(
    const uint8_t *der, size_t n, size_t max, TS_REQ **out);

/* Romanian CNP: 13 digits, valid date and check digit. */
bool cnp_valid(const char *cnp);

#endif /* PC_PKI_H */
