/*
 * store_roles.c: the web side's PostgreSQL role (see store.h,
 * store_grant_web). The signer, whose role owns the schema, grants it
 * after migrating: the tables of each migration are covered at the next
 * start, and the SAD state stays the signer's alone.
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "store/store_int.h"
#include "store/store_row.h"

/* The tables the web side reads and never writes: the TOTP state, the
 * credentials' quota, the signature records, the schema's history. */
static const char sad_tables[] =
    "totp_secrets, credentials, signatures, schema_migrations";

/* A plain lower-case SQL identifier (it is not a bound parameter). */
static bool
ident_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

bool
store_role_name_ok(const char *role)
{
	return role != NULL && ident_ok(role);
}

enum pc_rc
store_grant_web(struct store *s, const char *role)
{
	struct db *db = NULL;
	char sql[1024];
	int64_t yes = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(s != NULL, PC_EINTERNAL);
	if (!store_role_name_ok(role))
		return PC_EINVAL;
	if (store_kind(s) != STORE_PG)
		return PC_ESTATE;
	rc = store_acquire(s, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_q_i64(db, &yes,
	    "SELECT count(*) FROM pg_roles WHERE rolname = $1", "s", role);
	if (rc == PC_OK && yes == 0) {
		log_error("store: the web role %s does not exist (create it: "
		          "docs/operations.md, \"Two database roles\")",
		    role);
		rc = PC_ENOTFOUND;
	}
	if (rc == PC_OK)
		rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	/* Nodes starting together grant one after the other (concurrent
	 * GRANTs on one table fail with "tuple concurrently updated"). */
	rc = db_exec(db, MIGRATE_LOCK_SQL);
	/* The schema in use (search_path), quoted by format(). */
	snprintf(sql, sizeof(sql),
	    "DO $pecete$ DECLARE sch text := current_schema(); BEGIN"
	    " EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%I', sch, '%s');"
	    " EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL"
	    " TABLES IN SCHEMA %%I TO %%I', sch, '%s');"
	    " EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA"
	    " %%I TO %%I', sch, '%s');"
	    " EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s"
	    " FROM %%I', '%s'); END $pecete$",
	    role, role, role, sad_tables, role);
	if (rc == PC_OK)
		rc = db_exec(db, sql);
	if (rc == PC_OK)
		rc = db_commit(db);
	else
		db_rollback(db);
	if (rc == PC_OK)
		log_info("store: role %s may read everything and write all but "
		         "%s",
		    role, sad_tables);
out:
	store_release(s, db);
	return rc;
}
