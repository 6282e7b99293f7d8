/*
 * test_notify.c: notifications: every template in both languages, HTML
 * escaping, variable checks, enqueueing inside the caller's transaction
 * (a rollback leaves nothing), atomic claims, the retry schedule with a
 * gateway that does not answer, and the development outbox.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "notify/notify.h"
#include "store/store.h"
#include "store/store_outbox.h"

static char tmpdir[PATH_MAX - 64];

/* Variables that satisfy every template. */
static json_t *
all_vars(void)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "name", "Ioana", "link",
	    "https://pecete.example/a?t=abc&x=1", "code", "123456", "phone",
	    "+40 7** *** 678");
}

static bool
has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* ---- rendering ------------------------------------------------------ */

static void
test_every_template_renders(void **state)
{
	static const char *const langs[] = {"ro", "en"};
	struct notify_msg m;
	json_t *vars = all_vars();
	const char *id;
	size_t i, j, n = 0;

	for (i = 0; (id = notify_template_id(i)) != NULL; i++) {
		for (j = 0; j < 2; j++) {
			assert_int_equal(
			    notify_render(id, langs[j], vars, &m), PC_OK);
			assert_non_null(m.text);
			assert_true(strlen(m.text) > 20);
			assert_false(has(m.text, "{{"));
			assert_int_equal(m.ch, notify_template_channel(id));
			if (m.ch == NOTIFY_EMAIL) {
				assert_non_null(m.subject);
				assert_true(
				    strncmp(m.subject, "Pecete", 6) == 0);
				assert_null(strchr(m.subject, '\n'));
				assert_true(has(m.html, "<!DOCTYPE html>"));
				assert_true(
				    has(m.html, j == 0 ? "<html lang=\"ro\">"
				                       : "<html lang=\"en\">"));
				assert_false(has(m.html, "{{"));
				/* No external resources. */
				assert_false(has(m.html, "src="));
				assert_false(has(m.html, "<link"));
				assert_false(has(m.html, "url("));
				assert_false(has(m.html, "<script"));
			} else {
				assert_int_equal(m.ch, NOTIFY_SMS);
				assert_null(m.subject);
				assert_null(m.html);
				assert_true(strlen(m.text) <= 320);
			}
			notify_msg_cleanup(&m);
			n++;
		}
	}
	/* The 12 account templates and the two test ones. */
	assert_int_equal(n, 2 * 14);
	json_decref(vars);
}

static void
test_durations_and_language(void **state)
{
	struct notify_msg m;
	json_t *vars = all_vars();

	assert_int_equal(notify_render("invitation", "ro", vars, &m), PC_OK);
	assert_true(has(m.text, "48 de ore"));
	assert_true(has(m.subject, "activați"));
	notify_msg_cleanup(&m);
	assert_int_equal(notify_render("invitation", "en", vars, &m), PC_OK);
	assert_true(has(m.text, "48 hours"));
	notify_msg_cleanup(&m);
	assert_int_equal(notify_render("recovery_link", "ro", vars, &m), PC_OK);
	assert_true(has(m.text, "1 oră"));
	notify_msg_cleanup(&m);
	assert_int_equal(notify_render("recovery_link", "en", vars, &m), PC_OK);
	assert_true(has(m.text, "1 hour;"));
	notify_msg_cleanup(&m);
	assert_int_equal(
	    notify_render("activation_sms", "ro", vars, &m), PC_OK);
	assert_true(has(m.text, "123456"));
	assert_true(has(m.text, "valabil 10 minute."));
	notify_msg_cleanup(&m);
	assert_int_equal(notify_render("phone_change_sms", NULL, vars, &m),
	    PC_OK); /* NULL: Romanian */
	assert_true(has(m.text, "5 minute"));
	notify_msg_cleanup(&m);
	/* A caller's duration, as a number or digits. */
	json_object_set_new(vars, "minutes", json_string("30"));
	assert_int_equal(
	    notify_render("activation_sms", "ro", vars, &m), PC_OK);
	assert_true(has(m.text, "30 de minute"));
	notify_msg_cleanup(&m);
	json_object_set_new(vars, "minutes", json_integer(1));
	assert_int_equal(
	    notify_render("activation_sms", "en", vars, &m), PC_OK);
	assert_true(has(m.text, "valid for 1 minute."));
	notify_msg_cleanup(&m);
	json_object_set_new(vars, "minutes", json_integer(115));
	assert_int_equal(
	    notify_render("activation_sms", "ro", vars, &m), PC_OK);
	assert_true(has(m.text, "115 minute"));
	notify_msg_cleanup(&m);
	json_decref(vars);
}

static void
test_html_escaping(void **state)
{
	struct notify_msg m;
	json_t *vars = all_vars();
	struct buf b;

	json_object_set_new(
	    vars, "name", json_string("<script>alert(\"x\")</script> & 'Ana'"));
	json_object_set_new(vars, "link",
	    json_string("https://p.example/\"><img/src=x>?a=1&b=2"));
	assert_int_equal(notify_render("invitation", "en", vars, &m), PC_OK);
	assert_false(has(m.html, "<script>"));
	assert_false(has(m.html, "<img"));
	assert_true(has(m.html, "&lt;script&gt;alert(&quot;x&quot;)"
	                        "&lt;/script&gt; &amp; &#39;Ana&#39;"));
	assert_true(has(m.html, "href=\"https://p.example/&quot;&gt;&lt;img/"
	                        "src=x&gt;?a=1&amp;b=2\""));
	/* The text part is not HTML: values as given. */
	assert_true(has(m.text, "Hello <script>alert(\"x\")</script> & "
	                        "'Ana',"));
	notify_msg_cleanup(&m);
	buf_init(&b, 1024);
	notify_html_escape(&b, "a<b>&\"'");
	assert_string_equal((const char *)b.data, "a&lt;b&gt;&amp;&quot;&#39;");
	buf_cleanup(&b);
	json_decref(vars);
}

static void
test_bad_variables(void **state)
{
	struct notify_msg m;
	json_t *vars;

	assert_int_equal(
	    notify_render("no_such", "ro", NULL, &m), PC_ENOTFOUND);
	vars = all_vars();
	assert_int_equal(
	    notify_render("invitation", "de", vars, &m), PC_EINVAL);
	/* A link must be http(s): no javascript: in an href. */
	json_object_set_new(vars, "link", json_string("javascript:alert(1)"));
	assert_int_equal(
	    notify_render("invitation", "ro", vars, &m), PC_EINVAL);
	json_decref(vars);
	/* Missing variable. */
	vars = json_pack("{s:s}", "name", "Ioana");
	assert_int_equal(
	    notify_render("invitation", "ro", vars, &m), PC_EINVAL);
	assert_int_equal(
	    notify_render("activation_sms", "ro", vars, &m), PC_EINVAL);
	json_decref(vars);
	/* Control characters (a header injection in the subject). */
	vars = all_vars();
	json_object_set_new(vars, "name", json_string("A\r\nBcc: x@y.z"));
	assert_int_equal(
	    notify_render("password_changed", "ro", vars, &m), PC_EINVAL);
	/* Not a string. */
	json_object_set_new(vars, "name", json_pack("[i]", 1));
	assert_int_equal(
	    notify_render("password_changed", "ro", vars, &m), PC_EINVAL);
	/* An empty name is fine, an empty code is not. */
	json_object_set_new(vars, "name", json_string(""));
	assert_int_equal(
	    notify_render("password_changed", "ro", vars, &m), PC_OK);
	notify_msg_cleanup(&m);
	json_object_set_new(vars, "code", json_string(""));
	assert_int_equal(
	    notify_render("recovery_sms", "ro", vars, &m), PC_EINVAL);
	json_decref(vars);
}

static void
test_retry_schedule(void **state)
{
	assert_int_equal(notify_retry_delay(30, 1), 30);
	assert_int_equal(notify_retry_delay(30, 2), 60);
	assert_int_equal(notify_retry_delay(30, 3), 120);
	assert_int_equal(notify_retry_delay(30, 6), 960);
	assert_int_equal(notify_retry_delay(30, 12), NOTIFY_RETRY_MAX_S);
	assert_int_equal(notify_retry_delay(30, 1000), NOTIFY_RETRY_MAX_S);
	assert_int_equal(notify_retry_delay(1, 0), 1);
	assert_int_equal(notify_retry_delay(86400, 1), NOTIFY_RETRY_MAX_S);
}

/* ---- the outbox in a database --------------------------------------- */

struct fx {
	struct conf conf;
	struct store *s;
	char dir[PATH_MAX];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char url[PATH_MAX + 32];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/db.XXXXXX", tmpdir);
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(conf_defaults(&f->conf, f->dir), PC_OK);
	snprintf(url, sizeof(url), "sqlite:%s/pecete.db", f->dir);
	assert_int_equal(store_open(url, 2, &f->s), PC_OK);
	assert_int_equal(store_migrate(f->s), PC_OK);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 32];

	store_close(f->s);
	conf_free(&f->conf);
	snprintf(path, sizeof(path), "%s/pecete.db", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pecete.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/pecete.db-shm", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/token", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static enum pc_rc
count_cb(void *arg, const struct store_outbox *row)
{
	(*(int *)arg)++;
	return PC_OK;
}

static int
outbox_count(struct fx *f)
{
	struct db *db;
	int n = 0;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(
	    store_outbox_each(db, NULL, 1000, count_cb, &n), PC_OK);
	store_release(f->s, db);
	return n;
}

static void
test_enqueue_in_transaction(void **state)
{
	struct fx *f = *state;
	struct db *db;
	json_t *vars = all_vars();
	int64_t id = -1;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	/* Rolled back: nothing stays. */
	assert_int_equal(db_begin(db), PC_OK);
	assert_int_equal(notify_enqueue(db, NOTIFY_EMAIL, "ioana@example.ro",
	                     "invitation", "ro", vars, &id),
	    PC_OK);
	assert_true(id > 0);
	db_rollback(db);
	store_release(f->s, db);
	assert_int_equal(outbox_count(f), 0);
	/* Committed: one queued row. */
	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(db_begin(db), PC_OK);
	assert_int_equal(notify_enqueue(db, NOTIFY_SMS, "+40712345678",
	                     "activation_sms", "en", vars, &id),
	    PC_OK);
	assert_int_equal(db_commit(db), PC_OK);
	/* Refused before anything is stored. */
	assert_int_equal(notify_enqueue(db, NOTIFY_SMS, "+40712345678",
	                     "invitation", "ro", vars, NULL),
	    PC_EINVAL); /* an e-mail template on the SMS channel */
	assert_int_equal(notify_enqueue(db, NOTIFY_EMAIL, "not an address",
	                     "invitation", "ro", vars, NULL),
	    PC_EINVAL);
	assert_int_equal(
	    notify_enqueue(db, NOTIFY_EMAIL, "a@b.ro\r\nBcc: c@d.ro",
	        "invitation", "ro", vars, NULL),
	    PC_EINVAL);
	assert_int_equal(notify_enqueue(db, NOTIFY_SMS, "0712345678",
	                     "activation_sms", "ro", vars, NULL),
	    PC_EINVAL);
	assert_int_equal(notify_enqueue(db, NOTIFY_SMS, "+40712345678",
	                     "activation_sms", "ro", NULL, NULL),
	    PC_EINVAL); /* no code */
	store_release(f->s, db);
	assert_int_equal(outbox_count(f), 1);
	json_decref(vars);
}

static void
test_claim_is_exclusive(void **state)
{
	struct fx *f = *state;
	struct store_outbox r1, r2;
	struct db *db;
	json_t *vars = all_vars();
	int64_t id, n;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(notify_enqueue(db, NOTIFY_SMS, "+40712345678",
	                     "pairing_sms", "ro", vars, &id),
	    PC_OK);
	assert_int_equal(
	    store_outbox_claim(db, id, "aaaa", clock_now(), &r1), PC_OK);
	assert_int_equal(r1.attempts, 1);
	assert_string_equal(r1.status, OUTBOX_SENDING);
	assert_string_equal(r1.template_id, "pairing_sms");
	/* A second worker (node) cannot take it. */
	assert_int_equal(
	    store_outbox_claim(db, id, "bbbb", clock_now(), &r2), PC_ESTATE);
	/* Nor finish it with another token. */
	assert_int_equal(
	    store_outbox_mark_sent(db, id, "bbbb", "x", true, clock_now()),
	    PC_ESTATE);
	/* A stale claim is given back, and the old token is void. */
	assert_int_equal(
	    store_outbox_release_stale(db, clock_now() + 1, &n), PC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(
	    store_outbox_mark_sent(db, id, "aaaa", "x", true, clock_now()),
	    PC_ESTATE);
	assert_int_equal(
	    store_outbox_claim(db, id, "cccc", clock_now(), &r2), PC_OK);
	assert_int_equal(r2.attempts, 2);
	assert_int_equal(
	    store_outbox_mark_sent(db, id, "cccc", "x", true, clock_now()),
	    PC_OK);
	store_outbox_cleanup(&r1);
	store_outbox_cleanup(&r2);
	assert_int_equal(store_outbox_get(db, id, &r1), PC_OK);
	assert_string_equal(r1.status, OUTBOX_SENT);
	assert_string_equal(r1.vars, "{}"); /* codes wiped */
	store_outbox_cleanup(&r1);
	store_release(f->s, db);
	json_decref(vars);
}

/*
 * An SMS gateway that refuses connections: attempt 1 fails and is
 * retried after retry_base_s, not before; attempt 2 (= max_attempts)
 * marks the message failed and wipes its variables.
 */
static void
test_retry_then_failed(void **state)
{
	struct fx *f = *state;
	struct notify *n;
	struct notify_status st;
	struct store_outbox r;
	struct db *db;
	json_t *vars = all_vars();
	char path[PATH_MAX + 16];
	int64_t id, t0;
	int sent, failed;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/token", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("secret-token\n", fp);
	fclose(fp);
	chmod(path, 0600);
	free(f->conf.notify.sms_driver);
	f->conf.notify.sms_driver = strdup("sms-http");
	f->conf.notify.sms_url = strdup("http://127.0.0.1:1/send");
	f->conf.notify.sms_token_file = strdup(path);
	f->conf.notify.max_attempts = 2;
	f->conf.notify.retry_base_s = 2;
	f->conf.notify.timeout_s = 5;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(notify_enqueue(db, NOTIFY_SMS, "+40712345678",
	                     "recovery_sms", "ro", vars, &id),
	    PC_OK);
	store_release(f->s, db);
	assert_int_equal(notify_new(&f->conf, f->s, &n), PC_OK);
	t0 = clock_now();
	assert_int_equal(notify_run_once(n, &sent, &failed), PC_OK);
	assert_int_equal(sent, 0);
	assert_int_equal(failed, 0);
	assert_int_equal(notify_status_get(f->s, id, &st), PC_OK);
	assert_string_equal(st.status, "queued");
	assert_int_equal(st.attempts, 1);
	assert_true(st.next_at >= t0 + 2 && st.next_at <= clock_now() + 2);
	/* Not due yet: a second pass does nothing. */
	assert_int_equal(notify_run_once(n, &sent, &failed), PC_OK);
	assert_int_equal(notify_status_get(f->s, id, &st), PC_OK);
	assert_int_equal(st.attempts, 1);
	while (clock_now() < st.next_at)
		usleep(100 * 1000);
	assert_int_equal(notify_run_once(n, &sent, &failed), PC_OK);
	assert_int_equal(failed, 1);
	assert_int_equal(notify_status_get(f->s, id, &st), PC_OK);
	assert_string_equal(st.status, "failed");
	assert_int_equal(st.attempts, 2);
	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(store_outbox_get(db, id, &r), PC_OK);
	assert_string_equal(r.vars, "{}");
	assert_non_null(r.last_error);
	assert_false(has(r.last_error, "secret-token"));
	store_outbox_cleanup(&r);
	store_release(f->s, db);
	notify_free(n);
	json_decref(vars);
}

/* The outbox driver keeps the message for /dev/outbox. */
static void
test_outbox_driver_and_dev_listing(void **state)
{
	struct fx *f = *state;
	struct notify *n;
	struct notify_status st;
	struct db *db;
	struct buf b;
	json_t *vars = all_vars(), *doc, *msgs, *m0;
	json_error_t jerr;
	int64_t id1, id2;
	int sent;

	json_object_set_new(vars, "name", json_string("Ana <b>&</b>"));
	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(notify_enqueue(db, NOTIFY_EMAIL, "ana@example.ro",
	                     "invitation", "ro", vars, &id1),
	    PC_OK);
	assert_int_equal(notify_enqueue(db, NOTIFY_SMS, "+40712345678",
	                     "activation_sms", "en", vars, &id2),
	    PC_OK);
	store_release(f->s, db);
	assert_int_equal(notify_new(&f->conf, f->s, &n), PC_OK);
	assert_int_equal(notify_run_once(n, &sent, NULL), PC_OK);
	assert_int_equal(sent, 2);
	assert_int_equal(notify_status_get(f->s, id1, &st), PC_OK);
	assert_string_equal(st.status, "sent");
	assert_string_equal(st.driver, "outbox");
	notify_free(n);

	buf_init(&b, 1 << 20);
	assert_int_equal(notify_dev_outbox(f->s, true, 50, &b), PC_OK);
	doc = json_loads((const char *)b.data, 0, &jerr);
	assert_non_null(doc);
	msgs = json_object_get(doc, "messages");
	assert_int_equal(json_array_size(msgs), 2);
	m0 = json_array_get(msgs, 0); /* newest first */
	assert_int_equal(json_integer_value(json_object_get(m0, "id")), id2);
	assert_string_equal(
	    json_string_value(json_object_get(m0, "channel")), "sms");
	assert_true(
	    has(json_string_value(json_object_get(m0, "text")), "123456"));
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(m0, "vars"), "code")),
	    "123456");
	json_decref(doc);
	buf_reset(&b);
	assert_int_equal(notify_dev_outbox(f->s, false, 50, &b), PC_OK);
	assert_true(has((const char *)b.data, "<table"));
	assert_true(has((const char *)b.data, "Ana &lt;b&gt;&amp;&lt;/b&gt;"));
	assert_false(has((const char *)b.data, "<b>&</b>"));
	assert_true(has((const char *)b.data, "ana@example.ro"));
	buf_cleanup(&b);
	json_decref(vars);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_template_renders),
	    cmocka_unit_test(test_durations_and_language),
	    cmocka_unit_test(test_html_escaping),
	    cmocka_unit_test(test_bad_variables),
	    cmocka_unit_test(test_retry_schedule),
	    cmocka_unit_test_setup_teardown(
	        test_enqueue_in_transaction, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_claim_is_exclusive, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_retry_then_failed, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_outbox_driver_and_dev_listing, fx_setup, fx_teardown),
	};
	const char *t = getenv("TMPDIR");
	int rc;

	log_init("test_notify");
	snprintf(tmpdir, sizeof(tmpdir), "%s", t != NULL ? t : "/tmp");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
