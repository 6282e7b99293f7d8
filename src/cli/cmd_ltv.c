/*
 * cmd_ltv.c: pecete ltv extend.
 *
 *   pecete ltv extend --tsa URL FILE.pdf...
 *
 * Keeps signed PDFs verifiable for the long term (PAdES B-LTA, ETSI EN
 * 319 142-1 5.5): fresh validation data for every signature and timestamp
 * in the file (chains, OCSP responses or CRLs, by the certificates' URLs)
 * into its /DSS, then a new document timestamp over all of it. The file
 * is changed in place by incremental updates (the earlier signatures and
 * timestamps stay valid) or left as it was. Run it before the newest
 * timestamp's certificate expires or its algorithm weakens; a file's
 * modification time says when it was last extended (docs/operations.md).
 * Exit status: 0 all extended, 1 one or more failed, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sign/sign.h"

int
cmd_ltv_extend(int argc, char **argv)
{
	struct sign_opts o;
	struct sign_err err;
	const char *tsa = NULL;
	const struct cli_opt opts[] = {
		{ "tsa", 0, CLI_STR, &tsa, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "ltv extend", "--tsa URL FILE.pdf...",
		opts, 1, -1 };
	int first, i, status;

	status = cli_parse(&spec, argc, argv, &first);
	if (status != CLI_GO)
		return status;
	if (tsa == NULL) {
		cli_err(spec.cmd, "--tsa URL is needed (the timestamp server "
		                  "of the new document timestamp)");
		return 2;
	}
	sign_opts_init(&o);
	o.tsa_url = tsa;
	o.level = SIGN_LEVEL_BLTA;
	o.vcache = sign_vcache_new();
	if (o.vcache == NULL)
		return 1;
	status = 0;
	for (i = first; i < argc; i++) {
		memset(&err, 0, sizeof(err));
		if (sign_format_guess(argv[i]) != SIGN_FMT_PADES) {
			cli_err(spec.cmd,
			    "%s: not a PDF (CAdES files are made "
			    "up to B-LT and not extended)",
			    argv[i]);
			status = 1;
			continue;
		}
		if (sign_pades_ltv(argv[i], &o, true, &err) != PC_OK) {
			cli_err(spec.cmd, "%s: %s: %s", argv[i],
			    err.code != NULL ? err.code : "ltv_failed",
			    err.msg);
			status = 1;
			continue;
		}
		printf("%s extended\n", argv[i]);
	}
	sign_vcache_free(o.vcache);
	return status;
}
