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

#endif /* PC_STORE_PRIVACY_H */
