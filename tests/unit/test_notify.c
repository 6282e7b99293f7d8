/*
 * test_notify.c: notifications: every template in both languages, HTML
 * escaping, variable checks, enqueueing inside the caller's transaction
 * (a rollback leaves nothing), atomic claims, the retry schedule with a
 * gateway that does not answer, and the development outbox.
 * Attachments: limits, filename sanitising, rollback, the MIME message
 * the SMTP driver sends (to a minimal SMTP server thread below), and the
 * development outbox's listing and download.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

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
	return json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
	    "ref", "10b2a56a3812aa721f76d7cb9596b7b0", "kind",
	    "a message to the provider", "answer", "We corrected it.", "name",
	    "Ioana", "serial", "4f1a2b", "date", "2027-12-01", "days", "45",
	    "reason", "The document is not legible.", "note",
	    "Please use more light.", "link",
	    "https://pecete.example/a?t=abc&x=1", "code", "123456", "phone",
	    "+40 7** *** 678", "order", "PC-2026-000123", "package", "Pecete 2",
	    "total", "355,26 RON", "invoice", "PCT 2026/000042");
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
	static const char *const langs[] = { "ro", "en" };
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
	/* The 12 account templates, the four shop ones (payment, order,
	 * invoice, pairing invitation), the six of identification, the
	 * certificate issued, expiring, suspended, resumed and revoked, the
	 * renewal approved, rejected and refunded, the inbox's receipt and
	 * answer, the SPV confirmation sealed, the two test ones. */
	assert_int_equal(n, 2 * 35);
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
	/* What development mode names (production leaves them unset). */
	f->conf.server.dev_mode = true;
	f->conf.notify.mail_driver = strdup("outbox");
	f->conf.notify.sms_driver = strdup("outbox");
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

/* ---- attachments ---------------------------------------------------- */

static void
test_attachment_filename(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "order.pdf", "order.pdf" },
		{ "/tmp/x/order.pdf", "order.pdf" },
		{ "..\\..\\windows\\evil.exe", "evil.exe" },
		{ "../../etc/passwd", "passwd" },
		{ "a\r\nContent-Type: x.pdf", "aContent-Type: x.pdf" },
		{ "say \"hi\".txt", "say hi.txt" },
		{ "..hidden", "hidden" },
		{ "  spaced  ", "spaced" },
		{ "Notă comandă.pdf", "Notă comandă.pdf" },
		{ "bad\xff\xfe.pdf", "bad__.pdf" },
		{ "c1\xc2\x85.pdf", "c1__.pdf" }, /* U+0085 NEL (C1): 2 bytes */
		{ "dir/", "attachment" },
		{ "", "attachment" },
		{ NULL, "attachment" },
	};
	char out[NOTIFY_ATT_NAME_MAX + 1], in[400];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		notify_attachment_filename(cases[i].in, out);
		assert_string_equal(out, cases[i].out);
	}
	/* Long: cut to 100 bytes, the extension kept. */
	memset(in, 'a', 300);
	memcpy(in + 300, ".pdf", 5);
	notify_attachment_filename(in, out);
	assert_int_equal(strlen(out), NOTIFY_ATT_NAME_MAX);
	assert_string_equal(out + NOTIFY_ATT_NAME_MAX - 4, ".pdf");
	/* Long UTF-8: never cut inside a character. */
	for (i = 0; i < 150; i++)
		memcpy(in + 2 * i, "\xc4\x83", 2); /* ă */
	in[300] = '\0';
	notify_attachment_filename(in, out);
	assert_true(strlen(out) <= NOTIFY_ATT_NAME_MAX);
	assert_int_equal(strlen(out) % 2, 0);
	assert_int_equal((unsigned char)out[strlen(out) - 1], 0x83);
	(void)state;
}

static int64_t
att_rows(struct fx *f)
{
	struct db *db;
	struct db_stmt *st = NULL;
	int64_t n = -1;
	bool row = false;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(
	    db_prepare(db, "SELECT COUNT(*) FROM outbox_attachments", &st),
	    PC_OK);
	assert_int_equal(db_step(st, &row), PC_OK);
	assert_true(row);
	n = db_col_i64(st, 0);
	db_stmt_free(st);
	store_release(f->s, db);
	return n;
}

static void
test_attachment_limits(void **state)
{
	struct fx *f = *state;
	struct notify_attachment a[NOTIFY_ATT_MAX + 1];
	struct db *db;
	uint8_t *big = calloc(1, NOTIFY_ATT_BYTES_MAX + 1);
	json_t *vars = all_vars();
	size_t i;

	assert_non_null(big);
	for (i = 0; i <= NOTIFY_ATT_MAX; i++) {
		a[i].filename = "f.bin";
		a[i].content_type = "application/octet-stream";
		a[i].data = big;
		a[i].len = 10;
	}
	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	/* Eight is the most. */
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, NOTIFY_ATT_MAX + 1, NULL),
	    PC_ELIMIT);
	/* 5 MB each. */
	a[0].len = NOTIFY_ATT_BYTES_MAX + 1;
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 1, NULL),
	    PC_ELIMIT);
	/* 10 MB in all: 3 x 4 MB. */
	for (i = 0; i < 3; i++)
		a[i].len = 4 * 1024 * 1024;
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 3, NULL),
	    PC_ELIMIT);
	/* Only e-mail carries files. */
	a[0].len = 10;
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_SMS, "+40712345678",
	        "activation_sms", "ro", vars, a, 1, NULL),
	    PC_EINVAL);
	/* A content type with parameters, or no data. */
	a[0].content_type = "application/pdf; x=\"y\"";
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 1, NULL),
	    PC_EINVAL);
	a[0].content_type = "application/pdf\r\nX: y";
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 1, NULL),
	    PC_EINVAL);
	a[0].content_type = "application/pdf";
	a[0].data = NULL;
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 1, NULL),
	    PC_EINVAL);
	/* Exactly at the limits is fine: 2 x 5 MB. */
	a[0].data = big;
	a[0].len = a[1].len = NOTIFY_ATT_BYTES_MAX;
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 2, NULL),
	    PC_OK);
	store_release(f->s, db);
	assert_int_equal(outbox_count(f), 1);
	assert_int_equal(att_rows(f), 2);
	free(big);
	json_decref(vars);
}

static void
test_attachments_in_transaction(void **state)
{
	struct fx *f = *state;
	struct notify_attachment a[2] = {
		{ "/home/u/Notă.pdf", "application/pdf",
		    (const uint8_t *)"%PDF-1.7 x", 10 },
		{ "empty.bin", "application/octet-stream", (const uint8_t *)"",
		    0 },
	};
	struct store_outbox_att *l = NULL;
	struct db *db;
	size_t n = 0;
	int64_t id = -1;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(db_begin(db), PC_OK);
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 2, &id),
	    PC_OK);
	assert_true(id > 0);
	db_rollback(db);
	store_release(f->s, db);
	assert_int_equal(outbox_count(f), 0);
	assert_int_equal(att_rows(f), 0);
	/* Committed (and without a transaction of the caller's). */
	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 2, &id),
	    PC_OK);
	assert_int_equal(store_outbox_att_list(db, id, false, &l, &n), PC_OK);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].filename, "Notă.pdf");
	assert_string_equal(l[0].content_type, "application/pdf");
	assert_int_equal(l[0].len, 10);
	assert_null(l[0].data);
	assert_int_equal(l[1].n, 1);
	assert_int_equal(l[1].len, 0);
	store_outbox_att_free(l, n);
	store_release(f->s, db);
	assert_int_equal(att_rows(f), 2);
}

/* ---- a minimal SMTP server (one thread, one message per connection) -- */

struct smtp_srv {
	int fd;
	int port;
	pthread_t th;
	struct buf msgs[4]; /* the DATA of each message, dot-unstuffed */
	int nmsgs, want;
};

static bool
srv_line(int c, char *line, size_t max)
{
	size_t n = 0;
	char ch;

	while (n + 1 < max && read(c, &ch, 1) == 1) {
		line[n++] = ch;
		if (ch == '\n')
			break;
	}
	line[n] = '\0';
	return n > 0;
}

static void
srv_say(int c, const char *s)
{
	ssize_t r = write(c, s, strlen(s));

	(void)r;
}

static void *
srv_run(void *arg)
{
	struct smtp_srv *v = arg;
	char line[4096];
	struct buf *m;
	int c;

	while (v->nmsgs < v->want) {
		c = accept(v->fd, NULL, NULL);
		if (c < 0)
			break;
		srv_say(c, "220 test ESMTP\r\n");
		while (srv_line(c, line, sizeof(line))) {
			if (strncmp(line, "EHLO", 4) == 0) {
				srv_say(c, "250-test\r\n250 8BITMIME\r\n");
			} else if (strncmp(line, "DATA", 4) == 0) {
				srv_say(c, "354 go\r\n");
				m = &v->msgs[v->nmsgs];
				buf_init(m, 32 * 1024 * 1024);
				while (srv_line(c, line, sizeof(line)) &&
				       strcmp(line, ".\r\n") != 0)
					buf_append_str(m,
					    line[0] == '.' ? line + 1 : line);
				buf_append(m, "", 1);
				v->nmsgs++;
				srv_say(c, "250 queued\r\n");
			} else if (strncmp(line, "QUIT", 4) == 0) {
				srv_say(c, "221 bye\r\n");
				break;
			} else {
				srv_say(c, "250 ok\r\n");
			}
		}
		close(c);
	}
	return NULL;
}

static void
srv_start(struct smtp_srv *v, int want)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(v, 0, sizeof(*v));
	v->want = want;
	v->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(v->fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(v->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(v->fd, 4), 0);
	assert_int_equal(getsockname(v->fd, (struct sockaddr *)&sa, &sl), 0);
	v->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&v->th, NULL, srv_run, v), 0);
}

/* Wait for the messages; they stay in v->msgs until srv_free. */
static void
srv_join(struct smtp_srv *v)
{
	pthread_join(v->th, NULL);
	close(v->fd);
}

static void
srv_free(struct smtp_srv *v)
{
	int i;

	for (i = 0; i < v->nmsgs; i++)
		buf_cleanup(&v->msgs[i]);
}

/* The boundary="..." value after p. OUT: b. */
static void
boundary_of(const char *p, char *b, size_t max)
{
	const char *q = strstr(p, "boundary=");
	size_t n = 0;

	assert_non_null(q);
	q += 9;
	if (*q == '"')
		q++;
	while (q[n] != '\0' && q[n] != '"' && q[n] != '\r' && q[n] != ';')
		n++;
	assert_true(n > 0 && n < max);
	memcpy(b, q, n);
	b[n] = '\0';
}

/*
 * The body of the base64 part whose headers contain hdr, decoded; every
 * line at most 76 characters. OUT: out (malloc()ed), *n.
 */
static void
b64_part(const char *msg, const char *hdr, uint8_t **out, size_t *n)
{
	const char *h = strstr(msg, hdr), *body, *end, *line, *eol;
	size_t cap;

	assert_non_null(h);
	body = strstr(h, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_true(strstr(h, "Content-Transfer-Encoding: base64") != NULL &&
	            strstr(h, "Content-Transfer-Encoding: base64") < body);
	end = strstr(body, "\r\n--");
	assert_non_null(end);
	for (line = body; line < end; line = eol + 2) {
		eol = strstr(line, "\r\n");
		assert_true(eol - line <= 76);
	}
	cap = (size_t)(end - body);
	*out = malloc(cap + 1);
	assert_non_null(*out);
	assert_int_equal(
	    sodium_base642bin(*out, cap, body, (size_t)(end - body), "\r\n", n,
	        NULL, sodium_base64_VARIANT_ORIGINAL),
	    0);
}

/*
 * The SMTP driver: multipart/mixed, the text first (multipart/alternative),
 * then the attachments in base64 that decode to the same bytes; random
 * boundaries; the attachment rows are gone once sent.
 */
static void
test_smtp_attachments_mime(void **state)
{
	struct fx *f = *state;
	struct smtp_srv v;
	struct notify *n;
	uint8_t bin[3000], *dec;
	struct notify_attachment a[2] = {
		{ "comandă 1.pdf", "application/pdf",
		    (const uint8_t *)"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
		    23 },
		{ "/tmp/data.bin", "application/octet-stream", bin,
		    sizeof(bin) },
	};
	char url[64], b1[128], b2[128], b3[128];
	const char *msg, *alt;
	struct db *db;
	size_t i, dn;
	int64_t id;
	int sent;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7 + i / 256);
	srv_start(&v, 2);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", v.port);
	free(f->conf.notify.mail_driver);
	f->conf.notify.mail_driver = strdup("smtp");
	free(f->conf.notify.smtp_url);
	f->conf.notify.smtp_url = strdup(url);
	f->conf.notify.smtp_starttls = false;
	free(f->conf.notify.mail_from);
	f->conf.notify.mail_from = strdup("Pecete <noreply@pecete.example>");
	f->conf.notify.timeout_s = 10;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, a, 2, &id),
	    PC_OK);
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "en", NULL, a, 1, NULL),
	    PC_OK);
	store_release(f->s, db);
	assert_int_equal(att_rows(f), 3);
	assert_int_equal(notify_new(&f->conf, f->s, &n), PC_OK);
	assert_int_equal(notify_run_once(n, &sent, NULL), PC_OK);
	assert_int_equal(sent, 2);
	notify_free(n);
	srv_join(&v);
	assert_int_equal(v.nmsgs, 2);
	/* Data minimisation: nothing left once sent. */
	assert_int_equal(att_rows(f), 0);

	msg = (const char *)v.msgs[0].data;
	if (getenv("TEST_NOTIFY_DUMP") != NULL)
		fputs(msg, stderr);
	assert_true(has(msg, "Content-Type: multipart/mixed"));
	boundary_of(
	    strstr(msg, "Content-Type: multipart/mixed"), b1, sizeof(b1));
	alt = strstr(msg, "Content-Type: multipart/alternative");
	assert_non_null(alt);
	boundary_of(alt, b2, sizeof(b2));
	assert_string_not_equal(b1, b2);
	/* The text comes first, then the files in order. */
	assert_true(alt < strstr(msg, "Content-Type: application/pdf"));
	assert_true(strstr(msg, "Content-Type: application/pdf") <
	            strstr(msg, "Content-Type: application/octet-stream"));
	assert_true(has(msg, "Content-Type: application/pdf; "
	                     "name=\"comand_ 1.pdf\""));
	assert_true(has(msg, "Content-Disposition: attachment;\r\n "
	                     "filename=\"comand_ 1.pdf\";\r\n "
	                     "filename*=UTF-8''comand%C4%83%201.pdf"));
	assert_true(has(msg, "filename=\"data.bin\"\r\n"));
	assert_false(has(msg, "/tmp/data.bin"));
	b64_part(msg, "name=\"comand_ 1.pdf\"", &dec, &dn);
	assert_int_equal(dn, a[0].len);
	assert_memory_equal(dec, a[0].data, dn);
	free(dec);
	b64_part(msg, "name=\"data.bin\"", &dec, &dn);
	assert_int_equal(dn, sizeof(bin));
	assert_memory_equal(dec, bin, dn);
	free(dec);
	/* The second message has boundaries of its own. */
	boundary_of(strstr((const char *)v.msgs[1].data,
	                "Content-Type: multipart/mixed"),
	    b3, sizeof(b3));
	assert_string_not_equal(b1, b3);
	assert_string_not_equal(b2, b3);
	srv_free(&v);
}

/* The outbox driver keeps the files; the dev outbox lists and serves them. */
static void
test_dev_outbox_attachments(void **state)
{
	struct fx *f = *state;
	struct notify_attachment a = { "order-note.pdf", "application/pdf",
		(const uint8_t *)"%PDF-1.7 fake", 13 };
	char ctype[NOTIFY_ATT_TYPE_MAX + 1], fname[NOTIFY_ATT_NAME_MAX + 1];
	struct notify *n;
	struct db *db;
	struct buf b;
	json_t *doc, *atts, *a0;
	json_error_t jerr;
	int64_t id, id2;
	int sent;

	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, &a, 1, &id),
	    PC_OK);
	store_release(f->s, db);
	assert_int_equal(notify_new(&f->conf, f->s, &n), PC_OK);
	assert_int_equal(notify_run_once(n, &sent, NULL), PC_OK);
	assert_int_equal(sent, 1);
	notify_free(n);
	assert_int_equal(att_rows(f), 1); /* kept for /dev/outbox */

	buf_init(&b, 1 << 20);
	assert_int_equal(notify_dev_outbox(f->s, true, 50, &b), PC_OK);
	doc = json_loads((const char *)b.data, 0, &jerr);
	assert_non_null(doc);
	atts = json_object_get(
	    json_array_get(json_object_get(doc, "messages"), 0), "attachments");
	assert_int_equal(json_array_size(atts), 1);
	a0 = json_array_get(atts, 0);
	assert_int_equal(json_integer_value(json_object_get(a0, "n")), 0);
	assert_int_equal(json_integer_value(json_object_get(a0, "size")), 13);
	assert_string_equal(json_string_value(json_object_get(a0, "filename")),
	    "order-note.pdf");
	assert_string_equal(
	    json_string_value(json_object_get(a0, "content_type")),
	    "application/pdf");
	json_decref(doc);
	buf_reset(&b);
	assert_int_equal(notify_dev_outbox(f->s, false, 50, &b), PC_OK);
	snprintf(fname, sizeof(fname), "/dev/outbox/%lld/attachments/0",
	    (long long)id);
	assert_true(has((const char *)b.data, fname));
	assert_true(has((const char *)b.data, "order-note.pdf"));
	buf_reset(&b);
	assert_int_equal(
	    notify_dev_attachment(f->s, id, 0, &b, ctype, fname), PC_OK);
	assert_int_equal(b.len, 13);
	assert_memory_equal(b.data, "%PDF-1.7 fake", 13);
	assert_string_equal(ctype, "application/pdf");
	assert_string_equal(fname, "order-note.pdf");
	buf_reset(&b);
	assert_int_equal(
	    notify_dev_attachment(f->s, id, 1, &b, ctype, fname), PC_ENOTFOUND);
	/* A message not (yet) delivered by the outbox driver: not served. */
	assert_int_equal(store_acquire(f->s, &db), PC_OK);
	assert_int_equal(
	    notify_enqueue_with_attachments(db, NOTIFY_EMAIL, "ana@example.ro",
	        "test_email", "ro", NULL, &a, 1, &id2),
	    PC_OK);
	store_release(f->s, db);
	assert_int_equal(notify_dev_attachment(f->s, id2, 0, &b, ctype, fname),
	    PC_ENOTFOUND);
	buf_cleanup(&b);
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
		cmocka_unit_test(test_attachment_filename),
		cmocka_unit_test_setup_teardown(
		    test_attachment_limits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_attachments_in_transaction, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_smtp_attachments_mime, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
		    test_dev_outbox_attachments, fx_setup, fx_teardown),
	};
	const char *t = getenv("TMPDIR");
	int rc;

	log_init("test_notify");
	snprintf(tmpdir, sizeof(tmpdir), "%s", t != NULL ? t : "/tmp");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
