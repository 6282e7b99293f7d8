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
	if (ret == 0)
		printf("configuration OK\n");
	conf_free(&conf);
	return ret;
}
