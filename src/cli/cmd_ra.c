/*
 * cmd_ra.c: pecete ra list|show|accept|reject|redo|export|purge: the RA
 * console for operators without a browser (scripts, tests). The same
 * domain calls as the web console (src/ra), audited with the operator's
 * user id; the operator is named by e-mail and must hold the operator
 * role. Running it needs the data directory (the server's files): that is
 * the credential here, in place of the web console's TOTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/env.h"
#include "base/log.h"
#include "cli/cli.h"
#include "ra/ra.h"
#include "store/store_account.h"

struct ra_args {
	const char *verb, *dir, *state, *op_email, *id, *out, *reason, *text;
	struct ra_identity who;
	bool checked;
};

static const char ra_usage[] =
    "list --data DIR [--state S]\n"
    "       pecete ra show --data DIR --operator E CASE\n"
    "       pecete ra accept --data DIR --operator E CASE --checked\n"
    "             --given-name G --surname S --doc-type T --doc-number N\n"
    "             --doc-expiry YYYY-MM-DD [--doc-series XX] [--cnp C]\n"
    "             [--country CC]\n"
    "       pecete ra reject --data DIR --operator E CASE --reason R "
    "[--text T]\n"
    "       pecete ra redo --data DIR --operator E CASE [--text T]\n"
    "       pecete ra export --data DIR --operator E CASE --out DIR\n"
    "       pecete ra purge --data DIR";

static int
parse(int argc, char **argv, struct ra_args *a)
{
	const struct cli_opt opts[] = {
		{ "data", 0, CLI_STR, &a->dir, CLI_REQ },
		{ "state", 0, CLI_STR, &a->state, 0 },
		{ "operator", 0, CLI_STR, &a->op_email, 0 },
		{ "out", 0, CLI_STR, &a->out, 0 },
		{ "reason", 0, CLI_STR, &a->reason, 0 },
		{ "text", 0, CLI_STR, &a->text, 0 },
		{ "checked", 0, CLI_FLAG, &a->checked, 0 },
		{ "given-name", 0, CLI_STR, &a->who.given_name, 0 },
		{ "surname", 0, CLI_STR, &a->who.surname, 0 },
		{ "doc-type", 0, CLI_STR, &a->who.doc_type, 0 },
		{ "doc-series", 0, CLI_STR, &a->who.doc_series, 0 },
		{ "doc-number", 0, CLI_STR, &a->who.doc_number, 0 },
		{ "doc-expiry", 0, CLI_STR, &a->who.doc_expiry, 0 },
		{ "cnp", 0, CLI_STR, &a->who.cnp, 0 },
		{ "country", 0, CLI_STR, &a->who.country, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "ra", ra_usage, opts, 0, 1 };
	int first, ret;

	memset(a, 0, sizeof(*a));
	a->verb = argv[0];
	ret = cli_parse(&spec, argc, argv, &first);
	if (ret != CLI_GO)
		return ret;
	if (first < argc)
		a->id = argv[first];
	/* Every verb but list and purge names a case and an operator. */
	if ((strcmp(a->verb, "list") != 0 && strcmp(a->verb, "purge") != 0 &&
	        (a->id == NULL || a->op_email == NULL)) ||
	    (strcmp(a->verb, "export") == 0 && a->out == NULL))
		return cli_usage_error(&spec, NULL);
	return CLI_GO;
}

/* The operator's user id, checking the role. */
static int
operator_id(struct store *st, const char *email, char *id, size_t n)
{
	struct store_user u;
	enum pc_rc rc;
	int ret = 1;

	STORE_ONE(rc, st, store_user_get_by_email(db, email, &u));
	if (rc != PC_OK) {
		cli_err("ra", "no user with e-mail %s", email);
		return 1;
	}
	if (strcmp(u.role, "operator") != 0 && strcmp(u.role, "admin") != 0)
		cli_err("ra",
		    "%s is not an operator (pecete user role --role operator)",
		    email);
	else {
		snprintf(id, n, "%s", u.id);
		ret = 0;
	}
	store_user_cleanup(&u);
	return ret;
}

static enum pc_rc
print_row(void *arg, const struct store_idv_case *c)
{
	char sub[32] = "-", dl[32] = "-";

	if (c->submitted_at != 0)
		clock_fmt_iso(c->submitted_at, sub, sizeof(sub));
	if (c->deadline_at != 0)
		clock_fmt_iso(c->deadline_at, dl, sizeof(dl));
	printf("%s %-9s %-10s attempt=%lld submitted=%s deadline=%s%s\n", c->id,
	    c->state, c->doc_type, (long long)c->attempt, sub, dl,
	    c->claimed_by[0] ? " (claimed)" : "");
	return PC_OK;
}

static void
fail_msg(const char *verb, enum pc_rc rc, const struct pc_err *err)
{
	if (err->code != PCE_NONE)
		cli_err("ra", "%s: %s%s%s%s", verb, pc_ecode_message(err->code),
		    err->field != NULL ? " (" : "",
		    err->field != NULL ? err->field : "",
		    err->field != NULL ? ")" : "");
	else
		cli_err("ra", "%s failed (%s)", verb, pc_rc_str(rc));
}

static enum pc_rc
show(const struct pc_env *e, const char *op, const char *id)
{
	struct store_idv_case c;
	struct store_order o;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	rc = ra_case_get(e, op, id, &c, &o, &err);
	if (rc != PC_OK) {
		fail_msg("show", rc, &err);
		return rc;
	}
	printf("case %s (order %s, attempt %lld): %s\n", c.id, o.number,
	    (long long)c.attempt, c.state);
	printf("document: %s\nphone: %s%s\n", c.doc_type,
	    c.phone != NULL ? c.phone : "",
	    c.phone_changed ? " (changed)" : "");
	printf("challenges: %s\nsteps: %s\n", c.challenges ? c.challenges : "",
	    c.steps ? c.steps : "");
	printf("sms: %s, %lld wrong\n",
	    c.sms_verified_at ? "verified" : "not verified",
	    (long long)c.sms_failures);
	printf("client: %s\n", c.client != NULL ? c.client : "-");
	printf(
	    "manifest: %s\n", c.manifest_sha256[0] ? c.manifest_sha256 : "-");
	if (c.identity != NULL)
		printf("identity: %s\n", c.identity);
	if (c.reason[0] != '\0')
		printf("reason: %s %s\n", c.reason,
		    c.reason_text != NULL ? c.reason_text : "");
	store_idv_case_cleanup(&c);
	store_order_cleanup(&o);
	return PC_OK;
}

/* Claim (the web console's first step), then decide. */
static enum pc_rc
decide(const struct pc_env *e, const struct ra_args *a, const char *op,
    struct pc_err *err)
{
	char checks[512];
	int64_t until = 0;
	size_t i, n = 0;
	enum pc_rc rc;

	rc = ra_claim(e, op, a->id, &until, err);
	if (rc != PC_OK)
		return rc;
	if (strcmp(a->verb, "reject") == 0)
		return ra_reject(e, op, a->id, a->reason, a->text, err);
	if (strcmp(a->verb, "redo") == 0)
		return ra_redo(e, op, a->id, a->text, err);
	/* accept: --checked ticks every item, having looked at them. */
	n += (size_t)snprintf(checks, sizeof(checks), "{");
	for (i = 0; i < ra_nchecklist && n < sizeof(checks); i++)
		n += (size_t)snprintf(checks + n, sizeof(checks) - n,
		    "%s\"%s\":%s", i ? "," : "", ra_checklist[i].key,
		    a->checked ? "true" : "false");
	if (n < sizeof(checks))
		snprintf(checks + n, sizeof(checks) - n, "}");
	return ra_accept(e, op, a->id, checks, &a->who, err);
}

int
cmd_ra(int argc, char **argv)
{
	struct ra_args a;
	struct cli_core core;
	struct pc_env e;
	struct pc_err err = { 0 };
	char op[64] = "";
	int64_t n = 0;
	enum pc_rc rc;
	int ret;

	ret = parse(argc, argv, &a);
	if (ret != CLI_GO)
		return ret;
	ret = cli_core_open(&core, "ra", a.dir, CORE_STORE | CORE_VAULT);
	if (ret != 0)
		goto out;
	ret = 1;
	if (a.op_email != NULL &&
	    operator_id(core.store, a.op_email, op, sizeof(op)) != 0)
		goto out;
	cli_core_env(&core, op[0] ? op : "cli", &e);
	if (strcmp(a.verb, "list") == 0) {
		rc = ra_queue(&e, a.state, print_row, NULL);
		if (rc == PC_EINVAL)
			cli_err("ra", "unknown state %s", a.state);
	} else if (strcmp(a.verb, "show") == 0) {
		rc = show(&e, op, a.id);
	} else if (strcmp(a.verb, "export") == 0) {
		rc = ra_evidence_export(&e, a.id, a.out, &err);
		if (rc == PC_OK)
			printf(
			    "evidence of case %s written to %s\n", a.id, a.out);
		else
			fail_msg("export", rc, &err);
	} else if (strcmp(a.verb, "purge") == 0) {
		rc = ra_purge(&e, &n);
		if (rc == PC_OK)
			printf("%lld cases' evidence deleted\n", (long long)n);
	} else {
		rc = decide(&e, &a, op, &err);
		if (rc == PC_OK)
			printf("case %s: %s done\n", a.id, a.verb);
		else
			fail_msg(a.verb, rc, &err);
	}
	ret = rc == PC_OK ? 0 : 1;
out:
	cli_core_close(&core);
	return ret;
}
