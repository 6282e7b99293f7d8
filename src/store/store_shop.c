/*
 * store_shop.c: the shop tables (see store_shop.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/store_shop.h"

/*
 * Prepare sql and bind the arguments described by fmt: 't' a string (NULL
 * binds NULL), 'i' an int64_t. OUT: *out.
 */
static enum pc_rc
prep(struct db *db, struct db_stmt **out, const char *sql, const char *fmt, ...)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	va_list ap;
	int i;

	*out = NULL;
	rc = db_prepare(db, sql, &st);
	if (rc != PC_OK)
		return rc;
	va_start(ap, fmt);
	for (i = 0; rc == PC_OK && fmt[i] != '\0'; i++) {
		if (fmt[i] == 't') {
			const char *s = va_arg(ap, const char *);

			rc = s != NULL ? db_bind_text(st, i + 1, s)
			               : db_bind_null(st, i + 1);
		} else {
			rc = db_bind_i64(st, i + 1, va_arg(ap, int64_t));
		}
	}
	va_end(ap);
	if (rc != PC_OK) {
		db_stmt_free(st);
		return rc;
	}
	*out = st;
	return PC_OK;
}

/* Step a statement without result rows; *changes when not NULL. */
static enum pc_rc
run(struct db_stmt *st, int64_t *changes)
{
	enum pc_rc rc;
	bool row;

	rc = db_step(st, &row);
	while (rc == PC_OK && row)
		rc = db_step(st, &row);
	if (rc == PC_OK && changes != NULL)
		*changes = db_changes(st);
	db_stmt_free(st);
	return rc;
}

static char *
dup_col(struct db_stmt *st, int col)
{
	const char *s = db_col_text(st, col);

	return strdup(s != NULL ? s : "");
}

static void
copy_col(struct db_stmt *st, int col, char *out, size_t n)
{
	const char *s = db_col_text(st, col);

	snprintf(out, n, "%s", s != NULL ? s : "");
}

/* ---- packages -------------------------------------------------------- */

#define PKG_COLS                                                               \
	"code, name, years, transactions, net_cents, description, "            \
	"active, sort"

static enum pc_rc
pkg_read(struct db_stmt *st, struct store_package *p)
{
	memset(p, 0, sizeof(*p));
	copy_col(st, 0, p->code, sizeof(p->code));
	p->name = dup_col(st, 1);
	p->years = db_col_i64(st, 2);
	p->transactions = db_col_i64(st, 3);
	p->net_cents = db_col_i64(st, 4);
	p->description = dup_col(st, 5);
	p->active = db_col_i64(st, 6) != 0;
	p->sort = db_col_i64(st, 7);
	if (p->name == NULL || p->description == NULL) {
		store_package_cleanup(p);
		return PC_ENOMEM;
	}
	return PC_OK;
}

void
store_package_cleanup(struct store_package *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->description);
	p->name = p->description = NULL;
}

enum pc_rc
store_shop_package_get(struct db *db, const char *code, struct store_package *p)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc = prep(db, &st,
	    "SELECT " PKG_COLS " FROM shop_packages WHERE code = $1", "t",
	    code);
	if (rc != PC_OK)
		return rc;
	rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc == PC_OK)
		rc = pkg_read(st, p);
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_shop_package_put(struct db *db, const struct store_package *p)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "INSERT INTO shop_packages (" PKG_COLS ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
	    "ON CONFLICT (code) DO UPDATE SET name = $2, years = $3, "
	    "transactions = $4, net_cents = $5, description = $6, "
	    "active = $7, sort = $8",
	    "ttiiitii", p->code, p->name, p->years, p->transactions,
	    p->net_cents, p->description, (int64_t)(p->active ? 1 : 0),
	    p->sort);
	if (rc != PC_OK)
		return rc;
	return run(st, NULL);
}

enum pc_rc
store_shop_package_each(struct db *db, bool inactive_too,
    enum pc_rc (*fn)(void *arg, const struct store_package *p), void *arg)
{
	struct store_package p;
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc = prep(db, &st,
	    "SELECT " PKG_COLS " FROM shop_packages WHERE active = 1 OR $1 = 1 "
	    "ORDER BY sort, code",
	    "i", (int64_t)(inactive_too ? 1 : 0));
	if (rc != PC_OK)
		return rc;
	for (;;) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		rc = pkg_read(st, &p);
		if (rc != PC_OK)
			break;
		rc = fn(arg, &p);
		store_package_cleanup(&p);
		if (rc != PC_OK)
			break;
	}
	db_stmt_free(st);
	return rc;
}

/* ---- promo codes ------------------------------------------------------- */

#define PROMO_COLS                                                             \
	"code, kind, value, valid_from, valid_to, max_uses, used, "            \
	"packages, active, created_at"

static enum pc_rc
promo_read(struct db_stmt *st, struct store_promo *p)
{
	memset(p, 0, sizeof(*p));
	copy_col(st, 0, p->code, sizeof(p->code));
	p->kind = dup_col(st, 1);
	p->value = db_col_i64(st, 2);
	p->valid_from = db_col_i64(st, 3);
	p->valid_to = db_col_i64(st, 4);
	p->max_uses = db_col_i64(st, 5);
	p->used = db_col_i64(st, 6);
	p->packages = dup_col(st, 7);
	p->active = db_col_i64(st, 8) != 0;
	p->created_at = db_col_i64(st, 9);
	if (p->kind == NULL || p->packages == NULL) {
		store_promo_cleanup(p);
		return PC_ENOMEM;
	}
	return PC_OK;
}

void
store_promo_cleanup(struct store_promo *p)
{
	if (p == NULL)
		return;
	free(p->kind);
	free(p->packages);
	p->kind = p->packages = NULL;
}

enum pc_rc
store_shop_promo_add(struct db *db, const struct store_promo *p)
{
	struct db_stmt *st = NULL;
	int64_t n = 0;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "INSERT INTO shop_promos (" PROMO_COLS ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 1, $8) "
	    "ON CONFLICT (code) DO NOTHING",
	    "ttiiiiti", p->code, p->kind, p->value, p->valid_from, p->valid_to,
	    p->max_uses, p->packages != NULL ? p->packages : "", p->created_at);
	if (rc != PC_OK)
		return rc;
	rc = run(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_EEXIST;
	return rc;
}

enum pc_rc
store_shop_promo_get(struct db *db, const char *code, struct store_promo *p)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc = prep(db, &st,
	    "SELECT " PROMO_COLS " FROM shop_promos WHERE code = $1", "t",
	    code);
	if (rc != PC_OK)
		return rc;
	rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc == PC_OK)
		rc = promo_read(st, p);
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_shop_promo_each(struct db *db,
    enum pc_rc (*fn)(void *arg, const struct store_promo *p), void *arg)
{
	struct store_promo p;
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc = prep(db, &st,
	    "SELECT " PROMO_COLS " FROM shop_promos ORDER BY created_at, code",
	    "");
	if (rc != PC_OK)
		return rc;
	for (;;) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		rc = promo_read(st, &p);
		if (rc != PC_OK)
			break;
		rc = fn(arg, &p);
		store_promo_cleanup(&p);
		if (rc != PC_OK)
			break;
	}
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_shop_promo_disable(struct db *db, const char *code)
{
	struct db_stmt *st = NULL;
	int64_t n = 0;
	enum pc_rc rc;

	rc = prep(db, &st, "UPDATE shop_promos SET active = 0 WHERE code = $1",
	    "t", code);
	if (rc != PC_OK)
		return rc;
	rc = run(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_ENOTFOUND;
	return rc;
}

enum pc_rc
store_shop_promo_use(struct db *db, const char *code)
{
	struct db_stmt *st = NULL;
	int64_t n = 0;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "UPDATE shop_promos SET used = used + 1 WHERE code = $1 "
	    "AND (max_uses = 0 OR used < max_uses)",
	    "t", code);
	if (rc != PC_OK)
		return rc;
	rc = run(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_ELIMIT;
	return rc;
}

/* ---- FX rates -------------------------------------------------------- */

enum pc_rc
store_fx_put(struct db *db, const char *day, int64_t eur_e4, int64_t fetched_at)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "INSERT INTO fx_rates (day, eur_e4, fetched_at) VALUES ($1, $2, "
	    "$3) "
	    "ON CONFLICT (day) DO UPDATE SET eur_e4 = $2, fetched_at = $3",
	    "tii", day, eur_e4, fetched_at);
	if (rc != PC_OK)
		return rc;
	return run(st, NULL);
}

enum pc_rc
store_fx_latest(
    struct db *db, char day[11], int64_t *eur_e4, int64_t *fetched_at)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc = prep(db, &st,
	    "SELECT day, eur_e4, fetched_at FROM fx_rates "
	    "ORDER BY day DESC LIMIT 1",
	    "");
	if (rc != PC_OK)
		return rc;
	rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc == PC_OK) {
		copy_col(st, 0, day, 11);
		*eur_e4 = db_col_i64(st, 1);
		*fetched_at = db_col_i64(st, 2);
	}
	db_stmt_free(st);
	return rc;
}

/* ---- orders ---------------------------------------------------------- */

#define ORDER_COLS                                                             \
	"o.id, o.number, o.user_id, o.state, o.package, COALESCE(o.promo, "    \
	"''), "                                                                \
	"o.list_cents, o.discount_cents, o.net_cents, o.vat_bp, o.vat_cents, " \
	"o.total_cents, o.rate_e4, o.rate_day, o.rate_fallback, "              \
	"o.total_bani, o.invoice_data, o.accepted_at, o.marketing, "           \
	"COALESCE(o.provider, ''), COALESCE(o.provider_ref, ''), "             \
	"o.created_at, o.updated_at, COALESCE(o.paid_at, 0), "                 \
	"COALESCE(i.series, ''), COALESCE(i.year, 0), COALESCE(i.number, 0), " \
	"COALESCE(i.issued_at, 0), u.email "                                   \
	"FROM shop_orders o JOIN users u ON u.id = o.user_id "                 \
	"LEFT JOIN shop_invoices i ON i.order_id = o.id "

static enum pc_rc
order_read(struct db_stmt *st, struct store_order *o)
{
	memset(o, 0, sizeof(*o));
	copy_col(st, 0, o->id, sizeof(o->id));
	copy_col(st, 1, o->number, sizeof(o->number));
	copy_col(st, 2, o->user_id, sizeof(o->user_id));
	copy_col(st, 3, o->state, sizeof(o->state));
	copy_col(st, 4, o->package, sizeof(o->package));
	copy_col(st, 5, o->promo, sizeof(o->promo));
	o->list_cents = db_col_i64(st, 6);
	o->discount_cents = db_col_i64(st, 7);
	o->net_cents = db_col_i64(st, 8);
	o->vat_bp = db_col_i64(st, 9);
	o->vat_cents = db_col_i64(st, 10);
	o->total_cents = db_col_i64(st, 11);
	o->rate_e4 = db_col_i64(st, 12);
	copy_col(st, 13, o->rate_day, sizeof(o->rate_day));
	o->rate_fallback = db_col_i64(st, 14) != 0;
	o->total_bani = db_col_i64(st, 15);
	o->invoice_data = dup_col(st, 16);
	o->accepted_at = db_col_i64(st, 17);
	o->marketing = db_col_i64(st, 18) != 0;
	copy_col(st, 19, o->provider, sizeof(o->provider));
	copy_col(st, 20, o->provider_ref, sizeof(o->provider_ref));
	o->created_at = db_col_i64(st, 21);
	o->updated_at = db_col_i64(st, 22);
	o->paid_at = db_col_i64(st, 23);
	copy_col(st, 24, o->inv_series, sizeof(o->inv_series));
	o->inv_year = db_col_i64(st, 25);
	o->inv_number = db_col_i64(st, 26);
	o->inv_issued_at = db_col_i64(st, 27);
	o->email = dup_col(st, 28);
	if (o->invoice_data == NULL || o->email == NULL) {
		store_order_cleanup(o);
		return PC_ENOMEM;
	}
	return PC_OK;
}

void
store_order_cleanup(struct store_order *o)
{
	if (o == NULL)
		return;
	free(o->invoice_data);
	free(o->email);
	o->invoice_data = o->email = NULL;
}

enum pc_rc
store_shop_order_insert(struct db *db, const struct store_order *o)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "INSERT INTO shop_orders (id, number, user_id, state, package, "
	    "promo, list_cents, discount_cents, net_cents, vat_bp, vat_cents, "
	    "total_cents, rate_e4, rate_day, rate_fallback, total_bani, "
	    "invoice_data, accepted_at, marketing, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
	    "$14, $15, $16, $17, $18, $19, $20, $20)",
	    "ttttttiiiiiiitiitiii", o->id, o->number, o->user_id, o->state,
	    o->package, o->promo[0] != '\0' ? o->promo : NULL, o->list_cents,
	    o->discount_cents, o->net_cents, o->vat_bp, o->vat_cents,
	    o->total_cents, o->rate_e4, o->rate_day,
	    (int64_t)(o->rate_fallback ? 1 : 0), o->total_bani, o->invoice_data,
	    o->accepted_at, (int64_t)(o->marketing ? 1 : 0), o->created_at);
	if (rc != PC_OK)
		return rc;
	return run(st, NULL);
}

enum pc_rc
store_shop_order_get(struct db *db, const char *id, struct store_order *o)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	memset(o, 0, sizeof(*o));
	rc = prep(db, &st, "SELECT " ORDER_COLS "WHERE o.id = $1", "t", id);
	if (rc != PC_OK)
		return rc;
	rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc == PC_OK)
		rc = order_read(st, o);
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_shop_order_each(struct db *db, const struct store_order_filter *f,
    enum pc_rc (*fn)(void *arg, const struct store_order *o), void *arg)
{
	struct store_order o;
	struct db_stmt *st = NULL;
	char *like = NULL;
	enum pc_rc rc;
	bool row;

	if (f->q != NULL && f->q[0] != '\0') {
		size_t n = strlen(f->q) + 3;

		like = malloc(n);
		if (like == NULL)
			return PC_ENOMEM;
		snprintf(like, n, "%%%s%%", f->q);
	}
	rc = prep(db, &st,
	    "SELECT " ORDER_COLS
	    "WHERE ($1 = '' OR o.user_id = $1) AND ($2 = '' OR o.state = $2) "
	    "AND ($3 = 0 OR o.created_at >= $3) "
	    "AND ($4 = 0 OR o.created_at < $4) "
	    "AND ($5 = '' OR o.number LIKE $5 OR u.email LIKE $5 "
	    "OR o.invoice_data LIKE $5) "
	    "ORDER BY o.created_at DESC, o.number DESC LIMIT $6",
	    "ttiiti", f->user_id != NULL ? f->user_id : "",
	    f->state != NULL ? f->state : "", f->from, f->to,
	    like != NULL ? like : "", f->limit > 0 ? f->limit : (int64_t)200);
	free(like);
	if (rc != PC_OK)
		return rc;
	for (;;) {
		rc = db_step(st, &row);
		if (rc != PC_OK || !row)
			break;
		rc = order_read(st, &o);
		if (rc != PC_OK)
			break;
		rc = fn(arg, &o);
		store_order_cleanup(&o);
		if (rc != PC_OK)
			break;
	}
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_shop_order_set_state(struct db *db, const char *id, const char *from,
    const char *to, const char *provider, const char *ref, int64_t paid_at,
    int64_t now)
{
	struct db_stmt *st = NULL;
	int64_t n = 0;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "UPDATE shop_orders SET state = $3, "
	    "provider = COALESCE($4, provider), "
	    "provider_ref = COALESCE($5, provider_ref), "
	    "paid_at = CASE WHEN $6 = 0 THEN paid_at ELSE $6 END, "
	    "updated_at = $7 WHERE id = $1 AND state = $2",
	    "tttttii", id, from, to, provider, ref, paid_at, now);
	if (rc != PC_OK)
		return rc;
	rc = run(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_ESTATE;
	return rc;
}

/* ---- payments and invoices --------------------------------------------- */

enum pc_rc
store_shop_payment_last(struct db *db, const char *order_id, char *status,
    size_t nstatus, char *provider, size_t nprovider)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc = prep(db, &st,
	    "SELECT status, provider FROM shop_payments WHERE order_id = $1 "
	    "ORDER BY at DESC LIMIT 1",
	    "t", order_id);
	if (rc != PC_OK)
		return rc;
	rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc == PC_OK) {
		copy_col(st, 0, status, nstatus);
		copy_col(st, 1, provider, nprovider);
	}
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_shop_payment_add(struct db *db, const char *provider, const char *ref,
    const char *status, const char *order_id, int64_t amount_bani,
    const char *currency, int64_t at)
{
	struct db_stmt *st = NULL;
	int64_t n = 0;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "INSERT INTO shop_payments (provider, ref, status, order_id, "
	    "amount_bani, currency, at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
	    "ON CONFLICT (provider, ref, status) DO NOTHING",
	    "ttttiti", provider, ref, status, order_id, amount_bani, currency,
	    at);
	if (rc != PC_OK)
		return rc;
	rc = run(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_EEXIST;
	return rc;
}

enum pc_rc
store_shop_invoice_insert(struct db *db, const char *order_id,
    const char *series, int64_t year, int64_t number, int64_t at)
{
	struct db_stmt *st = NULL;
	int64_t n = 0;
	enum pc_rc rc;

	rc = prep(db, &st,
	    "INSERT INTO shop_invoices (order_id, series, year, number, "
	    "issued_at) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (order_id) DO NOTHING",
	    "ttiii", order_id, series, year, number, at);
	if (rc != PC_OK)
		return rc;
	rc = run(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_EEXIST;
	return rc;
}

/* ---- roles ------------------------------------------------------------- */

enum pc_rc
store_user_role_get(
    struct db *db, const char *user_id, char *role, size_t rolelen)
{
	struct db_stmt *st = NULL;
	enum pc_rc rc;
	bool row;

	rc =
	    prep(db, &st, "SELECT role FROM users WHERE id = $1", "t", user_id);
	if (rc != PC_OK)
		return rc;
	rc = db_step(st, &row);
	if (rc == PC_OK && !row)
		rc = PC_ENOTFOUND;
	if (rc == PC_OK)
		copy_col(st, 0, role, rolelen);
	db_stmt_free(st);
	return rc;
}

enum pc_rc
store_user_role_set(struct db *db, const char *email, const char *role)
{
	struct db_stmt *st = NULL;
	int64_t n = 0;
	enum pc_rc rc;

	rc = prep(db, &st, "UPDATE users SET role = $2 WHERE email = $1", "tt",
	    email, role);
	if (rc != PC_OK)
		return rc;
	rc = run(st, &n);
	if (rc == PC_OK && n == 0)
		rc = PC_ENOTFOUND;
	return rc;
}
