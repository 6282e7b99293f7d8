/*
 * api_issuance.c: issuing the certificates (J8) and the account's
 * certificates; handlers translate to issuance.h.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "base/arena.h"
#include "issuance/issuance.h"
#include "lifecycle/renewal.h"

static json_t *
status_json(struct req *r, const struct issuance_status *s)
{
	json_t *o, *id = NULL;

	if (s->identity != NULL)
		id = json_loads(s->identity, 0, NULL);
	if (id != NULL) {
		/* What the certificate will say; not who confirmed it. */
		json_object_del(id, "confirmed_by");
		json_object_del(id, "confirmed_at");
	}
	o = json_pack("{s:s,s:s,s:o,s:o,s:{s:b,s:s},s:{s:s,s:s}}", "state",
	    s->state, "terms_version", s->terms_version, "order",
	    s->order.id[0] != '\0'
	        ? json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "id", s->order.id,
	              "number", s->order.number, "package", s->order.package,
	              "package_name", s->package_name, "years",
	              (json_int_t)s->years, "transactions",
	              (json_int_t)s->transactions)
	        : json_null(),
	    "identity", id != NULL ? id : json_null(), "phone", "question",
	    s->phone_question, "number", s->phone_question ? s->phone : "",
	    "certificate", "sign_serial", s->cred.serial, "auth_serial",
	    s->auth_serial);
	if (o != NULL && s->cred.serial[0] != '\0') {
		json_object_set_new(o, "transactions_left",
		    json_integer(s->cred.transactions_left));
		json_object_set_new(
		    o, "not_after", api_time_or_null(r, s->not_after));
	}
	return o;
}

enum pc_rc
api_issuance_get(struct req *r, struct resp *w)
{
	struct issuance_status s;
	json_t *o;
	enum pc_rc rc;

	rc = issuance_status(api_env(r), api_session(r)->u.id, &s);
	if (rc != PC_OK)
		return api_fail(r, w, rc, NULL);
	o = status_json(r, &s);
	issuance_status_cleanup(&s);
	return api_reply(w, 200, o);
}

enum pc_rc
api_issuance_phone_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	enum pc_rc rc;

	rc = issuance_phone(
	    api_env(r), api_session(r)->u.id, api_bool(r, "associate"), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_issuance_get(r, w);
}

enum pc_rc
api_issuance_post(struct req *r, struct resp *w)
{
	struct issuance_status s;
	struct pc_err err = { 0 };
	json_t *o;
	enum pc_rc rc;

	rc = issuance_run(
	    api_env(r), api_session(r)->u.id, api_str(r, "code"), &s, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	o = status_json(r, &s);
	issuance_status_cleanup(&s);
	return api_reply(w, 200, o);
}

/* The account's signed terms from get, as the file name. */
static enum pc_rc
terms_file(struct req *r, struct resp *w,
    enum pc_rc (*get)(const struct pc_env *, const char *, struct buf *),
    const char *name)
{
	struct buf pdf;
	enum pc_rc rc;

	buf_init(&pdf, 16u << 20);
	rc = get(api_env(r), api_session(r)->u.id, &pdf);
	if (rc != PC_OK) {
		buf_cleanup(&pdf);
		return api_fail(r, w, rc, NULL);
	}
	rc = api_reply_file(r, w, "application/pdf", pdf.data, pdf.len, name);
	buf_cleanup(&pdf);
	return rc;
}

enum pc_rc
api_issuance_terms_get(struct req *r, struct resp *w)
{
	return terms_file(r, w, issuance_terms_pdf, "terms-signed.pdf");
}

enum pc_rc
api_renewal_terms_get(struct req *r, struct resp *w)
{
	return terms_file(r, w, renewal_terms_pdf, "renewal-terms-signed.pdf");
}

static enum pc_rc
cert_one(void *arg, const struct issuance_cert *c)
{
	void **a = arg;
	struct req *r = a[0];
	json_t *list = a[1];

	return json_array_append_new(
	           list, json_pack("{s:s,s:s,s:s,s:o,s:o,s:b,s:s}", "serial",
	                     c->serial, "kind", c->kind, "subject",
	                     c->subject != NULL ? c->subject : "", "not_before",
	                     api_time_or_null(r, c->not_before), "not_after",
	                     api_time_or_null(r, c->not_after), "revoked",
	                     c->revoked, "status", c->status)) == 0
	           ? PC_OK
	           : PC_ENOMEM;
}

enum pc_rc
api_certificates_get(struct req *r, struct resp *w)
{
	json_t *list = json_array();
	void *a[2] = { r, list };
	enum pc_rc rc;

	if (list == NULL)
		return PC_ENOMEM;
	rc = issuance_certs(api_env(r), api_session(r)->u.id, cert_one, a);
	if (rc != PC_OK) {
		json_decref(list);
		return api_fail(r, w, rc, NULL);
	}
	return api_reply(w, 200, json_pack("{s:o}", "certificates", list));
}

/* ?format=der|pem (default pem), ?chain=1 (PEM only). */
enum pc_rc
api_certificate_get(struct req *r, struct resp *w)
{
	const char *fmt = http_req_query(r, "format");
	const char *chain = http_req_query(r, "chain");
	const char *serial = api_param(r, 0);
	struct buf out;
	bool pem = fmt == NULL || strcmp(fmt, "pem") == 0;
	enum pc_rc rc;

	if (!pem && strcmp(fmt, "der") != 0)
		return api_fail(r, w, PC_EINVAL,
		    &(struct pc_err){ PCE_FIELD_INVALID, "format", 0 });
	buf_init(&out, 256 * 1024);
	rc = issuance_cert_file(api_env(r), api_session(r)->u.id, serial, pem,
	    chain != NULL && strcmp(chain, "1") == 0, &out);
	if (rc != PC_OK) {
		buf_cleanup(&out);
		return api_fail(r, w, rc, NULL);
	}
	http_resp_bytes(w, 200,
	    pem ? "application/x-pem-file" : "application/pkix-cert", out.data,
	    out.len);
	http_resp_header(w, "Content-Disposition",
	    arena_printf(&r->arena, "attachment; filename=\"%s.%s\"", serial,
	        pem ? "pem" : "cer"));
	buf_cleanup(&out);
	return PC_OK;
}
