/*
 * api_csc.c: the CSC API v1 and v2 (Cloud Signature Consortium remote
 * signing) over src/csc. One handler per method serves both versions: the
 * path says which, and only the field names differ (v1: hash, hashAlgo,
 * OTP; v2: hashes, hashAlgorithmOID, authData). The gate has checked the
 * access token (api_bearer) and the body's schema; errors are answered in
 * the CSC shape (api_err.c).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "base/secret.h"
#include "csc/csc.h"

static bool
is_v2(struct req *r)
{
	return strncmp(r->route->pattern, "/csc/v2/", 8) == 0;
}

/*
 * The logo's absolute URI (CSC 1.0.4.0 §11.1, 2.0.0.2 §11.1: a URI of a
 * PNG or JPEG image, at most 256x256): under the public URL, else under
 * the Host the client reached.
 */
static const char *
logo_uri(struct req *r)
{
	const char *base = r->app->conf->server.public_url;
	const char *host = http_req_header(r, "Host");

	if (base != NULL && base[0] != '\0')
		return arena_printf(&r->arena, "%s/img/logo.png", base);
	return arena_printf(&r->arena, "http://%s/img/logo.png",
	    host != NULL && host[0] != '\0' ? host : "localhost");
}

enum pc_rc
api_csc_info_post(struct req *r, struct resp *w)
{
	bool v2 = is_v2(r);
	const char *base = r->app->conf->server.public_url;
	json_t *o, *methods;

	methods = json_pack("[s,s,s,s,s,s,s]", "auth/login", "auth/revoke",
	    "credentials/list", "credentials/info", "credentials/authorize",
	    "credentials/extendTransaction", "signatures/signHash");
	if (methods != NULL && v2) {
		json_array_append_new(
		    methods, json_string("signatures/signDoc"));
		json_array_append_new(
		    methods, json_string("signatures/timestamp"));
		json_array_append_new(methods, json_string("oauth2/authorize"));
		json_array_append_new(
		    methods, json_string("oauth2/pushed_authorize"));
		json_array_append_new(methods, json_string("oauth2/token"));
		json_array_append_new(methods, json_string("oauth2/revoke"));
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[s],s:o}", "specs",
	    v2 ? "2.0.0.2" : "1.0.4.0", "name", "Pecete", "logo", logo_uri(r),
	    "region", "RO", "lang", "en-US", "description",
	    "Pecete remote qualified signatures (CSC API; the holder's TOTP "
	    "code authorizes, explicitly or on the OAuth2 consent page)",
	    "authType", "basic", "methods", methods);
	if (o != NULL && v2) {
		/* The OAuth2 server (api_oauth.c): authorization code with
		 * PKCE, the holder's consent and TOTP code in the web UI. */
		json_array_append_new(
		    json_object_get(o, "authType"), json_string("oauth2code"));
		json_object_set_new(o, "oauth2",
		    json_string(arena_printf(
		        &r->arena, "%s/csc/v2", base != NULL ? base : "")));
		json_object_set_new(
		    o, "oauth2Issuer", json_string(base != NULL ? base : ""));
		json_object_set_new(
		    o, "asynchronousOperationMode", json_false());
		json_object_set_new(o, "validationInfo", json_true());
		json_object_set_new(o, "signAlgorithms",
		    json_pack("{s:[s,s,s,s,s,s,s,s,s]}", "algos",
		        "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10",
		        "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12",
		        "1.2.840.113549.1.1.13", "1.2.840.10045.2.1",
		        "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3",
		        "1.2.840.10045.4.3.4"));
		/* 2.0.0.2 §11.1, REQUIRED: what the signing engine makes
		 * (CAdES detached, PAdES approval signatures; B-B, B-T with
		 * the node's time-stamp, B-LT, and B-LTA for PAdES). */
		json_object_set_new(o, "signature_formats",
		    json_pack("{s:[s,s],s:[[s,s],[s,s]]}", "formats", "C", "P",
		        "envelope_properties", "Detached", "Attached",
		        "Certification", "Revision"));
		json_object_set_new(o, "conformance_levels",
		    json_pack("[s,s,s,s]", "Ades-B-B", "Ades-B-T", "Ades-B-LT",
		        "Ades-B-LTA"));
	}
	return api_reply(w, 200, o);
}

enum pc_rc
api_csc_login_post(struct req *r, struct resp *w)
{
	char tok[CSC_TOKEN_LEN + 1];
	int64_t exp = 0;
	enum pc_rc rc;

	rc = csc_login(api_env(r), http_req_header(r, "Authorization"), tok,
	    &exp, api_err(r));
	if (rc != PC_OK)
		return rc;
	rc = api_reply(w, 200,
	    json_pack("{s:s,s:I}", "access_token", tok, "expires_in",
	        (json_int_t)exp));
	secret_wipe(tok, sizeof(tok));
	return rc;
}

enum pc_rc
api_csc_revoke_post(struct req *r, struct resp *w)
{
	const char *hint = api_str(r, "token_type_hint");
	enum pc_rc rc;

	/* 1.0.4.0 / 2.0.0.2 §11.3: access_token or refresh_token; a hint
	 * only (there are no refresh tokens here). */
	if (hint != NULL && strcmp(hint, "access_token") != 0 &&
	    strcmp(hint, "refresh_token") != 0)
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){
		        PCE_FIELD_INVALID, "token_type_hint", 0 });
	rc = csc_revoke(
	    api_env(r), api_bearer(r), api_str(r, "token"), api_err(r));
	if (rc != PC_OK)
		return rc;
	http_resp_bytes(w, 204, "application/json", "", 0);
	http_resp_header(w, "Cache-Control", "no-store");
	return PC_OK;
}

static json_t *
cred_json(struct req *r, const struct csc_cred_info *ci, bool v2,
    const char *certs, bool cert_info, bool auth_info)
{
	const struct csc_token *tok = api_bearer(r);
	const char *mode = tok != NULL && tok->auth_mode[0] != '\0'
	                       ? tok->auth_mode
	                       : "explicit";
	bool explicit_mode = strcmp(mode, "explicit") == 0;
	json_t *o, *key, *cert, *list, *algos, *auth;
	size_t i, ncerts;

	ncerts = certs == NULL || strcmp(certs, "single") == 0 ? 1
	         : strcmp(certs, "chain") == 0                 ? ci->ncerts
	                                                       : 0;
	algos = json_array();
	for (i = 0; algos != NULL && i < ci->nalgos; i++)
		json_array_append_new(algos, json_string(ci->algos[i]));
	key = json_pack("{s:s,s:o,s:i}", "status", ci->key_status, "algo",
	    algos, "len", ci->key_len);
	if (key != NULL && ci->curve != NULL)
		json_object_set_new(key, "curve", json_string(ci->curve));
	/* certificates "none": cert/certificates SHALL NOT be returned
	 * (1.0.4.0 §11.5, 2.0.0.2 §11.4). */
	list = ncerts > 0 ? json_array() : NULL;
	for (i = 0; list != NULL && i < ncerts; i++) {
		char *b = csc_b64_encode(ci->certs[i].data, ci->certs[i].len);

		json_array_append_new(list, b != NULL ? json_string(b) : NULL);
		free(b);
	}
	cert = json_pack("{s:s}", "status", ci->status);
	if (cert != NULL && list != NULL)
		json_object_set_new(cert, "certificates", list);
	if (cert != NULL && cert_info) {
		json_object_set_new(
		    cert, "issuerDN", json_string(ci->issuer_dn));
		json_object_set_new(
		    cert, "serialNumber", json_string(ci->serial_hex));
		json_object_set_new(
		    cert, "subjectDN", json_string(ci->subject_dn));
		json_object_set_new(
		    cert, "validFrom", json_string(ci->valid_from));
		json_object_set_new(cert, "validTo", json_string(ci->valid_to));
	}
	o = json_pack("{s:s,s:o,s:o,s:i,s:s,s:s}", "description",
	    ci->auth ? "Authentication certificate"
	             : "Qualified signing certificate",
	    "key", key, "cert", cert, "multisign", (int)ci->multisign, "SCAL",
	    "2", "lang", "en-US");
	if (o == NULL)
		return NULL;
	/* The authentication key spends no qualified transactions. */
	if (!ci->auth)
		json_object_set_new(o, "transactionsLeft",
		    json_integer((json_int_t)ci->transactions_left));
	if (v2) {
		json_object_set_new(o, "credentialID", json_string(ci->serial));
		if (!ci->auth)
			json_object_set_new(o, "signatureQualifier",
			    json_string("eu_eidas_qes"));
		/* auth.mode always (clients require it); the objects with
		 * authInfo. The code is a "Password" object with id OTP and
		 * its generator (v2's form for a one-time password). */
		auth = json_pack("{s:s}", "mode", mode);
		if (auth != NULL && auth_info && explicit_mode) {
			json_object_set_new(
			    auth, "expression", json_string("OTP"));
			json_object_set_new(auth, "objects",
			    json_pack("[{s:s,s:s,s:s,s:s,s:s,s:s}]", "type",
			        "Password", "id", "OTP", "format", "N", "label",
			        "Authenticator code", "description",
			        "The 6-digit code of the authenticator app "
			        "paired with the account",
			        "generator", "totp"));
		}
		json_object_set_new(o, "auth", auth);
	} else {
		json_object_set_new(o, "authMode", json_string(mode));
		/* PIN and OTP are the groups authInfo asks for (§11.5). */
		if (auth_info)
			json_object_set_new(
			    o, "PIN", json_pack("{s:s}", "presence", "false"));
		if (auth_info && explicit_mode)
			json_object_set_new(o, "OTP",
			    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			        "presence", "true", "type", "offline", "ID",
			        "totp", "format", "N", "label",
			        "Authenticator code", "description",
			        "The 6-digit code of the authenticator app "
			        "paired with the account",
			        "provider", "totp"));
	}
	return o;
}

struct list_ctx {
	struct req *r;
	json_t *ids, *infos;
	bool v2;
	const char *certs;
	bool cert_info, auth_info;
	int64_t skip, max, seen; /* pageToken (an offset), maxResults */
	bool more;               /* one past the page: nextPageToken */
};

static enum pc_rc
list_one(void *arg, const char *serial)
{
	struct list_ctx *c = arg;
	struct csc_cred_info ci;
	enum pc_rc rc;

	/* 1.0.4.0 / 2.0.0.2 §11.4: no more than maxResults; the rest
	 * from nextPageToken. */
	if (c->seen++ < c->skip)
		return PC_OK;
	if ((int64_t)json_array_size(c->ids) >= c->max) {
		c->more = true;
		return PC_OK;
	}
	rc = api_append(c->ids, json_string(serial));
	if (rc != PC_OK || c->infos == NULL)
		return rc;
	rc = csc_credential_info(
	    api_env(c->r), api_bearer(c->r), serial, &ci, api_err(c->r));
	if (rc != PC_OK)
		return rc;
	rc = api_append(c->infos,
	    cred_json(c->r, &ci, true, c->certs, c->cert_info, c->auth_info));
	csc_cred_info_cleanup(&ci);
	return rc;
}

/* none, single or chain (absent: single). */
static bool
certs_ok(const char *certs)
{
	return certs == NULL || strcmp(certs, "none") == 0 ||
	       strcmp(certs, "single") == 0 || strcmp(certs, "chain") == 0;
}

/* userID is ignored: a user's token lists the user's credentials.
 * maxResults and pageToken page through them. */
enum pc_rc
api_csc_list_post(struct req *r, struct resp *w)
{
	struct list_ctx c = { r, json_array(), NULL, is_v2(r),
		api_str(r, "certificates"), api_bool(r, "certInfo"),
		api_bool(r, "authInfo"), 0, 1000, 0, false };
	const char *page = api_str(r, "pageToken");
	json_t *o, *mr = json_object_get(r->json, "maxResults");
	char *end = NULL;
	enum pc_rc rc;

	if (mr != NULL && json_is_integer(mr))
		c.max = json_integer_value(mr);
	/* Our page token: the decimal offset of the next credential. */
	if (page != NULL &&
	    (page[0] < '0' || page[0] > '9' || strlen(page) > 6 ||
	        (c.skip = strtoll(page, &end, 10), *end != '\0'))) {
		json_decref(c.ids);
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "pageToken", 0 });
	}
	if (!certs_ok(c.certs)) {
		json_decref(c.ids);
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "certificates", 0 });
	}
	if (c.v2 && api_bool(r, "credentialInfo"))
		c.infos = json_array();
	/* "authentication" (ours): the authentication certificates too. */
	rc =
	    csc_credentials(api_env(r), api_bearer(r), api_bool(r, "onlyValid"),
	        api_bool(r, "authentication"), list_one, &c);
	if (rc != PC_OK || c.ids == NULL) {
		json_decref(c.ids);
		json_decref(c.infos);
		return rc != PC_OK ? rc : PC_ENOMEM;
	}
	o = json_pack("{s:o}", "credentialIDs", c.ids);
	if (o != NULL && c.more)
		json_object_set_new(o, "nextPageToken",
		    json_string(arena_printf(
		        &r->arena, "%lld", (long long)(c.skip + c.max))));
	if (o != NULL && c.infos != NULL)
		json_object_set_new(o, "credentialInfos", c.infos);
	/* 2.0.0.2 §11.4: onlyValid true when asked and applied. */
	if (o != NULL && c.v2 && api_bool(r, "onlyValid"))
		json_object_set_new(o, "onlyValid", json_true());
	return api_reply(w, 200, o);
}

enum pc_rc
api_csc_cred_info_post(struct req *r, struct resp *w)
{
	const char *certs = api_str(r, "certificates");
	struct csc_cred_info ci;
	json_t *o;
	enum pc_rc rc;

	if (!certs_ok(certs))
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "certificates", 0 });
	rc = csc_credential_info(api_env(r), api_bearer(r),
	    api_str(r, "credentialID"), &ci, api_err(r));
	if (rc != PC_OK)
		return rc;
	/* authInfo defaults to false (1.0.4.0 §11.5, 2.0.0.2 §11.4). */
	o = cred_json(r, &ci, is_v2(r), certs, api_bool(r, "certInfo"),
	    api_bool(r, "authInfo"));
	csc_cred_info_cleanup(&ci);
	return api_reply(w, 200, o);
}

/*
 * The hashes of the body's array member key (v1 "hash", v2 "hashes") as
 * strings into h (arena; at most CSC_HASHES_MAX + 1, so one too many is
 * seen; h->n the array's size). Absent: none; present and not an array:
 * invalid (never read as "no hashes", which authorize takes for an
 * authentication SAD).
 */
static enum pc_rc
hashes_in(struct req *r, const char *key, struct csc_hashes *h)
{
	json_t *a = json_object_get(r->json, key);
	struct pc_err *e = api_err(r);
	const char **b64;
	size_t i, k;

	memset(h, 0, sizeof(*h));
	if (a == NULL)
		return PC_OK;
	if (!json_is_array(a)) {
		if (e != NULL)
			*e = (struct pc_err){ PCE_FIELD_INVALID, key, 0 };
		return PC_EINVAL;
	}
	k = json_array_size(a);
	if (k > CSC_HASHES_MAX + 1)
		k = CSC_HASHES_MAX + 1;
	b64 = arena_alloc(&r->arena, (k + 1) * sizeof(*b64));
	if (b64 == NULL)
		return PC_ENOMEM;
	for (i = 0; i < k; i++)
		b64[i] = json_string_value(json_array_get(a, i));
	h->b64 = b64;
	h->n = json_array_size(a);
	return PC_OK;
}

/* A new SAD's answer (authorize, extendTransaction); the SAD wiped. */
static enum pc_rc
sad_reply(struct resp *w, char *sad, size_t size, int64_t exp)
{
	enum pc_rc rc;

	rc = api_reply(w, 200,
	    json_pack("{s:s,s:I}", "SAD", sad, "expiresIn", (json_int_t)exp));
	secret_wipe(sad, size);
	return rc;
}

/* The TOTP code: v1 OTP, v2 authData [{"id": "OTP", "value"}]. */
static const char *
otp_of(struct req *r, bool v2)
{
	json_t *a, *el;
	size_t i;

	if (!v2)
		return api_str(r, "OTP");
	a = api_arr(r, "authData");
	json_array_foreach(a, i, el)
	{
		const char *id = api_json_str(el, "id");

		if (id != NULL && strcmp(id, "OTP") == 0)
			return api_json_str(el, "value");
	}
	return NULL;
}

enum pc_rc
api_csc_authorize_post(struct req *r, struct resp *w)
{
	bool v2 = is_v2(r);
	const char *field = v2 ? "hashes" : "hash";
	struct csc_hashes h;
	char sad[SIGNER_SAD_HEX + 1];
	json_t *num = json_object_get(r->json, "numSignatures");
	int64_t exp = 0;
	enum pc_rc rc;

	rc = hashes_in(r, field, &h);
	if (rc != PC_OK)
		return rc;
	/* No hashes at all: an authentication credential's multi-use SAD
	 * (numSignatures of them; the signer refuses it for any other). */
	if (h.n == 0 && (!v2 || api_arr(r, field) != NULL))
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, field, 0 });
	if (h.n > CSC_HASHES_MAX)
		return api_fail_code(r, w, PCE_NUM_SIGNATURES_INVALID);
	h.hash_oid = v2 ? api_str(r, "hashAlgorithmOID") : NULL;
	rc =
	    csc_authorize(api_env(r), api_bearer(r), api_str(r, "credentialID"),
	        num != NULL ? json_integer_value(num) : 0, &h, otp_of(r, v2),
	        sad, &exp, api_err(r));
	if (rc != PC_OK)
		return rc;
	return sad_reply(w, sad, sizeof(sad), exp);
}

/*
 * extendTransaction (1.0.4.0 §11.7, 2.0.0.2 §11.9): hashes may be given
 * (v1 hash, v2 hashes + hashAlgorithmOID); they must be ones the SAD
 * still covers: binding a new hash would sign what the holder's code
 * never authorized (SCAL 2), so that takes a new authorize.
 */
enum pc_rc
api_csc_extend_post(struct req *r, struct resp *w)
{
	bool v2 = is_v2(r);
	const char *field = v2 ? "hashes" : "hash";
	struct csc_hashes h;
	char sad[SIGNER_SAD_HEX + 1];
	int64_t exp = 0;
	enum pc_rc rc;

	rc = hashes_in(r, field, &h);
	if (rc != PC_OK)
		return rc;
	if (h.n > CSC_HASHES_MAX)
		return api_fail_code(r, w, PCE_HASHES_EXCEED);
	h.hash_oid = v2 ? api_str(r, "hashAlgorithmOID") : NULL;
	rc = csc_extend(api_env(r), api_bearer(r), api_str(r, "credentialID"),
	    api_str(r, "SAD"), &h, sad, &exp, api_err(r));
	if (rc != PC_OK)
		return rc;
	return sad_reply(w, sad, sizeof(sad), exp);
}

enum pc_rc
api_csc_sign_hash_post(struct req *r, struct resp *w)
{
	bool v2 = is_v2(r);
	const char *field = v2 ? "hashes" : "hash";
	const char *mode = api_str(r, "operationMode");
	struct csc_hashes h;
	char **sigs;
	json_t *a;
	size_t i;
	enum pc_rc rc;

	/* No asynchronous mode (info says so): "A" is refused, never
	 * answered empty. */
	if (mode != NULL && strcmp(mode, "S") != 0)
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "operationMode", 0 });
	rc = hashes_in(r, field, &h);
	if (rc != PC_OK)
		return rc;
	if (h.n == 0)
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, field, 0 });
	if (h.n > CSC_HASHES_MAX)
		return api_fail_code(r, w, PCE_HASHES_EXCEED);
	h.hash_oid = api_str(r, v2 ? "hashAlgorithmOID" : "hashAlgo");
	sigs = arena_alloc(&r->arena, h.n * sizeof(*sigs));
	if (sigs == NULL)
		return PC_ENOMEM;
	rc =
	    csc_sign_hash(api_env(r), api_bearer(r), api_str(r, "credentialID"),
	        api_str(r, "SAD"), &h, api_str(r, "signAlgo"),
	        api_str(r, "signAlgoParams"), sigs, api_err(r));
	if (rc != PC_OK) {
		/* The member at fault by this version's name (v1 hashAlgo
		 * and hash, v2 hashAlgorithmOID and hashes). */
		struct pc_err *e = api_err(r);

		if (e != NULL && e->field != NULL &&
		    (strcmp(e->field, "hashAlgo") == 0 ||
		        strcmp(e->field, "hashAlgorithmOID") == 0))
			e->field = v2 ? "hashAlgorithmOID" : "hashAlgo";
		else if (e != NULL && e->field != NULL &&
		         strcmp(e->field, "hashes") == 0)
			e->field = field;
		return rc;
	}
	a = json_array();
	for (i = 0; i < h.n; i++) {
		if (a != NULL)
			json_array_append_new(a, json_string(sigs[i]));
		free(sigs[i]);
	}
	return api_reply(w, 200, json_pack("{s:o}", "signatures", a));
}

/* signatures/timestamp (2.0.0.2 §11.13): the node's TSA over a hash. */
enum pc_rc
api_csc_timestamp_post(struct req *r, struct resp *w)
{
	struct buf tok;
	char *b;
	enum pc_rc rc;

	buf_init(&tok, 64 * 1024);
	rc = csc_timestamp(api_env(r), api_bearer(r), api_str(r, "hash"),
	    api_str(r, "hashAlgo"), api_str(r, "nonce"), &tok, api_err(r));
	if (rc != PC_OK) {
		buf_cleanup(&tok);
		return rc;
	}
	b = csc_b64_encode(tok.data, tok.len);
	buf_cleanup(&tok);
	if (b == NULL)
		return PC_ENOMEM;
	rc = api_reply(w, 200, json_pack("{s:s}", "timestamp", b));
	free(b);
	return rc;
}

/* A list of base64 strings as a JSON array (the strings stay owned). */
static json_t *
b64_array(char **l, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(l[i]));
	return a;
}

/*
 * signatures/signDoc (2.0.0.2 §11.11): documents (PAdES, CAdES) and
 * documentDigests (detached CAdES) signed by the server under a SAD that
 * covers the documents' hashes (csc_doc.c).
 */
enum pc_rc
api_csc_sign_doc_post(struct req *r, struct resp *w)
{
	const char *mode = api_str(r, "operationMode");
	json_t *docs = api_arr(r, "documents"),
	       *dd = api_arr(r, "documentDigests");
	json_t *el, *o, *vi;
	struct csc_doc_in *din = NULL;
	struct csc_doc_digests *dg = NULL;
	struct csc_doc_req q;
	struct csc_doc_out out;
	size_t i;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	if (mode != NULL && strcmp(mode, "S") != 0)
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "operationMode", 0 });
	q.ndocs = docs != NULL ? json_array_size(docs) : 0;
	q.ndigests = dd != NULL ? json_array_size(dd) : 0;
	if (q.ndocs > CSC_DOCS_MAX)
		return api_fail(r, w, PC_ELIMIT,
		    &(struct pc_err){ PCE_FIELD_INVALID, "documents", 0 });
	if (q.ndocs > 0) {
		din = arena_alloc(&r->arena, q.ndocs * sizeof(*din));
		if (din == NULL)
			return PC_ENOMEM;
	}
	json_array_foreach(docs, i, el)
	{
		din[i].b64 = api_json_str(el, "document");
		din[i].format = api_json_str(el, "signature_format");
		din[i].level = api_json_str(el, "conformance_level");
		din[i].envelope = api_json_str(el, "signed_envelope_property");
		din[i].sign_algo = api_json_str(el, "signAlgo");
		din[i].sign_params = api_json_str(el, "signAlgoParams");
	}
	if (q.ndigests > 0) {
		dg = arena_alloc(&r->arena, q.ndigests * sizeof(*dg));
		if (dg == NULL)
			return PC_ENOMEM;
	}
	json_array_foreach(dd, i, el)
	{
		json_t *h = json_object_get(el, "hashes"), *x;
		const char **b64;
		size_t k;

		memset(&dg[i], 0, sizeof(dg[i]));
		dg[i].h.n = json_is_array(h) ? json_array_size(h) : 0;
		if (dg[i].h.n > CSC_HASHES_MAX)
			return api_fail_code(r, w, PCE_HASHES_EXCEED);
		b64 = arena_alloc(&r->arena, (dg[i].h.n + 1) * sizeof(*b64));
		if (b64 == NULL)
			return PC_ENOMEM;
		json_array_foreach(h, k, x) b64[k] = json_string_value(x);
		dg[i].h.b64 = b64;
		dg[i].h.hash_oid = api_json_str(el, "hashAlgorithmOID");
		dg[i].format = api_json_str(el, "signature_format");
		dg[i].level = api_json_str(el, "conformance_level");
		dg[i].envelope = api_json_str(el, "signed_envelope_property");
		dg[i].sign_algo = api_json_str(el, "signAlgo");
		dg[i].sign_params = api_json_str(el, "signAlgoParams");
	}
	q.docs = din;
	q.digests = dg;
	q.validation_info = api_bool(r, "returnValidationInfo");
	rc = csc_sign_doc(api_env(r), api_bearer(r), api_str(r, "credentialID"),
	    api_str(r, "SAD"), &q, &out, api_err(r));
	if (rc != PC_OK)
		return rc;
	o = json_object();
	if (o != NULL && out.ndocs > 0)
		json_object_set_new(
		    o, "DocumentWithSignature", b64_array(out.docs, out.ndocs));
	if (o != NULL && out.nsigs > 0)
		json_object_set_new(
		    o, "SignatureObject", b64_array(out.sigs, out.nsigs));
	if (o != NULL && q.validation_info) {
		vi = json_object();
		if (vi != NULL) {
			json_object_set_new(
			    vi, "ocsp", b64_array(out.ocsps, out.nocsps));
			json_object_set_new(
			    vi, "crl", b64_array(out.crls, out.ncrls));
			json_object_set_new(vi, "certificates",
			    b64_array(out.certs, out.ncerts));
		}
		json_object_set_new(o, "validationInfo", vi);
	}
	csc_doc_out_cleanup(&out);
	return api_reply(w, 200, o);
}
