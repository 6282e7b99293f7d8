/*
 * api_validate.c: POST /api/v1/validate, the public validation service
 * (validate.h): the raw body is the PDF, the answer its report.
 */
#include "api/api_int.h"
#include "validate/validate.h"

enum pc_rc
api_validate_post(struct req *r, struct resp *w)
{
	json_t *report = NULL;
	enum pc_rc rc;

	rc = validate_pdf(
	    api_env(r), r->body.data, r->body.len, &report, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, report);
}
