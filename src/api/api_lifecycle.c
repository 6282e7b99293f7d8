/*
 * api_lifecycle.c: suspension, resumption and revocation (the holder's
 * Settings, the RA console) and the public registry (J16); handlers
 * translate to lifecycle.h.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "base/arena.h"
#include "lifecycle/lifecycle.h"

enum pc_rc
api_certificate_suspend_post(struct req *r, struct resp *w)
{
	return api_then(r, w,
	    lifecycle_suspend(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        api_bool(r, "confirm"), api_err(r)),
	    api_certificates_get);
}

enum pc_rc
api_certificate_resume_post(struct req *r, struct resp *w)
{
	return api_then(r, w,
	    lifecycle_resume(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        api_str(r, "code"), api_err(r)),
	    api_certificates_get);
}

enum pc_rc
api_certificate_revoke_post(struct req *r, struct resp *w)
{
	return api_then(r, w,
	    lifecycle_revoke(api_env(r), api_session(r)->u.id, api_param(r, 0),
	        api_str(r, "code"), api_bool(r, "confirm"),
	        api_str(r, "reason"), api_err(r)),
	    api_certificates_get);
}

enum pc_rc
api_ra_cert_revoke_post(struct req *r, struct resp *w)
{
	enum pc_rc rc;

	rc = lifecycle_ra_revoke(api_env(r), api_param(r, 0),
	    api_str(r, "reason"), api_str(r, "text"), api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200,
	    json_pack("{s:s,s:s}", "serial", api_param(r, 0), "reason",
	        api_str(r, "reason")));
}

/* ---- the public registry ------------------------------------------------ */

static enum pc_rc
entry_one(void *arg, const struct registry_entry *e)
{
	void **a = arg;
	struct req *r = a[0];

	return api_append(
	    a[1], json_pack("{s:s,s:s,s:o,s:o,s:s}", "serial", e->serial,
	              "subject", e->subject, "not_before",
	              api_time_or_null(r, e->not_before), "not_after",
	              api_time_or_null(r, e->not_after), "status", e->status));
}

/* ?q= a full name or an e-mail; an unknown one is an empty list. */
enum pc_rc
api_registry_get(struct req *r, struct resp *w)
{
	json_t *list = json_array();
	void *a[2] = { r, list };

	if (list == NULL)
		return PC_ENOMEM;
	return api_reply_list(w,
	    registry_search(api_env(r), api_query(r, "q"), entry_one, a),
	    "certificates", list);
}

/* <serial>.crt (DER) or <serial>.pem. */
enum pc_rc
api_registry_file_get(struct req *r, struct resp *w)
{
	const char *file = api_param(r, 0), *dot = strrchr(file, '.');
	char serial[STORE_SERIAL_MAX + 3];
	bool pem;
	enum pc_rc rc;

	if (dot == NULL || dot == file ||
	    (size_t)(dot - file) >= sizeof(serial) ||
	    (strcmp(dot, ".crt") != 0 && strcmp(dot, ".pem") != 0))
		return api_fail_code(r, w, PCE_CERT_NOT_FOUND);
	pem = strcmp(dot, ".pem") == 0;
	snprintf(serial, sizeof(serial), "%.*s", (int)(dot - file), file);
	buf_reset(&w->body);
	rc = registry_cert_file(api_env(r), serial, pem, &w->body);
	if (rc == PC_ENOTFOUND)
		return api_fail_code(r, w, PCE_CERT_NOT_FOUND);
	if (rc != PC_OK)
		return rc;
	w->status = 200;
	w->ctype = pem ? "application/x-pem-file" : "application/pkix-cert";
	api_attachment(r, w, arena_printf(&r->arena, "%s%s", serial, dot));
	return PC_OK;
}

static enum pc_rc
ca_one(void *arg, const struct registry_ca *c)
{
	void **a = arg;
	struct req *r = a[0];
	const char *base = api_env(r)->conf->server.public_url;

	return api_append(a[1],
	    json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:s,s:s,s:o}", "name", c->name,
	        "subject", c->subject, "serial", c->serial, "not_before",
	        api_time_or_null(r, c->not_before), "not_after",
	        api_time_or_null(r, c->not_after), "sha256", c->sha256, "der",
	        arena_printf(&r->arena, "%s/pki/%s.crt", base, c->name), "pem",
	        arena_printf(&r->arena, "%s/pki/%s.pem", base, c->name), "crl",
	        c->crl ? json_string(arena_printf(
	                     &r->arena, "%s/pki/%s.crl", base, c->name))
	               : json_null()));
}

/* Our CA and service certificates, their fingerprints, the CRLs, OCSP. */
enum pc_rc
api_registry_ca_get(struct req *r, struct resp *w)
{
	json_t *list = json_array();
	void *a[2] = { r, list };
	enum pc_rc rc;

	if (list == NULL)
		return PC_ENOMEM;
	rc = registry_ca_each(api_env(r), ca_one, a);
	if (rc != PC_OK) {
		json_decref(list);
		return rc;
	}
	return api_reply(w, 200,
	    json_pack("{s:o,s:s}", "certificates", list, "ocsp",
	        arena_printf(&r->arena, "%s/ocsp",
	            api_env(r)->conf->server.public_url)));
}
