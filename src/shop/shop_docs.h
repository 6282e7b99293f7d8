/*
 * shop_docs.h: the PDF documents of the shop: the order note (attached to
 * the order confirmation e-mail), the invoice, and the terms documents the
 * buyer accepts at checkout. Pure composition over sign/pdf_doc.h: no SQL,
 * no HTTP. The shop fills a struct shop_doc_order from its rows.
 *
 * Money is int64 minor units (EUR cents, RON bani); the rate is EUR/RON
 * × 10000 (49763 = 4.9763), as in shop.h. Amounts print as "1.234,56 EUR"
 * in Romanian and "1,234.56 EUR" in English; dates in Romanian time.
 * See docs/internals/docs-pdf.md.
 */
#ifndef PC_SHOP_DOCS_H
#define PC_SHOP_DOCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/pc.h"

/* Upper bound of a generated document (callers size their buf with it). */
#define SHOP_DOC_MAX (4u * 1024 * 1024)

/*
 * Who the invoice is for. Every string may be NULL or "" when it does not
 * apply (printed as absent), except name. Borrowed, not copied.
 */
struct shop_doc_party {
	bool company;       /* false: a person */
	const char *name;   /* person: full name; company: company name */
	const char *cui;    /* company: CUI (tax id), e.g. "RO18547290" */
	const char *reg;    /* company: trade register no. (optional) */
	const char *county; /* address */
	const char *town;
	const char *street;
	const char *number;
	const char *building; /* bloc */
	const char *entrance; /* scara */
	const char *apartment;
	const char *postal_code;
	const char *country; /* NULL: Romania */
	const char *email;   /* optional */
};

/* One order (and its invoice, when issued). Strings are borrowed. */
struct shop_doc_order {
	const char *number;           /* the order number the buyer sees */
	int64_t created_at;           /* UTC seconds */
	const char *package_name;     /* "Pecete 2" */
	const char *package_includes; /* NULL: said from years and
	                                 transactions in the document's
	                                 language */
	int64_t package_years, package_transactions;
	int64_t list_cents;     /* package price, EUR without VAT */
	int64_t discount_cents; /* promo discount (0: none) */
	const char *promo_code; /* NULL or "" when none */
	int64_t net_cents;      /* list - discount, EUR without VAT */
	int64_t vat_bp;         /* VAT rate in basis points (2100 = 21 %) */
	int64_t vat_cents;      /* VAT in EUR */
	int64_t total_cents;    /* net + VAT, EUR */
	int64_t rate_e4; /* BNR EUR/RON rate × 10000 used for this order */
	const char *rate_date; /* the rate's BNR date "YYYY-MM-DD" */
	bool rate_fallback;    /* the configured fallback, not BNR's */
	int64_t total_bani;    /* total in RON = round-half-up(total × rate) */
	const char *state;     /* shop_state_name(): created, awaiting_payment,
	                        * paid, fulfilled, cancelled, refunded */
	int64_t paid_at;       /* UTC seconds, 0 when not paid */
	struct shop_doc_party buyer;
	/* invoices only (shop_doc_invoice) */
	const char *invoice_series; /* e.g. "PCT" */
	int64_t invoice_number;     /* > 0 */
	int64_t invoice_year;       /* the numbering's year */
	int64_t invoice_issued_at;  /* UTC seconds */
};

/*
 * The order note of o in lang ("ro", "en"; NULL: "ro"), a PDF appended to
 * pdf (sized with buf_init(pdf, SHOP_DOC_MAX)). OUT: pdf.
 * PC_EINVAL for a missing number, package or buyer name, inconsistent
 * amounts (net + VAT != total) or a bad lang; else as pdf_doc_render.
 */
enum pc_rc shop_doc_order_note(
    const struct shop_doc_order *o, const char *lang, struct buf *pdf);

/*
 * The invoice of o (invoice_series, invoice_number and invoice_issued_at
 * set) with the seller from shop ([shop] seller_name, seller_cui,
 * seller_address, seller_reg): the line(s), VAT, totals in EUR and in RON
 * at o's rate. OUT: pdf. Errors as shop_doc_order_note.
 */
enum pc_rc shop_doc_invoice(const struct shop_doc_order *o,
    const struct conf_shop *shop, const char *lang, struct buf *pdf);

/*
 * Format minor units with two decimals, thousands grouped, and the
 * currency after: "1.234,56 EUR" (ro), "1,234.56 EUR" (en); negative
 * amounts get "-". Always NUL-terminated.
 */
void shop_doc_money(
    int64_t minor, const char *currency, const char *lang, char *out, size_t n);

/*
 * Sample data for `pecete shop doc --sample` and the tests: a Pecete 2
 * order, person (company false) or company, paid, with an invoice number.
 * OUT: *o (static strings).
 */
void shop_doc_sample(bool company, struct shop_doc_order *o);

#endif /* PC_SHOP_DOCS_H */
