/*
 * shop_view.c: what the faces show of the shop: orders with their last
 * payment attempt and what the buyer may do next, the catalog with VAT,
 * an order's documents, and the intake of payment notifications. The
 * handlers in src/api call these and never the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "shop/pay.h"
#include "shop/shop.h"

#define SHOP_LIST_MAX 500

void
shop_invoice_label(
    const char *series, int64_t year, int64_t number, char *out, size_t n)
{
	snprintf(out, n, "%s %lld/%06lld", series, (long long)year,
	    (long long)number);
}

void
shop_order_quote(const struct store_order *o, struct shop_quote *q)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->package, sizeof(q->package), "%s", o->package);
	snprintf(q->promo, sizeof(q->promo), "%s", o->promo);
	q->list_cents = o->list_cents;
	q->discount_cents = o->discount_cents;
	q->net_cents = o->net_cents;
	q->vat_bp = o->vat_bp;
	q->vat_cents = o->vat_cents;
	q->total_cents = o->total_cents;
	q->rate.rate_e4 = o->rate_e4;
	snprintf(q->rate.day, sizeof(q->rate.day), "%s", o->rate_day);
	q->rate.fallback = o->rate_fallback;
	q->total_bani = o->total_bani;
}

bool
shop_state_known(const char *name)
{
	enum shop_state st;

	return name != NULL && shop_state_parse(name, &st) == PC_OK;
}

/* The derived parts of a view, on db (the caller's connection). */
static void
view_fill(struct db *db, struct shop_order_view *v)
{
	const struct store_order *o = &v->order;
	enum shop_state st;

	v->last_status[0] = v->last_provider[0] = '\0';
	if (store_shop_payment_last(db, o->id, v->last_status,
	        sizeof(v->last_status), v->last_provider,
	        sizeof(v->last_provider)) != PC_OK)
		v->last_status[0] = v->last_provider[0] = '\0';
	v->inv_label[0] = '\0';
	if (o->inv_number > 0)
		shop_invoice_label(o->inv_series, o->inv_year, o->inv_number,
		    v->inv_label, sizeof(v->inv_label));
	v->can_pay = v->can_cancel = false;
	if (shop_state_parse(o->state, &st) == PC_OK) {
		v->can_pay = shop_state_allowed(st, SHOP_AWAITING_PAYMENT) ||
		             st == SHOP_AWAITING_PAYMENT;
		v->can_cancel = shop_state_allowed(st, SHOP_CANCELLED);
	}
}

enum pc_rc
shop_order_view(const struct pc_env *e, const char *user_id, const char *id,
    struct shop_order_view *v)
{
	struct db *db = NULL;
	enum pc_rc rc;

	memset(v, 0, sizeof(*v));
	rc = shop_order_get(e, user_id, id, &v->order);
	if (rc != PC_OK)
		return rc;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK) {
		store_order_cleanup(&v->order);
		return rc;
	}
	view_fill(db, v);
	store_release(e->store, db);
	return PC_OK;
}

void
shop_order_view_cleanup(struct shop_order_view *v)
{
	if (v == NULL)
		return;
	store_order_cleanup(&v->order);
	memset(v, 0, sizeof(*v));
}

struct view_list {
	struct shop_order_view *v;
	size_t n, cap;
};

static enum pc_rc
list_add(void *arg, const struct store_order *o)
{
	struct view_list *l = arg;
	struct shop_order_view *nv;
	size_t cap;

	if (l->n >= SHOP_LIST_MAX)
		return PC_OK;
	if (l->n == l->cap) {
		cap = l->cap == 0 ? 16 : l->cap * 2;
		nv = realloc(l->v, cap * sizeof(*nv));
		if (nv == NULL)
			return PC_ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	/* Take the row's strings: the store frees its copy after fn. */
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	l->v[l->n].order = *o;
	l->v[l->n].order.invoice_data =
	    o->invoice_data != NULL ? strdup(o->invoice_data) : NULL;
	l->v[l->n].order.email = o->email != NULL ? strdup(o->email) : NULL;
	l->n++;
	return PC_OK;
}

enum pc_rc
shop_orders_each(const struct pc_env *e, const struct store_order_filter *f,
    enum pc_rc (*fn)(void *arg, const struct shop_order_view *v), void *arg)
{
	struct view_list l = { NULL, 0, 0 };
	struct db *db = NULL;
	size_t i;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_shop_order_each(db, f, list_add, &l);
	for (i = 0; rc == PC_OK && i < l.n; i++)
		view_fill(db, &l.v[i]);
	store_release(e->store, db);
	for (i = 0; rc == PC_OK && i < l.n; i++)
		rc = fn(arg, &l.v[i]);
	for (i = 0; i < l.n; i++)
		store_order_cleanup(&l.v[i].order);
	free(l.v);
	return rc;
}

struct pkg_each {
	enum pc_rc (*fn)(void *arg, const struct shop_package_view *p);
	void *arg;
	int64_t vat_bp;
};

static enum pc_rc
pkg_one(void *arg, const struct store_package *p)
{
	struct pkg_each *pe = arg;
	struct shop_package_view v;
	enum pc_rc rc;

	memset(&v, 0, sizeof(v));
	v.code = p->code;
	v.name = p->name;
	v.description = p->description;
	v.years = p->years;
	v.transactions = p->transactions;
	v.net_cents = p->net_cents;
	rc = shop_vat(p->net_cents, pe->vat_bp, &v.vat_cents);
	if (rc != PC_OK)
		return rc;
	return pe->fn(pe->arg, &v);
}

enum pc_rc
shop_packages_each(const struct pc_env *e,
    enum pc_rc (*fn)(void *arg, const struct shop_package_view *p), void *arg)
{
	struct pkg_each pe = { fn, arg, e->conf->shop.vat_bp };
	enum pc_rc rc;

	STORE_ONE(
	    rc, e->store, store_shop_package_each(db, false, pkg_one, &pe));
	return rc;
}

enum pc_rc
shop_order_document(const struct pc_env *e, const char *user_id,
    const char *lang, const char *id, bool invoice, struct shop_pdf *out,
    struct pc_err *err)
{
	struct store_order o;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	buf_init(&out->pdf, 0);
	rc = shop_order_get(e, user_id, id, &o);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_ORDER_NOT_FOUND, NULL);
	if (rc != PC_OK)
		return rc;
	if (invoice && o.inv_number == 0) {
		store_order_cleanup(&o);
		return pc_fail(err, PC_ESTATE, PCE_ORDER_STATE, NULL);
	}
	rc = shop_order_pdf(e->conf, e->store, &o, invoice, lang, &out->pdf);
	if (rc == PC_OK)
		snprintf(out->filename, sizeof(out->filename), "%s-%s.pdf",
		    invoice
		        ? (lang != NULL && strcmp(lang, "en") == 0 ? "invoice"
		                                                   : "factura")
		        : (lang != NULL && strcmp(lang, "en") == 0 ? "order"
		                                                   : "comanda"),
		    o.number);
	store_order_cleanup(&o);
	return rc;
}

void
shop_pdf_cleanup(struct shop_pdf *p)
{
	if (p == NULL)
		return;
	buf_cleanup(&p->pdf);
	memset(p, 0, sizeof(*p));
}

enum pc_rc
shop_notice_receive(const struct pc_env *e, const char *provider,
    const void *body, size_t len, const char *sig, bool *dup,
    struct pc_err *err)
{
	const struct pay_provider *pv = pay_provider_get(provider);
	struct pay_notice n;
	struct db *db = NULL;
	char detail[96];
	enum pc_rc rc;

	*dup = false;
	if (pv == NULL)
		return PC_EINTERNAL;
	memset(&n, 0, sizeof(n));
	rc = pv->verify(e->conf, (const char *)body, len, sig, &n);
	if (rc == PC_EAUTH) {
		log_warnx("req=%s shop: %s notification with a bad signature "
		          "refused (ip %s)",
		    e->req_id != NULL ? e->req_id : "-", provider,
		    e->ip != NULL ? e->ip : "-");
		snprintf(detail, sizeof(detail), "provider=%s ip=%.40s",
		    provider, e->ip != NULL ? e->ip : "-");
		if (store_acquire(e->store, &db) == PC_OK) {
			store_audit_append(db, provider,
			    "shop.notify.signature_invalid", detail);
			store_release(e->store, db);
		}
		return pc_fail(err, PC_EINVAL, PCE_SIGNATURE_INVALID, NULL);
	}
	if (rc == PC_EINVAL)
		return pc_fail(err, rc, PCE_FIELD_INVALID, NULL);
	if (rc != PC_OK)
		return rc;
	return shop_notice_apply(e, provider, n.order_id, n.status,
	    n.amount_bani, n.currency, n.ref, dup, err);
}
