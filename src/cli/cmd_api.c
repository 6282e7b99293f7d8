/*
 * cmd_api.c: pecete api routes | errors: the routes table and the error
 * registry as JSON (for docs and the contract test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"

static int
print(char *s)
{
	if (s == NULL) {
		cli_err("api", "out of memory");
		return 1;
	}
	printf("%s\n", s);
	free(s);
	return 0;
}

int
cmd_api_routes(int argc, char **argv)
{
	return print(api_routes_json());
}

int
cmd_api_errors(int argc, char **argv)
{
	return print(api_errors_json());
}
