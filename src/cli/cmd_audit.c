/*
 * cmd_audit.c: pecete audit verify --data DIR
 * Recomputes the hash chain of the audit log and says where it breaks.
 * Exit 0 when intact, 1 when broken or on error, 2 on a usage error.
 */
#include <stdio.h>

#include "base/conf.h"
#include "cli/cli.h"
#include "store/store.h"

/* pecete audit verify --data DIR [-f FILE]: check the audit chain. */
int
cmd_audit_verify(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, 0 },
		{ "config", 'f', CLI_STR, &file, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "audit verify",
		"--data DIR [--config FILE]", opts, 0, 0 };
	struct conf conf;
	struct store *s = NULL;
	struct db *db = NULL;
	int64_t nrows = 0, bad = 0;
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
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
