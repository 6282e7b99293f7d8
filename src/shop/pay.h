/*
 * pay.h: payment providers behind one interface. A provider starts a
 * payment (the URL the browser goes to), verifies a server-to-server
 * notification (signature, then what it says), queries and refunds.
 * The order flows (shop_order.c) call only this interface.
 */
#ifndef PC_PAY_H
#define PC_PAY_H

#include <stddef.h>
#include <stdint.h>

#include "base/conf.h"
#include "base/pc.h"
#include "store/store_shop.h"

#define PAY_PAID "paid"
#define PAY_DECLINED "declined"
#define PAY_STARTED "started" /* an attempt began (shop_order_pay) */
#define PAY_REFUNDED "refunded"
#define PAY_PENDING "pending" /* not final yet (3-D Secure, review) */

/* What a verified notification says. */
struct pay_notice {
	char order_id[STORE_ORDER_ID_LEN + 1];
	char status[24]; /* PAY_PAID, PAY_DECLINED */
	int64_t amount_bani;
	char currency[4]; /* "RON" */
	char ref[128];    /* the provider's payment reference */
};

struct pay_provider {
	const char *name;
	/* The URL the browser goes to (absolute or site-relative). */
	enum pc_rc (*start)(const struct conf *conf,
	    const struct store_order *o, char *url, size_t urllen);
	/*
	 * Verify body with its headers (sig: X-Sandbox-Signature or
	 * Verification-token). PC_EAUTH: bad signature; PC_EINVAL: malformed.
	 */
	enum pc_rc (*verify)(const struct conf *conf, const char *body,
	    size_t len, const char *sig, struct pay_notice *out);
	/* The provider's view of the payment: OUT n->status. */
	enum pc_rc (*query)(const struct conf *conf,
	    const struct store_order *o, struct pay_notice *n);
	enum pc_rc (*refund)(
	    const struct conf *conf, const struct store_order *o);
};

/* The provider by name ("sandbox", "netopia"), NULL when unknown. */
const struct pay_provider *pay_provider_get(const char *name);

/* ---- the sandbox (pay_sandbox.c) ------------------------------------- */

enum sandbox_card {
	SANDBOX_CARD_OK,
	SANDBOX_CARD_DECLINE,
	SANDBOX_CARD_3DS,
	SANDBOX_CARD_UNKNOWN,
};

/* Which test card number (spaces ignored). */
enum sandbox_card pay_sandbox_card(const char *number);
/* hex(HMAC-SHA256(key of [shop] sandbox_key_file, body)), 65 bytes. */
enum pc_rc pay_sandbox_sign(
    const struct conf *conf, const char *body, size_t len, char hex[65]);
/*
 * Send the signed notification {order, status, amount_bani, currency,
 * ref} to our own /api/v1/payments/sandbox/notify from a detached thread
 * (it happens even when the browser goes away).
 */
enum pc_rc pay_sandbox_notify_async(const struct conf *conf,
    const char *order_id, const char *status, int64_t amount_bani);

/* ---- Netopia (pay_netopia.c) -------------------------------------------- */

extern const struct pay_provider pay_netopia;
extern const struct pay_provider pay_sandbox;

#define NETOPIA_BODY_MAX (64 * 1024) /* IPN body and API answers */
#define NETOPIA_TOKEN_MAX 8192       /* the Verification-token header */
#define NETOPIA_LEEWAY_S 120         /* clock skew allowed on exp/iat/nbf */
#define NETOPIA_ISSUER "NETOPIA Payments"

/* Why a Verification-token was refused (each case distinct, for the log). */
enum netopia_tok {
	NETOPIA_TOK_OK = 0,
	NETOPIA_TOK_MALFORMED, /* not 3 base64url parts, bad JSON, missing claim
	                        */
	NETOPIA_TOK_TOO_BIG,   /* token or body over its limit */
	NETOPIA_TOK_ALG,       /* alg is not RS512 ("none", HS512, ...) */
	NETOPIA_TOK_KEY,       /* our configured public key is unusable */
	NETOPIA_TOK_SIGNATURE, /* the RS512 signature does not verify */
	NETOPIA_TOK_EXPIRED,   /* exp is past (beyond the leeway) */
	NETOPIA_TOK_NOT_YET,   /* iat or nbf is in the future */
	NETOPIA_TOK_ISSUER,    /* iss is not "NETOPIA Payments" */
	NETOPIA_TOK_AUDIENCE,  /* aud is not our POS signature */
	NETOPIA_TOK_BODY,      /* sub is not base64(SHA-512(body)) */
	NETOPIA_TOK_NO_TIME,   /* exp or iat is missing: no replay window */
};

/*
 * Check a Netopia IPN Verification-token (a JWT, RS512) against the
 * PEM public key (SubjectPublicKeyInfo or certificate, pemlen bytes), our
 * POS signature (the audience), the raw body and now (clock_now()).
 */
enum netopia_tok pay_netopia_token_check(const char *pem, size_t pemlen,
    const char *pos_signature, const char *token, const char *body, size_t len,
    int64_t now);
/* A short fixed name of t ("signature", "expired", ...). */
const char *pay_netopia_token_name(enum netopia_tok t);
/* bani as Netopia's decimal amount "64.25" (n >= 24). */
enum pc_rc pay_netopia_amount_format(int64_t bani, char *out, size_t n);
/* Netopia's JSON amount (a number with at most 2 decimals) as bani. */
enum pc_rc pay_netopia_amount_parse(double v, int64_t *bani);
/* Netopia's payment.status to PAY_PAID/DECLINED/PENDING/REFUNDED, or NULL. */
const char *pay_netopia_status_map(long long status);

#endif /* PC_PAY_H */
