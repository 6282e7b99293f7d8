/*
 * main.c: the pecete program: one table of subcommands. Built into
 * pecete-full.so, which the pecete executable (src/launch/main.c) loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "api/api.h"
#include "base/log.h"
#include "cli/cli.h"

struct command {
	const char *noun;
	const char *verb; /* NULL: the noun is the whole command */
	int (*fn)(int, char **);
	const char *help;
};

static const struct command commands[] = {
	{ "init", NULL, cmd_init,
	    "--data DIR          create a data dir: db, HSM token, CA" },
	{ "check-config", NULL, cmd_check_config,
	    "--data DIR | -f F   check a configuration file" },
	{ "serve", NULL, cmd_serve,
	    "--data DIR [--listen HOST:PORT]  run the server" },
	{ "cert", "issue", cmd_cert_issue,
	    "--data DIR --given-name G --surname S --cnp CNP --email E ..." },
	{ "cert", "show", cmd_cert_show, "--data DIR SERIAL" },
	{ "cert", "revoke", cmd_cert_revoke, "--data DIR SERIAL --reason R" },
	{ "pki", "export", cmd_pki_export, "--data DIR --out DIR" },
	{ "pki", "crl", cmd_pki_crl,
	    "--data DIR [--ca root|issuing] [--out F]  make a CRL now" },
	{ "pki", "eseal", cmd_pki_eseal,
	    "--data DIR  make the platform's e-seal (older data dirs)" },
	{ "privacy", "retention", cmd_privacy_retention,
	    "--data DIR [--apply] [--json]  data past its legal period" },
	{ "audit", "verify", cmd_audit_verify,
	    "--data DIR  the chain, its seals and its anchors" },
	{ "audit", "export", cmd_audit_export,
	    "--data DIR [--from N] [--to N] --out FILE  signed JSON" },
	{ "audit", "anchor", cmd_audit_anchor,
	    "--data DIR  time-stamp the chain's head now" },
	{ "signer-run", NULL, cmd_signer_run,
	    "(internal: the signer process started by serve)" },
	{ "sign", NULL, cmd_sign, "[options] IN... OUT|--out-dir D" },
	{ "verify", NULL, cmd_verify,
	    "FILE [--content F] [--trust ANCHORS] [--no-ocsp] [--json]" },
	{ "ltv", "extend", cmd_ltv_extend,
	    "--tsa URL FILE.pdf...  fresh validation data and a timestamp" },
	{ "notify", "test", cmd_notify_test,
	    "--data DIR --email ADDR | --sms +40...  [--lang en] send a test" },
	{ "shop", "doc", cmd_shop_doc,
	    "--kind order-note|invoice|terms --sample --out F  render a PDF" },
	{ "shop", "package", cmd_shop_package,
	    "list|set --data DIR [--code C --name N --years Y ...]  catalog" },
	{ "shop", "promo", cmd_shop_promo,
	    "add|list|disable --data DIR [--code C --percent BP ...]" },
	{ "api", "routes", cmd_api_routes,
	    "                   the routes table as JSON (auth, body, "
	    "schema)" },
	{ "api", "errors", cmd_api_errors,
	    "                   the error registry as JSON" },
	{ "oauth", "client", cmd_oauth_client,
	    "add|list|remove --data DIR [--name N --redirect URI ...]" },
	{ "user", "role", cmd_user_role,
	    "--data DIR --email E --role user|operator|admin" },
	{ "ra", "list", cmd_ra, "--data DIR [--state S]  identifications" },
	{ "ra", "show", cmd_ra, "--data DIR --operator E CASE" },
	{ "ra", "accept", cmd_ra,
	    "--data DIR --operator E CASE --checked --given-name G ..." },
	{ "ra", "reject", cmd_ra,
	    "--data DIR --operator E CASE --reason R [--text T]" },
	{ "ra", "redo", cmd_ra, "--data DIR --operator E CASE [--text T]" },
	{ "ra", "export", cmd_ra,
	    "--data DIR --operator E CASE --out DIR  evidence for an auditor" },
	{ "ra", "purge", cmd_ra,
	    "--data DIR  delete evidence whose retention ended" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: pecete <command> [options]\n\n");
	for (i = 0; i < PC_ARRAY_LEN(commands); i++)
		fprintf(f, "  %s%s%s %s\n", commands[i].noun,
		    commands[i].verb ? " " : "",
		    commands[i].verb ? commands[i].verb : "", commands[i].help);
}

int
pecete_main(int argc, char **argv)
{
	const struct command *c;
	size_t i;
	int rc;

	/* Databases, PIN files, tokens: nothing for group or others. */
	umask(077);
	log_init("pecete");
	/* jansson frees by wiping (codes, passwords in JSON): every command. */
	api_init();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("pecete %s\n", PECETE_VERSION);
		return 0;
	}
	for (i = 0; i < PC_ARRAY_LEN(commands); i++) {
		c = &commands[i];
		if (strcmp(argv[1], c->noun) != 0)
			continue;
		if (c->verb == NULL) {
			rc = c->fn(argc - 1, argv + 1);
			OPENSSL_cleanup();
			return rc;
		}
		if (argc >= 3 && strcmp(argv[2], c->verb) == 0) {
			rc = c->fn(argc - 2, argv + 2);
			OPENSSL_cleanup();
			return rc;
		}
	}
	fprintf(stderr, "pecete: unknown command \"%s%s%s\"\n", argv[1],
	    argc >= 3 ? " " : "", argc >= 3 ? argv[2] : "");
	usage(stderr);
	return 2;
}
