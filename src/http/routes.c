/*
 * routes.c: every HTTP route of Pecete, in one table.
 *
 * A unit test walks this table: each route has a handler, a known auth
 * flag and a body limit, and is described in docs/api.yaml.
 */
#include "api/api.h"
#include "http/http.h"

/* RFC 6960 and RFC 3161 requests are small; bigger ones are refused. */
#define PKI_REQ_MAX (64 * 1024)
/* Account requests are small JSON objects. */
#define ACCT_BODY (8 * 1024)
/* Shop requests and payment notifications are small too. */
#define SHOP_BODY (16 * 1024)

const struct route http_routes[] = {
	{ "GET", "/healthz", api_healthz_get, AUTH_NONE, 0 },
	{ "GET", "/pki/:file", api_pki_file_get, AUTH_NONE, 0 },
	{ "GET", "/ocsp/*", api_ocsp_get, AUTH_NONE, 0 },
	{ "POST", "/ocsp", api_ocsp_post, AUTH_NONE, PKI_REQ_MAX },
	{ "POST", "/tsa", api_tsa_post, AUTH_NONE, PKI_REQ_MAX },
	/* Development outbox: the handlers answer 404 unless dev_mode. */
	{ "GET", "/dev/outbox", api_dev_outbox_get, AUTH_NONE, 0 },
	{ "GET", "/dev/outbox.json", api_dev_outbox_json_get, AUTH_NONE, 0 },
	/* Accounts and sign-in (issue 4); docs/api.yaml has the contract. */
	{ "GET", "/api/v1/session", api_session_get, AUTH_NONE, 0 },
	{ "POST", "/api/v1/session", api_session_post, AUTH_NONE, ACCT_BODY },
	{ "DELETE", "/api/v1/session", api_session_delete, AUTH_NONE, 0 },
	{ "POST", "/api/v1/session/totp", api_session_totp_post, AUTH_NONE,
	    ACCT_BODY },
	{ "POST", "/api/v1/session/twofa-defer", api_session_defer_post,
	    AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/register", api_register_post, AUTH_NONE, ACCT_BODY },
	{ "GET", "/api/v1/activation/:token", api_activation_get, AUTH_NONE,
	    0 },
	{ "POST", "/api/v1/activation/:token/phone", api_activation_phone_post,
	    AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/activation/:token/code", api_activation_code_post,
	    AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/activation/:token/password",
	    api_activation_password_post, AUTH_NONE, ACCT_BODY },
	{ "GET", "/api/v1/account", api_account_get, AUTH_USER, 0 },
	{ "POST", "/api/v1/account/password", api_account_password_post,
	    AUTH_USER, ACCT_BODY },
	{ "POST", "/api/v1/account/phone/email-code", api_phone_email_code_post,
	    AUTH_USER, ACCT_BODY },
	{ "POST", "/api/v1/account/phone/email-code/verify",
	    api_phone_email_verify_post, AUTH_USER, ACCT_BODY },
	{ "POST", "/api/v1/account/phone/sms-code", api_phone_sms_code_post,
	    AUTH_USER, ACCT_BODY },
	{ "POST", "/api/v1/account/phone/sms-code/verify",
	    api_phone_sms_verify_post, AUTH_USER, ACCT_BODY },
	/* Session in any state; the handlers check which (partial sign-in). */
	{ "GET", "/api/v1/consents", api_consents_get, AUTH_NONE, 0 },
	{ "POST", "/api/v1/consents", api_consents_post, AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/totp/pairing", api_totp_pairing_post, AUTH_NONE,
	    ACCT_BODY },
	{ "POST", "/api/v1/totp/pairing/verify", api_totp_pairing_verify_post,
	    AUTH_NONE, ACCT_BODY },
	{ "GET", "/api/v1/totp/qr.png", api_totp_qr_get, AUTH_NONE, 0 },
	{ "POST", "/api/v1/totp/pairing/confirm", api_totp_pairing_confirm_post,
	    AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/totp/reset", api_totp_reset_post, AUTH_NONE,
	    ACCT_BODY },
	{ "POST", "/api/v1/totp/reset/verify", api_totp_reset_verify_post,
	    AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/recovery", api_recovery_post, AUTH_NONE, ACCT_BODY },
	{ "GET", "/api/v1/recovery/:token", api_recovery_get, AUTH_NONE, 0 },
	{ "POST", "/api/v1/recovery/:token/sms", api_recovery_sms_post,
	    AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/recovery/:token/code", api_recovery_code_post,
	    AUTH_NONE, ACCT_BODY },
	{ "POST", "/api/v1/recovery/:token/password",
	    api_recovery_password_post, AUTH_NONE, ACCT_BODY },
	/* The shop (issue 5); docs/api.yaml has the contract. */
	{ "GET", "/api/v1/shop/packages", api_shop_packages_get, AUTH_NONE, 0 },
	{ "POST", "/api/v1/shop/quote", api_shop_quote_post, AUTH_NONE,
	    SHOP_BODY },
	{ "GET", "/api/v1/shop/orders", api_shop_orders_get, AUTH_USER, 0 },
	{ "POST", "/api/v1/shop/orders", api_shop_orders_post, AUTH_USER,
	    SHOP_BODY },
	{ "GET", "/api/v1/shop/orders/:id", api_shop_order_get, AUTH_USER, 0 },
	{ "POST", "/api/v1/shop/orders/:id/pay", api_shop_order_pay_post,
	    AUTH_USER, SHOP_BODY },
	{ "POST", "/api/v1/shop/orders/:id/cancel", api_shop_order_cancel_post,
	    AUTH_USER, SHOP_BODY },
	{ "GET", "/api/v1/shop/orders/:id/invoice.pdf",
	    api_shop_invoice_pdf_get, AUTH_USER, 0 },
	{ "GET", "/api/v1/shop/orders/:id/note.pdf", api_shop_note_pdf_get,
	    AUTH_USER, 0 },
	{ "POST", "/api/v1/payments/sandbox/notify",
	    api_payments_sandbox_notify_post, AUTH_WEBHOOK, SHOP_BODY },
	{ "POST", "/api/v1/payments/netopia/ipn", api_payments_netopia_ipn_post,
	    AUTH_WEBHOOK, SHOP_BODY },
	{ "GET", "/sandbox/pay/:id", api_sandbox_pay_get, AUTH_NONE, 0 },
	{ "POST", "/sandbox/pay/:id", api_sandbox_pay_post, AUTH_NONE,
	    SHOP_BODY },
	{ "GET", "/api/v1/admin/orders", api_admin_orders_get, AUTH_OPERATOR,
	    0 },
	{ "POST", "/api/v1/admin/orders/:id/refund",
	    api_admin_order_refund_post, AUTH_OPERATOR, SHOP_BODY },
	/* Development outbox attachments (404 unless dev_mode). */
	{ "GET", "/dev/outbox/:id/attachments/:n",
	    api_dev_outbox_attachment_get, AUTH_NONE, 0 },
	/* Last: the web UI's files; first match wins. */
	{ "GET", "/", api_static_get, AUTH_NONE, 0 },
	{ "GET", "/*", api_static_get, AUTH_NONE, 0 },
};

const size_t http_nroutes = sizeof(http_routes) / sizeof(http_routes[0]);
