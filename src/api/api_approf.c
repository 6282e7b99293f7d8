/*
 * api_approf.c: the holder's appearance profiles (OUG 140/2020); handlers
 * translate to signing/signing_approf.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "signing/signing_approf.h"

static enum pc_rc
profile_add(void *arg, const struct store_approf *p)
{
	json_t *o, *lines;

	lines = json_loads(p->lines != NULL ? p->lines : "[]", 0, NULL);
	o = json_pack("{s:s,s:s,s:o,s:b,s:I}", "id", p->id, "name", p->name,
	    "lines", lines != NULL ? lines : json_array(), "image",
	    p->image_len > 0, "image_size", (json_int_t)p->image_len);
	return json_array_append_new(arg, o) == 0 ? PC_OK : PC_ENOMEM;
}

/* The user's profiles, with id (the one just made) when not NULL. */
static enum pc_rc
profiles_reply(struct req *r, struct resp *w, int status, const char *id)
{
	json_t *arr = json_array(), *o;
	enum pc_rc rc;

	if (arr == NULL)
		return PC_ENOMEM;
	rc = approf_each(api_env(r), api_session(r)->u.id, profile_add, arr);
	if (rc != PC_OK) {
		json_decref(arr);
		return api_fail(r, w, rc, NULL);
	}
	o = json_pack("{s:o,s:i}", "profiles", arr, "max", APPROF_MAX);
	if (o != NULL && id != NULL)
		json_object_set_new(o, "id", json_string(id));
	return api_reply(w, status, o);
}

enum pc_rc
api_approf_get(struct req *r, struct resp *w)
{
	return profiles_reply(r, w, 200, NULL);
}

enum pc_rc
api_approf_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	const char *lines[SIGN_APPROF_LINES];
	char id[STORE_ID_LEN + 1];
	json_t *arr = json_object_get(r->json, "lines");
	size_t i, n = json_array_size(arr);
	enum pc_rc rc;

	if (n > SIGN_APPROF_LINES) {
		pc_fail(&err, PC_EINVAL, PCE_FIELD_INVALID, "lines");
		return api_fail(r, w, PC_EINVAL, &err);
	}
	for (i = 0; i < n; i++)
		lines[i] = json_string_value(json_array_get(arr, i));
	rc = approf_create(api_env(r), api_session(r)->u.id,
	    json_string_value(json_object_get(r->json, "name")), lines, (int)n,
	    id, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return profiles_reply(r, w, 201, id);
}

/* The image as the raw body. */
enum pc_rc
api_approf_image_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	enum pc_rc rc;

	rc = approf_image_set(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    r->body.data, r->body.len, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return profiles_reply(r, w, 200, NULL);
}

enum pc_rc
api_approf_delete(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	enum pc_rc rc;

	rc = approf_delete(
	    api_env(r), api_session(r)->u.id, api_param(r, 0), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return profiles_reply(r, w, 200, NULL);
}
