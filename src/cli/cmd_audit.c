/*
 * cmd_audit.c: pecete audit verify --data DIR
 * Recomputes the hash chain of the audit log and says where it breaks.
 * Exit 0 when intact, 1 when broken or on error, 2 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>

#include "base/conf.h"
#include "cli/cli.h"
#include "store/store.h"

/* pecete audit verify --data DIR [-f FILE]: check the audit chain. */
int
cmd_audit_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct conf conf;
	struct store *s = NULL;
	struct db *db = NULL;
	const char *dir = NULL, *file = NULL;
	int64_t nrows = 0, bad = 0;
	enum pc_rc rc;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:f:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			fprintf(
			    stderr, "usage: pecete audit verify --data DIR\n");
			return 2;
		}
	}
	if (optind != argc || (dir == NULL && file == NULL)) {
		fprintf(stderr, "usage: pecete audit verify --data DIR\n");
		return 2;
	}
	ret = cli_conf_load(&conf, dir, file);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = store_open(conf.store.url, 1, &s);
	if (rc == PC_OK)
		rc = store_acquire(s, &db);
	if (rc != PC_OK) {
		cli_err("audit verify", "cannot open the database %s (%s)",
		    conf.store.url, pc_rc_str(rc));
		goto out;
	}
	rc = store_audit_verify(db, &nrows, &bad);
	if (rc == PC_ECRYPTO) {
		printf("audit chain broken at row %lld\n", (long long)bad);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err("audit verify", "cannot read the audit log (%s)",
		    pc_rc_str(rc));
		goto out;
	}
	printf("audit chain OK (%lld rows)\n", (long long)nrows);
	ret = 0;
out:
	store_release(s, db);
	store_close(s);
	conf_free(&conf);
	return ret;
}
