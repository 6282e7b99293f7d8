/*
 * test_vault.c: files encrypted at rest: a file written in pieces reads
 * back whole; the bytes on disk show no plain text; a cut, an altered
 * byte, a dropped or appended record, another vault key, a group-readable
 * key file are all refused; a piece written by a request that died before
 * its row was updated is dropped on the next append, not doubled.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "vault/vault.h"

static char dir[] = "/tmp/pecete-vault-XXXXXX";
static char keyf[300], keyf2[300], path[300];

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(keyf, sizeof(keyf), "%s/vault.key", dir);
	snprintf(keyf2, sizeof(keyf2), "%s/other.key", dir);
	snprintf(path, sizeof(path), "%s/f.enc", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(keyf);
	unlink(keyf2);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131 + seed) ^ (i >> 7));
}

static size_t
file_size(const char *p)
{
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	return (size_t)st.st_size;
}

static uint8_t *
slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	uint8_t *b;

	assert_non_null(f);
	*n = file_size(p);
	b = malloc(*n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

static void
spit(const char *p, const uint8_t *b, size_t n)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* Write plain (n bytes) in pieces of piece bytes; OUT: w. */
static void
write_file(struct vault *v, const uint8_t *plain, size_t n, size_t piece,
    struct vault_wip *w)
{
	size_t off = 0, k;

	unlink(path);
	assert_int_equal(vault_create(v, path, w), PC_OK);
	while (off < n) {
		k = n - off < piece ? n - off : piece;
		assert_int_equal(
		    vault_append(v, path, w, plain + off, k, false), PC_OK);
		off += k;
	}
	assert_int_equal(vault_append(v, path, w, NULL, 0, true), PC_OK);
	assert_int_equal(w->plain_len, (int64_t)n);
	assert_int_equal(w->enc_len, (int64_t)file_size(path));
}

static void
test_roundtrip(void **state)
{
	struct vault *v = NULL;
	struct vault_wip w;
	struct buf out;
	size_t n = 300000, disk;
	uint8_t *plain = malloc(n), *enc;
	char hex[65];
	int64_t len = 0;

	assert_non_null(plain);
	fill(plain, n, 7);
	/* A WebM starts with the EBML magic: it must not show on disk. */
	memcpy(plain, "\x1a\x45\xdf\xa3", 4);
	assert_int_equal(vault_open(keyf, false, &v), PC_ENOTFOUND);
	assert_int_equal(vault_open(keyf, true, &v), PC_OK);
	assert_int_equal(file_size(keyf), 65);
	write_file(v, plain, n, 65536, &w);
	enc = slurp(path, &disk);
	assert_memory_equal(enc, "PCV1", 4);
	assert_null(memmem(enc, disk, "\x1a\x45\xdf\xa3", 4));
	assert_null(memmem(enc, disk, plain + 1000, 64));
	free(enc);
	buf_init(&out, n + 10);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_OK);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, plain, n);
	buf_cleanup(&out);
	assert_int_equal(vault_sha256(v, path, w.key, hex, &len), PC_OK);
	assert_int_equal(len, (int64_t)n);
	assert_int_equal(strlen(hex), 64);
	/* Nothing after FINAL. */
	assert_int_equal(
	    vault_append(v, path, &w, plain, 10, false), PC_ESTATE);
	/* The output buffer bounds the read. */
	buf_init(&out, n - 1);
	assert_int_not_equal(vault_read(v, path, w.key, &out), PC_OK);
	buf_cleanup(&out);
	vault_close(v);
	free(plain);
}

static void
test_tamper(void **state)
{
	struct vault *v = NULL, *v2 = NULL;
	struct vault_wip w;
	struct buf out;
	size_t n = 5000, disk;
	uint8_t *plain = malloc(n), *enc, *big;
	FILE *f;

	assert_non_null(plain);
	fill(plain, n, 3);
	assert_int_equal(vault_open(keyf, true, &v), PC_OK);
	write_file(v, plain, n, 1000, &w);
	enc = slurp(path, &disk);
	buf_init(&out, n * 2);

	/* One altered byte anywhere in a record. */
	enc[disk / 2] ^= 1;
	spit(path, enc, disk);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_EINVAL);
	enc[disk / 2] ^= 1;

	/* Cut before the FINAL record. */
	spit(path, enc, disk - 25);
	buf_reset(&out);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_EINVAL);

	/* The last data record dropped, FINAL kept: the stream notices.
	 * Records: 28 bytes of head, five of 4 + 1000 + 17, FINAL 4 + 17. */
	assert_int_equal(disk, 28 + 5 * 1021 + 21);
	big = malloc(disk);
	assert_non_null(big);
	memcpy(big, enc, 28 + 4 * 1021);
	memcpy(big + 28 + 4 * 1021, enc + 28 + 5 * 1021, 21);
	spit(path, big, 28 + 4 * 1021 + 21);
	buf_reset(&out);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_EINVAL);
	/* Two records swapped. */
	memcpy(big, enc, disk);
	memcpy(big + 28, enc + 28 + 1021, 1021);
	memcpy(big + 28 + 1021, enc + 28, 1021);
	spit(path, big, disk);
	buf_reset(&out);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_EINVAL);
	free(big);
	/* Intact again: it reads. */
	spit(path, enc, disk);
	buf_reset(&out);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_OK);
	assert_memory_equal(out.data, plain, n);

	/* Bytes after FINAL. */
	big = malloc(disk + 8);
	assert_non_null(big);
	memcpy(big, enc, disk);
	memcpy(big + disk, "\0\0\0\x11garbage", 8);
	spit(path, big, disk + 8);
	buf_reset(&out);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_EINVAL);
	free(big);

	/* Another vault's key does not open the file key. */
	spit(path, enc, disk);
	assert_int_equal(vault_open(keyf2, true, &v2), PC_OK);
	buf_reset(&out);
	assert_int_equal(vault_read(v2, path, w.key, &out), PC_EINVAL);
	vault_close(v2);

	/* A group-readable key file is refused. */
	assert_int_equal(chmod(keyf2, 0640), 0);
	assert_int_equal(vault_open(keyf2, false, &v2), PC_EAUTH);

	/* A key file of the wrong content. */
	f = fopen(keyf2, "w");
	assert_non_null(f);
	fputs("not hex\n", f);
	fclose(f);
	assert_int_equal(chmod(keyf2, 0600), 0);
	assert_int_equal(vault_open(keyf2, false, &v2), PC_EINVAL);

	buf_cleanup(&out);
	free(enc);
	free(plain);
	vault_close(v);
}

static void
test_resume_after_crash(void **state)
{
	struct vault *v = NULL;
	struct vault_wip w, stale;
	struct buf out;
	uint8_t a[1000], b[1000];

	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	assert_int_equal(vault_open(keyf, true, &v), PC_OK);
	unlink(path);
	assert_int_equal(vault_create(v, path, &w), PC_OK);
	assert_int_equal(vault_append(v, path, &w, a, 500, false), PC_OK);
	/* A request writes the second piece and dies before its row is
	 * updated: the row still says stale. */
	stale = w;
	assert_int_equal(vault_append(v, path, &w, a + 500, 500, false), PC_OK);
	w = stale;
	/* The retry writes the same piece again from the recorded state. */
	assert_int_equal(vault_append(v, path, &w, a + 500, 500, false), PC_OK);
	assert_int_equal(vault_append(v, path, &w, b, sizeof(b), true), PC_OK);
	buf_init(&out, 4000);
	assert_int_equal(vault_read(v, path, w.key, &out), PC_OK);
	assert_int_equal(out.len, 2000);
	assert_memory_equal(out.data, a, 1000);
	assert_memory_equal(out.data + 1000, b, 1000);
	buf_cleanup(&out);
	/* Creating over an existing file is refused. */
	assert_int_equal(vault_create(v, path, &w), PC_EEXIST);
	vault_close(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_resume_after_crash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
