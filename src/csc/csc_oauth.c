/*
 * csc_oauth.c: the OAuth2 authorization server of the CSC API; see
 * csc_oauth.h. Every handle, code and token is 256 random bits in hex,
 * given out once and stored as its SHA-256.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "account/account.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "csc/csc_oauth.h"
#include "store/store.h"
#include "store/store_token.h"
#include "store/store_account.h"

#define LABEL_CODE "pecete oauth2 access token from code"
#define LABEL_SAD "pecete oauth2 sad pad"

static void
sha256_hex2(const char *label, const char *s, char out[65])
{
	crypto_hash_sha256_state st;
	uint8_t d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(
	    &st, (const uint8_t *)label, strlen(label) + 1);
	crypto_hash_sha256_update(&st, (const uint8_t *)s, strlen(s));
	crypto_hash_sha256_final(&st, d);
	hex_encode(d, sizeof(d), out);
	secret_wipe(d, sizeof(d));
}

void
oauth_code_token(const char *code, char token[CSC_TOKEN_LEN + 1])
{
	sha256_hex2(LABEL_CODE, code, token);
}

enum pc_rc
oauth_sad_xor(const char *token, const char *in, char *out)
{
	char pad[65];
	uint8_t a[32], b[32];
	size_t i;

	if (in == NULL || strlen(in) != 64 ||
	    hex_decode((struct str){ in, 64 }, a, sizeof(a)) != PC_OK)
		return PC_EINVAL;
	sha256_hex2(LABEL_SAD, token, pad);
	if (hex_decode((struct str){ pad, 64 }, b, sizeof(b)) != PC_OK)
		return PC_EINTERNAL;
	for (i = 0; i < sizeof(a); i++)
		a[i] ^= b[i];
	hex_encode(a, sizeof(a), out);
	secret_wipe(a, sizeof(a));
	secret_wipe(b, sizeof(b));
	secret_wipe(pad, sizeof(pad));
	return PC_OK;
}

/* A new handle (hex) and its hash. */
static enum pc_rc
handle_new(char h[CSC_TOKEN_LEN + 1], char hash[STORE_TOKEN_HASH_LEN + 1])
{
	return acct_token_new(h, hash);
}

/* ---- redirect URIs ---------------------------------------------------------
 */

/* http://127.0.0.1:PORT/path or http://[::1]:PORT/path: the loopback
 * host and what follows the port. */
static bool
loopback_split(const char *u, const char **host_end, const char **rest)
{
	const char *p;

	if (strncmp(u, "http://127.0.0.1", 16) == 0)
		p = u + 16;
	else if (strncmp(u, "http://[::1]", 12) == 0)
		p = u + 12;
	else
		return false;
	*host_end = p;
	if (*p == ':') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0' && *p != '/' && *p != '?')
		return false;
	*rest = p;
	return true;
}

/* uri is one of the registered (one per line): exactly, or a loopback
 * one with another port (RFC 8252 §7.3). */
static bool
redirect_ok(const char *registered, const char *uri)
{
	const char *p = registered, *he, *rest, *rhe, *rrest;
	size_t n = strlen(uri);
	bool loop = loopback_split(uri, &he, &rest);

	if (n == 0 || n > 2000 || strchr(uri, '#') != NULL)
		return false;
	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t k = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char one[2048];

		if (k < sizeof(one)) {
			memcpy(one, p, k);
			one[k] = '\0';
			if (strcmp(one, uri) == 0)
				return true;
			if (loop && loopback_split(one, &rhe, &rrest) &&
			    (size_t)(rhe - one) == (size_t)(he - uri) &&
			    strncmp(one, uri, (size_t)(he - uri)) == 0 &&
			    strcmp(rrest, rest) == 0)
				return true;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	return false;
}

/* A redirect URI we register: absolute https, or http on a loopback
 * address, or a private scheme (app.example:/cb); no fragment. */
static bool
redirect_valid(const char *u, size_t n)
{
	const char *he, *rest;
	size_t i;

	if (n == 0 || n > 2000 || memchr(u, '#', n) != NULL)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
			return false;
	if (strncmp(u, "https://", 8) == 0)
		return n > 8;
	if (strncmp(u, "http://", 7) == 0) {
		char one[2048];

		memcpy(one, u, n);
		one[n] = '\0';
		return loopback_split(one, &he, &rest);
	}
	/* A private-use scheme: letters, digits, "+-." then ':'. */
	for (i = 0; i < n && (isalnum((unsigned char)u[i]) || u[i] == '+' ||
	                         u[i] == '-' || u[i] == '.');
	     i++)
		;
	return i > 0 && i < n && u[i] == ':' && memchr(u, '.', i) != NULL;
}

/* ---- clients
 * ------------------------------------------------------------------ */

enum pc_rc
oauth_client_add(const struct pc_env *e, const char *name,
    const char *redirects, bool public_client, const char *auth_mode,
    char id[STORE_TOKEN_ID_MAX + 1], char secret[OAUTH_SECRET_LEN + 1],
    struct pc_err *err)
{
	struct store_oauth_client c;
	struct db *db = NULL;
	const char *p;
	enum pc_rc rc;

	id[0] = secret[0] = '\0';
	memset(&c, 0, sizeof(c));
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) > STORE_OAUTH_NAME_MAX)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "name");
	if (strcmp(auth_mode, "explicit") != 0 &&
	    strcmp(auth_mode, "oauth2code") != 0)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "auth-mode");
	for (p = redirects; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t k = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (!redirect_valid(p, k))
			return pc_fail(
			    err, PC_EINVAL, PCE_FIELD_INVALID, "redirect");
		p = nl != NULL ? nl + 1 : NULL;
	}
	if (redirects == NULL || redirects[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "redirect");
	rc = rnd_hex(16, c.id);
	if (rc == PC_OK && !public_client)
		rc = acct_token_new(secret, c.secret_hash);
	if (rc != PC_OK)
		return rc;
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.type, sizeof(c.type), "%s",
	    public_client ? "public" : "confidential");
	snprintf(c.auth_mode, sizeof(c.auth_mode), "%s", auth_mode);
	c.redirect_uris = strdup(redirects);
	if (c.redirect_uris == NULL)
		return PC_ENOMEM;
	c.created_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_client_insert(db, &c);
	if (rc == PC_OK)
		rc = store_audit_printf(db, e->actor != NULL ? e->actor : "cli",
		    "oauth.client_add", "id=%s type=%s mode=%s", c.id, c.type,
		    c.auth_mode);
	rc = store_write_end(e->store, db, rc);
	free(c.redirect_uris);
	if (rc != PC_OK) {
		secret_wipe(secret, OAUTH_SECRET_LEN + 1);
		return rc;
	}
	snprintf(id, STORE_TOKEN_ID_MAX + 1, "%s", c.id);
	return PC_OK;
}

enum pc_rc
oauth_client_remove(const struct pc_env *e, const char *id)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_client_delete(db, id, clock_now());
	if (rc == PC_OK)
		rc = store_audit_printf(db, e->actor != NULL ? e->actor : "cli",
		    "oauth.client_remove", "id=%.64s", id);
	return store_write_end(e->store, db, rc);
}

static enum pc_rc
client_get(const struct pc_env *e, const char *id, struct store_oauth_client *c)
{
	struct db *db = NULL;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	if (id == NULL || id[0] == '\0' || strlen(id) > STORE_TOKEN_ID_MAX)
		return PC_ENOTFOUND;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_client_get(db, id, c);
	store_release(e->store, db);
	return rc;
}

/* application/x-www-form-urlencoded decoding of s in place ('+' is a
 * space, %XX a byte); false for a malformed escape or a NUL. */
static bool
form_unescape(char *s)
{
	char *o = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]))
				return false;
			hi = isdigit((unsigned char)s[1])
			         ? s[1] - '0'
			         : tolower((unsigned char)s[1]) - 'a' + 10;
			lo = isdigit((unsigned char)s[2])
			         ? s[2] - '0'
			         : tolower((unsigned char)s[2]) - 'a' + 10;
			if (hi == 0 && lo == 0)
				return false;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return true;
}

enum pc_rc
oauth_client_auth(const struct pc_env *e, oauth_param_fn get, void *ctx,
    const char *authorization, struct store_oauth_client *c, struct pc_err *err)
{
	char buf[256], hash[STORE_TOKEN_HASH_LEN + 1];
	const char *id = get(ctx, "client_id"), *secret = NULL;
	bool ok;
	enum pc_rc rc;

	memset(c, 0, sizeof(*c));
	if (authorization != NULL) {
		const char *bid = NULL;

		/* RFC 6749 §2.3.1: the id and the secret are each
		 * form-urlencoded before they are joined. */
		if (!csc_basic_split(
		        authorization, buf, sizeof(buf), &bid, &secret) ||
		    !form_unescape(buf + (bid - buf)) ||
		    !form_unescape(buf + (secret - buf)) ||
		    (id != NULL && strcmp(id, bid) != 0) ||
		    get(ctx, "client_secret") != NULL)
			return pc_fail(
			    err, PC_EAUTH, PCE_OAUTH_INVALID_CLIENT, NULL);
		id = bid;
	} else {
		secret = get(ctx, "client_secret");
	}
	rc = client_get(e, id, c);
	if (rc == PC_ENOTFOUND) {
		secret_wipe(buf, sizeof(buf));
		return pc_fail(err, PC_EAUTH, PCE_OAUTH_INVALID_CLIENT, NULL);
	}
	if (rc != PC_OK)
		return rc;
	if (c->secret_hash[0] == '\0')
		ok = secret == NULL;
	else
		ok = secret != NULL && acct_token_hash(secret, hash) == PC_OK &&
		     secret_eq(hash, c->secret_hash, STORE_TOKEN_HASH_LEN);
	secret_wipe(buf, sizeof(buf));
	if (!ok) {
		store_oauth_client_cleanup(c);
		return pc_fail(err, PC_EAUTH, PCE_OAUTH_INVALID_CLIENT, NULL);
	}
	return PC_OK;
}

/* ---- the authorization request
 * ------------------------------------------------ */

/* The digest length of a hash OID we sign (SHA-2); 0: not one. */
static size_t
oid_len(const char *oid)
{
	if (strcmp(oid, "2.16.840.1.101.3.4.2.1") == 0)
		return 32;
	if (strcmp(oid, "2.16.840.1.101.3.4.2.2") == 0)
		return 48;
	if (strcmp(oid, "2.16.840.1.101.3.4.2.3") == 0)
		return 64;
	return 0;
}

static const char *
oid_of_len(size_t n)
{
	return n == 32   ? "2.16.840.1.101.3.4.2.1"
	       : n == 48 ? "2.16.840.1.101.3.4.2.2"
	       : n == 64 ? "2.16.840.1.101.3.4.2.3"
	                 : NULL;
}

/* Is s exactly the decimal n (digits only, no sign, space or tail)? */
static bool
num_is(const char *s, int64_t n)
{
	char *end = NULL;
	long long v;

	if (s[0] < '0' || s[0] > '9' || strlen(s) > 6)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno == 0 && end != NULL && *end == '\0' && v == n;
}

/*
 * The next code point of UTF-8 s at *i (advanced); -1 when not well
 * formed (overlong, surrogate, past U+10FFFF, cut short).
 */
static long
utf8_next(const unsigned char *s, size_t n, size_t *i)
{
	static const long min[4] = { 0, 0x80, 0x800, 0x10000 };
	unsigned char c = s[*i];
	size_t k, len;
	long cp;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	len = (c & 0xe0) == 0xc0   ? 2
	      : (c & 0xf0) == 0xe0 ? 3
	      : (c & 0xf8) == 0xf0 ? 4
	                           : 0;
	if (len == 0 || *i + len > n)
		return -1;
	cp = c & (0x7f >> len);
	for (k = 1; k < len; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	if (cp < min[len - 1] || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += len;
	return cp;
}

/*
 * A label the consent page shows: well-formed UTF-8, bounded, and no
 * character that changes how the rest reads: C0 and C1 controls, DEL,
 * the bidirectional controls (a "fdp.exe" shown as "exe.pdf") and the
 * invisible ones.
 */
static bool
label_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = strlen(s);
	long cp;

	if (n == 0 || n > OAUTH_LABEL_MAX)
		return false;
	while (i < n) {
		cp = utf8_next(u, n, &i);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c ||
		    (cp >= 0x200b && cp <= 0x200f) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff)
			return false;
	}
	return true;
}

/*
 * Add one hash (base64 or base64url) to the canonical list (standard
 * base64), its label beside it; all of one length (*hlen).
 */
static enum pc_rc
hash_add(json_t *hashes, json_t *labels, const char *b64, const char *label,
    size_t *hlen, const char *field, struct pc_err *err)
{
	uint8_t d[SIGNER_HASH_MAX];
	size_t n = 0;
	char *s;

	if (b64 == NULL || strlen(b64) > 200 ||
	    csc_b64_decode(b64, d, sizeof(d), &n) != PC_OK ||
	    oid_of_len(n) == NULL || (*hlen != 0 && n != *hlen))
		return pc_fail(err, PC_EINVAL, PCE_HASH_INVALID, field);
	if (json_array_size(hashes) >= CSC_HASHES_MAX)
		return pc_fail(err, PC_EINVAL, PCE_NUM_SIGNATURES_INVALID,
		    "numSignatures");
	if (label != NULL && !label_ok(label))
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "label");
	*hlen = n;
	s = csc_b64_encode(d, n);
	if (s == NULL)
		return PC_ENOMEM;
	json_array_append_new(hashes, json_string(s));
	json_array_append_new(labels, json_string(label != NULL ? label : ""));
	free(s);
	return PC_OK;
}

/* authorization_details: one object of type "credential" (RAR, CSC v2). */
static enum pc_rc
rar_parse(const char *text, struct store_oauth_req *q, json_t *hashes,
    json_t *labels, const char **oid, json_t **keep, size_t *hlen,
    struct pc_err *err)
{
	json_t *a, *d, *dd, *el;
	const char *cred;
	size_t i;
	enum pc_rc rc;

	a = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	*keep = a;
	if (!json_is_array(a) || json_array_size(a) != 1 ||
	    !json_is_object(d = json_array_get(a, 0)) ||
	    !json_is_string(json_object_get(d, "type")) ||
	    strcmp(json_string_value(json_object_get(d, "type")),
	        "credential") != 0)
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "authorization_details");
	cred = json_string_value(json_object_get(d, "credentialID"));
	if (cred == NULL || cred[0] == '\0' || strlen(cred) > STORE_SERIAL_MAX)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
		    "authorization_details.credentialID");
	snprintf(q->credential, sizeof(q->credential), "%s", cred);
	*oid = json_string_value(json_object_get(d, "hashAlgorithmOID"));
	dd = json_object_get(d, "documentDigests");
	if (!json_is_array(dd) || json_array_size(dd) == 0)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
		    "authorization_details.documentDigests");
	json_array_foreach(dd, i, el)
	{
		rc = hash_add(hashes, labels,
		    json_string_value(json_object_get(el, "hash")),
		    json_string_value(json_object_get(el, "label")), hlen,
		    "authorization_details.documentDigests", err);
		if (rc != PC_OK)
			return rc;
	}
	return PC_OK;
}

/* CSC v2's own parameters: hashes comma separated (base64url). */
static enum pc_rc
csc_params(oauth_param_fn get, void *ctx, struct store_oauth_req *q,
    json_t *hashes, json_t *labels, const char **oid, size_t *hlen,
    struct pc_err *err)
{
	const char *cred = get(ctx, "credentialID"), *h = get(ctx, "hashes");
	char one[256];
	enum pc_rc rc;

	if (cred == NULL || cred[0] == '\0' || strlen(cred) > STORE_SERIAL_MAX)
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "credentialID");
	snprintf(q->credential, sizeof(q->credential), "%s", cred);
	*oid = get(ctx, "hashAlgorithmOID");
	if (h == NULL || h[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "hashes");
	while (*h != '\0') {
		const char *c = strchr(h, ',');
		size_t k = c != NULL ? (size_t)(c - h) : strlen(h);

		if (k == 0 || k >= sizeof(one))
			return pc_fail(
			    err, PC_EINVAL, PCE_HASH_INVALID, "hashes");
		memcpy(one, h, k);
		one[k] = '\0';
		rc = hash_add(hashes, labels, one, NULL, hlen, "hashes", err);
		if (rc != PC_OK)
			return rc;
		h += k + (c != NULL ? 1 : 0);
		if (c != NULL && *h == '\0')
			return pc_fail(
			    err, PC_EINVAL, PCE_HASH_INVALID, "hashes");
	}
	return PC_OK;
}

/* code_challenge: base64url of a SHA-256, 43 characters. */
static bool
challenge_ok(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 43)
		return false;
	for (i = 0; i < 43; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/*
 * The authorization request's parameters into q (client c), after the
 * redirect URI is known right (*redirect_ok then true).
 */
static enum pc_rc
request_parse(const struct store_oauth_client *c, oauth_param_fn get, void *ctx,
    struct store_oauth_req *q, bool *redirect_good, struct pc_err *err)
{
	const char *ru = get(ctx, "redirect_uri"), *st = get(ctx, "state");
	const char *rt = get(ctx, "response_type"),
	           *m = get(ctx, "code_challenge_method"),
	           *ch = get(ctx, "code_challenge"), *sc = get(ctx, "scope"),
	           *rar = get(ctx, "authorization_details"), *oid = NULL,
	           *num = get(ctx, "numSignatures");
	json_t *hashes = NULL, *labels = NULL, *keep = NULL, *d;
	size_t hlen = 0;
	enum pc_rc rc = PC_OK;

	*redirect_good = false;
	if (ru == NULL || !redirect_ok(c->redirect_uris, ru))
		return pc_fail(
		    err, PC_EINVAL, PCE_OAUTH_REDIRECT_INVALID, NULL);
	*redirect_good = true;
	q->redirect_uri = strdup(ru);
	snprintf(q->client_id, sizeof(q->client_id), "%s", c->id);
	if (q->redirect_uri == NULL)
		return PC_ENOMEM;
	/* A state too long is refused (and not echoed). */
	if (st != NULL && strlen(st) > 500)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "state");
	if (st != NULL && (q->state = strdup(st)) == NULL)
		return PC_ENOMEM;
	if (rt == NULL || strcmp(rt, "code") != 0)
		return pc_fail(
		    err, PC_EINVAL, PCE_OAUTH_UNSUPPORTED_RESPONSE, NULL);
	/* PKCE S256 only: plain (also the default) is refused. */
	if (m == NULL || strcmp(m, "S256") != 0)
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "code_challenge_method");
	if (!challenge_ok(ch))
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "code_challenge");
	snprintf(q->challenge, sizeof(q->challenge), "%s", ch);
	if (sc == NULL && rar != NULL)
		sc = CSC_SCOPE_CREDENTIAL;
	if (sc == NULL || (strcmp(sc, CSC_SCOPE_SERVICE) != 0 &&
	                      strcmp(sc, CSC_SCOPE_CREDENTIAL) != 0))
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_SCOPE, NULL);
	snprintf(q->scope, sizeof(q->scope), "%s", sc);
	if (strcmp(sc, CSC_SCOPE_SERVICE) == 0) {
		if (rar != NULL)
			return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID,
			    "authorization_details");
		return PC_OK;
	}
	hashes = json_array();
	labels = json_array();
	if (hashes == NULL || labels == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = rar != NULL
	         ? rar_parse(rar, q, hashes, labels, &oid, &keep, &hlen, err)
	         : csc_params(get, ctx, q, hashes, labels, &oid, &hlen, err);
	if (rc != PC_OK)
		goto out;
	if (oid != NULL && oid_len(oid) != hlen) {
		rc = pc_fail(
		    err, PC_EINVAL, PCE_ALGO_INVALID, "hashAlgorithmOID");
		goto out;
	}
	q->num = (int64_t)json_array_size(hashes);
	if (num != NULL && !num_is(num, q->num)) {
		rc = pc_fail(err, PC_EINVAL, PCE_NUM_SIGNATURES_INVALID,
		    "numSignatures");
		goto out;
	}
	d = json_pack("{s:s,s:O,s:O}", "hash_oid",
	    oid != NULL ? oid : oid_of_len(hlen), "hashes", hashes, "labels",
	    labels);
	q->details = d != NULL ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	if (q->details == NULL)
		rc = PC_ENOMEM;
out:
	json_decref(keep);
	json_decref(hashes);
	json_decref(labels);
	return rc;
}

enum pc_rc
oauth_par(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, char *request_uri, size_t size,
    int64_t *expires_in, struct pc_err *err)
{
	struct store_oauth_req q;
	char h[CSC_TOKEN_LEN + 1];
	struct db *db = NULL;
	bool good;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	request_uri[0] = '\0';
	if (get(ctx, "request_uri") != NULL)
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "request_uri");
	rc = request_parse(c, get, ctx, &q, &good, err);
	if (rc == PC_OK)
		rc = rnd_hex(16, q.id);
	if (rc == PC_OK)
		rc = handle_new(h, q.par_hash);
	if (rc != PC_OK)
		goto out;
	snprintf(q.status, sizeof(q.status), "%s", OAUTH_REQ_PUSHED);
	q.created_at = clock_now();
	q.expires_at = q.created_at + OAUTH_PAR_TTL_S;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK) {
		(void)store_oauth_req_purge(db, q.created_at - 3600, NULL);
		rc = store_oauth_req_insert(db, &q);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK) {
		snprintf(
		    request_uri, size, "%s%s", OAUTH_REQUEST_URI_PREFIX, h);
		*expires_in = OAUTH_PAR_TTL_S;
	}
out:
	secret_wipe(h, sizeof(h));
	store_oauth_req_cleanup(&q);
	return rc;
}

/* The pushed request of request_uri for client id: pending now, with a
 * consent handle. */
static enum pc_rc
par_take(const struct pc_env *e, const char *client_id, const char *uri,
    char handle[CSC_TOKEN_LEN + 1], struct store_oauth_req *q,
    struct pc_err *err)
{
	size_t pl = strlen(OAUTH_REQUEST_URI_PREFIX);
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct db *db = NULL;
	enum pc_rc rc;

	if (strncmp(uri, OAUTH_REQUEST_URI_PREFIX, pl) != 0 ||
	    acct_token_hash(uri + pl, hash) != PC_OK)
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "request_uri");
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_req_get(db, "par_hash", hash, q);
	if (rc == PC_OK && (strcmp(q->client_id, client_id) != 0 ||
	                       strcmp(q->status, OAUTH_REQ_PUSHED) != 0 ||
	                       q->expires_at <= clock_now()))
		rc = PC_ENOTFOUND;
	if (rc == PC_OK)
		rc = handle_new(handle, q->consent_hash);
	if (rc == PC_OK) {
		snprintf(q->status, sizeof(q->status), "%s", OAUTH_REQ_PENDING);
		q->expires_at = clock_now() + OAUTH_CONSENT_TTL_S;
		rc = store_oauth_req_move(db, q, OAUTH_REQ_PUSHED);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ENOTFOUND || rc == PC_ESTATE)
		return pc_fail(
		    err, PC_EINVAL, PCE_FIELD_INVALID, "request_uri");
	return rc;
}

enum pc_rc
oauth_authorize(const struct pc_env *e, oauth_param_fn get, void *ctx,
    struct oauth_authz_out *out, struct pc_err *err)
{
	struct store_oauth_client c;
	struct store_oauth_req q;
	const char *uri = get(ctx, "request_uri");
	char h[CSC_TOKEN_LEN + 1] = "";
	struct db *db = NULL;
	bool good = false;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&q, 0, sizeof(q));
	rc = client_get(e, get(ctx, "client_id"), &c);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, PC_EAUTH, PCE_OAUTH_INVALID_CLIENT, NULL);
	if (rc != PC_OK)
		return rc;
	if (uri != NULL) {
		/* RFC 9126: the pushed request only; its redirect URI was
		 * checked when it was pushed. */
		rc = par_take(e, c.id, uri, h, &q, err);
		good = rc == PC_OK;
		if (!good) {
			/* Unknown, used or expired: a page, no redirect. */
			free(q.redirect_uri);
			q.redirect_uri = NULL;
		}
	} else {
		rc = request_parse(&c, get, ctx, &q, &good, err);
		if (rc == PC_OK)
			rc = rnd_hex(16, q.id);
		if (rc == PC_OK)
			rc = handle_new(h, q.consent_hash);
		if (rc == PC_OK) {
			snprintf(q.status, sizeof(q.status), "%s",
			    OAUTH_REQ_PENDING);
			q.created_at = clock_now();
			q.expires_at = q.created_at + OAUTH_CONSENT_TTL_S;
			rc = store_write_begin(e->store, &db);
			if (rc == PC_OK)
				rc = store_oauth_req_insert(db, &q);
			rc = store_write_end(e->store, db, rc);
		}
	}
	if (good || q.redirect_uri != NULL) {
		out->redirect =
		    q.redirect_uri != NULL ? strdup(q.redirect_uri) : NULL;
		out->state = q.state != NULL ? strdup(q.state) : NULL;
	}
	if (rc == PC_OK) {
		size_t n = sizeof("/oauth/consent?id=") + strlen(h);

		out->location = malloc(n);
		if (out->location != NULL)
			snprintf(out->location, n, "/oauth/consent?id=%s", h);
		else
			rc = PC_ENOMEM;
	}
	secret_wipe(h, sizeof(h));
	store_oauth_req_cleanup(&q);
	store_oauth_client_cleanup(&c);
	return rc;
}

void
oauth_authz_out_cleanup(struct oauth_authz_out *o)
{
	free(o->location);
	free(o->redirect);
	free(o->state);
	memset(o, 0, sizeof(*o));
}

/* ---- the consent
 * ------------------------------------------------------------------ */

static enum pc_rc
consent_load(struct db *db, const char *handle, struct store_oauth_req *q,
    struct pc_err *err)
{
	char hash[STORE_TOKEN_HASH_LEN + 1];
	enum pc_rc rc;

	if (handle == NULL || acct_token_hash(handle, hash) != PC_OK)
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_OAUTH_REQUEST_UNKNOWN, NULL);
	rc = store_oauth_req_get(db, "consent_hash", hash, q);
	if (rc == PC_OK && (strcmp(q->status, OAUTH_REQ_PENDING) != 0 ||
	                       q->expires_at <= clock_now())) {
		store_oauth_req_cleanup(q);
		rc = PC_ENOTFOUND;
	}
	if (rc == PC_ENOTFOUND)
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_OAUTH_REQUEST_UNKNOWN, NULL);
	return rc;
}

enum pc_rc
oauth_consent_get(const struct pc_env *e, const char *handle,
    struct oauth_consent *out, struct pc_err *err)
{
	struct store_oauth_client c;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = consent_load(db, handle, &out->q, err);
	if (rc == PC_OK)
		rc = store_oauth_client_get(db, out->q.client_id, &c);
	store_release(e->store, db);
	if (rc == PC_OK)
		snprintf(
		    out->client_name, sizeof(out->client_name), "%s", c.name);
	store_oauth_client_cleanup(&c);
	return rc;
}

void
oauth_consent_cleanup(struct oauth_consent *c)
{
	store_oauth_req_cleanup(&c->q);
}

/* Append "name=value" (value percent-encoded) to *s with sep first. */
static void
url_add(struct buf *b, char sep, const char *name, const char *v)
{
	static const char hexd[] = "0123456789ABCDEF";
	const unsigned char *p;

	buf_printf(b, "%c%s=", sep, name);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' ||
		    *p == '~') {
			buf_append(b, p, 1);
		} else {
			char x[3] = { '%', hexd[*p >> 4], hexd[*p & 15] };

			buf_append(b, x, 3);
		}
	}
}

/* redirect?name=value[&error_description=desc][&state=...][&iss=...]
 * (malloc'd). */
char *
oauth_redirect_url(const char *redirect, const char *state, const char *name,
    const char *value, const char *desc, const char *iss)
{
	struct buf b;
	char *s;

	buf_init(&b, 16384);
	buf_append_str(&b, redirect);
	url_add(&b, strchr(redirect, '?') != NULL ? '&' : '?', name, value);
	if (desc != NULL)
		url_add(&b, '&', "error_description", desc);
	if (state != NULL)
		url_add(&b, '&', "state", state);
	/* RFC 9207: the issuer, so a client talking to several servers
	 * knows which one answered (mix-up attacks). */
	if (iss != NULL && iss[0] != '\0')
		url_add(&b, '&', "iss", iss);
	s = b.failed ? NULL : strndup((const char *)b.data, b.len);
	buf_cleanup(&b);
	return s;
}

enum pc_rc
oauth_consent_decide(const struct pc_env *e, const char *user_id,
    const char *handle, bool approve, const char *otp, char **location,
    struct pc_err *err)
{
	struct store_oauth_req q;
	struct csc_token t;
	char code[CSC_TOKEN_LEN + 1] = "", tok[CSC_TOKEN_LEN + 1] = "";
	char sad[SIGNER_SAD_HEX + 1] = "";
	struct db *db = NULL;
	json_t *d = NULL;
	enum pc_rc rc;

	*location = NULL;
	memset(&q, 0, sizeof(q));
	memset(&t, 0, sizeof(t));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = consent_load(db, handle, &q, err);
	store_release(e->store, db);
	if (rc != PC_OK)
		return rc;
	snprintf(q.user_id, sizeof(q.user_id), "%s", user_id);
	if (approve) {
		rc = handle_new(code, q.code_hash);
		if (rc != PC_OK)
			goto out;
		oauth_code_token(code, tok);
	}
	if (approve && strcmp(q.scope, CSC_SCOPE_CREDENTIAL) == 0) {
		/* The TOTP code, checked by the signer as credentials/
		 * authorize does; the SAD bound to the token the code
		 * yields, the credential and the exact hashes. */
		const char *b64[CSC_HASHES_MAX];
		struct csc_hashes h = { b64, 0, NULL };
		json_t *a;
		size_t i;
		int64_t exp = 0;

		d = json_loads(q.details != NULL ? q.details : "", 0, NULL);
		a = json_object_get(d, "hashes");
		for (i = 0; i < json_array_size(a) && i < CSC_HASHES_MAX; i++)
			b64[i] = json_string_value(json_array_get(a, i));
		h.n = i;
		h.hash_oid = json_string_value(json_object_get(d, "hash_oid"));
		if (acct_token_hash(tok, t.hash) != PC_OK) {
			rc = PC_EINTERNAL;
			goto out;
		}
		snprintf(t.bind, sizeof(t.bind), "%s", t.hash);
		snprintf(t.user_id, sizeof(t.user_id), "%s", user_id);
		snprintf(
		    t.credential, sizeof(t.credential), "%s", q.credential);
		rc = csc_authorize(
		    e, &t, q.credential, q.num, &h, otp, sad, &exp, err);
		if (rc != PC_OK)
			goto out;
		rc = oauth_sad_xor(tok, sad, q.sad_enc);
		if (rc != PC_OK)
			goto out;
	}
	q.consent_hash[0] = '\0';
	snprintf(q.status, sizeof(q.status), "%s",
	    approve ? OAUTH_REQ_APPROVED : OAUTH_REQ_DENIED);
	q.expires_at = clock_now() + OAUTH_CODE_TTL_S;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_req_move(db, &q, OAUTH_REQ_PENDING);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id,
		    approve ? "oauth.consent" : "oauth.deny",
		    "client=%s scope=%s credential=%s n=%lld ip=%s",
		    q.client_id, q.scope,
		    q.credential[0] != '\0' ? q.credential : "-",
		    (long long)q.num, e->ip != NULL ? e->ip : "-");
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE) {
		rc =
		    pc_fail(err, PC_ENOTFOUND, PCE_OAUTH_REQUEST_UNKNOWN, NULL);
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	*location =
	    approve ? oauth_redirect_url(q.redirect_uri, q.state, "code", code,
	                  NULL, e->conf->server.public_url)
	            : oauth_redirect_url(q.redirect_uri, q.state, "error",
	                  "access_denied", "The holder refused the request.",
	                  e->conf->server.public_url);
	if (*location == NULL)
		rc = PC_ENOMEM;
out:
	json_decref(d);
	secret_wipe(code, sizeof(code));
	secret_wipe(tok, sizeof(tok));
	secret_wipe(sad, sizeof(sad));
	store_oauth_req_cleanup(&q);
	return rc;
}

/* ---- the token endpoint
 * --------------------------------------------------------- */

static int64_t
access_ttl(const struct pc_env *e)
{
	int64_t t = e->conf != NULL ? e->conf->server.oauth_access_ttl : 0;

	return t > 0 ? t : 600;
}

/* BASE64URL(SHA-256(verifier)) is the challenge (RFC 7636 §4.6). */
static bool
pkce_ok(const char *verifier, const char *challenge)
{
	uint8_t d[crypto_hash_sha256_BYTES];
	char *b, *p;
	size_t i, n;
	bool ok;

	if (verifier == NULL)
		return false;
	n = strlen(verifier);
	if (n < 43 || n > 128)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)verifier[i]) &&
		    strchr("-._~", verifier[i]) == NULL)
			return false;
	crypto_hash_sha256(d, (const uint8_t *)verifier, n);
	b = csc_b64_encode(d, sizeof(d));
	if (b == NULL)
		return false;
	for (p = b; *p != '\0'; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	if ((p = strchr(b, '=')) != NULL)
		*p = '\0';
	ok = strlen(b) == 43 && secret_eq(b, challenge, 43);
	free(b);
	return ok;
}

/* A new refresh token of grant into out (hash stored). */
static enum pc_rc
refresh_new(
    struct db *db, const char *grant, int64_t now, char out[CSC_TOKEN_LEN + 1])
{
	struct store_oauth_refresh r;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	rc = acct_token_new(out, r.hash);
	if (rc != PC_OK)
		return rc;
	snprintf(r.grant_id, sizeof(r.grant_id), "%s", grant);
	r.created_at = now;
	r.expires_at = now + OAUTH_REFRESH_TTL_S;
	return store_oauth_refresh_insert(db, &r);
}

/* Revoke the grant (a replayed code or refresh token), committed. */
static void
grant_kill(const struct pc_env *e, const char *grant, const char *why)
{
	struct db *db = NULL;
	enum pc_rc rc;

	if (grant == NULL || grant[0] == '\0')
		return;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK) {
		rc = store_oauth_grant_revoke(db, grant, NULL, clock_now());
		if (rc == PC_ENOTFOUND)
			rc = PC_OK;
		if (rc == PC_OK)
			rc = store_audit_printf(db, "oauth", "oauth.replay",
			    "grant=%s what=%s ip=%s", grant, why,
			    e->ip != NULL ? e->ip : "-");
	}
	rc = store_write_end(e->store, db, rc);
	log_info("oauth: %s replayed: grant %s revoked (%s)", why, grant,
	    pc_rc_str(rc));
}

static enum pc_rc
token_code(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, struct oauth_token_out *out,
    struct pc_err *err)
{
	const char *code = get(ctx, "code"), *ru = get(ctx, "redirect_uri");
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct store_oauth_req q;
	struct store_oauth_grant g;
	struct store_token t;
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	memset(&g, 0, sizeof(g));
	memset(&t, 0, sizeof(t));
	if (code == NULL || acct_token_hash(code, hash) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_req_get(db, "code_hash", hash, &q);
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && strcmp(q.client_id, c->id) != 0)) {
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	if (strcmp(q.status, OAUTH_REQ_USED) == 0) {
		/* RFC 6749 §4.1.2: a code used twice revokes what it gave. */
		grant_kill(e, q.grant_id, "code");
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	if (strcmp(q.status, OAUTH_REQ_APPROVED) != 0 || q.expires_at <= now ||
	    ru == NULL || strcmp(ru, q.redirect_uri) != 0 ||
	    !pkce_ok(get(ctx, "code_verifier"), q.challenge)) {
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	rc = rnd_hex(16, g.id);
	if (rc != PC_OK)
		goto out;
	snprintf(g.user_id, sizeof(g.user_id), "%s", q.user_id);
	snprintf(g.client_id, sizeof(g.client_id), "%s", c->id);
	snprintf(g.scope, sizeof(g.scope), "%s", q.scope);
	snprintf(g.credential, sizeof(g.credential), "%s", q.credential);
	g.created_at = g.last_used = now;
	/* A random token: nothing that saw the code (a browser's history,
	 * a log) can compute it. The consent's SAD, masked for the code's
	 * derived token, is masked again for this one; the signer keeps
	 * its binding to the derived token's hash (sad_bind). */
	rc = acct_token_new(out->access_token, t.hash);
	if (rc != PC_OK)
		goto out;
	if (q.sad_enc[0] != '\0') {
		char ct[CSC_TOKEN_LEN + 1], sad[SIGNER_SAD_HEX + 1];

		oauth_code_token(code, ct);
		rc = oauth_sad_xor(ct, q.sad_enc, sad);
		if (rc == PC_OK)
			rc = oauth_sad_xor(out->access_token, sad, t.sad_enc);
		if (rc == PC_OK)
			rc = acct_token_hash(ct, t.sad_bind);
		secret_wipe(ct, sizeof(ct));
		secret_wipe(sad, sizeof(sad));
		if (rc != PC_OK)
			goto out;
	}
	snprintf(t.user_id, sizeof(t.user_id), "%s", q.user_id);
	snprintf(t.client_id, sizeof(t.client_id), "%s", c->id);
	snprintf(t.scope, sizeof(t.scope), "%s", q.scope);
	snprintf(t.credential, sizeof(t.credential), "%s", q.credential);
	snprintf(t.grant_id, sizeof(t.grant_id), "%s", g.id);
	t.created_at = now;
	out->expires_in = access_ttl(e);
	/* A credential token lives as long as its SAD may. */
	if (strcmp(q.scope, CSC_SCOPE_CREDENTIAL) == 0 &&
	    out->expires_in > OAUTH_SAD_TTL_S)
		out->expires_in = OAUTH_SAD_TTL_S;
	t.expires_at = now + out->expires_in;
	snprintf(q.grant_id, sizeof(q.grant_id), "%s", g.id);
	snprintf(q.status, sizeof(q.status), "%s", OAUTH_REQ_USED);
	q.expires_at = now + OAUTH_REFRESH_TTL_S; /* kept: replays seen */
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_req_move(db, &q, OAUTH_REQ_APPROVED);
	/* Used: only the code's hash and the grant stay (replays). */
	if (rc == PC_OK)
		rc = store_oauth_req_scrub(db, q.id);
	if (rc == PC_OK)
		rc = store_oauth_grant_insert(db, &g);
	if (rc == PC_OK)
		rc = store_token_insert(db, &t);
	/* Refresh tokens for the service scope; a credential token ends
	 * with its SAD. */
	if (rc == PC_OK && strcmp(q.scope, CSC_SCOPE_SERVICE) == 0)
		rc = refresh_new(db, g.id, now, out->refresh_token);
	if (rc == PC_OK)
		rc = store_audit_printf(db, q.user_id, "oauth.token",
		    "client=%s scope=%s grant=%s expires_in=%lld", c->id,
		    q.scope, g.id, (long long)out->expires_in);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE) {
		/* Another exchange took the code first. */
		rc = pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
		goto out;
	}
	if (rc == PC_OK) {
		snprintf(out->scope, sizeof(out->scope), "%s", q.scope);
		snprintf(out->credential, sizeof(out->credential), "%s",
		    q.credential);
	}
out:
	store_oauth_req_cleanup(&q);
	return rc;
}

static enum pc_rc
token_refresh(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, struct oauth_token_out *out,
    struct pc_err *err)
{
	const char *rt = get(ctx, "refresh_token");
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct store_oauth_refresh r;
	struct store_oauth_grant g;
	struct store_token t;
	struct db *db = NULL;
	int64_t now = clock_now();
	bool inactive = false;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	memset(&g, 0, sizeof(g));
	memset(&t, 0, sizeof(t));
	if (rt == NULL || acct_token_hash(rt, hash) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_refresh_get(db, hash, &r);
	if (rc == PC_OK)
		rc = store_oauth_grant_get(db, r.grant_id, &g);
	/* The holder's account must still be open (not erased, not
	 * closed): a refresh token outliving it gives nothing. */
	if (rc == PC_OK) {
		struct store_user u;

		memset(&u, 0, sizeof(u));
		rc = store_user_get(db, g.user_id, &u);
		if (rc == PC_OK &&
		    (u.status == NULL ||
		        strcmp(u.status, USER_STATUS_ACTIVE) != 0))
			inactive = true;
		store_user_cleanup(&u);
	}
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && strcmp(g.client_id, c->id) != 0))
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	if (rc != PC_OK)
		return rc;
	if (g.revoked_at != 0 || r.expires_at <= now || inactive)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	/* However often it is refreshed, a grant ends [server]
	 * oauth_grant_max_days after the holder's consent: then a new one. */
	if (now - g.created_at >= e->conf->server.oauth_grant_max_days * 86400)
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	if (r.used_at != 0) {
		/* A rotated-away refresh token again: the family ends. */
		grant_kill(e, g.id, "refresh_token");
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	}
	rc = acct_token_new(out->access_token, t.hash);
	if (rc != PC_OK)
		return rc;
	snprintf(t.user_id, sizeof(t.user_id), "%s", g.user_id);
	snprintf(t.client_id, sizeof(t.client_id), "%s", c->id);
	snprintf(t.scope, sizeof(t.scope), "%s", g.scope);
	snprintf(t.credential, sizeof(t.credential), "%s", g.credential);
	snprintf(t.grant_id, sizeof(t.grant_id), "%s", g.id);
	t.created_at = now;
	out->expires_in = access_ttl(e);
	t.expires_at = now + out->expires_in;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_refresh_use(db, hash, now);
	if (rc == PC_OK)
		rc = store_token_insert(db, &t);
	if (rc == PC_OK)
		rc = refresh_new(db, g.id, now, out->refresh_token);
	if (rc == PC_OK)
		rc = store_oauth_grant_touch(db, g.id, now);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE) {
		grant_kill(e, g.id, "refresh_token");
		return pc_fail(err, PC_EINVAL, PCE_OAUTH_INVALID_GRANT, NULL);
	}
	if (rc == PC_OK)
		snprintf(out->scope, sizeof(out->scope), "%s", g.scope);
	return rc;
}

enum pc_rc
oauth_purge(const struct pc_env *e, int64_t now, int64_t *n)
{
	struct db *db = NULL;
	int64_t a = 0, b = 0, c = 0;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_req_purge(db, now, &a);
	if (rc == PC_OK)
		rc = store_oauth_refresh_purge(db, now, &b);
	/* Access tokens a day past their end (auth/login's own purge
	 * keeps the same margin). */
	if (rc == PC_OK)
		rc = store_token_purge(db, now - 86400, &c);
	rc = store_write_end(e->store, db, rc);
	if (n != NULL)
		*n = rc == PC_OK ? a + b + c : 0;
	return rc;
}

enum pc_rc
oauth_token(const struct pc_env *e, const struct store_oauth_client *c,
    oauth_param_fn get, void *ctx, struct oauth_token_out *out,
    struct pc_err *err)
{
	const char *gt = get(ctx, "grant_type");
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	if (gt == NULL)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "grant_type");
	if (strcmp(gt, "authorization_code") == 0)
		rc = token_code(e, c, get, ctx, out, err);
	else if (strcmp(gt, "refresh_token") == 0)
		rc = token_refresh(e, c, get, ctx, out, err);
	else
		return pc_fail(
		    err, PC_EINVAL, PCE_OAUTH_UNSUPPORTED_GRANT, NULL);
	if (rc != PC_OK)
		secret_wipe(out, sizeof(*out));
	return rc;
}

enum pc_rc
oauth_revoke(const struct pc_env *e, const struct store_oauth_client *c,
    const char *token)
{
	char hash[STORE_TOKEN_HASH_LEN + 1];
	struct store_token t;
	struct store_oauth_refresh r;
	struct store_oauth_grant g;
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(&t, 0, sizeof(t));
	memset(&r, 0, sizeof(r));
	memset(&g, 0, sizeof(g));
	if (token == NULL || acct_token_hash(token, hash) != PC_OK)
		return PC_OK; /* RFC 7009 §2.2: an invalid token is no error */
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_token_get(db, hash, &t);
	if (rc == PC_OK && strcmp(t.client_id, c->id) == 0)
		rc = store_token_revoke(db, hash, t.user_id, now);
	else if (rc == PC_ENOTFOUND || rc == PC_OK) {
		/* A refresh token: the whole grant goes. */
		rc = store_oauth_refresh_get(db, hash, &r);
		if (rc == PC_OK)
			rc = store_oauth_grant_get(db, r.grant_id, &g);
		if (rc == PC_OK && strcmp(g.client_id, c->id) == 0)
			rc = store_oauth_grant_revoke(db, g.id, NULL, now);
	}
	if (rc == PC_ENOTFOUND)
		rc = PC_OK;
	if (rc == PC_OK)
		rc = store_audit_printf(db, "oauth", "oauth.revoke",
		    "client=%s ip=%s", c->id, e->ip != NULL ? e->ip : "-");
	return store_write_end(e->store, db, rc);
}

/* ---- authorized apps
 * --------------------------------------------------------------- */

enum pc_rc
oauth_grants(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_oauth_grant *g), void *arg)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_oauth_grant_each(
	    db, user_id, clock_now() - OAUTH_SAD_TTL_S, fn, arg);
	store_release(e->store, db);
	return rc;
}

enum pc_rc
oauth_grant_revoke(const struct pc_env *e, const char *user_id, const char *id,
    struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	if (id == NULL || strlen(id) > STORE_TOKEN_ID_MAX)
		return pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, NULL);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_oauth_grant_revoke(db, id, user_id, clock_now());
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "oauth.grant_revoke",
		    "grant=%s ip=%s", id, e->ip != NULL ? e->ip : "-");
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, NULL);
	return rc;
}
