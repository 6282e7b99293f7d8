/*
 * cmd_audit.c: the audit log.
 *   pecete audit verify --data DIR: recompute the hash chain, check every
 *     row's seal with the HSM's audit key, and replay every anchor of the
 *     data directory's anchor file (the row there, with the anchored
 *     hash, under a time-stamp of our TSA); say what is wrong and where.
 *     Exit 0 when intact, 1 when not or on error.
 *   pecete audit export --data DIR [--from N] [--to N] --out FILE: the
 *     rows as JSON with the sealing key's public key, and FILE.tsr, our
 *     TSA's time-stamp over it (verifies offline).
 *   pecete audit anchor --data DIR: anchor the chain's head now (the
 *     server's audit_anchor job does it every 5 minutes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "ops/ops.h"
#include "store/store.h"

/* The public key of the HSM's audit sealing key (borrowed), or NULL said. */
static EVP_PKEY *
seal_pub(struct cli_core *core, const char *cmd)
{
	const struct hsm_key *k;

	if (hsm_key_find(core->hsm, HSM_AUDIT_SEAL_LABEL, &k) != PC_OK) {
		cli_err(cmd,
		    "no audit sealing key %s in the HSM: the seals cannot be "
		    "checked (the signer makes it at start)",
		    HSM_AUDIT_SEAL_LABEL);
		return NULL;
	}
	return hsm_key_public(k);
}

int
cmd_audit_verify(int argc, char **argv)
{
	const char *cmd = "audit verify";
	struct ops_audit_report rep;
	struct cli_core core;
	EVP_PKEY *pub;
	char when[32];
	enum pc_rc rc;
	int ret;

	ret = cli_core_open_data(&core, cmd, argc, argv, CORE_PKI | CORE_DB);
	if (ret != CLI_GO)
		return ret;
	ret = 1;
	pub = seal_pub(&core, cmd);
	if (pub == NULL)
		goto out;
	rc = ops_audit_check(&core.conf, core.db, core.pki, pub, &rep);
	if (rc == PC_ECRYPTO) {
		/* The first line keeps its form for scripts. */
		if (rep.bad_seal)
			printf("audit seal broken at row %lld\n",
			    (long long)rep.bad_row);
		else if (rep.bad_row != 0)
			printf("audit chain broken at row %lld\n",
			    (long long)rep.bad_row);
		else
			printf("audit anchors broken at line %d\n",
			    rep.bad_anchor_line);
		printf("%s\n", rep.why);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err(cmd, "cannot read the audit log (%s)", pc_rc_str(rc));
		goto out;
	}
	printf("audit chain OK (%lld rows)\n", (long long)rep.rows);
	printf("seals OK (%lld rows sealed", (long long)rep.sealed);
	if (rep.covered > 0)
		printf(", %lld more covered by the seal of a later row: "
		       "older than sealing or in a group commit",
		    (long long)rep.covered);
	if (rep.unsealed > 0)
		printf("; %lld rows never sealed", (long long)rep.unsealed);
	printf(")\n");
	if (rep.anchors == 0)
		printf("no anchor yet (%s in the data directory): rows are "
		       "protected by the chain alone\n",
		    OPS_AUDIT_ANCHORS);
	else {
		clock_fmt_iso(rep.last_anchor_at, when, sizeof(when));
		printf("anchors OK (%lld, the last at row %lld, time-stamped "
		       "%s); rows after it: the chain and seals alone (the "
		       "newest rows' deletion is not detectable)\n",
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
	const char *cmd = "audit anchor";
	struct cli_core core;
	struct pc_env e;
	int64_t row = 0;
	enum pc_rc rc;
	int ret;

	ret = cli_core_open_data(&core, cmd, argc, argv, CORE_PKI);
	if (ret != CLI_GO)
		return ret;
	ret = 0;
	cli_core_env(&core, "cli", &e);
	rc = ops_audit_anchor(&e, &row);
	if (rc != PC_OK) {
		cli_err(
		    cmd, "cannot anchor the audit chain (%s)", pc_rc_str(rc));
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

int
cmd_audit_export(int argc, char **argv)
{
	const char *dir = NULL, *from_s = NULL, *to_s = NULL, *out = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, 0 },
		{ "from", 0, CLI_STR, &from_s, 0 },
		{ "to", 0, CLI_STR, &to_s, 0 },
		{ "out", 'o', CLI_STR, &out, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "audit export",
		"--data DIR [--from N] [--to N] --out FILE", opts, 0, 0 };
	struct cli_core core;
	struct pc_env e;
	EVP_PKEY *pub;
	int64_t from = 1, to = 0, n = 0;
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	memset(&core, 0, sizeof(core));
	if (out == NULL) {
		cli_err(spec.cmd, "--out FILE is needed");
		return 2;
	}
	if (from_s != NULL && !cli_num(from_s, 1, INT64_MAX, &from)) {
		cli_err(spec.cmd, "--from: a row number, 1 or more");
		return 2;
	}
	if (to_s != NULL && !cli_num(to_s, from, INT64_MAX, &to)) {
		cli_err(spec.cmd, "--to: a row number, --from or more");
		return 2;
	}
	ret = cli_core_open(&core, spec.cmd, dir, CORE_PKI | CORE_DB);
	if (ret != 0)
		goto out;
	ret = 1;
	pub = seal_pub(&core, spec.cmd);
	if (pub == NULL)
		goto out;
	cli_core_env(&core, "cli", &e);
	rc = ops_audit_export(&e, core.db, pub, from, to, out, &n);
	if (rc == PC_ECRYPTO) {
		cli_err(spec.cmd,
		    "the audit log does not verify: not exported (pecete "
		    "audit verify --data %s says where)",
		    dir);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err(spec.cmd, "cannot export the audit log (%s)",
		    pc_rc_str(rc));
		goto out;
	}
	printf("exported %lld rows to %s, time-stamped in %s.tsr\n",
	    (long long)n, out, out);
	ret = 0;
out:
	cli_core_close(&core);
	return ret;
}
