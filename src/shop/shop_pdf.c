/*
 * shop_pdf.c: an order's documents (order note, invoice) from its rows,
 * composed by shop_docs.h (MuPDF document writer, src/sign/pdf_doc.c).
 */
#include <string.h>

#include <jansson.h>

#include "base/log.h"
#include "legal/legal.h"
#include "notify/notify.h"
#include "shop/shop.h"
#include "shop/shop_docs.h"
#include "store/store_account.h"

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
	/* Said in the document's language from the package's terms. */
	d->package_includes = NULL;
	d->package_years = p != NULL ? p->years : 0;
	d->package_transactions = p != NULL ? p->transactions : 0;
	d->list_cents = o->list_cents;
	d->discount_cents = o->discount_cents;
	d->promo_code = o->promo;
	d->net_cents = o->net_cents;
	d->vat_bp = o->vat_bp;
	d->vat_cents = o->vat_cents;
	d->total_cents = o->total_cents;
	d->rate_e4 = o->rate_e4;
	d->rate_date = o->rate_day;
	d->rate_fallback = o->rate_fallback;
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
		d->invoice_year = o->inv_year;
		d->invoice_issued_at = o->inv_issued_at;
	}
}

/* One PDF attachment of a message. */
static void
attach(struct notify_attachment *a, const char *name, const struct buf *pdf)
{
	a->filename = name;
	a->content_type = "application/pdf";
	a->data = pdf->data;
	a->len = pdf->len;
}

/*
 * The e-mails of a paid order, in the caller's (paid) transaction on db,
 * in the buyer's language and greeting the person (not the invoice's
 * company): payment_confirmed (the next step), order_confirmed with the
 * order note, the service terms and the conditions of sale as PDFs,
 * invoice_issued with the invoice PDF, and pairing_invitation when the
 * buyer has no authenticator yet (it is needed to sign). o is the order
 * as it was read, with its invoice number; it is shown as paid.
 */
enum pc_rc
shop_order_mail_paid(const struct conf *conf, struct db *db,
    const struct store_order *o, int64_t paid_at)
{
	struct store_package p = { 0 };
	struct store_user u = { 0 };
	struct store_order paid = *o;
	struct shop_doc_order d;
	struct notify_attachment att[3];
	struct buf pdf[4];
	char total[48], home[600], orders[600], pair[600], name[256];
	char label[48];
	const char *lang;
	json_error_t je;
	json_t *inv, *vars = NULL, *ivars = NULL;
	bool havep;
	size_t i;
	enum pc_rc rc;

	for (i = 0; i < PC_ARRAY_LEN(pdf); i++)
		buf_init(&pdf[i], SHOP_DOC_MAX);
	inv = json_loads(o->invoice_data, 0, &je);
	rc = inv != NULL ? store_user_get(db, o->user_id, &u) : PC_EINTERNAL;
	if (rc != PC_OK)
		goto out;
	lang = u.lang != NULL && strcmp(u.lang, "en") == 0 ? "en" : "ro";
	snprintf(name, sizeof(name), "%s %s", u.given_name, u.surname);
	havep = store_shop_package_get(db, o->package, &p) == PC_OK;
	snprintf(paid.state, sizeof(paid.state), "paid");
	paid.paid_at = paid_at;
	shop_doc_from_order(&paid, havep ? &p : NULL, inv, &d);
	shop_doc_money(o->total_bani, "RON", lang, total, sizeof(total));
	snprintf(home, sizeof(home), "%s/home", conf->server.public_url);
	snprintf(
	    orders, sizeof(orders), "%s/shop/orders", conf->server.public_url);
	snprintf(pair, sizeof(pair), "%s/pair", conf->server.public_url);
	vars = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name, "order",
	    o->number, "package", d.package_name, "total", total, "link", home);
	if (vars == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = notify_enqueue(
	    db, NOTIFY_EMAIL, u.email, "payment_confirmed", lang, vars, NULL);
	if (rc == PC_OK)
		rc = shop_doc_order_note(&d, lang, &pdf[0]);
	if (rc == PC_OK)
		rc = legal_pdf(conf, LEGAL_TERMS, lang, &pdf[1]);
	if (rc == PC_OK)
		rc = legal_pdf(conf, LEGAL_SHOP, lang, &pdf[2]);
	if (rc != PC_OK)
		goto out;
	attach(&att[0],
	    strcmp(lang, "en") == 0 ? "order-note.pdf" : "nota-comanda.pdf",
	    &pdf[0]);
	attach(&att[1],
	    strcmp(lang, "en") == 0 ? "terms-of-service.pdf"
	                            : "termenii-serviciului.pdf",
	    &pdf[1]);
	attach(&att[2],
	    strcmp(lang, "en") == 0 ? "conditions-of-sale.pdf"
	                            : "conditii-de-vanzare.pdf",
	    &pdf[2]);
	rc = notify_enqueue_with_attachments(db, NOTIFY_EMAIL, u.email,
	    "order_confirmed", lang, vars, att, 3, NULL);
	/* The invoice, when issued (in this transaction). */
	if (rc == PC_OK && o->inv_number > 0) {
		shop_invoice_label(o->inv_series, o->inv_year, o->inv_number,
		    label, sizeof(label));
		rc = shop_doc_invoice(&d, &conf->shop, lang, &pdf[3]);
		ivars = rc == PC_OK
		            ? json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name,
		                  "invoice", label, "order", o->number, "total",
		                  total, "link", orders)
		            : NULL;
		if (rc == PC_OK && ivars == NULL)
			rc = PC_ENOMEM;
		attach(&att[0],
		    strcmp(lang, "en") == 0 ? "invoice.pdf" : "factura.pdf",
		    &pdf[3]);
		if (rc == PC_OK)
			rc = notify_enqueue_with_attachments(db, NOTIFY_EMAIL,
			    u.email, "invoice_issued", lang, ivars, att, 1,
			    NULL);
	}
	/* Signing needs the authenticator: invite those who deferred it. */
	if (rc == PC_OK && !u.twofa_enabled) {
		json_decref(ivars);
		ivars = json_pack("{s:s,s:s}", "name", name, "link", pair);
		rc = ivars != NULL
		         ? notify_enqueue(db, NOTIFY_EMAIL, u.email,
		               "pairing_invitation", lang, ivars, NULL)
		         : PC_ENOMEM;
	}
out:
	if (rc != PC_OK)
		log_warnx("shop: e-mails of %s not queued (%s)", o->number,
		    pc_rc_str(rc));
	json_decref(vars);
	json_decref(ivars);
	json_decref(inv);
	store_package_cleanup(&p);
	store_user_cleanup(&u);
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
