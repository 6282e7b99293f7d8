/*
 * buf.h: owning, growable, bounded byte buffers and borrowed string slices.
 *
 * A struct buf has a hard maximum fixed at init (buf_init). Appends past the
 * maximum or failing allocations set the sticky "failed" flag and are
 * ignored, so a sequence of appends is checked once with buf_ok(). The data
 * is always NUL-terminated (not counted in len) so text can be used as a C
 * string.
 */
#ifndef PC_BUF_H
#define PC_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"

struct buf {
	uint8_t *data;
	size_t len, cap;
	size_t max;  /* hard cap fixed at init */
	bool failed; /* sticky: an append did not fit or failed */
	bool over;   /* the failure was the cap, not memory */
};

/* A borrowed slice: not owned, not NUL-terminated. */
struct str {
	const char *p;
	size_t n;
};

#define STR_LIT(s) ((struct str){ (s), sizeof(s) - 1 })

void buf_init(struct buf *b, size_t max);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_append_str(struct buf *b, const char *s);
/* The n bytes of s escaped for HTML text and attributes (& < > " '). */
void buf_append_html(struct buf *b, const char *s, size_t n);
/*
 * Make room for n more bytes and count them: returns where to write them
 * (NULL when over the cap or out of memory: sticky failure).
 */
uint8_t *buf_extend(struct buf *b, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...) PC_PRINTF(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) PC_PRINTF(2, 0);
void buf_reset(struct buf *b); /* len = 0, failed = false; keeps memory */
bool buf_ok(const struct buf *b);
/* The status for a failed buffer: PC_ELIMIT over max, else PC_ENOMEM. */
enum pc_rc buf_rc(const struct buf *b);
/* Hands the bytes to the caller (free() them); the buffer is left empty. */
uint8_t *buf_steal(struct buf *b, size_t *lenp);
/* Frees the memory (zeroing it first) and leaves the buffer empty. */
void buf_cleanup(struct buf *b);

struct str str_from(const char *s);
bool str_eq(struct str a, const char *b);
bool str_has_prefix(struct str s, const char *prefix);
/* Parse a decimal unsigned integer covering the whole slice. */
enum pc_rc str_to_u64(struct str s, uint64_t max, uint64_t *out);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void hex_encode(const uint8_t *p, size_t n, char *out);
/* Decode hex (either case) of exactly 2*outlen characters. */
enum pc_rc hex_decode(struct str s, uint8_t *out, size_t outlen);

/* Read a whole file, at most max bytes (PC_ELIMIT past it). */
enum pc_rc file_read(const char *path, size_t max, struct buf *out);
/*
 * Write a file atomically: a temporary file in the same directory, fsync,
 * rename. mode is applied to the new file (e.g. 0600).
 */
enum pc_rc file_write_atomic(
    const char *path, const void *p, size_t n, unsigned mode);

#endif /* PC_BUF_H */
