/*
 * test_http.c: the routes table and the matcher.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "http/http.h"

/* "/a/:x/b/:y" -> "/a/{x}/b/{y}"; a final "*" -> "{rest}". */
static void
to_openapi(const char *pattern, char *out, size_t n)
{
	size_t o = 0;
	const char *p = pattern;

	while (*p != '\0' && o + 8 < n) {
		if (*p == ':') {
			out[o++] = '{';
			p++;
			while (*p != '\0' && *p != '/' && o + 2 < n)
				out[o++] = *p++;
			out[o++] = '}';
		} else if (*p == '*' && p[1] == '\0') {
			o += (size_t)snprintf(out + o, n - o, "{rest}");
			p++;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

/* Every route has a handler, a known auth flag, a method and a pattern
 * that is documented in docs/api.yaml. */
static void
test_routes_table(void **state)
{
	struct buf api;
	char path[512], needle[600];
	size_t i;

	snprintf(path, sizeof(path), "%s/docs/api.yaml", PECETE_SOURCE_DIR);
	assert_int_equal(file_read(path, 1 << 20, &api), PC_OK);
	for (i = 0; i < http_nroutes; i++) {
		const struct route *r = &http_routes[i];
		char pat[256];

		assert_non_null(r->handler);
		assert_true(r->auth == AUTH_NONE || r->auth == AUTH_USER ||
		            r->auth == AUTH_OPERATOR ||
		            r->auth == AUTH_WEBHOOK);
		assert_true(strcmp(r->method, "GET") == 0 ||
		            strcmp(r->method, "POST") == 0 ||
		            strcmp(r->method, "PUT") == 0 ||
		            strcmp(r->method, "DELETE") == 0);
		assert_true(r->pattern[0] == '/');
		/* "/pki/:file" is documented as "/pki/{file}", every param. */
		to_openapi(r->pattern, pat, sizeof(pat));
		snprintf(needle, sizeof(needle), "  %s:", pat);
		if (strstr((char *)api.data, needle) == NULL)
			fail_msg("route %s %s is not in docs/api.yaml "
			         "(looked for \"%s\")",
			    r->method, r->pattern, needle);
	}
	buf_cleanup(&api);
}

static void
test_route_match(void **state)
{
	static const struct {
		const char *method, *path, *pattern, *p0;
		bool mismatch;
	} cases[] = {
		{ "GET", "/healthz", "/healthz", NULL, false },
		{ "HEAD", "/healthz", "/healthz", NULL, false },
		{ "GET", "/pki/root.crt", "/pki/:file", "root.crt", false },
		/* Other GETs fall through to the static files (last row). */
		{ "GET", "/pki/", "/*", "pki/", false },
		{ "GET", "/pki/a/b", "/*", "pki/a/b", false },
		{ "GET", "/ocsp/MEUw/Q==", "/ocsp/*", "MEUw/Q==", false },
		{ "POST", "/ocsp", "/ocsp", NULL, false },
		{ "GET", "/healthzz", "/*", "healthzz", false },
		{ "PUT", "/tsa", NULL, NULL, true },
		{ "POST", "/nothing", NULL, NULL, false },
		{ "DELETE", "/healthz", NULL, NULL, true },
	};
	const char *params[HTTP_PARAMS_MAX];
	const struct route *r;
	size_t i, np;
	bool mm;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = http_route_match(
		    cases[i].method, cases[i].path, params, &np, &mm);
		if (cases[i].pattern == NULL) {
			if (r != NULL)
				fail_msg(
				    "%s matched %s", cases[i].path, r->pattern);
			assert_int_equal(mm, cases[i].mismatch);
			continue;
		}
		assert_non_null(r);
		assert_string_equal(r->pattern, cases[i].pattern);
		if (cases[i].p0 != NULL) {
			assert_int_equal(np, 1);
			assert_string_equal(params[0], cases[i].p0);
		}
	}
}

static void
test_status_map(void **state)
{
	struct resp w;

	memset(&w, 0, sizeof(w));
	buf_init(&w.body, 4096);
	assert_int_equal(http_status_for(PC_EINVAL), 400);
	assert_int_equal(http_status_for(PC_ENOTFOUND), 404);
	assert_int_equal(http_status_for(PC_ELIMIT), 413);
	assert_int_equal(http_status_for(PC_EUNAVAIL), 503);
	assert_int_equal(http_status_for(PC_EHSM), 500);
	http_error(&w, PC_EHSM, NULL, "secret detail that must not leak");
	assert_int_equal(w.status, 500);
	assert_null(strstr((char *)w.body.data, "secret detail"));
	http_error(&w, PC_EINVAL, "pdf_encrypted", "Sign it locally.");
	assert_int_equal(w.status, 400);
	assert_non_null(strstr((char *)w.body.data,
	    "{\"error\":{\"code\":\"pdf_encrypted\",\"message\":"
	    "\"Sign it locally.\"}}"));
	buf_cleanup(&w.body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_table),
		cmocka_unit_test(test_route_match),
		cmocka_unit_test(test_status_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
