/*
 * ra_state.c: the identification's state machine, in one place. Every
 * change is written by a conditional update naming the state it leaves
 * (store_idv.c), after this table allowed it.
 */
#include <string.h>

#include "ra/ra.h"

static const struct {
	const char *from, *to;
} moves[] = {
	{ RA_OPEN, RA_SUBMITTED },
	{ RA_OPEN, RA_ABANDONED },
	{ RA_SUBMITTED, RA_ACCEPTED },
	{ RA_SUBMITTED, RA_REJECTED },
	{ RA_SUBMITTED, RA_REDO },
	{ RA_SUBMITTED, RA_CONTACT },
	/* After talking to the person: a new recording. */
	{ RA_CONTACT, RA_REDO },
};

static const char *const known[] = { RA_OPEN, RA_SUBMITTED, RA_ACCEPTED,
	RA_REJECTED, RA_REDO, RA_CONTACT, RA_ABANDONED };

bool
ra_state_known(const char *state)
{
	size_t i;

	for (i = 0; state != NULL && i < PC_ARRAY_LEN(known); i++)
		if (strcmp(state, known[i]) == 0)
			return true;
	return false;
}

bool
ra_state_allowed(const char *from, const char *to)
{
	size_t i;

	if (from == NULL || to == NULL)
		return false;
	for (i = 0; i < PC_ARRAY_LEN(moves); i++)
		if (strcmp(moves[i].from, from) == 0 &&
		    strcmp(moves[i].to, to) == 0)
			return true;
	return false;
}

bool
ra_state_retry(const char *state)
{
	return state != NULL && (strcmp(state, RA_REJECTED) == 0 ||
	                            strcmp(state, RA_REDO) == 0 ||
	                            strcmp(state, RA_ABANDONED) == 0 ||
	                            strcmp(state, RA_OPEN) == 0);
}
