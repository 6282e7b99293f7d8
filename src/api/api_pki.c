/*
 * api_pki.c: the public trust services: health, CA certificates and CRLs,
 * OCSP (RFC 6960: GET and POST) and time-stamping (RFC 3161).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "api/api_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "ops/ops.h"
#include "pki/pki.h"
#include "signer/signer.h"

#define METRICS_MAX (8u << 20) /* the whole answer, bytes */
#define METRICS_TOKEN_MIN 16   /* characters of a bearer token */
#define METRICS_TOKEN_MAX 256

/* Alive: the process answers. Nothing is checked (see /readyz). */
enum pc_rc
api_healthz_get(struct req *r, struct resp *w)
{
	return api_reply(w, 200,
	    json_pack("{s:s,s:s,s:I}", "status", "alive", "version",
	        PECETE_VERSION, "uptime",
	        (json_int_t)(clock_now() - r->app->started_at)));
}

/*
 * Ready: the database takes writes, the signer answers, the HSM signs,
 * and the validation service has trust anchors, with every configured
 * trusted list loaded and current.
 */
enum pc_rc
api_readyz_get(struct req *r, struct resp *w)
{
	struct ops_ready rd;
	json_t *lists = NULL;
	unsigned anchors = 0;
	bool ok, tl_ok;

	ops_ready(api_env(r), &rd);
	tl_ok = ops_validation_ready(api_env(r), &anchors, &lists);
	ok = rd.db_ok && rd.signer_ok && rd.hsm_ok && tl_ok;
	if (!ok)
		http_resp_header(w, "Retry-After", "5");
	return api_reply(w, ok ? 200 : 503,
	    json_pack("{s:s,s:s,s:s,s:s,s:i,s:{s:s,s:i,s:o}}", "status",
	        ok ? "ready" : "not_ready", "database",
	        rd.db_ok ? "ok" : rd.db_why, "signer",
	        rd.signer_ok ? "ok" : "down", "hsm",
	        rd.hsm_ok      ? "ok"
	        : rd.signer_ok ? "failing"
	                       : "unknown",
	        "signer_restarts", (int)rd.signer_restarts, "validation",
	        "status", tl_ok ? "ok" : "failing", "trust_anchors",
	        (int)anchors, "trusted_lists",
	        lists != NULL ? lists : json_array()));
}

/*
 * Who may read /metrics: this host directly (a loopback peer and no proxy
 * header: a request through HAProxy carries X-Forwarded-For), or anyone
 * with the token in [server] metrics_token_file.
 */
static bool
metrics_allowed(struct req *r)
{
	const char *auth = http_req_header(r, "Authorization");
	const char *file = r->app->conf->server.metrics_token_file;
	const char *ip = r->remote_ip;
	char *tok = NULL;
	bool ok = false;

	if (auth != NULL && file != NULL && strncmp(auth, "Bearer ", 7) == 0 &&
	    secret_read_file(file, METRICS_TOKEN_MAX, &tok) == PC_OK) {
		ok = strlen(tok) >= METRICS_TOKEN_MIN &&
		     strlen(tok) == strlen(auth + 7) &&
		     secret_eq(tok, auth + 7, strlen(tok));
		secret_strfree(tok);
		if (ok)
			return true;
	}
	if (http_req_header(r, "X-Forwarded-For") != NULL ||
	    http_req_header(r, "Forwarded") != NULL)
		return false;
	return ip != NULL &&
	       (strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	           strncmp(ip, "::ffff:127.", 11) == 0);
}

/* Prometheus text format: the requests, the process, the database. */
enum pc_rc
api_metrics_get(struct req *r, struct resp *w)
{
	struct http_opts o;
	struct buf b;
	enum pc_rc rc;

	if (!metrics_allowed(r))
		return http_error(w, PCE_FORBIDDEN,
		    "The metrics are served to this host, or with the token "
		    "of [server] metrics_token_file.");
	memset(&o, 0, sizeof(o));
	o.routes = api_routes;
	o.nroutes = api_nroutes;
	buf_init(&b, METRICS_MAX);
	http_metrics_render(&o, &b);
	rc = ops_metrics(api_env(r), r->app->started_at, &b);
	if (rc == PC_OK)
		http_resp_bytes(w, 200,
		    "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
	buf_cleanup(&b);
	return rc;
}

/* The signer holds the OCSP and TSA keys: while it is down, say so now. */
static bool
signer_down(struct req *r, struct resp *w)
{
	if (signer_client_up(r->app->signer))
		return false;
	api_fail_code(r, w, PCE_UNAVAILABLE);
	return true;
}

/* /pki/<name>.crt (DER), /pki/<name>.pem, /pki/<name>.crl (DER). */
enum pc_rc
api_pki_file_get(struct req *r, struct resp *w)
{
	struct app *app = r->app;
	const char *file = r->params[0], *dot, *ctype;
	char name[32];
	size_t n;
	enum pc_rc rc;

	dot = strrchr(file, '.');
	n = dot ? (size_t)(dot - file) : 0;
	if (dot == NULL || n == 0 || n >= sizeof(name))
		return http_error(w, PCE_NOT_FOUND,
		    "No such file. Try /pki/root.crt, /pki/issuing.crt or "
		    "/pki/issuing.crl.");
	memcpy(name, file, n);
	name[n] = '\0';
	if (strcmp(name, "root") != 0 && strcmp(name, "issuing") != 0 &&
	    strcmp(name, "ocsp") != 0 && strcmp(name, "tsa") != 0)
		return http_error(w, PCE_NOT_FOUND,
		    "No such certificate. Names: root, issuing, ocsp, tsa.");
	buf_reset(&w->body);
	if (strcmp(dot, ".crt") == 0 || strcmp(dot, ".cer") == 0) {
		rc = pki_cert_der(app->pki, name, &w->body);
		ctype = "application/pkix-cert";
	} else if (strcmp(dot, ".pem") == 0) {
		rc = pki_cert_pem(app->pki, name, &w->body);
		ctype = "application/x-pem-file";
	} else if (strcmp(dot, ".crl") == 0 &&
	           (strcmp(name, "root") == 0 ||
	               strcmp(name, "issuing") == 0)) {
		rc = pki_crl_der(app->pki, name, &w->body);
		ctype = "application/pkix-crl";
	} else {
		return http_error(w, PCE_NOT_FOUND,
		    "No such file. Certificates end in .crt or .pem, CRLs "
		    "(root, issuing) in .crl.");
	}
	if (rc != PC_OK)
		return rc;
	w->status = 200;
	w->ctype = ctype;
	/* A CRL changes at each revocation: caches keep it a minute. */
	http_resp_header(w, "Cache-Control",
	    strcmp(dot, ".crl") == 0 ? "public, max-age=60"
	                             : "public, max-age=300");
	return PC_OK;
}

static enum pc_rc
ocsp_answer(struct req *r, struct resp *w, const uint8_t *der, size_t n)
{
	struct app *app = r->app;
	enum pc_rc rc;

	if (signer_down(r, w))
		return PC_OK;
	buf_reset(&w->body);
	rc = pki_ocsp_respond(app->pki, der, n, &w->body);
	if (rc != PC_OK)
		return rc;
	w->status = 200;
	w->ctype = "application/ocsp-response";
	http_resp_header(w, "Cache-Control", "no-cache");
	return PC_OK;
}

/* GET /ocsp/<base64 of the DER request> (RFC 6960 appendix A.1). */
enum pc_rc
api_ocsp_get(struct req *r, struct resp *w)
{
	const char *b64 = r->params[0];
	uint8_t *der;
	size_t len, i, pad = 0;
	int n;

	len = strlen(b64);
	if (len == 0 || len % 4 != 0 ||
	    len > (size_t)r->app->conf->pki.ocsp_max_request * 4 / 3 + 4)
		return ocsp_answer(r, w, (const uint8_t *)"", 0);
	for (i = 0; i < len; i++) {
		char c = b64[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		        (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		        (c == '=' && i >= len - 2)))
			return ocsp_answer(r, w, (const uint8_t *)"", 0);
	}
	if (b64[len - 1] == '=')
		pad++;
	if (b64[len - 2] == '=')
		pad++;
	der = arena_alloc(&r->arena, len / 4 * 3 + 1);
	if (der == NULL)
		return PC_ENOMEM;
	n = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)len);
	if (n < 0 || (size_t)n < pad)
		return ocsp_answer(r, w, (const uint8_t *)"", 0);
	return ocsp_answer(r, w, der, (size_t)n - pad);
}

/* The gate checked Content-Type: application/ocsp-request. */
enum pc_rc
api_ocsp_post(struct req *r, struct resp *w)
{
	return ocsp_answer(r, w, r->body.data, r->body.len);
}

enum pc_rc
api_tsa_post(struct req *r, struct resp *w)
{
	struct app *app = r->app;
	enum pc_rc rc;

	/* The gate checked Content-Type: application/timestamp-query. */
	if (signer_down(r, w))
		return PC_OK;
	buf_reset(&w->body);
	rc = pki_tsa_respond(app->pki, r->body.data, r->body.len, &w->body);
	if (rc != PC_OK)
		return rc;
	w->status = 200;
	w->ctype = "application/timestamp-reply";
	http_resp_header(w, "Cache-Control", "no-store");
	return PC_OK;
}
