/*
 * api_shop.h: what the shop handlers (api_shop.c, api_shop_sandbox.c,
 * api_shop_docs.c) share.
 */
#ifndef PC_API_SHOP_H
#define PC_API_SHOP_H

#include <jansson.h>

#include "api/api.h"
#include "store/store_shop.h"

/* Answer a shop error code (table in api_shop.c), else http_error(rc). */
enum pc_rc api_shop_error(
    struct resp *w, enum pc_rc rc, const char *code, const char *field);
/* The ShopOrder object of docs/api.yaml (admin: with e-mail, user id). */
json_t *api_shop_order_json(
    struct req *r, const struct store_order *o, bool admin);

/* Is the sandbox payment provider on (dev mode + provider sandbox)? */
bool api_sandbox_on(const struct conf *c);

#endif /* PC_API_SHOP_H */
