/*
 * arena.h: a bump allocator for request-scoped data.
 *
 * Everything allocated from an arena is freed at once by arena_cleanup();
 * there is no individual free. Allocations are 16-byte aligned and zeroed.
 * A cap bounds the total so one request cannot exhaust memory.
 */
#ifndef PC_ARENA_H
#define PC_ARENA_H

#include <stddef.h>

#include "base/pc.h"

struct arena_chunk;

struct arena {
	struct arena_chunk *chunks;
	size_t used; /* total bytes handed out */
	size_t max;  /* cap on used */
};

void arena_init(struct arena *a, size_t max);
/* NULL when the cap is reached or memory is short. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) PC_PRINTF(2, 3);
void arena_cleanup(struct arena *a);

#endif /* PC_ARENA_H */
