/*
 * api_describe.c: the routes table and the error registry as data: the
 * completeness check of a row (tests/unit/test_routes.c runs it on every
 * row and on broken ones), and the JSON description `pecete api routes`
 * prints (tests/integration/api_contract.sh holds it against
 * docs/api.yaml and the web UI's strings).
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"

static const char *const auth_names[] = {
	[AUTH_PUBLIC] = "public",
	[AUTH_ANY] = "any",
	[AUTH_PARTIAL] = "partial",
	[AUTH_SIGNED_IN] = "signed_in",
	[AUTH_USER] = "user",
	[AUTH_OPERATOR] = "operator",
	[AUTH_WEBHOOK] = "webhook",
	[AUTH_BEARER] = "bearer",
};

static const char *const rate_names[] = {
	[RATE_NONE] = "none",
	[RATE_API] = "api",
	[RATE_PUBLIC] = "public",
	[RATE_LOGIN] = "login",
	[RATE_REGISTER] = "register",
	[RATE_RECOVERY] = "recovery",
	[RATE_REGISTRY] = "registry",
	[RATE_CONTACT] = "contact",
	[RATE_VALIDATE] = "validate",
};

static const char *const body_names[] = {
	[BODY_NONE] = "none",
	[BODY_JSON] = "json",
	[BODY_FORM] = "form",
	[BODY_RAW] = "raw",
	[BODY_STREAM] = "stream",
};

static const char *const family_names[] = {
	[ERRF_PECETE] = "pecete",
	[ERRF_HTML] = "html",
	[ERRF_CSC] = "csc",
	[ERRF_OAUTH] = "oauth",
};

#define NAME_OF(tab, v)                                                        \
	((unsigned)(v) < PC_ARRAY_LEN(tab) && (tab)[v] != NULL ? (tab)[v]      \
	                                                       : NULL)

static bool
fail(char *why, size_t n, const char *msg)
{
	snprintf(why, n, "%s", msg);
	return false;
}

bool
api_route_check(const struct route *rt, char *why, size_t n)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH",
		"DELETE" };
	bool writes, known = false;
	size_t i;

	for (i = 0; rt->method != NULL && i < PC_ARRAY_LEN(methods); i++)
		if (strcmp(rt->method, methods[i]) == 0)
			known = true;
	if (!known)
		return fail(why, n, "unknown method");
	if (rt->pattern == NULL || rt->pattern[0] != '/')
		return fail(why, n, "pattern must start with /");
	if (rt->handler == NULL)
		return fail(why, n, "no handler");
	if (NAME_OF(auth_names, rt->auth) == NULL)
		return fail(why, n, "no auth level");
	if (rt->auth == AUTH_BEARER && (rt->scope == NULL || !rt->scope[0]))
		return fail(why, n, "bearer route without a scope");
	if (NAME_OF(rate_names, rt->rate) == NULL)
		return fail(why, n, "no rate class");
	if (NAME_OF(body_names, rt->body) == NULL)
		return fail(why, n, "no body mode");
	if (NAME_OF(family_names, rt->errors) == NULL)
		return fail(why, n, "no error family");
	writes =
	    strcmp(rt->method, "GET") != 0 && strcmp(rt->method, "DELETE") != 0;
	if (!writes && rt->body != BODY_NONE)
		return fail(why, n, "GET/DELETE routes take no body");
	if (writes && rt->body == BODY_NONE)
		return fail(why, n, "a write route needs a body mode");
	if (rt->body == BODY_JSON && rt->schema == NULL)
		return fail(why, n, "a JSON body needs a schema");
	if (rt->body != BODY_JSON && rt->schema != NULL)
		return fail(why, n, "a schema without a JSON body");
	if ((rt->body == BODY_RAW || rt->body == BODY_FORM) &&
	    rt->ctype == NULL && rt->auth != AUTH_WEBHOOK)
		return fail(
		    why, n, "a raw or form body needs its Content-Type");
	if (rt->body != BODY_NONE && rt->max_body == 0)
		return fail(why, n, "a body needs a size limit");
	if (rt->body == BODY_NONE && rt->max_body != 0)
		return fail(why, n, "a size limit without a body");
	why[0] = '\0';
	return true;
}

static json_t *
schema_json(const struct api_schema *s)
{
	static const char *const types[] = { [API_F_STR] = "string",
		[API_F_BOOL] = "boolean",
		[API_F_INT] = "integer",
		[API_F_OBJ] = "object",
		[API_F_ARR] = "array" };
	json_t *o = json_object(), *f;
	size_t i;

	for (i = 0; o != NULL && i < s->nfields; i++) {
		const struct api_field *fd = &s->fields[i];

		f = json_pack("{s:s,s:b,s:b}", "type",
		    NAME_OF(types, fd->type) ? types[fd->type] : "?",
		    "required", (fd->flags & API_F_REQ) != 0, "nullable",
		    (fd->flags & API_F_NULL) != 0);
		if (f != NULL && fd->type == API_F_STR)
			json_object_set_new(
			    f, "max_bytes", json_integer(fd->max));
		if (f != NULL && fd->type == API_F_OBJ && fd->sub != NULL)
			json_object_set_new(f, "fields", schema_json(fd->sub));
		if (f != NULL && fd->type == API_F_ARR)
			json_object_set_new(f, "items",
			    fd->sub != NULL ? schema_json(fd->sub)
			                    : json_string("string"));
		json_object_set_new(o, fd->name, f);
	}
	return o;
}

char *
api_routes_json(void)
{
	json_t *a = json_array(), *o;
	char why[128], *out;
	size_t i;

	for (i = 0; a != NULL && i < api_nroutes; i++) {
		const struct route *rt = &api_routes[i];

		o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:b,s:b,s:b}",
		    "method", rt->method, "pattern", rt->pattern, "auth",
		    NAME_OF(auth_names, rt->auth) ? auth_names[rt->auth] : "?",
		    "rate",
		    NAME_OF(rate_names, rt->rate) ? rate_names[rt->rate] : "?",
		    "body",
		    NAME_OF(body_names, rt->body) ? body_names[rt->body] : "?",
		    "max_body", (json_int_t)rt->max_body, "errors",
		    NAME_OF(family_names, rt->errors) ? family_names[rt->errors]
		                                      : "?",
		    "csrf_exempt", (rt->flags & ROUTE_CSRF_EXEMPT) != 0,
		    "dev_only", (rt->flags & (ROUTE_DEV | ROUTE_SANDBOX)) != 0,
		    "secret", (rt->flags & ROUTE_SECRET) != 0);
		if (o == NULL)
			continue;
		if (rt->scope != NULL)
			json_object_set_new(o, "scope", json_string(rt->scope));
		if (rt->ctype != NULL)
			json_object_set_new(o, "ctype", json_string(rt->ctype));
		if (rt->schema != NULL)
			json_object_set_new(
			    o, "schema", schema_json(rt->schema));
		if (!api_route_check(rt, why, sizeof(why)))
			json_object_set_new(o, "incomplete", json_string(why));
		json_array_append_new(a, o);
	}
	out = a != NULL ? json_dumps(a, JSON_INDENT(1) | JSON_PRESERVE_ORDER)
	                : NULL;
	json_decref(a);
	return out;
}

char *
api_errors_json(void)
{
	json_t *a = json_array();
	char *out;
	int c;

	for (c = PCE_NONE + 1; a != NULL && c < PCE_COUNT; c++)
		json_array_append_new(
		    a, json_pack("{s:s,s:i,s:s}", "code",
		           pc_ecode_name((enum pc_ecode)c), "status",
		           pc_ecode_status((enum pc_ecode)c), "message",
		           pc_ecode_message((enum pc_ecode)c)));
	out = a != NULL ? json_dumps(a, JSON_INDENT(1)) : NULL;
	json_decref(a);
	return out;
}
