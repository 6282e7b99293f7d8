/*
 * shop.h: the shop (journey J6): catalog, promo codes, prices in integer
 * minor units, VAT, the BNR EUR/RON rate, invoice data (CUI), orders and
 * their payments. docs/internals/shop.md describes it.
 *
 * Money is int64 minor units: EUR cents, RON bani. Rates are int64 with 4
 * decimals (49763 = 4.9763). Rounding is half-up on non-negative values,
 * in integer arithmetic.
 */
#ifndef PC_SHOP_H
#define PC_SHOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_shop.h"

/* ---- money (shop_money.c) --------------------------------------------- */

/* round-half-up(a * num / den) for a, num >= 0, den > 0; PC_ELIMIT on
 * overflow. */
enum pc_rc shop_muldiv(int64_t a, int64_t num, int64_t den, int64_t *out);
/* VAT of net at vat_bp basis points, rounded half-up. */
enum pc_rc shop_vat(int64_t net_cents, int64_t vat_bp, int64_t *vat_cents);
/* RON bani of eur_cents at rate_e4 (EUR/RON × 10000), rounded half-up. */
enum pc_rc shop_ron(int64_t eur_cents, int64_t rate_e4, int64_t *bani);
/* Parse "4.9763" (up to 4 decimals) into 49763. PC_EINVAL when bad. */
enum pc_rc shop_rate_parse(const char *s, int64_t *rate_e4);
/* Format rate_e4 as "4.9763" into out. */
void shop_rate_format(int64_t rate_e4, char *out, size_t outlen);

/* ---- promo codes -------------------------------------------------------- */

#define SHOP_PROMO_PERCENT "percent" /* value in basis points */
#define SHOP_PROMO_FIXED "fixed"     /* value in cents */

/*
 * Check promo for package at time now and compute the discount on
 * list_cents (never more than the price). Returns PC_OK, or PC_EINVAL with
 * *code set: promo_invalid (disabled), promo_expired (outside the dates),
 * promo_exhausted (usage limit reached), promo_package (not for package).
 */
enum pc_rc shop_promo_apply(const struct store_promo *p, const char *package,
    int64_t list_cents, int64_t now, int64_t *discount_cents,
    enum pc_ecode *code);

/* ---- invoice data ---------------------------------------------------------
 */

/* The Romanian CUI/CIF with its check digit; "RO" prefix allowed. */
bool shop_cui_valid(const char *cui);

/* ---- BNR rate (shop_bnr.c) ---------------------------------------------- */

/*
 * Parse the BNR feed (<DataSet><Body><Cube date="YYYY-MM-DD"><Rate
 * currency="EUR">4.9763</Rate>...) with libxml2, no network and no
 * entities. OUT: day ("YYYY-MM-DD", 11 bytes), *rate_e4. PC_EINVAL for
 * malformed XML or no EUR rate.
 */
enum pc_rc shop_bnr_parse(
    const char *xml, size_t len, char day[11], int64_t *rate_e4);
/* Download url (bounded size and time) and parse it. */
enum pc_rc shop_bnr_fetch(
    const char *url, int64_t timeout_s, char day[11], int64_t *rate_e4);

struct shop_rate {
	int64_t rate_e4;
	char day[11];
	bool fallback; /* the configured fallback rate */
};

/*
 * The rate to use now: today's cached rate, else a fresh download (cached),
 * else the latest cached one when not older than 5 days, else the
 * configured fallback (flagged).
 */
enum pc_rc shop_rate_today(const struct pc_env *e, struct shop_rate *out);
/* Download and cache the rate now (the daily job, pecete shop rate). */
enum pc_rc shop_rate_refresh(const struct pc_env *e, struct shop_rate *out);

/* ---- order state (order_state.c) ------------------------------------------
 */

enum shop_state {
	SHOP_CREATED = 0,
	SHOP_AWAITING_PAYMENT,
	SHOP_PAID,
	SHOP_FULFILLED,
	SHOP_CANCELLED,
	SHOP_REFUNDED,
	SHOP_STATE_COUNT
};

const char *shop_state_name(enum shop_state st);
/* PC_EINVAL for an unknown name. */
enum pc_rc shop_state_parse(const char *name, enum shop_state *st);
/* Whether from → to is allowed (the one table of transitions). */
bool shop_state_allowed(enum shop_state from, enum shop_state to);

/* Change an order's state in the caller's transaction (order_state.c). */
enum pc_rc shop_order_transition(struct db *db, const char *id,
    enum shop_state from, enum shop_state to, const char *provider,
    const char *ref, int64_t paid_at, int64_t now);

/* ---- flows (shop_order.c) --------------------------------------------------
 */

struct shop_quote {
	char package[STORE_CODE_MAX + 1];
	char promo[STORE_CODE_MAX + 1]; /* "" when none */
	int64_t list_cents, discount_cents, net_cents, vat_bp, vat_cents,
	    total_cents;
	struct shop_rate rate;
	int64_t total_bani;
};

/* Price package with promo (NULL or "" for none) now. */
enum pc_rc shop_quote_make(const struct pc_env *e, const char *package,
    const char *promo, struct shop_quote *q, struct pc_err *err);

struct shop_invoice_req {
	const char *type; /* "person" or "company" */
	bool company;     /* set by the checks from type */
	const char *name, *cui, *reg_no, *county, *town, *street, *number,
	    *building, *entrance, *apartment, *postal_code;
};

/* The version of the marketing consent text shown at checkout. */
#define SHOP_MARKETING_CONSENT_VERSION "2026-11-01"

struct shop_order_req {
	const char *package, *promo;
	bool accept_terms, accept_conditions, accept_withdrawal, marketing;
	const char *ip; /* recorded with the marketing consent */
	struct shop_invoice_req inv;
};

/* Create an order (state created) for user_id. OUT: id. */
enum pc_rc shop_order_create(const struct pc_env *e, const char *user_id,
    const struct shop_order_req *q, char id[STORE_ORDER_ID_LEN + 1],
    struct pc_err *err);
/* The order id of user_id (another user's order: PC_ENOTFOUND). */
enum pc_rc shop_order_get(const struct pc_env *e, const char *user_id,
    const char *id, struct store_order *o);
/* Start (or restart) the payment. OUT: url for the browser. */
enum pc_rc shop_order_pay(const struct pc_env *e, const char *user_id,
    const char *id, char *url, size_t urllen, struct pc_err *err);
enum pc_rc shop_order_cancel(const struct pc_env *e, const char *user_id,
    const char *id, struct pc_err *err);
/*
 * Apply a verified provider notification. Idempotent: the same (provider,
 * ref, status) again sets *dup and changes nothing. paid: the order goes
 * awaiting_payment -> paid, its invoice number is taken from the counter
 * invoice:<year> in the same transaction, the promo use is counted and the
 * e-mails are queued. declined: stays awaiting_payment (retry).
 */
enum pc_rc shop_notice_apply(const struct pc_env *e, const char *provider,
    const char *notice_order, const char *status, int64_t amount_bani,
    const char *currency, const char *ref, bool *dup, struct pc_err *err);
/* Operator refund (paid -> refunded), audited with e->actor. */
enum pc_rc shop_order_refund(const struct pc_env *e, const char *id,
    const char *reason, struct pc_err *err);

/*
 * The order note (invoice false) or the invoice PDF of o, through
 * shop_docs.h (shop_pdf.c). OUT: pdf, buf_cleanup it.
 */
enum pc_rc shop_order_pdf(const struct conf *conf, struct store *s,
    const struct store_order *o, bool invoice, const char *lang,
    struct buf *pdf);

/* Queue the e-mails of a paid order in db's transaction (shop_pdf.c). */
enum pc_rc shop_order_mail_paid(const struct conf *conf, struct db *db,
    const struct store_order *o, int64_t paid_at);

/* ---- views for the faces (shop_view.c) ---------------------------------
 */

/* An order as the API shows it. */
struct shop_order_view {
	struct store_order order;
	char last_status[24]; /* the last payment attempt, "" when none */
	char last_provider[24];
	char inv_label[48]; /* "PCT 2026/000012", "" without invoice */
	bool can_pay;       /* created or awaiting payment */
	bool can_cancel;
};

/* The order id of user_id (NULL: any user, operators). OUT: *v. */
enum pc_rc shop_order_view(const struct pc_env *e, const char *user_id,
    const char *id, struct shop_order_view *v);
void shop_order_view_cleanup(struct shop_order_view *v);
/* Orders matching f, newest first, each as a view (one connection). */
enum pc_rc shop_orders_each(const struct pc_env *e,
    const struct store_order_filter *f,
    enum pc_rc (*fn)(void *arg, const struct shop_order_view *v), void *arg);
/* The quote an order was made with. */
void shop_order_quote(const struct store_order *o, struct shop_quote *q);
/* Is name an order state? */
bool shop_state_known(const char *name);
/* The one label of an invoice number: "<series> <year>/<number 6 digits>". */
void shop_invoice_label(
    const char *series, int64_t year, int64_t number, char *out, size_t n);

/* A package of the catalog with its VAT. */
struct shop_package_view {
	const char *code, *name, *description;
	int64_t years, transactions, net_cents, vat_cents;
};
/* The active packages. */
enum pc_rc shop_packages_each(const struct pc_env *e,
    enum pc_rc (*fn)(void *arg, const struct shop_package_view *p), void *arg);

/* A document to download. */
struct shop_pdf {
	struct buf pdf;
	char filename[64];
};
/*
 * The order note (invoice false) or the invoice of user_id's order id, in
 * lang. order_not_found, order_state (no invoice yet). OUT: *out
 * (shop_pdf_cleanup).
 */
enum pc_rc shop_order_document(const struct pc_env *e, const char *user_id,
    const char *lang, const char *id, bool invoice, struct shop_pdf *out,
    struct pc_err *err);
void shop_pdf_cleanup(struct shop_pdf *p);

/*
 * A payment provider's notification as it arrived: verify its signature
 * (refused ones are logged and audited: signature_invalid), then apply it
 * (shop_notice_apply).
 */
enum pc_rc shop_notice_receive(const struct pc_env *e, const char *provider,
    const void *body, size_t len, const char *sig, bool *dup,
    struct pc_err *err);

#endif /* PC_SHOP_H */
