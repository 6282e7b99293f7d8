/*
 * cmd_verify.c: pecete verify.
 *
 *   pecete verify FILE [--content ORIGINAL] [--trust ANCHORS.pem]
 *       [--no-ocsp] [--ocsp-timeout S] [--json | --xml]
 *   pecete verify FILE.pdf --pdf-report OUT --data DIR [--lang ro|en]
 *
 * Prints the verification report (sign/vreport.h) as text, as JSON with
 * --json, or as an ETSI TS 119 102-2 XML validation report with --xml
 * (validate/validate.h; needs libxml2). With --pdf-report, the service's
 * validation of DIR (its anchors and trusted lists, loaded here, as POST
 * /api/v1/validate) prints the
 * text report and writes it as a PDF for people sealed with the
 * platform's e-seal at B-LTA (validate_report_sealed): the e-seal's key is
 * used by a signer process started here, the time-stamp and revocation
 * data come from the running service's TSA and responders. Exit status: 0
 * TOTAL-PASSED, 1 TOTAL-FAILED (or a file that cannot be read as a signed
 * document), 2 INDETERMINATE, 3 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/env.h"
#include "cli/cli.h"
#include "sign/sign.h"
#include "signer/signer.h"
#include "validate/tl.h"
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

/*
 * pecete verify FILE --pdf-report OUT --data DIR: the text report on
 * stdout, the sealed PDF report in OUT. Exit status as cmd_verify's.
 */
static int
verify_sealed(const char *cmd, const char *file, const char *data,
    const char *lang, const char *out)
{
	struct cli_core core;
	struct pc_env e;
	struct signer_client *sc = NULL;
	struct sign_report *r = NULL;
	struct tl_qualification *q = NULL;
	struct pc_err err;
	struct buf in, pdf;
	int status = 1;
	enum pc_rc rc;

	memset(&err, 0, sizeof(err));
	buf_init(&in, VALIDATE_MAX);
	buf_init(&pdf, 32u << 20);
	if (cli_core_open(&core, cmd, data, CORE_CERTS) != 0)
		goto out;
	rc = file_read(file, VALIDATE_MAX, &in);
	if (rc != PC_OK) {
		cli_err(cmd, "cannot read %s (%s)", file, pc_rc_str(rc));
		goto out;
	}
	/* The service's trusted lists too (nothing without them). */
	tl_reload(&core.conf);
	cli_core_env(&core, "cli", &e);
	rc = validate_pdf_report(&e, in.data, in.len, &r, &q, &err);
	if (rc != PC_OK) {
		cli_err(cmd, "%s: %s", file,
		    err.code != PCE_NONE ? pc_ecode_name(err.code)
		                         : pc_rc_str(rc));
		goto out;
	}
	sign_report_text(r, stdout);
	rc = signer_client_start(&core.conf, 1, &sc);
	if (rc == PC_OK) {
		e.signer = sc;
		rc = validate_report_sealed(
		    &e, r, q, in.data, in.len, lang, &pdf, &err);
	}
	if (rc == PC_OK)
		rc = file_write_atomic(out, pdf.data, pdf.len, 0644);
	if (rc != PC_OK) {
		cli_err(cmd,
		    "cannot write the sealed report to %s (%s; the e-seal "
		    "(pecete pki eseal) and the running service's TSA are "
		    "needed)",
		    out,
		    err.code != PCE_NONE ? pc_ecode_name(err.code)
		                         : pc_rc_str(rc));
		goto out;
	}
	status = sign_report_exit(r);
out:
	signer_client_stop(sc);
	free(q);
	sign_report_free(r);
	buf_cleanup(&pdf);
	buf_cleanup(&in);
	cli_core_close(&core);
	return status;
}

int
cmd_verify(int argc, char **argv)
{
	struct sign_verify_opts vo;
	const char *timeout = NULL, *pdf_report = NULL, *data = NULL;
	const char *lang = NULL;
	bool json = false, xml = false;
	const struct cli_opt opts[] = {
		{ "content", 0, CLI_STR, &vo.content, 0 },
		{ "trust", 0, CLI_STR, &vo.trust, 0 },
		{ "no-ocsp", 0, CLI_FLAG, &vo.no_ocsp, 0 },
		{ "ocsp-timeout", 0, CLI_STR, &timeout, 0 },
		{ "json", 0, CLI_FLAG, &json, 0 },
		{ "xml", 0, CLI_FLAG, &xml, 0 },
		{ "pdf-report", 0, CLI_STR, &pdf_report, 0 },
		{ "data", 0, CLI_STR, &data, 0 },
		{ "lang", 0, CLI_STR, &lang, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "verify",
		"FILE [--content ORIGINAL] [--trust ANCHORS.pem] [--no-ocsp]\n"
		"           [--ocsp-timeout S] [--json | --xml]\n"
		"       pecete verify FILE.pdf --pdf-report OUT --data DIR "
		"[--lang ro|en]",
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
	if (pdf_report != NULL || data != NULL || lang != NULL) {
		if (pdf_report == NULL || data == NULL) {
			cli_err(spec.cmd, "--pdf-report OUT and --data DIR go "
			                  "together");
			return 3;
		}
		if (json || xml || vo.content != NULL || vo.trust != NULL ||
		    vo.no_ocsp || timeout != NULL) {
			cli_err(spec.cmd, "--pdf-report is the service's "
			                  "validation: no other option but "
			                  "--lang");
			return 3;
		}
		if (lang != NULL && strcmp(lang, "ro") != 0 &&
		    strcmp(lang, "en") != 0) {
			cli_err(spec.cmd, "--lang is ro or en");
			return 3;
		}
		return verify_sealed(
		    spec.cmd, argv[first], data, lang, pdf_report);
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
