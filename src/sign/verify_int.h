/*
 * verify_int.h: what the verify_*.c files of src/sign share: the context
 * of one verification, the validation data found in the file, and the
 * building blocks (CMS, timestamps, chains, revocation, PDF revisions).
 */
#ifndef PC_VERIFY_INT_H
#define PC_VERIFY_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/cms.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "sign/sign.h"
#include "sign/vreport.h"

#define VERIFY_MAX_CMS (1024 * 1024)
#define VERIFY_MAX_OCSP 64  /* OCSP responses kept from the file */
#define VERIFY_MAX_VDATA 64 /* DSS entries of each kind read */
#define VERIFY_VDATA_MAX_BYTES (1024 * 1024)
#define VERIFY_REV_CACHE 32
#define VERIFY_SKEW_S 300 /* clock skew allowed on OCSP/CRL times */

/* An answer about one certificate, remembered for the run. */
struct vrev_memo {
	unsigned char id[20]; /* SHA-1 of the certificate */
	int st;               /* enum vrev_st */
	int64_t revoked_at;
	char msg[SIGN_MSG_MAX];
};

struct vctx {
	const struct sign_verify_opts *opts;
	X509_STORE *store; /* NULL without trust anchors */
	int64_t now;
	/* Validation data from the file (DSS, CMS): certificates, CRLs,
	 * OCSP responses. */
	STACK_OF(X509) * vd_certs;
	STACK_OF(X509_CRL) * vd_crls;
	OCSP_BASICRESP *vd_ocsp[VERIFY_MAX_OCSP];
	int vd_nocsp;
	struct vrev_memo memo[VERIFY_REV_CACHE];
	int nmemo;
};

/* One entry being verified: the report's part and what the checks keep. */
struct ventry {
	struct sign_vsig *s;
	uint8_t *der; /* the CMS (or the timestamp token) */
	size_t derlen;
	int64_t ranges[8]; /* offset, length pairs */
	int nranges;
	bool baseline; /* ESS signing-certificate(-v2) required */
	X509 *signer;
	STACK_OF(X509) * certs; /* of the CMS */
	STACK_OF(X509) * chain; /* verified, signer first; NULL: none */
	int chain_err;          /* X509_V_ERR_* of the last attempt */
	int64_t ts_time;        /* signature timestamp time, 0: none */
	bool ts_valid;          /* ... valid up to a trusted TSA */
	STACK_OF(X509) * ts_chain;
	STACK_OF(X509) * ats_chain; /* of the archive timestamp's TSA */
	bool dss_in_rev; /* (document timestamp) its revision has a DSS */
};

/* verify_cms.c */

/*
 * The CMS checks of e (format, signer, ESS, digest over e's ranges of f,
 * signature, signature timestamp, chain at v->now). Fills e->s.
 */
void vcms_check(struct vctx *v, struct ventry *e, FILE *f);

/*
 * A PDF document timestamp: the token in e->der over e's ranges of f
 * (messageImprint), its TSA chain. Fills e->s (kind SIGN_VK_DOCTS).
 */
void vcms_doc_timestamp(struct vctx *v, struct ventry *e, FILE *f);

/*
 * Verify cert's chain (untrusted: certs and the file's certificates) at
 * time at (0: now) for purpose (0: any). X509_V_OK with *chain (owned),
 * or the X509_V_ERR_* code.
 */
int vchain_build(struct vctx *v, X509 *cert, STACK_OF(X509) * certs,
    int purpose, int64_t at, STACK_OF(X509) * *chain);

/* The sub-indication for a chain error. */
enum sign_sub vchain_sub(int x509_err);

/* verify_rev.c */

enum vrev_st {
	VREV_NONE = 0, /* no usable answer */
	VREV_GOOD,
	VREV_REVOKED,
	VREV_UNKNOWN,
};

/*
 * The revocation check of chain (signer first, anchor last) for a
 * signature whose proof of existence is poe (0: none) and claimed time
 * claimed (0: none): the file's validation data first when it speaks for
 * poe, then OCSP (AIA), then the CRL (CRL DP) unless opts->no_ocsp.
 * Fills c; *ind, *sub the verdict of the check (PASSED when good).
 */
void vrev_chain(struct vctx *v, STACK_OF(X509) * chain, int64_t poe,
    int64_t claimed, struct sign_check *c, enum sign_ind *ind,
    enum sign_sub *sub);

/* Does the file's validation data cover chain (all but the anchor)? */
bool vrev_chain_in_file(struct vctx *v, STACK_OF(X509) * chain);

/*
 * Check an OCSP response about id (cert issued by issuer): signature,
 * responder authority (the CA itself, or a responder it certified for
 * OCSPSigning with id-pkix-ocsp-nocheck), times (at now with skew when
 * poe is 0, else thisUpdate not before poe) and the nonce when req is
 * not NULL. VREV_NONE with msg when the response is not usable; else
 * the status, *revoked_at when revoked.
 */
enum vrev_st sign_ocsp_check(OCSP_BASICRESP *bs, OCSP_CERTID *id, X509 *issuer,
    STACK_OF(X509) * certs, OCSP_REQUEST *req, int64_t now, int64_t poe,
    int64_t *revoked_at, char *msg, size_t n);

/* verify_diff.c */

/*
 * Compare the revision of s (the first s->rev_end bytes of fd, which
 * newdoc extends) with newdoc and classify every change after it under
 * the permissions of docmdp (0: none) and the field locks of the
 * signatures up to s (locks, nlocks: the signature value dictionaries of
 * newdoc). Fills s->changes and s->change[]. *dss_in_rev is true when the
 * old revision has a /DSS. Runs inside fz_try.
 */
void vdiff_run(fz_context *ctx, pdf_document *newdoc, int fd,
    struct sign_vsig *s, int docmdp, pdf_obj **locks, int nlocks,
    bool *dss_in_rev);

/* verify_verdict.c */

/*
 * Proofs of existence, revocation, levels and verdicts of the n entries
 * es (ordered by revision; n = 1 for a .p7s).
 */
void vverdict_finish(struct vctx *v, struct ventry *es, int n);

/* The report's verdict: the worst of its entries and timestamps. */
void vverdict_report(struct sign_report *r);

/* verify_vobj.c */

/*
 * The validation objects of r (sign_report.objs) from the n entries es
 * and the file's validation data in v, and each entry's references to
 * them (vo_chain, vo_ts) and signature value digest.
 */
void vvobj_collect(
    struct vctx *v, struct sign_report *r, struct ventry *es, int n);

/* vreport.c */

/* Set c to st and a formatted sentence. */
void vcheck_set(struct sign_check *c, enum sign_chk st, const char *fmt, ...)
    PC_PRINTF(3, 4);

/* "2026-03-01T12:00:00Z" of t into out. */
void vtime_str(int64_t t, char *out, size_t n);

/* ASN1_TIME to UTC seconds; 0 when t is NULL or bad. */
int64_t vasn1_time(const ASN1_TIME *t);

#endif /* PC_VERIFY_INT_H */
