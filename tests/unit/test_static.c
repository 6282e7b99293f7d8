/*
 * test_static.c: the web UI's static files: path checks (traversal,
 * hidden files, symlinks out of the root), content types, ETag and 304,
 * the CSP of HTML, and the SPA fallback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/buf.h"
#include "http/static.h"

static char root[256], outside[256];

static void
put(const char *dir, const char *name, const char *text)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(file_write_atomic(p, text, strlen(text), 0644), PC_OK);
}

static int
setup(void **state)
{
	char p[512], t[512];

	snprintf(root, sizeof(root), "/tmp/pc-static-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(outside, sizeof(outside), "/tmp/pc-static-out-XXXXXX");
	assert_non_null(mkdtemp(outside));
	snprintf(p, sizeof(p), "%s/js", root);
	assert_int_equal(mkdir(p, 0755), 0);
	put(root, "index.html", "<!doctype html><title>x</title>");
	put(root, "js/app.js", "export {};");
	put(root, "app.css", "body{}");
	put(root, "a.svg", "<svg/>");
	put(root, "a.json", "{}");
	put(root, "a.png", "PNG");
	put(root, "a.woff2", "wOF2");
	put(root, ".hidden", "secret");
	put(outside, "secret.txt", "secret");
	snprintf(p, sizeof(p), "%s/escape.txt", root);
	snprintf(t, sizeof(t), "%s/secret.txt", outside);
	assert_int_equal(symlink(t, p), 0);
	snprintf(p, sizeof(p), "%s/linkdir", root);
	assert_int_equal(symlink(outside, p), 0);
	return 0;
}

static int
teardown(void **state)
{
	static const char *const names[] = { "index.html", "js/app.js",
		"app.css", "a.svg", "a.json", "a.png", "a.woff2", ".hidden",
		"escape.txt", "linkdir" };
	char p[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/js", root);
	rmdir(p);
	rmdir(root);
	snprintf(p, sizeof(p), "%s/secret.txt", outside);
	unlink(p);
	rmdir(outside);
	return 0;
}

/* True when the body contains s. */
static bool
body_has(const struct resp *w, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i + n <= w->body.len; i++)
		if (memcmp(w->body.data + i, s, n) == 0)
			return true;
	return false;
}

static void
test_path_ok(void **state)
{
	static const struct {
		const char *rel;
		bool ok;
	} cases[] = {
		{ "index.html", true },
		{ "js/app.js", true },
		{ "i18n/ro.json", true },
		{ "activate", true },
		{ "settings/", true },
		{ "..", false },
		{ "../etc/passwd", false },
		{ "js/../../etc/passwd", false },
		{ "js/..", false },
		{ "./index.html", false },
		{ "js/./app.js", false },
		{ "/etc/passwd", false },
		{ "js//app.js", false },
		{ ".hidden", false },
		{ "js/.git/config", false },
		{ "a\\..\\b", false },
		{ "a\tb", false },
		{ "a\x7f", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (http_static_path_ok(cases[i].rel) != cases[i].ok)
			fail_msg("path \"%s\": expected %s", cases[i].rel,
			    cases[i].ok ? "ok" : "refused");
	assert_false(http_static_path_ok(NULL));
}

static void
test_ctype(void **state)
{
	static const struct {
		const char *name, *ctype;
	} cases[] = {
		{ "index.html", "text/html; charset=utf-8" },
		{ "css/app.css", "text/css; charset=utf-8" },
		{ "js/app.js", "text/javascript; charset=utf-8" },
		{ "i18n/en.json", "application/json" },
		{ "img/logo.svg", "image/svg+xml" },
		{ "img/a.png", "image/png" },
		{ "f/x.woff2", "font/woff2" },
		{ "README", "application/octet-stream" },
		{ "a.exe", "application/octet-stream" },
		{ "dir.d/file", "application/octet-stream" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(
		    http_static_ctype(cases[i].name), cases[i].ctype);
}

static const char *
header(const struct resp *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->nheaders; i++)
		if (strcmp(w->hname[i], name) == 0)
			return w->hval[i];
	return NULL;
}

/* Serve rel; returns the status. OUT: w (caller cleans the body). */
static int
serve(struct resp *w, struct arena *a, const char *rel, const char *inm)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->body, 1 << 20);
	w->status = 500;
	assert_int_equal(http_static_serve(w, a, root, rel, inm), PC_OK);
	return w->status;
}

static void
test_serve(void **state)
{
	static const struct {
		const char *rel;
		int status;
		const char *ctype; /* prefix */
		const char *body;  /* prefix */
	} cases[] = {
		{ "", 200, "text/html", "<!doctype html>" },
		{ "index.html", 200, "text/html", "<!doctype html>" },
		{ "js/app.js", 200, "text/javascript", "export" },
		{ "app.css", 200, "text/css", "body" },
		{ "a.svg", 200, "image/svg+xml", "<svg" },
		{ "a.json", 200, "application/json", "{}" },
		{ "a.png", 200, "image/png", "PNG" },
		{ "a.woff2", 200, "font/woff2", "wOF2" },
		/* SPA fallback: page-like paths get index.html (the app's
		 * router shows its not-found page for those it lacks). */
		{ "activate", 200, "text/html", "<!doctype html>" },
		{ "settings/password", 200, "text/html", "<!doctype html>" },
		{ "no/such/thing", 200, "text/html", "<!doctype html>" },
		{ "js", 200, "text/html", "<!doctype html>" },
		/* Files that do not exist, and the API: 404 JSON. */
		{ "missing.js", 404, "application/json", "{\"error\"" },
		{ "no/such/file.txt", 404, "application/json", "{\"error\"" },
		{ "api/v1/nothing", 404, "application/json", "{\"error\"" },
		/* Traversal and hidden files. */
		{ "../../../etc/passwd", 404, "application/json", NULL },
		{ "js/../../x", 404, "application/json", NULL },
		{ ".hidden", 404, "application/json", NULL },
		{ "/etc/passwd", 404, "application/json", NULL },
		/* Symlinks leading out of the root. */
		{ "escape.txt", 404, "application/json", NULL },
		{ "linkdir/secret.txt", 404, "application/json", NULL },
	};
	struct arena a;
	struct resp w;
	size_t i;

	arena_init(&a, 1 << 20);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = serve(&w, &a, cases[i].rel, NULL);

		if (st != cases[i].status)
			fail_msg("\"%s\": status %d, expected %d", cases[i].rel,
			    st, cases[i].status);
		assert_non_null(w.ctype);
		assert_memory_equal(
		    w.ctype, cases[i].ctype, strlen(cases[i].ctype));
		if (cases[i].body != NULL) {
			assert_true(w.body.len >= strlen(cases[i].body));
			assert_memory_equal(
			    w.body.data, cases[i].body, strlen(cases[i].body));
		}
		if (st == 404)
			assert_false(body_has(&w, "secret"));
		buf_cleanup(&w.body);
	}
	arena_cleanup(&a);
}

static void
test_headers_etag(void **state)
{
	struct arena a;
	struct resp w;
	const char *etag, *csp;
	char *copy;

	arena_init(&a, 1 << 20);
	assert_int_equal(serve(&w, &a, "index.html", NULL), 200);
	csp = header(&w, "Content-Security-Policy");
	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'self'"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	assert_string_equal(header(&w, "Cache-Control"), "no-cache");
	etag = header(&w, "ETag");
	assert_non_null(etag);
	copy = arena_strdup(&a, etag);
	buf_cleanup(&w.body);

	assert_int_equal(serve(&w, &a, "index.html", copy), 304);
	assert_int_equal(w.body.len, 0);
	buf_cleanup(&w.body);
	assert_int_equal(serve(&w, &a, "index.html", "W/\"other\""), 200);
	buf_cleanup(&w.body);

	/* Only HTML gets the page CSP (others keep the server default). */
	assert_int_equal(serve(&w, &a, "js/app.js", NULL), 200);
	assert_null(header(&w, "Content-Security-Policy"));
	assert_non_null(header(&w, "ETag"));
	buf_cleanup(&w.body);
	arena_cleanup(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_ctype),
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_headers_etag),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
