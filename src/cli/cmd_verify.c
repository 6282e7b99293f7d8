/*
 * cmd_verify.c: pecete verify.
 *
 *   pecete verify FILE [--content ORIGINAL] [--trust ANCHORS.pem]
 *       [--no-ocsp] [--ocsp-timeout S] [--json]
 *
 * Prints the verification report (sign/vreport.h) as text, or as JSON
 * with --json. Exit status: 0 TOTAL-PASSED, 1 TOTAL-FAILED (or a file
 * that cannot be read as a signed document), 2 INDETERMINATE, 3 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sign/sign.h"

enum {
	OPT_CONTENT = 256,
	OPT_TRUST,
	OPT_NO_OCSP,
	OPT_JSON,
	OPT_OCSP_TIMEOUT,
};

static const struct option verify_longopts[] = {
	{ "content", required_argument, NULL, OPT_CONTENT },
	{ "trust", required_argument, NULL, OPT_TRUST },
	{ "no-ocsp", no_argument, NULL, OPT_NO_OCSP },
	{ "ocsp-timeout", required_argument, NULL, OPT_OCSP_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

int
cmd_verify(int argc, char **argv)
{
	struct sign_verify_opts vo;
	struct sign_report *r = NULL;
	struct sign_err err;
	bool json = false;
	char *end;
	long t;
	int c, status;
	enum pc_rc rc;

	memset(&vo, 0, sizeof(vo));
	memset(&err, 0, sizeof(err));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", verify_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONTENT:
			vo.content = optarg;
			break;
		case OPT_TRUST:
			vo.trust = optarg;
			break;
		case OPT_NO_OCSP:
			vo.no_ocsp = true;
			break;
		case OPT_OCSP_TIMEOUT:
			t = strtol(optarg, &end, 10);
			if (*end != '\0' || t < 1 || t > 120) {
				cli_err(argv[0], "--ocsp-timeout is 1..120 "
				                 "seconds");
				return 3;
			}
			vo.ocsp_timeout_s = (int)t;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return 3;
		}
	}
	if (argc - optind != 1) {
		cli_err(argv[0], "give one FILE");
		return 3;
	}
	rc = sign_verify(argv[optind], &vo, &r, &err);
	if (rc != PC_OK) {
		cli_err(argv[0], "%s: %s",
		    err.code != NULL ? err.code : pc_rc_str(rc), err.msg);
		return err.code != NULL && strcmp(err.code, "bad_trust") == 0
		           ? 3
		           : 1;
	}
	if (json)
		rc = sign_report_json(r, stdout);
	else
		sign_report_text(r, stdout);
	status = rc == PC_OK ? sign_report_exit(r) : 1;
	sign_report_free(r);
	return status;
}
