/*
 * route.c: matching a path against the routes table.
 */
#include <string.h>

#include "http/http.h"

/*
 * Match one pattern: literal segments, ":name" (one non-empty segment) and
 * a final "*" (the non-empty rest, slashes included). Captures point into
 * path copies made by the caller: we write NULs into buf.
 */
static bool
route_try(const char *pattern, char *buf, const char **params, size_t *np)
{
	const char *pp = pattern;
	char *sp = buf, *seg_end;
	size_t n = 0, plen;

	for (;;) {
		if (*pp == '\0' && *sp == '\0')
			break;
		if (*pp == '\0' || *sp == '\0')
			return false;
		if (*pp == '/' && *sp == '/') {
			pp++;
			sp++;
			continue;
		}
		if (*pp == '*') {
			if (*sp == '\0' || n >= HTTP_PARAMS_MAX)
				return false;
			params[n++] = sp;
			break;
		}
		if (*pp == ':') {
			if (n >= HTTP_PARAMS_MAX)
				return false;
			while (*pp != '\0' && *pp != '/')
				pp++;
			seg_end = strchr(sp, '/');
			if (seg_end == sp)
				return false;
			params[n++] = sp;
			if (seg_end == NULL) {
				sp += strlen(sp);
			} else {
				*seg_end = '\0';
				sp = seg_end;
				/* Restore the slash for the literal match. */
				if (*pp != '/')
					return false;
				pp++;
				sp++;
			}
			continue;
		}
		plen = strcspn(pp, "/");
		if (strncmp(pp, sp, plen) != 0 ||
		    (sp[plen] != '/' && sp[plen] != '\0'))
			return false;
		pp += plen;
		sp += plen;
	}
	*np = n;
	return true;
}

const struct route *
http_route_match(const struct route *routes, size_t n, const char *method,
    const char *path, const char **params, size_t *nparams,
    bool *method_mismatch)
{
	static _Thread_local char scratch[HTTP_URL_MAX + 1];
	const struct route *found = NULL;
	size_t i, len;

	*method_mismatch = false;
	*nparams = 0;
	len = strlen(path);
	if (len > HTTP_URL_MAX)
		return NULL;
	for (i = 0; i < n; i++) {
		memcpy(scratch, path, len + 1);
		if (!route_try(routes[i].pattern, scratch, params, nparams))
			continue;
		if (strcmp(routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		        strcmp(routes[i].method, "GET") == 0)) {
			found = &routes[i];
			break;
		}
		/* The static catch-all does not make other methods a 405. */
		if (strcmp(routes[i].pattern, "/*") != 0)
			*method_mismatch = true;
	}
	if (found == NULL)
		*nparams = 0;
	return found;
}
