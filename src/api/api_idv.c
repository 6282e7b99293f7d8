/*
 * api_idv.c: the person's identification (J7) over HTTP: where it
 * stands, starting a case, its steps, the SMS code typed while recording,
 * the upload in pieces, the submission. Handlers translate; src/ra
 * decides.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/buf.h"
#include "ra/ra.h"

/* The case as the recording page needs it. */
static json_t *
case_json(struct req *r, const struct store_idv_case *c)
{
	struct ra_plan plan;
	json_t *steps = json_array(), *chal, *done, *o;
	size_t i;

	if (steps == NULL)
		return NULL;
	if (ra_plan(c->doc_type, c->challenges, &plan) == PC_OK)
		for (i = 0; i < plan.n; i++)
			json_array_append_new(steps, json_string(plan.step[i]));
	/* What the challenges are stays hidden until their step starts. */
	chal =
	    json_loads(c->challenges != NULL ? c->challenges : "[]", 0, NULL);
	done = json_loads(c->steps != NULL ? c->steps : "[]", 0, NULL);
	o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:b,s:o,s:I,s:o,s:b,s:o,s:o,s:s,"
	              "s:o}",
	    "id", c->id, "state", c->state, "attempt", (json_int_t)c->attempt,
	    "doc_type", c->doc_type, "phone", c->phone != NULL ? c->phone : "",
	    "phone_changed", c->phone_changed, "steps", steps, "challenges",
	    (json_int_t)json_array_size(chal), "steps_done",
	    done != NULL ? done : json_array(), "sms_verified",
	    c->sms_verified_at != 0, "submitted_at",
	    api_time_or_null(r, c->submitted_at), "deadline_at",
	    api_time_or_null(r, c->deadline_at), "reason", c->reason,
	    "reason_text", api_json_text(c->reason_text));
	json_decref(chal);
	return o;
}

enum pc_rc
api_idv_get(struct req *r, struct resp *w)
{
	struct ra_status st;
	const struct ra_reason *why;
	const char *lang;
	json_t *o;
	enum pc_rc rc;

	rc = ra_status(api_env(r), api_session(r)->u.id, &st);
	if (rc != PC_OK)
		return rc;
	lang = api_session(r)->u.lang;
	why = ra_reason_find(st.c.reason);
	o = json_pack("{s:o,s:o,s:I,s:I,s:b,s:s,s:s,s:s,s:o}", "order",
	    st.order.id[0]
	        ? json_pack("{s:s,s:s,s:s}", "id", st.order.id, "number",
	              st.order.number, "package", st.order.package)
	        : json_null(),
	    "case", st.c.id[0] ? case_json(r, &st.c) : json_null(),
	    "rejections", (json_int_t)st.rejections, "max_rejections",
	    (json_int_t)api_env(r)->conf->ra.max_rejections, "can_start",
	    st.can_start, "phone", st.account_phone, "email", st.account_email,
	    "consent_version", st.consent_version, "reason_label",
	    why != NULL
	        ? json_string(strcmp(lang, "en") == 0 ? why->en : why->ro)
	        : json_null());
	ra_status_cleanup(&st);
	return api_reply(w, 200, o);
}

enum pc_rc
api_idv_post(struct req *r, struct resp *w)
{
	struct ra_start_req q;
	struct store_idv_case c;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	q.order_id = api_str(r, "order_id");
	q.doc_type = api_str(r, "doc_type");
	q.phone = api_str(r, "phone");
	q.consent_privacy = api_bool(r, "consent_privacy");
	q.consent_biometric = api_bool(r, "consent_biometric");
	q.consent_images = api_bool(r, "consent_images");
	q.consent_recording = api_bool(r, "consent_recording");
	q.user_agent = http_req_header(r, "User-Agent");
	rc = ra_start(api_env(r), api_session(r)->u.id, &q, &c, api_err(r));
	if (rc != PC_OK)
		return rc;
	rc = api_reply(w, 201, case_json(r, &c));
	store_idv_case_cleanup(&c);
	return rc;
}

static json_t *
step_json(const struct ra_step_info *s)
{
	return json_pack("{s:s,s:o,s:o,s:o}", "step", s->step, "number",
	    s->number[0] ? json_string(s->number) : json_null(), "direction",
	    s->direction[0] ? json_string(s->direction) : json_null(), "code",
	    s->to_masked[0]
	        ? json_pack("{s:b,s:s,s:s,s:I}", "sent", s->code_sent,
	              "channel", "sms", "to_masked", s->to_masked, "expires_in",
	              (json_int_t)s->expires_in)
	        : json_null());
}

/* A step of the case of the path: fn with the body's member key. */
static enum pc_rc
step_post(struct req *r, struct resp *w,
    enum pc_rc (*fn)(const struct pc_env *, const char *, const char *,
        const char *, struct ra_step_info *, struct pc_err *),
    const char *key)
{
	struct ra_step_info s;
	enum pc_rc rc;

	rc = fn(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    api_str(r, key), &s, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, step_json(&s));
}

enum pc_rc
api_idv_step_post(struct req *r, struct resp *w)
{
	return step_post(r, w, ra_step, "step");
}

enum pc_rc
api_idv_phone_post(struct req *r, struct resp *w)
{
	return step_post(r, w, ra_phone, "phone");
}

enum pc_rc
api_idv_code_post(struct req *r, struct resp *w)
{
	return api_reply_true(w,
	    ra_sms_check(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        api_str(r, "code"), api_err(r)),
	    "verified");
}

enum pc_rc
api_idv_file_get(struct req *r, struct resp *w)
{
	int64_t received = 0;
	bool final = false;
	enum pc_rc rc;

	rc = ra_upload_info(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    api_param(r, 1), &received, &final, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200,
	    json_pack(
	        "{s:I,s:b}", "received", (json_int_t)received, "final", final));
}

/* ?offset=N (decimal), required. */
static bool
query_offset(struct req *r, int64_t *out)
{
	const char *s = http_req_query(r, "offset");
	uint64_t v = 0;

	if (s == NULL || str_to_u64(str_from(s), INT64_MAX, &v) != PC_OK)
		return false;
	*out = (int64_t)v;
	return true;
}

enum pc_rc
api_idv_file_post(struct req *r, struct resp *w)
{
	int64_t offset = 0, received = 0;
	enum pc_rc rc;

	if (!query_offset(r, &offset))
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "offset");
	rc = ra_upload(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    api_param(r, 1), http_req_query(r, "type"), offset, r->body.data,
	    r->body.len, &received, api_err(r));
	if (rc != PC_OK && api_err(r)->code == PCE_UPLOAD_OFFSET) {
		/* The error, with where to go on from. */
		return api_reply(w, 409,
		    json_pack("{s:{s:s,s:s,s:s},s:I}", "error", "code",
		        "upload_offset", "message",
		        pc_ecode_message(PCE_UPLOAD_OFFSET), "field", "offset",
		        "received", (json_int_t)received));
	}
	if (rc != PC_OK)
		return rc;
	return api_reply(
	    w, 200, json_pack("{s:I}", "received", (json_int_t)received));
}

enum pc_rc
api_idv_submit_post(struct req *r, struct resp *w)
{
	static const char *const kinds[] = { "video", "doc_front", "doc_tilt",
		"doc_back", "face" };
	struct ra_submit_file files[PC_ARRAY_LEN(kinds)];
	struct ra_submit_req q;
	json_t *fo = api_obj(r, "files"), *v;
	char *client = NULL;
	size_t i;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	for (i = 0; i < PC_ARRAY_LEN(kinds); i++) {
		v = json_object_get(fo, kinds[i]);
		if (!json_is_integer(v))
			continue;
		files[q.nfiles].kind = kinds[i];
		files[q.nfiles].size = json_integer_value(v);
		q.nfiles++;
	}
	q.files = files;
	client = api_obj(r, "client") != NULL
	             ? json_dumps(api_obj(r, "client"), JSON_COMPACT)
	             : NULL;
	q.client = client;
	q.user_agent = http_req_header(r, "User-Agent");
	rc = ra_submit(
	    api_env(r), api_session(r)->u.id, api_param(r, 0), &q, api_err(r));
	free(client);
	return api_then(r, w, rc, api_idv_get);
}
