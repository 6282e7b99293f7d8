/*
 * conf.c: the strict INI parser and the table of every setting.
 *
 * To add a setting: a field in conf.h, a row in the section's table below
 * (name, type, offset, bounds, default). Nothing else reads the file.
 */
#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/conf_int.h"
#include "base/log.h"

enum conf_type {
	CONF_STR,      /* any printable text */
	CONF_PATH,     /* a file path; relative ones are under the data dir */
	CONF_INT,      /* decimal, within [min, max] */
	CONF_BOOL,     /* true/false/yes/no/on/off/1/0 */
	CONF_URL,      /* http:// or https:// (or the scheme a key allows) */
	CONF_OID,      /* dotted decimal object identifier */
	CONF_HOSTPORT, /* host:port */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;       /* offset in struct conf */
	int64_t min, max; /* CONF_INT */
	const char *def;  /* default as text, NULL = none */
};

struct conf_section {
	const char *name;
	const struct conf_key *keys;
	size_t nkeys;
};

#define K(sec, field) offsetof(struct conf, sec.field)

static const struct conf_key server_keys[] = {
	{ "listen", CONF_HOSTPORT, K(server, listen), 0, 0, "127.0.0.1:8080" },
	{ "public_url", CONF_URL, K(server, public_url), 0, 0,
	    "http://127.0.0.1:8080" },
	{ "threads", CONF_INT, K(server, threads), 1, 256, "8" },
	{ "sign_workers", CONF_INT, K(server, sign_workers), 1, 32, "4" },
	{ "sign_level", CONF_STR, K(server, sign_level), 0, 0, "B-LTA" },
	{ "max_body", CONF_INT, K(server, max_body), 1024, 1LL << 31, "65536" },
	{ "conn_timeout", CONF_INT, K(server, conn_timeout), 1, 3600, "30" },
	{ "dev_mode", CONF_BOOL, K(server, dev_mode), 0, 0, "false" },
	{ "web_root", CONF_PATH, K(server, web_root), 0, 0,
	    PECETE_SOURCE_DIR "/web" },
	{ "legal_dir", CONF_PATH, K(server, legal_dir), 0, 0,
	    PECETE_SOURCE_DIR "/data/legal" },
	{ "metrics_token_file", CONF_PATH, K(server, metrics_token_file), 0, 0,
	    NULL },
	{ "trusted_proxies", CONF_STR, K(server, trusted_proxies), 0, 0, NULL },
	{ "trust_anchors", CONF_PATH, K(server, trust_anchors), 0, 0, NULL },
	{ "trusted_lists", CONF_STR, K(server, trusted_lists), 0, 0, NULL },
	{ "trusted_list_signers", CONF_STR, K(server, trusted_list_signers), 0,
	    0, NULL },
	{ "oauth_access_ttl", CONF_INT, K(server, oauth_access_ttl), 60, 86400,
	    "600" },
	{ "oauth_grant_max_days", CONF_INT, K(server, oauth_grant_max_days), 1,
	    3650, "90" },
	{ "api_per_min_ip", CONF_INT, K(server, api_per_min_ip), 10, 1000000,
	    "600" },
	{ "api_per_min_user", CONF_INT, K(server, api_per_min_user), 10,
	    1000000, "600" },
	{ "user", CONF_STR, K(server, user), 0, 0, NULL },
};

static const struct conf_key store_keys[] = {
	{ "url", CONF_STR, K(store, url), 0, 0, "sqlite:pecete.db" },
	{ "pool", CONF_INT, K(store, pool), 1, 256, "8" },
	{ "files_dir", CONF_PATH, K(store, files_dir), 0, 0, "files" },
	{ "vault_key_file", CONF_PATH, K(store, vault_key_file), 0, 0,
	    "vault.key" },
	{ "signer_url_file", CONF_PATH, K(store, signer_url_file), 0, 0, NULL },
	{ "web_role", CONF_STR, K(store, web_role), 0, 0, NULL },
};

static const struct conf_key hsm_keys[] = {
	{ "module", CONF_PATH, K(hsm, module), 0, 0,
	    "/usr/lib/softhsm/libsofthsm2.so" },
	{ "token_label", CONF_STR, K(hsm, token_label), 0, 0, "pecete" },
	{ "pin_file", CONF_PATH, K(hsm, pin_file), 0, 0, "hsm.pin" },
	{ "softhsm_conf", CONF_PATH, K(hsm, softhsm_conf), 0, 0,
	    "softhsm2.conf" },
	{ "pool", CONF_INT, K(hsm, pool), 1, 64, "8" },
};

static const struct conf_key pki_keys[] = {
	{ "org", CONF_STR, K(pki, org), 0, 0, "Pecete" },
	{ "org_id", CONF_STR, K(pki, org_id), 0, 0, "NTRRO-PECETE" },
	{ "country", CONF_STR, K(pki, country), 0, 0, "RO" },
	/* Arc under an example private enterprise number; set your own. */
	{ "policy_oid", CONF_OID, K(pki, policy_oid), 0, 0,
	    "1.3.6.1.4.1.55555.1.1" },
	{ "tsa_policy_oid", CONF_OID, K(pki, tsa_policy_oid), 0, 0,
	    "1.3.6.1.4.1.55555.1.2" },
	{ "pds_url", CONF_URL, K(pki, pds_url), 0, 0,
	    "https://pecete.example/pds-en.pdf" },
	{ "cps_url", CONF_URL, K(pki, cps_url), 0, 0,
	    "https://pecete.example/cps.pdf" },
	{ "crl_hours", CONF_INT, K(pki, crl_hours), 1, 24 * 366, "168" },
	{ "crl_renew_hours", CONF_INT, K(pki, crl_renew_hours), 0, 24 * 365,
	    "24" },
	{ "ocsp_max_request", CONF_INT, K(pki, ocsp_max_request), 128, 1 << 20,
	    "16384" },
	{ "tsa_max_request", CONF_INT, K(pki, tsa_max_request), 128, 1 << 20,
	    "16384" },
	{ "tsa_accuracy_ms", CONF_INT, K(pki, tsa_accuracy_ms), 1, 60000,
	    "1000" },
};

static const struct conf_key signer_keys[] = {
	{ "timeout_ms", CONF_INT, K(signer, timeout_ms), 100, 600000, "10000" },
	{ "max_message", CONF_INT, K(signer, max_message), 4096, 1 << 24,
	    "65536" },
	{ "totp_key_file", CONF_PATH, K(signer, totp_key_file), 0, 0,
	    "totp.key" },
	{ "user", CONF_STR, K(signer, user), 0, 0, NULL },
};

/* The authentication key's SAD without hashes (the virtual token's TLS
 * client authentication): one code for this many seconds. */
static const struct conf_key csc_keys[] = {
	{ "auth_sad_ttl", CONF_INT, K(csc, auth_sad_ttl), 30, 3600, "300" },
};

static const struct conf_key account_keys[] = {
	{ "sms_code_ttl_s", CONF_INT, K(account, sms_code_ttl_s), 30, 86400,
	    "600" },
	{ "resend_min_s", CONF_INT, K(account, resend_min_s), 0, 86400,
	    "1800" },
	{ "invitation_ttl_s", CONF_INT, K(account, invitation_ttl_s), 60,
	    30 * 86400, "172800" },
	{ "recovery_ttl_s", CONF_INT, K(account, recovery_ttl_s), 60, 86400,
	    "3600" },
	{ "phone_code_ttl_s", CONF_INT, K(account, phone_code_ttl_s), 30, 86400,
	    "300" },
	{ "twofa_mandatory_after", CONF_STR, K(account, twofa_mandatory_after),
	    0, 0, "2026-12-31" },
	{ "totp_max_failures", CONF_INT, K(account, totp_max_failures), 1, 100,
	    "5" },
	{ "totp_lock_s", CONF_INT, K(account, totp_lock_s), 1, 86400, "900" },
	{ "session_idle_s", CONF_INT, K(account, session_idle_s), 60, 86400,
	    "1800" },
	{ "session_max_s", CONF_INT, K(account, session_max_s), 60, 30 * 86400,
	    "43200" },
	{ "login_max_failures", CONF_INT, K(account, login_max_failures), 1,
	    1000, "10" },
	{ "login_lock_s", CONF_INT, K(account, login_lock_s), 1, 86400, "900" },
	{ "login_per_min_ip", CONF_INT, K(account, login_per_min_ip), 1, 100000,
	    "10" },
	/* Unset: the version of data/legal/privacy.*.md (one source). */
	{ "privacy_version", CONF_STR, K(account, privacy_version), 0, 0,
	    NULL },
	{ "gdpr_version", CONF_STR, K(account, gdpr_version), 0, 0, NULL },
	{ "app_consent_version", CONF_STR, K(account, app_consent_version), 0,
	    0, "2025-01" },
};

static const struct conf_key log_keys[] = {
	{ "level", CONF_STR, K(log, level), 0, 0, "info" },
};

/* Outgoing e-mail and SMS (src/notify). Secrets are files. */
static const struct conf_key notify_keys[] = {
	/* No default: production names smtp / sms-http; dev mode outbox. */
	{ "mail_driver", CONF_STR, K(notify, mail_driver), 0, 0, NULL },
	{ "sms_driver", CONF_STR, K(notify, sms_driver), 0, 0, NULL },
	{ "smtp_url", CONF_STR, K(notify, smtp_url), 0, 0,
	    "smtp://127.0.0.1:25" },
	{ "smtp_starttls", CONF_BOOL, K(notify, smtp_starttls), 0, 0, "true" },
	{ "smtp_user", CONF_STR, K(notify, smtp_user), 0, 0, NULL },
	{ "smtp_password_file", CONF_PATH, K(notify, smtp_password_file), 0, 0,
	    NULL },
	{ "smtp_ca_file", CONF_PATH, K(notify, smtp_ca_file), 0, 0, NULL },
	{ "mail_from", CONF_STR, K(notify, mail_from), 0, 0,
	    "Pecete <no-reply@pecete.example>" },
	{ "sms_url", CONF_URL, K(notify, sms_url), 0, 0, NULL },
	{ "sms_token_file", CONF_PATH, K(notify, sms_token_file), 0, 0, NULL },
	{ "sms_sender", CONF_STR, K(notify, sms_sender), 0, 0, "Pecete" },
	{ "max_attempts", CONF_INT, K(notify, max_attempts), 1, 50, "6" },
	{ "retry_base_s", CONF_INT, K(notify, retry_base_s), 1, 86400, "30" },
	{ "timeout_s", CONF_INT, K(notify, timeout_s), 1, 600, "30" },
};

/* The shop (src/shop); docs/operations.md, "Payments". */
static const struct conf_key shop_keys[] = {
	{ "vat_bp", CONF_INT, K(shop, vat_bp), 0, 10000, "2100" },
	{ "bnr_url", CONF_URL, K(shop, bnr_url), 0, 0,
	    "https://www.bnr.ro/nbrfxrates.xml" },
	{ "fallback_rate", CONF_STR, K(shop, fallback_rate), 0, 0, "4.9700" },
	{ "bnr_timeout_s", CONF_INT, K(shop, bnr_timeout_s), 1, 120, "10" },
	/* No default: production names netopia; dev mode the sandbox. */
	{ "provider", CONF_STR, K(shop, provider), 0, 0, NULL },
	{ "invoice_series", CONF_STR, K(shop, invoice_series), 0, 0, "PCT" },
	{ "sandbox_key_file", CONF_PATH, K(shop, sandbox_key_file), 0, 0,
	    "sandbox.key" },
	{ "netopia_api_url", CONF_URL, K(shop, netopia_api_url), 0, 0,
	    "https://secure.sandbox.netopia-payments.com" },
	{ "netopia_api_key_file", CONF_PATH, K(shop, netopia_api_key_file), 0,
	    0, NULL },
	{ "netopia_pos_signature", CONF_STR, K(shop, netopia_pos_signature), 0,
	    0, NULL },
	{ "netopia_public_key_file", CONF_PATH,
	    K(shop, netopia_public_key_file), 0, 0, NULL },
	{ "seller_name", CONF_STR, K(shop, seller_name), 0, 0,
	    "Pecete S.R.L." },
	{ "seller_cui", CONF_STR, K(shop, seller_cui), 0, 0, "RO00000000" },
	{ "seller_address", CONF_STR, K(shop, seller_address), 0, 0,
	    "Bucure\xc8\x99ti, Rom\xc3\xa2nia" },
	{ "seller_reg", CONF_STR, K(shop, seller_reg), 0, 0, "J00/0000/2026" },
	{ "contact_email", CONF_STR, K(shop, contact_email), 0, 0,
	    "contact@pecete.example" },
	{ "contact_phone", CONF_STR, K(shop, contact_phone), 0, 0,
	    "+40 000 000 000" },
	{ "dpo_email", CONF_STR, K(shop, dpo_email), 0, 0,
	    "dpo@pecete.example" },
};

static const struct conf_key lifecycle_keys[] = {
	{ "remind_first_days", CONF_INT, K(lifecycle, remind_first_days), 1,
	    365, "45" },
	{ "remind_second_days", CONF_INT, K(lifecycle, remind_second_days), 1,
	    365, "15" },
};

static const struct conf_key privacy_keys[] = {
	{ "invoice_years", CONF_INT, K(privacy, invoice_years), 5, 50, "10" },
	{ "unpaid_order_days", CONF_INT, K(privacy, unpaid_order_days), 1, 3650,
	    "365" },
	{ "outbox_days", CONF_INT, K(privacy, outbox_days), 1, 3650, "30" },
	{ "messages_years", CONF_INT, K(privacy, messages_years), 1, 30, "3" },
};

static const struct conf_key ra_keys[] = {
	{ "review_hours", CONF_INT, K(ra, review_hours), 1, 720, "24" },
	{ "claim_minutes", CONF_INT, K(ra, claim_minutes), 1, 480, "15" },
	{ "max_rejections", CONF_INT, K(ra, max_rejections), 1, 20, "3" },
	{ "max_video_mb", CONF_INT, K(ra, max_video_mb), 1, 4096, "150" },
	{ "max_image_kb", CONF_INT, K(ra, max_image_kb), 16, 65536, "3072" },
	/* Privacy notice: 10 years after the certificate ends; 3 years
	 * after a rejection. */
	{ "retention_accepted_years", CONF_INT, K(ra, retention_accepted_years),
	    1, 50, "10" },
	{ "retention_rejected_days", CONF_INT, K(ra, retention_rejected_days),
	    1, 36500, "1095" },
	{ "retention_open_days", CONF_INT, K(ra, retention_open_days), 1, 3650,
	    "30" },
};

#define SECTION(n, t)                                                          \
	{                                                                      \
		n, t, PC_ARRAY_LEN(t)                                          \
	}

static const struct conf_section sections[] = {
	SECTION("server", server_keys),
	SECTION("store", store_keys),
	SECTION("hsm", hsm_keys),
	SECTION("pki", pki_keys),
	SECTION("signer", signer_keys),
	SECTION("csc", csc_keys),
	SECTION("account", account_keys),
	SECTION("log", log_keys),
	SECTION("notify", notify_keys),
	SECTION("shop", shop_keys),
	SECTION("ra", ra_keys),
	SECTION("lifecycle", lifecycle_keys),
	SECTION("privacy", privacy_keys),
};

static const struct conf_section *
conf_section_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(sections); i++)
		if (strlen(sections[i].name) == n &&
		    strncmp(sections[i].name, name, n) == 0)
			return &sections[i];
	return NULL;
}

static const struct conf_key *
conf_key_find(const struct conf_section *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++)
		if (strlen(s->keys[i].name) == n &&
		    strncmp(s->keys[i].name, name, n) == 0)
			return &s->keys[i];
	return NULL;
}

enum pc_rc
conf_key_default(
    const char *sec, const char *key, const char **def, size_t *off)
{
	const struct conf_section *s = conf_section_find(sec, strlen(sec));
	const struct conf_key *k =
	    s != NULL ? conf_key_find(s, key, strlen(key)) : NULL;

	if (k == NULL)
		return PC_ENOTFOUND;
	*def = k->def;
	*off = k->off;
	return PC_OK;
}

static bool
is_printable(const char *v)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Store one value; err gets the reason on failure. */
static enum pc_rc
conf_set(struct conf *c, const struct conf_key *k, const char *v, char *err,
    size_t errlen)
{
	char **sp;
	int64_t *ip;
	bool *bp;
	char *end, *copy;
	long long n;

	if (!is_printable(v)) {
		snprintf(
		    err, errlen, "%s: control characters in value", k->name);
		return PC_EINVAL;
	}
	switch (k->type) {
	case CONF_INT:
		ip = (int64_t *)((char *)c + k->off);
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0') {
			snprintf(err, errlen, "%s: \"%s\" is not a number",
			    k->name, v);
			return PC_EINVAL;
		}
		if (n < k->min || n > k->max) {
			snprintf(err, errlen,
			    "%s: %lld is out of range [%lld, %lld]", k->name, n,
			    (long long)k->min, (long long)k->max);
			return PC_EINVAL;
		}
		*ip = n;
		return PC_OK;
	case CONF_BOOL:
		bp = (bool *)((char *)c + k->off);
		if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
		    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
			*bp = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
		         strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
			*bp = false;
		else {
			snprintf(err, errlen, "%s: \"%s\" is not true or false",
			    k->name, v);
			return PC_EINVAL;
		}
		return PC_OK;
	case CONF_URL:
		if (strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0) {
			snprintf(err, errlen,
			    "%s: \"%s\" is not an http:// or https:// URL",
			    k->name, v);
			return PC_EINVAL;
		}
		break;
	case CONF_OID:
		if (!conf_is_oid(v)) {
			snprintf(err, errlen,
			    "%s: \"%s\" is not a dotted OID (like 1.2.3.4)",
			    k->name, v);
			return PC_EINVAL;
		}
		break;
	case CONF_HOSTPORT:
		if (!conf_is_hostport(v)) {
			snprintf(err, errlen,
			    "%s: \"%s\" is not host:port (like "
			    "127.0.0.1:8080)",
			    k->name, v);
			return PC_EINVAL;
		}
		break;
	case CONF_STR:
	case CONF_PATH:
		if (*v == '\0') {
			snprintf(err, errlen, "%s: empty value", k->name);
			return PC_EINVAL;
		}
		break;
	}
	copy = strdup(v);
	if (copy == NULL)
		return PC_ENOMEM;
	sp = (char **)((char *)c + k->off);
	free(*sp);
	*sp = copy;
	return PC_OK;
}

enum pc_rc
conf_defaults(struct conf *c, const char *data_dir)
{
	char err[256];
	size_t i, j;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	c->data_dir = strdup(data_dir ? data_dir : ".");
	if (c->data_dir == NULL)
		return PC_ENOMEM;
	for (i = 0; i < PC_ARRAY_LEN(sections); i++) {
		for (j = 0; j < sections[i].nkeys; j++) {
			if (sections[i].keys[j].def == NULL)
				continue;
			rc = conf_set(c, &sections[i].keys[j],
			    sections[i].keys[j].def, err, sizeof(err));
			if (rc != PC_OK)
				return PC_EINTERNAL;
		}
	}
	return PC_OK;
}

static void
trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

enum pc_rc
conf_parse(
    struct conf *c, const char *text, size_t len, char *err, size_t errlen)
{
	const struct conf_section *sec = NULL;
	const struct conf_key *k;
	const char *p = text, *end = text + len, *nl, *b, *e, *eq, *hash;
	char seen[64][8]; /* seen[section][key] bitmap, small tables */
	char val[CONF_MAX_LINE + 1], why[CONF_MAX_LINE + 128];
	size_t secidx = 0, keyidx, lineno = 0;
	enum pc_rc rc;

	memset(seen, 0, sizeof(seen));
	if (len > CONF_MAX_BYTES) {
		snprintf(err, errlen, "file is larger than %d bytes",
		    CONF_MAX_BYTES);
		return PC_EINVAL;
	}
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl ? nl : end;
		b = p;
		p = nl ? nl + 1 : end;
		if ((size_t)(e - b) > CONF_MAX_LINE) {
			snprintf(err, errlen, "line %zu: longer than %d bytes",
			    lineno, CONF_MAX_LINE);
			return PC_EINVAL;
		}
		if (memchr(b, '\0', (size_t)(e - b)) != NULL) {
			snprintf(err, errlen, "line %zu: NUL byte", lineno);
			return PC_EINVAL;
		}
		trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[') {
			if (e[-1] != ']' || e - b < 3) {
				snprintf(err, errlen,
				    "line %zu: a section line is [name]",
				    lineno);
				return PC_EINVAL;
			}
			sec = conf_section_find(b + 1, (size_t)(e - b - 2));
			if (sec == NULL) {
				snprintf(err, errlen,
				    "line %zu: unknown section [%.*s]", lineno,
				    (int)(e - b - 2), b + 1);
				return PC_EINVAL;
			}
			secidx = (size_t)(sec - sections);
			continue;
		}
		eq = memchr(b, '=', (size_t)(e - b));
		if (eq == NULL) {
			snprintf(err, errlen,
			    "line %zu: expected key = value or [section]",
			    lineno);
			return PC_EINVAL;
		}
		if (sec == NULL) {
			snprintf(err, errlen,
			    "line %zu: key outside any [section]", lineno);
			return PC_EINVAL;
		}
		{
			const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;

			trim(&kb, &ke);
			/* A comment after a value needs whitespace before. */
			for (hash = vb; hash < ve; hash++)
				if ((*hash == '#' || *hash == ';') &&
				    hash > vb &&
				    isspace((unsigned char)hash[-1])) {
					ve = hash;
					break;
				}
			trim(&vb, &ve);
			k = conf_key_find(sec, kb, (size_t)(ke - kb));
			if (k == NULL) {
				snprintf(err, errlen,
				    "line %zu: unknown key \"%.*s\" in [%s]",
				    lineno, (int)(ke - kb), kb, sec->name);
				return PC_EINVAL;
			}
			keyidx = (size_t)(k - sec->keys);
			if (seen[secidx][keyidx / 8] & (1 << (keyidx % 8))) {
				snprintf(err, errlen,
				    "line %zu: \"%s\" is set twice in [%s]",
				    lineno, k->name, sec->name);
				return PC_EINVAL;
			}
			seen[secidx][keyidx / 8] |= (char)(1 << (keyidx % 8));
			memcpy(val, vb, (size_t)(ve - vb));
			val[ve - vb] = '\0';
			rc = conf_set(c, k, val, why, sizeof(why));
			if (rc != PC_OK) {
				snprintf(err, errlen, "line %zu: [%s] %s",
				    lineno, sec->name, why);
				return rc;
			}
		}
	}
	return PC_OK;
}

enum pc_rc
conf_env(struct conf *c, char *err, size_t errlen)
{
	char name[128], why[512];
	const char *v;
	size_t i, j, n;
	enum pc_rc rc;

	for (i = 0; i < PC_ARRAY_LEN(sections); i++) {
		for (j = 0; j < sections[i].nkeys; j++) {
			snprintf(name, sizeof(name), "PECETE_%s_%s",
			    sections[i].name, sections[i].keys[j].name);
			for (n = 0; name[n]; n++)
				name[n] = (char)toupper((unsigned char)name[n]);
			v = getenv(name);
			if (v == NULL)
				continue;
			rc = conf_set(
			    c, &sections[i].keys[j], v, why, sizeof(why));
			if (rc != PC_OK) {
				snprintf(err, errlen, "environment %s: %s",
				    name, why);
				return rc;
			}
		}
	}
	return PC_OK;
}

/* Make relative paths absolute under the data dir. */
static enum pc_rc
conf_resolve_paths(struct conf *c)
{
	char **sp, *abs;
	size_t i, j, n;

	for (i = 0; i < PC_ARRAY_LEN(sections); i++) {
		for (j = 0; j < sections[i].nkeys; j++) {
			if (sections[i].keys[j].type != CONF_PATH)
				continue;
			sp = (char **)((char *)c + sections[i].keys[j].off);
			if (*sp == NULL || (*sp)[0] == '/')
				continue;
			n = strlen(c->data_dir) + strlen(*sp) + 2;
			abs = malloc(n);
			if (abs == NULL)
				return PC_ENOMEM;
			snprintf(abs, n, "%s/%s", c->data_dir, *sp);
			free(*sp);
			*sp = abs;
		}
	}
	/* sqlite:relative.db lives in the data dir too. */
	if (strncmp(c->store.url, "sqlite:", 7) == 0 &&
	    c->store.url[7] != '/') {
		n = strlen(c->data_dir) + strlen(c->store.url) + 2;
		abs = malloc(n);
		if (abs == NULL)
			return PC_ENOMEM;
		snprintf(abs, n, "sqlite:%s/%s", c->data_dir, c->store.url + 7);
		free(c->store.url);
		c->store.url = abs;
	}
	return PC_OK;
}

enum pc_rc
conf_load(struct conf *c, const char *data_dir, const char *path,
    bool must_exist, char *err, size_t errlen)
{
	struct buf text;
	char abs_dir[PATH_MAX];
	const char *dir = data_dir ? data_dir : ".";
	enum pc_rc rc;

	if (realpath(dir, abs_dir) != NULL)
		dir = abs_dir;
	rc = conf_defaults(c, dir);
	if (rc != PC_OK) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	if (path != NULL) {
		rc = file_read(path, CONF_MAX_BYTES, &text);
		if (rc == PC_ENOTFOUND && !must_exist) {
			rc = PC_OK;
		} else if (rc != PC_OK) {
			snprintf(err, errlen, "%s: %s", path,
			    rc == PC_ENOTFOUND ? "no such file"
			    : rc == PC_ELIMIT  ? "file too large"
			                       : "cannot read");
			return rc;
		} else {
			c->path = strdup(path);
			rc = conf_parse(
			    c, (const char *)text.data, text.len, err, errlen);
			buf_cleanup(&text);
			if (rc != PC_OK)
				return rc;
		}
	}
	rc = conf_env(c, err, errlen);
	if (rc != PC_OK)
		return rc;
	rc = conf_dev_defaults(c);
	if (rc != PC_OK) {
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rc = conf_check_values(c, err, errlen);
	if (rc != PC_OK)
		return rc;
	rc = conf_resolve_paths(c);
	if (rc != PC_OK)
		snprintf(err, errlen, "out of memory");
	return rc;
}

enum pc_rc
conf_write(const struct conf *c, const char *path)
{
	struct buf b;
	const struct conf_key *k;
	const char *v;
	char num[32];
	size_t i, j, dl;
	enum pc_rc rc;

	buf_init(&b, CONF_MAX_BYTES);
	buf_append_str(&b, "# Pecete configuration. Every key can be "
	                   "overridden by PECETE_<SECTION>_<KEY>.\n"
	                   "# Relative paths are under the data directory.\n");
	dl = strlen(c->data_dir);
	for (i = 0; i < PC_ARRAY_LEN(sections); i++) {
		buf_printf(&b, "\n[%s]\n", sections[i].name);
		for (j = 0; j < sections[i].nkeys; j++) {
			k = &sections[i].keys[j];
			switch (k->type) {
			case CONF_INT:
				snprintf(num, sizeof(num), "%lld",
				    (long long)*(
				        const int64_t *)((const char *)c +
				                         k->off));
				v = num;
				break;
			case CONF_BOOL:
				v = *(const bool *)((const char *)c + k->off)
				        ? "true"
				        : "false";
				break;
			default:
				v = *(char *const *)((const char *)c + k->off);
				if (v == NULL) {
					/* Shown, so the operator sees what
					 * can be set (check-config says what
					 * must be). */
					buf_printf(&b, "# %s =\n", k->name);
					continue;
				}
				/* Keep the data dir relocatable. */
				if (k->type == CONF_PATH &&
				    strncmp(v, c->data_dir, dl) == 0 &&
				    v[dl] == '/')
					v += dl + 1;
				if (strcmp(k->name, "url") == 0 &&
				    strncmp(v, "sqlite:", 7) == 0 &&
				    strncmp(v + 7, c->data_dir, dl) == 0 &&
				    v[7 + dl] == '/') {
					buf_printf(&b, "%s = sqlite:%s\n",
					    k->name, v + 8 + dl);
					continue;
				}
				break;
			}
			buf_printf(&b, "%s = %s\n", k->name, v);
		}
	}
	if (!buf_ok(&b)) {
		buf_cleanup(&b);
		return PC_ENOMEM;
	}
	rc = file_write_atomic(path, b.data, b.len, 0640);
	buf_cleanup(&b);
	return rc;
}

void
conf_free(struct conf *c)
{
	size_t i, j;
	char **sp;

	for (i = 0; i < PC_ARRAY_LEN(sections); i++) {
		for (j = 0; j < sections[i].nkeys; j++) {
			switch (sections[i].keys[j].type) {
			case CONF_INT:
			case CONF_BOOL:
				continue;
			default:
				sp = (char **)((char *)c +
				               sections[i].keys[j].off);
				free(*sp);
				*sp = NULL;
			}
		}
	}
	free(c->data_dir);
	free(c->path);
	c->data_dir = NULL;
	c->path = NULL;
}
