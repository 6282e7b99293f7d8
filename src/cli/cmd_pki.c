/*
 * cmd_pki.c: pecete pki export.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* pecete pki export --data DIR --out DIR: the hierarchy's PEM files. */
int
cmd_pki_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] =
	    "usage: pecete pki export --data DIR --out DIR\n";
	const char *cmd = "pki export", *data = NULL, *out = NULL;
	struct cli_core core;
	int ch, ret;
	enum pc_rc rc;

	memset(&core, 0, sizeof(core));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (data == NULL || out == NULL || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		cli_err(cmd, "cannot create %s: %s", out, strerror(errno));
		return 1;
	}
	/* certificates only: no HSM needed */
	ret = cli_core_open(&core, cmd, data, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = pki_open(&core.conf, core.store, NULL, &core.pki);
	if (rc != PC_OK) {
		cli_err(cmd,
		    "cannot load the CA hierarchy (%s); was the data "
		    "dir made by pecete init?",
		    pc_rc_str(rc));
		goto out;
	}
	rc = pki_export(core.pki, out);
	if (rc != PC_OK) {
		cli_err(cmd, "cannot write into %s (%s)", out, pc_rc_str(rc));
		goto out;
	}
	printf("wrote %s/root.pem %s/issuing.pem %s/ocsp.pem %s/tsa.pem\n", out,
	    out, out, out);
	ret = 0;
out:
	cli_core_close(&core);
	return ret;
}

/*
 * pecete pki crl --data DIR [--ca root|issuing] [--out FILE]: make a new
 * CRL now. The root CRL can only be made here (the root key never signs
 * online); run it from cron well before the root CRL's nextUpdate.
 */
int
cmd_pki_crl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "ca", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "usage: pecete pki crl --data DIR "
	                            "[--ca root|issuing] [--out FILE]\n";
	const char *cmd = "pki crl", *data = NULL, *ca = "root", *out = NULL;
	struct cli_core core;
	struct buf der;
	int ch, ret;
	enum pc_rc rc;

	memset(&core, 0, sizeof(core));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			data = optarg;
			break;
		case 'c':
			ca = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (data == NULL || optind != argc ||
	    (strcmp(ca, "root") != 0 && strcmp(ca, "issuing") != 0)) {
		fputs(usage, stderr);
		return 2;
	}
	ret = cli_core_open(&core, cmd, data, CORE_PKI);
	if (ret != 0)
		goto done;
	ret = 1;
	buf_init(&der, 64 * 1024 * 1024);
	rc = pki_crl_renew(core.pki, ca, &der);
	if (rc != PC_OK) {
		cli_err(cmd, "cannot make the %s CRL (%s)", ca, pc_rc_str(rc));
	} else if (out != NULL &&
	           file_write_atomic(out, der.data, der.len, 0644) != PC_OK) {
		cli_err(cmd, "cannot write %s", out);
	} else {
		printf("new %s CRL (%zu bytes)%s%s\n", ca, der.len,
		    out ? " written to " : "", out ? out : "");
		ret = 0;
	}
	buf_cleanup(&der);
done:
	cli_core_close(&core);
	return ret;
}
