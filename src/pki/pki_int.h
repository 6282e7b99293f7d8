/*
 * pki_int.h: what the files of src/pki share. Not for other folders.
 */
#ifndef PC_PKI_INT_H
#define PC_PKI_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/pki.h"

/* The four certificates of the hierarchy, by index. */
enum pki_ca_idx { PKI_ROOT = 0, PKI_ISSUING, PKI_OCSP, PKI_TSA, PKI_NCA };

#define PKI_SERIAL_BYTES 16 /* 128 bits, top bit cleared: >= 64 random */
#define PKI_NAME_MAX 64     /* bytes of a given name or surname */
#define PKI_EMAIL_MAX 254
#define PKI_IDNUM_MAX 20
#define PKI_OCSP_MAX_IDS 16    /* CertIDs in one OCSP request */
#define PKI_OCSP_VALIDITY 3600 /* seconds between thisUpdate, nextUpdate */
#define PKI_ROOT_CRL_HOURS (365 * 24) /* the root's key is offline: ARL */
#define PKI_CRL_RETRY 300 /* seconds before retrying a failed renewal */

/* OIDs of our profiles (ETSI EN 319 412-2/-5, RFC 3739). */
#define PKI_OID_QCP_N_QSCD "0.4.0.194112.1.2"
#define PKI_OID_QCP_L_QSCD "0.4.0.194112.1.3"
#define PKI_OID_QCT_ESEAL "0.4.0.1862.1.6.2"
#define PKI_OID_SEM_LEGAL "0.4.0.194121.1.2"
#define PKI_OID_QCS_COMPLIANCE "0.4.0.1862.1.1"
#define PKI_OID_QCS_SSCD "0.4.0.1862.1.4"
#define PKI_OID_QCS_PDS "0.4.0.1862.1.5"
#define PKI_OID_QCS_TYPE "0.4.0.1862.1.6"
#define PKI_OID_QCT_ESIGN "0.4.0.1862.1.6.1"
#define PKI_OID_QCS_SYNTAX_V2 "1.3.6.1.5.5.7.11.2"
#define PKI_OID_SEM_NATURAL "0.4.0.194121.1.1"
#define PKI_OID_QC_STATEMENTS "1.3.6.1.5.5.7.1.3"

struct pki_ca {
	const char *name; /* "root", "issuing", "ocsp", "tsa" */
	char serial[STORE_SERIAL_MAX + 1];
	char key_label[HSM_LABEL_MAX];
	X509 *cert;
	EVP_PKEY *key; /* private-key proxy, loaded on first use */
};

struct pki {
	const struct conf *conf;
	struct store *st;
	struct pki_keysrc ks;
	struct pki_ca ca[PKI_NCA];
	pthread_mutex_t lock;    /* key loading and CRL regeneration */
	int64_t crl_retry_at[2]; /* root, issuing: no renewal before this */
};

extern const char *const pki_ca_names[PKI_NCA];
extern const char *const pki_ca_kinds[PKI_NCA];

/* A CA by name; -1 when unknown. */
int pki_ca_index(const char *name);

/* The private key of ca[idx], loaded through the keysrc on first use. */
enum pc_rc pki_ca_key(struct pki *p, int idx, EVP_PKEY **key);

/* A new random positive serial of PKI_SERIAL_BYTES. Caller frees. */
ASN1_INTEGER *pki_serial_new(void);
/* Lower-case hex without leading zeros; PC_EINVAL when negative/too long. */
enum pc_rc pki_serial_hex(const ASN1_INTEGER *ai, char *out, size_t outlen);

/* The one-line RFC 2253 form of a name, malloc()ed. */
char *pki_name_oneline(const X509_NAME *n);

/*
 * Add an extension given in OpenSSL's config syntax ("critical,CA:TRUE").
 * conf may be NULL when value needs no sections.
 */
enum pc_rc pki_ext_add(
    X509 *cert, X509V3_CTX *ctx, CONF *conf, int nid, const char *value);

/*
 * Whether der (n bytes) of a request may be decoded: PC_EINVAL when
 * empty, PC_ELIMIT over max (or what d2i takes), else PC_OK.
 */
enum pc_rc pki_der_size(const uint8_t *der, size_t n, size_t max);

/*
 * PKI_DER_PARSER(name, TYPE, check) defines
 *   enum pc_rc name(const uint8_t *der, size_t n, size_t max, TYPE **out)
 * which decodes der as one whole TYPE (pki_der_size first; bytes left
 * over are PC_EINVAL), then asks check(TYPE *) for PC_OK. OUT: *out
 * on PC_OK (TYPE_free); OpenSSL's error queue is cleared on failure.
 */
#define PKI_DER_PARSER(name, TYPE, check)                                      \
	enum pc_rc name(const uint8_t *der, size_t n, size_t max, TYPE **out)  \
	{                                                                      \
		const unsigned char *p = der;                                  \
		TYPE *v = NULL;                                                \
		enum pc_rc rc;                                                 \
                                                                               \
		RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);                 \
		*out = NULL;                                                   \
		rc = pki_der_size(der, n, max);                                \
		if (rc == PC_OK) {                                             \
			v = d2i_##TYPE(NULL, &p, (long)n);                     \
			rc = v == NULL || p != der + n ? PC_EINVAL : check(v); \
		}                                                              \
		if (rc == PC_OK) {                                             \
			*out = v;                                              \
			v = NULL;                                              \
		} else {                                                       \
			ERR_clear_error();                                     \
		}                                                              \
		TYPE##_free(v);                                                \
		return rc;                                                     \
	}

/* An extension in OpenSSL's config syntax, in a table ended by nid 0. */
struct pki_ext {
	int nid;
	const char *value;
};
/* Add each extension of the table exts, in order. */
enum pc_rc pki_exts_add(
    X509 *cert, X509V3_CTX *ctx, const struct pki_ext *exts);

/* An attribute of a distinguished name: nid, MBSTRING_ASC or _UTF8. */
struct pki_rdn {
	int nid;
	int type;
	const char *value;
};
/* A name of the n attributes of rdn, in order. OUT: *out. */
enum pc_rc pki_name_new(const struct pki_rdn *rdn, size_t n, X509_NAME **out);

/*
 * A new version 3 certificate of pub named subject (copied), issued by
 * issuer (NULL: by itself), with a random serial, valid from now for
 * years but not past the issuer's notAfter, with the extensions of the
 * table ext and the key identifiers (SKI, AKI) every certificate we make
 * carries. OUT: *out (X509_free), *ctx set up for more extensions.
 */
enum pc_rc pki_cert_new(const X509_NAME *subject, X509 *issuer, EVP_PKEY *pub,
    int years, const struct pki_ext *ext, X509V3_CTX *ctx, X509 **out);
/* The end of building a certificate: *out = c on PC_OK, else c freed;
 * name (its subject, copied into it) freed. Returns rc. */
enum pc_rc pki_cert_done(enum pc_rc rc, X509 *c, X509_NAME *name, X509 **out);
/* AIA (OCSP when ocsp, caIssuers of issuer_name) and CRL DP for a cert. */
enum pc_rc pki_ext_urls(X509 *cert, X509V3_CTX *ctx, const char *public_url,
    const char *issuer_name, bool ocsp);

/* A dotted OID of at most 128 characters. */
bool pki_oid_ok(const char *s);
/* certificatePolicies with the given OIDs (oid2 may be NULL). */
enum pc_rc pki_add_policies(X509 *c, const char *oid1, const char *oid2);
/*
 * QCStatements (EN 319 412-5): compliance, QSCD, type qct (e-signature or
 * e-seal), the PDS at pds_url, the semantics sem (natural or legal person).
 */
enum pc_rc pki_qc_statements(X509 *c, X509V3_CTX *ctx, const char *pds_url,
    const char *qct, const char *sem);

/* true when the URL can go into a certificate and an OpenSSL config. */
bool pki_url_ok(const char *url);

/* now + years (calendar) as time_t, clamped to limit when limit > 0. */
int64_t pki_time_add_years(int64_t now, int years, int64_t limit);

/*
 * Sign cert with key (SHA-256) and fill a store row for it (all strings
 * copied). OUT: *row, free with store_cert_cleanup.
 */
enum pc_rc pki_cert_finish(X509 *cert, EVP_PKEY *key, const char *kind,
    const char *name, const char *issuer_serial, const char *holder,
    const char *key_label, struct store_cert *row);

/*
 * Build, sign and store a new CRL for ca[idx] in db (the caller's
 * transaction, or on its own). OUT: *der (optional; free()).
 */
enum pc_rc pki_crl_make(const struct conf *conf, struct db *db,
    const struct pki_ca *ca, EVP_PKEY *key, uint8_t **der, size_t *derlen);

/*
 * The unsigned certificate of a holder, issued by issuer: the qualified
 * signing profile when qualified, else the authentication profile (see
 * pki_profile.c). who must have passed pki_person_check. OUT: *out.
 */
enum pc_rc pki_profile_holder(const struct conf *conf, X509 *issuer,
    const struct pki_person *who, bool qualified, EVP_PKEY *pub, int years,
    X509 **out);

/* Append DER of an i2d-able object into out. */
enum pc_rc pki_der_to_buf(const uint8_t *der, int len, struct buf *out);

#endif /* PC_PKI_INT_H */
