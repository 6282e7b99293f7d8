/*
 * test_csc.c: the CSC API's base64 (src/csc/csc_util.c): base64 and
 * base64url, padded or not, decode to the same bytes; white space, mixed
 * alphabets, a wrong padding, stray bits and too long an input are
 * refused; the encoder is standard base64 with padding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509.h>

#include "csc/csc.h"

static size_t
dec(const char *in, uint8_t *out, size_t max)
{
	size_t n = 0;

	assert_int_equal(csc_b64_decode(in, out, max, &n), PC_OK);
	return n;
}

static void
refused(const char *in)
{
	uint8_t out[64];
	size_t n = 99;

	assert_int_equal(csc_b64_decode(in, out, sizeof(out), &n), PC_EINVAL);
	assert_int_equal(n, 0);
}

static void
test_decode(void **state)
{
	/* SHA-256("abc") in the four spellings. */
	static const char *const forms[] = {
		"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
		"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0",
		"ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=",
		"ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
	};
	static const uint8_t want[32] = { 0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01,
		0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10,
		0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };
	uint8_t out[64];
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(out, 0, sizeof(out));
		assert_int_equal(dec(forms[i], out, sizeof(out)), 32);
		assert_memory_equal(out, want, 32);
	}
	assert_int_equal(dec("YQ==", out, sizeof(out)), 1);
	assert_int_equal(out[0], 'a');
	assert_int_equal(dec("YWI", out, sizeof(out)), 2);
	assert_memory_equal(out, "ab", 2);
}

static void
test_refused(void **state)
{
	uint8_t out[4];
	size_t n;

	refused("");
	refused("=");
	refused("YQ="); /* padding that does not complete a quantum */
	refused("YQ===");
	refused("Y");     /* six bits are no byte */
	refused("YR==");  /* stray bits after the last byte */
	refused("YW I="); /* white space */
	refused("YWI\n");
	refused("YW%3D"); /* URL-encoded */
	refused("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0="); /* + and _ */
	refused("YQ==YQ==");                                     /* = inside */
	/* Longer than the room given. */
	assert_int_equal(
	    csc_b64_decode("YWJjZGU=", out, sizeof(out), &n), PC_EINVAL);
	assert_int_equal(csc_b64_decode(NULL, out, sizeof(out), &n), PC_EINVAL);
}

/* A DN with Romanian letters comes out in UTF-8, not \C8\98 escapes. */
static void
test_dn_utf8(void **state)
{
	X509_NAME *n = X509_NAME_new();
	char *s;

	(void)state;
	assert_non_null(n);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8,
	                     (const unsigned char *)"RO", -1, -1, 0),
	    1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	                     (const unsigned char *)"\xc8\x98tefan "
	                                            "\xc8\x9aurcan, +1",
	                     -1, -1, 0),
	    1);
	s = csc_dn_utf8(n);
	assert_non_null(s);
	/* RFC 4514 order (the last RDN first); the comma and plus still
	 * escaped. */
	assert_string_equal(s, "CN=\xc8\x98tefan \xc8\x9aurcan\\, \\+1,C=RO");
	free(s);
	X509_NAME_free(n);
}

static void
test_encode(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = { { "", "" }, { "a", "YQ==" }, { "ab", "YWI=" },
		{ "abc", "YWJj" }, { "\xfb\xff", "+/8=" } };
	uint8_t back[8];
	size_t i, n;
	char *s;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = csc_b64_encode((const uint8_t *)v[i].in, strlen(v[i].in));
		assert_non_null(s);
		assert_string_equal(s, v[i].out);
		if (v[i].in[0] != '\0') {
			assert_int_equal(
			    csc_b64_decode(s, back, sizeof(back), &n), PC_OK);
			assert_int_equal(n, strlen(v[i].in));
			assert_memory_equal(back, v[i].in, n);
		}
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_dn_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
