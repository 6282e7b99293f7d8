/*
 * conf_check.c: what a loaded configuration must hold: values that depend
 * on each other (conf_check_values), development mode's defaults
 * (conf_dev_defaults) and what production refuses (conf_check_deploy).
 * The parser and the table of settings are in conf.c; the checks of one
 * value's form it uses (conf_is_oid, conf_is_hostport) are here.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/conf_int.h"
#include "base/log.h"

static bool
is(const char *v, const char *want)
{
	return v != NULL && strcmp(v, want) == 0;
}

/* Values limited to a set, and settings that only make sense together. */
/* [server] trusted_proxies: addresses, comma- or space-separated. */
static enum pc_rc
proxies_check(const char *list, char *err, size_t errlen)
{
	unsigned char b[16];
	char one[64];
	const char *p = list;
	size_t n;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, ", ");
		if (n > 0) {
			snprintf(one, sizeof(one), "%.*s", (int)n, p);
			if (n >= sizeof(one) ||
			    (inet_pton(AF_INET, one, b) != 1 &&
			        inet_pton(AF_INET6, one, b) != 1)) {
				snprintf(err, errlen,
				    "[server] trusted_proxies: \"%.*s\" is not "
				    "an "
				    "IPv4 or IPv6 address (list the proxies' "
				    "addresses, comma-separated)",
				    (int)(n < 64 ? n : 64), p);
				return PC_EINVAL;
			}
		}
		p = p[n] != '\0' ? p + n + 1 : NULL;
	}
	return PC_OK;
}

/* [store] two roles: a PostgreSQL URL, a signer URL file and a plain
 * lower-case role name (it goes into GRANT statements). */
static enum pc_rc
roles_check(const struct conf_store *st, char *err, size_t errlen)
{
	const char *r = st->web_role;
	bool ok = r != NULL && *r != '\0' && strlen(r) < 64 &&
	          ((*r >= 'a' && *r <= 'z') || *r == '_');

	if (r == NULL && st->signer_url_file == NULL)
		return PC_OK;
	for (; ok && r != NULL && *r != '\0'; r++)
		ok = (*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') ||
		     *r == '_';
	if (!ok || st->signer_url_file == NULL ||
	    (strncmp(st->url, "postgresql:", 11) != 0 &&
	        strncmp(st->url, "postgres:", 9) != 0)) {
		snprintf(err, errlen,
		    "[store] web_role and signer_url_file go together, with a "
		    "PostgreSQL url: the web side's role (lower-case "
		    "letters, digits, _) and a file holding the signer's URL");
		return PC_EINVAL;
	}
	return PC_OK;
}

enum pc_rc
conf_check_values(const struct conf *c, char *err, size_t errlen)
{
	const struct conf_notify *n = &c->notify;
	const char *p = c->shop.provider;

	if (n->mail_driver != NULL && !is(n->mail_driver, "outbox") &&
	    !is(n->mail_driver, "smtp")) {
		snprintf(err, errlen,
		    "[notify] mail_driver: \"%s\" is not smtp (or outbox in "
		    "development mode)",
		    n->mail_driver);
		return PC_EINVAL;
	}
	if (n->sms_driver != NULL && !is(n->sms_driver, "outbox") &&
	    !is(n->sms_driver, "sms-http")) {
		snprintf(err, errlen,
		    "[notify] sms_driver: \"%s\" is not sms-http (or outbox "
		    "in development mode)",
		    n->sms_driver);
		return PC_EINVAL;
	}
	if (!is(c->server.sign_level, "B-B") &&
	    !is(c->server.sign_level, "B-T") &&
	    !is(c->server.sign_level, "B-LT") &&
	    !is(c->server.sign_level, "B-LTA")) {
		snprintf(err, errlen,
		    "[server] sign_level: \"%s\" is not B-B, B-T, B-LT or "
		    "B-LTA (the default, for documents verifiable for decades)",
		    c->server.sign_level);
		return PC_EINVAL;
	}
	if (proxies_check(c->server.trusted_proxies, err, errlen) != PC_OK ||
	    roles_check(&c->store, err, errlen) != PC_OK)
		return PC_EINVAL;
	if (p != NULL && !is(p, "sandbox") && !is(p, "netopia")) {
		snprintf(err, errlen,
		    "[shop] provider: \"%s\" is not netopia (or sandbox in "
		    "development mode)",
		    p);
		return PC_EINVAL;
	}
	if (strncmp(n->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(n->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errlen,
		    "[notify] smtp_url: \"%s\" is not an smtp:// or smtps:// "
		    "URL",
		    n->smtp_url);
		return PC_EINVAL;
	}
	if ((n->smtp_user == NULL) != (n->smtp_password_file == NULL)) {
		snprintf(err, errlen,
		    "[notify] smtp_user and "
		    "smtp_password_file go together");
		return PC_EINVAL;
	}
	if (is(n->sms_driver, "sms-http") &&
	    (n->sms_url == NULL || n->sms_token_file == NULL)) {
		snprintf(err, errlen,
		    "[notify] sms_driver = sms-http needs "
		    "sms_url and sms_token_file");
		return PC_EINVAL;
	}
	if (is(p, "netopia") && (c->shop.netopia_api_key_file == NULL ||
	                            c->shop.netopia_pos_signature == NULL ||
	                            c->shop.netopia_public_key_file == NULL)) {
		snprintf(err, errlen,
		    "[shop] provider = netopia needs netopia_api_key_file, "
		    "netopia_pos_signature and netopia_public_key_file");
		return PC_EINVAL;
	}
	return PC_OK;
}

/* Development mode: what production must name, dev mode fills in. */
enum pc_rc
conf_dev_defaults(struct conf *c)
{
	char **f[] = { &c->notify.mail_driver, &c->notify.sms_driver,
		&c->shop.provider };
	const char *v[] = { "outbox", "outbox", "sandbox" };
	size_t i;

	if (!c->server.dev_mode)
		return PC_OK;
	for (i = 0; i < PC_ARRAY_LEN(f); i++) {
		if (*f[i] != NULL)
			continue;
		*f[i] = strdup(v[i]);
		if (*f[i] == NULL)
			return PC_ENOMEM;
	}
	return PC_OK;
}

/*
 * Production serves on https://: the public URL is in every certificate
 * and e-mailed link. Plain http:// only to this machine (a local proxy,
 * tests).
 */
static enum pc_rc
public_url_check(const char *u, char *err, size_t errlen)
{
	static const char *const local[] = { "http://127.0.0.1",
		"http://localhost", "http://[::1]" };
	size_t i, n;

	if (u == NULL || strncmp(u, "https://", 8) == 0)
		return PC_OK;
	for (i = 0; i < PC_ARRAY_LEN(local); i++) {
		n = strlen(local[i]);
		if (strncmp(u, local[i], n) == 0 &&
		    (u[n] == '\0' || u[n] == ':' || u[n] == '/'))
			return PC_OK;
	}
	snprintf(err, errlen,
	    "[server] public_url = %s is plain http: set the https:// address "
	    "the provider is reached at (TLS in the proxy in front)",
	    u);
	return PC_EINVAL;
}

enum pc_rc
conf_check_deploy(const struct conf *c, char *err, size_t errlen)
{
	static const struct {
		size_t off;
		const char *what, *how;
	} need[] = {
		{ offsetof(struct conf, notify.mail_driver),
		    "[notify] mail_driver",
		    "smtp, with smtp_url (and smtp_user/smtp_password_file "
		    "if the server asks)" },
		{ offsetof(struct conf, notify.sms_driver),
		    "[notify] sms_driver",
		    "sms-http, with sms_url and "
		    "sms_token_file" },
		{ offsetof(struct conf, shop.provider), "[shop] provider",
		    "netopia, with netopia_api_key_file, "
		    "netopia_pos_signature and netopia_public_key_file" },
	};
	/* Keys whose defaults are examples: production sets its own. */
	static const struct {
		const char *sec, *key;
	} examples[] = {
		{ "pki", "policy_oid" },
		{ "pki", "tsa_policy_oid" },
		{ "pki", "pds_url" },
		{ "pki", "cps_url" },
		{ "notify", "mail_from" },
		{ "shop", "seller_name" },
		{ "shop", "seller_cui" },
		{ "shop", "seller_address" },
		{ "shop", "seller_reg" },
		{ "shop", "contact_email" },
		{ "shop", "contact_phone" },
		{ "shop", "dpo_email" },
	};
	const char *v;
	size_t i;

	if (c->server.dev_mode)
		return PC_OK;
	for (i = 0; i < PC_ARRAY_LEN(need); i++) {
		v = *(char *const *)((const char *)c + need[i].off);
		if (v == NULL || v[0] == '\0') {
			snprintf(err, errlen, "%s is not set: set it to %s",
			    need[i].what, need[i].how);
			return PC_EINVAL;
		}
		if (is(v, "outbox") || is(v, "sandbox")) {
			snprintf(err, errlen,
			    "%s = %s is for development only (dev_mode = "
			    "false): set it to %s",
			    need[i].what, v, need[i].how);
			return PC_EINVAL;
		}
	}
	for (i = 0; i < PC_ARRAY_LEN(examples); i++) {
		const char *def;
		size_t off;

		RETURN_VAL_IF_FAIL(conf_key_default(examples[i].sec,
		                       examples[i].key, &def, &off) == PC_OK &&
		                       def != NULL,
		    PC_EINVAL);
		v = *(char *const *)((const char *)c + off);
		if (v != NULL && strcmp(v, def) != 0)
			continue;
		snprintf(err, errlen,
		    "[%s] %s is still the example value \"%s\": set the "
		    "provider's own (it appears in certificates, invoices, "
		    "e-mails or legal texts)",
		    examples[i].sec, examples[i].key, def);
		return PC_EINVAL;
	}
	return public_url_check(c->server.public_url, err, errlen);
}

bool
conf_is_oid(const char *v)
{
	int arcs = 0;
	const char *p = v;

	while (*p) {
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		arcs++;
		if (*p == '.') {
			p++;
			if (*p == '\0')
				return false;
		} else if (*p != '\0')
			return false;
	}
	return arcs >= 2;
}

bool
conf_is_hostport(const char *v)
{
	const char *colon;
	char *end;
	long port;

	colon = strrchr(v, ':');
	if (colon == NULL || colon == v)
		return false;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 0 ||
	    port > 65535)
		return false;
	return true;
}
