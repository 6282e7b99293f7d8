/*
 * buf.c: bounded buffers, slices, hex and whole-file helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/secret.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static bool
buf_grow(struct buf *b, size_t need)
{
	size_t ncap;
	uint8_t *p;

	if (b->failed)
		return false;
	if (need > b->max || need == SIZE_MAX) {
		b->failed = true;
		b->over = true;
		return false;
	}
	if (need + 1 <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need + 1)
		ncap = ncap > SIZE_MAX / 2 ? need + 1 : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	/* Not realloc: the old block is wiped before it is freed (a buf may
	 * hold a secret; buf_cleanup wipes too). */
	p = malloc(ncap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	if (b->data != NULL) {
		memcpy(p, b->data, b->len + 1 <= b->cap ? b->len + 1 : b->cap);
		secret_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = ncap;
	return true;
}

uint8_t *
buf_extend(struct buf *b, size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - b->len - 1) {
		b->failed = true;
		b->over = true;
		return NULL;
	}
	if (!buf_grow(b, b->len + n))
		return NULL;
	p = b->data + b->len;
	b->len += n;
	b->data[b->len] = '\0';
	return p;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > SIZE_MAX - b->len - 1) {
		b->failed = true;
		b->over = true;
		return;
	}
	if (!buf_grow(b, b->len + n))
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_append_html(struct buf *b, const char *s, size_t n)
{
	static const char *const ent[] = { ['&'] = "&amp;",
		['<'] = "&lt;",
		['>'] = "&gt;",
		['"'] = "&quot;",
		['\''] = "&#39;" };
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < PC_ARRAY_LEN(ent) && ent[c] != NULL)
			buf_append_str(b, ent[c]);
		else
			buf_append(b, s + i, 1);
	}
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (b->failed)
		return;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!buf_grow(b, b->len + (size_t)n))
		return;
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	b->over = false;
	if (b->data != NULL)
		b->data[0] = '\0';
}

bool
buf_ok(const struct buf *b)
{
	return !b->failed;
}

enum pc_rc
buf_rc(const struct buf *b)
{
	if (!b->failed)
		return PC_OK;
	return b->over ? PC_ELIMIT : PC_ENOMEM;
}

uint8_t *
buf_steal(struct buf *b, size_t *lenp)
{
	uint8_t *p;

	p = b->data;
	if (lenp != NULL)
		*lenp = b->len;
	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_cleanup(struct buf *b)
{
	if (b->data != NULL) {
		secret_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
	b->over = false;
}

struct str
str_from(const char *s)
{
	struct str r;

	r.p = s;
	r.n = s ? strlen(s) : 0;
	return r;
}

bool
str_eq(struct str a, const char *b)
{
	size_t n;

	n = strlen(b);
	return a.n == n && (n == 0 || memcmp(a.p, b, n) == 0);
}

bool
str_has_prefix(struct str s, const char *prefix)
{
	size_t n;

	n = strlen(prefix);
	return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

enum pc_rc
str_to_u64(struct str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	unsigned d;

	if (s.n == 0 || s.n > 20)
		return PC_EINVAL;
	for (i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return PC_EINVAL;
		d = (unsigned)(s.p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return PC_EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return PC_EINVAL;
	*out = v;
	return PC_OK;
}

void
hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum pc_rc
hex_decode(struct str s, uint8_t *out, size_t outlen)
{
	size_t i;
	int hi, lo;

	if (s.n != 2 * outlen)
		return PC_EINVAL;
	for (i = 0; i < outlen; i++) {
		hi = hexval(s.p[2 * i]);
		lo = hexval(s.p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return PC_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return PC_OK;
}

enum pc_rc
file_read(const char *path, size_t max, struct buf *out)
{
	uint8_t tmp[16384];
	ssize_t n;
	int fd;
	enum pc_rc rc = PC_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? PC_ENOTFOUND : PC_EIO;
	buf_init(out, max);
	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = PC_EIO;
			break;
		}
		if (n == 0)
			break;
		buf_append(out, tmp, (size_t)n);
		if (!buf_ok(out)) {
			rc = buf_rc(out);
			break;
		}
	}
	close(fd);
	if (rc != PC_OK)
		buf_cleanup(out);
	return rc;
}

enum pc_rc
file_write_atomic(const char *path, const void *p, size_t n, unsigned mode)
{
	char tmp[PATH_MAX];
	const uint8_t *q = p;
	size_t off = 0;
	ssize_t w;
	int fd, len;

	len = snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
	if (len < 0 || (size_t)len >= sizeof(tmp))
		return PC_EINVAL;
	fd = mkstemp(tmp);
	if (fd < 0) {
		log_warn("write %s", path);
		return PC_EIO;
	}
	if (fchmod(fd, (mode_t)mode) != 0)
		goto fail;
	while (off < n) {
		w = write(fd, q + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return PC_OK;
fail:
	log_warn("write %s", path);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return PC_EIO;
}
