/*
 * store_audit.c: the append-only, hash-chained audit log.
 *
 * Row n stores hash_n = SHA-256(F(prev) F(id) F(at) F(actor) F(event)
 * F(detail)) in hex, where prev is the 32 raw bytes of hash_(n-1) (zeros
 * for the first row), id and at are 8-byte big-endian integers, and F(x)
 * is the 8-byte big-endian length of x followed by x: no two different
 * rows hash the same bytes. Ids are 1, 2, 3, ... with no gap.
 *
 * Each row also carries its seal: an ECDSA signature of its hash by a key
 * in the HSM that the database's administrator cannot use, so a row
 * edited and the chain recomputed after it no longer verifies.
 *
 * Appending reads the last row and inserts the next in one transaction;
 * SQLite's BEGIN IMMEDIATE or PostgreSQL's table lock makes writers take
 * turns, so two appends never chain to the same row.
 *
 * A run of rows may share one seal: the signer's group commit writes its
 * records' rows unsealed and seals the last one before the commit
 * (store_audit_seal_last). Row n's hash covers every row before it, so
 * the seal of the run's last row vouches for the whole run (as the first
 * seal does for the rows of a log older than sealing); the verifier
 * accepts rows without a seal only when a sealed row follows them, or
 * when no row at all is sealed.
 */
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_row.h"

#define AUDIT_HASH_LEN 32
#define AUDIT_HEX_LEN (2 * AUDIT_HASH_LEN)
#define AUDIT_PAGE 500
#define AUDIT_XSTR(x) AUDIT_STR(x)
#define AUDIT_STR(x) #x

#define audit_row store_audit_row

#define T struct audit_row
static const struct store_col audit_col[] = {
	STORE_COL(T, id, COL_I64, 0),
	STORE_COL(T, at, COL_I64, 0),
	STORE_COL(T, actor, COL_REF, 0),
	STORE_COL(T, event, COL_REF, 0),
	STORE_COL(T, detail, COL_REF, 0),
	STORE_COL(T, prev_hash, COL_REF, 0),
	STORE_COL(T, hash, COL_REF, 0),
	STORE_COL(T, seal, COL_REF, 0),
};
static const struct store_cols audit_cols =
    STORE_COLS(T, "audit_log", NULL, NULL, audit_col);
#undef T

/* The last row as store_audit_append reads it. */
struct last_row {
	int64_t id;
	char *hash;
	char *seal;
};
static const struct store_col last_col[] = {
	STORE_COL(struct last_row, id, COL_I64, 0),
	STORE_COL(struct last_row, hash, COL_STR, 0),
	STORE_COL(struct last_row, seal, COL_STR, 0),
};
static const struct store_cols last_cols =
    STORE_COLS(struct last_row, "audit_log", NULL, NULL, last_col);

static void
be64(uint64_t v, uint8_t out[8])
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static int
hash_field(EVP_MD_CTX *ctx, const void *p, size_t n)
{
	uint8_t len[8];

	be64(n, len);
	return EVP_DigestUpdate(ctx, len, sizeof(len)) &&
	       EVP_DigestUpdate(ctx, p, n);
}

static int
hash_int(EVP_MD_CTX *ctx, int64_t v)
{
	uint8_t b[8];

	be64((uint64_t)v, b);
	return hash_field(ctx, b, sizeof(b));
}

/* hex (OUT, AUDIT_HEX_LEN + 1) = the hash of r chained to prev_hex. */
static enum pc_rc
audit_hash(const char *prev_hex, const struct audit_row *r, char *hex)
{
	uint8_t prev[AUDIT_HASH_LEN], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = NULL;
	unsigned int mdlen = 0;
	enum pc_rc rc;

	rc = hex_decode(str_from(prev_hex), prev, sizeof(prev));
	if (rc != PC_OK)
		goto out; /* a malformed stored hash: not our chain */
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		rc = ossl_fail("store: audit: digest");
		goto out;
	}
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !hash_field(ctx, prev, sizeof(prev)) || !hash_int(ctx, r->id) ||
	    !hash_int(ctx, r->at) ||
	    !hash_field(ctx, r->actor, strlen(r->actor)) ||
	    !hash_field(ctx, r->event, strlen(r->event)) ||
	    !hash_field(ctx, r->detail, strlen(r->detail)) ||
	    !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != AUDIT_HASH_LEN) {
		rc = ossl_fail("store: audit: digest");
		goto out;
	}
	hex_encode(md, AUDIT_HASH_LEN, hex);
	rc = PC_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * seal (hex, 2 * STORE_AUDIT_SEAL_MAX + 1) = the store's sealer over the
 * row hash hex; "" without a sealer (said once in the log).
 */
static enum pc_rc
audit_seal(struct db *db, const char *hex, char *seal)
{
	static bool warned;
	uint8_t md[AUDIT_HASH_LEN], sig[STORE_AUDIT_SEAL_MAX];
	size_t n = 0;
	store_seal_fn fn;
	void *arg;
	enum pc_rc rc;

	seal[0] = '\0';
	fn = store_audit_sealer_of(db, &arg);
	if (fn == NULL) {
		if (!warned)
			log_warnx("store: audit rows are written unsealed "
			          "(no sealing key)");
		warned = true;
		return PC_OK;
	}
	rc = hex_decode(str_from(hex), md, sizeof(md));
	if (rc == PC_OK)
		rc = fn(arg, md, sig, &n);
	if (rc == PC_OK && (n == 0 || n > sizeof(sig)))
		rc = PC_ECRYPTO;
	if (rc != PC_OK) {
		/* No row rather than a row nobody can vouch for. */
		log_warnx(
		    "store: audit: cannot seal a row (%s)", pc_rc_str(rc));
		return rc;
	}
	hex_encode(sig, n, seal);
	return PC_OK;
}

static void
audit_genesis(char *hex)
{
	memset(hex, '0', AUDIT_HEX_LEN);
	hex[AUDIT_HEX_LEN] = '\0';
}

/*
 * Append an event (actor and event required, detail may be NULL for ""),
 * sealed or not. Runs in the caller's transaction when one is open, else
 * in its own.
 */
static enum pc_rc
audit_append(struct db *db, const char *actor, const char *event,
    const char *detail, bool sealed)
{
	char prev[AUDIT_HEX_LEN + 1], hash[AUDIT_HEX_LEN + 1];
	char seal[2 * STORE_AUDIT_SEAL_MAX + 1];
	struct last_row last;
	struct audit_row r;
	enum pc_rc rc;
	bool owned = false;

	RETURN_VAL_IF_FAIL(db != NULL && actor != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(event != NULL && event[0] != '\0', PC_EINTERNAL);
	memset(&last, 0, sizeof(last));
	rc = store_tx_begin(db, &owned);
	if (rc != PC_OK)
		goto out;
	if (db_kind(db) == STORE_PG) {
		/* Conflicts with itself, not with readers. */
		rc = db_exec(db, "LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE "
		                 "MODE");
		if (rc != PC_OK)
			goto out;
	}
	audit_genesis(prev);
	memset(&r, 0, sizeof(r));
	r.id = 1;
	rc = store_row_get(
	    db, &last_cols, &last, "ORDER BY id DESC LIMIT 1", "");
	if (rc == PC_OK) {
		if (last.hash == NULL || strlen(last.hash) != AUDIT_HEX_LEN) {
			log_warnx("store: audit: last row has a bad hash");
			rc = PC_ECRYPTO;
			goto out;
		}
		memcpy(prev, last.hash, sizeof(prev));
		r.id = last.id + 1;
	} else if (rc != PC_ENOTFOUND)
		goto out;
	r.at = clock_now();
	r.actor = actor;
	r.event = event;
	r.detail = detail != NULL ? detail : "";
	rc = audit_hash(prev, &r, hash);
	seal[0] = '\0';
	if (rc == PC_OK && sealed)
		rc = audit_seal(db, hash, seal);
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "INSERT INTO audit_log (id, at, actor, event, "
		    "detail, prev_hash, hash, seal) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		    "iissssss", r.id, r.at, r.actor, r.event, r.detail, prev,
		    hash, seal);
out:
	store_row_cleanup(&last_cols, &last);
	return store_tx_end(db, owned, rc);
}

enum pc_rc
store_audit_append(
    struct db *db, const char *actor, const char *event, const char *detail)
{
	return audit_append(db, actor, event, detail, true);
}

enum pc_rc
store_audit_append_unsealed(
    struct db *db, const char *actor, const char *event, const char *detail)
{
	RETURN_VAL_IF_FAIL(db != NULL && db_in_tx(db), PC_EINTERNAL);
	return audit_append(db, actor, event, detail, false);
}

enum pc_rc
store_audit_seal_last(struct db *db)
{
	char seal[2 * STORE_AUDIT_SEAL_MAX + 1];
	struct last_row last;
	void *arg;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && db_in_tx(db), PC_EINTERNAL);
	if (store_audit_sealer_of(db, &arg) == NULL)
		return PC_OK; /* rows unsealed anyway (said once) */
	memset(&last, 0, sizeof(last));
	rc = store_row_get(
	    db, &last_cols, &last, "ORDER BY id DESC LIMIT 1", "");
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && last.seal != NULL && last.seal[0] != '\0')) {
		rc = PC_OK;
		goto out;
	}
	if (rc == PC_OK &&
	    (last.hash == NULL || strlen(last.hash) != AUDIT_HEX_LEN))
		rc = PC_ECRYPTO;
	if (rc == PC_OK)
		rc = audit_seal(db, last.hash, seal);
	if (rc == PC_OK)
		rc = store_q_change(db, PC_ESTATE,
		    "UPDATE audit_log SET seal = $2 WHERE id = $1", "is",
		    last.id, seal);
out:
	store_row_cleanup(&last_cols, &last);
	return rc;
}

/* store_audit_append with a formatted detail. */
enum pc_rc
store_audit_printf(
    struct db *db, const char *actor, const char *event, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return store_audit_append(
	    db, actor != NULL ? actor : "-", event, detail);
}

/* Where store_audit_verify is in the chain. */
struct audit_walk {
	int64_t last_id;
	char prev[AUDIT_HEX_LEN + 1]; /* the hash of the last good row */
	int n;                        /* rows of this page */
	int64_t pending;    /* unsealed rows since the last sealed one */
	int64_t pending_id; /* the first of them */
	store_unseal_fn unseal;
	void *arg;
	struct store_audit_report *rep;
};

/* The seal of r, whose hash is good: counted, or PC_ECRYPTO. */
static enum pc_rc
audit_check_seal(struct audit_walk *w, const struct audit_row *r)
{
	uint8_t md[AUDIT_HASH_LEN], sig[STORE_AUDIT_SEAL_MAX];
	size_t n = r->seal != NULL ? strlen(r->seal) / 2 : 0;

	if (n == 0) {
		/* Unsealed: a row that the next sealed row's seal covers
		 * (older than sealing, or in a group commit), or one of a
		 * log never sealed (store_audit_verify's end). */
		if (w->pending++ == 0)
			w->pending_id = r->id;
		return PC_OK;
	}
	if (strlen(r->seal) != 2 * n || n > sizeof(sig) ||
	    hex_decode(str_from(r->seal), sig, n) != PC_OK ||
	    hex_decode(str_from(r->hash), md, sizeof(md)) != PC_OK ||
	    !w->unseal(w->arg, md, sig, n))
		return PC_ECRYPTO;
	w->rep->sealed++;
	w->rep->covered += w->pending;
	w->pending = 0;
	return PC_OK;
}

/* Check one row against the chain so far; PC_ECRYPTO when it breaks. */
static enum pc_rc
audit_check_row(void *arg, void *row)
{
	struct audit_walk *w = arg;
	const struct audit_row *r = row;
	char hash[AUDIT_HEX_LEN + 1];

	w->n++;
	if (r->id != w->last_id + 1 || r->actor == NULL || r->event == NULL ||
	    r->detail == NULL || r->prev_hash == NULL || r->hash == NULL ||
	    strcmp(r->prev_hash, w->prev) != 0 ||
	    audit_hash(w->prev, r, hash) != PC_OK ||
	    strcmp(hash, r->hash) != 0) {
		w->rep->bad_id = r->id;
		return PC_ECRYPTO;
	}
	if (w->unseal != NULL && audit_check_seal(w, r) != PC_OK) {
		w->rep->bad_seal_id = r->id;
		return PC_ECRYPTO;
	}
	memcpy(w->prev, hash, sizeof(hash));
	w->last_id = r->id;
	w->rep->rows++;
	return PC_OK;
}

enum pc_rc
store_audit_verify(struct db *db, store_unseal_fn unseal, void *arg,
    struct store_audit_report *rep)
{
	struct audit_walk w;
	struct audit_row r;
	enum pc_rc rc = PC_OK;

	RETURN_VAL_IF_FAIL(db != NULL && rep != NULL, PC_EINTERNAL);
	memset(rep, 0, sizeof(*rep));
	memset(&w, 0, sizeof(w));
	rep->seals_checked = unseal != NULL;
	w.unseal = unseal;
	w.arg = arg;
	w.rep = rep;
	audit_genesis(w.prev);
	w.n = AUDIT_PAGE;
	while (rc == PC_OK && w.n == AUDIT_PAGE) {
		w.n = 0;
		rc = store_row_each(db, &audit_cols, &r, audit_check_row, &w,
		    "WHERE id > $1 ORDER BY id LIMIT " AUDIT_XSTR(AUDIT_PAGE),
		    "i", w.last_id);
	}
	/* Unsealed rows at the end: a log never sealed, or, after sealed
	 * rows, rows nothing vouches for. */
	if (rc == PC_OK && w.pending > 0 && rep->sealed == 0)
		rep->unsealed = w.pending;
	else if (rc == PC_OK && w.pending > 0) {
		rep->bad_seal_id = w.pending_id;
		rc = PC_ECRYPTO;
	}
	if (rc == PC_ECRYPTO)
		log_warnx("store: audit: %s at row %lld",
		    rep->bad_id != 0 ? "chain broken" : "seal not verified",
		    (long long)(rep->bad_id != 0 ? rep->bad_id
		                                 : rep->bad_seal_id));
	return rc;
}

/* store_audit_each's walk. */
struct audit_each {
	enum pc_rc (*fn)(void *arg, const struct store_audit_row *r);
	void *arg;
	int64_t last_id;
	int n;
};

static enum pc_rc
audit_each_row(void *arg, void *row)
{
	struct audit_each *w = arg;
	const struct audit_row *r = row;

	w->n++;
	w->last_id = r->id;
	return w->fn(w->arg, r);
}

enum pc_rc
store_audit_each(struct db *db, int64_t from, int64_t to,
    enum pc_rc (*fn)(void *arg, const struct store_audit_row *r), void *arg)
{
	struct audit_each w;
	struct audit_row r;
	enum pc_rc rc = PC_OK;

	RETURN_VAL_IF_FAIL(db != NULL && fn != NULL, PC_EINTERNAL);
	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.arg = arg;
	w.last_id = from > 0 ? from - 1 : 0;
	w.n = AUDIT_PAGE;
	while (rc == PC_OK && w.n == AUDIT_PAGE) {
		w.n = 0;
		rc = store_row_each(db, &audit_cols, &r, audit_each_row, &w,
		    "WHERE id > $1 AND id <= $2 ORDER BY id "
		    "LIMIT " AUDIT_XSTR(AUDIT_PAGE),
		    "ii", w.last_id, to);
	}
	return rc;
}

/*
 * The hash stored for row id (id > 0), or for the newest row (id 0, its
 * id in *got). PC_ENOTFOUND when there is no such row.
 */
enum pc_rc
store_audit_hash(struct db *db, int64_t id, int64_t *got, char *hex)
{
	struct last_row row;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL && hex != NULL, PC_EINTERNAL);
	memset(&row, 0, sizeof(row));
	if (id > 0)
		rc = store_row_get(
		    db, &last_cols, &row, "WHERE id = $1", "i", id);
	else
		rc = store_row_get(
		    db, &last_cols, &row, "ORDER BY id DESC LIMIT 1", "");
	if (rc == PC_OK &&
	    (row.hash == NULL || strlen(row.hash) != AUDIT_HEX_LEN))
		rc = PC_ECRYPTO;
	if (rc == PC_OK) {
		memcpy(hex, row.hash, AUDIT_HEX_LEN + 1);
		if (got != NULL)
			*got = row.id;
	}
	store_row_cleanup(&last_cols, &row);
	return rc;
}
