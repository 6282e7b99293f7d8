/*
 * cmd_user.c: pecete user role --data DIR --email E --role user|operator|admin
 * Gives a user a role (operators see and refund orders).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store_shop.h"

/* pecete user role: set users.role, audited. */
int
cmd_user_role(int argc, char **argv)
{
	static const char *const roles[] = { "user", "operator", "admin",
		NULL };
	const char *dir = NULL, *email = NULL, *role = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ "email", 'e', CLI_STR, &email, CLI_REQ },
		{ "role", 'r', CLI_STR, &role, CLI_REQ },
		{ NULL },
	};
	const struct cli_spec spec = { "user role",
		"--data DIR --email E --role user|operator|admin", opts, 0, 0 };
	struct cli_core core;
	struct db *db = NULL;
	char detail[300];
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (cli_choice(role, roles) < 0)
		return cli_usage_error(&spec, "unknown role \"%s\"", role);
	ret = cli_core_open(&core, spec.cmd, dir, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	snprintf(detail, sizeof(detail), "email=%.200s role=%s", email, role);
	rc = store_write_begin(core.store, &db);
	if (rc == PC_OK)
		rc = store_user_role_set(db, email, role);
	if (rc == PC_OK)
		rc = store_audit_append(db, "cli", "user.role", detail);
	rc = store_write_end(core.store, db, rc);
	if (rc == PC_ENOTFOUND) {
		cli_err(spec.cmd, "no user with e-mail %s", email);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err(spec.cmd, "failed (%s)", pc_rc_str(rc));
		goto out;
	}
	printf("%s is now %s\n", email, role);
	ret = 0;
out:
	cli_core_close(&core);
	return ret;
}
