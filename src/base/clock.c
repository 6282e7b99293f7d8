/*
 * clock.c: the one source of "now" (libfaketime moves it in tests).
 */
#include <stdio.h>
#include <time.h>

#include "base/clock.h"

int64_t
clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_fmt_iso(int64_t t, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		if (n > 0)
			out[0] = '\0';
	}
}
