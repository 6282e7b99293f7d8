/*
 * pc.c: status names and the precondition hook.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"

const char *
pc_rc_str(enum pc_rc rc)
{
	switch (rc) {
	case PC_OK:
		return "ok";
	case PC_EINVAL:
		return "invalid";
	case PC_EAUTH:
		return "unauthorized";
	case PC_ENOTFOUND:
		return "not_found";
	case PC_ESTATE:
		return "state";
	case PC_ELIMIT:
		return "limit";
	case PC_EEXIST:
		return "exists";
	case PC_ENOMEM:
		return "no_memory";
	case PC_EDB:
		return "database";
	case PC_EHSM:
		return "hsm";
	case PC_ECRYPTO:
		return "crypto";
	case PC_EIO:
		return "io";
	case PC_EUNAVAIL:
		return "unavailable";
	case PC_EINTERNAL:
		return "internal";
	}
	return "unknown";
}

void
pc_precond_failed(
    const char *expr, const char *func, const char *file, int line)
{
	const char *strict;

	log_error(
	    "precondition failed: %s in %s (%s:%d)", expr, func, file, line);
	strict = getenv("PC_STRICT");
	if (strict != NULL && strcmp(strict, "1") == 0)
		abort();
}
