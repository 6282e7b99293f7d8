/*
 * test_store_tables.c: the typed functions of the account, shop, outbox
 * and credential tables (all read and written through the row mapper), on
 * SQLite and, with PECETE_TEST_PG_URL (tests/integration/store_pg.sh),
 * PostgreSQL: every column round-trips, NULLs stay NULL, conditional
 * updates report what they did, migration 7 back-fills the consents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "store/store.h"
#include "store/store_account.h"
#include "store/store_credential.h"
#include "csc/csc_oauth.h"
#include "store/store_oauth.h"
#include "store/store_outbox.h"
#include "store/store_row.h"
#include "store/store_shop.h"
#include "store/store_token.h"
#include "support/tstore.h"

static struct store *s;
static struct db *db;

static int
group_setup(void **state)
{
	if (ts_store_fresh(ts_cur->url, 1, &s) != 0)
		return -1;
	return store_acquire(s, &db) == PC_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
	store_release(s, db);
	store_close(s);
	s = NULL;
	db = NULL;
	return 0;
}

/* A user with every field set; id and e-mail from n. */
static void
user_fill(struct store_user *u, int n)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%032x", n);
	u->email = (char *)(n == 1 ? "ana@example.ro" : "ion@example.ro");
	u->given_name = (char *)"Ana-Maria";
	u->surname = (char *)"Ionescu-Țepeș";
	u->phone = (char *)"+40722000111";
	u->lang = (char *)"ro";
	u->status = (char *)USER_STATUS_ACTIVE;
	u->password_hash = (char *)"$argon2id$v=19$m=65536,t=3,p=1$x$y";
	u->twofa_defer = NULL;
	u->twofa_defer_until = 1700000100;
	u->twofa_enabled = true;
	u->phone_verified_at = 1700000200;
	u->failed_logins = 2;
	u->locked_until = 0;
	u->created_at = 1700000000;
}

static int64_t
q1(const char *sql, const char *arg)
{
	int64_t v = -1;

	assert_int_equal(store_q_i64(db, &v, sql, "s", arg), PC_OK);
	return v;
}

/* ---- users --------------------------------------------------------- */

static void
test_users(void **state)
{
	struct store_user w, u;
	char role[16];
	bool locked = true;
	int i;

	user_fill(&w, 1);
	assert_int_equal(store_user_insert(db, &w), PC_OK);
	assert_int_equal(store_user_insert(db, &w), PC_EEXIST);
	assert_int_equal(store_user_get(db, w.id, &u), PC_OK);
	assert_string_equal(u.id, w.id);
	assert_string_equal(u.email, w.email);
	assert_string_equal(u.given_name, w.given_name);
	assert_string_equal(u.surname, w.surname);
	assert_string_equal(u.phone, w.phone);
	assert_string_equal(u.lang, "ro");
	assert_string_equal(u.status, USER_STATUS_ACTIVE);
	assert_string_equal(u.password_hash, w.password_hash);
	assert_null(u.twofa_defer);
	assert_int_equal(u.twofa_defer_until, 1700000100);
	assert_true(u.twofa_enabled);
	assert_int_equal(u.phone_verified_at, 1700000200);
	assert_int_equal(u.failed_logins, 2);
	assert_int_equal(u.created_at, 1700000000);
	assert_string_equal(u.role, "user"); /* the column's default */
	assert_null(u.consent_gdpr);
	assert_null(u.consent_app);
	store_user_cleanup(&u);
	assert_int_equal(
	    store_user_get_by_email(db, "ana@example.ro", &u), PC_OK);
	assert_string_equal(u.id, w.id);
	store_user_cleanup(&u);
	assert_int_equal(store_user_get(db, "nobody", &u), PC_ENOTFOUND);
	assert_null(u.email);

	/* Setters; the unknown user is PC_ENOTFOUND. */
	assert_int_equal(
	    store_user_set_twofa(db, w.id, false, "date", 9), PC_OK);
	assert_int_equal(store_user_set_status(db, w.id, "invited"), PC_OK);
	assert_int_equal(store_user_set_phone(db, w.id, "+40700", 5), PC_OK);
	assert_int_equal(store_user_set_password(db, w.id, NULL), PC_OK);
	assert_int_equal(store_user_role_set(db, w.email, "operator"), PC_OK);
	assert_int_equal(
	    store_user_set_consent(db, w.id, "gdpr_notice", "2"), PC_OK);
	assert_int_equal(
	    store_user_set_consent(db, w.id, "app_access", "1.1"), PC_OK);
	assert_int_equal(store_user_get(db, w.id, &u), PC_OK);
	assert_false(u.twofa_enabled);
	assert_string_equal(u.twofa_defer, "date");
	assert_int_equal(u.twofa_defer_until, 9);
	assert_string_equal(u.status, "invited");
	assert_string_equal(u.phone, "+40700");
	assert_int_equal(u.phone_verified_at, 5);
	assert_null(u.password_hash);
	assert_int_equal(u.failed_logins, 0); /* reset with the password */
	assert_string_equal(u.role, "operator");
	assert_string_equal(u.consent_gdpr, "2");
	assert_string_equal(u.consent_app, "1.1");
	store_user_cleanup(&u);
	assert_int_equal(
	    store_user_role_get(db, w.id, role, sizeof(role)), PC_OK);
	assert_string_equal(role, "operator");
	assert_int_equal(
	    store_user_set_consent(db, w.id, "gdpr_notice", NULL), PC_OK);
	assert_int_equal(
	    store_user_set_consent(db, w.id, "privacy", "1"), PC_EINVAL);
	assert_int_equal(
	    store_user_set_consent(db, "nobody", "app_access", "1"),
	    PC_ENOTFOUND);
	assert_int_equal(store_user_get(db, w.id, &u), PC_OK);
	assert_null(u.consent_gdpr);
	assert_string_equal(u.consent_app, "1.1");
	store_user_cleanup(&u);
	assert_int_equal(
	    store_user_set_status(db, "nobody", "x"), PC_ENOTFOUND);
	assert_int_equal(store_user_role_get(db, "nobody", role, sizeof(role)),
	    PC_ENOTFOUND);

	/* Sign-in failures counted in SQL: the third of three locks. */
	for (i = 1; i <= 3; i++) {
		assert_int_equal(
		    store_user_login_fail(db, w.id, 3, 1800000000, &locked),
		    PC_OK);
		assert_int_equal(locked, i == 3);
		assert_int_equal(store_user_get(db, w.id, &u), PC_OK);
		assert_int_equal(u.failed_logins, i == 3 ? 0 : i);
		assert_int_equal(u.locked_until, i == 3 ? 1800000000 : 0);
		store_user_cleanup(&u);
	}
	/* A failure after the lock counts again and keeps the lock. */
	assert_int_equal(
	    store_user_login_fail(db, w.id, 3, 1900000000, &locked), PC_OK);
	assert_false(locked);
	assert_int_equal(store_user_get(db, w.id, &u), PC_OK);
	assert_int_equal(u.failed_logins, 1);
	assert_int_equal(u.locked_until, 1800000000);
	store_user_cleanup(&u);
	assert_int_equal(store_user_login_ok(db, w.id), PC_OK);
	assert_int_equal(store_user_get(db, w.id, &u), PC_OK);
	assert_int_equal(u.failed_logins, 0);
	assert_int_equal(u.locked_until, 0);
	store_user_cleanup(&u);
	assert_int_equal(
	    store_user_login_fail(db, "nobody", 3, 1, &locked), PC_ENOTFOUND);
	assert_false(locked);
	assert_int_equal(store_user_login_ok(db, "nobody"), PC_ENOTFOUND);
}

/* ---- links, codes, sessions ----------------------------------------- */

static void
test_links_codes_sessions(void **state)
{
	struct store_user w;
	struct store_link l, lg;
	struct store_code c, cg;
	struct store_session ss, sg;

	user_fill(&w, 1);
	assert_int_equal(store_user_insert(db, &w), PC_OK);

	memset(&l, 0, sizeof(l));
	snprintf(l.token_hash, sizeof(l.token_hash), "%064x", 7);
	snprintf(l.kind, sizeof(l.kind), "recovery");
	snprintf(l.user_id, sizeof(l.user_id), "%s", w.id);
	l.created_at = 10;
	l.expires_at = 20;
	l.used_at = 99;    /* not written: a new link is unused */
	l.verified = true; /* nor this */
	assert_int_equal(store_link_insert(db, &l), PC_OK);
	assert_int_equal(store_link_get(db, l.token_hash, &lg), PC_OK);
	assert_string_equal(lg.kind, "recovery");
	assert_string_equal(lg.user_id, w.id);
	assert_int_equal(lg.created_at, 10);
	assert_int_equal(lg.expires_at, 20);
	assert_int_equal(lg.used_at, 0);
	assert_false(lg.verified);
	assert_int_equal(store_link_set_verified(db, l.token_hash), PC_OK);
	assert_int_equal(store_link_use(db, l.token_hash, 15), PC_OK);
	assert_int_equal(store_link_use(db, l.token_hash, 16), PC_ESTATE);
	assert_int_equal(store_link_get(db, l.token_hash, &lg), PC_OK);
	assert_true(lg.verified);
	assert_int_equal(lg.used_at, 15);
	assert_int_equal(store_link_get(db, "none", &lg), PC_ENOTFOUND);
	assert_int_equal(store_link_set_verified(db, "none"), PC_ENOTFOUND);

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "%032x", 1);
	snprintf(c.user_id, sizeof(c.user_id), "%s", w.id);
	snprintf(c.purpose, sizeof(c.purpose), "activation_sms");
	c.target = NULL;
	snprintf(c.salt, sizeof(c.salt), "%032x", 2);
	snprintf(c.hash, sizeof(c.hash), "%064x", 3);
	c.sent_at = 100;
	c.expires_at = 400;
	c.attempts = 5; /* not written */
	assert_int_equal(store_code_insert(db, &c), PC_OK);
	snprintf(c.id, sizeof(c.id), "%032x", 9);
	c.target = (char *)"+40722000111";
	c.sent_at = 200;
	assert_int_equal(store_code_insert(db, &c), PC_OK);
	assert_int_equal(
	    store_code_latest(db, w.id, "activation_sms", &cg), PC_OK);
	assert_string_equal(cg.id, c.id);
	assert_string_equal(cg.target, "+40722000111");
	assert_string_equal(cg.salt, c.salt);
	assert_string_equal(cg.hash, c.hash);
	assert_int_equal(cg.sent_at, 200);
	assert_int_equal(cg.expires_at, 400);
	assert_int_equal(cg.attempts, 0);
	store_code_cleanup(&cg);
	assert_int_equal(store_code_add_attempt(db, c.id), PC_OK);
	assert_int_equal(store_code_add_attempt(db, c.id), PC_OK);
	assert_int_equal(store_code_use(db, c.id, 300), PC_OK);
	assert_int_equal(store_code_use(db, c.id, 301), PC_ESTATE);
	assert_int_equal(
	    store_code_latest(db, w.id, "activation_sms", &cg), PC_OK);
	assert_int_equal(cg.attempts, 2);
	assert_int_equal(cg.used_at, 300);
	store_code_cleanup(&cg);
	/* A new code sent in the same second as the used one (ids are
	 * random: this one's sorts lower) is the latest. */
	snprintf(c.id, sizeof(c.id), "%032x", 0);
	assert_int_equal(store_code_insert(db, &c), PC_OK);
	assert_int_equal(
	    store_code_latest(db, w.id, "activation_sms", &cg), PC_OK);
	assert_string_equal(cg.id, c.id);
	assert_int_equal(cg.used_at, 0);
	store_code_cleanup(&cg);
	assert_int_equal(
	    store_code_latest(db, w.id, "other", &cg), PC_ENOTFOUND);
	assert_null(cg.target);
	/* The first code kept its NULL target. */
	assert_int_equal(q1("SELECT COUNT(*) FROM account_codes "
	                    "WHERE target IS NULL AND user_id = $1",
	                     w.id),
	    1);

	memset(&ss, 0, sizeof(ss));
	snprintf(ss.id_hash, sizeof(ss.id_hash), "%064x", 11);
	snprintf(ss.user_id, sizeof(ss.user_id), "%s", w.id);
	snprintf(ss.state, sizeof(ss.state), "password_ok");
	snprintf(ss.csrf, sizeof(ss.csrf), "%064x", 12);
	snprintf(ss.ip, sizeof(ss.ip), "2001:db8::1");
	ss.created_at = 1;
	ss.last_seen = 2;
	ss.flags = 4;
	assert_int_equal(store_session_insert(db, &ss), PC_OK);
	snprintf(ss.id_hash, sizeof(ss.id_hash), "%064x", 13);
	assert_int_equal(store_session_insert(db, &ss), PC_OK);
	snprintf(ss.state, sizeof(ss.state), "active");
	ss.flags = 1;
	ss.last_seen = 3;
	assert_int_equal(store_session_update(db, &ss), PC_OK);
	assert_int_equal(store_session_get(db, ss.id_hash, &sg), PC_OK);
	assert_string_equal(sg.user_id, w.id);
	assert_string_equal(sg.state, "active");
	assert_string_equal(sg.csrf, ss.csrf);
	assert_string_equal(sg.ip, "2001:db8::1");
	assert_int_equal(sg.created_at, 1);
	assert_int_equal(sg.last_seen, 3);
	assert_int_equal(sg.flags, 1);
	assert_int_equal(
	    store_session_delete_user(db, w.id, ss.id_hash), PC_OK);
	assert_int_equal(
	    q1("SELECT COUNT(*) FROM sessions WHERE user_id = $1", w.id), 1);
	assert_int_equal(store_session_delete(db, ss.id_hash), PC_OK);
	assert_int_equal(store_session_get(db, ss.id_hash, &sg), PC_ENOTFOUND);
	assert_int_equal(store_session_update(db, &ss), PC_ENOTFOUND);
}

/* ---- consents -------------------------------------------------------- */

struct consents {
	char line[8][64];
	int n;
};

static enum pc_rc
consent_fn(void *arg, const struct store_consent *c)
{
	struct consents *cs = arg;

	assert_true(cs->n < 8);
	snprintf(cs->line[cs->n++], sizeof(cs->line[0]), "%s %s %lld %s %lld",
	    c->kind, c->version, (long long)c->accepted_at, c->ip,
	    (long long)c->withdrawn_at);
	return PC_OK;
}

static void
test_consents(void **state)
{
	struct store_user w;
	struct consents cs;

	user_fill(&w, 1);
	assert_int_equal(store_user_insert(db, &w), PC_OK);
	assert_int_equal(store_consent_insert(db, w.id, CONSENT_GDPR_NOTICE,
	                     "1", 100, "10.0.0.1"),
	    PC_OK);
	assert_int_equal(
	    store_consent_insert(db, w.id, CONSENT_APP_ACCESS, "1", 110, NULL),
	    PC_OK);
	assert_int_equal(store_consent_insert(db, w.id, CONSENT_GDPR_NOTICE,
	                     "2", 120, "10.0.0.2"),
	    PC_OK);
	/* Every standing consent of the kind at once, the other kind kept. */
	assert_int_equal(
	    store_consent_withdraw(db, w.id, CONSENT_GDPR_NOTICE, 200), PC_OK);
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(store_consent_each(db, w.id, consent_fn, &cs), PC_OK);
	assert_int_equal(cs.n, 3);
	assert_string_equal(cs.line[0], "gdpr_notice 1 100 10.0.0.1 200");
	assert_string_equal(cs.line[1], "app_access 1 110  0");
	assert_string_equal(cs.line[2], "gdpr_notice 2 120 10.0.0.2 200");
	/* None left standing; a withdrawn one keeps its first time. */
	assert_int_equal(
	    store_consent_withdraw(db, w.id, CONSENT_GDPR_NOTICE, 220),
	    PC_ENOTFOUND);
	assert_int_equal(
	    store_consent_withdraw(db, w.id, "marketing", 220), PC_ENOTFOUND);
	assert_int_equal(
	    store_consent_withdraw(db, w.id, CONSENT_APP_ACCESS, 0), PC_EINVAL);
	/* Given again, withdrawn again: only the new one changes. */
	assert_int_equal(
	    store_consent_insert(db, w.id, CONSENT_GDPR_NOTICE, "3", 230, NULL),
	    PC_OK);
	assert_int_equal(
	    store_consent_withdraw(db, w.id, CONSENT_GDPR_NOTICE, 240), PC_OK);
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(store_consent_each(db, w.id, consent_fn, &cs), PC_OK);
	assert_int_equal(cs.n, 4);
	assert_string_equal(cs.line[0], "gdpr_notice 1 100 10.0.0.1 200");
	assert_string_equal(cs.line[1], "app_access 1 110  0");
	assert_string_equal(cs.line[2], "gdpr_notice 2 120 10.0.0.2 200");
	assert_string_equal(cs.line[3], "gdpr_notice 3 230  240");
}

/* Migration 7 back-fills users.consent_* from the consents table. */
static void
test_migration7_backfill(void **state)
{
	struct store_user a, b, u;
	int v = 0;

	user_fill(&a, 1);
	user_fill(&b, 2);
	assert_int_equal(store_user_insert(db, &a), PC_OK);
	assert_int_equal(store_user_insert(db, &b), PC_OK);
	/* Back to schema 6. */
	assert_int_equal(db_exec(db, "DROP INDEX consents_user_kind"), PC_OK);
	assert_int_equal(
	    db_exec(db, "ALTER TABLE users DROP COLUMN consent_gdpr"), PC_OK);
	assert_int_equal(
	    db_exec(db, "ALTER TABLE users DROP COLUMN consent_app"), PC_OK);
	assert_int_equal(
	    db_exec(db, "ALTER TABLE consents DROP COLUMN withdrawn_at"),
	    PC_OK);
	assert_int_equal(
	    db_exec(db, "DELETE FROM schema_migrations WHERE version = 7"),
	    PC_OK);
	assert_int_equal(
	    store_consent_insert(db, a.id, "gdpr_notice", "1", 100, NULL),
	    PC_OK);
	assert_int_equal(
	    store_consent_insert(db, a.id, "gdpr_notice", "3", 300, NULL),
	    PC_OK);
	assert_int_equal(
	    store_consent_insert(db, a.id, "gdpr_notice", "2", 200, NULL),
	    PC_OK);
	assert_int_equal(
	    store_consent_insert(db, a.id, "app_access", "7", 50, NULL), PC_OK);
	assert_int_equal(
	    store_consent_insert(db, b.id, "privacy", "1", 50, NULL), PC_OK);
	store_release(s, db);
	db = NULL;
	assert_int_equal(store_migrate(s), PC_OK);
	assert_int_equal(store_schema_version(s, &v), PC_OK);
	assert_true(v >= 7); /* 7 re-applied, later ones kept */
	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(store_user_get(db, a.id, &u), PC_OK);
	assert_string_equal(u.consent_gdpr, "3");
	assert_string_equal(u.consent_app, "7");
	store_user_cleanup(&u);
	assert_int_equal(store_user_get(db, b.id, &u), PC_OK);
	assert_null(u.consent_gdpr);
	assert_null(u.consent_app);
	store_user_cleanup(&u);
}

/* ---- rate limits and TOTP ------------------------------------------- */

static void
test_rate(void **state)
{
	int64_t n = -1;
	int i;

	for (i = 1; i <= 3; i++) {
		assert_int_equal(
		    store_rate_hit(db, "login:1.2.3.4", 600, &n), PC_OK);
		assert_int_equal(n, i);
	}
	assert_int_equal(store_rate_get(db, "login:1.2.3.4", 600, &n), PC_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_rate_get(db, "login:1.2.3.4", 660, &n), PC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_rate_purge(db, 601), PC_OK);
	assert_int_equal(store_rate_get(db, "login:1.2.3.4", 600, &n), PC_OK);
	assert_int_equal(n, 0);
}

static void
test_totp(void **state)
{
	static const uint8_t blob[] = { 0, 1, 2, 0xff, 0, 0x80 };
	struct store_user w;
	struct store_totp t;
	bool b = false;
	int i;

	user_fill(&w, 1);
	assert_int_equal(store_user_insert(db, &w), PC_OK);
	assert_int_equal(store_totp_get(db, w.id, &t), PC_ENOTFOUND);
	assert_int_equal(store_totp_activate(db, w.id, 1, 1), PC_ESTATE);
	assert_int_equal(
	    store_totp_put_pending(db, w.id, blob, sizeof(blob), 50), PC_OK);
	assert_int_equal(store_totp_get(db, w.id, &t), PC_OK);
	assert_null(t.active);
	assert_int_equal(t.active_len, 0);
	assert_int_equal(t.pending_len, sizeof(blob));
	assert_memory_equal(t.pending, blob, sizeof(blob));
	assert_int_equal(t.pending_at, 50);
	assert_false(t.qr_served);
	store_totp_cleanup(&t);
	assert_int_equal(store_totp_qr_take(db, w.id), PC_OK);
	assert_int_equal(store_totp_qr_take(db, w.id), PC_ESTATE);
	assert_int_equal(store_totp_activate(db, w.id, 10, 60), PC_OK);
	assert_int_equal(store_totp_activate(db, w.id, 10, 60), PC_ESTATE);
	assert_int_equal(store_totp_get(db, w.id, &t), PC_OK);
	assert_memory_equal(t.active, blob, sizeof(blob));
	assert_null(t.pending);
	assert_int_equal(t.last_step, 10);
	assert_int_equal(t.activated_at, 60);
	assert_true(t.qr_served);
	store_totp_cleanup(&t);

	/* A step is used once, and never an older one. */
	assert_int_equal(store_totp_use_step(db, w.id, 10, &b), PC_OK);
	assert_false(b);
	assert_int_equal(store_totp_use_step(db, w.id, 11, &b), PC_OK);
	assert_true(b);
	assert_int_equal(store_totp_use_step(db, w.id, 11, &b), PC_OK);
	assert_false(b);
	assert_int_equal(store_totp_use_step(db, "nobody", 99, &b), PC_OK);
	assert_false(b);

	/* Failures counted in SQL; the third locks and resets the count. */
	for (i = 1; i <= 3; i++) {
		assert_int_equal(store_totp_fail(db, w.id, 3, 5000, &b), PC_OK);
		assert_int_equal(b, i == 3);
		assert_int_equal(store_totp_get(db, w.id, &t), PC_OK);
		assert_int_equal(t.failures, i == 3 ? 0 : i);
		assert_int_equal(t.locked_until, i == 3 ? 5000 : 0);
		assert_int_equal(t.last_step, 11);
		store_totp_cleanup(&t);
	}
	assert_int_equal(store_totp_fail(db, w.id, 3, 6000, &b), PC_OK);
	assert_false(b);
	/* A used step clears failures and the lock. */
	assert_int_equal(store_totp_use_step(db, w.id, 12, &b), PC_OK);
	assert_true(b);
	assert_int_equal(store_totp_get(db, w.id, &t), PC_OK);
	assert_int_equal(t.failures, 0);
	assert_int_equal(t.locked_until, 0);
	assert_int_equal(t.last_step, 12);
	store_totp_cleanup(&t);
	assert_int_equal(store_totp_fail(db, "nobody", 3, 1, &b), PC_ENOTFOUND);
	assert_int_equal(store_totp_set_counters(db, w.id, 20, 1, 2), PC_OK);
	assert_int_equal(store_totp_get(db, w.id, &t), PC_OK);
	assert_int_equal(t.last_step, 20);
	assert_int_equal(t.failures, 1);
	assert_int_equal(t.locked_until, 2);
	store_totp_cleanup(&t);
}

/* ---- shop ------------------------------------------------------------ */

struct codes {
	char s[8][80];
	int n;
};

static enum pc_rc
pkg_fn(void *arg, const struct store_package *p)
{
	struct codes *c = arg;

	snprintf(c->s[c->n++], sizeof(c->s[0]), "%s:%s:%d", p->code, p->name,
	    p->active);
	return PC_OK;
}

static enum pc_rc
promo_fn(void *arg, const struct store_promo *p)
{
	struct codes *c = arg;

	snprintf(c->s[c->n++], sizeof(c->s[0]), "%s:%s:%lld:%s", p->code,
	    p->kind, (long long)p->used, p->packages);
	return PC_OK;
}

static enum pc_rc
order_fn(void *arg, const struct store_order *o)
{
	struct codes *c = arg;

	snprintf(c->s[c->n++], sizeof(c->s[0]), "%s:%s:%s", o->number, o->email,
	    o->promo);
	return PC_OK;
}

static void
order_fill(struct store_order *o, const char *uid, int n)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%024x", n);
	snprintf(o->number, sizeof(o->number), "PC-%04d", n);
	snprintf(o->user_id, sizeof(o->user_id), "%s", uid);
	snprintf(o->state, sizeof(o->state), "awaiting_payment");
	snprintf(o->package, sizeof(o->package), "pecete1");
	o->list_cents = 3900;
	o->discount_cents = 390;
	o->net_cents = 3510;
	o->vat_bp = 2100;
	o->vat_cents = 737;
	o->total_cents = 4247;
	o->rate_e4 = 49770;
	snprintf(o->rate_day, sizeof(o->rate_day), "2026-11-30");
	o->rate_fallback = true;
	o->total_bani = 21137;
	o->invoice_data = (char *)"{\"name\":\"Ana\"}";
	o->accepted_at = 1000 + n;
	o->marketing = n % 2 == 0;
	o->created_at = 2000 + n;
	o->updated_at = 1; /* not written: updated_at = created_at */
}

static void
test_shop(void **state)
{
	struct store_user w;
	struct store_package p;
	struct store_promo pr;
	struct store_order o, g;
	struct store_order_filter f;
	struct codes c;
	char day[11], st[24], prov[24];
	int64_t e4 = 0, at = 0;

	/* Packages (migration 5 seeds three). */
	memset(&p, 0, sizeof(p));
	snprintf(p.code, sizeof(p.code), "test9");
	p.name = (char *)"Test";
	p.years = 9;
	p.transactions = 9000;
	p.net_cents = 9;
	p.description = (char *)"";
	p.active = false;
	p.sort = 99;
	assert_int_equal(store_shop_package_put(db, &p), PC_OK);
	p.name = (char *)"Test 9";
	assert_int_equal(store_shop_package_put(db, &p), PC_OK);
	assert_int_equal(store_shop_package_get(db, "test9", &p), PC_OK);
	assert_string_equal(p.name, "Test 9");
	assert_string_equal(p.description, "");
	assert_int_equal(p.years, 9);
	assert_int_equal(p.transactions, 9000);
	assert_false(p.active);
	assert_int_equal(p.sort, 99);
	store_package_cleanup(&p);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_shop_package_each(db, false, pkg_fn, &c), PC_OK);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.s[0], "pecete1:Pecete 1:1");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_shop_package_each(db, true, pkg_fn, &c), PC_OK);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.s[3], "test9:Test 9:0");
	assert_int_equal(store_shop_package_get(db, "none", &p), PC_ENOTFOUND);

	/* Promo codes: added unused and active; the limit in one UPDATE. */
	memset(&pr, 0, sizeof(pr));
	snprintf(pr.code, sizeof(pr.code), "VARA10");
	pr.kind = (char *)"percent";
	pr.value = 1000;
	pr.valid_from = 1;
	pr.valid_to = 2;
	pr.max_uses = 2;
	pr.used = 7;        /* not written */
	pr.packages = NULL; /* every package: "" */
	pr.created_at = 3;
	assert_int_equal(store_shop_promo_add(db, &pr), PC_OK);
	assert_int_equal(store_shop_promo_add(db, &pr), PC_EEXIST);
	assert_int_equal(store_shop_promo_use(db, "VARA10"), PC_OK);
	assert_int_equal(store_shop_promo_use(db, "VARA10"), PC_OK);
	assert_int_equal(store_shop_promo_use(db, "VARA10"), PC_ELIMIT);
	assert_int_equal(store_shop_promo_disable(db, "VARA10"), PC_OK);
	assert_int_equal(store_shop_promo_disable(db, "NONE"), PC_ENOTFOUND);
	assert_int_equal(store_shop_promo_get(db, "VARA10", &pr), PC_OK);
	assert_string_equal(pr.kind, "percent");
	assert_string_equal(pr.packages, "");
	assert_int_equal(pr.used, 2);
	assert_false(pr.active);
	assert_int_equal(pr.valid_to, 2);
	store_promo_cleanup(&pr);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_shop_promo_each(db, promo_fn, &c), PC_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.s[0], "VARA10:percent:2:");

	/* FX. */
	assert_int_equal(store_fx_latest(db, day, &e4, &at), PC_ENOTFOUND);
	assert_int_equal(store_fx_put(db, "2026-11-29", 49700, 5), PC_OK);
	assert_int_equal(store_fx_put(db, "2026-11-30", 49770, 6), PC_OK);
	assert_int_equal(store_fx_put(db, "2026-11-29", 49701, 7), PC_OK);
	assert_int_equal(store_fx_latest(db, day, &e4, &at), PC_OK);
	assert_string_equal(day, "2026-11-30");
	assert_int_equal(e4, 49770);
	assert_int_equal(at, 6);

	/* Orders, with the user's e-mail and the invoice joined. */
	user_fill(&w, 1);
	assert_int_equal(store_user_insert(db, &w), PC_OK);
	order_fill(&o, w.id, 1);
	assert_int_equal(store_shop_order_insert(db, &o), PC_OK);
	order_fill(&o, w.id, 2);
	snprintf(o.promo, sizeof(o.promo), "VARA10");
	assert_int_equal(store_shop_order_insert(db, &o), PC_OK);
	assert_int_equal(q1("SELECT COUNT(*) FROM shop_orders WHERE "
	                    "promo IS NULL AND user_id = $1",
	                     w.id),
	    1);
	assert_int_equal(store_shop_order_get(db, o.id, &g), PC_OK);
	assert_string_equal(g.number, "PC-0002");
	assert_string_equal(g.user_id, w.id);
	assert_string_equal(g.state, "awaiting_payment");
	assert_string_equal(g.promo, "VARA10");
	assert_int_equal(g.list_cents, 3900);
	assert_int_equal(g.discount_cents, 390);
	assert_int_equal(g.net_cents, 3510);
	assert_int_equal(g.vat_bp, 2100);
	assert_int_equal(g.vat_cents, 737);
	assert_int_equal(g.total_cents, 4247);
	assert_int_equal(g.rate_e4, 49770);
	assert_string_equal(g.rate_day, "2026-11-30");
	assert_true(g.rate_fallback);
	assert_int_equal(g.total_bani, 21137);
	assert_string_equal(g.invoice_data, "{\"name\":\"Ana\"}");
	assert_int_equal(g.accepted_at, 1002);
	assert_true(g.marketing);
	assert_string_equal(g.provider, "");
	assert_string_equal(g.provider_ref, "");
	assert_int_equal(g.created_at, 2002);
	assert_int_equal(g.updated_at, 2002);
	assert_int_equal(g.paid_at, 0);
	assert_string_equal(g.inv_series, "");
	assert_int_equal(g.inv_number, 0);
	assert_string_equal(g.email, "ana@example.ro");
	store_order_cleanup(&g);

	assert_int_equal(store_shop_order_set_state(
	                     db, o.id, "paid", "x", NULL, NULL, 0, 3000),
	    PC_ESTATE);
	assert_int_equal(
	    store_shop_order_set_state(db, o.id, "awaiting_payment", "paid",
	        "netopia", "NTP-1", 2500, 3000),
	    PC_OK);
	assert_int_equal(
	    store_shop_invoice_insert(db, o.id, "PCT", 2026, 17, 3100), PC_OK);
	assert_int_equal(
	    store_shop_invoice_insert(db, o.id, "PCT", 2026, 18, 3100),
	    PC_EEXIST);
	assert_int_equal(store_shop_payment_add(db, "netopia", "NTP-1", "paid",
	                     o.id, 21137, "RON", 2400),
	    PC_OK);
	assert_int_equal(store_shop_payment_add(db, "netopia", "NTP-1", "paid",
	                     o.id, 21137, "RON", 2401),
	    PC_EEXIST);
	assert_int_equal(store_shop_payment_last(
	                     db, o.id, st, sizeof(st), prov, sizeof(prov)),
	    PC_OK);
	assert_string_equal(st, "paid");
	assert_string_equal(prov, "netopia");
	assert_int_equal(store_shop_payment_last(
	                     db, "none", st, sizeof(st), prov, sizeof(prov)),
	    PC_ENOTFOUND);
	assert_int_equal(store_shop_order_get(db, o.id, &g), PC_OK);
	assert_string_equal(g.state, "paid");
	assert_string_equal(g.provider, "netopia");
	assert_string_equal(g.provider_ref, "NTP-1");
	assert_int_equal(g.paid_at, 2500);
	assert_int_equal(g.updated_at, 3000);
	assert_string_equal(g.inv_series, "PCT");
	assert_int_equal(g.inv_year, 2026);
	assert_int_equal(g.inv_number, 17);
	assert_int_equal(g.inv_issued_at, 3100);
	store_order_cleanup(&g);
	assert_int_equal(store_shop_order_get(db, "none", &g), PC_ENOTFOUND);

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_shop_order_each(db, &f, order_fn, &c), PC_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.s[0], "PC-0002:ana@example.ro:VARA10");
	assert_string_equal(c.s[1], "PC-0001:ana@example.ro:");
	f.state = "paid";
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_shop_order_each(db, &f, order_fn, &c), PC_OK);
	assert_int_equal(c.n, 1);
	f.state = NULL;
	f.q = "0001";
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_shop_order_each(db, &f, order_fn, &c), PC_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.s[0], "PC-0001:ana@example.ro:");
	f.q = NULL;
	f.user_id = "nobody";
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_shop_order_each(db, &f, order_fn, &c), PC_OK);
	assert_int_equal(c.n, 0);
}

/* ---- outbox ------------------------------------------------------------ */

struct ids {
	int64_t id[8];
	int n;
};

static enum pc_rc
outbox_fn(void *arg, const struct store_outbox *r)
{
	struct ids *x = arg;

	x->id[x->n++] = r->id;
	return PC_OK;
}

static void
test_outbox(void **state)
{
	static const uint8_t pdf[] = { '%', 'P', 'D', 'F', 0, 1, 2 };
	struct store_outbox r;
	struct store_outbox_att *a = NULL, one;
	struct ids x;
	int64_t id1 = 0, id2 = 0, ids[4], n = 0;
	size_t cnt = 0;

	assert_int_equal(
	    store_outbox_insert(db, "email", "ana@example.ro", "activation",
	        "ro", "{\"code\":\"123\"}", 100, &id1),
	    PC_OK);
	assert_int_equal(store_outbox_insert(db, "sms", "+40722000111", "code",
	                     "en", "{}", 200, &id2),
	    PC_OK);
	assert_true(id2 > id1);
	assert_int_equal(store_outbox_due(db, 150, ids, 4, &cnt), PC_OK);
	assert_int_equal(cnt, 1);
	assert_int_equal(ids[0], id1);
	assert_int_equal(store_outbox_due(db, 300, ids, 1, &cnt), PC_OK);
	assert_int_equal(cnt, 1);

	assert_int_equal(store_outbox_claim(db, id1, "tok1", 160, &r), PC_OK);
	assert_int_equal(r.id, id1);
	assert_string_equal(r.status, OUTBOX_SENDING);
	assert_string_equal(r.template_id, "activation");
	assert_string_equal(r.vars, "{\"code\":\"123\"}");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.sent_at, 0);
	assert_null(r.driver);
	assert_null(r.last_error);
	store_outbox_cleanup(&r);
	assert_int_equal(
	    store_outbox_claim(db, id1, "tok2", 161, &r), PC_ESTATE);
	assert_null(r.channel);
	assert_int_equal(
	    store_outbox_mark_sent(db, id1, "wrong", "smtp", true, 170),
	    PC_ESTATE);
	assert_int_equal(
	    store_outbox_mark_sent(db, id1, "tok1", "smtp", true, 170), PC_OK);
	assert_int_equal(store_outbox_get(db, id1, &r), PC_OK);
	assert_string_equal(r.status, OUTBOX_SENT);
	assert_string_equal(r.vars, "{}");
	assert_string_equal(r.driver, "smtp");
	assert_int_equal(r.sent_at, 170);
	assert_int_equal(r.created_at, 100);
	assert_string_equal(r.channel, "email");
	assert_string_equal(r.recipient, "ana@example.ro");
	assert_string_equal(r.lang, "ro");
	store_outbox_cleanup(&r);

	assert_int_equal(store_outbox_claim(db, id2, "tok3", 210, &r), PC_OK);
	store_outbox_cleanup(&r);
	assert_int_equal(
	    store_outbox_mark_retry(db, id2, "tok3", 400, "timeout"), PC_OK);
	assert_int_equal(store_outbox_claim(db, id2, "tok4", 410, &r), PC_OK);
	assert_int_equal(r.attempts, 2);
	assert_string_equal(r.last_error, "timeout");
	store_outbox_cleanup(&r);
	assert_int_equal(store_outbox_release_stale(db, 411, &n), PC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_claim(db, id2, "tok5", 420, &r), PC_OK);
	store_outbox_cleanup(&r);
	assert_int_equal(
	    store_outbox_mark_failed(db, id2, "tok5", "gave up"), PC_OK);
	assert_int_equal(store_outbox_get(db, id2, &r), PC_OK);
	assert_string_equal(r.status, OUTBOX_FAILED);
	assert_string_equal(r.last_error, "gave up");
	store_outbox_cleanup(&r);
	assert_int_equal(store_outbox_get(db, 9999, &r), PC_ENOTFOUND);

	memset(&x, 0, sizeof(x));
	assert_int_equal(store_outbox_each(db, NULL, 10, outbox_fn, &x), PC_OK);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.id[0], id2);
	memset(&x, 0, sizeof(x));
	assert_int_equal(
	    store_outbox_each(db, "smtp", 10, outbox_fn, &x), PC_OK);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.id[0], id1);

	/* Attachments: bytes with NULs, an empty one, with and without data. */
	assert_int_equal(store_outbox_att_insert(db, id1, 0, "a.pdf",
	                     "application/pdf", pdf, sizeof(pdf)),
	    PC_OK);
	assert_int_equal(store_outbox_att_insert(
	                     db, id1, 1, "empty.txt", "text/plain", NULL, 0),
	    PC_OK);
	assert_int_equal(
	    store_outbox_att_list(db, id1, false, &a, &cnt), PC_OK);
	assert_int_equal(cnt, 2);
	assert_string_equal(a[0].filename, "a.pdf");
	assert_null(a[0].data);
	assert_int_equal(a[0].len, sizeof(pdf));
	assert_int_equal(a[1].len, 0);
	store_outbox_att_free(a, cnt);
	assert_int_equal(store_outbox_att_list(db, id1, true, &a, &cnt), PC_OK);
	assert_int_equal(cnt, 2);
	assert_memory_equal(a[0].data, pdf, sizeof(pdf));
	assert_string_equal(a[1].content_type, "text/plain");
	assert_non_null(a[1].data);
	assert_int_equal(a[1].len, 0);
	store_outbox_att_free(a, cnt);
	assert_int_equal(store_outbox_att_get(db, id1, 0, &one), PC_OK);
	assert_int_equal(one.outbox_id, id1);
	assert_int_equal(one.len, sizeof(pdf));
	assert_memory_equal(one.data, pdf, sizeof(pdf));
	store_outbox_att_cleanup(&one);
	assert_int_equal(store_outbox_att_get(db, id1, 5, &one), PC_ENOTFOUND);
	assert_int_equal(store_outbox_att_delete(db, id1, &n), PC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_outbox_att_list(db, id1, true, &a, &cnt), PC_OK);
	assert_null(a);
	assert_int_equal(cnt, 0);
}

/* ---- credentials ------------------------------------------------------ */

static void
test_credentials(void **state)
{
	struct store_credential c, g;
	int64_t n = 0;

	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), "1a2b");
	snprintf(c.holder, sizeof(c.holder), "holder-1");
	c.transactions_left = 3;
	c.created_at = 50;
	assert_int_equal(store_credential_insert(db, &c), PC_OK);
	assert_int_equal(store_credential_insert(db, &c), PC_EEXIST);
	assert_int_equal(q1("SELECT COUNT(*) FROM credentials WHERE "
	                    "serial = $1 AND user_id IS NULL",
	                     "1a2b"),
	    1);
	assert_int_equal(store_credential_get(db, "1a2b", &g), PC_OK);
	assert_string_equal(g.holder, "holder-1");
	assert_string_equal(g.user_id, "");
	assert_int_equal(g.transactions_left, 3);
	assert_int_equal(g.created_at, 50);
	assert_int_equal(g.updated_at, 50);
	assert_int_equal(store_credential_spend(db, "1a2b", 2, 60), PC_OK);
	assert_int_equal(store_credential_spend(db, "1a2b", 2, 61), PC_ELIMIT);
	assert_int_equal(
	    store_credential_spend(db, "none", 1, 61), PC_ENOTFOUND);
	assert_int_equal(store_credential_get(db, "1a2b", &g), PC_OK);
	assert_int_equal(g.transactions_left, 1);
	assert_int_equal(g.updated_at, 60);
	assert_int_equal(store_credential_get(db, "none", &g), PC_ENOTFOUND);
	assert_int_equal(
	    store_signature_add(db, "1a2b", STORE_SIG_KIND_SIGN, "ab", 70),
	    PC_OK);
	assert_int_equal(
	    store_signature_add(db, "1a2b", STORE_SIG_KIND_TIMESTAMP, "cd", 70),
	    PC_OK);
	assert_int_equal(store_signature_count(db, "1a2b", NULL, &n), PC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(
	    store_signature_count(db, "1a2b", STORE_SIG_KIND_SIGN, &n), PC_OK);
	assert_int_equal(n, 1);
	snprintf(c.serial, sizeof(c.serial), "3c4d");
	snprintf(c.user_id, sizeof(c.user_id), "user-7");
	assert_int_equal(store_credential_insert(db, &c), PC_OK);
	assert_int_equal(store_credential_get(db, "3c4d", &g), PC_OK);
	assert_string_equal(g.user_id, "user-7");
}

/* Each test starts from an empty schema. */
/* ---- OAuth2 housekeeping ------------------------------------------ */

static void
req_fill(struct store_oauth_req *q, const char *id, int64_t expires)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->id, sizeof(q->id), "%s", id);
	snprintf(q->code_hash, sizeof(q->code_hash), "%064d", (int)expires);
	snprintf(q->client_id, sizeof(q->client_id), "client-1");
	q->redirect_uri = (char *)"https://app.example/cb";
	snprintf(q->scope, sizeof(q->scope), "credential");
	q->state = (char *)"the client's state";
	snprintf(q->challenge, sizeof(q->challenge), "%043d", 7);
	q->details = (char *)"{\"labels\":[\"Contract.pdf\"]}";
	q->num = 1;
	snprintf(q->sad_enc, sizeof(q->sad_enc), "%064d", 9);
	snprintf(q->status, sizeof(q->status), "used");
	q->created_at = 10;
	q->expires_at = expires;
}

static void
test_oauth_housekeeping(void **state)
{
	struct store_oauth_req q;
	struct store_oauth_refresh r;
	struct store_token t;
	struct pc_env e;
	int64_t n = -1;
	char ch[65];

	(void)state;
	req_fill(&q, "req-used", 200000);
	assert_int_equal(store_oauth_req_insert(db, &q), PC_OK);
	req_fill(&q, "req-old", 900);
	assert_int_equal(store_oauth_req_insert(db, &q), PC_OK);
	/* At use: the state, the documents and the masked SAD go. */
	assert_int_equal(store_oauth_req_scrub(db, "req-used"), PC_OK);
	assert_int_equal(q1("SELECT COUNT(*) FROM oauth_requests WHERE id = $1"
	                    " AND state IS NULL AND details IS NULL AND"
	                    " sad_enc IS NULL AND code_hash IS NOT NULL",
	                     "req-used"),
	    1);
	assert_int_equal(store_oauth_req_scrub(db, "none"), PC_ENOTFOUND);
	snprintf(ch, sizeof(ch), "%064d", 200000);
	assert_int_equal(store_oauth_req_get(db, "code_hash", ch, &q), PC_OK);
	assert_string_equal(q.status, "used");
	assert_null(q.state);
	assert_null(q.details);
	assert_string_equal(q.sad_enc, "");
	store_oauth_req_cleanup(&q);

	memset(&r, 0, sizeof(r));
	snprintf(r.hash, sizeof(r.hash), "%064d", 1);
	snprintf(r.grant_id, sizeof(r.grant_id), "grant-1");
	r.created_at = 10;
	r.expires_at = 900;
	assert_int_equal(store_oauth_refresh_insert(db, &r), PC_OK);
	snprintf(r.hash, sizeof(r.hash), "%064d", 2);
	r.expires_at = 200000;
	assert_int_equal(store_oauth_refresh_insert(db, &r), PC_OK);

	memset(&t, 0, sizeof(t));
	snprintf(t.hash, sizeof(t.hash), "%064d", 3);
	snprintf(t.user_id, sizeof(t.user_id), "u1");
	snprintf(t.scope, sizeof(t.scope), "service");
	t.created_at = 10;
	t.expires_at = 100; /* more than a day before the pass */
	assert_int_equal(store_token_insert(db, &t), PC_OK);
	snprintf(t.hash, sizeof(t.hash), "%064d", 4);
	t.expires_at = 99000; /* ended, but less than a day ago */
	assert_int_equal(store_token_insert(db, &t), PC_OK);

	/* The job's pass at 100000: what ended goes (access tokens a day
	 * after), what lives stays. */
	memset(&e, 0, sizeof(e));
	e.store = s;
	store_release(s, db);
	db = NULL;
	assert_int_equal(oauth_purge(&e, 100000, &n), PC_OK);
	assert_int_equal(n, 3); /* req-old, refresh 1, token 3 */
	assert_int_equal(store_acquire(s, &db), PC_OK);
	assert_int_equal(
	    q1("SELECT COUNT(*) FROM oauth_requests WHERE id <> $1",
	        "req-used"),
	    0);
	assert_int_equal(
	    q1("SELECT COUNT(*) FROM oauth_refresh WHERE hash <> $1", "x"), 1);
	assert_int_equal(
	    q1("SELECT COUNT(*) FROM api_tokens WHERE hash <> $1", "x"), 1);
	store_release(s, db);
	db = NULL;
	assert_int_equal(oauth_purge(&e, 300000, &n), PC_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_acquire(s, &db), PC_OK);
}

static int
test_setup(void **state)
{
	store_release(s, db);
	db = NULL;
	store_close(s);
	s = NULL;
	return group_setup(state);
}

static const struct CMUnitTest suite[] = {
	cmocka_unit_test_setup(test_users, test_setup),
	cmocka_unit_test_setup(test_links_codes_sessions, test_setup),
	cmocka_unit_test_setup(test_consents, test_setup),
	cmocka_unit_test_setup(test_migration7_backfill, test_setup),
	cmocka_unit_test_setup(test_rate, test_setup),
	cmocka_unit_test_setup(test_totp, test_setup),
	cmocka_unit_test_setup(test_shop, test_setup),
	cmocka_unit_test_setup(test_outbox, test_setup),
	cmocka_unit_test_setup(test_credentials, test_setup),
	cmocka_unit_test_setup(test_oauth_housekeeping, test_setup),
};

int
main(void)
{
	return ts_store_main("test_store_tables", suite, PC_ARRAY_LEN(suite),
	    group_setup, group_teardown);
}
