/*
 * api_renewal.c: renewal before the end (J10), the holder's routes and the
 * operator's; handlers translate to lifecycle/renewal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/arena.h"
#include "lifecycle/renewal.h"

/* A request as both sides see it (never the photo's key). */
static json_t *
req_json(struct req *r, const struct store_renewal *q)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s},"
	                 "s:o,s:I,s:s,s:o,s:o,s:o,s:s,s:s}",
	    "id", q->id, "state", q->state, "order_id", q->order_id,
	    "old_serial", q->old_serial, "old_not_after",
	    api_time_or_null(r, q->old_not_after), "user_id", q->user_id,
	    "document", "type", q->doc_type, "series", q->doc_series, "number",
	    q->doc_number, "issued", q->doc_issued, "expiry", q->doc_expiry,
	    "issuer", q->doc_issuer, "photo_type",
	    q->photo_type[0] ? json_string(q->photo_type) : json_null(),
	    "photo_size", (json_int_t)q->photo_size, "reason",
	    q->reason != NULL ? q->reason : "", "created_at",
	    api_time_or_null(r, q->created_at), "submitted_at",
	    api_time_or_null(r, q->submitted_at), "decided_at",
	    api_time_or_null(r, q->decided_at), "new_serial", q->new_serial,
	    "terms_version", q->terms_version);
}

enum pc_rc
api_renewal_get(struct req *r, struct resp *w)
{
	struct renewal_status s;
	json_t *o, *id;
	enum pc_rc rc;

	rc = renewal_status(api_env(r), api_session(r)->u.id, &s);
	if (rc != PC_OK)
		return api_fail(r, w, rc, NULL);
	id = json_loads(s.identity, 0, NULL);
	o = json_pack("{s:b,s:b,s:o,s:o,s:o,s:o,s:o,s:o}", "offered", s.offered,
	    "banner", s.banner, "serial",
	    s.serial[0] ? json_string(s.serial) : json_null(), "not_after",
	    s.serial[0] ? api_time_or_null(r, s.not_after) : json_null(),
	    "closes_at",
	    s.serial[0] ? api_time_or_null(r, s.closes_at) : json_null(),
	    "order_id", s.order_id[0] ? json_string(s.order_id) : json_null(),
	    "identity", id != NULL ? id : json_null(), "request",
	    s.req.id[0] ? req_json(r, &s.req) : json_null());
	renewal_status_cleanup(&s);
	return api_reply(w, 200, o);
}

enum pc_rc
api_renewal_post(struct req *r, struct resp *w)
{
	struct renewal_form f = { api_str(r, "order_id"),
		api_str(r, "doc_type"), api_str(r, "doc_series"),
		api_str(r, "doc_number"), api_str(r, "doc_issued"),
		api_str(r, "doc_expiry"), api_str(r, "doc_issuer") };
	char id[STORE_ID_LEN + 1];
	enum pc_rc rc;

	rc = renewal_create(
	    api_env(r), api_session(r)->u.id, &f, id, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(
	    w, 201, json_pack("{s:s,s:s}", "id", id, "state", RENEWAL_DRAFT));
}

enum pc_rc
api_renewal_photo_post(struct req *r, struct resp *w)
{
	enum pc_rc rc;

	rc = renewal_photo(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    r->body.data, r->body.len, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(
	    w, 200, json_pack("{s:I}", "size", (json_int_t)r->body.len));
}

enum pc_rc
api_renewal_submit_post(struct req *r, struct resp *w)
{
	enum pc_rc rc;

	rc = renewal_submit(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    api_str(r, "code"), api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_renewal_get(r, w);
}

/* ---- the operator's ----------------------------------------------------- */

struct list_ctx {
	struct req *r;
	json_t *a;
};

static enum pc_rc
list_one(void *arg, const struct store_renewal *q)
{
	struct list_ctx *x = arg;

	return api_append(x->a, req_json(x->r, q));
}

enum pc_rc
api_ra_renewals_get(struct req *r, struct resp *w)
{
	struct list_ctx x = { r, json_array() };
	enum pc_rc rc;

	if (x.a == NULL)
		return PC_ENOMEM;
	rc = renewal_ra_each(api_env(r), api_query(r, "state"), list_one, &x);
	return api_reply_list(w, rc, "renewals", x.a);
}

enum pc_rc
api_ra_renewal_get(struct req *r, struct resp *w)
{
	struct store_renewal q;
	char *identity = NULL;
	json_t *o, *id;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	rc = renewal_ra_get(
	    api_env(r), api_param(r, 0), &q, &identity, api_err(r));
	if (rc != PC_OK)
		return rc;
	id = identity != NULL ? json_loads(identity, 0, NULL) : NULL;
	o = json_pack("{s:o,s:o}", "request", req_json(r, &q), "identity",
	    id != NULL ? id : json_null());
	free(identity);
	store_renewal_cleanup(&q);
	return api_reply(w, 200, o);
}

enum pc_rc
api_ra_renewal_photo_get(struct req *r, struct resp *w)
{
	struct buf b;
	char ctype[32];
	const char *ct;
	enum pc_rc rc;

	buf_init(&b, RENEWAL_PHOTO_MAX + 1);
	rc = renewal_ra_photo(
	    api_env(r), api_param(r, 0), &b, ctype, api_err(r));
	if (rc != PC_OK) {
		buf_cleanup(&b);
		return rc;
	}
	ct = arena_strdup(&r->arena, ctype);
	http_resp_bytes(w, 200, ct != NULL ? ct : "application/octet-stream",
	    b.data, b.len);
	http_resp_header(w, "Cache-Control", "no-store");
	buf_cleanup(&b);
	return PC_OK;
}

static enum pc_rc
decide(struct req *r, struct resp *w, bool approve)
{
	enum pc_rc rc;

	rc =
	    renewal_ra_decide(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        approve, approve ? NULL : api_str(r, "reason"), api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_ra_renewal_get(r, w);
}

enum pc_rc
api_ra_renewal_approve_post(struct req *r, struct resp *w)
{
	return decide(r, w, true);
}

enum pc_rc
api_ra_renewal_reject_post(struct req *r, struct resp *w)
{
	return decide(r, w, false);
}
