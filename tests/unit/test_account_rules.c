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

#include "account/account.h"
#include "account/acct_qr.h"
#include "base/buf.h"

static int
setup(void **state)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/data/common-passwords.txt",
	    PECETE_SOURCE_DIR);
	return acct_passwords_load(path) == PC_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	acct_passwords_free();
	return 0;
}

static void
test_password_rules(void **state)
{
	static const struct {
		const char *pw, *want;
	} cases[] = {
		{ "short", "password_weak" },
		{ "elevenchars", "password_weak" },
		{ "ăîșțâăîșțâă", "password_weak" }, /* 11 characters */
		{ "Verde-Munte-Ploaie-42", NULL },
		{ "twelve chars", NULL },
		{ "MASTERBATING", "password_common" }, /* in the list */
		{ "unbelievable", "password_common" },
		{ "x-ana.pop-2024", "password_personal" },  /* e-mail part */
		{ "Popescu-forever", "password_personal" }, /* surname */
		{ "i-am-IOANA-here", "password_personal" }, /* given name */
		{ NULL, "password_weak" },
	};
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		const char *got = acct_password_rule(cases[i].pw,
		    "ana.pop@example.ro", "Ioana Maria", "Popescu");

		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0))
			fail_msg("case %zu: got %s want %s", i,
			    got ? got : "ok",
			    cases[i].want ? cases[i].want : "ok");
	}
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
	assert_null(acct_code_check(&c, code, 1000));
	assert_null(acct_code_check(&c, code, 1599));
	assert_string_equal(acct_code_check(&c, code, 1600), "code_expired");
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code) + 1) % 1000000);
	assert_string_equal(acct_code_check(&c, wrong, 1100), "code_invalid");
	assert_string_equal(acct_code_check(&c, "12345", 1100), "code_invalid");
	assert_string_equal(
	    acct_code_check(&c, "12a456", 1100), "code_invalid");
	c.attempts = ACCT_CODE_MAX_ATTEMPTS;
	assert_string_equal(acct_code_check(&c, code, 1100), "code_attempts");
	c.attempts = 0;
	c.used_at = 1200;
	assert_string_equal(acct_code_check(&c, code, 1300), "code_used");
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
	assert_int_equal(acct_date_parse("2026-12-31", &mand), PC_OK);
	assert_int_equal(mand, 1798675200);
	assert_int_equal(acct_date_parse("2026-02-30", &day), PC_EINVAL);
	assert_int_equal(acct_date_parse("2026-1-31", &day), PC_EINVAL);
	assert_int_equal(acct_date_parse("2024-02-29", &day), PC_OK);
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

	return cmocka_run_group_tests(tests, setup, teardown);
}
