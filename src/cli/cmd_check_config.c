/*
 * cmd_check_config.c: pecete check-config --data DIR | -f FILE
 * Parses the configuration (file + environment) and says what is wrong.
 */
#include <stdio.h>

#include "base/conf.h"
#include "cli/cli.h"
#include "validate/tl.h"
#include "validate/validate.h"

enum pc_rc
cli_conf_check(const struct conf *conf, char *err, size_t n)
{
	unsigned nanch = 0;
	enum pc_rc rc;

	rc = conf_check_deploy(conf, err, n);
	if (rc == PC_OK)
		rc = validate_anchors(conf, true, NULL, &nanch, err, n);
	if (rc == PC_OK)
		rc = tl_conf_check(conf, err, n);
	return rc;
}

int
cmd_check_config(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, 0 },
		{ "config", 'f', CLI_STR, &file, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "check-config", "--data DIR | -f FILE",
		opts, 0, -1 };
	struct conf conf;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (dir == NULL && file == NULL)
		return cli_usage_error(&spec, NULL);
	ret = cli_conf_load(&conf, dir ? dir : ".", file);
	if (ret == 0) {
		char err[512];

		if (cli_conf_check(&conf, err, sizeof(err)) != PC_OK) {
			fprintf(stderr, "pecete: configuration: %s\n", err);
			ret = 1;
		} else {
			printf("configuration OK%s\n",
			    conf.server.dev_mode
			        ? " (development mode: outbox and sandbox "
			          "payments; not for production)"
			        : "");
		}
	}
	conf_free(&conf);
	return ret;
}
