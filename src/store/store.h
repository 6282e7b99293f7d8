/*
 * store.h: the database interface of Pecete.
 *
 * A struct store is a pool of connections to one database: SQLite
 * ("sqlite:/path/to/pecete.db", WAL, foreign keys on, busy timeout) or
 * PostgreSQL ("postgresql://..." or "postgres://..." libpq URI). A struct db
 * is one connection, used by one thread at a time: take it with
 * store_acquire() and give it back with store_release().
 *
 * SQL is written once, in PostgreSQL's placeholder style ($1, $2, ...); the
 * SQLite driver rewrites the placeholders. Only prepared statements with
 * bound parameters are used; no value is ever pasted into SQL text.
 *
 * Layers above call the typed functions (store_cert_*, store_crl_*,
 * store_audit_*, ...), never SQL. Each typed function works inside the
 * caller's transaction when one is open (db_begin), else on its own.
 */
#ifndef PC_STORE_H
#define PC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"

struct store;
struct db;
struct db_stmt;

enum store_kind { STORE_SQLITE = 1, STORE_PG = 2 };

/* Open a pool of npool connections. OUT: *out, free with store_close. */
enum pc_rc store_open(const char *url, unsigned npool, struct store **out);
/* Apply pending migrations in order, each in a transaction. */
enum pc_rc store_migrate(struct store *s);
/* The schema version (highest migration applied). */
enum pc_rc store_schema_version(struct store *s, int *version);
void store_close(struct store *s);
enum store_kind store_kind(const struct store *s);

/*
 * PostgreSQL with two roles (docs/operations.md): the signer's owns the
 * schema and grants role, the web side's, what it needs: every table to
 * read, and to write all but the SAD state (totp_secrets, credentials,
 * signatures) and the schema's history. Run by the signer after it
 * migrated (store_role_name_ok: role is a plain lower-case identifier,
 * else PC_EINVAL); PC_ENOTFOUND when the role does not exist, PC_ESTATE
 * on SQLite.
 */
enum pc_rc store_grant_web(struct store *s, const char *role);
bool store_role_name_ok(const char *role);

/* Wait for a free connection. OUT: *out, give back with store_release. */
enum pc_rc store_acquire(struct store *s, struct db **out);
/* Give a connection back; an open transaction is rolled back. */
void store_release(struct store *s, struct db *db);
/*
 * STORE_ONE(rc, s, call): one typed call on a connection of s, taken and
 * given back around it. call names the connection `db`; rc gets its
 * result, or store_acquire's failure (call not made).
 */
#define STORE_ONE(rc, s, call)                                                 \
	do {                                                                   \
		struct db *db = NULL;                                          \
		(rc) = store_acquire((s), &db);                                \
		if ((rc) == PC_OK) {                                           \
			(rc) = (call);                                         \
			store_release((s), db);                                \
		}                                                              \
	} while (0)

/* Transactions. SQLite: BEGIN IMMEDIATE (one writer). */
enum pc_rc db_begin(struct db *db);
enum pc_rc db_commit(struct db *db);
void db_rollback(struct db *db);
bool db_in_tx(const struct db *db);
/* A connection with a transaction begun. OUT: *db (store_write_end). */
enum pc_rc store_write_begin(struct store *s, struct db **db);
/*
 * Commit when rc is PC_OK (a failed commit becomes the result), else roll
 * back; give the connection back. Returns the result. db may be NULL.
 */
enum pc_rc store_write_end(struct store *s, struct db *db, enum pc_rc rc);

/*
 * Low-level statements, for src/store only. Parameters are numbered from
 * 1, columns from 0. db_step sets *row when a row is available. Strings
 * returned by db_col_text belong to the statement until the next step.
 */
enum pc_rc db_prepare(struct db *db, const char *sql, struct db_stmt **out);
void db_stmt_free(struct db_stmt *st);
enum pc_rc db_bind_i64(struct db_stmt *st, int idx, int64_t v);
enum pc_rc db_bind_text(struct db_stmt *st, int idx, const char *s);
enum pc_rc db_bind_blob(struct db_stmt *st, int idx, const void *p, size_t n);
enum pc_rc db_bind_null(struct db_stmt *st, int idx);
enum pc_rc db_step(struct db_stmt *st, bool *row);
bool db_col_is_null(struct db_stmt *st, int col);
int64_t db_col_i64(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col);
const uint8_t *db_col_blob(struct db_stmt *st, int col, size_t *n);
/* Rows changed by the last INSERT/UPDATE/DELETE step. */
int64_t db_changes(struct db_stmt *st);
/* Run SQL with no parameters and no result (DDL). */
enum pc_rc db_exec(struct db *db, const char *sql);

/* ---- certificates ---------------------------------------------------- */

enum store_cert_status { CERT_GOOD = 0, CERT_REVOKED = 1 };

/* What a certificate is for. */
#define CERT_KIND_ROOT "root"
#define CERT_KIND_CA "ca"
#define CERT_KIND_OCSP "ocsp"
#define CERT_KIND_TSA "tsa"
#define CERT_KIND_SIGN "sign"   /* a holder's qualified signing cert */
#define CERT_KIND_AUTH "auth"   /* a holder's authentication cert */
#define CERT_KIND_ESEAL "eseal" /* the platform's own seal (pki_eseal.c) */

#define STORE_SERIAL_MAX 64 /* hex digits, lower case, no leading zeros */

struct store_cert {
	char serial[STORE_SERIAL_MAX + 1];
	char issuer[STORE_SERIAL_MAX + 1]; /* issuer's serial; "" for root */
	char *kind;                        /* CERT_KIND_* */
	char *name;    /* CA or service name ("root", "issuing", ...) or NULL */
	char *subject; /* one-line subject for display */
	char *holder;  /* id linking a holder's certs, or NULL */
	char *key_label; /* HSM key label */
	int64_t not_before, not_after;
	enum store_cert_status status;
	int64_t revoked_at; /* 0 when good */
	int reason;         /* CRL reason code (RFC 5280) when revoked */
	uint8_t *der;
	size_t der_len;
	int64_t created_at;
};

/* Insert; PC_EEXIST when the serial exists. Copies everything. */
enum pc_rc store_cert_insert(struct db *db, const struct store_cert *c);
/* OUT: *c filled, free with store_cert_cleanup. PC_ENOTFOUND if absent. */
enum pc_rc store_cert_get(
    struct db *db, const char *serial, struct store_cert *c);
/* The current certificate of a CA or service by name ("issuing", "tsa"). */
enum pc_rc store_cert_get_by_name(
    struct db *db, const char *name, struct store_cert *c);
/*
 * Revoke: PC_ENOTFOUND when absent, PC_ESTATE when already revoked (a
 * certificateHold may be turned into another reason).
 */
enum pc_rc store_cert_revoke(
    struct db *db, const char *serial, int reason, int64_t when);
/*
 * Take a certificate off hold (certificateHold -> good). PC_ESTATE when it
 * is not on hold, PC_ENOTFOUND when absent.
 */
enum pc_rc store_cert_release(struct db *db, const char *serial);
/* The certificates sharing a holder id (signing first, then auth). */
enum pc_rc store_cert_each_of_holder(struct db *db, const char *holder,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg);
/* The public registry's index (lifecycle/registry.c). */
enum pc_rc store_registry_unindexed_count(struct db *db, int64_t *n);
enum pc_rc store_registry_each_unindexed(struct db *db, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg);
enum pc_rc store_registry_put(struct db *db, const char *serial,
    const char *name_key, const char *name_rev_key, const char *email_key);
enum pc_rc store_registry_find(struct db *db, const char *key, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg);
/* Call fn for each revoked certificate issued by issuer_serial. */
enum pc_rc store_cert_each_revoked(struct db *db, const char *issuer_serial,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg);
/* The certificates of the holders linked to account user_id, newest first. */
enum pc_rc store_cert_each_of_user(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_cert *c), void *arg);
void store_cert_cleanup(struct store_cert *c);

/*
 * Key labels of an issuance under way (pending_keys): added before the
 * keys are generated, deleted with the certificates' transaction or when
 * the keys are destroyed. each: the labels added before `before`.
 */
enum pc_rc store_pending_key_add(struct db *db, const char *label, int64_t now);
enum pc_rc store_pending_key_del(struct db *db, const char *label);
enum pc_rc store_pending_key_each(struct db *db, int64_t before, int64_t limit,
    enum pc_rc (*fn)(void *arg, const char *label), void *arg);
/* Is label the key of a recorded certificate? */
enum pc_rc store_cert_key_used(struct db *db, const char *label, bool *yes);

/* ---- CRLs ------------------------------------------------------------ */

struct store_crl {
	char issuer[STORE_SERIAL_MAX + 1];
	int64_t number;
	int64_t this_update, next_update;
	uint8_t *der;
	size_t der_len;
};

/* Next CRL number for issuer (monotonic, starts at 1); in the caller's tx. */
enum pc_rc store_crl_next_number(
    struct db *db, const char *issuer_serial, int64_t *number);
enum pc_rc store_crl_put(struct db *db, const struct store_crl *crl);
/* The CRL with the highest number; PC_ENOTFOUND when none. */
enum pc_rc store_crl_latest(
    struct db *db, const char *issuer_serial, struct store_crl *crl);
void store_crl_cleanup(struct store_crl *crl);

/* ---- gauges (store_gauges.c) ------------------------------------------- */

struct buf;
/*
 * Append to out, in Prometheus text format, what the rows say about work
 * waiting: the outbox, identifications and signing batches by state, the
 * scheduled jobs' runs, failures and last end. now: for ages.
 */
enum pc_rc store_gauges(struct db *db, int64_t now, struct buf *out);

/* ---- counters and settings --------------------------------------------- */

/* Atomically increment the named counter and return the new value. */
enum pc_rc store_counter_next(struct db *db, const char *name, int64_t *out);
/* Small settings; *out is malloc()ed. PC_ENOTFOUND when absent. */
enum pc_rc store_setting_get(struct db *db, const char *key, char **out);
enum pc_rc store_setting_put(struct db *db, const char *key, const char *val);

/* ---- audit log --------------------------------------------------------- */

/*
 * Append an event to the hash-chained audit log: each row stores
 * SHA-256(previous hash || id || time || actor || event || detail),
 * and its seal by the store's sealer (store_audit_sealer).
 * detail must not hold secrets or personal numbers.
 */
enum pc_rc store_audit_append(
    struct db *db, const char *actor, const char *event, const char *detail);
/*
 * The same without a seal, in the caller's open transaction: for a run of
 * rows that store_audit_seal_last seals as one before the commit (the
 * signer's group commit: one HSM signature per group, not per row).
 */
enum pc_rc store_audit_append_unsealed(
    struct db *db, const char *actor, const char *event, const char *detail);
/*
 * Seal the newest row if it has no seal (in the caller's open
 * transaction); its hash covers the unsealed rows before it. PC_OK with
 * nothing to do (no rows, already sealed, no sealer set).
 */
enum pc_rc store_audit_seal_last(struct db *db);
/*
 * The same with the detail formatted (at most 511 bytes, cut beyond);
 * actor NULL is "-".
 */
enum pc_rc store_audit_printf(struct db *db, const char *actor,
    const char *event, const char *fmt, ...) PC_PRINTF(4, 5);
/*
 * The audit log's sealer: signs a row's hash (32 bytes) with a key the
 * database cannot reach (the HSM, through the signer process in the
 * server, in-process in the CLI). DER signature into sig
 * (STORE_AUDIT_SEAL_MAX bytes), its length in *n. Set once per store,
 * before rows are written; a row written without one has no seal, and
 * store_audit_verify refuses such a row after a sealed one.
 */
#define STORE_AUDIT_SEAL_MAX 80
typedef enum pc_rc (*store_seal_fn)(
    void *arg, const uint8_t hash[32], uint8_t *sig, size_t *n);
void store_audit_sealer(struct store *s, store_seal_fn fn, void *arg);
/*
 * Checks a seal (DER signature) of hash: true when it verifies. Given to
 * store_audit_verify by its caller (the public key of the sealing key).
 */
typedef bool (*store_unseal_fn)(
    void *arg, const uint8_t hash[32], const uint8_t *sig, size_t n);

/* A row of the audit log, as stored (hashes and seal in hex). */
struct store_audit_row {
	int64_t id, at;
	const char *actor, *event, *detail;
	const char *prev_hash, *hash, *seal;
};
/*
 * Call fn for each row with from <= id <= to, in order; fn's non-PC_OK
 * stops the walk and is returned. The row is valid during the call.
 */
enum pc_rc store_audit_each(struct db *db, int64_t from, int64_t to,
    enum pc_rc (*fn)(void *arg, const struct store_audit_row *r), void *arg);

/* What store_audit_verify found. */
struct store_audit_report {
	int64_t rows;        /* rows whose chain link is good */
	int64_t bad_id;      /* the first row breaking the chain, or 0 */
	int64_t sealed;      /* rows whose seal verified */
	int64_t unsealed;    /* a log with no seal at all: its rows */
	int64_t covered;     /* rows without a seal, covered by the seal of
	                        the next sealed row (older than sealing, or
	                        in a group commit) */
	int64_t bad_seal_id; /* the first row with a wrong or missing seal */
	bool seals_checked;  /* false: no unseal function was given */
};
/*
 * Recompute the chain and, with unseal, check every row's seal: a row
 * without a seal is accepted when a sealed row follows it (that row's
 * hash covers it: a log older than sealing, a group commit), or when no
 * row is sealed (a log never sealed); unsealed rows at the end of a
 * sealed log are refused at the first of them. PC_OK when intact; PC_ECRYPTO
 * with rep->bad_id or rep->bad_seal_id set to the first row that does not hold.
 */
enum pc_rc store_audit_verify(struct db *db, store_unseal_fn unseal, void *arg,
    struct store_audit_report *rep);
#define STORE_AUDIT_HEX 64 /* a row's hash in hex */
/*
 * The hash (hex, STORE_AUDIT_HEX + 1 bytes) stored for row id, or with
 * id 0 for the newest row (its id in *got, may be NULL otherwise).
 * PC_ENOTFOUND when there is no such row.
 */
enum pc_rc store_audit_hash(struct db *db, int64_t id, int64_t *got, char *hex);

#endif /* PC_STORE_H */
