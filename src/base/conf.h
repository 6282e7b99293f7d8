/*
 * conf.h: the strict INI configuration of pecete.
 *
 * Syntax: "[section]" lines, "key = value" lines, "#" or ";" comments (whole
 * line, or after whitespace), blank lines. Unknown sections or keys,
 * duplicates, values of the wrong type or out of range are errors that name
 * the line. Secrets are never values: they are paths of files (mode 0600).
 * Every key can be overridden from the environment as
 * PECETE_<SECTION>_<KEY> (upper case), e.g. PECETE_SERVER_LISTEN.
 * Relative paths are resolved against the data directory.
 *
 * The whole tree of settings lives in struct conf; each section has a table
 * of keys in conf.c, which is the one place to add a setting.
 */
#ifndef PC_CONF_H
#define PC_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"

#define CONF_MAX_BYTES (256 * 1024)
#define CONF_MAX_LINE 4096

struct conf_server {
	char *listen;     /* host:port */
	char *public_url; /* base of the URLs put in certificates */
	int64_t threads;
	int64_t sign_workers; /* threads finishing authorized web batches */
	char *sign_level;     /* web signing's level: B-B, B-T, B-LT, B-LTA */
	int64_t max_body;     /* bytes, default request body limit */
	int64_t conn_timeout; /* seconds */
	bool dev_mode;
	char *web_root;  /* the browser UI's files (web/) */
	char *legal_dir; /* the legal texts (data/legal/) */
	/* A bearer token for /metrics from other hosts (0600); NULL: only
	 * this host, directly */
	char *metrics_token_file;
	/* The proxies in front (HAProxy, nginx), comma-separated addresses:
	 * from them, X-Forwarded-For names the client. NULL: none. */
	char *trusted_proxies;
	/* PEM file of further roots the validation service trusts beside
	 * this provider's (CA certificates only); NULL: ours alone */
	char *trust_anchors;
	/* EU trusted lists (ETSI TS 119 612): comma-separated files or
	 * http(s) URLs of a LOTL and/or national lists, and the PEM files
	 * of the certificates that sign them (src/validate/tl.h) */
	char *trusted_lists;
	char *trusted_list_signers;
	/* OAuth2 access tokens' life (s); a credential token's at most its
	 * SAD's 300 s */
	int64_t oauth_access_ttl;
	int64_t oauth_grant_max_days; /* a service grant's absolute life */
	/* API requests per minute from one address / by one account (a
	 * company behind one NAT address may need more) */
	int64_t api_per_min_ip, api_per_min_user;
	/* Started as root: the web process's user (a name or UID:GID),
	 * with [signer] user; NULL: no change of user */
	char *user;
};

struct conf_store {
	char *url;            /* sqlite:PATH or postgresql://... */
	int64_t pool;         /* connections */
	char *files_dir;      /* encrypted files (vault) */
	char *vault_key_file; /* their master key, 0600, never in the DB */
	/* PostgreSQL with two roles: the signer's URL (a file only the
	 * signer reads) and the web side's role it grants (store_grant_web);
	 * NULL: one role for both */
	char *signer_url_file;
	char *web_role;
};

struct conf_hsm {
	char *module; /* PKCS#11 module path */
	char *token_label;
	char *pin_file;     /* user PIN, file mode 0600 */
	char *softhsm_conf; /* exported as SOFTHSM2_CONF when set */
	int64_t pool;       /* sessions in the pool */
};

struct conf_pki {
	char *org; /* O= of our CA and service certificates */
	char *
	    org_id; /* organizationIdentifier of the e-seal (ETSI: VATRO-...) */
	char *country;            /* C= of our CA */
	char *policy_oid;         /* our certificate policy */
	char *tsa_policy_oid;     /* the policy in timestamp tokens */
	char *pds_url;            /* PKI disclosure statement (QcPDS) */
	char *cps_url;            /* certification practice statement */
	int64_t crl_hours;        /* CRL validity (nextUpdate - thisUpdate) */
	int64_t crl_renew_hours;  /* regenerate this long before nextUpdate */
	int64_t ocsp_max_request; /* bytes */
	int64_t tsa_max_request;  /* bytes */
	int64_t tsa_accuracy_ms;
};

struct conf_signer {
	int64_t timeout_ms;  /* a request to the signer fails after this */
	int64_t max_message; /* bytes */
	char *totp_key_file; /* key of the TOTP secrets (32 bytes hex, 0600) */
	char *user; /* started as root: the signer's user, see [server] */
};

/* The CSC API (src/csc) and its SADs, enforced by the signer. */
struct conf_csc {
	int64_t auth_sad_ttl; /* s: the authentication key's hashless SAD */
};

struct conf_notify {
	char *mail_driver;        /* smtp | outbox (dev); NULL: unset */
	char *sms_driver;         /* sms-http | outbox (dev); NULL: unset */
	char *smtp_url;           /* smtp://host:port or smtps://host:port */
	bool smtp_starttls;       /* smtp://: require STARTTLS */
	char *smtp_user;          /* NULL: no AUTH */
	char *smtp_password_file; /* mode 0600 */
	char *smtp_ca_file;       /* CA bundle for the relay, NULL: system */
	char *mail_from;          /* "Name <addr@domain>" or "addr@domain" */
	char *sms_url;            /* the gateway's POST endpoint */
	char *sms_token_file;     /* bearer token, mode 0600 */
	char *sms_sender;         /* "sender" field of the gateway request */
	int64_t max_attempts;     /* then the message is marked failed */
	int64_t retry_base_s;     /* back-off: base * 2^(attempt-1) */
	int64_t timeout_s;        /* one SMTP or HTTP exchange */
};

struct conf_account {
	int64_t sms_code_ttl_s;      /* SMS codes (activation, pairing) */
	int64_t resend_min_s;        /* a new code no sooner than this */
	int64_t invitation_ttl_s;    /* the invitation link */
	int64_t recovery_ttl_s;      /* the password recovery link */
	int64_t phone_code_ttl_s;    /* phone change codes (e-mail, SMS) */
	char *twofa_mandatory_after; /* YYYY-MM-DD, UTC */
	int64_t totp_max_failures;
	int64_t totp_lock_s;
	int64_t session_idle_s;
	int64_t session_max_s;
	int64_t login_max_failures; /* wrong passwords before a lock */
	int64_t login_lock_s;
	int64_t login_per_min_ip; /* sign-in attempts per minute per IP */
	char *privacy_version;    /* consent versions; NULL: data/legal's own */
	char *gdpr_version;
	char *app_consent_version;
};

/* Identity verification and the RA console (src/ra). */
struct conf_ra {
	int64_t review_hours;   /* the promise to the user: a decision within */
	int64_t claim_minutes;  /* an operator's hold on a case */
	int64_t max_rejections; /* then an operator contacts the person */
	int64_t max_video_mb, max_image_kb;
	int64_t retention_accepted_years; /* after the certificate's end */
	int64_t retention_rejected_days;
	int64_t retention_open_days; /* a recording never submitted */
};

/* Certificates after issuance (src/issuance): expiry reminders. */
struct conf_lifecycle {
	int64_t remind_first_days;  /* the first e-mail before expiry */
	int64_t remind_second_days; /* the second, nearer */
};

/* The shop (src/shop): prices, FX, payment providers. */
struct conf_shop {
	int64_t vat_bp;         /* VAT in basis points (2100 = 21 %) */
	char *bnr_url;          /* the BNR reference-rate XML feed */
	char *fallback_rate;    /* EUR/RON with 4 decimals, used offline */
	int64_t bnr_timeout_s;  /* one feed download */
	char *provider;         /* netopia | sandbox (dev); NULL: unset */
	char *invoice_series;   /* series printed on invoices */
	char *sandbox_key_file; /* HMAC key of sandbox notifications, 0600 */
	char *netopia_api_url;  /* e.g.
	                           https://secure.sandbox.netopia-payments.com */
	char *netopia_api_key_file;    /* API key, 0600 */
	char *netopia_pos_signature;   /* the POS signature (account id) */
	char *netopia_public_key_file; /* Netopia's RSA key (IPN tokens) */
	char *seller_name;    /* invoices (src/shop/shop_docs.c): the seller */
	char *seller_cui;     /* its CUI (tax id) */
	char *seller_address; /* registered office, one line */
	char *seller_reg;     /* trade register number, e.g. J40/1234/2020 */
	char *contact_email;  /* the provider's contact (legal texts, mails) */
	char *contact_phone;
	char *dpo_email; /* the data-protection officer (privacy notice) */
};

/* Retention of what is kept only for a legal period (src/privacy). */
struct conf_privacy {
	int64_t invoice_years;     /* invoices: financial and tax law */
	int64_t unpaid_order_days; /* billing data of orders never paid */
	int64_t outbox_days;       /* e-mails and SMS once sent or failed */
	int64_t messages_years;    /* contact messages and requests, closed */
};

struct conf_log {
	char *level; /* debug, info, warn, error */
};

struct conf {
	char *data_dir; /* not in the file: given on the command line */
	char *path;     /* the file read, if any */
	struct conf_server server;
	struct conf_store store;
	struct conf_hsm hsm;
	struct conf_pki pki;
	struct conf_signer signer;
	struct conf_csc csc;
	struct conf_account account;
	struct conf_log log;
	struct conf_notify notify;
	struct conf_shop shop;
	struct conf_ra ra;
	struct conf_lifecycle lifecycle;
	struct conf_privacy privacy;
};

/* Fill every field with its default (paths relative to data_dir). */
enum pc_rc conf_defaults(struct conf *c, const char *data_dir);
/*
 * Parse text over the current values of c (call conf_defaults first).
 * On error writes "line N: what is wrong" into err and returns PC_EINVAL.
 */
enum pc_rc conf_parse(
    struct conf *c, const char *text, size_t len, char *err, size_t errlen);
/* Apply PECETE_<SECTION>_<KEY> environment overrides. */
enum pc_rc conf_env(struct conf *c, char *err, size_t errlen);
/*
 * The usual sequence: defaults for data_dir, then the file path (if it
 * exists, or required when must_exist), then the environment, then
 * relative paths made absolute. err receives a message for the user.
 */
enum pc_rc conf_load(struct conf *c, const char *data_dir, const char *path,
    bool must_exist, char *err, size_t errlen);
/* Write the effective configuration as INI text (for pecete init). */
enum pc_rc conf_write(const struct conf *c, const char *path);
/*
 * Is c fit to serve? Outside development mode the mail and SMS drivers
 * and the payment provider must be named, and none may be a development
 * one (outbox, sandbox). PC_EINVAL with err saying what to set. check-config
 * and serve call it; one-shot commands (sign, pki, cert) do not.
 */
enum pc_rc conf_check_deploy(const struct conf *c, char *err, size_t errlen);
void conf_free(struct conf *c);

#endif /* PC_CONF_H */
