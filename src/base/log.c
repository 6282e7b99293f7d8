/*
 * log.c: one line per event on stderr: a JSON object (the default when
 * stderr is not a terminal) or text for people.
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
/* JSON lines unless stderr is a terminal (PECETE_LOG_FORMAT overrides). */
static bool log_json;

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
	v = getenv("PECETE_LOG_FORMAT");
	if (v != NULL && strcmp(v, "json") == 0)
		log_json = true;
	else if (v != NULL && strcmp(v, "text") == 0)
		log_json = false;
	else
		log_json = !isatty(STDERR_FILENO);
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

/*
 * Copy n bytes of in to out as JSON string content: quote, backslash and
 * control bytes escaped, a byte that does not start a valid UTF-8
 * sequence written as U+FFFD. Returns the bytes written (< cap).
 */
static size_t
json_escape(const unsigned char *in, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0, len, k;
	unsigned char c;

	while (i < n && o + 7 < cap) {
		c = in[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			out[o++] = (char)c;
			i++;
		} else {
			len = c >= 0xf0 && c <= 0xf4   ? 4
			      : c >= 0xe0              ? 3
			      : c >= 0xc2 && c <= 0xdf ? 2
			                               : 0;
			for (k = 1; len != 0 && k < len; k++)
				if (i + k >= n || (in[i + k] & 0xc0) != 0x80)
					len = 0;
			/* Overlong 3-byte forms and surrogates: invalid. */
			if (len == 3 && ((c == 0xe0 && in[i + 1] < 0xa0) ||
			                    (c == 0xed && in[i + 1] >= 0xa0)))
				len = 0;
			if (len == 4 && ((c == 0xf0 && in[i + 1] < 0x90) ||
			                    (c == 0xf4 && in[i + 1] >= 0x90)))
				len = 0;
			if (len == 0) {
				o += (size_t)snprintf(
				    out + o, cap - o, "\\ufffd");
				i++;
			} else {
				memcpy(out + o, in + i, len);
				o += len;
				i += len;
			}
		}
	}
	return o;
}

static void log_vline(const char *lvl, const char *subsys, const char *fmt,
    va_list ap, const char *suffix) PC_PRINTF(3, 0);

static void
log_vline(const char *lvl, const char *subsys, const char *fmt, va_list ap,
    const char *suffix)
{
	char msg[2048], out[6 * 2048 + 512], ts[32];
	size_t o;
	int n, m;

	clock_fmt_iso(clock_now(), ts, sizeof(ts));
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (suffix != NULL) {
		m = snprintf(msg + n, sizeof(msg) - (size_t)n, "%s", suffix);
		n += m > 0 ? m : 0;
		if ((size_t)n >= sizeof(msg))
			n = sizeof(msg) - 1;
	}
	if (log_json) {
		/* One JSON object per line (journald, log shippers). */
		o = (size_t)snprintf(out, sizeof(out),
		    "{\"time\":\"%s\",\"proc\":\"%s\",\"pid\":%ld,"
		    "\"level\":\"%s\"",
		    ts, log_proc, (long)getpid(), lvl);
		if (log_req[0] != '\0')
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    ",\"req\":\"%s\"", log_req);
		if (subsys != NULL)
			o += (size_t)snprintf(out + o, sizeof(out) - o,
			    ",\"subsys\":\"%s\"", subsys);
		o += (size_t)snprintf(out + o, sizeof(out) - o, ",\"msg\":\"");
		o += json_escape((const unsigned char *)msg, (size_t)n, out + o,
		    sizeof(out) - o - 3);
		fprintf(stderr, "%.*s\"}\n", (int)o, out);
		return;
	}
	o = (size_t)snprintf(out, sizeof(out), "%s %s[%ld] %s%s%s%s%s ", ts,
	    log_proc, (long)getpid(), lvl, log_req[0] ? " req=" : "", log_req,
	    subsys ? " " : "", subsys ? subsys : "");
	/* One event, one line, no terminal controls: request paths and
	 * other outside text may carry ESC and the like. Newlines become
	 * spaces; other control bytes and DEL are written as \xNN. */
	for (m = 0; m < n && o + 5 < sizeof(out); m++) {
		unsigned char c = (unsigned char)msg[m];

		if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = ' ';
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
			o += 4;
		} else {
			out[o++] = (char)c;
		}
	}
	fprintf(stderr, "%.*s\n", (int)o, out);
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
