/*
 * cmd_verify.c: pecete verify.
 *
 *   pecete verify FILE [--content ORIGINAL] [--trust ANCHORS.pem]
 *       [--no-ocsp] [--ocsp-timeout S] [--json | --xml]
 *
 * Prints the verification report (sign/vreport.h) as text, as JSON with
 * --json, or as an ETSI TS 119 102-2 XML validation report with --xml
 * (validate/validate.h; needs libxml2). Exit status: 0 TOTAL-PASSED, 1
 * TOTAL-FAILED (or a file that cannot be read as a signed document), 2
 * INDETERMINATE, 3 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sign/sign.h"
#include "validate/validate.h"

/* Largest XML report written. */
#define VERIFY_XML_MAX (512 * 1024 * 1024)

/* r as the TS 119 102-2 XML report, to stdout. */
static enum pc_rc
print_xml(const struct sign_report *r)
{
	struct buf b;
	enum pc_rc rc;

	buf_init(&b, VERIFY_XML_MAX);
	rc = validate_xml(r, &b);
	if (rc == PC_OK && fwrite(b.data, 1, b.len, stdout) != b.len)
		rc = PC_EIO;
	buf_cleanup(&b);
	return rc;
}

int
cmd_verify(int argc, char **argv)
{
	struct sign_verify_opts vo;
	const char *timeout = NULL;
	bool json = false, xml = false;
	const struct cli_opt opts[] = {
		{ "content", 0, CLI_STR, &vo.content, 0 },
		{ "trust", 0, CLI_STR, &vo.trust, 0 },
		{ "no-ocsp", 0, CLI_FLAG, &vo.no_ocsp, 0 },
		{ "ocsp-timeout", 0, CLI_STR, &timeout, 0 },
		{ "json", 0, CLI_FLAG, &json, 0 },
		{ "xml", 0, CLI_FLAG, &xml, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "verify",
		"FILE [--content ORIGINAL] [--trust ANCHORS.pem] [--no-ocsp]\n"
		"           [--ocsp-timeout S] [--json | --xml]",
		opts, 1, 1 };
	struct sign_report *r = NULL;
	struct sign_err err;
	int64_t t;
	int first, status;
	enum pc_rc rc;

	memset(&vo, 0, sizeof(vo));
	memset(&err, 0, sizeof(err));
	/* A usage error is 3 here: 2 is INDETERMINATE. */
	status = cli_parse(&spec, argc, argv, &first);
	if (status != CLI_GO)
		return status == 0 ? 0 : 3;
	if (json && xml) {
		cli_err(spec.cmd, "--json and --xml exclude each other");
		return 3;
	}
	if (timeout != NULL) {
		if (!cli_num(timeout, 1, 120, &t)) {
			cli_err(spec.cmd, "--ocsp-timeout is 1..120 seconds");
			return 3;
		}
		vo.ocsp_timeout_s = (int)t;
	}
	vo.no_vobjs = !xml;
	rc = sign_verify(argv[first], &vo, &r, &err);
	if (rc != PC_OK) {
		cli_err(spec.cmd, "%s: %s",
		    err.code != NULL ? err.code : pc_rc_str(rc), err.msg);
		return err.code != NULL && strcmp(err.code, "bad_trust") == 0
		           ? 3
		           : 1;
	}
	if (json)
		rc = sign_report_json(r, stdout);
	else if (xml)
		rc = print_xml(r);
	else
		sign_report_text(r, stdout);
	if (rc != PC_OK)
		cli_err(spec.cmd, "cannot write the report: %s", pc_rc_str(rc));
	status = rc == PC_OK ? sign_report_exit(r) : 1;
	sign_report_free(r);
	return status;
}
