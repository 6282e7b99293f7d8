/*
 * api_validate.c: POST /api/v1/validate, the public validation service
 * (validate.h): the raw body is the signed file (a PDF or an attached
 * .p7s; with ?p7s_length=N a detached .p7s of N bytes followed by the file
 * it signs), the answer its report: JSON, or with ?format=xml the ETSI TS
 * 119 102-2 XML validation report, with ?format=pdf (a PDF only) a report
 * for people sealed with the platform's e-seal.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "validate/validate.h"

/* Largest XML report answered (the objects are in it by value). */
#define API_VALIDATE_XML_MAX (64 * 1024 * 1024)

/* ?p7s_length: digits only, a length inside the body; 0 when absent. */
static bool
p7s_length(const char *s, size_t body, size_t *out)
{
	unsigned long long v;
	char *end = NULL;

	*out = 0;
	if (s == NULL)
		return true;
	if (!isdigit((unsigned char)s[0]) || strlen(s) > 9)
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0 || v > body || v > VALIDATE_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

enum pc_rc
api_validate_post(struct req *r, struct resp *w)
{
	json_t *report = NULL;
	const char *fmt = api_query(r, "format");
	struct buf xml;
	size_t p7s = 0;
	enum pc_rc rc;

	if (fmt != NULL && strcmp(fmt, "json") != 0 &&
	    strcmp(fmt, "xml") != 0 && strcmp(fmt, "pdf") != 0)
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "format");
	/* The sealed report is of a PDF only. */
	if (!p7s_length(api_query(r, "p7s_length"), r->body.len, &p7s) ||
	    (p7s > 0 && fmt != NULL && strcmp(fmt, "pdf") == 0))
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "p7s_length");
	if (fmt != NULL && strcmp(fmt, "pdf") == 0) {
		const char *lang = api_query(r, "lang");

		buf_init(&xml, API_VALIDATE_XML_MAX);
		rc = validate_pdf_sealed(api_env(r), r->body.data, r->body.len,
		    lang != NULL && strcmp(lang, "en") == 0 ? "en" : "ro", &xml,
		    api_err(r));
		if (rc == PC_OK)
			rc = api_reply_file(r, w, "application/pdf", xml.data,
			    xml.len, "validation-report.pdf");
		buf_cleanup(&xml);
		return rc;
	}
	if (fmt != NULL && strcmp(fmt, "xml") == 0) {
		buf_init(&xml, API_VALIDATE_XML_MAX);
		rc = validate_pdf_xml(api_env(r), r->body.data, r->body.len,
		    p7s, &xml, api_err(r));
		if (rc == PC_OK)
			rc = api_reply_file(r, w, "application/xml", xml.data,
			    xml.len, "validation-report.xml");
		buf_cleanup(&xml);
		return rc;
	}
	rc = validate_pdf(
	    api_env(r), r->body.data, r->body.len, p7s, &report, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, report);
}
