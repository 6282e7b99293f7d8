/*
 * err.h: the stable error codes that reach clients (the registry in
 * base/errors.def) and the one struct that carries a refusal from the
 * domain to the faces (HTTP API, CLI).
 *
 * A domain function returns an enum pc_rc and, when the caller can act on
 * it, fills a struct pc_err: the code, the request member at fault and,
 * for timers, the seconds to wait. The API turns it into the route's error
 * family (api/api_err.c); the CLI prints the message.
 */
#ifndef PC_ERR_H
#define PC_ERR_H

#include <stdint.h>

#include "base/pc.h"

enum pc_ecode {
	PCE_NONE = 0,
#define PC_ERR(id, code, status, msg) PCE_##id,
#include "base/errors.def"
#undef PC_ERR
	PCE_COUNT
};

struct pc_err {
	enum pc_ecode code;  /* PCE_NONE when none */
	const char *field;   /* the request member at fault, or NULL */
	int64_t retry_after; /* seconds, 0 when not a timer */
};

/* The code's name ("code_invalid"); "" for PCE_NONE or out of range. */
const char *pc_ecode_name(enum pc_ecode c);
/* Its HTTP status (500 for PCE_NONE or out of range). */
int pc_ecode_status(enum pc_ecode c);
/* Its default message (static English text). */
const char *pc_ecode_message(enum pc_ecode c);
/* The code of a name; PCE_NONE when unknown. */
enum pc_ecode pc_ecode_find(const char *name);
/* The generic code for a bare status (PC_EINVAL -> invalid, ...). */
enum pc_ecode pc_ecode_for_rc(enum pc_rc rc);

/*
 * Set err's code (when not yet set) and field, and return rc: the one
 * line of a refusal, `return pc_fail(err, PC_EINVAL, PCE_CODE_INVALID,
 * "code");`. err may be NULL.
 */
enum pc_rc pc_fail(
    struct pc_err *err, enum pc_rc rc, enum pc_ecode code, const char *field);

#endif /* PC_ERR_H */
