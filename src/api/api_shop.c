/*
 * api_shop.c: the shop API (issue 5): catalog, quote, orders, payments,
 * invoices, the admin view. Rules are in src/shop; this file maps JSON to
 * them and their stable error codes to HTTP statuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_acct.h"
#include "api/api_shop.h"
#include "base/clock.h"
#include "base/log.h"
#include "shop/pay.h"
#include "shop/shop.h"
#include "store/store_shop.h"

struct shop_code {
	const char *code;
	int status;
	const char *message;
};

static const struct shop_code codes[] = {
	{ "package_unknown", 400, "Choose one of the packages." },
	{ "promo_invalid", 400, "This promo code is not valid." },
	{ "promo_expired", 400, "This promo code has expired." },
	{ "promo_exhausted", 409, "This promo code was used up." },
	{ "promo_package", 400, "This promo code is not for this package." },
	{ "terms_required", 400, "Accept the three required statements." },
	{ "cui_invalid", 400, "The CUI is not valid (check digit)." },
	{ "postal_code_invalid", 400, "The postal code has 6 digits." },
	{ "invoice_invalid", 400, "Fill in the invoice data." },
	{ "order_not_found", 404, "No such order." },
	{ "order_state", 409, "The order cannot do that in its state." },
	{ "forbidden", 403, "Operators only." },
	{ "amount_mismatch", 400, "The amount or currency differs." },
	{ "provider_mismatch", 400,
	    "The order's payment was started with another provider." },
	{ "signature_invalid", 400, "The signature is not valid." },
	{ "provider_error", 502, "The payment provider did not answer." },
	{ "field_invalid", 400, "A field is missing or not valid." },
};

enum pc_rc
api_shop_error(
    struct resp *w, enum pc_rc rc, const char *code, const char *field)
{
	json_t *e;
	size_t i;

	for (i = 0; code != NULL && i < PC_ARRAY_LEN(codes); i++) {
		if (strcmp(codes[i].code, code) != 0)
			continue;
		e = json_pack("{s:s,s:s}", "code", codes[i].code, "message",
		    codes[i].message);
		if (e != NULL && field != NULL)
			json_object_set_new(e, "field", json_string(field));
		return api_json_reply(
		    w, codes[i].status, json_pack("{s:o}", "error", e));
	}
	return http_error(w, rc, NULL, NULL);
}

static const char *
param(struct req *r)
{
	return r->nparams > 0 ? r->params[0] : "";
}

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

json_t *
api_shop_order_json(struct req *r, const struct store_order *o, bool admin)
{
	struct shop_quote q;
	json_t *j, *inv;
	json_error_t je;

	memset(&q, 0, sizeof(q));
	snprintf(q.package, sizeof(q.package), "%s", o->package);
	snprintf(q.promo, sizeof(q.promo), "%s", o->promo);
	q.list_cents = o->list_cents;
	q.discount_cents = o->discount_cents;
	q.net_cents = o->net_cents;
	q.vat_bp = o->vat_bp;
	q.vat_cents = o->vat_cents;
	q.total_cents = o->total_cents;
	q.rate.rate_e4 = o->rate_e4;
	snprintf(q.rate.day, sizeof(q.rate.day), "%s", o->rate_day);
	q.rate.fallback = o->rate_fallback;
	q.total_bani = o->total_bani;
	j = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:s}", "id", o->id,
	    "number", o->number, "state", o->state, "package", o->package,
	    "promo", o->promo[0] != '\0' ? json_string(o->promo) : json_null(),
	    "quote", quote_json(&q), "marketing", o->marketing, "created_at",
	    api_time(r, o->created_at));
	if (j == NULL)
		return NULL;
	json_object_set_new(
	    j, "invoice_data", json_loads(o->invoice_data, 0, &je));
	json_object_set_new(j, "provider",
	    o->provider[0] != '\0' ? json_string(o->provider) : json_null());
	json_object_set_new(j, "paid_at",
	    o->paid_at != 0 ? json_string(api_time(r, o->paid_at))
	                    : json_null());
	inv = o->inv_number > 0
	          ? json_pack("{s:s,s:I,s:I,s:s}", "series", o->inv_series,
	                "number", (json_int_t)o->inv_number, "year",
	                (json_int_t)o->inv_year, "issued_at",
	                api_time(r, o->inv_issued_at))
	          : json_null();
	json_object_set_new(j, "invoice", inv);
	/* The last payment attempt, so a return page can tell "declined"
	 * from "not confirmed yet" while the order awaits payment. */
	{
		struct db *db = NULL;
		char st[24], prov[24];
		json_t *lp = json_null();

		if (store_acquire(r->app->store, &db) == PC_OK) {
			if (store_shop_payment_last(db, o->id, st, sizeof(st),
			        prov, sizeof(prov)) == PC_OK)
				lp = json_pack("{s:s,s:s}", "status", st,
				    "provider", prov);
			store_release(r->app->store, db);
		}
		json_object_set_new(j, "last_payment", lp);
	}
	if (admin) {
		json_object_set_new(j, "email", json_string(o->email));
		json_object_set_new(j, "user_id", json_string(o->user_id));
		json_object_set_new(
		    j, "provider_ref", json_string(o->provider_ref));
	}
	return j;
}

/* ---- catalog and quote ----------------------------------------------------
 */

struct pkg_list {
	json_t *a;
	int64_t vat_bp;
};

static enum pc_rc
pkg_add(void *arg, const struct store_package *p)
{
	struct pkg_list *l = arg;
	int64_t vat = 0;

	if (shop_vat(p->net_cents, l->vat_bp, &vat) != PC_OK)
		return PC_EINVAL;
	json_array_append_new(
	    l->a, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "code",
	              p->code, "name", p->name, "years", (json_int_t)p->years,
	              "transactions", (json_int_t)p->transactions, "net_cents",
	              (json_int_t)p->net_cents, "vat_cents", (json_int_t)vat,
	              "total_cents", (json_int_t)(p->net_cents + vat),
	              "currency", "EUR", "description", p->description));
	return PC_OK;
}

enum pc_rc
api_shop_packages_get(struct req *r, struct resp *w)
{
	struct pkg_list l;
	struct db *db = NULL;
	enum pc_rc rc;

	l.a = json_array();
	l.vat_bp = r->app->conf->shop.vat_bp;
	if (l.a == NULL)
		return PC_ENOMEM;
	rc = store_acquire(r->app->store, &db);
	if (rc == PC_OK) {
		rc = store_shop_package_each(db, false, pkg_add, &l);
		store_release(r->app->store, db);
	}
	if (rc != PC_OK) {
		json_decref(l.a);
		return rc;
	}
	return api_json_reply(w, 200,
	    json_pack(
	        "{s:I,s:o}", "vat_bp", (json_int_t)l.vat_bp, "packages", l.a));
}

enum pc_rc
api_shop_quote_post(struct req *r, struct resp *w)
{
	struct shop_quote q;
	struct shop_err err = { 0 };
	json_t *b;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	rc = shop_quote_make(r->app->conf, r->app->store,
	    api_json_str(b, "package"), api_json_str(b, "promo"), &q, &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_shop_error(w, rc, err.code, err.field);
	return api_json_reply(w, 200, quote_json(&q));
}

/* ---- orders ------------------------------------------------------------- */

static const char *
jstr(json_t *o, const char *k)
{
	return api_json_str(o, k);
}

enum pc_rc
api_shop_orders_post(struct req *r, struct resp *w)
{
	struct acct_session *s = api_session(r);
	struct shop_order_req q;
	struct shop_err err = { 0 };
	struct store_order o;
	char id[STORE_ORDER_ID_LEN + 1];
	const char *type;
	json_t *b, *inv;
	enum pc_rc rc;

	if (api_json_body(r, w, &b) != PC_OK)
		return PC_OK;
	memset(&q, 0, sizeof(q));
	q.package = jstr(b, "package");
	q.promo = jstr(b, "promo");
	q.accept_terms = json_is_true(json_object_get(b, "accept_terms"));
	q.accept_conditions =
	    json_is_true(json_object_get(b, "accept_conditions"));
	q.accept_withdrawal =
	    json_is_true(json_object_get(b, "accept_withdrawal"));
	q.marketing = json_is_true(json_object_get(b, "marketing"));
	q.ip = r->remote_ip;
	inv = json_object_get(b, "invoice");
	type = jstr(inv, "type");
	if (!json_is_object(inv) || type == NULL ||
	    (strcmp(type, "person") != 0 && strcmp(type, "company") != 0)) {
		json_decref(b);
		return api_shop_error(
		    w, PC_EINVAL, "invoice_invalid", "invoice");
	}
	q.inv.company = strcmp(type, "company") == 0;
	q.inv.name = jstr(inv, "name");
	q.inv.cui = jstr(inv, "cui");
	q.inv.reg_no = jstr(inv, "reg_no");
	q.inv.county = jstr(inv, "county");
	q.inv.town = jstr(inv, "town");
	q.inv.street = jstr(inv, "street");
	q.inv.number = jstr(inv, "number");
	q.inv.building = jstr(inv, "building");
	q.inv.entrance = jstr(inv, "entrance");
	q.inv.apartment = jstr(inv, "apartment");
	q.inv.postal_code = jstr(inv, "postal_code");
	rc = shop_order_create(
	    r->app->conf, r->app->store, s->u.id, &q, id, &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_shop_error(w, rc, err.code, err.field);
	rc = shop_order_get(r->app->store, s->u.id, id, &o);
	if (rc != PC_OK)
		return rc;
	rc = api_json_reply(w, 201, api_shop_order_json(r, &o, false));
	store_order_cleanup(&o);
	return rc;
}

struct ord_list {
	struct req *r;
	json_t *a;
	bool admin;
};

static enum pc_rc
ord_add(void *arg, const struct store_order *o)
{
	struct ord_list *l = arg;

	json_array_append_new(l->a, api_shop_order_json(l->r, o, l->admin));
	return PC_OK;
}

static enum pc_rc
orders_list(struct req *r, struct resp *w, const struct store_order_filter *f,
    bool admin)
{
	struct ord_list l = { r, json_array(), admin };
	struct db *db = NULL;
	enum pc_rc rc;

	if (l.a == NULL)
		return PC_ENOMEM;
	rc = store_acquire(r->app->store, &db);
	if (rc == PC_OK) {
		rc = store_shop_order_each(db, f, ord_add, &l);
		store_release(r->app->store, db);
	}
	if (rc != PC_OK) {
		json_decref(l.a);
		return rc;
	}
	return api_json_reply(w, 200, json_pack("{s:o}", "orders", l.a));
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
	struct store_order o;
	enum pc_rc rc;

	rc = shop_order_get(r->app->store, api_session(r)->u.id, param(r), &o);
	if (rc != PC_OK)
		return api_shop_error(
		    w, rc, rc == PC_ENOTFOUND ? "order_not_found" : NULL, NULL);
	rc = api_json_reply(w, 200, api_shop_order_json(r, &o, false));
	store_order_cleanup(&o);
	return rc;
}

enum pc_rc
api_shop_order_pay_post(struct req *r, struct resp *w)
{
	struct shop_err err = { 0 };
	char url[1024];
	enum pc_rc rc;

	rc = shop_order_pay(r->app->conf, r->app->store, api_session(r)->u.id,
	    param(r), url, sizeof(url), &err);
	if (rc != PC_OK)
		return api_shop_error(w, rc, err.code, NULL);
	return api_json_reply(w, 200,
	    json_pack("{s:s,s:s}", "redirect_url", url, "provider",
	        r->app->conf->shop.provider));
}

enum pc_rc
api_shop_order_cancel_post(struct req *r, struct resp *w)
{
	struct shop_err err = { 0 };
	struct store_order o;
	enum pc_rc rc;

	rc = shop_order_cancel(
	    r->app->store, api_session(r)->u.id, param(r), &err);
	if (rc != PC_OK)
		return api_shop_error(w, rc, err.code, NULL);
	rc = shop_order_get(r->app->store, NULL, param(r), &o);
	if (rc != PC_OK)
		return rc;
	rc = api_json_reply(w, 200, api_shop_order_json(r, &o, false));
	store_order_cleanup(&o);
	return rc;
}

/* ---- documents ------------------------------------------------------------
 */

/* The PDF of an order; wired to helper B's shop_docs.h (api_shop_docs.c). */
static enum pc_rc
order_pdf(struct req *r, struct resp *w, bool invoice)
{
	struct store_order o;
	struct buf pdf;
	enum pc_rc rc;

	rc = shop_order_get(r->app->store, api_session(r)->u.id, param(r), &o);
	if (rc != PC_OK)
		return api_shop_error(
		    w, rc, rc == PC_ENOTFOUND ? "order_not_found" : NULL, NULL);
	if (invoice && o.inv_number == 0) {
		store_order_cleanup(&o);
		return api_shop_error(w, PC_ESTATE, "order_state", NULL);
	}
	rc = shop_order_pdf(r->app->conf, r->app->store, &o, invoice,
	    api_session(r)->u.lang, &pdf);
	if (rc == PC_OK) {
		http_resp_bytes(w, 200, "application/pdf", pdf.data, pdf.len);
		http_resp_header(w, "Cache-Control", "no-store");
		http_resp_header(w, "Content-Disposition",
		    arena_printf(&r->arena,
		        "attachment; filename=\"%s-%s.pdf\"",
		        invoice ? "factura" : "comanda", o.number));
	}
	buf_cleanup(&pdf);
	store_order_cleanup(&o);
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

/* ---- notifications ---------------------------------------------------------
 */

static enum pc_rc
notice(struct req *r, struct resp *w, const char *provider, const char *hdr,
    bool netopia)
{
	const struct pay_provider *pv = pay_provider_get(provider);
	struct pay_notice n;
	struct shop_err err = { 0 };
	char detail[96];
	bool dup = false;
	enum pc_rc rc;

	memset(&n, 0, sizeof(n));
	rc = pv->verify(r->app->conf, (const char *)r->body.data, r->body.len,
	    http_req_header(r, hdr), &n);
	if (rc == PC_EAUTH) {
		struct db *db = NULL;

		log_warnx("req=%s shop: %s notification with a bad signature "
		          "refused (ip %s)",
		    r->req_id, provider, r->remote_ip);
		snprintf(detail, sizeof(detail), "provider=%s ip=%.40s",
		    provider, r->remote_ip != NULL ? r->remote_ip : "-");
		if (store_acquire(r->app->store, &db) == PC_OK) {
			store_audit_append(db, provider,
			    "shop.notify.signature_invalid", detail);
			store_release(r->app->store, db);
		}
		return api_shop_error(w, PC_EINVAL, "signature_invalid", NULL);
	}
	if (rc != PC_OK)
		return api_shop_error(
		    w, rc, rc == PC_EINVAL ? "field_invalid" : NULL, NULL);
	rc = shop_notice_apply(r->app->conf, r->app->store, provider,
	    n.order_id, n.status, n.amount_bani, n.currency, n.ref, &dup, &err);
	if (rc != PC_OK)
		return api_shop_error(w, rc, err.code, NULL);
	if (netopia)
		return api_json_reply(w, 200,
		    json_pack("{s:i,s:n,s:s}", "errorType", 0, "errorCode",
		        "errorMessage", ""));
	return api_json_reply(
	    w, 200, json_pack("{s:b,s:b}", "ok", 1, "duplicate", dup));
}

enum pc_rc
api_payments_sandbox_notify_post(struct req *r, struct resp *w)
{
	if (!api_sandbox_on(r->app->conf))
		return http_error(w, PC_ENOTFOUND, "not_found",
		    "There is nothing at this address.");
	return notice(r, w, "sandbox", "X-Sandbox-Signature", false);
}

enum pc_rc
api_payments_netopia_ipn_post(struct req *r, struct resp *w)
{
	return notice(r, w, "netopia", "Verification-token", true);
}

/* ---- admin ----------------------------------------------------------------
 */

/* "YYYY-MM-DD" → UTC seconds at 00:00; 0 when empty, -1 when bad. */
static int64_t
day_start(const char *d)
{
	int y, m, dd, i;
	int64_t days;

	if (d == NULL || d[0] == '\0')
		return 0;
	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return -1;
	y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 +
	    (d[3] - '0');
	m = (d[5] - '0') * 10 + (d[6] - '0');
	dd = (d[8] - '0') * 10 + (d[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || dd < 1 || dd > 31)
		return -1;
	/* days from civil (Howard Hinnant) */
	y -= m <= 2;
	{
		int64_t era = y / 400, yoe = y - era * 400;
		int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
		int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + doe - 719468;
	}
	return days * 86400;
}

enum pc_rc
api_admin_orders_get(struct req *r, struct resp *w)
{
	struct store_order_filter f = { 0 };
	enum shop_state st;

	f.state = http_req_query(r, "state");
	if (f.state != NULL && f.state[0] != '\0' &&
	    shop_state_parse(f.state, &st) != PC_OK)
		return api_shop_error(w, PC_EINVAL, "field_invalid", "state");
	f.from = day_start(http_req_query(r, "from"));
	f.to = day_start(http_req_query(r, "to"));
	if (f.from < 0 || f.to < 0)
		return api_shop_error(
		    w, PC_EINVAL, "field_invalid", f.from < 0 ? "from" : "to");
	if (f.to > 0)
		f.to += 86400;
	f.q = http_req_query(r, "q");
	if (f.q != NULL && strlen(f.q) > 100)
		return api_shop_error(w, PC_EINVAL, "field_invalid", "q");
	return orders_list(r, w, &f, true);
}

enum pc_rc
api_admin_order_refund_post(struct req *r, struct resp *w)
{
	struct shop_err err = { 0 };
	struct store_order o;
	const char *reason = NULL;
	json_t *b = NULL;
	json_error_t je;
	enum pc_rc rc;

	if (r->body.len > 0) {
		b = json_loadb((const char *)r->body.data, r->body.len, 0, &je);
		reason = api_json_str(b, "reason");
	}
	rc = shop_order_refund(r->app->conf, r->app->store, param(r),
	    api_session(r)->u.id, reason, &err);
	json_decref(b);
	if (rc != PC_OK)
		return api_shop_error(w, rc, err.code, NULL);
	log_info("req=%s shop: order %s refunded by %s", r->req_id, param(r),
	    api_session(r)->u.id);
	rc = shop_order_get(r->app->store, NULL, param(r), &o);
	if (rc != PC_OK)
		return rc;
	rc = api_json_reply(w, 200, api_shop_order_json(r, &o, true));
	store_order_cleanup(&o);
	return rc;
}
