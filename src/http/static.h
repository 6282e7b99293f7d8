/*
 * static.h: the static files of the browser UI (web/), served by the
 * catch-all route.
 *
 * A request path is accepted only when it is a plain relative path: no
 * "." or ".." segment, no hidden (dot) segment, no backslash, no control
 * byte, not absolute. The resolved file (realpath, so symlinks are
 * followed) must still lie under the resolved root. Paths that look like
 * pages (no dot in the last segment) and do not exist are answered with
 * index.html, so the single-page app's router can take them (SPA
 * fallback; it shows its own not-found page for paths it does not know);
 * unknown files (with an extension) are 404.
 */
#ifndef PC_HTTP_STATIC_H
#define PC_HTTP_STATIC_H

#include <stdbool.h>

#include "base/arena.h"
#include "http/http.h"

/* Largest file served, bytes. */
#define HTTP_STATIC_MAX (8 * 1024 * 1024)

/* The Content-Security-Policy of our HTML pages. */
#define HTTP_STATIC_CSP                                                        \
	"default-src 'self'; img-src 'self' data:; style-src 'self'; "         \
	"script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "      \
	"base-uri 'none'; form-action 'self'"

/* True when rel (relative, no leading slash) is an acceptable path. */
bool http_static_path_ok(const char *rel);

/* The Content-Type for a file name, by extension (octet-stream if unknown). */
const char *http_static_ctype(const char *name);

/*
 * Answer w with the file rel under root ("" means index.html). inm is the
 * request's If-None-Match (NULL when absent): a matching ETag gives 304.
 * Header strings come from a (the request arena). Returns PC_OK when w
 * was filled (200, 304 or a 404 error body), else a status for the caller
 * to turn into an error.
 */
enum pc_rc http_static_serve(struct resp *w, struct arena *a, const char *root,
    const char *rel, const char *inm);

#endif /* PC_HTTP_STATIC_H */
