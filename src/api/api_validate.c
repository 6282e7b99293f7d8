/*
 * api_validate.c: POST /api/v1/validate, the public validation service
 * (validate.h): the raw body is the PDF, the answer its report: JSON, or
 * with ?format=xml the ETSI TS 119 102-2 XML validation report, with
 * ?format=pdf a report for people sealed with the platform's e-seal.
 */
#include <string.h>

#include "api/api_int.h"
#include "validate/validate.h"

/* Largest XML report answered (the objects are in it by value). */
#define API_VALIDATE_XML_MAX (64 * 1024 * 1024)

enum pc_rc
api_validate_post(struct req *r, struct resp *w)
{
	json_t *report = NULL;
	const char *fmt = api_query(r, "format");
	struct buf xml;
	enum pc_rc rc;

	if (fmt != NULL && strcmp(fmt, "json") != 0 &&
	    strcmp(fmt, "xml") != 0 && strcmp(fmt, "pdf") != 0)
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "format");
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
		rc = validate_pdf_xml(
		    api_env(r), r->body.data, r->body.len, &xml, api_err(r));
		if (rc == PC_OK)
			rc = api_reply_file(r, w, "application/xml", xml.data,
			    xml.len, "validation-report.xml");
		buf_cleanup(&xml);
		return rc;
	}
	rc = validate_pdf(
	    api_env(r), r->body.data, r->body.len, &report, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, report);
}
