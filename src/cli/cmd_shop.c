/*
 * cmd_shop.c: the catalog and promo codes from the command line.
 *   pecete shop package list --data DIR
 *   pecete shop package set --data DIR --code C --name N --years Y
 *       --transactions T --net-cents EUR_CENTS --description D
 *       [--inactive] [--sort N]
 *   pecete shop promo add --data DIR --code C (--percent BP | --fixed CENTS)
 *       --from YYYY-MM-DD --to YYYY-MM-DD [--max-uses N] [--packages a,b]
 *   pecete shop promo list --data DIR
 *   pecete shop promo disable --data DIR --code C
 *   pecete shop rate --data DIR      download and cache the BNR rate now
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "shop/shop.h"
#include "store/store_shop.h"

/* "YYYY-MM-DD" → seconds at 00:00 UTC, -1 when bad. */
static int64_t
day(const char *d)
{
	int y, m, dd;
	int64_t era, yoe, doy, doe;

	if (d == NULL || sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) != 3 ||
	    strlen(d) != 10 || m < 1 || m > 12 || dd < 1 || dd > 31)
		return -1;
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400;
}

static enum pc_rc
pkg_print(void *arg, const struct store_package *p)
{
	(void)arg;
	printf("%s\t%s\t%lld years\t%lld tx\t%lld cents\t%s\t%s\n", p->code,
	    p->name, (long long)p->years, (long long)p->transactions,
	    (long long)p->net_cents, p->active ? "active" : "inactive",
	    p->description);
	return PC_OK;
}

static enum pc_rc
promo_print(void *arg, const struct store_promo *p)
{
	(void)arg;
	printf("%s\t%s\t%lld\tuses %lld/%lld\t[%lld, %lld)\t%s\t%s\n", p->code,
	    p->kind, (long long)p->value, (long long)p->used,
	    (long long)p->max_uses, (long long)p->valid_from,
	    (long long)p->valid_to, p->packages[0] != '\0' ? p->packages : "*",
	    p->active ? "active" : "disabled");
	return PC_OK;
}

enum shop_cmd { PKG_LIST, PKG_SET, PROMO_ADD, PROMO_LIST, PROMO_DISABLE };

/* The numbers of the options, each 0 (absent) or in 0..max. */
struct shop_num {
	const char *const *arg;
	int64_t *out;
	int64_t max;
};

static int
shop_run(int argc, char **argv, enum shop_cmd what, const char *name)
{
	const char *dir = NULL, *code = NULL, *from = NULL, *to = NULL;
	const char *pname = NULL, *desc = NULL, *packages = "";
	const char *years = NULL, *tx = NULL, *net = NULL, *sort = NULL;
	const char *percent = NULL, *fixed = NULL, *max_uses = NULL;
	bool inactive = false;
	const struct cli_opt opts[] = {
		{ "data", 0, CLI_STR, &dir, CLI_REQ },
		{ "code", 0, CLI_STR, &code, 0 },
		{ "name", 0, CLI_STR, &pname, 0 },
		{ "years", 0, CLI_STR, &years, 0 },
		{ "transactions", 0, CLI_STR, &tx, 0 },
		{ "net-cents", 0, CLI_STR, &net, 0 },
		{ "description", 0, CLI_STR, &desc, 0 },
		{ "inactive", 0, CLI_FLAG, &inactive, 0 },
		{ "sort", 0, CLI_STR, &sort, 0 },
		{ "percent", 0, CLI_STR, &percent, 0 },
		{ "fixed", 0, CLI_STR, &fixed, 0 },
		{ "from", 0, CLI_STR, &from, 0 },
		{ "to", 0, CLI_STR, &to, 0 },
		{ "max-uses", 0, CLI_STR, &max_uses, 0 },
		{ "packages", 0, CLI_STR, &packages, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { name,
		"--data DIR ... (see docs/operations.md, \"Payments\")", opts,
		0, 0 };
	struct store_package pk;
	struct store_promo pr;
	const struct shop_num nums[] = {
		{ &years, &pk.years, INT64_MAX },
		{ &tx, &pk.transactions, INT64_MAX },
		{ &net, &pk.net_cents, INT64_MAX },
		{ &sort, &pk.sort, INT64_MAX },
		{ &percent, &pr.value, 10000 },
		{ &fixed, &pr.value, INT64_MAX },
		{ &max_uses, &pr.max_uses, INT64_MAX },
	};
	struct cli_core core;
	struct db *db = NULL;
	size_t i;
	bool ok = true;
	enum pc_rc rc = PC_EINTERNAL;
	int ret;

	memset(&pk, 0, sizeof(pk));
	memset(&pr, 0, sizeof(pr));
	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	for (i = 0; i < PC_ARRAY_LEN(nums); i++)
		if (*nums[i].arg != NULL)
			ok = ok &&
			     cli_num(*nums[i].arg, 0, nums[i].max, nums[i].out);
	pk.name = (char *)(uintptr_t)pname;
	pk.description = (char *)(uintptr_t)desc;
	pk.active = !inactive;
	pr.packages = (char *)(uintptr_t)packages;
	if (percent != NULL)
		pr.kind = (char *)SHOP_PROMO_PERCENT;
	if (fixed != NULL)
		pr.kind = (char *)SHOP_PROMO_FIXED;
	if ((what == PKG_SET || what == PROMO_ADD || what == PROMO_DISABLE) &&
	    (code == NULL || strlen(code) > STORE_CODE_MAX || code[0] == '\0'))
		ok = false;
	if (what == PKG_SET &&
	    (pk.name == NULL || pk.description == NULL || pk.years < 1 ||
	        pk.transactions < 1 || pk.net_cents < 1))
		ok = false;
	if (what == PROMO_ADD) {
		pr.valid_from = day(from);
		pr.valid_to = day(to);
		if (pr.kind == NULL || pr.valid_from < 0 || pr.valid_to < 0)
			ok = false;
		pr.valid_to += 86400; /* through the end of that day */
	}
	if (!ok)
		return cli_usage_error(&spec, NULL);
	ret = cli_core_open(&core, name, dir, CORE_DB);
	if (ret != 0)
		goto out;
	ret = 1;
	db = core.db;
	switch (what) {
	case PKG_LIST:
		rc = store_shop_package_each(db, true, pkg_print, NULL);
		break;
	case PKG_SET:
		snprintf(pk.code, sizeof(pk.code), "%s", code);
		rc = store_shop_package_put(db, &pk);
		if (rc == PC_OK)
			rc = store_audit_append(
			    db, "cli", "shop.package.set", code);
		break;
	case PROMO_ADD:
		/* Codes are kept in capitals and found whatever the case. */
		snprintf(pr.code, sizeof(pr.code), "%s", code);
		for (i = 0; pr.code[i] != '\0'; i++)
			pr.code[i] = (char)toupper((unsigned char)pr.code[i]);
		pr.created_at = clock_now();
		rc = store_shop_promo_add(db, &pr);
		if (rc == PC_OK)
			rc = store_audit_append(
			    db, "cli", "shop.promo.add", code);
		break;
	case PROMO_LIST:
		rc = store_shop_promo_each(db, promo_print, NULL);
		break;
	case PROMO_DISABLE:
		rc = store_shop_promo_disable(db, code);
		if (rc == PC_OK)
			rc = store_audit_append(
			    db, "cli", "shop.promo.disable", code);
		break;
	}
	if (rc == PC_EEXIST)
		cli_err(name, "%s exists already", code);
	else if (rc == PC_ENOTFOUND)
		cli_err(name, "no such code %s", code);
	else if (rc != PC_OK)
		cli_err(name, "failed (%s)", pc_rc_str(rc));
	else
		ret = 0;
	if (ret == 0 &&
	    (what == PKG_SET || what == PROMO_ADD || what == PROMO_DISABLE))
		printf("%s: %s done\n", name, code);
out:
	cli_core_close(&core);
	return ret;
}

static const struct shop_verb {
	const char *noun, *verb;
	enum shop_cmd what;
	const char *name;
} shop_verbs[] = {
	{ "package", "list", PKG_LIST, "shop package list" },
	{ "package", "set", PKG_SET, "shop package set" },
	{ "promo", "add", PROMO_ADD, "shop promo add" },
	{ "promo", "list", PROMO_LIST, "shop promo list" },
	{ "promo", "disable", PROMO_DISABLE, "shop promo disable" },
};

/* argv[0] "package" or "promo", argv[1] the verb (one of verbs). */
static int
shop_dispatch(int argc, char **argv, const char *verbs)
{
	const struct shop_verb *v;
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(shop_verbs); i++) {
		v = &shop_verbs[i];
		if (argc >= 2 && strcmp(argv[0], v->noun) == 0 &&
		    strcmp(argv[1], v->verb) == 0)
			return shop_run(argc - 1, argv + 1, v->what, v->name);
	}
	fprintf(stderr, "usage: pecete shop %s %s --data DIR ...\n", argv[0],
	    verbs);
	return 2;
}

int
cmd_shop_package(int argc, char **argv)
{
	return shop_dispatch(argc, argv, "list|set");
}

int
cmd_shop_promo(int argc, char **argv)
{
	return shop_dispatch(argc, argv, "add|list|disable");
}
