/*
 * cmd_audit.c: the audit log.
 *   pecete audit verify --data DIR: recompute the hash chain and replay
 *     every anchor of the data directory's anchor file (the row there,
 *     with the anchored hash, under a time-stamp of our TSA); say what is
 *     wrong and where. Exit 0 when intact, 1 when not or on error.
 *   pecete audit anchor --data DIR: anchor the chain's head now (the
 *     server's audit_anchor job does it every 5 minutes).
 */
#include <stdio.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "ops/ops.h"
#include "store/store.h"

int
cmd_audit_verify(int argc, char **argv)
{
	const char *dir = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "audit verify", "--data DIR", opts, 0,
		0 };
	struct ops_audit_report rep;
	struct cli_core core;
	char when[32];
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(&core, spec.cmd, dir, CORE_CERTS | CORE_DB);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = ops_audit_check(&core.conf, core.db, core.pki, &rep);
	if (rc == PC_ECRYPTO) {
		/* The first line keeps its form for scripts. */
		if (rep.bad_row != 0)
			printf("audit chain broken at row %lld\n",
			    (long long)rep.bad_row);
		else
			printf("audit anchors broken at line %d\n",
			    rep.bad_anchor_line);
		printf("%s\n", rep.why);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err(
		    spec.cmd, "cannot read the audit log (%s)", pc_rc_str(rc));
		goto out;
	}
	printf("audit chain OK (%lld rows)\n", (long long)rep.rows);
	if (rep.anchors == 0)
		printf("no anchor yet (%s in the data directory): rows are "
		       "protected by the chain alone\n",
		    OPS_AUDIT_ANCHORS);
	else {
		clock_fmt_iso(rep.last_anchor_at, when, sizeof(when));
		printf("anchors OK (%lld, the last at row %lld, time-stamped "
		       "%s); rows after it: the chain alone\n",
		    (long long)rep.anchors_ok, (long long)rep.last_anchor_row,
		    when);
	}
	ret = 0;
out:
	cli_core_close(&core);
	return ret;
}

int
cmd_audit_anchor(int argc, char **argv)
{
	const char *dir = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "audit anchor", "--data DIR", opts, 0,
		0 };
	struct cli_core core;
	struct pc_env e;
	int64_t row = 0;
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(&core, spec.cmd, dir, CORE_PKI);
	if (ret != 0)
		goto out;
	cli_core_env(&core, "cli", &e);
	rc = ops_audit_anchor(&e, &row);
	if (rc != PC_OK) {
		cli_err(spec.cmd, "cannot anchor the audit chain (%s)",
		    pc_rc_str(rc));
		ret = 1;
		goto out;
	}
	if (row == 0)
		printf("nothing new to anchor\n");
	else
		printf("anchored row %lld\n", (long long)row);
out:
	cli_core_close(&core);
	return ret;
}
