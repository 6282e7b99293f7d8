/*
 * cmd_pki.c: pecete pki export | crl.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

/* pecete pki export --data DIR --out DIR: the hierarchy's PEM files. */
int
cmd_pki_export(int argc, char **argv)
{
	const char *data = NULL, *out = NULL;
	const struct cli_opt opts[] = {
		{ "data", 0, CLI_STR, &data, CLI_REQ },
		{ "out", 0, CLI_STR, &out, CLI_REQ },
		{ NULL },
	};
	const struct cli_spec spec = { "pki export", "--data DIR --out DIR",
		opts, 0, 0 };
	struct cli_core core;
	int ret;
	enum pc_rc rc;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (mkdir(out, 0755) != 0 && errno != EEXIST) {
		cli_err(spec.cmd, "cannot create %s: %s", out, strerror(errno));
		return 1;
	}
	/* certificates only: no HSM needed */
	ret = cli_core_open(&core, spec.cmd, data, CORE_CERTS);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = pki_export(core.pki, out);
	if (rc != PC_OK) {
		cli_err(
		    spec.cmd, "cannot write into %s (%s)", out, pc_rc_str(rc));
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
	static const char *const cas[] = { "root", "issuing", NULL };
	const char *data = NULL, *ca = "root", *out = NULL;
	const struct cli_opt opts[] = {
		{ "data", 0, CLI_STR, &data, CLI_REQ },
		{ "ca", 0, CLI_STR, &ca, 0 },
		{ "out", 0, CLI_STR, &out, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "pki crl",
		"--data DIR [--ca root|issuing] [--out FILE]", opts, 0, 0 };
	struct cli_core core;
	struct buf der;
	int ret;
	enum pc_rc rc;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (cli_choice(ca, cas) < 0)
		return cli_usage_error(&spec, "unknown CA \"%s\"", ca);
	ret = cli_core_open(&core, spec.cmd, data, CORE_PKI);
	if (ret != 0)
		goto done;
	ret = 1;
	buf_init(&der, 64 * 1024 * 1024);
	rc = pki_crl_renew(core.pki, ca, &der);
	if (rc != PC_OK) {
		cli_err(
		    spec.cmd, "cannot make the %s CRL (%s)", ca, pc_rc_str(rc));
	} else if (out != NULL &&
	           file_write_atomic(out, der.data, der.len, 0644) != PC_OK) {
		cli_err(spec.cmd, "cannot write %s", out);
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

/*
 * pecete pki eseal --data DIR: the platform's e-seal for a data dir made
 * before it (pecete init makes it). Run with the service stopped (the
 * HSM token is opened here); idempotent: an existing one is kept.
 */
int
cmd_pki_eseal(int argc, char **argv)
{
	const char *cmd = "pki eseal";
	struct cli_core core;
	struct pki_keysrc ks;
	int ret;
	enum pc_rc rc;

	ret = cli_core_open_data(&core, cmd, argc, argv, CORE_PKI);
	if (ret != CLI_GO)
		return ret;
	ret = 0;
	pki_keysrc_hsm(&ks, core.hsm);
	rc = pki_eseal_create(&core.conf, core.store, &ks);
	if (rc == PC_EEXIST) {
		printf("the e-seal certificate is there already\n");
	} else if (rc != PC_OK) {
		cli_err(cmd, "cannot make the e-seal (%s)", pc_rc_str(rc));
		ret = 1;
	} else {
		printf("e-seal certificate made; restart the service\n");
	}
	cli_core_close(&core);
	return ret;
}
