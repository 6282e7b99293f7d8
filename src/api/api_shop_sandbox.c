/*
 * api_shop_sandbox.c: the sandbox provider's hosted card page. Plain HTML
 * with a form POST (no script; strict CSP). The result goes to our own
 * notification endpoint server-to-server (pay_sandbox_notify_async), then
 * the browser is redirected to /shop/return?order=ID.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "base/log.h"
#include "shop/pay.h"
#include "shop/shop.h"

#define SANDBOX_3DS_CODE "123456"
#define SANDBOX_CSP                                                            \
	"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "  \
	"frame-ancestors 'none'; base-uri 'none'"

static bool
id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > STORE_ORDER_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)id[i]))
			return false;
	return true;
}

static enum pc_rc
page(struct req *r, struct resp *w, int status, const char *body)
{
	const char *html = arena_printf(&r->arena,
	    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>Sandbox payment</title><style>body{font-family:sans-serif;"
	    "max-width:28em;margin:2em auto;padding:0 1em}label,input,button"
	    "{display:block;width:100%%;box-sizing:border-box;margin:.4em 0;"
	    "font-size:1.1em}"
	    "</style></head><body><h1>Sandbox payment</h1>"
	    "<p>Test provider: no money moves.</p>%s</body></html>",
	    body);

	if (html == NULL)
		return PC_ENOMEM;
	http_resp_bytes(
	    w, status, "text/html; charset=utf-8", html, strlen(html));
	http_resp_header(w, "Content-Security-Policy", SANDBOX_CSP);
	http_resp_header(w, "Cache-Control", "no-store");
	return PC_OK;
}

/*
 * The order, when it is waiting for a sandbox payment: PC_OK with *o
 * filled (store_order_cleanup). Any other result has written the answer
 * (404/409 page) or is an error for the router; *o is then empty.
 */
static enum pc_rc
payable(struct req *r, struct resp *w, const char *id, struct store_order *o)
{
	enum pc_rc rc;

	memset(o, 0, sizeof(*o));
	rc = id_ok(id) ? shop_order_get(api_env(r), NULL, id, o) : PC_ENOTFOUND;
	if (rc == PC_ENOTFOUND) {
		/* The answer is written; the caller must stop here. */
		return page(r, w, 404, "<p>No such payment.</p>") == PC_OK
		           ? PC_ENOTFOUND
		           : PC_ENOMEM;
	}
	if (rc != PC_OK)
		return rc;
	if (strcmp(o->state, "awaiting_payment") != 0 ||
	    strcmp(o->provider, "sandbox") != 0) {
		store_order_cleanup(o);
		page(r, w, 409,
		    "<p>This order is not waiting for a payment.</p>");
		return PC_ESTATE;
	}
	return PC_OK;
}

static const char *
card_form(struct req *r, const struct store_order *o, const char *msg)
{
	char amt[32];

	snprintf(amt, sizeof(amt), "%lld.%02lld RON",
	    (long long)(o->total_bani / 100), (long long)(o->total_bani % 100));
	return arena_printf(&r->arena,
	    "<p>Order %s: <strong>%s</strong></p>%s"
	    "<form method=\"post\" action=\"/sandbox/pay/%s\">"
	    "<label for=\"card\">Card number</label>"
	    "<input id=\"card\" name=\"card\" inputmode=\"numeric\" "
	    "autocomplete=\"cc-number\" required>"
	    "<button type=\"submit\">Pay</button></form>"
	    "<p>4111 1111 1111 1111 pays; 4000 0000 0000 0002 is declined; "
	    "4000 0000 0000 3220 asks a 3-D Secure code (123456).</p>",
	    o->number, amt, msg, o->id);
}

/* The sandbox exists only in development mode with the sandbox provider
 * (its routes are ROUTE_SANDBOX: the gate answers 404 otherwise). */
bool
api_sandbox_on(const struct conf *c)
{
	return c->server.dev_mode && c->shop.provider != NULL &&
	       strcmp(c->shop.provider, "sandbox") == 0;
}

enum pc_rc
api_sandbox_pay_get(struct req *r, struct resp *w)
{
	struct store_order o = { 0 };
	enum pc_rc rc;

	rc = payable(r, w, r->params[0], &o);
	if (rc != PC_OK)
		return rc == PC_ENOMEM || rc == PC_EDB ? rc : PC_OK;
	rc = page(r, w, 200, card_form(r, &o, ""));
	store_order_cleanup(&o);
	return rc;
}

enum pc_rc
api_sandbox_pay_post(struct req *r, struct resp *w)
{
	struct store_order o = { 0 };
	const char *card, *code, *status = PAY_PAID;
	enum sandbox_card c;
	enum pc_rc rc;

	rc = payable(r, w, r->params[0], &o);
	if (rc != PC_OK)
		return rc == PC_ENOMEM || rc == PC_EDB ? rc : PC_OK;
	card = api_form(r, "card");
	code = api_form(r, "code");
	c = pay_sandbox_card(card);
	if (c == SANDBOX_CARD_UNKNOWN) {
		rc = page(r, w, 200,
		    card_form(
		        r, &o, "<p role=\"alert\">Unknown test card.</p>"));
		goto out;
	}
	if (c == SANDBOX_CARD_3DS && code == NULL) {
		rc = page(r, w, 200,
		    arena_printf(&r->arena,
		        "<h2>3-D Secure</h2><p>Enter the code sent by your "
		        "bank (sandbox: 123456).</p>"
		        "<form method=\"post\" action=\"/sandbox/pay/%s\">"
		        "<input type=\"hidden\" name=\"card\" "
		        "value=\"4000000000003220\">"
		        "<label for=\"code\">Code</label><input id=\"code\" "
		        "name=\"code\" inputmode=\"numeric\" "
		        "autocomplete=\"one-time-code\" required>"
		        "<button type=\"submit\">Confirm</button></form>",
		        o.id));
		goto out;
	}
	if (c == SANDBOX_CARD_DECLINE ||
	    (c == SANDBOX_CARD_3DS && strcmp(code, SANDBOX_3DS_CODE) != 0))
		status = PAY_DECLINED;
	rc = pay_sandbox_notify_async(r->app->conf, o.id, status, o.total_bani);
	if (rc != PC_OK) {
		log_warnx("req=%s sandbox: notification not sent (%s)",
		    r->req_id, pc_rc_str(rc));
		goto out;
	}
	log_info("req=%s sandbox: order %s %s", r->req_id, o.number, status);
	http_resp_bytes(w, 303, "text/plain", "", 0);
	http_resp_header(w, "Location",
	    arena_printf(&r->arena, "/shop/return?order=%s", o.id));
	http_resp_header(w, "Cache-Control", "no-store");
out:
	store_order_cleanup(&o);
	return rc;
}
