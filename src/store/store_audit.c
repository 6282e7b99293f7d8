/*
 * store_audit.c: the append-only, hash-chained audit log.
 *
 * Row n stores hash_n = SHA-256(F(prev) F(id) F(at) F(actor) F(event)
 * F(detail)) in hex, where prev is the 32 raw bytes of hash_(n-1) (zeros
 * for the first row), id and at are 8-byte big-endian integers, and F(x)
 * is the 8-byte big-endian length of x followed by x: no two different
 * rows hash the same bytes. Ids are 1, 2, 3, ... with no gap.
 *
 * Appending reads the last row and inserts the next in one transaction;
 * SQLite's BEGIN IMMEDIATE or PostgreSQL's table lock makes writers take
 * turns, so two appends never chain to the same row.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"

#define AUDIT_HASH_LEN 32
#define AUDIT_HEX_LEN (2 * AUDIT_HASH_LEN)
#define AUDIT_PAGE 500
#define AUDIT_XSTR(x) AUDIT_STR(x)
#define AUDIT_STR(x) #x

struct audit_row {
	int64_t id, at;
	const char *actor, *event, *detail;
};

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

static void
audit_genesis(char *hex)
{
	memset(hex, '0', AUDIT_HEX_LEN);
	hex[AUDIT_HEX_LEN] = '\0';
}

/*
 * Append an event (actor and event required, detail may be NULL for "").
 * Runs in the caller's transaction when one is open, else in its own.
 */
enum pc_rc
store_audit_append(
    struct db *db, const char *actor, const char *event, const char *detail)
{
	char prev[AUDIT_HEX_LEN + 1], hash[AUDIT_HEX_LEN + 1];
	struct db_stmt *st = NULL;
	struct audit_row r;
	const char *h;
	enum pc_rc rc;
	bool owned = false, row;

	RETURN_VAL_IF_FAIL(db != NULL && actor != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(event != NULL && event[0] != '\0', PC_EINTERNAL);
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
	rc = db_prepare(db,
	    "SELECT id, hash FROM audit_log "
	    "ORDER BY id DESC LIMIT 1",
	    &st);
	if (rc == PC_OK)
		rc = db_step(st, &row);
	if (rc != PC_OK)
		goto out;
	audit_genesis(prev);
	r.id = 1;
	if (row) {
		h = db_col_text(st, 1);
		if (h == NULL || strlen(h) != AUDIT_HEX_LEN) {
			log_warnx("store: audit: last row has a bad hash");
			rc = PC_ECRYPTO;
			goto out;
		}
		memcpy(prev, h, sizeof(prev));
		r.id = db_col_i64(st, 0) + 1;
	}
	db_stmt_free(st);
	st = NULL;
	r.at = clock_now();
	r.actor = actor;
	r.event = event;
	r.detail = detail != NULL ? detail : "";
	rc = audit_hash(prev, &r, hash);
	if (rc != PC_OK)
		goto out;
	rc = db_prepare(db,
	    "INSERT INTO audit_log (id, at, actor, event, "
	    "detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, r.id);
	if (rc == PC_OK)
		rc = db_bind_i64(st, 2, r.at);
	if (rc == PC_OK)
		rc = db_bind_text(st, 3, r.actor);
	if (rc == PC_OK)
		rc = db_bind_text(st, 4, r.event);
	if (rc == PC_OK)
		rc = db_bind_text(st, 5, r.detail);
	if (rc == PC_OK)
		rc = db_bind_text(st, 6, prev);
	if (rc == PC_OK)
		rc = db_bind_text(st, 7, hash);
	if (rc == PC_OK)
		rc = db_step(st, &row);
out:
	db_stmt_free(st);
	return store_tx_end(db, owned, rc);
}

/*
 * Check one page of rows after *last_id. Updates *last_id, prev (the hash
 * of the last good row) and *nrows; sets *bad_id on the first bad row and
 * *more when the page was full.
 */
static enum pc_rc
audit_verify_page(struct db *db, int64_t *last_id, char *prev, int64_t *nrows,
    int64_t *bad_id, bool *more)
{
	char hash[AUDIT_HEX_LEN + 1];
	struct db_stmt *st = NULL;
	struct audit_row r;
	const char *ph, *h;
	enum pc_rc rc;
	int n = 0;
	bool row;

	*more = false;
	rc = db_prepare(db,
	    "SELECT id, at, actor, event, detail, prev_hash, "
	    "hash FROM audit_log WHERE id > $1 ORDER BY id "
	    "LIMIT " AUDIT_XSTR(AUDIT_PAGE),
	    &st);
	if (rc != PC_OK)
		goto out;
	rc = db_bind_i64(st, 1, *last_id);
	if (rc != PC_OK)
		goto out;
	for (;;) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		n++;
		r.id = db_col_i64(st, 0);
		r.at = db_col_i64(st, 1);
		r.actor = db_col_text(st, 2);
		r.event = db_col_text(st, 3);
		r.detail = db_col_text(st, 4);
		ph = db_col_text(st, 5);
		h = db_col_text(st, 6);
		if (r.id != *last_id + 1 || r.actor == NULL ||
		    r.event == NULL || r.detail == NULL || ph == NULL ||
		    h == NULL || strcmp(ph, prev) != 0 ||
		    audit_hash(prev, &r, hash) != PC_OK ||
		    strcmp(hash, h) != 0) {
			*bad_id = r.id;
			rc = PC_ECRYPTO;
			break;
		}
		memcpy(prev, hash, sizeof(hash));
		*last_id = r.id;
		(*nrows)++;
	}
	if (rc == PC_OK && n == AUDIT_PAGE)
		*more = true;
out:
	db_stmt_free(st);
	return rc;
}

/*
 * Recompute the whole chain. PC_OK with *nrows when intact; PC_ECRYPTO
 * with *bad_id set to the first row that does not match (a changed row,
 * or the row after a removed one). *nrows counts the rows found good.
 */
enum pc_rc
store_audit_verify(struct db *db, int64_t *nrows, int64_t *bad_id)
{
	char prev[AUDIT_HEX_LEN + 1];
	int64_t last_id = 0;
	enum pc_rc rc;
	bool more = true;

	RETURN_VAL_IF_FAIL(db != NULL && nrows != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(bad_id != NULL, PC_EINTERNAL);
	*nrows = 0;
	*bad_id = 0;
	audit_genesis(prev);
	rc = PC_OK;
	while (rc == PC_OK && more)
		rc =
		    audit_verify_page(db, &last_id, prev, nrows, bad_id, &more);
	if (rc == PC_ECRYPTO)
		log_warnx("store: audit: chain broken at row %lld",
		    (long long)*bad_id);
	return rc;
}
