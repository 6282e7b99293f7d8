/*
 * cmd_notify.c: pecete notify test --data DIR (--email ADDR | --sms +40...)
 *               [--lang ro|en] [--once | --queue-only] [--wait SECONDS]
 *               [--attach FILE]...
 *
 * A developer's check of the delivery configuration ([notify] in
 * pecete.conf or PECETE_NOTIFY_* in the environment): queues the test_email
 * or test_sms template for the recipient, then delivers it in this process
 * with the configured driver. By default it keeps running delivery passes
 * (sleeping until the next retry) until the message is sent or failed,
 * at most --wait seconds (default 300); with --once it runs one pass;
 * with --queue-only it only queues (a running pecete serve delivers it).
 * --attach (e-mail only, up to NOTIFY_ATT_MAX times) attaches a file:
 * application/pdf for a .pdf name, else application/octet-stream.
 * Exit 0 when sent, 1 when failed or still queued, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "notify/notify.h"

/* The files named by --attach; data read by notify_test_read. */
struct notify_test_files {
	const char *path[NOTIFY_ATT_MAX + 1];
	struct buf data[NOTIFY_ATT_MAX + 1];
	struct notify_attachment att[NOTIFY_ATT_MAX + 1];
	size_t n;
};

/* "application/pdf" for a .pdf name (any case), else octet-stream. */
static const char *
notify_test_ctype(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && strcasecmp(path + n - 4, ".pdf") == 0
	           ? "application/pdf"
	           : "application/octet-stream";
}

/*
 * Read every file (each at most one byte over the per-attachment limit,
 * so that enqueueing reports PC_ELIMIT). Prints the error; false on one.
 */
static bool
notify_test_read(struct notify_test_files *f)
{
	size_t i;
	enum pc_rc rc;

	for (i = 0; i < f->n; i++) {
		buf_init(&f->data[i], NOTIFY_ATT_BYTES_MAX + 1);
		rc = file_read(
		    f->path[i], NOTIFY_ATT_BYTES_MAX + 1, &f->data[i]);
		if (rc == PC_ELIMIT) {
			cli_err("notify test",
			    "%s: larger than %d bytes, the limit of one "
			    "attachment",
			    f->path[i], NOTIFY_ATT_BYTES_MAX);
			return false;
		}
		if (rc != PC_OK) {
			cli_err("notify test", "cannot read %s (%s)",
			    f->path[i], pc_rc_str(rc));
			return false;
		}
		f->att[i].filename = f->path[i];
		f->att[i].content_type = notify_test_ctype(f->path[i]);
		f->att[i].data = f->data[i].data;
		f->att[i].len = f->data[i].len;
	}
	return true;
}

/* Queue the test message in its own transaction. */
static enum pc_rc
notify_test_queue(struct store *s, enum notify_channel ch, const char *to,
    const char *lang, const struct notify_test_files *f, int64_t *id)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_write_begin(s, &db);
	if (rc == PC_OK)
		rc = notify_enqueue_with_attachments(db, ch, to,
		    ch == NOTIFY_EMAIL ? "test_email" : "test_sms", lang, NULL,
		    f->att, f->n, id);
	return store_write_end(s, db, rc);
}

int
cmd_notify_test(int argc, char **argv)
{
	static const char *const langs[] = { "ro", "en", NULL };
	static struct notify_test_files files;
	const char *dir = NULL, *email = NULL, *sms = NULL, *lang = "ro";
	const char *wait_arg = NULL;
	/* One more than allowed: enqueueing says PC_ELIMIT. */
	struct cli_list att = { files.path, 0, NOTIFY_ATT_MAX + 1 };
	bool once = false, queue_only = false;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ "email", 'e', CLI_STR, &email, 0 },
		{ "sms", 's', CLI_STR, &sms, 0 },
		{ "lang", 'l', CLI_STR, &lang, 0 },
		{ "once", 'o', CLI_FLAG, &once, 0 },
		{ "queue-only", 'q', CLI_FLAG, &queue_only, 0 },
		{ "wait", 'w', CLI_STR, &wait_arg, 0 },
		{ "attach", 'a', CLI_LIST, &att, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "notify test",
		"--data DIR (--email ADDR | --sms +40...) [--lang ro|en] "
		"[--once | --queue-only] [--wait SECONDS] [--attach FILE]...",
		opts, 0, 0 };
	struct cli_core core;
	struct notify *n = NULL;
	struct notify_status st;
	enum notify_channel ch;
	int64_t wait_s = 300;
	int64_t id = 0, deadline, delay;
	int ret;
	size_t i;
	enum pc_rc rc;

	memset(&core, 0, sizeof(core));
	memset(&files, 0, sizeof(files));
	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	files.n = att.n;
	if ((email == NULL) == (sms == NULL) || cli_choice(lang, langs) < 0 ||
	    (files.n > 0 && email == NULL) ||
	    (wait_arg != NULL && !cli_num(wait_arg, 0, 86400, &wait_s)))
		return cli_usage_error(&spec, NULL);
	ch = email != NULL ? NOTIFY_EMAIL : NOTIFY_SMS;
	ret = cli_core_open(&core, spec.cmd, dir, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	if (!notify_test_read(&files))
		goto out;
	rc = notify_test_queue(
	    core.store, ch, email != NULL ? email : sms, lang, &files, &id);
	if (rc == PC_ELIMIT) {
		cli_err("notify test",
		    "cannot queue the message: the attachments are too large "
		    "or too many (at most %d, %d bytes each, %d bytes in all)",
		    NOTIFY_ATT_MAX, NOTIFY_ATT_BYTES_MAX, NOTIFY_ATT_TOTAL_MAX);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err("notify test", "cannot queue the message (%s)%s",
		    pc_rc_str(rc),
		    rc == PC_EINVAL ? ": the e-mail address or the number "
		                      "(+40...) is malformed"
		                    : "");
		goto out;
	}
	printf("outbox %lld: queued (%s, %s driver)\n", (long long)id,
	    ch == NOTIFY_EMAIL ? "email" : "sms",
	    ch == NOTIFY_EMAIL
	        ? (core.conf.notify.mail_driver ? core.conf.notify.mail_driver
	                                        : "no")
	        : (core.conf.notify.sms_driver ? core.conf.notify.sms_driver
	                                       : "no"));
	if (queue_only) {
		ret = 0;
		goto out;
	}
	rc = notify_new(&core.conf, core.store, &n);
	if (rc != PC_OK)
		goto out;
	deadline = clock_now() + (int64_t)wait_s;
	for (;;) {
		rc = notify_run_once(n, NULL, NULL);
		if (rc == PC_OK)
			rc = notify_status_get(core.store, id, &st);
		if (rc != PC_OK) {
			cli_err("notify test", "delivery pass failed (%s)",
			    pc_rc_str(rc));
			goto out;
		}
		if (strcmp(st.status, "sent") == 0) {
			printf("outbox %lld: sent by %s (attempt %lld)\n",
			    (long long)id, st.driver, (long long)st.attempts);
			ret = 0;
			break;
		}
		if (strcmp(st.status, "failed") == 0) {
			printf("outbox %lld: failed after %lld attempt(s); "
			       "see the log lines above\n",
			    (long long)id, (long long)st.attempts);
			break;
		}
		delay = st.next_at - clock_now();
		if (once || clock_now() + (delay > 0 ? delay : 0) > deadline) {
			printf("outbox %lld: %s after %lld attempt(s), next "
			       "attempt in %lld s\n",
			    (long long)id, st.status, (long long)st.attempts,
			    (long long)(delay > 0 ? delay : 0));
			break;
		}
		printf("outbox %lld: attempt %lld did not go through; "
		       "retrying in %lld s\n",
		    (long long)id, (long long)st.attempts,
		    (long long)(delay > 0 ? delay : 0));
		fflush(stdout);
		sleep(delay > 0 ? (unsigned)delay : 1);
	}
out:
	for (i = 0; i < files.n; i++)
		buf_cleanup(&files.data[i]);
	notify_free(n);
	cli_core_close(&core);
	return ret;
}
