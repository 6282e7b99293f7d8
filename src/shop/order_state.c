/*
 * order_state.c: the order state machine, in one place. Every change of
 * state is checked against this table inside the transaction that writes
 * it (store_shop_order_transition), with a conditional UPDATE.
 */
#include <string.h>

#include "base/log.h"
#include "shop/shop.h"

static const char *const names[SHOP_STATE_COUNT] = {
	[SHOP_CREATED] = "created",
	[SHOP_AWAITING_PAYMENT] = "awaiting_payment",
	[SHOP_PAID] = "paid",
	[SHOP_FULFILLED] = "fulfilled",
	[SHOP_CANCELLED] = "cancelled",
	[SHOP_REFUNDED] = "refunded",
};

/* allowed[from][to]. */
static const bool allowed[SHOP_STATE_COUNT][SHOP_STATE_COUNT] = {
	[SHOP_CREATED] = { [SHOP_AWAITING_PAYMENT] = true,
	    [SHOP_CANCELLED] = true },
	/* A declined payment stays awaiting_payment (retry). */
	[SHOP_AWAITING_PAYMENT] = { [SHOP_AWAITING_PAYMENT] = true,
	    [SHOP_PAID] = true,
	    [SHOP_CANCELLED] = true },
	[SHOP_PAID] = { [SHOP_FULFILLED] = true, [SHOP_REFUNDED] = true },
};

const char *
shop_state_name(enum shop_state st)
{
	if ((int)st < 0 || st >= SHOP_STATE_COUNT)
		return "unknown";
	return names[st];
}

enum pc_rc
shop_state_parse(const char *name, enum shop_state *st)
{
	int i;

	if (name == NULL)
		return PC_EINVAL;
	for (i = 0; i < SHOP_STATE_COUNT; i++) {
		if (strcmp(names[i], name) == 0) {
			*st = (enum shop_state)i;
			return PC_OK;
		}
	}
	return PC_EINVAL;
}

bool
shop_state_allowed(enum shop_state from, enum shop_state to)
{
	if ((int)from < 0 || from >= SHOP_STATE_COUNT || (int)to < 0 ||
	    to >= SHOP_STATE_COUNT)
		return false;
	return allowed[from][to];
}

/*
 * The one way an order changes state: the table above, then a conditional
 * UPDATE (WHERE state = from) in the caller's transaction. PC_ESTATE when
 * the transition is not allowed or the order is no longer in from.
 */
enum pc_rc
shop_order_transition(struct db *db, const char *id, enum shop_state from,
    enum shop_state to, const char *provider, const char *ref, int64_t paid_at,
    int64_t now)
{
	if (!shop_state_allowed(from, to)) {
		log_info("shop: order %s: %s -> %s refused", id,
		    shop_state_name(from), shop_state_name(to));
		return PC_ESTATE;
	}
	return store_shop_order_set_state(db, id, shop_state_name(from),
	    shop_state_name(to), provider, ref, paid_at, now);
}
