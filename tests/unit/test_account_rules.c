/*
 * test_account_rules.c: the pure account rules: password rules (length,
 * common list, personal data), Argon2id hashing, link/session tokens, code
 * hashing, expiry, attempts and the resend timer, the 2FA deferral rule,
 * dates, phone and e-mail shapes, the QR PNG.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "account/account.h"
#include "account/acct_qr.h"
#include "base/buf.h"

static void
test_password_rules(void **state)
{
	static const struct {
		const char *pw, *given, *surname;
		enum pc_ecode want;
	} cases[] = {
		{ "short", NULL, NULL, PCE_PASSWORD_WEAK },
		{ "elevenchars", NULL, NULL, PCE_PASSWORD_WEAK },
		{ "ăîșțâăîșțâă", NULL, NULL, PCE_PASSWORD_WEAK }, /* 11 chars */
		/* The outside test's examples (issue 8): */
		{ "password1234", NULL, NULL, PCE_PASSWORD_COMMON },
		{ "123456789012", NULL, NULL, PCE_PASSWORD_WEAK },
		{ "            ", NULL, NULL, PCE_PASSWORD_WEAK },
		{ "aaaaaaaaaaaa", NULL, NULL, PCE_PASSWORD_WEAK },
		{ "qwertyuiop12", NULL, NULL, PCE_PASSWORD_COMMON },
		{ "unbelievable", NULL, NULL, PCE_PASSWORD_COMMON },
		{ "Verde-Munte-Ploaie-42", NULL, NULL, PCE_NONE },
		{ "cal verde sare gard 7", NULL, NULL, PCE_NONE },
		{ "x-ana.pop-2024!q", NULL, NULL, PCE_PASSWORD_PERSONAL },
		{ "Popescu-forever-9z", NULL, NULL, PCE_PASSWORD_PERSONAL },
		{ "i-am-IOANA-here-7", NULL, NULL, PCE_PASSWORD_PERSONAL },
		/* Names fold diacritics: Ștefan in "stefan", both ways. */
		{ "stefan-la-munte-88", "Ștefan", "Țuțea",
		    PCE_PASSWORD_PERSONAL },
		{ "Tutea-pe-deal-31x", "Ştefan", "Ţuţea",
		    PCE_PASSWORD_PERSONAL },
		{ NULL, NULL, NULL, PCE_PASSWORD_WEAK },
	};
	size_t i;
	int score;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		enum pc_ecode got = acct_password_strength(cases[i].pw,
		    "ana.pop@example.ro",
		    cases[i].given ? cases[i].given : "Ioana Maria",
		    cases[i].surname ? cases[i].surname : "Popescu", &score);

		if (got != cases[i].want)
			fail_msg("case %zu (%s): got %s want %s (score %d)", i,
			    cases[i].pw ? cases[i].pw : "NULL",
			    got ? pc_ecode_name(got) : "ok",
			    cases[i].want ? pc_ecode_name(cases[i].want) : "ok",
			    score);
	}
	/* The meter's score grows with strength. */
	assert_int_equal(acct_password_strength(
	                     "Verde-Munte-Ploaie-42", NULL, NULL, NULL, &score),
	    PCE_NONE);
	assert_true(score >= ACCT_PASSWORD_MIN_SCORE);
	acct_password_strength("password1234", NULL, NULL, NULL, &score);
	assert_true(score < ACCT_PASSWORD_MIN_SCORE);
}

static void
test_password_hash(void **state)
{
	char h[256];

	assert_int_equal(
	    acct_password_hash("Verde-Munte-Ploaie-42", h, sizeof(h)), PC_OK);
	assert_non_null(strstr(h, "$argon2id$"));
	assert_true(acct_password_verify(h, "Verde-Munte-Ploaie-42"));
	assert_false(acct_password_verify(h, "Verde-Munte-Ploaie-43"));
	assert_false(acct_password_verify(NULL, "x"));
}

static void
test_tokens(void **state)
{
	char t1[ACCT_TOKEN_LEN + 1], h1[STORE_HASH_LEN + 1];
	char t2[ACCT_TOKEN_LEN + 1], h2[STORE_HASH_LEN + 1];
	char again[STORE_HASH_LEN + 1];

	assert_int_equal(acct_token_new(t1, h1), PC_OK);
	assert_int_equal(acct_token_new(t2, h2), PC_OK);
	assert_int_equal(strlen(t1), 64);
	assert_string_not_equal(t1, t2);
	assert_string_not_equal(t1, h1); /* stored hashed */
	assert_int_equal(acct_token_hash(t1, again), PC_OK);
	assert_string_equal(again, h1);
	assert_int_equal(acct_token_hash("abc", again), PC_EINVAL);
	t1[5] = 'z';
	assert_int_equal(acct_token_hash(t1, again), PC_EINVAL);
}

static void
test_codes(void **state)
{
	struct store_code c;
	char code[ACCT_CODE_LEN + 1], wrong[16];

	memset(&c, 0, sizeof(c));
	assert_int_equal(acct_code_new(code, c.salt, c.hash), PC_OK);
	assert_int_equal(strlen(code), 6);
	assert_null(strstr(c.hash, code));
	c.sent_at = 1000;
	c.expires_at = 1600;
	assert_int_equal(acct_code_check(&c, code, 1000), PCE_NONE);
	assert_int_equal(acct_code_check(&c, code, 1599), PCE_NONE);
	assert_int_equal(acct_code_check(&c, code, 1600), PCE_CODE_EXPIRED);
	snprintf(wrong, sizeof(wrong), "%06d",
	    (int)((strtol(code, NULL, 10) + 1) % 1000000));
	assert_int_equal(acct_code_check(&c, wrong, 1100), PCE_CODE_INVALID);
	assert_int_equal(acct_code_check(&c, "12345", 1100), PCE_CODE_INVALID);
	assert_int_equal(acct_code_check(&c, "12a456", 1100), PCE_CODE_INVALID);
	c.attempts = ACCT_CODE_MAX_ATTEMPTS;
	assert_int_equal(acct_code_check(&c, code, 1100), PCE_CODE_ATTEMPTS);
	c.attempts = 0;
	c.used_at = 1200;
	assert_int_equal(acct_code_check(&c, code, 1300), PCE_CODE_USED);
}

static void
test_resend(void **state)
{
	struct store_code c;
	int64_t ra;

	memset(&c, 0, sizeof(c));
	assert_true(acct_code_resend_ok(NULL, 0, 1800, &ra));
	c.sent_at = 1000;
	c.expires_at = 1600; /* 10 min */
	assert_false(acct_code_resend_ok(&c, 1100, 1800, &ra));
	assert_int_equal(ra, 1700); /* 30 min after the send */
	assert_false(acct_code_resend_ok(&c, 1700, 1800, &ra)); /* expired */
	assert_int_equal(ra, 1100);
	assert_true(acct_code_resend_ok(&c, 2800, 1800, &ra));
	/* A longer validity than the resend interval: wait for expiry. */
	c.expires_at = 5000;
	assert_false(acct_code_resend_ok(&c, 2900, 1800, &ra));
	assert_int_equal(ra, 2100);
	/* A used code does not hold back a new one. */
	c.used_at = 1200;
	assert_true(acct_code_resend_ok(&c, 1300, 1800, &ra));
}

static void
test_twofa_rule(void **state)
{
	struct store_user u;
	int64_t mand, day;

	memset(&u, 0, sizeof(u));
	assert_int_equal(clock_day_parse("2026-12-31", &mand), PC_OK);
	assert_int_equal(mand, 1798675200);
	assert_int_equal(clock_day_parse("2026-02-30", &day), PC_EINVAL);
	assert_int_equal(clock_day_parse("2026-1-31", &day), PC_EINVAL);
	assert_int_equal(clock_day_parse("2024-02-29", &day), PC_OK);
	assert_string_equal(acct_twofa_rule(&u, mand - 86400, mand), "offer");
	u.twofa_defer = "never";
	assert_null(acct_twofa_rule(&u, mand - 86400, mand));
	/* The whole last day is still allowed; the day after is not. */
	assert_null(acct_twofa_rule(&u, mand + 86399, mand));
	assert_string_equal(
	    acct_twofa_rule(&u, mand + 86400, mand), "required");
	u.twofa_defer = "next_login";
	assert_string_equal(acct_twofa_rule(&u, mand - 100, mand), "offer");
	u.twofa_defer = "date";
	u.twofa_defer_until = mand - 10 * 86400;
	assert_null(acct_twofa_rule(&u, mand - 11 * 86400, mand));
	assert_string_equal(
	    acct_twofa_rule(&u, mand - 10 * 86400, mand), "offer");
}

static void
test_shapes(void **state)
{
	char m[64];

	assert_true(acct_phone_valid("+40712345678"));
	assert_false(acct_phone_valid("0712345678"));
	assert_false(acct_phone_valid("+4071234")); /* 7 digits */
	assert_false(acct_phone_valid("+0712345678"));
	assert_false(acct_phone_valid("+40 712345678"));
	assert_false(acct_phone_valid("+4071234567890123"));
	acct_phone_mask("+40712345678", m, sizeof(m));
	assert_string_equal(m, "+40******678");
	acct_email_mask("ana@example.ro", m, sizeof(m));
	assert_string_equal(m, "a***@example.ro");
	assert_true(acct_email_valid("ana.pop@example.ro"));
	assert_false(acct_email_valid("ana@localhost"));
	assert_false(acct_email_valid("a b@example.ro"));
	assert_false(acct_email_valid("a@b@example.ro"));
	assert_false(acct_email_valid("@example.ro"));
}

static void
test_qr_png(void **state)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
		'\n' };
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(acct_qr_png("otpauth://totp/Pecete:a%40b.ro?secret="
	                             "JBSWY3DPEHPK3PXP&issuer=Pecete",
	                     &b),
	    PC_OK);
	assert_true(b.len > 100);
	assert_memory_equal(b.data, sig, 8);
	assert_memory_equal(b.data + 12, "IHDR", 4);
	assert_memory_equal(b.data + b.len - 8, "IEND", 4);
	buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_rules),
		cmocka_unit_test(test_password_hash),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_resend),
		cmocka_unit_test(test_twofa_rule),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_qr_png),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
