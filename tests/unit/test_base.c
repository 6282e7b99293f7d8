/*
 * test_base.c: buffers, slices, hex, arena, secret files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/rnd.h"
#include "base/secret.h"

static void
test_buf_bounded(void **state)
{
	struct buf b;
	uint8_t *p;
	size_t n;

	buf_init(&b, 8);
	buf_append(&b, "abcd", 4);
	assert_true(buf_ok(&b));
	assert_int_equal(b.len, 4);
	assert_string_equal((char *)b.data, "abcd");
	buf_append(&b, "efghi", 5); /* 9 > 8: refused, sticky */
	assert_false(buf_ok(&b));
	assert_int_equal(buf_rc(&b), PC_ELIMIT);
	assert_int_equal(b.len, 4);
	buf_append(&b, "e", 1); /* still failed */
	assert_int_equal(b.len, 4);
	buf_reset(&b);
	assert_true(buf_ok(&b));
	buf_printf(&b, "%d-%s", 42, "x");
	assert_string_equal((char *)b.data, "42-x");
	p = buf_steal(&b, &n);
	assert_int_equal(n, 4);
	assert_null(b.data);
	free(p);
	buf_cleanup(&b);
}

static void
test_str_u64(void **state)
{
	static const struct {
		const char *in;
		uint64_t max;
		enum pc_rc rc;
		uint64_t v;
	} cases[] = {
		{ "0", 10, PC_OK, 0 },
		{ "10", 10, PC_OK, 10 },
		{ "11", 10, PC_EINVAL, 0 },
		{ "", 10, PC_EINVAL, 0 },
		{ "1a", 100, PC_EINVAL, 0 },
		{ "-1", 100, PC_EINVAL, 0 },
		{ "18446744073709551615", UINT64_MAX, PC_OK, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, PC_EINVAL, 0 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 0;
		assert_int_equal(
		    str_to_u64(str_from(cases[i].in), cases[i].max, &v),
		    cases[i].rc);
		if (cases[i].rc == PC_OK)
			assert_true(v == cases[i].v);
	}
}

static void
test_hex(void **state)
{
	uint8_t in[3] = { 0x00, 0xab, 0xff }, out[3];
	char h[7];

	hex_encode(in, 3, h);
	assert_string_equal(h, "00abff");
	assert_int_equal(hex_decode(str_from("00ABff"), out, 3), PC_OK);
	assert_memory_equal(in, out, 3);
	assert_int_equal(hex_decode(str_from("00abf"), out, 3), PC_EINVAL);
	assert_int_equal(hex_decode(str_from("00abfg"), out, 3), PC_EINVAL);
}

static void
test_arena(void **state)
{
	struct arena a;
	char *s;
	void *big;

	arena_init(&a, 20000);
	s = arena_printf(&a, "%s/%d", "x", 7);
	assert_string_equal(s, "x/7");
	assert_true(((uintptr_t)arena_alloc(&a, 3) & 15) == 0);
	big = arena_alloc(&a, 12000); /* own chunk */
	assert_non_null(big);
	assert_null(arena_alloc(&a, 9000)); /* over the cap */
	arena_cleanup(&a);
}

static void
test_secret_file(void **state)
{
	char dir[] = "/tmp/pc-secret-XXXXXX", path[64], *s = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pin", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("1234abcd\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(secret_read_file(path, 64, &s), PC_EAUTH);
	assert_null(s);
	chmod(path, 0600);
	assert_int_equal(secret_read_file(path, 64, &s), PC_OK);
	assert_string_equal(s, "1234abcd");
	secret_strfree(s);
	assert_int_equal(secret_read_file(path, 4, &s), PC_ELIMIT);
	unlink(path);
	assert_int_equal(secret_read_file(path, 64, &s), PC_ENOTFOUND);
	rmdir(dir);
	assert_true(secret_eq("abc", "abc", 3));
	assert_false(secret_eq("abc", "abd", 3));
}

static void
test_file_atomic(void **state)
{
	char dir[] = "/tmp/pc-file-XXXXXX", path[64];
	struct buf b;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(file_write_atomic(path, "hello", 5, 0600), PC_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(file_read(path, 100, &b), PC_OK);
	assert_int_equal(b.len, 5);
	buf_cleanup(&b);
	assert_int_equal(file_read(path, 4, &b), PC_ELIMIT);
	unlink(path);
	rmdir(dir);
}

static void
test_rnd(void **state)
{
	char a[33], b[33];

	assert_int_equal(rnd_hex(16, a), PC_OK);
	assert_int_equal(rnd_hex(16, b), PC_OK);
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_bounded),
		cmocka_unit_test(test_str_u64),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_secret_file),
		cmocka_unit_test(test_file_atomic),
		cmocka_unit_test(test_rnd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
