/*
 * log.h: one line per event on stderr, for journald.
 *
 * Format: one JSON object per line, {"time","proc","pid","level","req"
 * (in a request),"subsys" (debug),"msg"}, when stderr is not a terminal
 * (journald, files, log shippers); "<time> <proc>[<pid>] <level>
 * [req=<id>] <message>" for a terminal. PECETE_LOG_FORMAT=json|text
 * chooses. Either way one event is one line with no control bytes. The
 * request id of the current thread is set with log_set_req() by the HTTP
 * layer. Never log
 * PINs, passwords, codes, tokens, document bytes or personal numbers.
 * log_debug() lines are printed only for subsystems listed in PC_DEBUG
 * (comma separated, "all" for every one); they cost a branch otherwise.
 */
#ifndef PC_LOG_H
#define PC_LOG_H

#include <stdbool.h>

#include "base/pc.h"

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

/* Reads PC_DEBUG and PECETE_LOG_LEVEL; safe to call more than once. */
void log_init(const char *progname);
void log_set_level(enum log_level lvl);
/* Prefix for the lines of this process ("signer" in the signer). */
void log_set_proc(const char *proc);
/* The request id of the calling thread (NULL to clear). Copied. */
void log_set_req(const char *req_id);
const char *log_get_req(void);
bool log_debug_on(const char *subsys);

void log_info(const char *fmt, ...) PC_PRINTF(1, 2);
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) PC_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) PC_PRINTF(1, 2);
void log_error(const char *fmt, ...) PC_PRINTF(1, 2);
void log_debugx(const char *subsys, const char *fmt, ...) PC_PRINTF(2, 3);
/* Log and exit(1). */
void fatal(const char *fmt, ...) PC_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) PC_PRINTF(1, 2) __attribute__((noreturn));

#define log_debug(subsys, ...)                                                 \
	do {                                                                   \
		if (log_debug_on(subsys))                                      \
			log_debugx(subsys, __VA_ARGS__);                       \
	} while (0)

/*
 * Log OpenSSL's error queue under "what", clear it, and return PC_ECRYPTO.
 */
enum pc_rc ossl_fail(const char *what);

#endif /* PC_LOG_H */
