/*
 * routes.c: every HTTP route of Pecete, in one table: each row is the
 * request's whole contract (http/http.h struct route): method, pattern,
 * handler, auth level, flags, rate class, body mode and limit, the JSON
 * schema of the body, the error family. The gate (api_gate.c) enforces
 * the row before the handler runs; tests/unit/test_routes.c checks every
 * row is complete and agrees with docs/api.yaml. docs/internals/api.md
 * shows how to add one.
 */
#include "api/api_int.h"
#include "csc/csc.h"
#include "inbox/inbox.h"
#include "lifecycle/renewal.h"
#include "signing/signing.h"
#include "signing/signing_web.h"
#include "validate/validate.h"

/* RFC 6960 and RFC 3161 requests are small; bigger ones are refused. */
#define PKI_BODY (64 * 1024)
/* Account requests are small JSON objects. */
#define ACCT_BODY (8 * 1024)
/* Shop requests and payment notifications are small too. */
#define SHOP_BODY (16 * 1024)
/* A piece of an identification's recording; the submission's JSON. */
#define IDV_PIECE (1024 * 1024)
#define IDV_BODY (24 * 1024)

/* Bounds of string members (bytes); the domain checks the meaning. */
#define INBOX_BODY (20 * 1024)
#define S_NAME 400
#define S_EMAIL 320
#define S_PHONE 32
#define S_CODE 16
#define S_PW 1024
#define S_TOKEN 128
#define S_SHORT 64
#define S_TEXT 500

/* ---- request schemas ------------------------------------------------- */

/* The CSC API (v1 and v2 field names; api_csc.c). 100 hashes of base64
 * SHA-512 and the members around them fit. */
#define CSC_BODY (64 * 1024)
/* An OAuth2 form: 100 hashes with their labels in authorization_details. */
#define OAUTH_BODY (64 * 1024)
#define S_B64 128
#define S_OID 64
API_SCHEMA(s_csc_info, API_STR("lang", S_SHORT));
API_SCHEMA(s_csc_login, API_BOOL("rememberMe"), API_STR("clientData", S_TEXT));
API_SCHEMA(s_csc_revoke, API_STR_REQ("token", S_TOKEN),
    API_STR("token_type_hint", S_SHORT), API_STR("clientData", S_TEXT));
API_SCHEMA(s_csc_list, API_STR("userID", S_TOKEN), API_BOOL("credentialInfo"),
    API_STR("certificates", S_SHORT), API_BOOL("certInfo"),
    API_BOOL("authInfo"), API_BOOL("onlyValid"), API_STR("lang", S_SHORT),
    API_INT("maxResults", 1, 1000), API_STR("pageToken", S_TOKEN),
    API_STR("clientData", S_TEXT), API_BOOL("authentication"));
API_SCHEMA(s_csc_cred_info, API_STR_REQ("credentialID", S_TOKEN),
    API_STR("certificates", S_SHORT), API_BOOL("certInfo"),
    API_BOOL("authInfo"), API_STR("lang", S_SHORT),
    API_STR("clientData", S_TEXT));
API_SCHEMA(
    s_csc_auth_data, API_STR_REQ("id", S_SHORT), API_STR_REQ("value", S_CODE));
API_SCHEMA(s_csc1_authorize, API_STR_REQ("credentialID", S_TOKEN),
    API_INT("numSignatures", 0, 100000), API_ARR("hash", 0, 100000),
    API_STR("PIN", S_CODE), API_STR("OTP", S_CODE),
    API_STR("description", S_TEXT), API_STR("clientData", S_TEXT));
API_SCHEMA(s_csc2_authorize, API_STR_REQ("credentialID", S_TOKEN),
    API_INT("numSignatures", 0, 100000), API_ARR("hashes", 0, 100000),
    API_STR("hashAlgorithmOID", S_OID),
    API_ARR_OBJ("authData", 0, 4, s_csc_auth_data),
    API_STR("description", S_TEXT), API_STR("clientData", S_TEXT));
API_SCHEMA(s_csc1_extend, API_STR_REQ("credentialID", S_TOKEN),
    API_STR_REQ("SAD", S_TOKEN), API_ARR("hash", 0, 100000),
    API_STR("clientData", S_TEXT));
API_SCHEMA(s_csc2_extend, API_STR_REQ("credentialID", S_TOKEN),
    API_STR_REQ("SAD", S_TOKEN), API_ARR("hashes", 0, 100000),
    API_STR("hashAlgorithmOID", S_OID), API_STR("clientData", S_TEXT));
API_SCHEMA(s_csc1_sign_hash, API_STR_REQ("credentialID", S_TOKEN),
    API_STR("SAD", S_TOKEN), API_ARR("hash", 0, 100000),
    API_STR("hashAlgo", S_OID), API_STR_REQ("signAlgo", S_OID),
    API_STR("signAlgoParams", S_TEXT), API_STR("clientData", S_TEXT));
API_SCHEMA(s_csc2_sign_hash, API_STR_REQ("credentialID", S_TOKEN),
    API_STR("SAD", S_TOKEN), API_ARR("hashes", 0, 100000),
    API_STR("hashAlgorithmOID", S_OID), API_STR_REQ("signAlgo", S_OID),
    API_STR("signAlgoParams", S_TEXT), API_STR("operationMode", S_SHORT),
    API_INT("validity_period", 0, INT64_MAX), API_STR("response_uri", S_TEXT),
    API_STR("clientData", S_TEXT));
/* signDoc: up to CSC_DOCS_MAX documents of CSC_DOC_MAX_BYTES each (base64:
 * 4/3), CSC_DOCS_TOTAL_BYTES in all, and one documentDigests entry. */
#define CSC_DOC_BODY (CSC_DOCS_TOTAL_BYTES / 3 * 4 + 64 * 1024)
API_SCHEMA(s_csc2_doc, API_STR_REQ("document", CSC_DOC_MAX_BYTES / 3 * 4 + 4),
    API_STR_REQ("signature_format", S_SHORT),
    API_STR("conformance_level", S_SHORT), API_STR_REQ("signAlgo", S_OID),
    API_STR("signAlgoParams", S_TEXT),
    API_STR("signed_envelope_property", S_SHORT));
API_SCHEMA(s_csc2_doc_digests, API_ARR("hashes", 1, CSC_HASHES_MAX),
    API_STR_REQ("hashAlgorithmOID", S_OID),
    API_STR_REQ("signature_format", S_SHORT),
    API_STR("conformance_level", S_SHORT), API_STR_REQ("signAlgo", S_OID),
    API_STR("signAlgoParams", S_TEXT),
    API_STR("signed_envelope_property", S_SHORT));
API_SCHEMA(s_csc2_sign_doc, API_STR("credentialID", S_TOKEN),
    API_STR("signatureQualifier", S_SHORT), API_STR("SAD", S_TOKEN),
    API_ARR_OBJ("documentDigests", 0, 1, s_csc2_doc_digests),
    API_ARR_OBJ("documents", 0, CSC_DOCS_MAX, s_csc2_doc),
    API_STR("operationMode", S_SHORT), API_INT("validity_period", 0, INT64_MAX),
    API_STR("response_uri", S_TEXT), API_STR("clientData", S_TEXT),
    API_BOOL("returnValidationInfo"));

API_SCHEMA(s_csc2_timestamp, API_STR_REQ("hash", S_B64),
    API_STR_REQ("hashAlgo", S_OID), API_STR("nonce", S_SHORT),
    API_STR("clientData", S_TEXT));
/* The OAuth2 consent: the holder's decision, with the TOTP code for the
 * credential scope. */
API_SCHEMA(s_oauth_consent, API_BOOL_REQ("approve"), API_STR("code", S_CODE));

API_SCHEMA(s_empty, );
API_SCHEMA(s_code, API_STR_REQ("code", S_CODE));
API_SCHEMA(
    s_login, API_STR_REQ("email", S_EMAIL), API_STR_REQ("password", S_PW));
API_SCHEMA(s_defer, API_STR_REQ("mode", S_SHORT), API_STR("date", S_SHORT));
API_SCHEMA(s_register, API_STR_REQ("given_name", S_NAME),
    API_STR_REQ("surname", S_NAME), API_STR_REQ("email", S_EMAIL),
    API_STR_REQ("phone", S_PHONE), API_STR("lang", S_SHORT),
    API_STR("privacy_version", S_SHORT), API_BOOL_REQ("privacy_consent"));
API_SCHEMA(
    s_act_phone, API_STR_REQ("phone", S_PHONE), API_BOOL("change_phone"));
API_SCHEMA(s_new_password, API_STR_REQ("password", S_PW),
    API_STR_REQ("password_confirm", S_PW));
API_SCHEMA(s_change_password, API_STR_REQ("current_password", S_PW),
    API_STR_REQ("password", S_PW), API_STR_REQ("password_confirm", S_PW));
API_SCHEMA(s_phone, API_STR_REQ("phone", S_PHONE));
API_SCHEMA(
    s_consent, API_STR_REQ("kind", S_SHORT), API_STR_REQ("version", S_SHORT));
API_SCHEMA(s_pairing, API_STR_REQ("code", S_CODE), API_BOOL_REQ("installed"));
API_SCHEMA(s_email, API_STR_REQ("email", S_EMAIL));
API_SCHEMA(s_quote, API_STR_REQ("package", S_SHORT), API_STR("promo", S_SHORT));
API_SCHEMA(s_invoice, API_STR_REQ("type", S_SHORT), API_STR_REQ("name", S_NAME),
    API_STR("cui", S_SHORT), API_STR("reg_no", S_SHORT),
    API_STR_REQ("county", S_NAME), API_STR_REQ("town", S_NAME),
    API_STR_REQ("street", S_NAME), API_STR_REQ("number", S_SHORT),
    API_STR("building", S_SHORT), API_STR("entrance", S_SHORT),
    API_STR("apartment", S_SHORT), API_STR_REQ("postal_code", S_SHORT));
API_SCHEMA(s_order, API_STR_REQ("package", S_SHORT), API_STR("promo", S_SHORT),
    API_BOOL("accept_terms"), API_BOOL("accept_conditions"),
    API_BOOL("accept_withdrawal"), API_BOOL("marketing"),
    API_OBJ_REQ("invoice", s_invoice));
API_SCHEMA(s_refund, API_STR("reason", S_TEXT));
API_SCHEMA(s_kind, API_STR_REQ("kind", S_SHORT));
API_SCHEMA(s_lang, API_STR_REQ("lang", S_SHORT));
API_SCHEMA(s_issuance_phone, API_BOOL_REQ("associate"));
/* Suspension and revocation: by the holder, by an operator. */
API_SCHEMA(s_confirm, API_BOOL_REQ("confirm"));
API_SCHEMA(s_erase, API_STR_REQ("password", S_PW), API_STR("code", S_CODE),
    API_BOOL_REQ("confirm"));
API_SCHEMA(s_revoke, API_STR_REQ("code", S_CODE), API_BOOL_REQ("confirm"),
    API_STR("reason", S_SHORT));
API_SCHEMA(
    s_ra_revoke, API_STR_REQ("reason", S_SHORT), API_STR("text", S_TEXT));
/* Renewal before the end (J10). */
API_SCHEMA(s_renewal, API_STR_REQ("order_id", S_SHORT),
    API_STR_REQ("doc_type", S_SHORT), API_STR("doc_series", S_SHORT),
    API_STR_REQ("doc_number", S_SHORT), API_STR_REQ("doc_issued", S_SHORT),
    API_STR_REQ("doc_expiry", S_SHORT), API_STR_REQ("doc_issuer", S_NAME));
API_SCHEMA(s_reason, API_STR_REQ("reason", S_TEXT));
/* The contact form and rectification requests (api_inbox.c): the
 * message up to 4000 characters (16000 bytes of UTF-8). */
#define S_MESSAGE 16000
API_SCHEMA(s_contact, API_STR_REQ("name", S_NAME),
    API_STR_REQ("email", S_EMAIL), API_STR_REQ("topic", S_SHORT),
    API_STR_REQ("message", S_MESSAGE), API_STR("lang", S_SHORT),
    API_BOOL_REQ("privacy_consent"));
API_SCHEMA(s_rectify, API_STR_REQ("field", S_SHORT),
    API_STR_REQ("message", S_MESSAGE));
API_SCHEMA(s_answer, API_STR_REQ("answer", S_MESSAGE));
/* Signing in the browser (J9): a box in PDF points. */
API_SCHEMA(s_placement, API_BOOL_REQ("visible"), API_INT("page", 1, 100000),
    API_INT("x", 0, 14400), API_INT("y", 0, 14400), API_INT("w", 1, 14400),
    API_INT("h", 1, 14400), API_STR("appearance", 32));
/* Appearance profiles (OUG 140/2020): a name, up to 4 lines. */
API_SCHEMA(s_approf, API_STR_REQ("name", 256), API_ARR("lines", 0, 4));
/* Identification (J7) and the RA console. */
API_SCHEMA(s_idv_start, API_STR("order_id", S_SHORT),
    API_STR_REQ("doc_type", S_SHORT), API_STR("phone", S_PHONE),
    API_BOOL_REQ("consent_privacy"), API_BOOL_REQ("consent_biometric"),
    API_BOOL_REQ("consent_images"), API_BOOL_REQ("consent_recording"));
API_SCHEMA(s_idv_step, API_STR_REQ("step", S_SHORT));
API_SCHEMA(s_idv_client, API_STR("camera_label", S_TEXT),
    API_STR("microphone_label", S_TEXT), API_STR("user_agent", S_TEXT),
    API_STR("screen", S_SHORT), API_STR("timings", 8000),
    API_INT("duration_ms", 0, 3600000));
API_SCHEMA(s_idv_files, API_INT("video", 0, INT64_MAX),
    API_INT("doc_front", 0, INT64_MAX), API_INT("doc_tilt", 0, INT64_MAX),
    API_INT("doc_back", 0, INT64_MAX), API_INT("face", 0, INT64_MAX));
API_SCHEMA(s_idv_submit, API_OBJ("client", s_idv_client),
    API_OBJ_REQ("files", s_idv_files));
API_SCHEMA(s_ra_checklist, API_BOOL("document_valid"),
    API_BOOL("security_features"), API_BOOL("face_match"),
    API_BOOL("data_match"), API_BOOL("live"), API_BOOL("alone"));
API_SCHEMA(s_ra_identity, API_STR_REQ("given_name", S_NAME),
    API_STR_REQ("surname", S_NAME), API_STR_REQ("doc_type", S_SHORT),
    API_STR("doc_series", S_SHORT), API_STR_REQ("doc_number", S_SHORT),
    API_STR_REQ("doc_expiry", S_SHORT), API_STR("cnp", S_SHORT),
    API_STR("country", S_SHORT));
API_SCHEMA(s_ra_accept, API_OBJ_REQ("checklist", s_ra_checklist),
    API_OBJ_REQ("identity", s_ra_identity));
API_SCHEMA(
    s_ra_reject, API_STR_REQ("reason", S_SHORT), API_STR("text", S_TEXT));
API_SCHEMA(s_ra_redo, API_STR("text", S_TEXT));
API_SCHEMA(s_strength, API_STR_REQ("password", S_PW), API_STR("email", S_EMAIL),
    API_STR("given_name", S_NAME), API_STR("surname", S_NAME));

/* ---- row shapes -------------------------------------------------------- */

/* A public GET (no session, no body). */
#define GET_PUBLIC(path, h, rate)                                              \
	{                                                                      \
		"GET", path, h, AUTH_PUBLIC, NULL, 0, rate, BODY_NONE, 0,      \
		    NULL, ERRF_PECETE, NULL                                    \
	}
/* A JSON API GET at auth level a. */
#define GET_API(path, h, a)                                                    \
	{                                                                      \
		"GET", path, h, a, NULL, ROUTE_NO_STORE, RATE_API, BODY_NONE,  \
		    0, NULL, ERRF_PECETE, NULL                                 \
	}
/* A JSON API POST at auth level a, body schema s, extra flags f. */
#define POST_API(path, h, a, rate, max, s, f)                                  \
	{                                                                      \
		"POST", path, h, a, NULL, ROUTE_NO_STORE | (f), rate,          \
		    BODY_JSON, max, &(s), ERRF_PECETE, NULL                    \
	}

/* An OAuth2 endpoint taking a form (RFC 6749): the RFC's errors. */
#define OAUTH_POST(path, h)                                                    \
	{                                                                      \
		"POST", path, h, AUTH_PUBLIC, NULL,                            \
		    ROUTE_NO_STORE | ROUTE_SECRET, RATE_API, BODY_FORM,        \
		    OAUTH_BODY, NULL, ERRF_OAUTH,                              \
		    "application/x-www-form-urlencoded"                        \
	}

/* A CSC API POST (v1 or v2): public or with an access token of scope. */
#define CSC_POST(path, h, a, scope, rate, s, f)                                \
	{                                                                      \
		"POST", path, h, a, scope, ROUTE_NO_STORE | (f), rate,         \
		    BODY_JSON, CSC_BODY, &(s), ERRF_CSC, NULL                  \
	}

const struct route api_routes[] = {
	/* Health and the public trust services. */
	GET_PUBLIC("/healthz", api_healthz_get, RATE_NONE),
	GET_PUBLIC("/readyz", api_readyz_get, RATE_NONE),
	GET_PUBLIC("/metrics", api_metrics_get, RATE_NONE),
	GET_PUBLIC("/pki/:file", api_pki_file_get, RATE_PUBLIC),
	GET_PUBLIC("/ocsp/*", api_ocsp_get, RATE_PUBLIC),
	/* The public registry (J16): no session. */
	{ "GET", "/api/v1/registry", api_registry_get, AUTH_PUBLIC, NULL,
	    ROUTE_NO_STORE, RATE_REGISTRY, BODY_NONE, 0, NULL, ERRF_PECETE,
	    NULL },
	GET_PUBLIC("/api/v1/registry/ca", api_registry_ca_get, RATE_PUBLIC),
	GET_PUBLIC("/api/v1/registry/certificates/:file", api_registry_file_get,
	    RATE_PUBLIC),
	{ "POST", "/ocsp", api_ocsp_post, AUTH_PUBLIC, NULL, 0, RATE_PUBLIC,
	    BODY_RAW, PKI_BODY, NULL, ERRF_PECETE, "application/ocsp-request" },
	{ "POST", "/tsa", api_tsa_post, AUTH_PUBLIC, NULL, 0, RATE_PUBLIC,
	    BODY_RAW, PKI_BODY, NULL, ERRF_PECETE,
	    "application/timestamp-query" },
	/* The legal texts (data/legal): pages, PDFs, their versions. */
	{ "GET", "/legal/:doc", api_legal_page_get, AUTH_PUBLIC, NULL, 0,
	    RATE_PUBLIC, BODY_NONE, 0, NULL, ERRF_HTML, NULL },
	GET_API("/api/v1/legal", api_legal_get, AUTH_ANY),
	/* Development outbox: absent outside development mode. */
	{ "GET", "/dev/outbox", api_dev_outbox_get, AUTH_PUBLIC, NULL,
	    ROUTE_DEV | ROUTE_NO_STORE, RATE_NONE, BODY_NONE, 0, NULL,
	    ERRF_PECETE, NULL },
	{ "GET", "/dev/outbox.json", api_dev_outbox_json_get, AUTH_PUBLIC, NULL,
	    ROUTE_DEV | ROUTE_NO_STORE, RATE_NONE, BODY_NONE, 0, NULL,
	    ERRF_PECETE, NULL },
	{ "GET", "/dev/outbox/:id/attachments/:n",
	    api_dev_outbox_attachment_get, AUTH_PUBLIC, NULL,
	    ROUTE_DEV | ROUTE_NO_STORE, RATE_NONE, BODY_NONE, 0, NULL,
	    ERRF_PECETE, NULL },

	/* Sign-in (J3). */
	GET_API("/api/v1/session", api_session_get, AUTH_ANY),
	POST_API("/api/v1/session", api_session_post, AUTH_ANY, RATE_LOGIN,
	    ACCT_BODY, s_login, ROUTE_SECRET),
	{ "DELETE", "/api/v1/session", api_session_delete, AUTH_ANY, NULL,
	    ROUTE_NO_STORE, RATE_API, BODY_NONE, 0, NULL, ERRF_PECETE, NULL },
	POST_API("/api/v1/session/totp", api_session_totp_post, AUTH_PARTIAL,
	    RATE_API, ACCT_BODY, s_code, ROUTE_SECRET),
	POST_API("/api/v1/session/twofa-defer", api_session_defer_post,
	    AUTH_PARTIAL, RATE_API, ACCT_BODY, s_defer, 0),

	/* Registration and activation (J1, J2): no session yet. */
	POST_API("/api/v1/register", api_register_post, AUTH_ANY, RATE_REGISTER,
	    ACCT_BODY, s_register, 0),
	GET_API("/api/v1/activation/:token", api_activation_get, AUTH_ANY),
	POST_API("/api/v1/activation/:token/phone", api_activation_phone_post,
	    AUTH_ANY, RATE_API, ACCT_BODY, s_act_phone, 0),
	POST_API("/api/v1/activation/:token/code", api_activation_code_post,
	    AUTH_ANY, RATE_API, ACCT_BODY, s_code, ROUTE_SECRET),
	POST_API("/api/v1/activation/:token/password",
	    api_activation_password_post, AUTH_ANY, RATE_API, ACCT_BODY,
	    s_new_password, ROUTE_SECRET),

	/* The strength meter of every password form: the server's rule. */
	POST_API("/api/v1/password/strength", api_password_strength_post,
	    AUTH_ANY, RATE_API, ACCT_BODY, s_strength, ROUTE_SECRET),

	/* The account (J12, J13). */
	GET_API("/api/v1/account", api_account_get, AUTH_USER),
	/* GDPR access and portability: what we hold, and the export. */
	GET_API("/api/v1/account/data", api_account_data_get, AUTH_USER),
	GET_API(
	    "/api/v1/account/export.zip", api_account_export_get, AUTH_USER),
	/* GDPR erasure: the password (and code) again, then at once. */
	POST_API("/api/v1/account/erasure", api_account_erasure_post, AUTH_USER,
	    RATE_API, ACCT_BODY, s_erase, ROUTE_SECRET),
	/* The language of e-mails, SMS and documents: any signed-in state
	 * (the language switch is on every page). */
	POST_API("/api/v1/account/lang", api_account_lang_post, AUTH_PARTIAL,
	    RATE_API, ACCT_BODY, s_lang, 0),
	POST_API("/api/v1/account/password", api_account_password_post,
	    AUTH_USER, RATE_API, ACCT_BODY, s_change_password, ROUTE_SECRET),
	GET_API("/api/v1/account/phone", api_account_phone_get, AUTH_USER),
	POST_API("/api/v1/account/phone/email-code", api_phone_email_code_post,
	    AUTH_USER, RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/account/phone/email-code/verify",
	    api_phone_email_verify_post, AUTH_USER, RATE_API, ACCT_BODY, s_code,
	    ROUTE_SECRET),
	POST_API("/api/v1/account/phone/sms-code", api_phone_sms_code_post,
	    AUTH_USER, RATE_API, ACCT_BODY, s_phone, 0),
	POST_API("/api/v1/account/phone/sms-code/verify",
	    api_phone_sms_verify_post, AUTH_USER, RATE_API, ACCT_BODY, s_code,
	    ROUTE_SECRET),

	/* Consents (J5): signed in, before the consents are current. */
	GET_API("/api/v1/consents", api_consents_get, AUTH_SIGNED_IN),
	POST_API("/api/v1/consents", api_consents_post, AUTH_SIGNED_IN,
	    RATE_API, ACCT_BODY, s_consent, 0),
	/* Optional consents can be withdrawn from the settings. */
	POST_API("/api/v1/consents/withdraw", api_consents_withdraw_post,
	    AUTH_SIGNED_IN, RATE_API, ACCT_BODY, s_kind, 0),

	/* The authenticator (J4, J14): also from the 2FA offer. */
	GET_API("/api/v1/totp/pairing", api_totp_pairing_get, AUTH_PARTIAL),
	POST_API("/api/v1/totp/pairing", api_totp_pairing_post, AUTH_PARTIAL,
	    RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/totp/pairing/verify", api_totp_pairing_verify_post,
	    AUTH_PARTIAL, RATE_API, ACCT_BODY, s_pairing, ROUTE_SECRET),
	{ "GET", "/api/v1/totp/qr.png", api_totp_qr_get, AUTH_PARTIAL, NULL,
	    ROUTE_NO_STORE | ROUTE_SECRET, RATE_API, BODY_NONE, 0, NULL,
	    ERRF_PECETE, NULL },
	POST_API("/api/v1/totp/pairing/confirm", api_totp_pairing_confirm_post,
	    AUTH_PARTIAL, RATE_API, ACCT_BODY, s_code, ROUTE_SECRET),
	POST_API("/api/v1/totp/reset", api_totp_reset_post, AUTH_PARTIAL,
	    RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/totp/reset/verify", api_totp_reset_verify_post,
	    AUTH_PARTIAL, RATE_API, ACCT_BODY, s_code, ROUTE_SECRET),

	/* Password recovery (J12): by e-mail link and SMS code. */
	POST_API("/api/v1/recovery", api_recovery_post, AUTH_ANY, RATE_RECOVERY,
	    ACCT_BODY, s_email, 0),
	GET_API("/api/v1/recovery/:token", api_recovery_get, AUTH_ANY),
	POST_API("/api/v1/recovery/:token/sms", api_recovery_sms_post, AUTH_ANY,
	    RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/recovery/:token/code", api_recovery_code_post,
	    AUTH_ANY, RATE_API, ACCT_BODY, s_code, ROUTE_SECRET),
	POST_API("/api/v1/recovery/:token/password", api_recovery_password_post,
	    AUTH_ANY, RATE_API, ACCT_BODY, s_new_password, ROUTE_SECRET),

	/* The shop (J6). */
	GET_API("/api/v1/shop/packages", api_shop_packages_get, AUTH_ANY),
	POST_API("/api/v1/shop/quote", api_shop_quote_post, AUTH_ANY, RATE_API,
	    SHOP_BODY, s_quote, 0),
	GET_API("/api/v1/shop/orders", api_shop_orders_get, AUTH_USER),
	POST_API("/api/v1/shop/orders", api_shop_orders_post, AUTH_USER,
	    RATE_API, SHOP_BODY, s_order, 0),
	GET_API("/api/v1/shop/orders/:id", api_shop_order_get, AUTH_USER),
	POST_API("/api/v1/shop/orders/:id/pay", api_shop_order_pay_post,
	    AUTH_USER, RATE_API, SHOP_BODY, s_empty, 0),
	POST_API("/api/v1/shop/orders/:id/cancel", api_shop_order_cancel_post,
	    AUTH_USER, RATE_API, SHOP_BODY, s_empty, 0),
	GET_API("/api/v1/shop/orders/:id/invoice.pdf", api_shop_invoice_pdf_get,
	    AUTH_USER),
	GET_API("/api/v1/shop/orders/:id/note.pdf", api_shop_note_pdf_get,
	    AUTH_USER),
	/* Payment notifications: the handler checks the body's signature
	 * over the raw bytes. */
	{ "POST", "/api/v1/payments/sandbox/notify",
	    api_payments_sandbox_notify_post, AUTH_WEBHOOK, NULL,
	    ROUTE_SANDBOX | ROUTE_NO_STORE, RATE_PUBLIC, BODY_RAW, SHOP_BODY,
	    NULL, ERRF_PECETE, NULL },
	{ "POST", "/api/v1/payments/netopia/ipn", api_payments_netopia_ipn_post,
	    AUTH_WEBHOOK, NULL, ROUTE_NO_STORE, RATE_PUBLIC, BODY_RAW,
	    SHOP_BODY, NULL, ERRF_PECETE, NULL },
	/* The sandbox provider's card page (development only). */
	{ "GET", "/sandbox/pay/:id", api_sandbox_pay_get, AUTH_PUBLIC, NULL,
	    ROUTE_SANDBOX | ROUTE_NO_STORE, RATE_PUBLIC, BODY_NONE, 0, NULL,
	    ERRF_HTML, NULL },
	{ "POST", "/sandbox/pay/:id", api_sandbox_pay_post, AUTH_PUBLIC, NULL,
	    ROUTE_SANDBOX | ROUTE_NO_STORE, RATE_PUBLIC, BODY_FORM, SHOP_BODY,
	    NULL, ERRF_HTML, "application/x-www-form-urlencoded" },
	/* Operators. */
	/* Identification (J7): the person's side. The recording's pieces
	 * are raw bytes (one piece at most IDV_PIECE). */
	GET_API("/api/v1/idv", api_idv_get, AUTH_USER),
	POST_API("/api/v1/idv", api_idv_post, AUTH_USER, RATE_API, ACCT_BODY,
	    s_idv_start, 0),
	POST_API("/api/v1/idv/:id/step", api_idv_step_post, AUTH_USER, RATE_API,
	    ACCT_BODY, s_idv_step, 0),
	POST_API("/api/v1/idv/:id/phone", api_idv_phone_post, AUTH_USER,
	    RATE_API, ACCT_BODY, s_phone, 0),
	POST_API("/api/v1/idv/:id/code", api_idv_code_post, AUTH_USER, RATE_API,
	    ACCT_BODY, s_code, ROUTE_SECRET),
	GET_API("/api/v1/idv/:id/files/:kind", api_idv_file_get, AUTH_USER),
	{ "POST", "/api/v1/idv/:id/files/:kind", api_idv_file_post, AUTH_USER,
	    NULL, ROUTE_NO_STORE, RATE_API, BODY_RAW, IDV_PIECE, NULL,
	    ERRF_PECETE, "application/octet-stream" },
	POST_API("/api/v1/idv/:id/submit", api_idv_submit_post, AUTH_USER,
	    RATE_API, IDV_BODY, s_idv_submit, 0),

	/* Issuance (J8) and the account's certificates. */
	GET_API("/api/v1/issuance", api_issuance_get, AUTH_USER),
	POST_API("/api/v1/issuance", api_issuance_post, AUTH_USER, RATE_API,
	    ACCT_BODY, s_code, ROUTE_SECRET),
	POST_API("/api/v1/issuance/phone", api_issuance_phone_post, AUTH_USER,
	    RATE_API, ACCT_BODY, s_issuance_phone, 0),
	GET_API(
	    "/api/v1/issuance/terms.pdf", api_issuance_terms_get, AUTH_USER),
	GET_API("/api/v1/certificates", api_certificates_get, AUTH_USER),
	GET_API("/api/v1/certificates/:serial", api_certificate_get, AUTH_USER),
	POST_API("/api/v1/certificates/:serial/suspend",
	    api_certificate_suspend_post, AUTH_USER, RATE_API, ACCT_BODY,
	    s_confirm, 0),
	POST_API("/api/v1/certificates/:serial/resume",
	    api_certificate_resume_post, AUTH_USER, RATE_API, ACCT_BODY, s_code,
	    ROUTE_SECRET),
	POST_API("/api/v1/certificates/:serial/revoke",
	    api_certificate_revoke_post, AUTH_USER, RATE_API, ACCT_BODY,
	    s_revoke, ROUTE_SECRET),

	/* Renewal before the end (J10). The photo of the document is the
	 * raw body (a byte over RENEWAL_PHOTO_MAX reaches the handler, which
	 * says photo_invalid). */
	GET_API("/api/v1/renewal", api_renewal_get, AUTH_USER),
	POST_API("/api/v1/renewal", api_renewal_post, AUTH_USER, RATE_API,
	    ACCT_BODY, s_renewal, 0),
	{ "POST", "/api/v1/renewal/:id/photo", api_renewal_photo_post,
	    AUTH_USER, NULL, ROUTE_NO_STORE, RATE_API, BODY_RAW,
	    RENEWAL_PHOTO_MAX + 1, NULL, ERRF_PECETE,
	    "application/octet-stream" },
	POST_API("/api/v1/renewal/:id/submit", api_renewal_submit_post,
	    AUTH_USER, RATE_API, ACCT_BODY, s_code, ROUTE_SECRET),
	GET_API("/api/v1/renewal/terms.pdf", api_renewal_terms_get, AUTH_USER),

	/* Signing in the browser (J9). A file is the raw body of one POST. */
	POST_API("/api/v1/sign/batches", api_sign_batch_post, AUTH_USER,
	    RATE_API, ACCT_BODY, s_empty, 0),
	GET_API("/api/v1/sign/batches/:id", api_sign_batch_get, AUTH_USER),
	{ "POST", "/api/v1/sign/batches/:id/files", api_sign_file_post,
	    AUTH_USER, NULL, ROUTE_NO_STORE, RATE_API, BODY_RAW, WEB_FILE_MAX,
	    NULL, ERRF_PECETE, "application/octet-stream" },
	{ "DELETE", "/api/v1/sign/batches/:id/files/:n", api_sign_file_delete,
	    AUTH_USER, NULL, ROUTE_NO_STORE, RATE_API, BODY_NONE, 0, NULL,
	    ERRF_PECETE, NULL },
	POST_API("/api/v1/sign/batches/:id/files/:n/placement",
	    api_sign_placement_post, AUTH_USER, RATE_API, ACCT_BODY,
	    s_placement, 0),
	GET_API("/api/v1/sign/batches/:id/files/:n/pages/:page",
	    api_sign_page_get, AUTH_USER),
	/* Appearance profiles; the image is the raw body of one POST. */
	GET_API("/api/v1/appearances", api_approf_get, AUTH_USER),
	POST_API("/api/v1/appearances", api_approf_post, AUTH_USER, RATE_API,
	    ACCT_BODY, s_approf, 0),
	{ "POST", "/api/v1/appearances/:id/image", api_approf_image_post,
	    AUTH_USER, NULL, ROUTE_NO_STORE, RATE_API, BODY_RAW,
	    SIGN_APPROF_IMAGE_MAX, NULL, ERRF_PECETE,
	    "application/octet-stream" },
	{ "DELETE", "/api/v1/appearances/:id", api_approf_delete, AUTH_USER,
	    NULL, ROUTE_NO_STORE, RATE_API, BODY_NONE, 0, NULL, ERRF_PECETE,
	    NULL },
	POST_API("/api/v1/sign/batches/:id/p7s", api_sign_p7s_post, AUTH_USER,
	    RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/sign/batches/:id/sign", api_sign_post, AUTH_USER,
	    RATE_API, ACCT_BODY, s_code, ROUTE_SECRET),
	GET_API("/api/v1/sign/batches/:id/zip", api_sign_zip_get, AUTH_USER),
	GET_API("/api/v1/sign/batches/:id/files/:n/signed", api_sign_output_get,
	    AUTH_USER),
	GET_API("/api/v1/sign/history", api_sign_history_get, AUTH_USER),
	/* The confirmation document for ANAF's SPV: the signed declaration
	 * is the raw body of one POST. */
	POST_API("/api/v1/confirmations", api_confirm_post, AUTH_USER, RATE_API,
	    ACCT_BODY, s_empty, 0),
	GET_API("/api/v1/confirmations/:id", api_confirm_get, AUTH_USER),
	GET_API("/api/v1/confirmations/:id/declaration",
	    api_confirm_declaration_get, AUTH_USER),
	{ "POST", "/api/v1/confirmations/:id/signed", api_confirm_signed_post,
	    AUTH_USER, NULL, ROUTE_NO_STORE, RATE_API, BODY_RAW,
	    SIGNING_SEAL_MAX, NULL, ERRF_PECETE, "application/octet-stream" },
	GET_API("/api/v1/confirmations/:id/sealed", api_confirm_sealed_get,
	    AUTH_USER),

	/* The RA console: operators signed in with TOTP. */
	GET_API("/api/v1/ra/meta", api_ra_meta_get, AUTH_OPERATOR),
	GET_API("/api/v1/ra/cases", api_ra_cases_get, AUTH_OPERATOR),
	POST_API("/api/v1/ra/certificates/:serial/revoke",
	    api_ra_cert_revoke_post, AUTH_OPERATOR, RATE_API, ACCT_BODY,
	    s_ra_revoke, 0),
	GET_API("/api/v1/ra/cases/:id", api_ra_case_get, AUTH_OPERATOR),
	GET_API(
	    "/api/v1/ra/cases/:id/files/:kind", api_ra_file_get, AUTH_OPERATOR),
	GET_API("/api/v1/ra/cases/:id/evidence", api_ra_evidence_get,
	    AUTH_OPERATOR),
	POST_API("/api/v1/ra/cases/:id/claim", api_ra_claim_post, AUTH_OPERATOR,
	    RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/ra/cases/:id/release", api_ra_release_post,
	    AUTH_OPERATOR, RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/ra/cases/:id/accept", api_ra_accept_post,
	    AUTH_OPERATOR, RATE_API, ACCT_BODY, s_ra_accept, 0),
	POST_API("/api/v1/ra/cases/:id/reject", api_ra_reject_post,
	    AUTH_OPERATOR, RATE_API, ACCT_BODY, s_ra_reject, 0),
	POST_API("/api/v1/ra/cases/:id/redo", api_ra_redo_post, AUTH_OPERATOR,
	    RATE_API, ACCT_BODY, s_ra_redo, 0),

	GET_API("/api/v1/ra/renewals", api_ra_renewals_get, AUTH_OPERATOR),
	GET_API("/api/v1/ra/renewals/:id", api_ra_renewal_get, AUTH_OPERATOR),
	GET_API("/api/v1/ra/renewals/:id/photo", api_ra_renewal_photo_get,
	    AUTH_OPERATOR),
	POST_API("/api/v1/ra/renewals/:id/approve", api_ra_renewal_approve_post,
	    AUTH_OPERATOR, RATE_API, ACCT_BODY, s_empty, 0),
	POST_API("/api/v1/ra/renewals/:id/reject", api_ra_renewal_reject_post,
	    AUTH_OPERATOR, RATE_API, ACCT_BODY, s_reason, 0),

	GET_API("/api/v1/admin/orders", api_admin_orders_get, AUTH_OPERATOR),
	GET_API(
	    "/api/v1/admin/retention", api_admin_retention_get, AUTH_OPERATOR),
	GET_API("/api/v1/admin/inbox", api_admin_inbox_get, AUTH_OPERATOR),
	GET_API(
	    "/api/v1/admin/inbox/:id", api_admin_inbox_one_get, AUTH_OPERATOR),
	GET_API("/api/v1/admin/inbox/:id/files/:n", api_admin_inbox_file_get,
	    AUTH_OPERATOR),
	POST_API("/api/v1/admin/inbox/:id/answer", api_admin_inbox_answer_post,
	    AUTH_OPERATOR, RATE_API, INBOX_BODY, s_answer, 0),

	/* The public validation service (validate.h): a signed PDF as the
	 * raw body, its report back (JSON; ?format=xml: the ETSI TS 119
	 * 102-2 XML report); anyone, 10 a minute per address. */
	{ "POST", "/api/v1/validate", api_validate_post, AUTH_ANY, NULL,
	    ROUTE_NO_STORE | ROUTE_CSRF_EXEMPT, RATE_VALIDATE, BODY_RAW,
	    VALIDATE_MAX, NULL, ERRF_PECETE, "application/octet-stream" },

	/* The contact form (anyone) and rectification requests (art. 16);
	 * a message's files are raw bodies sent with its upload token. */
	POST_API("/api/v1/contact", api_contact_post, AUTH_ANY, RATE_CONTACT,
	    INBOX_BODY, s_contact, 0),
	POST_API("/api/v1/account/rectification", api_rectification_post,
	    AUTH_USER, RATE_API, INBOX_BODY, s_rectify, 0),
	{ "POST", "/api/v1/contact/:id/files", api_contact_file_post, AUTH_ANY,
	    NULL, ROUTE_NO_STORE, RATE_API, BODY_RAW, INBOX_FILE_MAX + 1, NULL,
	    ERRF_PECETE, "application/octet-stream" },
	POST_API("/api/v1/admin/orders/:id/refund", api_admin_order_refund_post,
	    AUTH_OPERATOR, RATE_API, SHOP_BODY, s_refund, 0),

	/* The OAuth2 consent page (web UI) and the authorized apps of the
	 * settings. */
	GET_API("/api/v1/oauth/consent/:id", api_oauth_consent_get, AUTH_USER),
	POST_API("/api/v1/oauth/consent/:id", api_oauth_consent_post, AUTH_USER,
	    RATE_API, ACCT_BODY, s_oauth_consent, ROUTE_SECRET),
	GET_API("/api/v1/oauth/apps", api_oauth_grants_get, AUTH_USER),
	POST_API("/api/v1/oauth/apps/:id/revoke", api_oauth_grant_revoke_post,
	    AUTH_USER, RATE_API, ACCT_BODY, s_empty, 0),

	/* Last: the web UI's files; first match wins. */
	GET_PUBLIC("/", api_static_get, RATE_NONE),
	/* The CSC API v1 and v2 (issue 15): the same handlers; the version
	 * is read from the path (api_csc.c). */
	CSC_POST("/csc/v1/info", api_csc_info_post, AUTH_PUBLIC, NULL,
	    RATE_PUBLIC, s_csc_info, 0),
	CSC_POST("/csc/v2/info", api_csc_info_post, AUTH_PUBLIC, NULL,
	    RATE_PUBLIC, s_csc_info, 0),
	CSC_POST("/csc/v1/auth/login", api_csc_login_post, AUTH_PUBLIC, NULL,
	    RATE_LOGIN, s_csc_login, ROUTE_SECRET),
	CSC_POST("/csc/v2/auth/login", api_csc_login_post, AUTH_PUBLIC, NULL,
	    RATE_LOGIN, s_csc_login, ROUTE_SECRET),
	CSC_POST("/csc/v1/auth/revoke", api_csc_revoke_post, AUTH_BEARER,
	    "service", RATE_API, s_csc_revoke, ROUTE_SECRET),
	CSC_POST("/csc/v2/auth/revoke", api_csc_revoke_post, AUTH_BEARER,
	    "service", RATE_API, s_csc_revoke, ROUTE_SECRET),
	CSC_POST("/csc/v1/credentials/list", api_csc_list_post, AUTH_BEARER,
	    "service", RATE_API, s_csc_list, 0),
	CSC_POST("/csc/v2/credentials/list", api_csc_list_post, AUTH_BEARER,
	    "service", RATE_API, s_csc_list, 0),
	CSC_POST("/csc/v1/credentials/info", api_csc_cred_info_post,
	    AUTH_BEARER, "service", RATE_API, s_csc_cred_info, 0),
	CSC_POST("/csc/v2/credentials/info", api_csc_cred_info_post,
	    AUTH_BEARER, "service", RATE_API, s_csc_cred_info, 0),
	CSC_POST("/csc/v1/credentials/authorize", api_csc_authorize_post,
	    AUTH_BEARER, "service", RATE_API, s_csc1_authorize, ROUTE_SECRET),
	CSC_POST("/csc/v2/credentials/authorize", api_csc_authorize_post,
	    AUTH_BEARER, "service", RATE_API, s_csc2_authorize, ROUTE_SECRET),
	CSC_POST("/csc/v1/credentials/extendTransaction", api_csc_extend_post,
	    AUTH_BEARER, "service", RATE_API, s_csc1_extend, ROUTE_SECRET),
	CSC_POST("/csc/v2/credentials/extendTransaction", api_csc_extend_post,
	    AUTH_BEARER, "service", RATE_API, s_csc2_extend, ROUTE_SECRET),
	CSC_POST("/csc/v1/signatures/signHash", api_csc_sign_hash_post,
	    AUTH_BEARER, "credential", RATE_API, s_csc1_sign_hash,
	    ROUTE_SECRET),
	CSC_POST("/csc/v2/signatures/signHash", api_csc_sign_hash_post,
	    AUTH_BEARER, "credential", RATE_API, s_csc2_sign_hash,
	    ROUTE_SECRET),
	{ "POST", "/csc/v2/signatures/signDoc", api_csc_sign_doc_post,
	    AUTH_BEARER, "credential", ROUTE_NO_STORE | ROUTE_SECRET, RATE_API,
	    BODY_JSON, CSC_DOC_BODY, &s_csc2_sign_doc, ERRF_CSC, NULL },
	CSC_POST("/csc/v2/signatures/timestamp", api_csc_timestamp_post,
	    AUTH_BEARER, "service", RATE_API, s_csc2_timestamp, 0),
	/* The OAuth2 authorization server (RFC 6749, 7636, 9126, 9396,
	 * 7009, 8414) under the CSC v2 names (api_oauth.c). */
	{ "GET", "/.well-known/oauth-authorization-server",
	    api_oauth_metadata_get, AUTH_PUBLIC, NULL, 0, RATE_PUBLIC,
	    BODY_NONE, 0, NULL, ERRF_OAUTH, NULL },
	OAUTH_POST("/csc/v2/oauth2/pushed_authorize", api_oauth_par_post),
	{ "GET", "/csc/v2/oauth2/authorize", api_oauth_authorize_get,
	    AUTH_PUBLIC, NULL, ROUTE_NO_STORE, RATE_API, BODY_NONE, 0, NULL,
	    ERRF_HTML, NULL },
	OAUTH_POST("/csc/v2/oauth2/token", api_oauth_token_post),
	OAUTH_POST("/csc/v2/oauth2/revoke", api_oauth_revoke_post),

	GET_PUBLIC("/*", api_static_get, RATE_NONE),
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

static void
api_release(struct req *r)
{
	json_decref(r->json);
	r->json = NULL;
}

void
api_http_opts(struct app *app, struct http_opts *o)
{
	size_t i;

	o->app = app;
	o->routes = api_routes;
	o->nroutes = api_nroutes;
	o->gate = api_gate;
	o->fail = api_fail_rc;
	o->release = api_release;
	o->max_body = 0;
	for (i = 0; i < api_nroutes; i++)
		if (api_routes[i].max_body > o->max_body)
			o->max_body = api_routes[i].max_body;
}
