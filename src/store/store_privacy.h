/*
 * store_privacy.h: what the database holds about one person, for the
 * GDPR right of access (art. 15) and portability (art. 20). SQL lives in
 * store_privacy.c only; src/privacy/privacy.c is the caller.
 */
#ifndef PC_STORE_PRIVACY_H
#define PC_STORE_PRIVACY_H

#include <jansson.h>

#include "base/pc.h"
#include "store/store.h"

/*
 * Every row about user_id, table by table, as one JSON object (*out, new
 * reference): "account", "consents", "sessions", "authenticator",
 * "orders", "invoices", "identification", "certificates",
 * "signing_batches", "signed_files", "documents", "renewals",
 * "api_tokens" (the CSC API's, without the token), "events".
 * No secrets (password hash, TOTP secret, keys, tokens) and nobody
 * else's rows. PC_ENOTFOUND when there is no such user.
 */
enum pc_rc store_privacy_dump(struct db *db, const char *user_id, json_t **out);

/*
 * Erasure (art. 17), in db's transaction: what the law lets us drop goes
 * now. Sessions and account links deleted; API tokens and OAuth2 grants
 * revoked; the IP addresses of consents and the names of signed files
 * cleared; the account row anonymised (e-mail erased-<id>@erased.invalid,
 * no names, phone or password) and marked USER_STATUS_ERASED. Kept, for
 * their legal retention: certificates, identification evidence, orders
 * and invoices, signed terms, the audit log. PC_ESTATE when the account
 * is erased already.
 */
enum pc_rc store_privacy_erase(struct db *db, const char *user_id, int64_t now);
/* Each document of user_id other than signed terms (fn's ids). */
enum pc_rc store_privacy_docs(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const char *doc_id), void *arg);

#endif /* PC_STORE_PRIVACY_H */
