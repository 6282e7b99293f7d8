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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "shop/shop.h"
#include "store/store_shop.h"

static int64_t
num(const char *s, bool *ok)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0)
		*ok = false;
	return (int64_t)v;
}

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

static int
shop_run(int argc, char **argv, enum shop_cmd what, const char *name)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "code", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "years", required_argument, NULL, 'y' },
		{ "transactions", required_argument, NULL, 't' },
		{ "net-cents", required_argument, NULL, 'e' },
		{ "description", required_argument, NULL, 'D' },
		{ "inactive", no_argument, NULL, 'i' },
		{ "sort", required_argument, NULL, 's' },
		{ "percent", required_argument, NULL, 'p' },
		{ "fixed", required_argument, NULL, 'x' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "max-uses", required_argument, NULL, 'm' },
		{ "packages", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_package pk;
	struct store_promo pr;
	struct cli_core core;
	struct db *db = NULL;
	const char *dir = NULL, *code = NULL, *from = NULL, *to = NULL;
	size_t i;
	bool ok = true;
	enum pc_rc rc;
	int c, ret;

	memset(&pk, 0, sizeof(pk));
	memset(&pr, 0, sizeof(pr));
	pk.active = true;
	pr.packages = (char *)"";
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'c':
			code = optarg;
			break;
		case 'n':
			pk.name = optarg;
			break;
		case 'y':
			pk.years = num(optarg, &ok);
			break;
		case 't':
			pk.transactions = num(optarg, &ok);
			break;
		case 'e':
			pk.net_cents = num(optarg, &ok);
			break;
		case 'D':
			pk.description = optarg;
			break;
		case 'i':
			pk.active = false;
			break;
		case 's':
			pk.sort = num(optarg, &ok);
			break;
		case 'p':
			pr.kind = (char *)SHOP_PROMO_PERCENT;
			pr.value = num(optarg, &ok);
			ok = ok && pr.value <= 10000;
			break;
		case 'x':
			pr.kind = (char *)SHOP_PROMO_FIXED;
			pr.value = num(optarg, &ok);
			break;
		case 'F':
			from = optarg;
			break;
		case 'T':
			to = optarg;
			break;
		case 'm':
			pr.max_uses = num(optarg, &ok);
			break;
		case 'P':
			pr.packages = optarg;
			break;
		default:
			ok = false;
			break;
		}
	}
	if (optind != argc || dir == NULL)
		ok = false;
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
	if (!ok) {
		fprintf(stderr,
		    "usage: pecete %s --data DIR ... (see "
		    "docs/operations.md, \"Payments\")\n",
		    name);
		return 2;
	}
	ret = cli_core_open(&core, name, dir, CORE_STORE);
	if (ret != 0)
		goto out;
	ret = 1;
	rc = store_acquire(core.store, &db);
	if (rc != PC_OK)
		goto fail;
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
fail:
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
	if (db != NULL)
		store_release(core.store, db);
	cli_core_close(&core);
	return ret;
}

/* argv[0] "package" or "promo", argv[1] the verb. */
int
cmd_shop_package(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return shop_run(
		    argc - 1, argv + 1, PKG_LIST, "shop package list");
	if (argc >= 2 && strcmp(argv[1], "set") == 0)
		return shop_run(
		    argc - 1, argv + 1, PKG_SET, "shop package set");
	fprintf(stderr, "usage: pecete shop package list|set --data DIR ...\n");
	return 2;
}

int
cmd_shop_promo(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return shop_run(
		    argc - 1, argv + 1, PROMO_ADD, "shop promo add");
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return shop_run(
		    argc - 1, argv + 1, PROMO_LIST, "shop promo list");
	if (argc >= 2 && strcmp(argv[1], "disable") == 0)
		return shop_run(
		    argc - 1, argv + 1, PROMO_DISABLE, "shop promo disable");
	fprintf(stderr,
	    "usage: pecete shop promo add|list|disable --data DIR ...\n");
	return 2;
}
