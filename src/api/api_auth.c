/*
 * api_auth.c: the authorize hook run by the router before every handler.
 *
 * Public routes (AUTH_NONE) pass. Routes that need a signed-in user
 * (AUTH_USER) are refused with 401 until accounts provide sessions.
 */
#include "api/api.h"

enum pc_rc
api_authorize(struct req *r, const struct route *route, struct resp *w)
{
	if (route->auth == AUTH_NONE)
		return PC_OK;
	http_error(w, PC_EAUTH, "not_signed_in", "Sign in first.");
	w->status = 401;
	return PC_EAUTH;
}
