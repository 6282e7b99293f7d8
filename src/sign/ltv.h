/*
 * ltv.h: validation data for long-term signatures (internal to src/sign):
 * the certificates of every signature and timestamp of a file, and for
 * each certificate that is not a trust anchor an OCSP response or a CRL,
 * fetched by the URLs in the certificates (AIA OCSP, CRL distribution
 * point, AIA caIssuers for a missing issuer), so foreign CAs work as ours.
 *
 * PAdES puts them in the /DSS (pades_ltv.c), CAdES in the certificate-
 * values and revocation-values attributes (cades.c). A cache (struct
 * sign_vcache, sign.h) lets a batch fetch the data of the signer and the
 * TSA once for all its documents.
 */
#ifndef PC_SIGN_LTV_H
#define PC_SIGN_LTV_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/pc.h"
#include "sign/sign.h"

#define LTV_MAX_ITEMS 64         /* of each kind in one file */
#define LTV_MAX_CERTS 128        /* certificates collected */
#define LTV_MAX_REPLY (1 << 20)  /* an OCSP response */
#define LTV_MAX_CRL (16 << 20)   /* a CRL */
#define LTV_MAX_CERT (64 * 1024) /* a caIssuers certificate */
#define LTV_TIMEOUT_S 10

struct ltv_data {
	STACK_OF(X509) * certs; /* every certificate met, deduplicated */
	STACK_OF(X509) * have;  /* those already in the file (not added) */
	struct buf ocsp[LTV_MAX_ITEMS]; /* DER OCSPResponse */
	size_t nocsp;
	struct buf crl[LTV_MAX_ITEMS]; /* DER CertificateList */
	size_t ncrl;
};

enum pc_rc ltv_init(struct ltv_data *d);
void ltv_cleanup(struct ltv_data *d);

/* Add c (up-ref'ed) unless the same certificate is there already. */
enum pc_rc ltv_add_cert(STACK_OF(X509) * sk, X509 *c);

/*
 * The certificates of cms and of the timestamp tokens in its signers'
 * unsigned attributes (signature and archive timestamps).
 */
enum pc_rc ltv_add_cms(struct ltv_data *d, CMS_ContentInfo *cms);

/*
 * For every certificate of d that is not self-signed and has no
 * id-pkix-ocsp-nocheck: its issuer (from d, else fetched by AIA
 * caIssuers), then an OCSP response saying good (or, when the responder
 * is missing or does not know it, a CRL that does not list it). A
 * certificate revoked, or with neither, fails with "ltv_failed" and its
 * name. The certificates of OCSP responses join d. cache may be NULL.
 */
enum pc_rc ltv_fetch(
    struct ltv_data *d, struct sign_vcache *cache, struct sign_err *err);

#endif /* PC_SIGN_LTV_H */
