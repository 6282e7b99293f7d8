/*
 * confirm.h: the confirmation document for ANAF's Virtual Private Space
 * (SPV), issue 17 item 5 (confirm.c).
 *
 * A holder with a valid signing certificate asks for a declaration (a PDF
 * with the certificate's data and a request id), signs it with that
 * certificate (in Pecete or locally: an incremental update), and uploads
 * it back. Pecete checks that the upload begins with the declaration's
 * exact bytes and that a signature by that certificate passes validation
 * (and none fails), then seals it with the platform's e-seal at B-LTA
 * (signing_seal_pdf) at once, keeps it and sends an e-mail. Both files
 * are documents of the account (erasure deletes both; the export lists
 * both and carries the sealed ones as confirmations/<document id>.pdf).
 */
#ifndef PC_SIGNING_CONFIRM_H
#define PC_SIGNING_CONFIRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"

/* The documents' kinds: the declaration, the sealed confirmation. */
#define CONFIRM_KIND_DECL "anaf_decl"
#define CONFIRM_KIND_SEALED "anaf_sealed"

/* A new declaration for user's valid certificate. OUT: id (the request,
 * 32 hex digits). confirm_no_certificate when there is none. */
enum pc_rc confirm_new(const struct pc_env *e, const char *user_id, char *id,
    size_t n, struct pc_err *err);
/* The request: {id, state "issued"|"sealed", certificate, created_at,
 * sealed_at}. OUT: *out (json_decref). */
enum pc_rc confirm_get(const struct pc_env *e, const char *user_id,
    const char *id, json_t **out, struct pc_err *err);
/* The declaration (sealed false) or the sealed document into out. */
enum pc_rc confirm_file(const struct pc_env *e, const char *user_id,
    const char *id, bool sealed, struct buf *out, struct pc_err *err);
/* The signed declaration p[0..n) back: checked, sealed, kept, mailed. */
enum pc_rc confirm_submit(const struct pc_env *e, const char *user_id,
    const char *id, const uint8_t *p, size_t n, struct pc_err *err);

#endif /* PC_SIGNING_CONFIRM_H */
