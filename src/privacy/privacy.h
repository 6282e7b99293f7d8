/*
 * privacy.h: the GDPR rights a person exercises alone (privacy policy:
 * access, art. 15; portability, art. 20). See docs/internals/privacy.md.
 */
#ifndef PC_PRIVACY_H
#define PC_PRIVACY_H

#include <jansson.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"

#define PRIVACY_ZIP_MAX (64u << 20) /* bytes of an export, at most */

/* What we hold about user_id (store_privacy_dump). OUT: *out, new ref. */
enum pc_rc privacy_data(
    const struct pc_env *e, const char *user_id, json_t **out);

/*
 * The export as a ZIP into zip (bounded by PRIVACY_ZIP_MAX): my-data.json
 * (privacy_data, with the time of the export), terms-signed.pdf once a
 * certificate was issued, invoices/<file>.pdf for each invoice, in lang.
 * Audited (privacy.export).
 */
enum pc_rc privacy_export(const struct pc_env *e, const char *user_id,
    const char *lang, struct buf *zip, struct pc_err *err);

/*
 * Erasure (art. 17) after the password and, with two-step sign-in, a TOTP
 * code (acct_reauth). Refused (409 erasure_cert_valid) while a
 * certificate of the account is valid or suspended: revoke it first. Then
 * in one transaction: the documents other than signed terms deleted
 * (files and rows), store_privacy_erase (sessions, links, tokens; the
 * account anonymised and closed), audited (privacy.erase). OUT: *kept
 * (new ref): what stays, each {"what", "id", "until" (epoch s), "why"}:
 * certificates and signed terms until their end plus
 * ra.retention_accepted_years, identification evidence until its own
 * retention, invoices 10 years, the audit log 2 years.
 */
enum pc_rc privacy_erase(const struct pc_env *e, const char *user_id,
    const char *password, const char *code, json_t **kept, struct pc_err *err);

/*
 * Retention (privacy policy §9; store_retention's rules): each kind of
 * data kept for a legal period, counted (held, due now, next due) and,
 * when apply, deleted or anonymised once its period ended, in one
 * transaction with signed terms' files, audited (privacy.retention) when
 * anything went. OUT: *report (new ref, may be NULL): {"at", "applied",
 * "rules": [{"name", "why", "keep_s", "held", "due", "next_due",
 * "deleted"}]}.
 */
enum pc_rc privacy_retention(
    const struct pc_env *e, bool apply, json_t **report);

#endif /* PC_PRIVACY_H */
