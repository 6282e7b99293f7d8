/*
 * shop_pdf.c: an order's documents (order note, invoice) from its rows,
 * composed by shop_docs.h (MuPDF document writer, src/sign/pdf_doc.c).
 */
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "notify/notify.h"
#include "shop/shop.h"
#include "shop/shop_docs.h"

static const char *
js(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Fill d from o and its package p; strings borrowed from o, p and inv. */
static void
shop_doc_from_order(const struct store_order *o, const struct store_package *p,
    json_t *inv, struct shop_doc_order *d)
{
	memset(d, 0, sizeof(*d));
	d->number = o->number;
	d->created_at = o->created_at;
	d->package_name = p != NULL ? p->name : o->package;
	d->package_includes = p != NULL ? p->description : NULL;
	d->list_cents = o->list_cents;
	d->discount_cents = o->discount_cents;
	d->promo_code = o->promo;
	d->net_cents = o->net_cents;
	d->vat_bp = o->vat_bp;
	d->vat_cents = o->vat_cents;
	d->total_cents = o->total_cents;
	d->rate_e4 = o->rate_e4;
	d->rate_date = o->rate_day;
	d->total_bani = o->total_bani;
	d->state = o->state;
	d->paid_at = o->paid_at;
	d->buyer.company =
	    strcmp(js(inv, "type") != NULL ? js(inv, "type") : "", "company") ==
	    0;
	d->buyer.name = js(inv, "name");
	d->buyer.cui = js(inv, "cui");
	d->buyer.reg = js(inv, "reg_no");
	d->buyer.county = js(inv, "county");
	d->buyer.town = js(inv, "town");
	d->buyer.street = js(inv, "street");
	d->buyer.number = js(inv, "number");
	d->buyer.building = js(inv, "building");
	d->buyer.entrance = js(inv, "entrance");
	d->buyer.apartment = js(inv, "apartment");
	d->buyer.postal_code = js(inv, "postal_code");
	d->buyer.email = o->email;
	if (o->inv_number > 0) {
		d->invoice_series = o->inv_series;
		d->invoice_number = o->inv_number;
		d->invoice_issued_at = o->inv_issued_at;
	}
}

/*
 * The e-mails of a paid order, in the caller's (paid) transaction on db:
 * payment_confirmed, and order_confirmed with the order note and the two
 * terms documents as PDF attachments. o is the order as it was read; it is
 * shown as paid.
 */
enum pc_rc
shop_order_mail_paid(const struct conf *conf, struct db *db,
    const struct store_order *o, int64_t paid_at)
{
	static const char *const terms[] = { SHOP_DOC_TERMS_SIGNING,
		SHOP_DOC_TERMS_ORDER };
	struct store_package p = { 0 };
	struct store_order paid = *o;
	struct shop_doc_order d;
	struct notify_attachment att[3];
	struct buf pdf[3];
	char total[48], link[600];
	const char *lang = "ro", *name;
	json_error_t je;
	json_t *inv, *vars = NULL;
	bool havep;
	size_t i, n = 0;
	enum pc_rc rc;

	for (i = 0; i < PC_ARRAY_LEN(pdf); i++)
		buf_init(&pdf[i], SHOP_DOC_MAX);
	inv = json_loads(o->invoice_data, 0, &je);
	if (inv == NULL) {
		rc = PC_EINTERNAL;
		goto out;
	}
	havep = store_shop_package_get(db, o->package, &p) == PC_OK;
	snprintf(paid.state, sizeof(paid.state), "paid");
	paid.paid_at = paid_at;
	shop_doc_from_order(&paid, havep ? &p : NULL, inv, &d);
	name = d.buyer.name != NULL ? d.buyer.name : "";
	shop_doc_money(o->total_bani, "RON", lang, total, sizeof(total));
	snprintf(link, sizeof(link), "%s/shop/return?order=%s",
	    conf->server.public_url, o->id);
	vars = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name, "order",
	    o->number, "package", d.package_name, "total", total, "link", link);
	if (vars == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = notify_enqueue(
	    db, NOTIFY_EMAIL, o->email, "payment_confirmed", lang, vars, NULL);
	if (rc != PC_OK)
		goto out;
	rc = shop_doc_order_note(&d, lang, &pdf[0]);
	if (rc != PC_OK)
		goto out;
	att[n].filename = "nota-comanda.pdf";
	att[n].content_type = "application/pdf";
	att[n].data = pdf[0].data;
	att[n].len = pdf[0].len;
	n++;
	for (i = 0; i < PC_ARRAY_LEN(terms); i++) {
		rc = shop_doc_terms(terms[i], lang, &pdf[n], NULL);
		if (rc != PC_OK)
			goto out;
		att[n].filename = i == 0 ? "termeni-semnatura-la-distanta.pdf"
		                         : "conditii-comanda.pdf";
		att[n].content_type = "application/pdf";
		att[n].data = pdf[n].data;
		att[n].len = pdf[n].len;
		n++;
	}
	rc = notify_enqueue_with_attachments(db, NOTIFY_EMAIL, o->email,
	    "order_confirmed", lang, vars, att, n, NULL);
out:
	if (rc != PC_OK)
		log_warnx("shop: e-mails of %s not queued (%s)", o->number,
		    pc_rc_str(rc));
	json_decref(vars);
	json_decref(inv);
	store_package_cleanup(&p);
	for (i = 0; i < PC_ARRAY_LEN(pdf); i++)
		buf_cleanup(&pdf[i]);
	return rc;
}

enum pc_rc
shop_order_pdf(const struct conf *conf, struct store *s,
    const struct store_order *o, bool invoice, const char *lang,
    struct buf *pdf)
{
	struct store_package p = { 0 };
	struct shop_doc_order d;
	struct db *db = NULL;
	json_error_t je;
	json_t *inv;
	bool havep = false;
	enum pc_rc rc;

	buf_init(pdf, SHOP_DOC_MAX);
	inv = json_loads(o->invoice_data, 0, &je);
	if (inv == NULL)
		return PC_EINTERNAL;
	if (store_acquire(s, &db) == PC_OK) {
		havep = store_shop_package_get(db, o->package, &p) == PC_OK;
		store_release(s, db);
	}
	shop_doc_from_order(o, havep ? &p : NULL, inv, &d);
	if (invoice)
		rc = shop_doc_invoice(&d, &conf->shop, lang, pdf);
	else
		rc = shop_doc_order_note(&d, lang, pdf);
	if (rc != PC_OK)
		log_warnx("shop: %s of %s: %s", invoice ? "invoice" : "note",
		    o->number, pc_rc_str(rc));
	json_decref(inv);
	store_package_cleanup(&p);
	return rc;
}
