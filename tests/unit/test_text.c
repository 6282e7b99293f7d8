/*
 * test_text.c: the name rule (one rule for API, form, invoices and later
 * certificate subjects) and folding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/text.h"

static void
test_person_names(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} cases[] = {
		{ "Ana", "Ana" },
		{ "  Ana   Maria ", "Ana Maria" },
		{ "Ana-Maria O'Neil", "Ana-Maria O'Neil" },
		{ "Ana-Maria O\xe2\x80\x99Neil",
		    "Ana-Maria O\xe2\x80\x99Neil" },
		/* cedilla S/T become comma below */
		{ "\xc5\x9e"
		  "tefan \xc5\xa2u\xc5\xa3"
		  "ea",
		    "\xc8\x98tefan \xc8\x9au\xc8\x9b"
		    "ea" },
		/* NFD input is stored NFC: a + combining breve -> ă */
		{ "Ana Ra\x61\xcc\x86ut", "Ana Ra\xc4\x83ut" },
		{ "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99",
		    "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99" },
		{ "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf",
		    "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf" },
		{ "Ana2", NULL },
		{ "Ana \xf0\x9f\x98\x80", NULL }, /* emoji */
		{ "Ana https://x.ro", NULL },
		{ "Ana www.x.ro", NULL },
		{ "<b>Ana</b>", NULL },
		{ "", NULL },
		{ "   ", NULL },
		{ "-'-", NULL },
		{ "Ana\x01", NULL },
		{ "\xff\xfe", NULL },
		{ NULL, NULL },
	};
	char out[TEXT_NAME_MAX_BYTES];
	size_t i;
	enum pc_rc rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = text_name_normalize(cases[i].in, out, sizeof(out));
		if (cases[i].out == NULL) {
			if (rc == PC_OK)
				fail_msg("case %zu accepted: %s", i, out);
		} else {
			if (rc != PC_OK)
				fail_msg("case %zu refused", i);
			assert_string_equal(out, cases[i].out);
		}
	}
}

static void
test_name_length_in_characters(void **state)
{
	char in[256 * 4], out[TEXT_NAME_MAX_BYTES];
	size_t i, o = 0;

	/* 60 characters of two bytes each: accepted; 61: refused. */
	for (i = 0; i < 60; i++) {
		memcpy(in + o, "\xc8\x99", 2); /* ș */
		o += 2;
	}
	in[o] = '\0';
	assert_int_equal(text_name_normalize(in, out, sizeof(out)), PC_OK);
	assert_int_equal(text_chars(out), 60);
	memcpy(in + o, "a", 2);
	assert_int_equal(text_name_normalize(in, out, sizeof(out)), PC_EINVAL);
}

/* The registry's lookup key: case and ş/ţ folded, diacritics kept. */
static void
test_name_key(void **state)
{
	char a[2 * TEXT_NAME_MAX_BYTES], b[2 * TEXT_NAME_MAX_BYTES];

	/* "Ştefan Ţuţea" with cedillas and "ștefan  țuțea" with commas. */
#define CED_S "\xc5\x9e"   /* Ş */
#define CED_T "\xc5\xa2"   /* Ţ */
#define CED_t "\xc5\xa3"   /* ţ */
#define COMMA_s "\xc8\x99" /* ș */
#define COMMA_t "\xc8\x9b" /* ț */
	assert_int_equal(
	    text_name_key(CED_S "tefan " CED_T "u" CED_t "ea", a, sizeof(a)),
	    PC_OK);
	assert_int_equal(
	    text_name_key(
	        " " COMMA_s "tefan  " COMMA_t "u" COMMA_t "ea ", b, sizeof(b)),
	    PC_OK);
	assert_string_equal(a, b);
	assert_string_equal(a, COMMA_s "tefan " COMMA_t "u" COMMA_t "ea");
	/* Diacritics are not dropped: "stefan" is another name. */
	assert_int_equal(text_name_key("Stefan Tutea", b, sizeof(b)), PC_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(text_name_key("ANA POP", a, sizeof(a)), PC_OK);
	assert_string_equal(a, "ana pop");
	/* Not names: refused (the registry then finds nothing). */
	assert_int_equal(text_name_key("<b>x</b>", a, sizeof(a)), PC_EINVAL);
	assert_int_equal(text_name_key("", a, sizeof(a)), PC_EINVAL);
	assert_int_equal(text_name_key("a@b.ro", a, sizeof(a)), PC_EINVAL);
	/* A full name longer than one part may be (60 + 1 + 60). */
	memset(b, 'a', 60);
	b[60] = ' ';
	memset(b + 61, 'b', 60);
	b[121] = '\0';
	assert_int_equal(text_name_key(b, a, sizeof(a)), PC_OK);
	assert_int_equal(strlen(a), 121);
	b[121] = 'b';
	b[122] = '\0';
	assert_int_equal(text_name_key(b, a, sizeof(a)), PC_EINVAL);
	/* Too small an output. */
	assert_int_equal(text_name_key("Ana Pop", a, 4), PC_EINVAL);
}

static void
test_company_names(void **state)
{
	char out[TEXT_ORG_MAX_BYTES];

	assert_int_equal(
	    text_org_normalize("SC Firma 2000 S.R.L.", out, sizeof(out)),
	    PC_OK);
	assert_string_equal(out, "SC Firma 2000 S.R.L.");
	assert_int_equal(
	    text_org_normalize("A & B (Cluj)", out, sizeof(out)), PC_OK);
	assert_int_equal(
	    text_org_normalize("https://evil.ro", out, sizeof(out)), PC_EINVAL);
	assert_int_equal(
	    text_org_normalize("Firma \xf0\x9f\x98\x80", out, sizeof(out)),
	    PC_EINVAL);
	assert_int_equal(
	    text_org_normalize("2000", out, sizeof(out)), PC_EINVAL);
}

static void
test_fold(void **state)
{
	char out[64];

	text_fold("\xc8\x98tefan \xc5\xa2u\xc5\xa3"
	          "ea",
	    out, sizeof(out));
	assert_string_equal(out, "stefan tutea");
	text_fold(
	    "\xc3\x8env\xc4\x83\xc8\x9b\xc4\x83m\xc3\xa2nt", out, sizeof(out));
	assert_string_equal(out, "invatamant");
	text_fold(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_person_names),
		cmocka_unit_test(test_name_length_in_characters),
		cmocka_unit_test(test_name_key),
		cmocka_unit_test(test_company_names),
		cmocka_unit_test(test_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
