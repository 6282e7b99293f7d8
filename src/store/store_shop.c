/*
 * store_shop.c: the shop tables (see store_shop.h).
 *
 * Rows go through the column tables below (store_row.h). An order is read
 * with its invoice and its user's e-mail (a join); NULL provider, promo
 * and invoice columns read as "" and 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_row.h"
#include "store/store_shop.h"

#define T struct store_package
static const struct store_col pkg_col[] = {
	STORE_COL(T, code, COL_TEXT, 0),
	STORE_COL(T, name, COL_STR, 0),
	STORE_COL(T, years, COL_I64, 0),
	STORE_COL(T, transactions, COL_I64, 0),
	STORE_COL(T, net_cents, COL_I64, 0),
	STORE_COL(T, description, COL_STR, 0),
	STORE_COL(T, active, COL_BOOL, 0),
	STORE_COL(T, sort, COL_I64, 0),
};
static const struct store_cols pkg_cols =
    STORE_COLS(T, "shop_packages", NULL, NULL, pkg_col);
STORE_ROW_EACH_FN(pkg, T)
#undef T

#define T struct store_promo
static const struct store_col promo_col[] = {
	STORE_COL(T, code, COL_TEXT, 0),
	STORE_COL(T, kind, COL_STR, 0),
	STORE_COL(T, value, COL_I64, 0),
	STORE_COL(T, valid_from, COL_I64, 0),
	STORE_COL(T, valid_to, COL_I64, 0),
	STORE_COL(T, max_uses, COL_I64, 0),
	STORE_COL(T, used, COL_I64, COL_RO),
	STORE_COL(T, packages, COL_STR, 0),
	STORE_COL(T, active, COL_BOOL, COL_RO),
	STORE_COL(T, created_at, COL_I64, 0),
};
static const struct store_cols promo_cols =
    STORE_COLS(T, "shop_promos", NULL, NULL, promo_col);
STORE_ROW_EACH_FN(promo, T)
#undef T

#define T struct store_order
static const struct store_col order_col[] = {
	STORE_COL(T, id, COL_TEXT, 0),
	STORE_COL(T, number, COL_TEXT, 0),
	STORE_COL(T, user_id, COL_TEXT, 0),
	STORE_COL(T, state, COL_TEXT, 0),
	STORE_COL(T, package, COL_TEXT, 0),
	STORE_COL(T, promo, COL_TEXT, COL_NULL0),
	STORE_COL(T, list_cents, COL_I64, 0),
	STORE_COL(T, discount_cents, COL_I64, 0),
	STORE_COL(T, net_cents, COL_I64, 0),
	STORE_COL(T, vat_bp, COL_I64, 0),
	STORE_COL(T, vat_cents, COL_I64, 0),
	STORE_COL(T, total_cents, COL_I64, 0),
	STORE_COL(T, rate_e4, COL_I64, 0),
	STORE_COL(T, rate_day, COL_TEXT, 0),
	STORE_COL(T, rate_fallback, COL_BOOL, 0),
	STORE_COL(T, total_bani, COL_I64, 0),
	STORE_COL(T, invoice_data, COL_STR, 0),
	STORE_COL(T, accepted_at, COL_I64, 0),
	STORE_COL(T, marketing, COL_BOOL, 0),
	STORE_COL(T, provider, COL_TEXT, COL_RO),
	STORE_COL(T, provider_ref, COL_TEXT, COL_RO),
	STORE_COL(T, created_at, COL_I64, 0),
	STORE_COL(T, updated_at, COL_I64, COL_RO),
	STORE_COLX(T, created_at, COL_I64, COL_WO, "updated_at", NULL),
	STORE_COL(T, paid_at, COL_I64, COL_RO),
	STORE_COLX(T, inv_series, COL_TEXT, COL_RO, "series", "i.series"),
	STORE_COLX(T, inv_year, COL_I64, COL_RO, "year", "i.year"),
	STORE_COLX(T, inv_number, COL_I64, COL_RO, "number", "i.number"),
	STORE_COLX(
	    T, inv_issued_at, COL_I64, COL_RO, "issued_at", "i.issued_at"),
	STORE_COLX(T, email, COL_STR, COL_RO, "email", "u.email"),
};
static const struct store_cols order_cols = STORE_COLS(T, "shop_orders",
    "shop_orders o JOIN users u ON u.id = o.user_id "
    "LEFT JOIN shop_invoices i ON i.order_id = o.id",
    "o", order_col);
STORE_ROW_EACH_FN(order, T)
#undef T

/* What store_fx_latest, _payment_last and store_user_role_get read. */
struct fx_row {
	char day[11];
	int64_t eur_e4, fetched_at;
};
static const struct store_col fx_col[] = {
	STORE_COL(struct fx_row, day, COL_TEXT, 0),
	STORE_COL(struct fx_row, eur_e4, COL_I64, 0),
	STORE_COL(struct fx_row, fetched_at, COL_I64, 0),
};
static const struct store_cols fx_cols =
    STORE_COLS(struct fx_row, "fx_rates", NULL, NULL, fx_col);

struct pay_row {
	char status[64], provider[64];
};
static const struct store_col pay_col[] = {
	STORE_COL(struct pay_row, status, COL_TEXT, 0),
	STORE_COL(struct pay_row, provider, COL_TEXT, 0),
};
static const struct store_cols pay_cols =
    STORE_COLS(struct pay_row, "shop_payments", NULL, NULL, pay_col);

struct role_row {
	char role[64];
};
static const struct store_col role_col[] = {
	STORE_COL(struct role_row, role, COL_TEXT, 0),
};
static const struct store_cols role_cols =
    STORE_COLS(struct role_row, "users", NULL, NULL, role_col);

/* ---- packages -------------------------------------------------------- */

/* Free the strings of p and zero it; NULL is a no-op. */
void
store_package_cleanup(struct store_package *p)
{
	store_row_cleanup(&pkg_cols, p);
}

/* The package with this code. OUT: *p (store_package_cleanup). */
enum pc_rc
store_shop_package_get(struct db *db, const char *code, struct store_package *p)
{
	return store_row_get(db, &pkg_cols, p, "WHERE code = $1", "s", code);
}

/* Insert or replace a package (copied). */
enum pc_rc
store_shop_package_put(struct db *db, const struct store_package *p)
{
	return store_row_insert(db, &pkg_cols, p,
	    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
	    "years = excluded.years, transactions = excluded.transactions, "
	    "net_cents = excluded.net_cents, "
	    "description = excluded.description, active = excluded.active, "
	    "sort = excluded.sort");
}

/* The (active) packages in order, to fn. */
enum pc_rc
store_shop_package_each(struct db *db, bool inactive_too,
    enum pc_rc (*fn)(void *arg, const struct store_package *p), void *arg)
{
	struct pkg_each e = { fn, arg };
	struct store_package p;

	return store_row_each(db, &pkg_cols, &p, pkg_each_call, &e,
	    "WHERE active = 1 OR $1 = 1 ORDER BY sort, code", "i",
	    (int64_t)inactive_too);
}

/* ---- promo codes ------------------------------------------------------- */

/* Free the strings of p and zero it; NULL is a no-op. */
void
store_promo_cleanup(struct store_promo *p)
{
	store_row_cleanup(&promo_cols, p);
}

/* Add an active, unused promo code; PC_EEXIST when the code exists. */
enum pc_rc
store_shop_promo_add(struct db *db, const struct store_promo *p)
{
	static char every[] = "";
	struct store_promo w = *p;

	if (w.packages == NULL)
		w.packages = every;
	return store_row_insert(
	    db, &promo_cols, &w, "ON CONFLICT (code) DO NOTHING");
}

/* The promo code. OUT: *p (store_promo_cleanup). */
enum pc_rc
store_shop_promo_get(struct db *db, const char *code, struct store_promo *p)
{
	return store_row_get(
	    db, &promo_cols, p, "WHERE UPPER(code) = UPPER($1)", "s", code);
}

/* Every promo code, oldest first, to fn. */
enum pc_rc
store_shop_promo_each(struct db *db,
    enum pc_rc (*fn)(void *arg, const struct store_promo *p), void *arg)
{
	struct promo_each e = { fn, arg };
	struct store_promo p;

	return store_row_each(db, &promo_cols, &p, promo_each_call, &e,
	    "ORDER BY created_at, code", "");
}

/* Disable a promo code; PC_ENOTFOUND when absent. */
enum pc_rc
store_shop_promo_disable(struct db *db, const char *code)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE shop_promos SET active = 0 WHERE code = $1", "s", code);
}

/* Count one use, in one conditional UPDATE; PC_ELIMIT at the limit. */
enum pc_rc
store_shop_promo_use(struct db *db, const char *code)
{
	return store_q_change(db, PC_ELIMIT,
	    "UPDATE shop_promos SET used = used + 1 WHERE code = $1 "
	    "AND (max_uses = 0 OR used < max_uses)",
	    "s", code);
}

/* ---- FX rates -------------------------------------------------------- */

/* Insert or replace the rate of a day. */
enum pc_rc
store_fx_put(struct db *db, const char *day, int64_t eur_e4, int64_t fetched_at)
{
	return store_q_run(db, NULL,
	    "INSERT INTO fx_rates (day, eur_e4, fetched_at) "
	    "VALUES ($1, $2, $3) "
	    "ON CONFLICT (day) DO UPDATE SET eur_e4 = $2, fetched_at = $3",
	    "sii", day, eur_e4, fetched_at);
}

/* The latest rate. OUT: day, *eur_e4, *fetched_at. */
enum pc_rc
store_fx_latest(
    struct db *db, char day[11], int64_t *eur_e4, int64_t *fetched_at)
{
	struct fx_row r;
	enum pc_rc rc;

	rc = store_row_get(db, &fx_cols, &r, "ORDER BY day DESC LIMIT 1", "");
	if (rc == PC_OK) {
		memcpy(day, r.day, sizeof(r.day));
		*eur_e4 = r.eur_e4;
		*fetched_at = r.fetched_at;
	}
	return rc;
}

/* ---- orders ---------------------------------------------------------- */

/* Free the strings of o and zero it; NULL is a no-op. */
void
store_order_cleanup(struct store_order *o)
{
	store_row_cleanup(&order_cols, o);
}

/* Insert a new order (copied; "" promo is none). */
enum pc_rc
store_shop_order_insert(struct db *db, const struct store_order *o)
{
	return store_row_insert(db, &order_cols, o, NULL);
}

/* The order with its invoice and e-mail. OUT: *o (store_order_cleanup). */
enum pc_rc
store_shop_order_get(struct db *db, const char *id, struct store_order *o)
{
	return store_row_get(db, &order_cols, o, "WHERE o.id = $1", "s", id);
}

/* The orders that match f, newest first, to fn. */
enum pc_rc
store_shop_order_each(struct db *db, const struct store_order_filter *f,
    enum pc_rc (*fn)(void *arg, const struct store_order *o), void *arg)
{
	struct order_each e = { fn, arg };
	struct store_order o;
	char *like = NULL;
	enum pc_rc rc;

	if (f->q != NULL && f->q[0] != '\0') {
		size_t n = strlen(f->q) + 3;

		like = malloc(n);
		if (like == NULL)
			return PC_ENOMEM;
		snprintf(like, n, "%%%s%%", f->q);
	}
	rc = store_row_each(db, &order_cols, &o, order_each_call, &e,
	    "WHERE ($1 = '' OR o.user_id = $1) AND ($2 = '' OR o.state = $2) "
	    "AND ($3 = 0 OR o.created_at >= $3) "
	    "AND ($4 = 0 OR o.created_at < $4) "
	    "AND ($5 = '' OR o.number LIKE $5 OR u.email LIKE $5 "
	    "OR o.invoice_data LIKE $5) "
	    "ORDER BY o.created_at DESC, o.number DESC LIMIT $6",
	    "ssiisi", f->user_id != NULL ? f->user_id : "",
	    f->state != NULL ? f->state : "", f->from, f->to,
	    like != NULL ? like : "", f->limit > 0 ? f->limit : (int64_t)200);
	free(like);
	return rc;
}

/* Move an order from one state to another; see store_shop.h. */
enum pc_rc
store_shop_order_set_state(struct db *db, const char *id, const char *from,
    const char *to, const char *provider, const char *ref, int64_t paid_at,
    int64_t now)
{
	return store_q_change(db, PC_ESTATE,
	    "UPDATE shop_orders SET state = $3, "
	    "provider = COALESCE($4, provider), "
	    "provider_ref = COALESCE($5, provider_ref), "
	    "paid_at = CASE WHEN $6 = 0 THEN paid_at ELSE $6 END, "
	    "updated_at = $7 WHERE id = $1 AND state = $2",
	    "sssssii", id, from, to, provider, ref, paid_at, now);
}

/* ---- payments and invoices --------------------------------------------- */

/* The newest notification of an order. OUT: status, provider. */
enum pc_rc
store_shop_payment_last(struct db *db, const char *order_id, char *status,
    size_t nstatus, char *provider, size_t nprovider)
{
	struct pay_row r;
	enum pc_rc rc;

	rc = store_row_get(db, &pay_cols, &r,
	    "WHERE order_id = $1 ORDER BY at DESC, seq DESC LIMIT 1", "s",
	    order_id);
	if (rc == PC_OK) {
		snprintf(status, nstatus, "%s", r.status);
		snprintf(provider, nprovider, "%s", r.provider);
	}
	return rc;
}

/* Record a notification once; PC_EEXIST when it was recorded. */
enum pc_rc
store_shop_payment_add(struct db *db, const char *provider, const char *ref,
    const char *status, const char *order_id, int64_t amount_bani,
    const char *currency, int64_t at)
{
	return store_q_change(db, PC_EEXIST,
	    "INSERT INTO shop_payments (provider, ref, status, order_id, "
	    "amount_bani, currency, at, seq) VALUES ($1, $2, $3, $4, $5, $6, "
	    "$7, (SELECT COALESCE(MAX(seq), 0) + 1 FROM shop_payments "
	    "WHERE order_id = $4)) "
	    "ON CONFLICT (provider, ref, status) DO NOTHING",
	    "ssssisi", provider, ref, status, order_id, amount_bani, currency,
	    at);
}

/* The invoice of an order; PC_EEXIST when it has one. */
enum pc_rc
store_shop_invoice_insert(struct db *db, const char *order_id,
    const char *series, int64_t year, int64_t number, int64_t at)
{
	return store_q_change(db, PC_EEXIST,
	    "INSERT INTO shop_invoices (order_id, series, year, number, "
	    "issued_at) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (order_id) DO NOTHING",
	    "ssiii", order_id, series, year, number, at);
}

/* ---- roles ------------------------------------------------------------- */

/* The role of a user. OUT: role (rolelen bytes). */
enum pc_rc
store_user_role_get(
    struct db *db, const char *user_id, char *role, size_t rolelen)
{
	struct role_row r;
	enum pc_rc rc;

	rc = store_row_get(db, &role_cols, &r, "WHERE id = $1", "s", user_id);
	if (rc == PC_OK)
		snprintf(role, rolelen, "%s", r.role);
	return rc;
}

/* Set the role of the user with this e-mail. */
enum pc_rc
store_user_role_set(struct db *db, const char *email, const char *role)
{
	return store_q_change(db, PC_ENOTFOUND,
	    "UPDATE users SET role = $2 WHERE email = $1", "ss", email, role);
}
