/*
 * test_shop.c: the shop's rules: money, VAT and RON rounding (half-up,
 * integers), promo codes, the CUI check digit, the BNR feed parser (public
 * format, malformed XML, no EUR, an XXE attempt), the order state machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "shop/pay.h"
#include "shop/shop.h"

/* REQ: SHOP-MONEY */
static void
test_money(void **state)
{
	static const struct {
		int64_t a, num, den, want;
	} cases[] = {
		{ 3900, 2100, 10000, 819 },    /* 819.00 */
		{ 5310, 2100, 10000, 1115 },   /* 1115.1 */
		{ 50, 2100, 10000, 11 },       /* 10.5 → 11 */
		{ 150, 2100, 10000, 32 },      /* 31.5 → 32 */
		{ 49, 2100, 10000, 10 },       /* 10.29 */
		{ 1, 5000, 10000, 1 },         /* 0.5 → 1 */
		{ 1, 4999, 10000, 0 },         /* 0.4999 → 0 */
		{ 4719, 49700, 10000, 23453 }, /* 23453.43 */
		{ 6425, 49700, 10000, 31932 }, /* 31932.25 */
		{ 2, 49750, 10000, 10 },       /* 9.95 */
		{ 10, 49765, 10000, 50 },      /* 49.765 → 50 */
		{ 1000, 49765, 10000, 4977 },  /* 4976.5 → 4977 */
		{ 0, 49763, 10000, 0 },
	};
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    shop_muldiv(cases[i].a, cases[i].num, cases[i].den, &v),
		    PC_OK);
		if (v != cases[i].want)
			fail_msg(
			    "case %zu: %lld × %lld / %lld = %lld, want %lld", i,
			    (long long)cases[i].a, (long long)cases[i].num,
			    (long long)cases[i].den, (long long)v,
			    (long long)cases[i].want);
	}
	assert_int_equal(shop_vat(5000, 2100, &v), PC_OK);
	assert_int_equal(v, 1050);
	assert_int_equal(shop_ron(4719, 49763, &v), PC_OK);
	assert_int_equal(v, 23483); /* 23483.16 */
	assert_int_equal(shop_muldiv(INT64_MAX, 20000, 10000, &v), PC_ELIMIT);
	assert_int_equal(shop_muldiv(-1, 2100, 10000, &v), PC_EINVAL);
}

static void
test_rate_parse(void **state)
{
	static const struct {
		const char *s;
		int64_t want; /* 0: refused */
	} cases[] = {
		{ "4.9763", 49763 },
		{ "4.97", 49700 },
		{ "5", 50000 },
		{ "4.9", 49000 },
		{ "0.0001", 1 },
		{ "4.97631", 0 },
		{ "", 0 },
		{ ".5", 0 },
		{ "4.", 0 },
		{ "4,97", 0 },
		{ "-4.9", 0 },
		{ "4.9.7", 0 },
		{ "0", 0 },
		{ " 4.9", 0 },
	};
	char out[24];
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum pc_rc rc = shop_rate_parse(cases[i].s, &v);

		if (cases[i].want == 0)
			assert_int_not_equal(rc, PC_OK);
		else if (rc != PC_OK || v != cases[i].want)
			fail_msg("rate \"%s\"", cases[i].s);
	}
	shop_rate_format(49763, out, sizeof(out));
	assert_string_equal(out, "4.9763");
	shop_rate_format(50001, out, sizeof(out));
	assert_string_equal(out, "5.0001");
}

static void
test_promo(void **state)
{
	struct store_promo p;
	enum pc_ecode code;
	int64_t d;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.kind = (char *)"percent";
	p.value = 1000;
	p.valid_from = 1000;
	p.valid_to = 2000;
	p.packages = (char *)"pecete2,pecete3";
	p.active = true;
	assert_int_equal(
	    shop_promo_apply(&p, "pecete2", 5900, 1500, &d, &code), PC_OK);
	assert_int_equal(d, 590);
	/* percent rounds half-up: 12.5 % of 3900 = 487.5 → 488 */
	p.value = 1250;
	assert_int_equal(
	    shop_promo_apply(&p, "pecete3", 3900, 1500, &d, &code), PC_OK);
	assert_int_equal(d, 488);
	assert_int_equal(
	    shop_promo_apply(&p, "pecete1", 3900, 1500, &d, &code), PC_EINVAL);
	assert_int_equal(code, PCE_PROMO_PACKAGE);
	/* pecete2 must not match a prefix: "pecete" alone is not in the list */
	assert_int_equal(
	    shop_promo_apply(&p, "pecete", 3900, 1500, &d, &code), PC_EINVAL);
	assert_int_equal(
	    shop_promo_apply(&p, "pecete2", 5900, 999, &d, &code), PC_EINVAL);
	assert_int_equal(code, PCE_PROMO_EXPIRED);
	assert_int_equal(
	    shop_promo_apply(&p, "pecete2", 5900, 2000, &d, &code), PC_EINVAL);
	assert_int_equal(code, PCE_PROMO_EXPIRED);
	p.max_uses = 3;
	p.used = 3;
	assert_int_equal(
	    shop_promo_apply(&p, "pecete2", 5900, 1500, &d, &code), PC_EINVAL);
	assert_int_equal(code, PCE_PROMO_EXHAUSTED);
	p.used = 2;
	assert_int_equal(
	    shop_promo_apply(&p, "pecete2", 5900, 1500, &d, &code), PC_OK);
	/* fixed, never more than the price; all packages */
	p.kind = (char *)"fixed";
	p.value = 10000;
	p.packages = (char *)"";
	assert_int_equal(
	    shop_promo_apply(&p, "pecete1", 3900, 1500, &d, &code), PC_OK);
	assert_int_equal(d, 3900);
	p.active = false;
	assert_int_equal(
	    shop_promo_apply(&p, "pecete1", 3900, 1500, &d, &code), PC_EINVAL);
	assert_int_equal(code, PCE_PROMO_INVALID);
}

/* REQ: SHOP-CUI */
static void
test_cui(void **state)
{
	static const char *const good[] = { "18547290", "RO18547290",
		"ro14399840", "1590082", "33034700", "19" };
	static const char *const bad[] = { "18547291", "RO18547291", "4283620",
		"", "1", "RO", "12345678901", "1854729O", "RO 18547290",
		"018547290", "-18547290", "R18547290" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!shop_cui_valid(good[i]))
			fail_msg("valid CUI %s refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (shop_cui_valid(bad[i]))
			fail_msg("invalid CUI \"%s\" accepted", bad[i]);
	assert_false(shop_cui_valid(NULL));
}

static const char feed[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<DataSet xmlns=\"http://www.bnr.ro/xsd\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xsi:schemaLocation=\"http://www.bnr.ro/xsd nbrfxrates.xsd\">\n"
    "<Header><Publisher>National Bank of Romania</Publisher>"
    "<PublishingDate>2026-11-20</PublishingDate>"
    "<MessageType>DR</MessageType></Header>\n"
    "<Body><Subject>Reference rates</Subject>"
    "<OrigCurrency>RON</OrigCurrency>\n"
    "<Cube date=\"2026-11-20\">"
    "<Rate currency=\"AED\">1.1936</Rate>"
    "<Rate currency=\"EUR\">4.9763</Rate>"
    "<Rate currency=\"HUF\" multiplier=\"100\">1.3012</Rate>"
    "<Rate currency=\"USD\">4.3841</Rate></Cube>\n"
    "</Body></DataSet>\n";

/* REQ: SHOP-BNR */
static void
test_bnr_parse(void **state)
{
	static const char *const bad[] = {
		"<DataSet><Body><Cube date=\"2026-11-20\">"
		"<Rate currency=\"EUR\">4.9763</Rate></Cube></Body>",
		"<DataSet><Body><Cube date=\"2026-11-20\">"
		"<Rate currency=\"USD\">4.3841</Rate></Cube></Body></DataSet>",
		"<DataSet><Body><Cube date=\"20-11-2026\">"
		"<Rate currency=\"EUR\">4.9763</Rate></Cube></Body></DataSet>",
		"<DataSet><Body><Cube date=\"2026-11-20\">"
		"<Rate currency=\"EUR\">abc</Rate></Cube></Body></DataSet>",
		"<Other><Body><Cube date=\"2026-11-20\">"
		"<Rate currency=\"EUR\">4.9763</Rate></Cube></Body></Other>",
		"not xml at all",
		/* XXE: an external entity must never be read */
		"<?xml version=\"1.0\"?><!DOCTYPE DataSet [<!ENTITY x SYSTEM "
		"\"file:///etc/hostname\">]><DataSet><Body>"
		"<Cube date=\"2026-11-20\"><Rate currency=\"EUR\">&x;</Rate>"
		"</Cube></Body></DataSet>",
		/* an internal entity (billion laughs style) is refused too */
		"<?xml version=\"1.0\"?><!DOCTYPE DataSet [<!ENTITY r "
		"\"4.9763\">]><DataSet><Body><Cube date=\"2026-11-20\">"
		"<Rate currency=\"EUR\">&r;</Rate></Cube></Body></DataSet>",
	};
	char day[11];
	int64_t rate = 0;
	size_t i;

	(void)state;
	assert_int_equal(shop_bnr_parse(feed, strlen(feed), day, &rate), PC_OK);
	assert_string_equal(day, "2026-11-20");
	assert_int_equal(rate, 49763);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (shop_bnr_parse(bad[i], strlen(bad[i]), day, &rate) == PC_OK)
			fail_msg("bad feed %zu accepted", i);
}

static void
test_bnr_unreachable(void **state)
{
	char day[11];
	int64_t rate = 0;

	(void)state;
	/* A closed local port: fails fast, no rate. */
	assert_int_not_equal(
	    shop_bnr_fetch("http://127.0.0.1:1/x.xml", 2, day, &rate), PC_OK);
}

/* REQ: SHOP-STATE */
static void
test_state_machine(void **state)
{
	/* Exactly these transitions are allowed. */
	static const struct {
		enum shop_state from, to;
	} ok[] = {
		{ SHOP_CREATED, SHOP_AWAITING_PAYMENT },
		{ SHOP_CREATED, SHOP_CANCELLED },
		{ SHOP_AWAITING_PAYMENT, SHOP_AWAITING_PAYMENT },
		{ SHOP_AWAITING_PAYMENT, SHOP_PAID },
		{ SHOP_AWAITING_PAYMENT, SHOP_CANCELLED },
		{ SHOP_PAID, SHOP_FULFILLED },
		{ SHOP_PAID, SHOP_REFUNDED },
	};
	int f, t;
	size_t i;
	enum shop_state st;

	(void)state;
	for (f = 0; f < SHOP_STATE_COUNT; f++) {
		for (t = 0; t < SHOP_STATE_COUNT; t++) {
			bool want = false;

			for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
				if ((int)ok[i].from == f && (int)ok[i].to == t)
					want = true;
			if (shop_state_allowed(
			        (enum shop_state)f, (enum shop_state)t) != want)
				fail_msg("%s -> %s: want %s",
				    shop_state_name((enum shop_state)f),
				    shop_state_name((enum shop_state)t),
				    want ? "allowed" : "refused");
		}
		assert_int_equal(
		    shop_state_parse(shop_state_name((enum shop_state)f), &st),
		    PC_OK);
		assert_int_equal((int)st, f);
	}
	assert_false(shop_state_allowed(SHOP_STATE_COUNT, SHOP_PAID));
	assert_int_equal(shop_state_parse("shipped", &st), PC_EINVAL);
}

static void
test_sandbox_cards(void **state)
{
	(void)state;
	assert_int_equal(
	    pay_sandbox_card("4111 1111 1111 1111"), SANDBOX_CARD_OK);
	assert_int_equal(
	    pay_sandbox_card("4000000000000002"), SANDBOX_CARD_DECLINE);
	assert_int_equal(
	    pay_sandbox_card("4000-0000-0000-3220"), SANDBOX_CARD_3DS);
	assert_int_equal(
	    pay_sandbox_card("4111 1111 1111 1112"), SANDBOX_CARD_UNKNOWN);
	assert_int_equal(pay_sandbox_card(NULL), SANDBOX_CARD_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_rate_parse),
		cmocka_unit_test(test_promo),
		cmocka_unit_test(test_cui),
		cmocka_unit_test(test_bnr_parse),
		cmocka_unit_test(test_bnr_unreachable),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_sandbox_cards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
