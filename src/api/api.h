/*
 * api.h: the handlers behind the routes table, and the application state
 * they share. Handlers call the layers below (pki, store, signer client);
 * they never touch SQL, OpenSSL, MuPDF or the HSM directly.
 */
#ifndef PC_API_H
#define PC_API_H

#include "base/conf.h"
#include "http/http.h"
#include "pki/pki.h"
#include "signer/signer.h"
#include "store/store.h"

struct app {
	const struct conf *conf;
	struct store *store;
	struct pki *pki;
	struct signer_client *signer;
	int64_t started_at;
};

/* The router's authorize hook (api_auth.c): sessions, CSRF, limits. */
enum pc_rc api_authorize(
    struct req *r, const struct route *route, struct resp *w);

/* Public trust services (api_pki.c). */
enum pc_rc api_healthz_get(struct req *r, struct resp *w);
enum pc_rc api_pki_file_get(struct req *r, struct resp *w);
enum pc_rc api_ocsp_get(struct req *r, struct resp *w);
enum pc_rc api_ocsp_post(struct req *r, struct resp *w);
enum pc_rc api_tsa_post(struct req *r, struct resp *w);

/* The development outbox (api_dev.c): 404 unless [server] dev_mode. */
enum pc_rc api_dev_outbox_get(struct req *r, struct resp *w);
enum pc_rc api_dev_outbox_attachment_get(struct req *r, struct resp *w);
enum pc_rc api_dev_outbox_json_get(struct req *r, struct resp *w);

/* Accounts and sign-in (api_session.c, api_account.c, api_totp.c). */
enum pc_rc api_session_get(struct req *r, struct resp *w);
enum pc_rc api_session_post(struct req *r, struct resp *w);
enum pc_rc api_session_delete(struct req *r, struct resp *w);
enum pc_rc api_session_totp_post(struct req *r, struct resp *w);
enum pc_rc api_session_defer_post(struct req *r, struct resp *w);
enum pc_rc api_register_post(struct req *r, struct resp *w);
enum pc_rc api_activation_get(struct req *r, struct resp *w);
enum pc_rc api_activation_phone_post(struct req *r, struct resp *w);
enum pc_rc api_activation_code_post(struct req *r, struct resp *w);
enum pc_rc api_activation_password_post(struct req *r, struct resp *w);
enum pc_rc api_account_get(struct req *r, struct resp *w);
enum pc_rc api_account_password_post(struct req *r, struct resp *w);
enum pc_rc api_phone_email_code_post(struct req *r, struct resp *w);
enum pc_rc api_phone_email_verify_post(struct req *r, struct resp *w);
enum pc_rc api_phone_sms_code_post(struct req *r, struct resp *w);
enum pc_rc api_phone_sms_verify_post(struct req *r, struct resp *w);
enum pc_rc api_consents_get(struct req *r, struct resp *w);
enum pc_rc api_consents_post(struct req *r, struct resp *w);
enum pc_rc api_totp_pairing_post(struct req *r, struct resp *w);
enum pc_rc api_totp_pairing_verify_post(struct req *r, struct resp *w);
enum pc_rc api_totp_qr_get(struct req *r, struct resp *w);
enum pc_rc api_totp_pairing_confirm_post(struct req *r, struct resp *w);
enum pc_rc api_totp_reset_post(struct req *r, struct resp *w);
enum pc_rc api_totp_reset_verify_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_get(struct req *r, struct resp *w);
enum pc_rc api_recovery_sms_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_code_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_password_post(struct req *r, struct resp *w);

/* The shop (api_shop.c, api_shop_sandbox.c; issue 5). */
enum pc_rc api_shop_packages_get(struct req *r, struct resp *w);
enum pc_rc api_shop_quote_post(struct req *r, struct resp *w);
enum pc_rc api_shop_orders_get(struct req *r, struct resp *w);
enum pc_rc api_shop_orders_post(struct req *r, struct resp *w);
enum pc_rc api_shop_order_get(struct req *r, struct resp *w);
enum pc_rc api_shop_order_pay_post(struct req *r, struct resp *w);
enum pc_rc api_shop_order_cancel_post(struct req *r, struct resp *w);
enum pc_rc api_shop_invoice_pdf_get(struct req *r, struct resp *w);
enum pc_rc api_shop_note_pdf_get(struct req *r, struct resp *w);
enum pc_rc api_payments_sandbox_notify_post(struct req *r, struct resp *w);
enum pc_rc api_payments_netopia_ipn_post(struct req *r, struct resp *w);
enum pc_rc api_sandbox_pay_get(struct req *r, struct resp *w);
enum pc_rc api_sandbox_pay_post(struct req *r, struct resp *w);
enum pc_rc api_admin_orders_get(struct req *r, struct resp *w);
enum pc_rc api_admin_order_refund_post(struct req *r, struct resp *w);

/* The browser UI's files (api_static.c): the last rows of the table. */
enum pc_rc api_static_get(struct req *r, struct resp *w);

#endif /* PC_API_H */
