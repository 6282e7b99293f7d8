/*
 * store_shop.h: typed functions of the shop tables (migration 5):
 * shop_packages, shop_promos, fx_rates, shop_orders, shop_payments,
 * shop_invoices, and users.role. Rules live in src/shop; this file only
 * reads and writes rows. Invoices have no UPDATE path: they are immutable.
 */
#ifndef PC_STORE_SHOP_H
#define PC_STORE_SHOP_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_CODE_MAX 32
#define STORE_ORDER_ID_LEN 24

struct store_package {
	char code[STORE_CODE_MAX + 1];
	char *name;
	int64_t years, transactions, net_cents;
	char *description;
	bool active;
	int64_t sort;
};

struct store_promo {
	char code[STORE_CODE_MAX + 1];
	char *kind; /* "percent" (bp) or "fixed" (cents) */
	int64_t value;
	int64_t valid_from, valid_to; /* [from, to) */
	int64_t max_uses;             /* 0: unlimited */
	int64_t used;
	char *packages; /* comma list, "" = every package */
	bool active;
	int64_t created_at;
};

struct store_order {
	char id[STORE_ORDER_ID_LEN + 1];
	char number[32];
	char user_id[64];
	char state[24];
	char package[STORE_CODE_MAX + 1];
	char promo[STORE_CODE_MAX + 1]; /* "" when none */
	int64_t list_cents, discount_cents, net_cents, vat_bp, vat_cents,
	    total_cents;
	int64_t rate_e4;
	char rate_day[11];
	bool rate_fallback;
	int64_t total_bani;
	char *invoice_data; /* JSON text */
	int64_t accepted_at;
	bool marketing;
	char provider[16]; /* "" before payment starts */
	char provider_ref[128];
	int64_t created_at, updated_at, paid_at;
	/* The invoice (inv_number 0 when none). */
	char inv_series[16];
	int64_t inv_year, inv_number, inv_issued_at;
	char *email; /* the user's e-mail (store_shop_order_each) */
};

struct store_order_filter {
	const char *user_id; /* NULL: every user */
	const char *state;   /* NULL: any */
	int64_t from, to;    /* created_at in [from, to); 0: open */
	const char *q;       /* substring of number, e-mail, invoice data */
	int64_t limit;       /* 0: 200 */
};

/* Packages. store_package_cleanup frees the strings. */
enum pc_rc store_shop_package_get(
    struct db *db, const char *code, struct store_package *p);
enum pc_rc store_shop_package_put(struct db *db, const struct store_package *p);
enum pc_rc store_shop_package_each(struct db *db, bool inactive_too,
    enum pc_rc (*fn)(void *arg, const struct store_package *p), void *arg);
void store_package_cleanup(struct store_package *p);

/* Promo codes: add (PC_EEXIST), get, each, disable, use (PC_ELIMIT when
 * the usage limit is reached: one conditional UPDATE). */
enum pc_rc store_shop_promo_add(struct db *db, const struct store_promo *p);
enum pc_rc store_shop_promo_get(
    struct db *db, const char *code, struct store_promo *p);
enum pc_rc store_shop_promo_each(struct db *db,
    enum pc_rc (*fn)(void *arg, const struct store_promo *p), void *arg);
enum pc_rc store_shop_promo_disable(struct db *db, const char *code);
enum pc_rc store_shop_promo_use(struct db *db, const char *code);
void store_promo_cleanup(struct store_promo *p);

/* FX: the EUR rate of a feed day; the latest one (PC_ENOTFOUND). */
enum pc_rc store_fx_put(
    struct db *db, const char *day, int64_t eur_e4, int64_t fetched_at);
enum pc_rc store_fx_latest(
    struct db *db, char day[11], int64_t *eur_e4, int64_t *fetched_at);

/* Orders. */
enum pc_rc store_shop_order_insert(struct db *db, const struct store_order *o);
enum pc_rc store_shop_order_get(
    struct db *db, const char *id, struct store_order *o);
enum pc_rc store_shop_order_each(struct db *db,
    const struct store_order_filter *f,
    enum pc_rc (*fn)(void *arg, const struct store_order *o), void *arg);
/*
 * UPDATE ... SET state = to WHERE id = $id AND state = from: PC_ESTATE
 * when the order is not (or no longer) in from. provider/ref NULL: kept.
 * paid_at 0: kept.
 */
enum pc_rc store_shop_order_set_state(struct db *db, const char *id,
    const char *from, const char *to, const char *provider, const char *ref,
    int64_t paid_at, int64_t now);
void store_order_cleanup(struct store_order *o);

/* A provider notification, once per (provider, ref, status): PC_EEXIST. */
/*
 * The newest payment notification of an order: its status ("paid",
 * "declined", ...) and provider. PC_ENOTFOUND when there is none.
 */
enum pc_rc store_shop_payment_last(struct db *db, const char *order_id,
    char *status, size_t nstatus, char *provider, size_t nprovider);
enum pc_rc store_shop_payment_add(struct db *db, const char *provider,
    const char *ref, const char *status, const char *order_id,
    int64_t amount_bani, const char *currency, int64_t at);

/* The invoice of an order (no update path). PC_EEXIST when it exists. */
enum pc_rc store_shop_invoice_insert(struct db *db, const char *order_id,
    const char *series, int64_t year, int64_t number, int64_t at);

/* users.role: "user", "operator", "admin". */
enum pc_rc store_user_role_get(
    struct db *db, const char *user_id, char *role, size_t rolelen);
enum pc_rc store_user_role_set(
    struct db *db, const char *email, const char *role);

#endif /* PC_STORE_SHOP_H */
