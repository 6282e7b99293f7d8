/*
 * test_routes.c: the routes table is the request's whole contract. Every
 * row is complete (api_route_check), no two rows share method and pattern,
 * schema members are unique; and the check itself refuses incomplete
 * rows (test of the test). docs/api.yaml agreement: api_contract.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/api_int.h"

static enum pc_rc
nop(struct req *r, struct resp *w)
{
	return PC_OK;
}

static void
test_every_row_complete(void **state)
{
	char why[128];
	size_t i, j, k;

	assert_true(api_nroutes > 50);
	for (i = 0; i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];

		if (!api_route_check(rt, why, sizeof(why)))
			fail_msg("%s %s: %s", rt->method, rt->pattern, why);
		for (j = i + 1; j < api_nroutes; j++)
			if (strcmp(rt->method, api_routes[j].method) == 0 &&
			    strcmp(rt->pattern, api_routes[j].pattern) == 0)
				fail_msg(
				    "%s %s twice", rt->method, rt->pattern);
		if (rt->schema == NULL)
			continue;
		for (j = 0; j < rt->schema->nfields; j++)
			for (k = j + 1; k < rt->schema->nfields; k++)
				assert_string_not_equal(
				    rt->schema->fields[j].name,
				    rt->schema->fields[k].name);
	}
}

API_SCHEMA(s_t, API_STR("a", 10));

static void
test_incomplete_rows_refused(void **state)
{
	static const struct route good = { "POST", "/x", nop, AUTH_USER, NULL,
		0, RATE_API, BODY_JSON, 100, &s_t, ERRF_PECETE, NULL };
	struct route r;
	char why[128];

	assert_true(api_route_check(&good, why, sizeof(why)));
	r = good;
	r.auth = 0;
	assert_false(api_route_check(&r, why, sizeof(why)));
	assert_string_equal(why, "no auth level");
	r = good;
	r.rate = 0;
	assert_false(api_route_check(&r, why, sizeof(why)));
	r = good;
	r.body = 0;
	assert_false(api_route_check(&r, why, sizeof(why)));
	r = good;
	r.errors = 0;
	assert_false(api_route_check(&r, why, sizeof(why)));
	/* A POST with neither schema nor streamed body. */
	r = good;
	r.schema = NULL;
	assert_false(api_route_check(&r, why, sizeof(why)));
	assert_string_equal(why, "a JSON body needs a schema");
	r = good;
	r.body = BODY_NONE;
	r.max_body = 0;
	r.schema = NULL;
	assert_false(api_route_check(&r, why, sizeof(why)));
	r = good;
	r.max_body = 0;
	assert_false(api_route_check(&r, why, sizeof(why)));
	r = good;
	r.auth = AUTH_BEARER;
	assert_false(api_route_check(&r, why, sizeof(why)));
	r.scope = "service";
	assert_true(api_route_check(&r, why, sizeof(why)));
	r = good;
	r.handler = NULL;
	assert_false(api_route_check(&r, why, sizeof(why)));
	r = good;
	r.method = "GET";
	assert_false(api_route_check(&r, why, sizeof(why)));
}

API_SCHEMA(s_in, API_STR_REQ("t", 4));
API_SCHEMA(s_top, API_STR_REQ("name", 5), API_BOOL("b"), API_OBJ("o", s_in));

static void
test_schema_check(void **state)
{
	static const struct {
		const char *json, *field;
		bool ok;
	} cases[] = {
		{ "{\"name\":\"abc\"}", NULL, true },
		{ "{\"name\":\"\"}", NULL, true },
		{ "{\"name\":\"abcdef\"}", "name", false },
		{ "{}", "name", false },
		{ "{\"name\":1}", "name", false },
		{ "{\"name\":\"a\",\"b\":\"x\"}", "b", false },
		{ "{\"name\":\"a\",\"b\":true}", NULL, true },
		{ "{\"name\":\"a\",\"zz\":1}", "zz", false },
		{ "{\"name\":\"a\",\"o\":{}}", "t", false },
		{ "{\"name\":\"a\",\"o\":{\"t\":\"ok\"}}", NULL, true },
		{ "{\"name\":\"a\",\"o\":[]}", "o", false },
		{ "{\"name\":\"\\u0000\"}", "name", false },
	};
	const char *field;
	json_error_t je;
	json_t *o;
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(cases); i++) {
		o = json_loads(cases[i].json, JSON_ALLOW_NUL, &je);
		assert_non_null(o);
		if ((api_schema_check(&s_top, o, &field) == PC_OK) !=
		    cases[i].ok)
			fail_msg("case %zu: %s", i, cases[i].json);
		if (cases[i].field != NULL)
			assert_string_equal(field, cases[i].field);
		json_decref(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_complete),
		cmocka_unit_test(test_incomplete_rows_refused),
		cmocka_unit_test(test_schema_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
