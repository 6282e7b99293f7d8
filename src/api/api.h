/*
 * api.h: the HTTP API of Pecete: the routes table (routes.c), the gate
 * that enforces each row's contract before the handler (api_gate.c), the
 * application state the handlers share, and the handlers.
 *
 * Handlers only translate: request -> one domain call (account, shop,
 * pki, ...) with a struct pc_env -> response. They never include a store
 * header, SQL, OpenSSL, MuPDF or the HSM (tools/checksrc.sh checks).
 * docs/internals/api.md says how to add a route.
 */
#ifndef PC_API_H
#define PC_API_H

#include "base/conf.h"
#include "http/http.h"

struct store;
struct pki;
struct signer_client;

struct app {
	const struct conf *conf;
	struct store *store;
	struct pki *pki;
	struct signer_client *signer;
	struct vault *vault;
	struct websign_pool *sign_pool;
	int64_t started_at;
};

/* The table (routes.c), handed to http_start. */
extern const struct route api_routes[];
extern const size_t api_nroutes;

/*
 * Fill o's routes, gate and error writer for the API (and the app). The
 * caller sets listen, threads, timeouts.
 */
void api_http_opts(struct app *app, struct http_opts *o);
/* Once per process, before any request: JSON memory is wiped when freed. */
void api_init(void);

/*
 * Is the row complete and coherent (auth, rate class, body mode with its
 * limit and schema, error family)? false with why.
 */
bool api_route_check(const struct route *rt, char *why, size_t n);
/* The table and the error registry as JSON text (malloc'd; NULL: ENOMEM). */
char *api_routes_json(void);
char *api_errors_json(void);

/* The gate (api_gate.c): the route row's contract, before the handler. */
enum pc_rc api_gate(struct req *r, struct resp *w);
/*
 * A handler's unanswered error: the request's refusal (api_err) or the
 * generic code of rc, in the route's error family (api_err.c).
 */
void api_fail_rc(struct req *r, struct resp *w, enum pc_rc rc);

/* Public trust services (api_pki.c). */
enum pc_rc api_healthz_get(struct req *r, struct resp *w);
enum pc_rc api_readyz_get(struct req *r, struct resp *w);
enum pc_rc api_metrics_get(struct req *r, struct resp *w);
enum pc_rc api_pki_file_get(struct req *r, struct resp *w);
enum pc_rc api_ocsp_get(struct req *r, struct resp *w);
enum pc_rc api_ocsp_post(struct req *r, struct resp *w);
enum pc_rc api_tsa_post(struct req *r, struct resp *w);

/* The legal texts (api_legal.c). */
enum pc_rc api_legal_page_get(struct req *r, struct resp *w);
enum pc_rc api_legal_get(struct req *r, struct resp *w);

/* The development outbox (api_dev.c): routes marked ROUTE_DEV. */
enum pc_rc api_dev_outbox_get(struct req *r, struct resp *w);
enum pc_rc api_dev_outbox_attachment_get(struct req *r, struct resp *w);
enum pc_rc api_dev_outbox_json_get(struct req *r, struct resp *w);

/* Sign-in (api_session.c). */
enum pc_rc api_session_get(struct req *r, struct resp *w);
enum pc_rc api_session_post(struct req *r, struct resp *w);
enum pc_rc api_session_delete(struct req *r, struct resp *w);
enum pc_rc api_session_totp_post(struct req *r, struct resp *w);
enum pc_rc api_session_defer_post(struct req *r, struct resp *w);

/* Accounts (api_account.c). */
enum pc_rc api_register_post(struct req *r, struct resp *w);
enum pc_rc api_activation_get(struct req *r, struct resp *w);
enum pc_rc api_activation_phone_post(struct req *r, struct resp *w);
enum pc_rc api_activation_code_post(struct req *r, struct resp *w);
enum pc_rc api_activation_password_post(struct req *r, struct resp *w);
enum pc_rc api_account_get(struct req *r, struct resp *w);
/* Privacy (api_privacy.c). */
enum pc_rc api_account_data_get(struct req *r, struct resp *w);
enum pc_rc api_admin_retention_get(struct req *r, struct resp *w);
/* api_inbox.c */
enum pc_rc api_contact_post(struct req *r, struct resp *w);
enum pc_rc api_validate_post(struct req *r, struct resp *w);
enum pc_rc api_rectification_post(struct req *r, struct resp *w);
enum pc_rc api_contact_file_post(struct req *r, struct resp *w);
enum pc_rc api_admin_inbox_get(struct req *r, struct resp *w);
enum pc_rc api_admin_inbox_one_get(struct req *r, struct resp *w);
enum pc_rc api_admin_inbox_file_get(struct req *r, struct resp *w);
enum pc_rc api_admin_inbox_answer_post(struct req *r, struct resp *w);
enum pc_rc api_account_export_get(struct req *r, struct resp *w);
enum pc_rc api_account_erasure_post(struct req *r, struct resp *w);
enum pc_rc api_password_strength_post(struct req *r, struct resp *w);
enum pc_rc api_account_password_post(struct req *r, struct resp *w);
enum pc_rc api_phone_email_code_post(struct req *r, struct resp *w);
enum pc_rc api_phone_email_verify_post(struct req *r, struct resp *w);
enum pc_rc api_phone_sms_code_post(struct req *r, struct resp *w);
enum pc_rc api_phone_sms_verify_post(struct req *r, struct resp *w);
enum pc_rc api_consents_get(struct req *r, struct resp *w);
enum pc_rc api_consents_post(struct req *r, struct resp *w);
enum pc_rc api_consents_withdraw_post(struct req *r, struct resp *w);
enum pc_rc api_account_lang_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_get(struct req *r, struct resp *w);
enum pc_rc api_recovery_sms_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_code_post(struct req *r, struct resp *w);
enum pc_rc api_recovery_password_post(struct req *r, struct resp *w);

/* The authenticator (api_totp.c). */
enum pc_rc api_totp_pairing_get(struct req *r, struct resp *w);
enum pc_rc api_account_phone_get(struct req *r, struct resp *w);
enum pc_rc api_totp_pairing_post(struct req *r, struct resp *w);
enum pc_rc api_totp_pairing_verify_post(struct req *r, struct resp *w);
enum pc_rc api_totp_qr_get(struct req *r, struct resp *w);
enum pc_rc api_totp_pairing_confirm_post(struct req *r, struct resp *w);
enum pc_rc api_totp_reset_post(struct req *r, struct resp *w);
enum pc_rc api_totp_reset_verify_post(struct req *r, struct resp *w);

/* The shop (api_shop.c, api_shop_sandbox.c). */
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

/* Identification (api_idv.c) and the RA console (api_ra.c). */
enum pc_rc api_issuance_get(struct req *r, struct resp *w);
enum pc_rc api_issuance_post(struct req *r, struct resp *w);
enum pc_rc api_issuance_phone_post(struct req *r, struct resp *w);
enum pc_rc api_issuance_terms_get(struct req *r, struct resp *w);
enum pc_rc api_certificates_get(struct req *r, struct resp *w);
enum pc_rc api_certificate_get(struct req *r, struct resp *w);
/* Suspension, resumption, revocation; the public registry (J16). */
enum pc_rc api_certificate_suspend_post(struct req *r, struct resp *w);
enum pc_rc api_certificate_resume_post(struct req *r, struct resp *w);
enum pc_rc api_certificate_revoke_post(struct req *r, struct resp *w);
enum pc_rc api_ra_cert_revoke_post(struct req *r, struct resp *w);
/* Renewal before the end (J10): the holder's and the operator's. */
enum pc_rc api_renewal_get(struct req *r, struct resp *w);
enum pc_rc api_renewal_post(struct req *r, struct resp *w);
enum pc_rc api_renewal_photo_post(struct req *r, struct resp *w);
enum pc_rc api_renewal_submit_post(struct req *r, struct resp *w);
enum pc_rc api_renewal_terms_get(struct req *r, struct resp *w);
enum pc_rc api_ra_renewals_get(struct req *r, struct resp *w);
enum pc_rc api_ra_renewal_get(struct req *r, struct resp *w);
enum pc_rc api_ra_renewal_photo_get(struct req *r, struct resp *w);
enum pc_rc api_ra_renewal_approve_post(struct req *r, struct resp *w);
enum pc_rc api_ra_renewal_reject_post(struct req *r, struct resp *w);
enum pc_rc api_registry_get(struct req *r, struct resp *w);
enum pc_rc api_registry_file_get(struct req *r, struct resp *w);
enum pc_rc api_registry_ca_get(struct req *r, struct resp *w);
enum pc_rc api_sign_batch_post(struct req *r, struct resp *w);
enum pc_rc api_sign_batch_get(struct req *r, struct resp *w);
enum pc_rc api_sign_file_post(struct req *r, struct resp *w);
enum pc_rc api_sign_file_delete(struct req *r, struct resp *w);
enum pc_rc api_sign_placement_post(struct req *r, struct resp *w);
enum pc_rc api_approf_get(struct req *r, struct resp *w);
/* The confirmation document for ANAF's SPV (api_confirm.c). */
enum pc_rc api_confirm_post(struct req *r, struct resp *w);
enum pc_rc api_confirm_get(struct req *r, struct resp *w);
enum pc_rc api_confirm_declaration_get(struct req *r, struct resp *w);
enum pc_rc api_confirm_sealed_get(struct req *r, struct resp *w);
enum pc_rc api_confirm_signed_post(struct req *r, struct resp *w);
enum pc_rc api_approf_post(struct req *r, struct resp *w);
enum pc_rc api_approf_image_post(struct req *r, struct resp *w);
enum pc_rc api_approf_delete(struct req *r, struct resp *w);
enum pc_rc api_sign_page_get(struct req *r, struct resp *w);
enum pc_rc api_sign_p7s_post(struct req *r, struct resp *w);
enum pc_rc api_sign_post(struct req *r, struct resp *w);
enum pc_rc api_sign_zip_get(struct req *r, struct resp *w);
enum pc_rc api_sign_output_get(struct req *r, struct resp *w);
enum pc_rc api_sign_history_get(struct req *r, struct resp *w);
enum pc_rc api_idv_get(struct req *r, struct resp *w);
enum pc_rc api_idv_post(struct req *r, struct resp *w);
enum pc_rc api_idv_step_post(struct req *r, struct resp *w);
enum pc_rc api_idv_phone_post(struct req *r, struct resp *w);
enum pc_rc api_idv_code_post(struct req *r, struct resp *w);
enum pc_rc api_idv_file_get(struct req *r, struct resp *w);
enum pc_rc api_idv_file_post(struct req *r, struct resp *w);
enum pc_rc api_idv_submit_post(struct req *r, struct resp *w);
enum pc_rc api_ra_cases_get(struct req *r, struct resp *w);
enum pc_rc api_ra_meta_get(struct req *r, struct resp *w);
enum pc_rc api_ra_case_get(struct req *r, struct resp *w);
enum pc_rc api_ra_file_get(struct req *r, struct resp *w);
enum pc_rc api_ra_evidence_get(struct req *r, struct resp *w);
enum pc_rc api_ra_claim_post(struct req *r, struct resp *w);
enum pc_rc api_ra_release_post(struct req *r, struct resp *w);
enum pc_rc api_ra_accept_post(struct req *r, struct resp *w);
enum pc_rc api_ra_reject_post(struct req *r, struct resp *w);
enum pc_rc api_ra_redo_post(struct req *r, struct resp *w);

/* The CSC API v1 and v2 (api_csc.c). */
enum pc_rc api_csc_info_post(struct req *r, struct resp *w);
enum pc_rc api_csc_login_post(struct req *r, struct resp *w);
enum pc_rc api_csc_revoke_post(struct req *r, struct resp *w);
enum pc_rc api_csc_list_post(struct req *r, struct resp *w);
enum pc_rc api_csc_cred_info_post(struct req *r, struct resp *w);
enum pc_rc api_csc_authorize_post(struct req *r, struct resp *w);
enum pc_rc api_csc_extend_post(struct req *r, struct resp *w);
enum pc_rc api_csc_sign_hash_post(struct req *r, struct resp *w);
enum pc_rc api_csc_timestamp_post(struct req *r, struct resp *w);
enum pc_rc api_csc_sign_doc_post(struct req *r, struct resp *w);

/* The OAuth2 authorization server (api_oauth.c). */
enum pc_rc api_oauth_metadata_get(struct req *r, struct resp *w);
enum pc_rc api_oauth_par_post(struct req *r, struct resp *w);
enum pc_rc api_oauth_authorize_get(struct req *r, struct resp *w);
enum pc_rc api_oauth_token_post(struct req *r, struct resp *w);
enum pc_rc api_oauth_revoke_post(struct req *r, struct resp *w);
enum pc_rc api_oauth_consent_get(struct req *r, struct resp *w);
enum pc_rc api_oauth_consent_post(struct req *r, struct resp *w);
enum pc_rc api_oauth_grants_get(struct req *r, struct resp *w);
enum pc_rc api_oauth_grant_revoke_post(struct req *r, struct resp *w);

/* The browser UI's files (api_static.c): the last rows of the table. */
enum pc_rc api_static_get(struct req *r, struct resp *w);

#endif /* PC_API_H */
