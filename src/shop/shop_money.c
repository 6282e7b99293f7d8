/*
 * shop_money.c: integer money arithmetic, promo rules, the CUI check digit.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "shop/shop.h"

enum pc_rc
shop_muldiv(int64_t a, int64_t num, int64_t den, int64_t *out)
{
	__int128 p;

	RETURN_VAL_IF_FAIL(out != NULL && den > 0, PC_EINTERNAL);
	if (a < 0 || num < 0)
		return PC_EINVAL;
	p = (__int128)a * num;
	p = (p * 2 + den) / (2 * (__int128)den);
	if (p > INT64_MAX)
		return PC_ELIMIT;
	*out = (int64_t)p;
	return PC_OK;
}

enum pc_rc
shop_vat(int64_t net_cents, int64_t vat_bp, int64_t *vat_cents)
{
	return shop_muldiv(net_cents, vat_bp, 10000, vat_cents);
}

enum pc_rc
shop_ron(int64_t eur_cents, int64_t rate_e4, int64_t *bani)
{
	return shop_muldiv(eur_cents, rate_e4, 10000, bani);
}

enum pc_rc
shop_rate_parse(const char *s, int64_t *rate_e4)
{
	int64_t v = 0;
	int frac = -1;
	const char *p;

	if (s == NULL || *s == '\0')
		return PC_EINVAL;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (frac >= 0 || p == s)
				return PC_EINVAL;
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			return PC_EINVAL;
		if (frac >= 0 && ++frac > 4)
			return PC_EINVAL;
		if (v > 100000000)
			return PC_EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (frac == 0)
		return PC_EINVAL;
	for (frac = frac < 0 ? 0 : frac; frac < 4; frac++)
		v *= 10;
	if (v <= 0)
		return PC_EINVAL;
	*rate_e4 = v;
	return PC_OK;
}

void
shop_rate_format(int64_t rate_e4, char *out, size_t outlen)
{
	snprintf(out, outlen, "%lld.%04lld", (long long)(rate_e4 / 10000),
	    (long long)(rate_e4 % 10000));
}

static bool
in_list(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (*p != '\0') {
		size_t m = strcspn(p, ",");

		if (m == n && strncmp(p, item, n) == 0)
			return true;
		p += m;
		if (*p == ',')
			p++;
	}
	return false;
}

enum pc_rc
shop_promo_apply(const struct store_promo *p, const char *package,
    int64_t list_cents, int64_t now, int64_t *discount_cents,
    enum pc_ecode *code)
{
	int64_t d = 0;
	enum pc_rc rc;

	*discount_cents = 0;
	*code = PCE_NONE;
	if (!p->active) {
		*code = PCE_PROMO_INVALID;
		return PC_EINVAL;
	}
	if (now < p->valid_from || now >= p->valid_to) {
		*code = PCE_PROMO_EXPIRED;
		return PC_EINVAL;
	}
	if (p->max_uses > 0 && p->used >= p->max_uses) {
		*code = PCE_PROMO_EXHAUSTED;
		return PC_EINVAL;
	}
	if (p->packages != NULL && p->packages[0] != '\0' &&
	    !in_list(p->packages, package)) {
		*code = PCE_PROMO_PACKAGE;
		return PC_EINVAL;
	}
	if (strcmp(p->kind, SHOP_PROMO_PERCENT) == 0) {
		rc = shop_muldiv(list_cents, p->value, 10000, &d);
		if (rc != PC_OK)
			return rc;
	} else if (strcmp(p->kind, SHOP_PROMO_FIXED) == 0) {
		d = p->value;
	} else {
		*code = PCE_PROMO_INVALID;
		return PC_EINVAL;
	}
	if (d > list_cents)
		d = list_cents;
	if (d < 0)
		d = 0;
	*discount_cents = d;
	return PC_OK;
}

/* REQ: SHOP-CUI: key 753217532, (sum × 10) mod 11, 10 → 0. */
bool
shop_cui_valid(const char *cui)
{
	static const int key[] = { 7, 5, 3, 2, 1, 7, 5, 3, 2 };
	char d[11];
	size_t n, i, off;
	int sum = 0, c;

	if (cui == NULL)
		return false;
	if ((cui[0] == 'R' || cui[0] == 'r') &&
	    (cui[1] == 'O' || cui[1] == 'o'))
		cui += 2;
	n = strlen(cui);
	if (n < 2 || n > 10)
		return false;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)cui[i]))
			return false;
		d[i] = cui[i];
	}
	if (d[0] == '0')
		return false;
	/* The digits without the check digit, right-aligned on the key. */
	off = 9 - (n - 1);
	for (i = 0; i < n - 1; i++)
		sum += (d[i] - '0') * key[off + i];
	c = (sum * 10) % 11;
	if (c == 10)
		c = 0;
	return c == d[n - 1] - '0';
}
