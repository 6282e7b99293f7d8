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

/*
 * After rc: one order of the signed-in user (admin: any order) as it is
 * now, with status.
 */
static enum pc_rc
order_reply(struct req *r, struct resp *w, enum pc_rc rc, int status,
    const char *id, bool admin)
{
	struct shop_order_view v;

	if (rc != PC_OK)
		return rc;
	rc = shop_order_view(
	    api_env(r), admin ? NULL : api_session(r)->u.id, id, &v);
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
	return api_append(arg,
	    json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "code", p->code,
	        "name", p->name, "years", (json_int_t)p->years, "transactions",
	        (json_int_t)p->transactions, "net_cents",
	        (json_int_t)p->net_cents, "vat_cents", (json_int_t)p->vat_cents,
	        "total_cents", (json_int_t)(p->net_cents + p->vat_cents),
	        "currency", "EUR", "description", p->description));
}

enum pc_rc
api_shop_packages_get(struct req *r, struct resp *w)
{
	json_t *a = json_array();
	enum pc_rc rc;

	if (a == NULL)
		return PC_ENOMEM;
	rc = shop_packages_each(api_env(r), pkg_add, a);
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
	enum pc_rc rc;

	rc = shop_quote_make(api_env(r), api_str(r, "package"),
	    api_str(r, "promo"), &q, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, quote_json(&q));
}

/* ---- orders -------------------------------------------------------- */

enum pc_rc
api_shop_orders_post(struct req *r, struct resp *w)
{
	struct shop_order_req q;
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
	rc = shop_order_create(
	    api_env(r), api_session(r)->u.id, &q, id, api_err(r));
	return order_reply(r, w, rc, 201, id, false);
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

	return api_append(l->a, order_json(l->r, v, l->admin));
}

static enum pc_rc
orders_list(struct req *r, struct resp *w, const struct store_order_filter *f,
    bool admin)
{
	struct ord_list l = { r, json_array(), admin };
	enum pc_rc rc;

	if (l.a == NULL)
		return PC_ENOMEM;
	rc = shop_orders_each(api_env(r), f, ord_add, &l);
	return api_reply_list(w, rc, "orders", l.a);
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
	return order_reply(r, w, PC_OK, 200, api_param(r, 0), false);
}

enum pc_rc
api_shop_order_pay_post(struct req *r, struct resp *w)
{
	char url[1024];
	enum pc_rc rc;

	rc = shop_order_pay(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    url, sizeof(url), api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200,
	    json_pack("{s:s,s:s}", "redirect_url", url, "provider",
	        r->app->conf->shop.provider));
}

enum pc_rc
api_shop_order_cancel_post(struct req *r, struct resp *w)
{
	const char *id = api_param(r, 0);

	return order_reply(r, w,
	    shop_order_cancel(api_env(r), api_session(r)->u.id, id, api_err(r)),
	    200, id, false);
}

/* ---- documents ----------------------------------------------------- */

static enum pc_rc
order_pdf(struct req *r, struct resp *w, bool invoice)
{
	struct shop_pdf pdf;
	enum pc_rc rc;

	rc = shop_order_document(api_env(r), api_session(r)->u.id,
	    api_session(r)->u.lang, api_param(r, 0), invoice, &pdf, api_err(r));
	if (rc != PC_OK)
		return rc;
	rc = api_reply_file(
	    r, w, "application/pdf", pdf.pdf.data, pdf.pdf.len, pdf.filename);
	shop_pdf_cleanup(&pdf);
	return rc;
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
	bool dup = false;
	enum pc_rc rc;

	rc = shop_notice_receive(api_env(r), provider, r->body.data,
	    r->body.len, http_req_header(r, hdr), &dup, api_err(r));
	if (rc != PC_OK)
		return rc;
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
	const char *from = api_query(r, "from"), *to = api_query(r, "to");

	f.state = api_query(r, "state");
	f.q = api_query(r, "q");
	if (f.state != NULL && !shop_state_known(f.state))
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "state");
	if (from != NULL && clock_day_parse(from, &f.from) != PC_OK)
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "from");
	if (to != NULL && clock_day_parse(to, &f.to) != PC_OK)
		return pc_fail(api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "to");
	if (f.to > 0)
		f.to += 86400;
	if (f.q != NULL && strlen(f.q) > 100)
		return pc_fail(api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "q");
	return orders_list(r, w, &f, true);
}

enum pc_rc
api_admin_order_refund_post(struct req *r, struct resp *w)
{
	const char *id = api_param(r, 0);

	return order_reply(r, w,
	    shop_order_refund(api_env(r), id, api_str(r, "reason"), api_err(r)),
	    200, id, true);
}
