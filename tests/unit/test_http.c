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

#include "base/arena.h"
#include "base/buf.h"
#include "api/api.h"
#include "http/http.h"

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
		r = http_route_match(api_routes, api_nroutes, cases[i].method,
		    cases[i].path, params, &np, &mm);
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
test_error_writer(void **state)
{
	struct resp w;

	http_resp_init(&w);
	assert_int_equal(pc_ecode_status(PCE_INVALID), 400);
	assert_int_equal(pc_ecode_status(PCE_NOT_FOUND), 404);
	assert_int_equal(pc_ecode_status(PCE_TOO_LARGE), 413);
	assert_int_equal(pc_ecode_status(PCE_UNAVAILABLE), 503);
	assert_int_equal(pc_ecode_for_rc(PC_EHSM), PCE_INTERNAL);
	assert_int_equal(pc_ecode_for_rc(PC_EUNAVAIL), PCE_UNAVAILABLE);
	/* A 5xx never carries a caller's message. */
	http_error(&w, PCE_INTERNAL, "secret detail that must not leak");
	assert_int_equal(w.status, 500);
	assert_null(strstr((char *)w.body.data, "secret detail"));
	http_error(&w, PCE_BAD_CONTENT_TYPE, "Send DER.");
	assert_int_equal(w.status, 415);
	assert_non_null(strstr((char *)w.body.data,
	    "{\"error\":{\"code\":\"bad_content_type\",\"message\":"
	    "\"Send DER.\"}}"));
	http_resp_cleanup(&w);
}

static void
test_request_lists(void **state)
{
	struct req r;

	http_req_init(&r, NULL);
	assert_true(
	    http_req_kv_add(&r, r.headers, &r.nheaders, "X-Csrf-Token", "a"));
	assert_true(http_req_kv_add(&r, r.cookies, &r.ncookies, "pc", "b"));
	assert_true(http_req_kv_add(&r, r.query, &r.nquery, "q", "c"));
	/* Header names are case-insensitive, cookies and queries not. */
	assert_string_equal(http_req_header(&r, "x-csrf-token"), "a");
	assert_string_equal(http_req_cookie(&r, "pc"), "b");
	assert_null(http_req_cookie(&r, "PC"));
	assert_string_equal(http_req_query(&r, "q"), "c");
	while (http_req_kv_add(&r, r.query, &r.nquery, "x", "y"))
		;
	assert_int_equal(r.nquery, HTTP_REQ_KV_MAX);
	http_req_cleanup(&r);
}

/* The client behind trusted proxies (X-Forwarded-For from the right). */
static void
test_client_ip(void **state)
{
	static const struct {
		const char *peer, *xff, *trusted, *want;
	} cases[] = {
		/* No proxies configured: the header is not believed. */
		{ "10.0.0.5", "1.2.3.4", "", "10.0.0.5" },
		{ "10.0.0.5", "1.2.3.4", NULL, "10.0.0.5" },
		/* Not from a trusted proxy: the header is not believed. */
		{ "10.0.0.9", "1.2.3.4", "10.0.0.5", "10.0.0.9" },
		{ "10.0.0.5", NULL, "10.0.0.5", "10.0.0.5" },
		{ "10.0.0.5", "1.2.3.4", "10.0.0.5", "1.2.3.4" },
		/* A client's own header on the left is not believed. */
		{ "10.0.0.5", "6.6.6.6, 1.2.3.4", "10.0.0.5", "1.2.3.4" },
		/* Two proxies: the first untrusted from the right. */
		{ "10.0.0.5", "6.6.6.6,1.2.3.4, 10.0.0.6", "10.0.0.5 10.0.0.6",
		    "1.2.3.4" },
		{ "::1", "2001:DB8::1", "::1,127.0.0.1", "2001:db8::1" },
		{ "127.0.0.1", "2001:db8::1", "0:0:0:0:0:0:0:1, 127.0.0.1",
		    "2001:db8::1" },
		/* Malformed: the peer. */
		{ "10.0.0.5", "1.2.3.4, junk", "10.0.0.5", "10.0.0.5" },
		{ "10.0.0.5", "", "10.0.0.5", "10.0.0.5" },
		{ "10.0.0.5", "1.2.3.4,", "10.0.0.5", "10.0.0.5" },
		/* Every hop a proxy: the peer. */
		{ "10.0.0.5", "10.0.0.6", "10.0.0.5,10.0.0.6", "10.0.0.5" },
	};
	struct arena a;
	size_t i;

	(void)state;
	arena_init(&a, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = http_client_ip(
		    cases[i].peer, cases[i].xff, cases[i].trusted, &a);

		if (got == NULL || strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: %s, want %s", i, got ? got : "NULL",
			    cases[i].want);
	}
	arena_cleanup(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_match),
		cmocka_unit_test(test_client_ip),
		cmocka_unit_test(test_error_writer),
		cmocka_unit_test(test_request_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
