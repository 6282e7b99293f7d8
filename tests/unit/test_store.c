/*
 * test_store.c: the store layer against SQLite (a temporary file) and, when
 * PECETE_TEST_PG_URL is set, the same suite against PostgreSQL
 * (tests/integration/store_pg.sh starts a throwaway server and sets it).
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "base/clock.h"
#include "base/log.h"
#include "store/store.h"
#include "store/store_approf.h"
#include "store/store_renewal.h"
#include "support/tstore.h"

struct backend {
	const char *name;
	char url[PATH_MAX + 32];
	char dir[PATH_MAX]; /* SQLite: the temporary directory */
	struct store *s;
};

static struct backend *cur;

static const char *const tables[] = {
	/* children before the tables they refer to (foreign keys) */
	"appearance_profiles",
	"inbox_files",
	"inbox_messages",
	"oauth_refresh",
	"oauth_grants",
	"oauth_requests",
	"oauth_clients",
	"api_tokens",
	"cert_registry",
	"pending_keys",
	"renewals",
	"cert_reminders",
	"sign_items",
	"sign_batches",
	"documents",
	"idv_files",
	"idv_cases",
	"shop_invoices",
	"shop_payments",
	"shop_orders",
	"shop_promos",
	"shop_packages",
	"fx_rates",
	"signatures",
	"credentials",
	"totp_secrets",
	"account_links",
	"account_codes",
	"sessions",
	"consents",
	"rate_limits",
	"users",
	"certs",
	"crls",
	"counters",
	"settings",
	"jobs",
	"audit_log",
	"outbox_attachments",
	"outbox",
};

/* ---- helpers ----------------------------------------------------------- */

static struct db *
acq(void)
{
	struct db *db = NULL;

	assert_int_equal(store_acquire(cur->s, &db), PC_OK);
	assert_non_null(db);
	return db;
}

static int64_t
count_rows(struct db *db, const char *sql)
{
	struct db_stmt *st = NULL;
	int64_t n;
	bool row = false;

	assert_int_equal(db_prepare(db, sql, &st), PC_OK);
	assert_int_equal(db_step(st, &row), PC_OK);
	assert_true(row);
	n = db_col_i64(st, 0);
	db_stmt_free(st);
	return n;
}

static void
exec_ok(struct db *db, const char *sql)
{
	assert_int_equal(db_exec(db, sql), PC_OK);
}

static void
cert_fill(struct store_cert *c, const char *serial, const char *issuer,
    uint8_t *der, size_t n)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->serial, sizeof(c->serial), "%s", serial);
	snprintf(c->issuer, sizeof(c->issuer), "%s", issuer);
	c->kind = (char *)CERT_KIND_SIGN;
	c->subject = (char *)"CN=Ion Popescu, C=RO";
	c->holder = (char *)"u-42";
	c->key_label = (char *)"key-42";
	c->not_before = 1700000000;
	c->not_after = 1700000000 + 365 * 86400;
	c->der = der;
	c->der_len = n;
}

/* ---- setup ------------------------------------------------------------- */

static void
drop_all(struct db *db)
{
	char sql[128];
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(tables); i++) {
		snprintf(
		    sql, sizeof(sql), "DROP TABLE IF EXISTS %s", tables[i]);
		exec_ok(db, sql);
	}
	exec_ok(db, "DROP TABLE IF EXISTS schema_migrations");
}

static int
group_setup(void **state)
{
	struct backend *b = cur;
	struct db *db = NULL;
	int version = -1;

	if (store_open(b->url, 4, &b->s) != PC_OK)
		return -1;
	if (store_acquire(b->s, &db) != PC_OK)
		return -1;
	drop_all(db);
	store_release(b->s, db);
	if (store_schema_version(b->s, &version) != PC_OK || version != 0)
		return -1;
	if (store_migrate(b->s) != PC_OK)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	struct backend *b = cur;

	store_close(b->s);
	b->s = NULL;
	return 0;
}

/* Each test starts from empty tables. */
static int
test_setup(void **state)
{
	struct db *db = NULL;
	char sql[128];
	size_t i;

	if (store_acquire(cur->s, &db) != PC_OK)
		return -1;
	for (i = 0; i < PC_ARRAY_LEN(tables); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s", tables[i]);
		if (db_exec(db, sql) != PC_OK) {
			store_release(cur->s, db);
			return -1;
		}
	}
	store_release(cur->s, db);
	return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_open_errors(void **state)
{
	struct store *s = NULL;

	assert_int_equal(store_open("mysql://x", 1, &s), PC_EINVAL);
	assert_null(s);
	assert_int_equal(
	    store_open("sqlite:/nonexistent-dir/x/y.db", 1, &s), PC_EDB);
	assert_null(s);
	assert_int_equal(store_open(cur->url, 0, &s), PC_EINVAL);
	assert_null(s);
}

static void
test_migrations_idempotent(void **state)
{
	struct db *db;
	int v1 = 0, v2 = 0, v3 = 0;

	assert_int_equal(store_schema_version(cur->s, &v1), PC_OK);
	assert_true(v1 >= 1);

	/* From an empty database, twice. */
	db = acq();
	drop_all(db);
	store_release(cur->s, db);
	assert_int_equal(store_schema_version(cur->s, &v2), PC_OK);
	assert_int_equal(v2, 0);
	assert_int_equal(store_migrate(cur->s), PC_OK);
	assert_int_equal(store_migrate(cur->s), PC_OK);
	assert_int_equal(store_schema_version(cur->s, &v3), PC_OK);
	assert_int_equal(v3, v1);

	db = acq();
	assert_int_equal(count_rows(db, "SELECT count(*) FROM "
	                                "schema_migrations"),
	    v1);
	/* Every table is there and usable. */
	assert_int_equal(count_rows(db, "SELECT count(*) FROM certs"), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM crls"), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM counters"), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM settings"), 0);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM audit_log"), 0);
	store_release(cur->s, db);
}

static void
test_placeholders(void **state)
{
	struct db *db = acq();
	struct db_stmt *st = NULL;
	bool row = false;

	/* $2 before $1, and a '$1' inside a literal that is not a parameter. */
	assert_int_equal(db_prepare(db, "SELECT $2, $1, '$1', $2", &st), PC_OK);
	assert_int_equal(db_bind_text(st, 1, "one"), PC_OK);
	assert_int_equal(db_bind_text(st, 2, "two"), PC_OK);
	assert_int_equal(db_step(st, &row), PC_OK);
	assert_true(row);
	assert_string_equal(db_col_text(st, 0), "two");
	assert_string_equal(db_col_text(st, 1), "one");
	assert_string_equal(db_col_text(st, 2), "$1");
	assert_string_equal(db_col_text(st, 3), "two");
	assert_int_equal(db_step(st, &row), PC_OK);
	assert_false(row);
	assert_int_equal(db_step(st, &row), PC_OK); /* not re-run */
	assert_false(row);
	db_stmt_free(st);

	/* A value that looks like SQL is only a value. */
	assert_int_equal(
	    store_setting_put(db, "k'; DROP TABLE settings; --", "v"), PC_OK);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM settings"), 1);

	/* NULL binds and db_changes. */
	assert_int_equal(store_setting_put(db, "a", "1"), PC_OK);
	assert_int_equal(store_setting_put(db, "b", "2"), PC_OK);
	assert_int_equal(db_prepare(db,
	                     "UPDATE settings SET value = $1 "
	                     "WHERE key <> $2",
	                     &st),
	    PC_OK);
	assert_int_equal(db_bind_text(st, 1, "x"), PC_OK);
	assert_int_equal(db_bind_text(st, 2, "b"), PC_OK);
	assert_int_equal(db_step(st, &row), PC_OK);
	assert_false(row);
	assert_int_equal(db_changes(st), 2);
	db_stmt_free(st);
	assert_int_equal(db_prepare(db,
	                     "SELECT COALESCE($1, 'dflt'), "
	                     "NULLIF('a', 'a'), $2",
	                     &st),
	    PC_OK);
	assert_int_equal(db_bind_null(st, 1), PC_OK);
	assert_int_equal(db_bind_i64(st, 2, INT64_MIN), PC_OK);
	assert_int_equal(db_step(st, &row), PC_OK);
	assert_true(row);
	assert_false(db_col_is_null(st, 0));
	assert_string_equal(db_col_text(st, 0), "dflt");
	assert_true(db_col_is_null(st, 1));
	assert_null(db_col_text(st, 1));
	assert_int_equal(db_col_i64(st, 2), INT64_MIN);
	db_stmt_free(st);
	/* A syntax error is a database error, not a crash. */
	assert_int_equal(db_prepare(db, "SELEC nothing", &st), PC_EDB);
	assert_null(st);
	store_release(cur->s, db);
}

static void
test_cert_roundtrip(void **state)
{
	static uint8_t der[3000];
	uint8_t small[] = { 0x30, 0x00, 0x02, 0x00, 0x00, 0xff, 0x00 };
	struct db *db = acq();
	struct store_cert c, g;
	int64_t t0, t1;
	size_t i;

	for (i = 0; i < sizeof(der); i++)
		der[i] = (uint8_t)(i * 7); /* every byte value, NULs too */
	cert_fill(&c, "1a2b3c", "ff01", der, sizeof(der));
	c.name = NULL;
	t0 = clock_now();
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	t1 = clock_now();

	assert_int_equal(store_cert_get(db, "1a2b3c", &g), PC_OK);
	assert_string_equal(g.serial, "1a2b3c");
	assert_string_equal(g.issuer, "ff01");
	assert_string_equal(g.kind, CERT_KIND_SIGN);
	assert_null(g.name);
	assert_string_equal(g.subject, c.subject);
	assert_string_equal(g.holder, "u-42");
	assert_string_equal(g.key_label, "key-42");
	assert_int_equal(g.not_before, c.not_before);
	assert_int_equal(g.not_after, c.not_after);
	assert_int_equal(g.status, CERT_GOOD);
	assert_int_equal(g.revoked_at, 0);
	assert_int_equal(g.reason, 0);
	assert_int_equal(g.der_len, sizeof(der));
	assert_memory_equal(g.der, der, sizeof(der));
	assert_true(g.created_at >= t0 && g.created_at <= t1);
	store_cert_cleanup(&g);

	/* A short blob with NUL bytes at both ends. */
	cert_fill(&c, "abc", "", small, sizeof(small));
	c.kind = (char *)CERT_KIND_ROOT;
	c.name = (char *)"root";
	c.holder = NULL;
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	assert_int_equal(store_cert_get(db, "abc", &g), PC_OK);
	assert_string_equal(g.issuer, "");
	assert_null(g.holder);
	assert_int_equal(g.der_len, sizeof(small));
	assert_memory_equal(g.der, small, sizeof(small));
	store_cert_cleanup(&g);

	/* Duplicates and bad serials. */
	cert_fill(&c, "1a2b3c", "ff01", small, sizeof(small));
	assert_int_equal(store_cert_insert(db, &c), PC_EEXIST);
	assert_int_equal(store_cert_get(db, "1a2b3c", &g), PC_OK);
	assert_int_equal(g.der_len, sizeof(der)); /* unchanged */
	store_cert_cleanup(&g);
	cert_fill(&c, "0abc", "ff01", small, sizeof(small));
	assert_int_equal(store_cert_insert(db, &c), PC_EINVAL);
	cert_fill(&c, "ABC", "ff01", small, sizeof(small));
	assert_int_equal(store_cert_insert(db, &c), PC_EINVAL);
	cert_fill(&c, "", "ff01", small, sizeof(small));
	assert_int_equal(store_cert_insert(db, &c), PC_EINVAL);
	cert_fill(&c, "abcd", "xyz", small, sizeof(small));
	assert_int_equal(store_cert_insert(db, &c), PC_EINVAL);
	assert_int_equal(store_cert_get(db, "dead", &g), PC_ENOTFOUND);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM certs"), 2);

	/* By name: the good one with the latest notBefore. */
	cert_fill(&c, "100", "abc", small, sizeof(small));
	c.kind = (char *)CERT_KIND_CA;
	c.name = (char *)"issuing";
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	cert_fill(&c, "200", "abc", small, sizeof(small));
	c.kind = (char *)CERT_KIND_CA;
	c.name = (char *)"issuing";
	c.not_before += 1000;
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	assert_int_equal(store_cert_get_by_name(db, "issuing", &g), PC_OK);
	assert_string_equal(g.serial, "200");
	store_cert_cleanup(&g);
	assert_int_equal(store_cert_revoke(db, "200", 4, 1700000500), PC_OK);
	assert_int_equal(store_cert_get_by_name(db, "issuing", &g), PC_OK);
	assert_string_equal(g.serial, "100");
	store_cert_cleanup(&g);
	assert_int_equal(store_cert_get_by_name(db, "tsa", &g), PC_ENOTFOUND);
	store_release(cur->s, db);
}

struct collect {
	char serials[8][STORE_SERIAL_MAX + 1];
	int n;
	int stop_after; /* return PC_EIO after this many; 0: never */
};

static enum pc_rc
collect_fn(void *arg, const struct store_cert *c)
{
	struct collect *col = arg;

	if (col->n < 8)
		snprintf(col->serials[col->n], sizeof(col->serials[0]), "%s",
		    c->serial);
	col->n++;
	if (col->stop_after != 0 && col->n >= col->stop_after)
		return PC_EIO;
	return PC_OK;
}

static void
test_cert_revoke(void **state)
{
	uint8_t der[] = { 0x30, 0x00, 0x01 };
	struct db *db = acq();
	struct store_cert c, g;
	struct collect col;

	cert_fill(&c, "a1", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	cert_fill(&c, "a2", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	cert_fill(&c, "a3", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	cert_fill(&c, "b1", "ca2", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);

	assert_int_equal(store_cert_revoke(db, "ffff", 1, 1000), PC_ENOTFOUND);
	assert_int_equal(store_cert_revoke(db, "a1", 1, 1000), PC_OK);
	assert_int_equal(store_cert_get(db, "a1", &g), PC_OK);
	assert_int_equal(g.status, CERT_REVOKED);
	assert_int_equal(g.reason, 1);
	assert_int_equal(g.revoked_at, 1000);
	store_cert_cleanup(&g);
	assert_int_equal(store_cert_revoke(db, "a1", 1, 1100), PC_ESTATE);
	assert_int_equal(store_cert_revoke(db, "a1", 6, 1100), PC_ESTATE);

	/* certificateHold, then a final reason; hold twice is refused. */
	assert_int_equal(store_cert_revoke(db, "a2", 6, 2000), PC_OK);
	assert_int_equal(store_cert_revoke(db, "a2", 6, 2500), PC_ESTATE);
	assert_int_equal(store_cert_revoke(db, "a2", 1, 3000), PC_OK);
	assert_int_equal(store_cert_get(db, "a2", &g), PC_OK);
	assert_int_equal(g.status, CERT_REVOKED);
	assert_int_equal(g.reason, 1);
	assert_int_equal(g.revoked_at, 2000);
	store_cert_cleanup(&g);
	assert_int_equal(store_cert_revoke(db, "a2", 5, 3100), PC_ESTATE);
	/* Only a certificate on hold is released; a final reason stays. */
	assert_int_equal(store_cert_release(db, "a2"), PC_ESTATE);
	assert_int_equal(store_cert_release(db, "a1"), PC_ESTATE);
	assert_int_equal(store_cert_release(db, "a3"), PC_ESTATE);
	assert_int_equal(store_cert_release(db, "ffff"), PC_ENOTFOUND);

	/* Reasons that are not revocation reasons. */
	assert_int_equal(store_cert_revoke(db, "a3", 7, 1), PC_EINVAL);
	assert_int_equal(store_cert_revoke(db, "a3", 8, 1), PC_EINVAL);
	assert_int_equal(store_cert_revoke(db, "a3", -1, 1), PC_EINVAL);
	assert_int_equal(store_cert_revoke(db, "a3", 11, 1), PC_EINVAL);
	assert_int_equal(store_cert_get(db, "a3", &g), PC_OK);
	assert_int_equal(g.status, CERT_GOOD);
	store_cert_cleanup(&g);

	/* Hold, release (good again, no time or reason), hold again. */
	assert_int_equal(store_cert_revoke(db, "b1", 6, 3500), PC_OK);
	assert_int_equal(store_cert_release(db, "b1"), PC_OK);
	assert_int_equal(store_cert_get(db, "b1", &g), PC_OK);
	assert_int_equal(g.status, CERT_GOOD);
	assert_int_equal(g.reason, 0);
	assert_int_equal(g.revoked_at, 0);
	store_cert_cleanup(&g);
	assert_int_equal(store_cert_release(db, "b1"), PC_ESTATE);
	assert_int_equal(store_cert_revoke(db, "b1", 0, 4000), PC_OK);

	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_cert_each_revoked(db, "ca1", collect_fn, &col), PC_OK);
	assert_int_equal(col.n, 2);
	assert_string_equal(col.serials[0], "a1"); /* revoked at 1000 */
	assert_string_equal(col.serials[1], "a2"); /* revoked at 2000 */
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_cert_each_revoked(db, "ca2", collect_fn, &col), PC_OK);
	assert_int_equal(col.n, 1);
	assert_string_equal(col.serials[0], "b1");
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_cert_each_revoked(db, "ca3", collect_fn, &col), PC_OK);
	assert_int_equal(col.n, 0);
	/* The callback's failure stops the walk and is returned. */
	memset(&col, 0, sizeof(col));
	col.stop_after = 1;
	assert_int_equal(
	    store_cert_each_revoked(db, "ca1", collect_fn, &col), PC_EIO);
	assert_int_equal(col.n, 1);
	store_release(cur->s, db);
}

/* The registry's index: signing certificates only, once, found by key. */
static void
test_cert_registry(void **state)
{
	uint8_t der[] = { 0x30, 0x00, 0x02 };
	struct db *db = acq();
	struct store_cert c;
	struct collect col;
	int64_t n = -1;

	cert_fill(&c, "c1", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	cert_fill(&c, "c2", "ca1", der, sizeof(der));
	c.kind = (char *)CERT_KIND_AUTH;
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	cert_fill(&c, "c3", "ca1", der, sizeof(der));
	c.not_before += 10;
	assert_int_equal(store_cert_insert(db, &c), PC_OK);

	assert_int_equal(store_registry_unindexed_count(db, &n), PC_OK);
	assert_int_equal(n, 2); /* not the authentication certificate */
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_registry_each_unindexed(db, 1, collect_fn, &col), PC_OK);
	assert_int_equal(col.n, 1);
	assert_string_equal(col.serials[0], "c1");
	assert_int_equal(store_registry_put(db, "c1", "ion popescu",
	                     "popescu ion", "ion@example.ro"),
	    PC_OK);
	assert_int_equal(store_registry_put(db, "c3", "ion popescu",
	                     "popescu ion", "ion.p@example.ro"),
	    PC_OK);
	/* Put twice: the first row is kept, no error. */
	assert_int_equal(
	    store_registry_put(db, "c1", "x", "x", "x@example.ro"), PC_OK);
	assert_int_equal(store_registry_unindexed_count(db, &n), PC_OK);
	assert_int_equal(n, 0);

	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_registry_find(db, "popescu ion", 10, collect_fn, &col),
	    PC_OK);
	assert_int_equal(col.n, 2);
	assert_string_equal(col.serials[0], "c3"); /* newest first */
	assert_string_equal(col.serials[1], "c1");
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_registry_find(db, "ion@example.ro", 10, collect_fn, &col),
	    PC_OK);
	assert_int_equal(col.n, 1);
	assert_string_equal(col.serials[0], "c1");
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_registry_find(db, "ion popescu", 1, collect_fn, &col), PC_OK);
	assert_int_equal(col.n, 1); /* the limit */
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_registry_find(db, "x", 10, collect_fn, &col), PC_OK);
	assert_int_equal(col.n, 0);
	store_release(cur->s, db);
}

static enum pc_rc
renewal_collect(void *arg, const struct store_renewal *r)
{
	struct collect *col = arg;

	if (col->n < 8)
		snprintf(
		    col->serials[col->n], sizeof(col->serials[0]), "%s", r->id);
	col->n++;
	return PC_OK;
}

/* Renewal requests: drafts, the photo, moves, the order's use, due. */
static void
test_renewals(void **state)
{
	struct db *db = acq();
	struct store_renewal r, g;
	struct collect col;
	bool used = true;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "r1");
	snprintf(r.user_id, sizeof(r.user_id), "u1");
	snprintf(r.order_id, sizeof(r.order_id), "o1");
	snprintf(r.old_serial, sizeof(r.old_serial), "c1");
	r.old_not_after = 1000000;
	snprintf(r.state, sizeof(r.state), RENEWAL_DRAFT);
	snprintf(r.doc_type, sizeof(r.doc_type), "ro_id_card");
	snprintf(r.doc_number, sizeof(r.doc_number), "123456");
	r.created_at = 10;
	assert_int_equal(store_renewal_insert(db, &r), PC_OK);
	assert_int_equal(store_renewal_insert(db, &r), PC_EEXIST);
	snprintf(r.id, sizeof(r.id), "r2");
	r.created_at = 20;
	assert_int_equal(store_renewal_insert(db, &r), PC_OK);

	assert_int_equal(store_renewal_latest(db, "u1", &g), PC_OK);
	assert_string_equal(g.id, "r2");
	assert_string_equal(g.photo_type, ""); /* NULL reads as "" */
	store_renewal_cleanup(&g);
	assert_int_equal(
	    store_renewal_photo(db, "r2", "image/jpeg", 5, "ab", "cd"), PC_OK);
	/* A draft is no use of the order; a sent request is. */
	assert_int_equal(store_renewal_order_used(db, "o1", &used), PC_OK);
	assert_false(used);
	assert_int_equal(store_renewal_move(db, "r2", RENEWAL_DRAFT,
	                     RENEWAL_SUBMITTED, "v1", NULL, NULL, NULL, 30),
	    PC_OK);
	assert_int_equal(store_renewal_move(db, "r2", RENEWAL_DRAFT,
	                     RENEWAL_SUBMITTED, "v1", NULL, NULL, NULL, 30),
	    PC_ESTATE);
	assert_int_equal(
	    store_renewal_photo(db, "r2", "image/png", 5, "ab", "cd"),
	    PC_ESTATE); /* not a draft any more */
	assert_int_equal(store_renewal_order_used(db, "o1", &used), PC_OK);
	assert_true(used);
	assert_int_equal(store_renewal_move(db, "r2", RENEWAL_SUBMITTED,
	                     RENEWAL_REJECTED, NULL, "blurred", "op", NULL, 40),
	    PC_OK);
	assert_int_equal(store_renewal_get(db, "r2", &g), PC_OK);
	assert_string_equal(g.state, RENEWAL_REJECTED);
	assert_string_equal(g.reason, "blurred");
	assert_string_equal(g.terms_version, "v1");
	assert_string_equal(g.photo_type, "image/jpeg");
	assert_int_equal(g.submitted_at, 30);
	assert_int_equal(g.decided_at, 40);
	store_renewal_cleanup(&g);
	assert_int_equal(store_renewal_order_used(db, "o1", &used), PC_OK);
	assert_false(used); /* a rejection frees the order */
	/* ... for the renewal only: no identification takes it. */
	assert_int_equal(store_renewal_order_claimed(db, "o1", &used), PC_OK);
	assert_true(used);
	assert_int_equal(store_renewal_order_claimed(db, "o9", &used), PC_OK);
	assert_false(used);

	assert_int_equal(store_renewal_close_drafts(db, "u1", 50), PC_OK);
	assert_int_equal(store_renewal_get(db, "r1", &g), PC_OK);
	assert_string_equal(g.state, RENEWAL_CLOSED);
	store_renewal_cleanup(&g);

	memset(&col, 0, sizeof(col));
	assert_int_equal(store_renewal_each(db, RENEWAL_REJECTED, 999999, 10,
	                     renewal_collect, &col),
	    PC_OK);
	assert_int_equal(col.n, 0); /* not due yet */
	assert_int_equal(store_renewal_each(db, RENEWAL_REJECTED, 1000000, 10,
	                     renewal_collect, &col),
	    PC_OK);
	assert_int_equal(col.n, 1);
	assert_string_equal(col.serials[0], "r2");
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_renewal_each(db, NULL, 0, 10, renewal_collect, &col), PC_OK);
	assert_int_equal(col.n, 2);

	/* The photo's time: r2 (sent, rejected at 40) is due from 40. */
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_renewal_photo_due(db, 0, 39, 0, 10, renewal_collect, &col),
	    PC_OK);
	assert_int_equal(col.n, 0);
	assert_int_equal(
	    store_renewal_photo_due(db, 0, 40, 0, 10, renewal_collect, &col),
	    PC_OK);
	assert_int_equal(col.n, 1);
	assert_string_equal(col.serials[0], "r2");
	assert_int_equal(store_renewal_photo_forget(db, "r2"), PC_OK);
	memset(&col, 0, sizeof(col));
	assert_int_equal(
	    store_renewal_photo_due(db, 0, 40, 0, 10, renewal_collect, &col),
	    PC_OK);
	assert_int_equal(col.n, 0);
	assert_int_equal(store_renewal_get(db, "r2", &g), PC_OK);
	assert_string_equal(g.photo_type, "");
	assert_string_equal(g.photo_key, "");
	assert_string_equal(g.photo_sha256, "ab");
	store_renewal_cleanup(&g);

	/* Two drafts in the same second, the first closed by the second:
	 * the latest is the second, whatever the (random) ids say. */
	snprintf(r.id, sizeof(r.id), "z3");
	r.created_at = 60;
	assert_int_equal(store_renewal_insert(db, &r), PC_OK);
	assert_int_equal(store_renewal_close_drafts(db, "u1", 60), PC_OK);
	snprintf(r.id, sizeof(r.id), "a4");
	assert_int_equal(store_renewal_insert(db, &r), PC_OK);
	assert_int_equal(store_renewal_latest(db, "u1", &g), PC_OK);
	assert_string_equal(g.id, "a4");
	assert_string_equal(g.state, RENEWAL_DRAFT);
	store_renewal_cleanup(&g);
	store_release(cur->s, db);
}

static void
test_crl(void **state)
{
	uint8_t der1[] = { 0x30, 0x00, 0x11 }, der2[] = { 0x00, 0x30, 0x00 };
	struct db *db = acq();
	struct store_crl crl, g;
	int64_t n = 0, prev;

	assert_int_equal(store_crl_latest(db, "ca1", &g), PC_ENOTFOUND);
	assert_int_equal(store_crl_next_number(db, "ca1", &n), PC_OK);
	assert_int_equal(n, 1);
	memset(&crl, 0, sizeof(crl));
	snprintf(crl.issuer, sizeof(crl.issuer), "ca1");
	crl.number = n;
	crl.this_update = 100;
	crl.next_update = 200;
	crl.der = der1;
	crl.der_len = sizeof(der1);
	assert_int_equal(store_crl_put(db, &crl), PC_OK);

	assert_int_equal(db_begin(db), PC_OK);
	assert_int_equal(store_crl_next_number(db, "ca1", &n), PC_OK);
	assert_int_equal(n, 2);
	crl.number = n;
	crl.this_update = 150;
	crl.der = der2;
	crl.der_len = sizeof(der2);
	assert_int_equal(store_crl_put(db, &crl), PC_OK);
	assert_int_equal(db_commit(db), PC_OK);

	assert_int_equal(store_crl_latest(db, "ca1", &g), PC_OK);
	assert_int_equal(g.number, 2);
	assert_string_equal(g.issuer, "ca1");
	assert_int_equal(g.this_update, 150);
	assert_int_equal(g.next_update, 200);
	assert_int_equal(g.der_len, sizeof(der2));
	assert_memory_equal(g.der, der2, sizeof(der2));
	store_crl_cleanup(&g);

	/* Same number again, or an older one: refused. */
	assert_int_equal(store_crl_put(db, &crl), PC_EEXIST);
	crl.number = 1;
	assert_int_equal(store_crl_put(db, &crl), PC_ESTATE);

	/* Strictly increasing, per issuer. */
	prev = 2;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(store_crl_next_number(db, "ca1", &n), PC_OK);
		assert_true(n > prev);
		prev = n;
	}
	assert_int_equal(store_crl_next_number(db, "ca2", &n), PC_OK);
	assert_int_equal(n, 1);

	/* A stored CRL with a higher number pushes the sequence past it. */
	crl.number = 100;
	assert_int_equal(store_crl_put(db, &crl), PC_OK);
	assert_int_equal(store_crl_next_number(db, "ca1", &n), PC_OK);
	assert_int_equal(n, 101);
	store_release(cur->s, db);
}

struct counter_arg {
	int64_t vals[300];
	int n;
	enum pc_rc rc;
};

static void *
counter_thread(void *p)
{
	struct counter_arg *a = p;
	struct db *db = NULL;
	int i;

	a->rc = store_acquire(cur->s, &db);
	for (i = 0; a->rc == PC_OK && i < 300; i++) {
		a->rc = store_counter_next(db, "threads", &a->vals[i]);
		if (a->rc == PC_OK)
			a->n++;
	}
	store_release(cur->s, db);
	return NULL;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
test_counters(void **state)
{
	struct counter_arg a[2];
	int64_t all[600], v = 0;
	pthread_t t[2];
	struct db *db;
	int i;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, counter_thread, &a[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		assert_int_equal(a[i].rc, PC_OK);
		assert_int_equal(a[i].n, 300);
	}
	memcpy(all, a[0].vals, sizeof(a[0].vals));
	memcpy(all + 300, a[1].vals, sizeof(a[1].vals));
	qsort(all, 600, sizeof(all[0]), cmp_i64);
	for (i = 0; i < 600; i++)
		assert_int_equal(all[i], i + 1); /* unique, no gap */

	db = acq();
	assert_int_equal(store_counter_next(db, "threads", &v), PC_OK);
	assert_int_equal(v, 601);
	assert_int_equal(store_counter_next(db, "other", &v), PC_OK);
	assert_int_equal(v, 1);
	store_release(cur->s, db);
}

static void
test_settings(void **state)
{
	struct db *db = acq();
	char *v = NULL;

	assert_int_equal(store_setting_get(db, "missing", &v), PC_ENOTFOUND);
	assert_null(v);
	assert_int_equal(store_setting_put(db, "fx.rate", "4.9750"), PC_OK);
	assert_int_equal(store_setting_get(db, "fx.rate", &v), PC_OK);
	assert_string_equal(v, "4.9750");
	free(v);
	assert_int_equal(store_setting_put(db, "fx.rate", "ăîșț €"), PC_OK);
	assert_int_equal(store_setting_get(db, "fx.rate", &v), PC_OK);
	assert_string_equal(v, "ăîșț €");
	free(v);
	assert_int_equal(store_setting_put(db, "empty", ""), PC_OK);
	assert_int_equal(store_setting_get(db, "empty", &v), PC_OK);
	assert_string_equal(v, "");
	free(v);
	store_release(cur->s, db);
}

static void
test_transactions(void **state)
{
	uint8_t der[] = { 0x30, 0x00 };
	struct db *db = acq();
	struct store_cert c, g;
	int64_t v = 0;
	char *s = NULL;

	assert_false(db_in_tx(db));
	assert_int_equal(db_commit(db), PC_ESTATE);
	assert_int_equal(db_begin(db), PC_OK);
	assert_true(db_in_tx(db));
	assert_int_equal(db_begin(db), PC_ESTATE); /* no nesting */
	cert_fill(&c, "77", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	assert_int_equal(store_counter_next(db, "tx", &v), PC_OK);
	assert_int_equal(store_setting_put(db, "tx", "1"), PC_OK);
	assert_int_equal(
	    store_audit_append(db, "test", "tx.event", NULL), PC_OK);
	assert_int_equal(store_cert_get(db, "77", &g), PC_OK); /* own tx */
	store_cert_cleanup(&g);
	db_rollback(db);
	assert_false(db_in_tx(db));
	assert_int_equal(store_cert_get(db, "77", &g), PC_ENOTFOUND);
	assert_int_equal(store_setting_get(db, "tx", &s), PC_ENOTFOUND);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM audit_log"), 0);
	assert_int_equal(store_counter_next(db, "tx", &v), PC_OK);
	assert_int_equal(v, 1);

	/* Commit keeps it. */
	assert_int_equal(db_begin(db), PC_OK);
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	assert_int_equal(db_commit(db), PC_OK);
	assert_false(db_in_tx(db));
	assert_int_equal(store_cert_get(db, "77", &g), PC_OK);
	store_cert_cleanup(&g);

	/* Releasing a connection rolls back what it left open. */
	assert_int_equal(db_begin(db), PC_OK);
	cert_fill(&c, "78", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	store_release(cur->s, db);
	db = acq();
	assert_false(db_in_tx(db));
	assert_int_equal(store_cert_get(db, "78", &g), PC_ENOTFOUND);

	/* A failed statement: PostgreSQL aborts the transaction. */
	if (store_kind(cur->s) == STORE_PG) {
		assert_int_equal(db_begin(db), PC_OK);
		assert_int_equal(store_cert_insert(db, &c), PC_OK);
		assert_int_equal(
		    db_exec(db, "SELECT * FROM no_such_table"), PC_EDB);
		assert_int_equal(db_commit(db), PC_EDB);
		assert_false(db_in_tx(db));
		assert_int_equal(store_cert_get(db, "78", &g), PC_ENOTFOUND);
	}
	/* A duplicate inside a transaction leaves it usable. */
	assert_int_equal(db_begin(db), PC_OK);
	cert_fill(&c, "77", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_EEXIST);
	cert_fill(&c, "79", "ca1", der, sizeof(der));
	assert_int_equal(store_cert_insert(db, &c), PC_OK);
	assert_int_equal(db_commit(db), PC_OK);
	assert_int_equal(store_cert_get(db, "79", &g), PC_OK);
	store_cert_cleanup(&g);
	store_release(cur->s, db);
}

/* The chain alone (no seals): rows good and the first bad row. */
static enum pc_rc
audit_verify(struct db *db, int64_t *n, int64_t *bad)
{
	struct store_audit_report rep;
	enum pc_rc rc;

	rc = store_audit_verify(db, NULL, NULL, &rep);
	*n = rep.rows;
	*bad = rep.bad_id;
	assert_false(rep.seals_checked);
	return rc;
}

static void
test_audit(void **state)
{
	struct db *db = acq();
	int64_t n = -1, bad = -1;
	int i;

	assert_int_equal(audit_verify(db, &n, &bad), PC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(
	    store_audit_append(db, "admin", "ca.init", "root=abc"), PC_OK);
	assert_int_equal(
	    store_audit_append(db, "system", "crl.issue", NULL), PC_OK);
	assert_int_equal(store_audit_append(db, "user:7", "cert.revoke",
	                     "serial=a1 reason=1 'quoted' \"dq\" ăș"),
	    PC_OK);
	assert_int_equal(store_audit_append(db, "", "empty.actor", ""), PC_OK);
	assert_int_equal(store_audit_append(db, "admin", "last", "x"), PC_OK);
	assert_int_equal(audit_verify(db, &n, &bad), PC_OK);
	assert_int_equal(n, 5);

	/* Inside the caller's transaction, rolled back: nothing left. */
	assert_int_equal(db_begin(db), PC_OK);
	assert_int_equal(store_audit_append(db, "a", "b", "c"), PC_OK);
	db_rollback(db);
	assert_int_equal(audit_verify(db, &n, &bad), PC_OK);
	assert_int_equal(n, 5);

	/* Change a field of row 3. */
	exec_ok(db, "UPDATE audit_log SET detail = 'serial=a2' WHERE id = 3");
	assert_int_equal(audit_verify(db, &n, &bad), PC_ECRYPTO);
	assert_int_equal(bad, 3);
	assert_int_equal(n, 2);

	/* Rebuild, then move a field between columns (same bytes). */
	exec_ok(db, "DELETE FROM audit_log");
	for (i = 0; i < 4; i++)
		assert_int_equal(store_audit_append(db, "ab", "c", "d"), PC_OK);
	exec_ok(db, "UPDATE audit_log SET actor = 'a', event = 'bc' "
	            "WHERE id = 2");
	assert_int_equal(audit_verify(db, &n, &bad), PC_ECRYPTO);
	assert_int_equal(bad, 2);

	/* Remove a row: the next one no longer chains. */
	exec_ok(db, "DELETE FROM audit_log");
	for (i = 0; i < 4; i++)
		assert_int_equal(store_audit_append(db, "x", "y", "z"), PC_OK);
	exec_ok(db, "DELETE FROM audit_log WHERE id = 2");
	assert_int_equal(audit_verify(db, &n, &bad), PC_ECRYPTO);
	assert_int_equal(bad, 3);

	/* Rewrite the time of the last row. */
	exec_ok(db, "DELETE FROM audit_log");
	for (i = 0; i < 3; i++)
		assert_int_equal(store_audit_append(db, "x", "y", "z"), PC_OK);
	exec_ok(db, "UPDATE audit_log SET at = at + 1 WHERE id = 3");
	assert_int_equal(audit_verify(db, &n, &bad), PC_ECRYPTO);
	assert_int_equal(bad, 3);
	assert_int_equal(n, 2);
	store_release(cur->s, db);
}

/* The log verifies with k, with these counts. */
static void
seals_ok(struct db *db, EVP_PKEY *k, int64_t sealed, int64_t covered,
    int64_t unsealed)
{
	struct store_audit_report rep;

	assert_int_equal(
	    store_audit_verify(db, ts_unseal_with, k, &rep), PC_OK);
	assert_true(rep.seals_checked);
	assert_int_equal(rep.rows, sealed + covered + unsealed);
	assert_int_equal(rep.sealed, sealed);
	assert_int_equal(rep.covered, covered);
	assert_int_equal(rep.unsealed, unsealed);
}

static void
test_audit_seal(void **state)
{
	struct store_audit_report rep;
	EVP_PKEY *k = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
	struct db *db = acq();
	int i;

	assert_non_null(k);
	assert_non_null(other);
	exec_ok(db, "DELETE FROM audit_log");
	/* Two rows from before sealing, then sealed ones. */
	store_audit_sealer(cur->s, NULL, NULL);
	for (i = 0; i < 2; i++)
		assert_int_equal(
		    store_audit_append(db, "x", "old", "z"), PC_OK);
	store_audit_sealer(cur->s, ts_seal_with, k);
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    store_audit_append(db, "x", "new", "z"), PC_OK);
	seals_ok(db, k, 3, 2, 0); /* the first 2 covered by the first seal */
	/* Another key: the first sealed row fails. */
	assert_int_equal(
	    store_audit_verify(db, ts_unseal_with, other, &rep), PC_ECRYPTO);
	assert_int_equal(rep.bad_seal_id, 3);
	assert_int_equal(rep.bad_id, 0);
	/* A seal moved from another row (a valid signature, wrong hash). */
	exec_ok(db, "UPDATE audit_log SET seal = (SELECT seal FROM audit_log "
	            "WHERE id = 5) WHERE id = 4");
	assert_int_equal(
	    store_audit_verify(db, ts_unseal_with, k, &rep), PC_ECRYPTO);
	assert_int_equal(rep.bad_seal_id, 4);
	/* A row without a seal after sealing began: the next row's seal
	 * covers it (its hash chains over it)... */
	exec_ok(db, "UPDATE audit_log SET seal = '' WHERE id = 4");
	seals_ok(db, k, 2, 3, 0);
	/* ... and the row still cannot be edited unseen. */
	exec_ok(db, "UPDATE audit_log SET detail = 'w' WHERE id = 4");
	assert_int_equal(
	    store_audit_verify(db, ts_unseal_with, k, &rep), PC_ECRYPTO);
	exec_ok(db, "UPDATE audit_log SET detail = 'z' WHERE id = 4");
	/* Unsealed rows at the end: nothing vouches for them. */
	exec_ok(db, "UPDATE audit_log SET seal = '' WHERE id = 5");
	assert_int_equal(
	    store_audit_verify(db, ts_unseal_with, k, &rep), PC_ECRYPTO);
	assert_int_equal(rep.bad_seal_id, 4);
	/* A run written unsealed and its last row sealed before the commit
	 * (the signer's group commit): one seal, the run covered. */
	exec_ok(db, "DELETE FROM audit_log");
	assert_int_equal(store_audit_append(db, "x", "new", "z"), PC_OK);
	assert_int_equal(db_begin(db), PC_OK);
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    store_audit_append_unsealed(db, "x", "run", "z"), PC_OK);
	assert_int_equal(store_audit_seal_last(db), PC_OK);
	assert_int_equal(store_audit_seal_last(db), PC_OK); /* sealed: no-op */
	assert_int_equal(db_commit(db), PC_OK);
	seals_ok(db, k, 2, 2, 0);
	/* A log never sealed: its rows pass as such. */
	exec_ok(db, "UPDATE audit_log SET seal = ''");
	seals_ok(db, k, 0, 0, 4);
	/* A sealer that fails: no row is written. */
	store_audit_sealer(cur->s, ts_seal_with, NULL);
	assert_int_not_equal(store_audit_append(db, "x", "y", "z"), PC_OK);
	store_audit_sealer(cur->s, NULL, NULL);
	exec_ok(db, "DELETE FROM audit_log");
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
	store_release(cur->s, db);
}

#define AUDIT_THREADS 4
#define AUDIT_PER_THREAD 40

static void *
audit_thread(void *p)
{
	enum pc_rc *rc = p;
	struct db *db = NULL;
	int i;

	*rc = store_acquire(cur->s, &db);
	for (i = 0; *rc == PC_OK && i < AUDIT_PER_THREAD; i++)
		*rc = store_audit_append(db, "thread", "concurrent", "n");
	store_release(cur->s, db);
	return NULL;
}

static void
test_audit_threads(void **state)
{
	enum pc_rc rc[AUDIT_THREADS];
	pthread_t t[AUDIT_THREADS];
	struct db *db;
	int64_t n = 0, bad = 0;
	int i;

	for (i = 0; i < AUDIT_THREADS; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, audit_thread, &rc[i]), 0);
	for (i = 0; i < AUDIT_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < AUDIT_THREADS; i++)
		assert_int_equal(rc[i], PC_OK);
	db = acq();
	assert_int_equal(audit_verify(db, &n, &bad), PC_OK);
	assert_int_equal(n, AUDIT_THREADS * AUDIT_PER_THREAD);
	store_release(cur->s, db);
}

#define POOL_SIZE 2
#define POOL_THREADS 4
#define POOL_ROUNDS 50

struct pool_arg {
	struct store *s;
	pthread_mutex_t mtx;
	int in_use, max_in_use, done;
	enum pc_rc rc;
};

static void *
pool_thread(void *p)
{
	struct pool_arg *a = p;
	struct db_stmt *st;
	struct db *db;
	enum pc_rc rc = PC_OK;
	bool row;
	int i;

	for (i = 0; rc == PC_OK && i < POOL_ROUNDS; i++) {
		db = NULL;
		rc = store_acquire(a->s, &db);
		if (rc != PC_OK)
			break;
		pthread_mutex_lock(&a->mtx);
		a->in_use++;
		if (a->in_use > a->max_in_use)
			a->max_in_use = a->in_use;
		pthread_mutex_unlock(&a->mtx);
		st = NULL;
		rc = db_prepare(db, "SELECT count(*) FROM settings", &st);
		if (rc == PC_OK)
			rc = db_step(st, &row);
		db_stmt_free(st);
		usleep(200);
		pthread_mutex_lock(&a->mtx);
		a->in_use--;
		a->done++;
		pthread_mutex_unlock(&a->mtx);
		store_release(a->s, db);
	}
	pthread_mutex_lock(&a->mtx);
	if (rc != PC_OK)
		a->rc = rc;
	pthread_mutex_unlock(&a->mtx);
	return NULL;
}

static void
test_pool_threads(void **state)
{
	pthread_t t[POOL_THREADS];
	struct pool_arg a;
	int i;

	memset(&a, 0, sizeof(a));
	pthread_mutex_init(&a.mtx, NULL);
	assert_int_equal(store_open(cur->url, POOL_SIZE, &a.s), PC_OK);
	assert_int_equal(store_kind(a.s), store_kind(cur->s));
	for (i = 0; i < POOL_THREADS; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, pool_thread, &a), 0);
	for (i = 0; i < POOL_THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(a.rc, PC_OK);
	assert_int_equal(a.done, POOL_THREADS * POOL_ROUNDS);
	assert_true(a.max_in_use >= 1 && a.max_in_use <= POOL_SIZE);
	assert_int_equal(a.in_use, 0);
	store_close(a.s);
	pthread_mutex_destroy(&a.mtx);
}

/*
 * A PostgreSQL server that restarts closes the sockets of the pool's idle
 * connections (here each backend is terminated, as a restart does). The
 * client notices only when it reads: each connection must be found dead
 * and made again when it is taken, not fail the caller's statement.
 */
static void
test_pool_reconnect(void **state)
{
	struct store *s = NULL;
	struct db *db[3] = { NULL, NULL, NULL }, *adm;
	int64_t pid[3], left = -1;
	char sql[256];
	size_t i;
	int k;

	assert_int_equal(store_open(cur->url, 3, &s), PC_OK);
	for (i = 0; i < 3; i++) { /* held at once: three connections */
		assert_int_equal(store_acquire(s, &db[i]), PC_OK);
		pid[i] = store_kind(s) == STORE_PG
		             ? count_rows(db[i], "SELECT pg_backend_pid()")
		             : count_rows(db[i], "SELECT 1");
	}
	for (i = 0; i < 3; i++)
		store_release(s, db[i]);
	if (store_kind(s) == STORE_PG) {
		adm = acq();
		snprintf(sql, sizeof(sql),
		    "SELECT count(pg_terminate_backend(pid)) FROM "
		    "pg_stat_activity WHERE pid IN (%lld, %lld, %lld)",
		    (long long)pid[0], (long long)pid[1], (long long)pid[2]);
		assert_int_equal(count_rows(adm, sql), 3);
		snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM pg_stat_activity WHERE pid IN "
		    "(%lld, %lld, %lld)",
		    (long long)pid[0], (long long)pid[1], (long long)pid[2]);
		for (k = 0; k < 100 && left != 0; k++) {
			left = count_rows(adm, sql);
			if (left != 0)
				usleep(50 * 1000);
		}
		store_release(cur->s, adm);
		assert_int_equal(left, 0);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_acquire(s, &db[i]), PC_OK);
		assert_int_equal(count_rows(db[i], "SELECT 1"), 1);
	}
	for (i = 0; i < 3; i++)
		store_release(s, db[i]);
	store_close(s);
}

/* ---- appearance profiles ------------------------------------------------- */

static enum pc_rc
approf_count_cb(void *arg, const struct store_approf *p)
{
	int *n = arg;

	/* The list gives the image's length, never its bytes. */
	if (p->image != NULL)
		return PC_EINTERNAL;
	*n += (int)p->image_len;
	return PC_OK;
}

static void
test_approf(void **state)
{
	static const uint8_t img[] = { 0x89, 'P', 'N', 'G', 0, 1, 2 };
	struct db *db = acq();
	struct store_approf p, g;
	int64_t n = -1;
	int len = 0;

	(void)state;
	exec_ok(db, "INSERT INTO users (id, email, given_name, surname, phone,"
	            " lang, status, created_at, updated_at) VALUES ('ua', "
	            "'a@x.ro', 'A',"
	            " 'B', '+40', 'ro', 'active', 1, 1), ('ub', 'b@x.ro', 'A',"
	            " 'B', '+40', 'ro', 'active', 1, 1)");
	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "p1");
	snprintf(p.user_id, sizeof(p.user_id), "ua");
	snprintf(p.name, sizeof(p.name), "Arhitect");
	p.lines = (char *)"[\"Nr. 12\"]";
	p.created_at = 5;
	assert_int_equal(store_approf_insert(db, &p, 10), PC_OK);
	assert_int_equal(store_approf_count(db, "ua", &n), PC_OK);
	assert_int_equal(n, 1);
	/* At the limit: refused, nothing inserted; no such user: refused. */
	snprintf(p.id, sizeof(p.id), "p2");
	assert_int_equal(store_approf_insert(db, &p, 1), PC_ELIMIT);
	snprintf(p.user_id, sizeof(p.user_id), "nobody");
	assert_int_not_equal(store_approf_insert(db, &p, 10), PC_OK);
	snprintf(p.user_id, sizeof(p.user_id), "ua");
	snprintf(p.id, sizeof(p.id), "p1");
	assert_int_equal(store_approf_count(db, "ua", &n), PC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_approf_get(db, "ua", "p1", &g), PC_OK);
	assert_string_equal(g.lines, "[\"Nr. 12\"]");
	assert_null(g.image);
	store_approf_cleanup(&g);
	/* Another user's: not found, not changed, not deleted. */
	assert_int_equal(store_approf_get(db, "ub", "p1", &g), PC_ENOTFOUND);
	assert_int_equal(
	    store_approf_image_set(db, "ub", "p1", img, sizeof(img)),
	    PC_ENOTFOUND);
	assert_int_equal(store_approf_delete(db, "ub", "p1"), PC_ENOTFOUND);
	assert_int_equal(
	    store_approf_image_set(db, "ua", "p1", img, sizeof(img)), PC_OK);
	assert_int_equal(store_approf_get(db, "ua", "p1", &g), PC_OK);
	assert_int_equal(g.image_len, sizeof(img));
	assert_memory_equal(g.image, img, sizeof(img));
	store_approf_cleanup(&g);
	assert_int_equal(
	    store_approf_each(db, "ua", approf_count_cb, &len), PC_OK);
	assert_int_equal(len, (int)sizeof(img));
	assert_int_equal(store_approf_delete(db, "ua", "p1"), PC_OK);
	assert_int_equal(store_approf_count(db, "ua", &n), PC_OK);
	assert_int_equal(n, 0);
	store_release(cur->s, db);
}

/* One insert of the race below, in its own transaction. */
struct approf_race {
	const char *id;
	enum pc_rc rc;
};

static void *
approf_race_thread(void *arg)
{
	struct approf_race *a = arg;
	struct store_approf p;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "%s", a->id);
	snprintf(p.user_id, sizeof(p.user_id), "ur");
	snprintf(p.name, sizeof(p.name), "R");
	p.lines = (char *)"[]";
	p.created_at = 7;
	rc = store_write_begin(cur->s, &db);
	if (rc == PC_OK)
		rc = store_approf_insert(db, &p, 2);
	a->rc = store_write_end(cur->s, db, rc);
	return NULL;
}

/*
 * The limit holds under parallel inserts: one transaction holds the last
 * place uncommitted while another tries; the second is refused once the
 * first commits (READ COMMITTED alone would let both in on PostgreSQL).
 */
static void
test_approf_race(void **state)
{
	struct db *db = acq(), *w = NULL;
	struct store_approf p;
	struct approf_race a = { "r3", PC_EINTERNAL };
	pthread_t t;
	int64_t n = -1;

	(void)state;
	exec_ok(db, "INSERT INTO users (id, email, given_name, surname, phone,"
	            " lang, status, created_at, updated_at) VALUES ('ur', "
	            "'r@x.ro', 'A', 'B', '+40', 'ro', 'active', 1, 1)");
	store_release(cur->s, db);
	memset(&p, 0, sizeof(p));
	snprintf(p.user_id, sizeof(p.user_id), "ur");
	snprintf(p.name, sizeof(p.name), "R");
	p.lines = (char *)"[]";
	snprintf(p.id, sizeof(p.id), "r1");
	assert_int_equal(store_write_begin(cur->s, &w), PC_OK);
	assert_int_equal(store_approf_insert(w, &p, 2), PC_OK);
	assert_int_equal(store_write_end(cur->s, w, PC_OK), PC_OK);
	/* The second place taken, not yet committed... */
	snprintf(p.id, sizeof(p.id), "r2");
	assert_int_equal(store_write_begin(cur->s, &w), PC_OK);
	assert_int_equal(store_approf_insert(w, &p, 2), PC_OK);
	/* ...while another insert runs (it waits for the lock). */
	assert_int_equal(pthread_create(&t, NULL, approf_race_thread, &a), 0);
	usleep(200 * 1000);
	assert_int_equal(store_write_end(cur->s, w, PC_OK), PC_OK);
	pthread_join(t, NULL);
	assert_int_equal(a.rc, PC_ELIMIT);
	db = acq();
	assert_int_equal(store_approf_count(db, "ur", &n), PC_OK);
	assert_int_equal(n, 2);
	store_release(cur->s, db);
}

/* ---- main ---------------------------------------------------------------- */

static const struct CMUnitTest suite[] = {
	cmocka_unit_test(test_open_errors),
	cmocka_unit_test_setup(test_migrations_idempotent, test_setup),
	cmocka_unit_test_setup(test_placeholders, test_setup),
	cmocka_unit_test_setup(test_cert_roundtrip, test_setup),
	cmocka_unit_test_setup(test_cert_revoke, test_setup),
	cmocka_unit_test_setup(test_cert_registry, test_setup),
	cmocka_unit_test_setup(test_renewals, test_setup),
	cmocka_unit_test_setup(test_approf, test_setup),
	cmocka_unit_test_setup(test_approf_race, test_setup),
	cmocka_unit_test_setup(test_crl, test_setup),
	cmocka_unit_test_setup(test_counters, test_setup),
	cmocka_unit_test_setup(test_settings, test_setup),
	cmocka_unit_test_setup(test_transactions, test_setup),
	cmocka_unit_test_setup(test_audit, test_setup),
	cmocka_unit_test_setup(test_audit_threads, test_setup),
	cmocka_unit_test_setup(test_audit_seal, test_setup),
	cmocka_unit_test_setup(test_pool_threads, test_setup),
	cmocka_unit_test_setup(test_pool_reconnect, test_setup),
};

static int
run_backend(struct backend *b)
{
	cur = b;
	printf("test_store: backend=%s\n", b->name);
	fflush(stdout);
	return cmocka_run_group_tests_name(
	           b->name, suite, group_setup, group_teardown) == 0
	           ? 0
	           : 1;
}

static void
sqlite_remove(struct backend *b)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(sfx); i++) {
		snprintf(path, sizeof(path), "%s/store.db%s", b->dir, sfx[i]);
		unlink(path);
	}
	rmdir(b->dir);
}

int
main(void)
{
	struct backend sq, pg;
	const char *tmp, *pgurl;
	int failed = 0;

	log_init("test_store");
	memset(&sq, 0, sizeof(sq));
	sq.name = "sqlite";
	tmp = getenv("TMPDIR");
	snprintf(sq.dir, sizeof(sq.dir), "%s/pecete-store-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(sq.dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sq.url, sizeof(sq.url), "sqlite:%s/store.db", sq.dir);
	cmocka_set_message_output(CM_OUTPUT_STDOUT);
	failed += run_backend(&sq);
	sqlite_remove(&sq);

	pgurl = getenv("PECETE_TEST_PG_URL");
	if (pgurl != NULL && pgurl[0] != '\0') {
		memset(&pg, 0, sizeof(pg));
		pg.name = "postgresql";
		snprintf(pg.url, sizeof(pg.url), "%s", pgurl);
		failed += run_backend(&pg);
	} else {
		printf(
		    "test_store: PECETE_TEST_PG_URL not set, PostgreSQL "
		    "not tested here (tests/integration/store_pg.sh does)\n");
	}
	return failed != 0 ? 1 : 0;
}
