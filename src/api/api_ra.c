/*
 * api_ra.c: the registration authority's console over HTTP (operators
 * only, signed in with TOTP: the routes' auth level): the queue, a case
 * with its evidence, the claim, the decisions. Handlers translate;
 * src/ra decides and audits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api/api_int.h"
#include "base/buf.h"
#include "base/clock.h"
#include "ra/ra.h"

/* A JSON text column as JSON (null when absent or not JSON). */
static json_t *
text_json(const char *s)
{
	json_t *v = s != NULL ? json_loads(s, 0, NULL) : NULL;

	return v != NULL ? v : json_null();
}

/* The queue's row. */
static json_t *
row_json(struct req *r, const struct store_idv_case *c)
{
	int64_t now = clock_now();

	return json_pack("{s:s,s:s,s:s,s:I,s:s,s:o,s:o,s:I,s:b,s:o,s:o}", "id",
	    c->id, "state", c->state, "order_id", c->order_id, "attempt",
	    (json_int_t)c->attempt, "doc_type", c->doc_type, "submitted_at",
	    api_time_or_null(r, c->submitted_at), "deadline_at",
	    api_time_or_null(r, c->deadline_at), "waiting_s",
	    (json_int_t)(c->submitted_at ? now - c->submitted_at : 0),
	    "overdue", c->deadline_at != 0 && now > c->deadline_at,
	    "claimed_by",
	    c->claimed_by[0] && c->claim_until >= now
	        ? json_string(c->claimed_by)
	        : json_null(),
	    "claim_until",
	    c->claimed_by[0] && c->claim_until >= now
	        ? json_string(api_time(r, c->claim_until))
	        : json_null());
}

struct list_ctx {
	struct req *r;
	json_t *a;
};

static enum pc_rc
list_one(void *arg, const struct store_idv_case *c)
{
	struct list_ctx *x = arg;

	return api_append(x->a, row_json(x->r, c));
}

enum pc_rc
api_ra_cases_get(struct req *r, struct resp *w)
{
	struct list_ctx x = { r, json_array() };
	const char *state = api_query(r, "state");
	enum pc_rc rc;

	if (x.a == NULL)
		return PC_ENOMEM;
	if (state != NULL && !ra_state_known(state)) {
		json_decref(x.a);
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "state");
	}
	rc = ra_queue(api_env(r), state, list_one, &x);
	return api_reply_list(w, rc, "cases", x.a);
}

/* The checklist and the reasons, in both languages. */
enum pc_rc
api_ra_meta_get(struct req *r, struct resp *w)
{
	json_t *cl = json_array(), *rs = json_array();
	size_t i;

	if (cl == NULL || rs == NULL) {
		json_decref(cl);
		json_decref(rs);
		return PC_ENOMEM;
	}
	for (i = 0; i < ra_nchecklist; i++)
		json_array_append_new(cl,
		    json_pack("{s:s,s:s,s:s}", "key", ra_checklist[i].key, "ro",
		        ra_checklist[i].ro, "en", ra_checklist[i].en));
	for (i = 0; i < ra_nreasons; i++)
		json_array_append_new(
		    rs, json_pack("{s:s,s:s,s:s}", "code", ra_reasons[i].code,
		            "ro", ra_reasons[i].ro, "en", ra_reasons[i].en));
	return api_reply(w, 200,
	    json_pack("{s:o,s:o,s:I}", "checklist", cl, "reasons", rs,
	        "claim_minutes", (json_int_t)r->app->conf->ra.claim_minutes));
}

static enum pc_rc
file_one(void *arg, const struct store_idv_file *f)
{
	json_t *a = arg;

	return api_append(a,
	    json_pack("{s:s,s:s,s:I,s:b,s:o}", "kind", f->kind, "type",
	        f->ctype, "size", (json_int_t)f->plain_len, "final", f->final,
	        "sha256", f->sha256[0] ? json_string(f->sha256) : json_null()));
}

enum pc_rc
api_ra_case_get(struct req *r, struct resp *w)
{
	struct store_idv_case c;
	struct store_order o;
	json_t *files = json_array(), *out;
	enum pc_rc rc;

	if (files == NULL)
		return PC_ENOMEM;
	rc = ra_case_get(api_env(r), api_session(r)->u.id, api_param(r, 0), &c,
	    &o, api_err(r));
	if (rc != PC_OK) {
		json_decref(files);
		return rc;
	}
	rc = ra_files_each(api_env(r), c.id, file_one, files);
	out = row_json(r, &c);
	if (rc == PC_OK && out != NULL &&
	    json_object_update_new(out,
	        json_pack("{s:s,s:s,s:b,s:o,s:o,s:{s:o,s:I},s:o,s:s,s:s,s:o,"
	                  "s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:b,"
	                  "s:{s:s,s:s,s:s,s:s,s:I,s:o}}",
	            "email", c.email != NULL ? c.email : "", "phone",
	            c.phone != NULL ? c.phone : "", "phone_changed",
	            c.phone_changed, "challenges", text_json(c.challenges),
	            "steps", text_json(c.steps), "sms", "verified_at",
	            api_time_or_null(r, c.sms_verified_at), "failures",
	            (json_int_t)c.sms_failures, "client", text_json(c.client),
	            "ip", c.ip, "user_agent",
	            c.user_agent != NULL ? c.user_agent : "", "created_at",
	            api_time_or_null(r, c.created_at), "decided_at",
	            api_time_or_null(r, c.decided_at), "decided_by",
	            c.decided_by[0] ? json_string(c.decided_by) : json_null(),
	            "reason", c.reason[0] ? json_string(c.reason) : json_null(),
	            "reason_text",
	            c.reason_text != NULL ? json_string(c.reason_text)
	                                  : json_null(),
	            "checklist", text_json(c.checklist), "identity",
	            text_json(c.identity), "manifest_sha256", c.manifest_sha256,
	            "mine",
	            strcmp(c.claimed_by, api_session(r)->u.id) == 0 &&
	                c.claim_until >= clock_now(),
	            "order", "id", o.id, "number", o.number, "package",
	            o.package, "state", o.state, "total_bani",
	            (json_int_t)o.total_bani, "paid_at",
	            api_time_or_null(r, o.paid_at))) == 0) {
		json_object_set_new(out, "files", files);
		files = NULL;
	} else if (rc == PC_OK) {
		rc = PC_ENOMEM;
	}
	json_decref(files);
	store_idv_case_cleanup(&c);
	store_order_cleanup(&o);
	if (rc != PC_OK) {
		json_decref(out);
		return rc;
	}
	return api_reply(w, 200, out);
}

/*
 * A Range header of one range, "bytes=a-b", "bytes=a-" or "bytes=-n", for
 * a file of len bytes. OUT: *from, *to (inclusive). Returns 1 for a
 * range to serve, 0 to serve the whole file (no header, or a form we do
 * not take: several ranges), -1 for a range past the end (416).
 */
static int
byte_range(const char *h, size_t len, size_t *from, size_t *to)
{
	const char *dash;
	uint64_t a = 0, b = 0;
	bool has_a, has_b;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return 0;
	h += 6;
	dash = strchr(h, '-');
	if (dash == NULL)
		return 0;
	has_a = dash > h;
	has_b = dash[1] != '\0';
	if ((has_a && str_to_u64((struct str){ h, (size_t)(dash - h) },
	                  UINT64_MAX, &a) != PC_OK) ||
	    (has_b &&
	        str_to_u64(str_from(dash + 1), UINT64_MAX, &b) != PC_OK) ||
	    (!has_a && !has_b))
		return 0;
	if (!has_a) { /* the last b bytes */
		if (b == 0)
			return -1;
		*from = b >= len ? 0 : len - (size_t)b;
		*to = len - 1;
		return len > 0 ? 1 : -1;
	}
	if (a >= len || (has_b && b < a))
		return -1;
	*from = (size_t)a;
	*to = has_b && b < len ? (size_t)b : len - 1;
	return 1;
}

/*
 * The file, decrypted; one byte range when the player asks for it (a
 * video element seeks only in a resource served by ranges).
 */
enum pc_rc
api_ra_file_get(struct req *r, struct resp *w)
{
	struct buf b;
	char ctype[32];
	const char *ct, *cr = NULL;
	size_t from = 0, to = 0;
	int range;
	enum pc_rc rc;

	buf_init(&b, (size_t)(api_env(r)->conf->ra.max_video_mb << 20) + 1);
	rc = ra_file_read(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    api_param(r, 1), &b, ctype, api_err(r));
	if (rc != PC_OK) {
		buf_cleanup(&b);
		return rc;
	}
	ct = arena_strdup(&r->arena, ctype);
	if (ct == NULL)
		ct = "application/octet-stream";
	range = byte_range(http_req_header(r, "Range"), b.len, &from, &to);
	if (range > 0) {
		http_resp_bytes(w, 206, ct, b.data + from, to - from + 1);
		cr = arena_printf(
		    &r->arena, "bytes %zu-%zu/%zu", from, to, b.len);
	} else if (range < 0) {
		http_resp_bytes(w, 416, ct, "", 0);
		cr = arena_printf(&r->arena, "bytes */%zu", b.len);
	} else {
		http_resp_bytes(w, 200, ct, b.data, b.len);
	}
	if (cr != NULL)
		http_resp_header(w, "Content-Range", cr);
	http_resp_header(w, "Accept-Ranges", "bytes");
	http_resp_header(w, "Cache-Control", "no-store");
	buf_cleanup(&b);
	return PC_OK;
}

enum pc_rc
api_ra_evidence_get(struct req *r, struct resp *w)
{
	struct store_idv_case c;
	struct store_order o;
	char *b64 = NULL;
	size_t n;
	json_t *out;
	enum pc_rc rc;

	rc = ra_case_get(api_env(r), api_session(r)->u.id, api_param(r, 0), &c,
	    &o, api_err(r));
	if (rc != PC_OK)
		return rc;
	store_order_cleanup(&o);
	if (c.manifest == NULL || c.manifest_tst == NULL) {
		store_idv_case_cleanup(&c);
		return api_fail_code(r, w, PCE_IDV_STATE);
	}
	n = sodium_base64_encoded_len(
	    c.manifest_tst_len, sodium_base64_VARIANT_ORIGINAL);
	b64 = malloc(n);
	if (b64 != NULL)
		sodium_bin2base64(b64, n, c.manifest_tst, c.manifest_tst_len,
		    sodium_base64_VARIANT_ORIGINAL);
	out = b64 != NULL
	          ? json_pack("{s:s,s:s,s:s}", "manifest", c.manifest,
	                "manifest_sha256", c.manifest_sha256, "timestamp", b64)
	          : NULL;
	free(b64);
	store_idv_case_cleanup(&c);
	return api_reply(w, 200, out);
}

enum pc_rc
api_ra_claim_post(struct req *r, struct resp *w)
{
	int64_t until = 0;
	enum pc_rc rc;

	rc = ra_claim(api_env(r), api_session(r)->u.id, api_param(r, 0), &until,
	    api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(
	    w, 200, json_pack("{s:s}", "claim_until", api_time(r, until)));
}

enum pc_rc
api_ra_release_post(struct req *r, struct resp *w)
{
	return api_reply_true(w,
	    ra_release(
	        api_env(r), api_session(r)->u.id, api_param(r, 0), api_err(r)),
	    "released");
}

enum pc_rc
api_ra_accept_post(struct req *r, struct resp *w)
{
	struct ra_identity who;
	json_t *id = api_obj(r, "identity");
	char *checks = NULL;
	enum pc_rc rc;

	memset(&who, 0, sizeof(who));
	who.given_name = api_json_str(id, "given_name");
	who.surname = api_json_str(id, "surname");
	who.doc_type = api_json_str(id, "doc_type");
	who.doc_series = api_json_str(id, "doc_series");
	who.doc_number = api_json_str(id, "doc_number");
	who.doc_expiry = api_json_str(id, "doc_expiry");
	who.cnp = api_json_str(id, "cnp");
	who.country = api_json_str(id, "country");
	if (api_obj(r, "checklist") != NULL)
		checks = json_dumps(api_obj(r, "checklist"), JSON_COMPACT);
	rc = ra_accept(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    checks, &who, api_err(r));
	free(checks);
	return api_then(r, w, rc, api_ra_case_get);
}

enum pc_rc
api_ra_reject_post(struct req *r, struct resp *w)
{
	return api_then(r, w,
	    ra_reject(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        api_str(r, "reason"), api_str(r, "text"), api_err(r)),
	    api_ra_case_get);
}

enum pc_rc
api_ra_redo_post(struct req *r, struct resp *w)
{
	return api_then(r, w,
	    ra_redo(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        api_str(r, "text"), api_err(r)),
	    api_ra_case_get);
}
