/*
 * api_legal.c: the legal texts as pages and PDFs (/legal/<doc>[.pdf]) and
 * their list with versions for the UI (/api/v1/legal). One source:
 * data/legal (src/legal).
 */
#include <string.h>

#include "api/api_int.h"
#include "http/static.h"
#include "legal/legal.h"

static const char *
lang_of(struct req *r)
{
	const char *l = http_req_query(r, "lang");

	return l != NULL && strcmp(l, "en") == 0 ? "en" : "ro";
}

enum pc_rc
api_legal_page_get(struct req *r, struct resp *w)
{
	const char *p = api_param(r, 0), *dot = strrchr(p, '.');
	char doc[16];
	size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
	bool pdf = dot != NULL && strcmp(dot, ".pdf") == 0;
	enum pc_rc rc;

	if (n >= sizeof(doc) || (dot != NULL && !pdf))
		return api_fail_code(r, w, PCE_NOT_FOUND);
	memcpy(doc, p, n);
	doc[n] = '\0';
	if (!legal_known(doc))
		return api_fail_code(r, w, PCE_NOT_FOUND);
	buf_reset(&w->body);
	rc = pdf ? legal_pdf(r->app->conf, doc, lang_of(r), &w->body)
	         : legal_html(r->app->conf, doc, lang_of(r), &w->body);
	if (rc != PC_OK)
		return rc;
	w->status = 200;
	w->ctype = pdf ? "application/pdf" : "text/html; charset=utf-8";
	if (!pdf)
		http_resp_header(w, "Content-Security-Policy", HTTP_STATIC_CSP);
	http_resp_header(w, "Cache-Control", "no-cache");
	return PC_OK;
}

/* The seller's identity, as the legal texts print it (the checkout shows
 * it with the conditions of sale). */
static json_t *
provider_json(const struct conf *c)
{
	const struct conf_shop *s = &c->shop;

	return json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:s?}", "name",
	    s->seller_name, "cui", s->seller_cui, "reg_no", s->seller_reg,
	    "address", s->seller_address, "email", s->contact_email, "phone",
	    s->contact_phone);
}

enum pc_rc
api_legal_get(struct req *r, struct resp *w)
{
	static const char *const docs[] = { LEGAL_PRIVACY, LEGAL_TERMS,
		LEGAL_SHOP };
	const struct conf *c = r->app->conf;
	const char *lang = lang_of(r);
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < PC_ARRAY_LEN(docs); i++) {
		const char *v = legal_version(c, docs[i]);
		const char *t = legal_title(c, docs[i], lang);

		if (v == NULL || t == NULL)
			continue;
		json_array_append_new(
		    a, json_pack("{s:s,s:s,s:s,s:s,s:s}", "doc", docs[i],
		           "version", v, "title", t, "html",
		           arena_printf(
		               &r->arena, "/legal/%s?lang=%s", docs[i], lang),
		           "pdf",
		           arena_printf(&r->arena, "/legal/%s.pdf?lang=%s",
		               docs[i], lang)));
	}
	return api_reply(w, 200,
	    json_pack(
	        "{s:o,s:o}", "documents", a, "provider", provider_json(c)));
}
