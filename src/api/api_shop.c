/*
 * api_shop.c: the shop API (J6): catalog, quote, orders, payments,
 * invoices, the operators' view. The rules are in src/shop; this file
 * maps JSON to them and their views to JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "shop/shop.h"

static json_t *
quote_json(const struct shop_quote *q)
{
	char rate[24];

	shop_rate_format(q->rate.rate_e4, rate, sizeof(rate));
	return json_pack("{s:s,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:I,s:s,s:s,"
	                 "s:b,s:I}",
	    "package", q->package, "promo",
	    q->promo[0] != '\0' ? json_string(q->promo) : json_null(),
	    "list_cents", (json_int_t)q->list_cents, "discount_cents",
	    (json_int_t)q->discount_cents, "net_cents",
	    (json_int_t)q->net_cents, "vat_bp", (json_int_t)q->vat_bp,
	    "vat_cents", (json_int_t)q->vat_cents, "total_cents",
	    (json_int_t)q->total_cents, "currency", "EUR", "rate_e4",
	    (json_int_t)q->rate.rate_e4, "rate", rate, "rate_date", q->rate.day,
	    "rate_fallback", q->rate.fallback, "total_bani",
	    (json_int_t)q->total_bani);
}

/* The ShopOrder object of docs/api.yaml (admin: e-mail, user, ref). */
static json_t *
order_json(struct req *r, const struct shop_order_view *v, bool admin)
{
	const struct store_order *o = &v->order;
	struct shop_quote q;
	json_t *j, *inv;
	json_error_t je;

	shop_order_quote(o, &q);
	j = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:s}", "id", o->id,
	    "number", o->number, "state", o->state, "package", o->package,
	    "promo", o->promo[0] != '\0' ? json_string(o->promo) : json_null(),
	    "quote", quote_json(&q), "marketing", o->marketing, "created_at",
	    api_time(r, o->created_at));
	if (j == NULL)
		return NULL;
	json_object_set_new(j, "invoice_data",
	    o->invoice_data != NULL ? json_loads(o->invoice_data, 0, &je)
	                            : json_null());
	json_object_set_new(j, "provider",
	    o->provider[0] != '\0' ? json_string(o->provider) : json_null());
	json_object_set_new(j, "paid_at",
	    o->paid_at != 0 ? json_string(api_time(r, o->paid_at))
	                    : json_null());
	inv = o->inv_number > 0
	          ? json_pack("{s:s,s:I,s:I,s:s,s:s}", "series", o->inv_series,
	                "number", (json_int_t)o->inv_number, "year",
	                (json_int_t)o->inv_year, "issued_at",
	                api_time(r, o->inv_issued_at), "label", v->inv_label)
	          : json_null();
	json_object_set_new(j, "invoice", inv);
	/* The last payment attempt, so a return page can tell "declined"
	 * from "not confirmed yet" while the order awaits payment. */
	json_object_set_new(j, "last_payment",
	    v->last_status[0] != '\0'
	        ? json_pack("{s:s,s:s}", "status", v->last_status, "provider",
	              v->last_provider)
	        : json_null());
	json_object_set_new(j, "can_pay", json_boolean(v->can_pay));
	json_object_set_new(j, "can_cancel", json_boolean(v->can_cancel));
	if (admin) {
		json_object_set_new(
		    j, "email", json_string(o->email != NULL ? o->email : ""));
		json_object_set_new(j, "user_id", json_string(o->user_id));
		json_object_set_new(
		    j, "provider_ref", json_string(o->provider_ref));
	}
	return j;
}

/* One order of the signed-in user (admin: any order). */
static enum pc_rc
order_reply(
    struct req *r, struct resp *w, int status, const char *id, bool admin)
{
	struct shop_order_view v;
	struct pc_env e;
	enum pc_rc rc;

	api_env(r, &e);
	rc = shop_order_view(&e, admin ? NULL : api_session(r)->u.id, id, &v);
	if (rc == PC_ENOTFOUND)
		return api_fail_code(r, w, PCE_ORDER_NOT_FOUND);
	if (rc != PC_OK)
		return rc;
	rc = api_reply(w, status, order_json(r, &v, admin));
	shop_order_view_cleanup(&v);
	return rc;
}

/* ---- catalog and quote ------------------------------------------- */

static enum pc_rc
pkg_add(void *arg, const struct shop_package_view *p)
{
	return json_array_append_new(arg,
	           json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "code",
	               p->code, "name", p->name, "years", (json_int_t)p->years,
	               "transactions", (json_int_t)p->transactions, "net_cents",
	               (json_int_t)p->net_cents, "vat_cents",
	               (json_int_t)p->vat_cents, "total_cents",
	               (json_int_t)(p->net_cents + p->vat_cents), "currency",
	               "EUR", "description", p->description)) == 0
	           ? PC_OK
	           : PC_ENOMEM;
}

enum pc_rc
api_shop_packages_get(struct req *r, struct resp *w)
{
	struct pc_env e;
	json_t *a = json_array();
	enum pc_rc rc;

	if (a == NULL)
		return PC_ENOMEM;
	api_env(r, &e);
	rc = shop_packages_each(&e, pkg_add, a);
	if (rc != PC_OK) {
		json_decref(a);
		return rc;
	}
	return api_reply(w, 200,
	    json_pack("{s:I,s:o}", "vat_bp",
	        (json_int_t)r->app->conf->shop.vat_bp, "packages", a));
}

enum pc_rc
api_shop_quote_post(struct req *r, struct resp *w)
{
	struct shop_quote q;
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = shop_quote_make(
	    &e, api_str(r, "package"), api_str(r, "promo"), &q, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, 200, quote_json(&q));
}

/* ---- orders -------------------------------------------------------- */

enum pc_rc
api_shop_orders_post(struct req *r, struct resp *w)
{
	struct shop_order_req q;
	struct pc_env e;
	struct pc_err err = { 0 };
	char id[STORE_ORDER_ID_LEN + 1];
	json_t *inv = api_obj(r, "invoice");
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	q.package = api_str(r, "package");
	q.promo = api_str(r, "promo");
	q.accept_terms = api_bool(r, "accept_terms");
	q.accept_conditions = api_bool(r, "accept_conditions");
	q.accept_withdrawal = api_bool(r, "accept_withdrawal");
	q.marketing = api_bool(r, "marketing");
	q.ip = r->remote_ip;
	q.inv.type = api_json_str(inv, "type");
	q.inv.name = api_json_str(inv, "name");
	q.inv.cui = api_json_str(inv, "cui");
	q.inv.reg_no = api_json_str(inv, "reg_no");
	q.inv.county = api_json_str(inv, "county");
	q.inv.town = api_json_str(inv, "town");
	q.inv.street = api_json_str(inv, "street");
	q.inv.number = api_json_str(inv, "number");
	q.inv.building = api_json_str(inv, "building");
	q.inv.entrance = api_json_str(inv, "entrance");
	q.inv.apartment = api_json_str(inv, "apartment");
	q.inv.postal_code = api_json_str(inv, "postal_code");
	api_env(r, &e);
	rc = shop_order_create(&e, api_session(r)->u.id, &q, id, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return order_reply(r, w, 201, id, false);
}

struct ord_list {
	struct req *r;
	json_t *a;
	bool admin;
};

static enum pc_rc
ord_add(void *arg, const struct shop_order_view *v)
{
	struct ord_list *l = arg;

	return json_array_append_new(l->a, order_json(l->r, v, l->admin)) == 0
	           ? PC_OK
	           : PC_ENOMEM;
}

static enum pc_rc
orders_list(struct req *r, struct resp *w, const struct store_order_filter *f,
    bool admin)
{
	struct ord_list l = { r, json_array(), admin };
	struct pc_env e;
	enum pc_rc rc;

	if (l.a == NULL)
		return PC_ENOMEM;
	api_env(r, &e);
	rc = shop_orders_each(&e, f, ord_add, &l);
	if (rc != PC_OK) {
		json_decref(l.a);
		return rc;
	}
	return api_reply(w, 200, json_pack("{s:o}", "orders", l.a));
}

enum pc_rc
api_shop_orders_get(struct req *r, struct resp *w)
{
	struct store_order_filter f = { 0 };

	f.user_id = api_session(r)->u.id;
	return orders_list(r, w, &f, false);
}

enum pc_rc
api_shop_order_get(struct req *r, struct resp *w)
{
	return order_reply(r, w, 200, api_param(r, 0), false);
}

enum pc_rc
api_shop_order_pay_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	char url[1024];
	enum pc_rc rc;

	api_env(r, &e);
	rc = shop_order_pay(
	    &e, api_session(r)->u.id, api_param(r, 0), url, sizeof(url), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, 200,
	    json_pack("{s:s,s:s}", "redirect_url", url, "provider",
	        r->app->conf->shop.provider));
}

enum pc_rc
api_shop_order_cancel_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = shop_order_cancel(&e, api_session(r)->u.id, api_param(r, 0), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return order_reply(r, w, 200, api_param(r, 0), false);
}

/* ---- documents ----------------------------------------------------- */

static enum pc_rc
order_pdf(struct req *r, struct resp *w, bool invoice)
{
	struct shop_pdf pdf;
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = shop_order_document(&e, api_session(r)->u.id,
	    api_session(r)->u.lang, api_param(r, 0), invoice, &pdf, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	http_resp_bytes(w, 200, "application/pdf", pdf.pdf.data, pdf.pdf.len);
	http_resp_header(w, "Cache-Control", "no-store");
	http_resp_header(w, "Content-Disposition",
	    arena_printf(
	        &r->arena, "attachment; filename=\"%s\"", pdf.filename));
	shop_pdf_cleanup(&pdf);
	return PC_OK;
}

enum pc_rc
api_shop_invoice_pdf_get(struct req *r, struct resp *w)
{
	return order_pdf(r, w, true);
}

enum pc_rc
api_shop_note_pdf_get(struct req *r, struct resp *w)
{
	return order_pdf(r, w, false);
}

/* ---- notifications ----------------------------------------------- */

static enum pc_rc
notice(struct req *r, struct resp *w, const char *provider, const char *hdr,
    bool netopia)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	bool dup = false;
	enum pc_rc rc;

	api_env(r, &e);
	rc = shop_notice_receive(&e, provider, r->body.data, r->body.len,
	    http_req_header(r, hdr), &dup, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	if (netopia)
		return api_reply(w, 200,
		    json_pack("{s:i,s:n,s:s}", "errorType", 0, "errorCode",
		        "errorMessage", ""));
	return api_reply(
	    w, 200, json_pack("{s:b,s:b}", "ok", 1, "duplicate", dup));
}

enum pc_rc
api_payments_sandbox_notify_post(struct req *r, struct resp *w)
{
	return notice(r, w, "sandbox", "X-Sandbox-Signature", false);
}

enum pc_rc
api_payments_netopia_ipn_post(struct req *r, struct resp *w)
{
	return notice(r, w, "netopia", "Verification-token", true);
}

/* ---- operators ----------------------------------------------------- */

enum pc_rc
api_admin_orders_get(struct req *r, struct resp *w)
{
	struct store_order_filter f = { 0 };
	const char *from = http_req_query(r, "from"),
	           *to = http_req_query(r, "to");
	struct pc_err err = { 0 };

	f.state = http_req_query(r, "state");
	if (f.state != NULL && f.state[0] == '\0')
		f.state = NULL;
	if (f.state != NULL && !shop_state_known(f.state))
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "state", 0 });
	if ((from != NULL && from[0] != '\0' &&
	        clock_day_parse(from, &f.from) != PC_OK) ||
	    (to != NULL && to[0] != '\0' &&
	        clock_day_parse(to, &f.to) != PC_OK)) {
		err.code = PCE_FIELD_INVALID;
		err.field = f.from == 0 && from != NULL && from[0] != '\0'
		                ? "from"
		                : "to";
		return api_fail(r, w, PC_EINVAL, &err);
	}
	if (f.to > 0)
		f.to += 86400;
	f.q = http_req_query(r, "q");
	if (f.q != NULL && strlen(f.q) > 100)
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "q", 0 });
	return orders_list(r, w, &f, true);
}

enum pc_rc
api_admin_order_refund_post(struct req *r, struct resp *w)
{
	struct pc_env e;
	struct pc_err err = { 0 };
	enum pc_rc rc;

	api_env(r, &e);
	rc = shop_order_refund(&e, api_param(r, 0), api_str(r, "reason"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return order_reply(r, w, 200, api_param(r, 0), true);
}
