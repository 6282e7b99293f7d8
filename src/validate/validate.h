/*
 * validate.h: the public validation service (POST /api/v1/validate, the
 * /validate page): anyone's signed PDF or .p7s in, the verifier's report out
 * (ETSI EN 319 102-1 indications per signature and timestamp, sign/
 * vreport.h), against this provider's root (and further anchors, EU
 * trusted lists: tl.h). The file lives only in a
 * private temporary directory for the time of the check and is deleted
 * before the answer; nothing about it is stored or logged.
 */
#ifndef PC_VALIDATE_H
#define PC_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/env.h"
#include "base/err.h"
#include "sign/vreport.h"

/* Largest file taken (bytes). */
#define VALIDATE_MAX (25 * 1024 * 1024)

/* Most further trust anchors ([server] trust_anchors) and its size. */
#define VALIDATE_ANCHORS_MAX 256
#define VALIDATE_ANCHORS_BYTES (1024 * 1024)

/*
 * The further trust anchors of [server] trust_anchors (PEM) appended to
 * pem when pem is not NULL; *count their number (0 when not set). Each
 * must be a CA certificate; strict (serve, check-config): valid now too,
 * else one out of its validity is left out with a warning (a root that
 * expires while serving does not stop the service). PC_EINVAL with a
 * sentence in err naming the file and what is wrong.
 */
enum pc_rc validate_anchors(const struct conf *conf, bool strict,
    struct buf *pem, unsigned *count, char *err, size_t errlen);

/*
 * Verify the signed file p[0..n) (revocation from the file first, else
 * online) and return the report as JSON (sign_report_json's shape): a
 * PDF or an attached .p7s; with p7s_len > 0 a detached .p7s (its first
 * p7s_len bytes) followed by the file it signs. e->pki gives the trust
 * anchor (our root), [server] trust_anchors further ones, the trusted
 * lists in use (tl.h) theirs; with trusted lists configured each
 * signature gets its "qualification" (validate_qual_json). Errors:
 * FILE_EMPTY (nothing, or nothing after the .p7s), FILE_TOO_LARGE,
 * SIGNED_FILE_MISSING (a detached .p7s alone), DOCUMENT_UNREADABLE (not a
 * PDF nor a CMS, or no signature in it). OUT: *out (json_decref).
 */
enum pc_rc validate_pdf(const struct pc_env *e, const uint8_t *p, size_t n,
    size_t p7s_len, json_t **out, struct pc_err *err);

/*
 * As validate_pdf for a PDF only (no .p7s), the report itself (for a
 * journey that decides on it, e.g. the confirmation document) and, when quals
 * is not NULL, each signature's qualification (NULL without trusted lists;
 * free()). OUT: *out (sign_report_free).
 */
struct sign_report;
struct tl_qualification;
enum pc_rc validate_pdf_report(const struct pc_env *e, const uint8_t *p,
    size_t n, struct sign_report **out, struct tl_qualification **quals,
    struct pc_err *err);
/*
 * As validate_pdf_report (a PDF only), the report as a PDF for people (lang
 * "ro" or "en"), sealed with the platform's e-seal at B-LTA (signing_seal_pdf),
 * appended to out. seal_unavailable when it cannot be sealed (no e-seal,
 * signer).
 */
enum pc_rc validate_pdf_sealed(const struct pc_env *e, const uint8_t *p,
    size_t n, const char *lang, struct buf *out, struct pc_err *err);

/*
 * The report r of p[0..n) (validate_pdf_report; q its qualifications or
 * NULL) as a PDF for people, sealed as validate_pdf_sealed's, appended to
 * out. For callers that keep the report (pecete verify --pdf-report).
 */
enum pc_rc validate_report_sealed(const struct pc_env *e,
    const struct sign_report *r, const struct tl_qualification *q,
    const uint8_t *p, size_t n, const char *lang, struct buf *out,
    struct pc_err *err);

/*
 * As validate_pdf, the report as an ETSI TS 119 102-2 XML validation
 * report (validate_xml) appended to out (its limit bounds it: PC_ELIMIT).
 * PC_EUNAVAIL when libxml2 is not installed.
 */
enum pc_rc validate_pdf_xml(const struct pc_env *e, const uint8_t *p, size_t n,
    size_t p7s_len, struct buf *out, struct pc_err *err);

/*
 * r as an ETSI TS 119 102-2 validation report (namespace
 * http://uri.etsi.org/19102/v1.2.1#, schemas/etsi/), UTF-8, appended to
 * out. Every text from the file (names from certificates) is made valid
 * XML (validate_xml_text) and escaped. Loads libxml2 (PC_EUNAVAIL).
 */
enum pc_rc validate_xml(const struct sign_report *r, struct buf *out);

struct tl_qualification;

/*
 * As validate_xml, with each signature's qualification from the trusted
 * lists (quals[i] for r->sigs[i]; NULL: none determined) as its
 * SignatureQuality (the TS 119 172-4 URI).
 */
enum pc_rc validate_xml_q(const struct sign_report *r,
    const struct tl_qualification *quals, struct buf *out);

/* A qualification as the JSON report's "qualification" object. */
json_t *validate_qual_json(const struct tl_qualification *q);

/*
 * s made fit for XML text into out (n bytes, NUL-terminated, cut at a
 * character boundary): broken UTF-8 and characters XML 1.0 does not
 * allow (control characters but tab, LF, CR) become U+FFFD.
 */
void validate_xml_text(const char *s, char *out, size_t n);

#endif /* PC_VALIDATE_H */
