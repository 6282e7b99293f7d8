/*
 * validate.h: the public validation service (POST /api/v1/validate, the
 * /validate page): anyone's signed PDF in, the verifier's report out
 * (ETSI EN 319 102-1 indications per signature and timestamp, sign/
 * vreport.h), against this provider's root. The file lives only in a
 * private temporary directory for the time of the check and is deleted
 * before the answer; nothing about it is stored or logged.
 */
#ifndef PC_VALIDATE_H
#define PC_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/env.h"
#include "base/err.h"

/* Largest file taken (bytes). */
#define VALIDATE_MAX (25 * 1024 * 1024)

/*
 * Verify the PDF p[0..n) (revocation from the file first, else online)
 * and return the report as JSON (sign_report_json's shape). e->pki gives
 * the trust anchor (our root). Errors: FILE_EMPTY, FILE_TOO_LARGE,
 * DOCUMENT_UNREADABLE (not a PDF, or no signature in it).
 * OUT: *out (json_decref).
 */
enum pc_rc validate_pdf(const struct pc_env *e, const uint8_t *p, size_t n,
    json_t **out, struct pc_err *err);

#endif /* PC_VALIDATE_H */
