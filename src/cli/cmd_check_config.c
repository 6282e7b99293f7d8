/*
 * cmd_check_config.c: pecete check-config --data DIR | -f FILE
 * Parses the configuration (file + environment) and says what is wrong.
 */
#include <getopt.h>
#include <stdio.h>

#include "base/conf.h"
#include "cli/cli.h"

int
cmd_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct conf conf;
	const char *dir = NULL, *file = NULL;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:f:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			fprintf(stderr, "usage: pecete check-config --data DIR "
			                "| -f FILE\n");
			return 2;
		}
	}
	if (dir == NULL && file == NULL) {
		fprintf(stderr,
		    "usage: pecete check-config --data DIR | -f FILE\n");
		return 2;
	}
	ret = cli_conf_load(&conf, dir ? dir : ".", file);
	if (ret == 0) {
		char err[512];

		if (conf_check_deploy(&conf, err, sizeof(err)) != PC_OK) {
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
