/*
 * vreport.h: the verification report of src/sign: what `pecete verify`
 * found, as data (a C API that prints nothing), and its two renderings
 * (text for people, JSON for programs).
 *
 * Verdicts follow ETSI EN 319 102-1: every signature, document timestamp
 * and signature timestamp gets an indication (TOTAL-PASSED, TOTAL-FAILED,
 * INDETERMINATE) and, unless passed, a sub-indication. A check that could
 * not be made (no trust anchor, OCSP responder unreachable, status
 * unknown) is never "passed": it makes the verdict INDETERMINATE. The
 * report's own indication is the worst of its entries.
 *
 * Each entry lists the checks made (struct sign_check: ok, failed,
 * undecided or not made, with a sentence), the level reached (B-B, B-T,
 * B-LT, B-LTA), and for a PDF every change made after it, classified as
 * allowed (signatures, form filling within DocMDP/FieldMDP, DSS, document
 * timestamps) or not, with the page. See docs/internals/sign.md.
 */
#ifndef PC_VREPORT_H
#define PC_VREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/pc.h"

struct sign_err;

#define SIGN_MSG_MAX 200
#define SIGN_VCHANGES_MAX 24
#define SIGN_VSIGS_MAX 64
#define SIGN_VCHAIN_MAX 8  /* certificates of a chain kept as objects */
#define SIGN_VOBJS_MAX 256 /* validation objects of a report */
#define SIGN_VOBJS_MAX_BYTES (16 * 1024 * 1024) /* ... their DER in all */

enum sign_ind {
	SIGN_IND_PASSED = 0,    /* TOTAL-PASSED */
	SIGN_IND_INDETERMINATE, /* INDETERMINATE */
	SIGN_IND_FAILED,        /* TOTAL-FAILED */
};

/* Sub-indications of ETSI EN 319 102-1 (5.1.3) used here. */
enum sign_sub {
	SIGN_SUB_NONE = 0,
	SIGN_SUB_FORMAT_FAILURE,
	SIGN_SUB_HASH_FAILURE,
	SIGN_SUB_SIG_CRYPTO_FAILURE,
	SIGN_SUB_REVOKED,
	SIGN_SUB_EXPIRED,
	SIGN_SUB_NOT_YET_VALID,
	SIGN_SUB_CHAIN_CONSTRAINTS_FAILURE,
	SIGN_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE,
	SIGN_SUB_NO_SIGNING_CERTIFICATE_FOUND,
	SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND,
	SIGN_SUB_REVOKED_NO_POE,
	SIGN_SUB_REVOKED_CA_NO_POE,
	SIGN_SUB_OUT_OF_BOUNDS_NO_POE,
	SIGN_SUB_TRY_LATER,
	SIGN_SUB_SIGNED_DATA_NOT_FOUND,
};

enum sign_chk {
	SIGN_CHK_NONE = 0, /* not made (the sentence says why) */
	SIGN_CHK_OK,
	SIGN_CHK_FAILED,
	SIGN_CHK_UNSURE, /* made, but no answer (e.g. OCSP unreachable) */
};

/* One check: its outcome and a sentence for people. */
struct sign_check {
	enum sign_chk st;
	char msg[SIGN_MSG_MAX];
};

enum sign_vkind {
	SIGN_VK_PADES = 1, /* a PDF signature (approval or certification) */
	SIGN_VK_DOCTS,     /* a PDF document timestamp (ETSI.RFC3161) */
	SIGN_VK_CADES,     /* a detached CMS (.p7s) */
};

enum sign_vlevel {
	SIGN_VL_NONE = 0, /* not a baseline signature */
	SIGN_VL_BB,
	SIGN_VL_BT,
	SIGN_VL_BLT,
	SIGN_VL_BLTA,
};

/* A change made to the PDF after a signature's revision. */
struct sign_vchange {
	int obj;      /* object number, 0 when not about one object */
	int page;     /* 1-based page it belongs to, 0 when none/unknown */
	bool allowed; /* within what the signatures permit */
	char what[120];
};

/*
 * A validation object (ETSI TS 119 102-2 4.4.8): a certificate, CRL, OCSP
 * response or timestamp token the verification used or found in the file,
 * by value (DER), for the XML report. Entries refer to them by 1-based
 * index into sign_report.objs (0: none).
 */
enum sign_vo_type {
	SIGN_VO_CERT = 1,
	SIGN_VO_CRL,
	SIGN_VO_OCSP, /* an OCSP BasicOCSPResponse */
	SIGN_VO_TST,  /* an RFC 3161 TimeStampToken */
};

struct sign_vobj {
	enum sign_vo_type type;
	uint8_t *der;
	size_t len;
	uint8_t sha256[32];
	bool anchor; /* a certificate that is one of the trust anchors */
};

/* A timestamp token: a signature timestamp or a document timestamp's. */
struct sign_vts {
	bool present;
	int64_t time; /* genTime, UTC seconds */
	char tsa[160];
	struct sign_check imprint, signature, chain, revocation;
	enum sign_ind ind;
	enum sign_sub sub;
};

struct sign_vsig {
	enum sign_vkind kind;
	char field[96];     /* PDF field name */
	char subfilter[48]; /* PDF /SubFilter */
	char signer[256];   /* "" when the signer is not identified */
	char issuer[256];
	char serial[80]; /* hex */
	int64_t claimed; /* /M or signing-time; 0: none */
	int64_t rev_end; /* bytes covered (end of the signed revision) */
	bool whole;      /* covers the whole file */
	int docmdp;      /* certification with this P; 0: approval */
	enum sign_vlevel level;
	struct sign_check format, digest, signature, signer_id, chain,
	    revocation, changes;
	struct sign_vts ts;  /* signature timestamp, or the document ts */
	struct sign_vts ats; /* CAdES archive-time-stamp-v3 (B-LTA) */
	int64_t poe;         /* best-signature-time; 0: none before now */
	int nchanges;        /* entries of change[] */
	bool changes_more;   /* more changes than change[] holds */
	struct sign_vchange change[SIGN_VCHANGES_MAX];
	enum sign_ind ind;
	enum sign_sub sub;
	char why[SIGN_MSG_MAX]; /* the check that decided the verdict */
	/* For the XML report: SHA-256 of the CMS SignerInfo's signature
	 * value; the signer's certificate chain as objects (signer first,
	 * the anchor last when chain_trusted); the timestamp token. */
	bool sv_have;
	uint8_t sv_sha256[32];
	int vo_chain[SIGN_VCHAIN_MAX];
	int nchain;
	bool chain_trusted;
	int vo_ts;
};

struct sign_report {
	char file[256];
	bool pdf;
	int64_t size;
	int64_t trailing;  /* bytes after the last %%EOF */
	bool trailing_bad; /* ... and not only white space */
	int revisions;     /* incremental updates + 1 */
	int64_t at;        /* validation time */
	bool anchors;      /* trust anchors were given */
	bool online;       /* revocation could be fetched */
	int nsigs;
	struct sign_vsig *sigs;
	enum sign_ind ind;
	enum sign_sub sub;
	char why[SIGN_MSG_MAX];
	int nobjs;
	struct sign_vobj *objs; /* chains, tokens, the file's CRLs and OCSP */
	size_t objs_bytes;      /* DER bytes in objs */
};

struct sign_verify_opts {
	const char *content; /* the signed file, for a detached .p7s (an
	                        attached one carries its own) */
	const char *trust;   /* PEM file of trust anchors; NULL: none */
	bool no_ocsp;        /* never fetch revocation status */
	int ocsp_timeout_s;  /* 0: 5 seconds */
	int64_t now;         /* validation time; 0: clock_now() */
	/* Leave r->objs empty: they are copied by value for the XML report
	 * (validate_xml) only, and cost a copy and a digest per object. */
	bool no_vobjs;
};

/*
 * Verify every signature and timestamp of path (a PDF, or a .p7s:
 * attached, or detached with opts->content) and return the report. Errors
 * (PC_EINVAL with err set) are for files that cannot be read at all; a broken
 * signature is a verdict in the report, not an error. OUT: *out
 * (sign_report_free).
 */
enum pc_rc sign_verify(const char *path, const struct sign_verify_opts *opts,
    struct sign_report **out, struct sign_err *err);

void sign_report_free(struct sign_report *r);

/* "TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE". */
const char *sign_ind_str(enum sign_ind ind);
/* "HASH_FAILURE", ...; "" for SIGN_SUB_NONE. */
const char *sign_sub_str(enum sign_sub sub);
/* "B-B", "B-T", "B-LT", "B-LTA", "none". */
const char *sign_level_str(enum sign_vlevel l);

/* The exit status of `pecete verify`: 0 passed, 1 failed, 2 undecided. */
int sign_report_exit(const struct sign_report *r);

/* The report for people, to f. */
void sign_report_text(const struct sign_report *r, FILE *f);

/* The report as one JSON object (UTF-8, newline-terminated), to f. */
enum pc_rc sign_report_json(const struct sign_report *r, FILE *f);

#endif /* PC_VREPORT_H */
