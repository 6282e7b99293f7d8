/*
 * cmd_notify.c: pecete notify test --data DIR (--email ADDR | --sms +40...)
 *               [--lang ro|en] [--once | --queue-only] [--wait SECONDS]
 *
 * A developer's check of the delivery configuration ([notify] in
 * pecete.conf or PECETE_NOTIFY_* in the environment): queues the test_email
 * or test_sms template for the recipient, then delivers it in this process
 * with the configured driver. By default it keeps running delivery passes
 * (sleeping until the next retry) until the message is sent or failed,
 * at most --wait seconds (default 300); with --once it runs one pass;
 * with --queue-only it only queues (a running pecete serve delivers it).
 * Exit 0 when sent, 1 when failed or still queued, 2 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "notify/notify.h"

static void
notify_usage(void)
{
	fprintf(stderr,
	    "usage: pecete notify test --data DIR (--email ADDR | --sms "
	    "+40...) [--lang ro|en] [--once | --queue-only] "
	    "[--wait SECONDS]\n");
}

/* Queue the test message in its own transaction. */
static enum pc_rc
notify_test_queue(struct store *s, enum notify_channel ch, const char *to,
    const char *lang, int64_t *id)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		return rc;
	rc = db_begin(db);
	if (rc == PC_OK) {
		rc = notify_enqueue(db, ch, to,
		    ch == NOTIFY_EMAIL ? "test_email" : "test_sms", lang, NULL,
		    id);
		if (rc == PC_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	store_release(s, db);
	return rc;
}

int
cmd_notify_test(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"email", required_argument, NULL, 'e'},
	    {"sms", required_argument, NULL, 's'},
	    {"lang", required_argument, NULL, 'l'},
	    {"once", no_argument, NULL, 'o'},
	    {"queue-only", no_argument, NULL, 'q'},
	    {"wait", required_argument, NULL, 'w'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_core core;
	struct notify *n = NULL;
	struct notify_status st;
	const char *dir = NULL, *email = NULL, *sms = NULL, *lang = "ro";
	enum notify_channel ch;
	uint64_t wait_s = 300;
	int64_t id = 0, deadline, delay;
	bool once = false, queue_only = false;
	int c, ret;
	enum pc_rc rc;

	optind = 1;
	while (
	    (c = getopt_long(argc, argv, "d:e:s:l:oqw:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'e':
			email = optarg;
			break;
		case 's':
			sms = optarg;
			break;
		case 'l':
			lang = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'q':
			queue_only = true;
			break;
		case 'w':
			if (str_to_u64(str_from(optarg), 86400, &wait_s) !=
			    PC_OK) {
				notify_usage();
				return 2;
			}
			break;
		default:
			notify_usage();
			return 2;
		}
	}
	if (dir == NULL || optind != argc || (email == NULL) == (sms == NULL) ||
	    (strcmp(lang, "ro") != 0 && strcmp(lang, "en") != 0)) {
		notify_usage();
		return 2;
	}
	ch = email != NULL ? NOTIFY_EMAIL : NOTIFY_SMS;
	ret = cli_core_open(&core, "notify test", dir, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = notify_test_queue(
	    core.store, ch, email != NULL ? email : sms, lang, &id);
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
	    ch == NOTIFY_EMAIL ? core.conf.notify.mail_driver
	                       : core.conf.notify.sms_driver);
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
	notify_free(n);
	cli_core_close(&core);
	return ret;
}
