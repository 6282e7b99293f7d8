/*
 * csc_oauth_authz.c: the OAuth2 authorization request (RFC 6749 4.1.1,
 * PKCE S256, PAR RFC 9126, RAR RFC 9396 authorization_details, the CSC
 * hashes): parsed, checked and kept for the consent page. See
 * csc_oauth.h.
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
#include "csc/csc_oauth_int.h"
#include "store/store.h"
#include "store/store_token.h"
#include "store/store_account.h"

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
	if (ru == NULL || !oauth_redirect_ok(c->redirect_uris, ru))
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
		rc = acct_token_new(h, q.par_hash);
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
		rc = acct_token_new(handle, q->consent_hash);
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
	rc = oauth_client_get(e, get(ctx, "client_id"), &c);
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
			rc = acct_token_new(h, q.consent_hash);
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
