/*
 * cmd_privacy.c: pecete privacy retention --data DIR [--apply] [--json]
 *
 * The retention report (privacy/privacy.h, privacy_retention): for each
 * kind of data kept for a legal period, how many rows are held, how many
 * are past their period now and when the next one falls due. With
 * --apply, what is due is deleted or anonymised now (the server's
 * retention job does it daily) and the report says how many went.
 */
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "privacy/privacy.h"

static void
print_day(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(out, n, "-");
	else
		strftime(out, n, "%Y-%m-%d", &tm);
}

int
cmd_privacy_retention(int argc, char **argv)
{
	const char *dir = NULL;
	bool apply = false, as_json = false;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ "apply", 0, CLI_FLAG, &apply, 0 },
		{ "json", 0, CLI_FLAG, &as_json, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "privacy retention",
		"--data DIR [--apply] [--json]", opts, 0, 0 };
	struct cli_core core;
	struct pc_env e;
	json_t *rep = NULL, *r;
	size_t i;
	char day[16];
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(&core, spec.cmd, dir, CORE_STORE | CORE_VAULT);
	if (ret != 0)
		goto out;
	ret = 1;
	cli_core_env(&core, "cli", &e);
	rc = privacy_retention(&e, apply, &rep);
	if (rc != PC_OK) {
		cli_err(spec.cmd, "cannot %s the retention rules (%s)",
		    apply ? "apply" : "read", pc_rc_str(rc));
		goto out;
	}
	if (as_json) {
		json_dumpf(rep, stdout, JSON_COMPACT);
		printf("\n");
	} else {
		printf("%-18s %8s %8s %-10s %8s  %s\n", "data", "held", "due",
		    "next due", "deleted", "why");
		json_array_foreach(json_object_get(rep, "rules"), i, r)
		{
			print_day(
			    json_integer_value(json_object_get(r, "next_due")),
			    day, sizeof(day));
			printf("%-18s %8lld %8lld %-10s %8lld  %s\n",
			    json_string_value(json_object_get(r, "name")),
			    (long long)json_integer_value(
			        json_object_get(r, "held")),
			    (long long)json_integer_value(
			        json_object_get(r, "due")),
			    day,
			    (long long)json_integer_value(
			        json_object_get(r, "deleted")),
			    json_string_value(json_object_get(r, "why")));
		}
	}
	ret = 0;
out:
	json_decref(rep);
	cli_core_close(&core);
	return ret;
}
