/*
 * cmd_oauth.c: pecete oauth client add|list|remove: the OAuth2 clients
 * the authorization server knows (csc/csc_oauth.h). A confidential
 * client's secret is printed once, at add; only its hash is kept.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "csc/csc_oauth.h"

static int
client_add(int argc, char **argv)
{
	static const char *const modes[] = { "explicit", "oauth2code", NULL };
	const char *dir = NULL, *name = NULL, *mode = "oauth2code";
	const char *rv[16];
	struct cli_list redirects = { rv, 0, 16 };
	bool pub = false;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ "name", 'n', CLI_STR, &name, CLI_REQ },
		{ "redirect", 'r', CLI_LIST, &redirects, CLI_REQ },
		{ "public", 0, CLI_FLAG, &pub, 0 },
		{ "auth-mode", 0, CLI_STR, &mode, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "oauth client add",
		"--data DIR --name N --redirect URI... [--public] "
		"[--auth-mode explicit|oauth2code]",
		opts, 0, 0 };
	char id[STORE_TOKEN_ID_MAX + 1], secret[OAUTH_SECRET_LEN + 1];
	struct pc_err err = { 0 };
	struct cli_core core;
	struct pc_env e;
	struct buf b;
	size_t i;
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (cli_choice(mode, modes) < 0)
		return cli_usage_error(&spec, "unknown auth mode \"%s\"", mode);
	buf_init(&b, 64 * 1024);
	for (i = 0; i < redirects.n; i++) {
		if (strchr(redirects.v[i], '\n') != NULL)
			return cli_usage_error(
			    &spec, "a redirect URI per line");
		buf_printf(&b, "%s%s", i > 0 ? "\n" : "", redirects.v[i]);
	}
	buf_append(&b, "", 1);
	ret = cli_core_open(&core, spec.cmd, dir, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	cli_core_env(&core, "cli", &e);
	rc = b.failed ? PC_ENOMEM
	              : oauth_client_add(&e, name, (const char *)b.data, pub,
	                    mode, id, secret, &err);
	if (rc != PC_OK) {
		cli_err(spec.cmd, "%s%s%s", err.field != NULL ? err.field : "",
		    err.field != NULL ? ": " : "",
		    err.code != PCE_NONE ? pc_ecode_message(err.code)
		                         : pc_rc_str(rc));
		goto out;
	}
	printf("client_id: %s\n", id);
	if (!pub) {
		printf("client_secret: %s\n", secret);
		printf("(the secret is shown once; only its hash is kept)\n");
	}
	secret_wipe(secret, sizeof(secret));
	ret = 0;
out:
	buf_cleanup(&b);
	cli_core_close(&core);
	return ret;
}

static enum pc_rc
client_print(void *arg, const struct store_oauth_client *c)
{
	const char *p;

	(void)arg;
	printf("%s\t%s\t%s\t%s\t", c->id, c->type, c->auth_mode, c->name);
	for (p = c->redirect_uris; p != NULL && *p != '\0'; p++)
		putchar(*p == '\n' ? ' ' : *p);
	putchar('\n');
	return PC_OK;
}

static int
client_list(int argc, char **argv)
{
	const char *cmd = "oauth client list";
	struct cli_core core;
	enum pc_rc rc;
	int ret;

	ret = cli_core_open_data(&core, cmd, argc, argv, CORE_STORE);
	if (ret != CLI_GO)
		return ret;
	ret = 0;
	STORE_ONE(
	    rc, core.store, store_oauth_client_each(db, client_print, NULL));
	if (rc != PC_OK) {
		cli_err(cmd, "failed (%s)", pc_rc_str(rc));
		ret = 1;
	}
	cli_core_close(&core);
	return ret;
}

static int
client_remove(int argc, char **argv)
{
	const char *dir = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ NULL },
	};
	const struct cli_spec spec = { "oauth client remove",
		"--data DIR CLIENT_ID", opts, 1, 1 };
	struct cli_core core;
	struct pc_env e;
	enum pc_rc rc;
	int first = 0, ret;

	ret = cli_parse(&spec, argc, argv, &first);
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(&core, spec.cmd, dir, CORE_STORE);
	if (ret != 0)
		goto out;
	cli_core_env(&core, "cli", &e);
	rc = oauth_client_remove(&e, argv[first]);
	if (rc == PC_ENOTFOUND) {
		cli_err(spec.cmd, "no client %s", argv[first]);
		ret = 1;
	} else if (rc != PC_OK) {
		cli_err(spec.cmd, "failed (%s)", pc_rc_str(rc));
		ret = 1;
	} else {
		printf("client %s removed; its tokens revoked\n", argv[first]);
	}
out:
	cli_core_close(&core);
	return ret;
}

/* argv[0] "client", argv[1] the verb. */
int
cmd_oauth_client(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return client_add(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return client_list(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "remove") == 0)
		return client_remove(argc - 1, argv + 1);
	fprintf(stderr,
	    "usage: pecete oauth client add|list|remove --data DIR ...\n");
	return 2;
}
