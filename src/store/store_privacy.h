/*
 * store_privacy.h: what the database holds about one person, for the
 * GDPR right of access (art. 15) and portability (art. 20). SQL lives in
 * store_privacy.c only; src/privacy/privacy.c is the caller.
 */
#ifndef PC_STORE_PRIVACY_H
#define PC_STORE_PRIVACY_H

#include <stdbool.h>
#include <stdint.h>

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

/*
 * Retention (privacy policy §9): what is held only for a legal period is
 * deleted or anonymised when the period ends. One rule per kind of data,
 * each with its retention keep_s (seconds, set by the caller from the
 * configuration):
 *   INVOICES   invoices keep_s after issue: the invoice row deleted and the
 *              order's billing data emptied (financial and tax law)
 *   UNPAID     billing data of orders never paid, keep_s after creation
 *   TERMS      signed terms keep_s after the holder's last certificate
 *              ended (deleted by the caller: files; store_retention_docs)
 *   RENEWALS   identity document data given at renewals, likewise
 *   SESSIONS   sign-in sessions (their addresses) keep_s after last use
 *   OUTBOX     e-mails and SMS sent or failed, keep_s after creation
 *   MESSAGES   contact messages and rectification requests keep_s after
 *              they were answered (deleted by the caller: files;
 *              inbox_purge)
 *   AUDIT      the audit log: counted, never deleted (its chain)
 */
enum store_retention_rule {
	STORE_RET_INVOICES,
	STORE_RET_UNPAID,
	STORE_RET_TERMS,
	STORE_RET_RENEWALS,
	STORE_RET_SESSIONS,
	STORE_RET_OUTBOX,
	STORE_RET_MESSAGES,
	STORE_RET_AUDIT,
	STORE_RET_N
};

struct store_retention {
	int64_t keep_s;   /* IN */
	int64_t held;     /* rows held */
	int64_t due;      /* of them, past their retention at now */
	int64_t next_due; /* when the next one falls due; 0: none */
	int64_t applied;  /* rows deleted or anonymised (apply) */
};

/*
 * Count each rule's rows at now and, when apply, delete or anonymise
 * what is due, in db's transaction (a write one for apply).
 */
enum pc_rc store_retention(struct db *db, int64_t now, bool apply,
    struct store_retention r[STORE_RET_N]);
/* The signed terms past their retention (keep_s after the holder's last
 * certificate): fn(arg, user_id, doc_id) each, to delete with the file. */
enum pc_rc store_retention_docs(struct db *db, int64_t now, int64_t keep_s,
    enum pc_rc (*fn)(void *arg, const char *user_id, const char *doc_id),
    void *arg);

#endif /* PC_STORE_PRIVACY_H */
