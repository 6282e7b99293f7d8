/*
 * cmd_user.c: pecete user role --data DIR --email E --role user|operator|admin
 * Gives a user a role (operators see and refund orders).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store_shop.h"

#define USER_ROLE_USAGE                                                        \
	"usage: pecete user role --data DIR --email E "                        \
	"--role user|operator|admin\n"

/* pecete user role: set users.role, audited. */
int
cmd_user_role(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "email", required_argument, NULL, 'e' },
		{ "role", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_core core;
	struct db *db = NULL;
	const char *dir = NULL, *email = NULL, *role = NULL;
	char detail[300];
	enum pc_rc rc;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:e:r:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'e':
			email = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		default:
			fprintf(stderr, USER_ROLE_USAGE);
			return 2;
		}
	}
	if (optind != argc || dir == NULL || email == NULL || role == NULL ||
	    (strcmp(role, "user") != 0 && strcmp(role, "operator") != 0 &&
	        strcmp(role, "admin") != 0)) {
		fprintf(stderr, USER_ROLE_USAGE);
		return 2;
	}
	ret = cli_core_open(&core, "user role", dir, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = store_acquire(core.store, &db);
	if (rc == PC_OK)
		rc = db_begin(db);
	if (rc == PC_OK) {
		rc = store_user_role_set(db, email, role);
		snprintf(detail, sizeof(detail), "email=%.200s role=%s", email,
		    role);
		if (rc == PC_OK)
			rc = store_audit_append(db, "cli", "user.role", detail);
		rc = rc == PC_OK ? db_commit(db) : (db_rollback(db), rc);
	}
	if (rc == PC_ENOTFOUND) {
		cli_err("user role", "no user with e-mail %s", email);
		goto out;
	}
	if (rc != PC_OK) {
		cli_err("user role", "failed (%s)", pc_rc_str(rc));
		goto out;
	}
	printf("%s is now %s\n", email, role);
	ret = 0;
out:
	if (db != NULL)
		store_release(core.store, db);
	cli_core_close(&core);
	return ret;
}
