/*
 * err.c: the registry of base/errors.def as a table.
 */
#include <string.h>

#include "base/err.h"

struct pc_ecode_row {
	const char *name;
	int status;
	const char *message;
};

static const struct pc_ecode_row rows[PCE_COUNT] = {
	[PCE_NONE] = { "", 500, "" },
#define PC_ERR(id, code, st, msg) [PCE_##id] = { code, st, msg },
#include "base/errors.def"
#undef PC_ERR
};

const char *
pc_ecode_name(enum pc_ecode c)
{
	return (unsigned)c < PCE_COUNT ? rows[c].name : "";
}

int
pc_ecode_status(enum pc_ecode c)
{
	return c > PCE_NONE && (unsigned)c < PCE_COUNT ? rows[c].status : 500;
}

const char *
pc_ecode_message(enum pc_ecode c)
{
	return (unsigned)c < PCE_COUNT ? rows[c].message : "";
}

enum pc_ecode
pc_ecode_find(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0')
		return PCE_NONE;
	for (i = 1; i < PCE_COUNT; i++)
		if (strcmp(rows[i].name, name) == 0)
			return (enum pc_ecode)i;
	return PCE_NONE;
}

enum pc_ecode
pc_ecode_for_rc(enum pc_rc rc)
{
	switch (rc) {
	case PC_OK:
		return PCE_NONE;
	case PC_EINVAL:
		return PCE_INVALID;
	case PC_EAUTH:
		return PCE_FORBIDDEN;
	case PC_ENOTFOUND:
		return PCE_NOT_FOUND;
	case PC_ESTATE:
		return PCE_STATE;
	case PC_EEXIST:
		return PCE_EXISTS;
	case PC_ELIMIT:
		return PCE_TOO_LARGE;
	case PC_EUNAVAIL:
		return PCE_UNAVAILABLE;
	default:
		return PCE_INTERNAL;
	}
}

enum pc_rc
pc_fail(
    struct pc_err *err, enum pc_rc rc, enum pc_ecode code, const char *field)
{
	if (err != NULL && err->code == PCE_NONE) {
		err->code = code;
		if (field != NULL)
			err->field = field;
	}
	return rc;
}
