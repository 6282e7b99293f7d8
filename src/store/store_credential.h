/*
 * store_credential.h: signing credentials (a holder's qualified signing
 * certificate as the CSC API sees it) with their transaction counter, and
 * the record of every signature and timestamp made with them. SQL lives in
 * store_credential.c only.
 *
 * Functions work inside the caller's transaction when one is open. The
 * signer process spends the counter and writes the records in ONE
 * transaction (store_credential_spend + store_signature_add).
 */
#ifndef PC_STORE_CREDENTIAL_H
#define PC_STORE_CREDENTIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"

#define STORE_SIG_KIND_SIGN "sign"
#define STORE_SIG_KIND_TIMESTAMP "timestamp"
#define STORE_HOLDER_MAX 64

struct store_credential {
	char serial[STORE_SERIAL_MAX + 1]; /* the signing certificate */
	char holder[STORE_HOLDER_MAX + 1];
	char user_id[STORE_HOLDER_MAX + 1]; /* "" until an account is linked */
	int64_t transactions_left;
	int64_t created_at, updated_at;
};

/* Insert; PC_EEXIST when the serial has a credential already. */
enum pc_rc store_credential_insert(
    struct db *db, const struct store_credential *c);
/* OUT: *c. PC_ENOTFOUND when the serial has no credential. */
enum pc_rc store_credential_get(
    struct db *db, const char *serial, struct store_credential *c);
/*
 * The newest credential of account user_id whose signing certificate is
 * neither revoked nor expired at now. OUT: *c. PC_ENOTFOUND when none.
 */
enum pc_rc store_credential_of_user(struct db *db, const char *user_id,
    int64_t now, struct store_credential *c);
/*
 * The credential of the holder whose authentication certificate is
 * auth_serial (the virtual token's second key: same holder, same
 * account). OUT: *c. PC_ENOTFOUND when none.
 */
enum pc_rc store_credential_of_auth(
    struct db *db, const char *auth_serial, struct store_credential *c);
/* How many credentials account user_id has (valid or not). */
enum pc_rc store_credential_count_user(
    struct db *db, const char *user_id, int64_t *n);
/*
 * Take n transactions from serial's counter, atomically: PC_ELIMIT (and
 * nothing taken) when fewer than n are left, PC_ENOTFOUND when absent.
 */
enum pc_rc store_credential_spend(
    struct db *db, const char *serial, int64_t n, int64_t now);
/*
 * Give n transactions back (a batch whose signatures were made but never
 * delivered: a node died); only with the audit record saying why.
 */
enum pc_rc store_credential_refund(
    struct db *db, const char *serial, int64_t n, int64_t now);
/*
 * Mark one record of hash_hex as a signature (kind sign) of serial given
 * back at now: each record at most once. PC_ENOTFOUND when no record of
 * it is left to give back.
 */
enum pc_rc store_signature_refund(
    struct db *db, const char *serial, const char *hash_hex, int64_t now);
/* Record one signature or timestamp (kind STORE_SIG_KIND_*) of hash_hex. */
/*
 * PostgreSQL: lock the credential rows of serials[0..n) (FOR UPDATE) in
 * serial order, duplicates once, inside the open transaction: writers
 * that take several rows and then the audit table's lock cannot deadlock
 * each other. SQLite (one writer at a time): nothing to do.
 */
enum pc_rc store_credential_lock(struct db *db, const char **serials, size_t n);
enum pc_rc store_signature_add(struct db *db, const char *serial,
    const char *kind, const char *hash_hex, int64_t at);
/* The number of records of serial of kind (NULL: all kinds). */
enum pc_rc store_signature_count(
    struct db *db, const char *serial, const char *kind, int64_t *out);

/* A credential at the end of its life (store_credential_retired). */
struct store_retired {
	char serial[STORE_SERIAL_MAX + 1];
	char holder[STORE_HOLDER_MAX + 1];
};

/*
 * Credentials whose keys may be destroyed: the signing certificate
 * revoked for good (not on hold) or ended before `before`, the keys not
 * destroyed yet; each to fn (at most limit), by serial.
 */
enum pc_rc store_credential_retired(struct db *db, int64_t before,
    int64_t limit, enum pc_rc (*fn)(void *arg, const struct store_retired *x),
    void *arg);
/* Record that serial's keys were destroyed at now (once: PC_ESTATE when
 * they were already). The signer only (SAD state's table). */
enum pc_rc store_credential_keys_gone(
    struct db *db, const char *serial, int64_t now);

/* An account's signing certificate that ends within a lead. */
struct store_expiring {
	char serial[STORE_SERIAL_MAX + 1];
	char user_id[STORE_HOLDER_MAX + 1];
	int64_t not_after;
};

/*
 * Valid signing certificates of accounts ending in (now, until], each to
 * fn (at most limit).
 */
enum pc_rc store_credential_expiring(struct db *db, int64_t now, int64_t until,
    int64_t limit, enum pc_rc (*fn)(void *arg, const struct store_expiring *x),
    void *arg);
/* Record the reminder of serial at days before its end: PC_EEXIST when
 * it was sent already. */
enum pc_rc store_reminder_add(
    struct db *db, const char *serial, int64_t days, int64_t now);

#endif /* PC_STORE_CREDENTIAL_H */
