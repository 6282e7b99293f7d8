/*
 * clock.h: the one source of "now". Tests move time with libfaketime.
 */
#ifndef PC_CLOCK_H
#define PC_CLOCK_H

#include <stdint.h>

#include "base/pc.h"
#include <time.h>

/* Seconds since the epoch, UTC. */
int64_t clock_now(void);
/* Monotonic milliseconds, for timeouts and durations. */
int64_t clock_mono_ms(void);
/* "2026-11-22T23:11:16Z" into out (at least 21 bytes). */
void clock_fmt_iso(int64_t t, char *out, size_t n);
/* "YYYY-MM-DD" -> epoch of 00:00 UTC that day; PC_EINVAL when malformed. */
enum pc_rc clock_day_parse(const char *s, int64_t *t);

#endif /* PC_CLOCK_H */
