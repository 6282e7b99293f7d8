/*
 * static.c: serving the browser UI's files from the web root.
 *
 * Files are small (HTML, CSS, JS modules, JSON, images); each is read into
 * the response. The ETag is weak, from size and modification time, so a
 * browser revalidates cheaply ("Cache-Control: no-cache": there is no
 * build step, so names carry no content hash).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/log.h"
#include "http/static.h"

#define STATIC_REL_MAX 512

static const struct {
	const char *ext;
	const char *ctype;
} static_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" },
};

const char *
http_static_ctype(const char *name)
{
	const char *dot, *slash;
	size_t i;

	dot = strrchr(name, '.');
	slash = strrchr(name, '/');
	if (dot == NULL || (slash != NULL && dot < slash))
		return "application/octet-stream";
	for (i = 0; i < PC_ARRAY_LEN(static_types); i++)
		if (strcmp(dot, static_types[i].ext) == 0)
			return static_types[i].ctype;
	return "application/octet-stream";
}

bool
http_static_path_ok(const char *rel)
{
	const char *p, *seg;
	size_t n;

	if (rel == NULL)
		return false;
	n = strlen(rel);
	if (n > STATIC_REL_MAX || rel[0] == '/')
		return false;
	for (p = rel; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return false;
	/* Every segment: non-empty (except a trailing one), not hidden. */
	seg = rel;
	while (*seg != '\0') {
		n = strcspn(seg, "/");
		if (n == 0 || seg[0] == '.')
			return false;
		seg += n;
		if (*seg == '/')
			seg++;
	}
	return true;
}

/*
 * The last segment has no dot: a page of the app, not a file. The app's
 * router (web/js/app.js) knows its pages and shows its own not-found page
 * for the others, so no list of pages is kept here.
 */
static bool
looks_like_page(const char *rel)
{
	const char *last = strrchr(rel, '/');

	last = last ? last + 1 : rel;
	return strchr(last, '.') == NULL;
}

static enum pc_rc
not_found(struct resp *w)
{
	http_error(w, PCE_NOT_FOUND, NULL);
	return PC_OK;
}

/*
 * Resolve rel under root. OUT: *outp (malloc'd real path) and *st.
 * Returns PC_ENOTFOUND for a missing file or one outside the root.
 */
static enum pc_rc
resolve(const char *rroot, const char *rel, char **outp, struct stat *st)
{
	char path[PATH_MAX], *real;
	size_t rl;
	int n;

	*outp = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", rroot, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return PC_ENOTFOUND;
	real = realpath(path, NULL);
	if (real == NULL)
		return errno == ENOENT || errno == ENOTDIR ? PC_ENOTFOUND
		                                           : PC_EIO;
	rl = strlen(rroot);
	if (strncmp(real, rroot, rl) != 0 || real[rl] != '/') {
		log_warnx("static: %s resolves outside the web root", rel);
		free(real);
		return PC_ENOTFOUND;
	}
	if (stat(real, st) != 0 || !S_ISREG(st->st_mode)) {
		free(real);
		return PC_ENOTFOUND;
	}
	*outp = real;
	return PC_OK;
}

enum pc_rc
http_static_serve(struct resp *w, struct arena *a, const char *root,
    const char *rel, const char *inm)
{
	struct buf file;
	struct stat st;
	char *rroot = NULL, *real = NULL;
	const char *ctype, *etag;
	enum pc_rc rc;

	if (rel == NULL || rel[0] == '\0')
		rel = "index.html";
	if (!http_static_path_ok(rel) || strncmp(rel, "api/", 4) == 0 ||
	    strcmp(rel, "api") == 0)
		return not_found(w);
	rroot = realpath(root, NULL);
	if (rroot == NULL) {
		log_warn("static: web root %s", root);
		return not_found(w);
	}
	rc = resolve(rroot, rel, &real, &st);
	if (rc == PC_ENOTFOUND && looks_like_page(rel)) {
		rel = "index.html";
		rc = resolve(rroot, rel, &real, &st);
	}
	if (rc == PC_ENOTFOUND) {
		rc = not_found(w);
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (st.st_size > HTTP_STATIC_MAX) {
		rc = not_found(w);
		goto out;
	}
	ctype = http_static_ctype(real);
	etag = arena_printf(a, "W/\"%llx-%llx\"",
	    (unsigned long long)st.st_size, (unsigned long long)st.st_mtime);
	if (etag == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	http_resp_header(w, "ETag", etag);
	http_resp_header(w, "Cache-Control", "no-cache");
	if (strncmp(ctype, "text/html", 9) == 0)
		http_resp_header(w, "Content-Security-Policy", HTTP_STATIC_CSP);
	if (inm != NULL && strcmp(inm, etag) == 0) {
		http_resp_bytes(w, 304, ctype, "", 0);
		rc = PC_OK;
		goto out;
	}
	rc = file_read(real, HTTP_STATIC_MAX, &file);
	if (rc != PC_OK)
		goto out;
	http_resp_bytes(w, 200, ctype,
	    file.data != NULL ? (const void *)file.data : (const void *)"",
	    file.len);
	buf_cleanup(&file);
	rc = buf_rc(&w->body);
out:
	free(real);
	free(rroot);
	return rc;
}
