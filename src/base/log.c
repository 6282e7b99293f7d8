/*
 * log.c: one line per event on stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "base/clock.h"
#include "base/log.h"

static enum log_level log_level = LOG_LVL_INFO;
static char log_proc[32] = "pecete";
static char log_debug_list[256];
static _Thread_local char log_req[64];

void
log_init(const char *progname)
{
	const char *v;

	if (progname != NULL)
		snprintf(log_proc, sizeof(log_proc), "%s", progname);
	v = getenv("PC_DEBUG");
	if (v != NULL) {
		snprintf(log_debug_list, sizeof(log_debug_list), ",%s,", v);
		log_level = LOG_LVL_DEBUG;
	}
	v = getenv("PECETE_LOG_LEVEL");
	if (v != NULL) {
		if (strcmp(v, "debug") == 0)
			log_level = LOG_LVL_DEBUG;
		else if (strcmp(v, "warn") == 0)
			log_level = LOG_LVL_WARN;
		else if (strcmp(v, "error") == 0)
			log_level = LOG_LVL_ERROR;
		else
			log_level = LOG_LVL_INFO;
	}
}

void
log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

void
log_set_proc(const char *proc)
{
	snprintf(log_proc, sizeof(log_proc), "%s", proc);
}

void
log_set_req(const char *req_id)
{
	if (req_id == NULL)
		log_req[0] = '\0';
	else
		snprintf(log_req, sizeof(log_req), "%s", req_id);
}

const char *
log_get_req(void)
{
	return log_req;
}

bool
log_debug_on(const char *subsys)
{
	char needle[40];

	if (log_debug_list[0] == '\0')
		return false;
	if (strstr(log_debug_list, ",all,") != NULL)
		return true;
	snprintf(needle, sizeof(needle), ",%s,", subsys);
	return strstr(log_debug_list, needle) != NULL;
}

static void log_vline(const char *lvl, const char *subsys, const char *fmt,
    va_list ap, const char *suffix) PC_PRINTF(3, 0);

static void
log_vline(const char *lvl, const char *subsys, const char *fmt, va_list ap,
    const char *suffix)
{
	char line[2048], out[4 * 2048], ts[32];
	size_t o;
	int n, m;

	clock_fmt_iso(clock_now(), ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "%s %s[%ld] %s%s%s%s%s ", ts, log_proc,
	    (long)getpid(), lvl, log_req[0] ? " req=" : "", log_req,
	    subsys ? " " : "", subsys ? subsys : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* One event, one line, no terminal controls: request paths and
	 * other outside text may carry ESC and the like. Newlines become
	 * spaces; other control bytes and DEL are written as \xNN. */
	for (m = 0, o = 0; m < n && o + 4 < sizeof(out); m++) {
		unsigned char c = (unsigned char)line[m];

		if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = ' ';
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
			o += 4;
		} else {
			out[o++] = (char)c;
		}
	}
	fprintf(stderr, "%.*s%s\n", (int)o, out, suffix ? suffix : "");
}

#define LOG_FN(name, lvl, str)                                                 \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		if (log_level > (lvl))                                         \
			return;                                                \
		va_start(ap, fmt);                                             \
		log_vline(str, NULL, fmt, ap, NULL);                           \
		va_end(ap);                                                    \
	}

LOG_FN(log_info, LOG_LVL_INFO, "info")
LOG_FN(log_warnx, LOG_LVL_WARN, "warn")
LOG_FN(log_error, LOG_LVL_ERROR, "error")

void
log_warn(const char *fmt, ...)
{
	char suffix[160];
	va_list ap;
	int e = errno;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(e));
	va_start(ap, fmt);
	log_vline("warn", NULL, fmt, ap, suffix);
	va_end(ap);
	errno = e;
}

void
log_debugx(const char *subsys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("debug", subsys, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	char suffix[160];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(errno));
	va_start(ap, fmt);
	log_vline("fatal", NULL, fmt, ap, suffix);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal", NULL, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

enum pc_rc
ossl_fail(const char *what)
{
	unsigned long e;
	char msg[256];
	int n = 0;

	while ((e = ERR_get_error()) != 0) {
		if (n++ < 4) {
			ERR_error_string_n(e, msg, sizeof(msg));
			log_warnx("%s: openssl: %s", what, msg);
		}
	}
	if (n == 0)
		log_warnx("%s: openssl failed", what);
	return PC_ECRYPTO;
}
