/*
 * api_confirm.c: the confirmation document for ANAF's SPV (issue 17);
 * handlers translate to signing/confirm.h.
 */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "signing/confirm.h"
#include "signing/signing.h"

/* The request as it is now (status 200, or 201 when just made). */
static enum pc_rc
confirm_reply(struct req *r, struct resp *w, const char *id, int status)
{
	struct pc_err err = { 0 };
	json_t *o = NULL;
	enum pc_rc rc;

	rc = confirm_get(api_env(r), api_session(r)->u.id, id, &o, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return api_reply(w, status, o);
}

enum pc_rc
api_confirm_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	char id[STORE_ID_LEN + 1];
	enum pc_rc rc;

	rc =
	    confirm_new(api_env(r), api_session(r)->u.id, id, sizeof(id), &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return confirm_reply(r, w, id, 201);
}

enum pc_rc
api_confirm_get(struct req *r, struct resp *w)
{
	return confirm_reply(r, w, api_param(r, 0), 200);
}

/* The declaration, or the sealed document. */
static enum pc_rc
confirm_download(struct req *r, struct resp *w, bool sealed)
{
	struct pc_err err = { 0 };
	struct buf out;
	enum pc_rc rc;

	buf_init(&out, (size_t)SIGNING_SEAL_MAX + (1u << 20));
	rc = confirm_file(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    sealed, &out, &err);
	if (rc == PC_OK)
		rc = api_reply_file(r, w, "application/pdf", out.data, out.len,
		    sealed ? "declaratie-spv-sigilata.pdf"
		           : "declaratie-spv.pdf");
	else
		rc = api_fail(r, w, rc, &err);
	buf_cleanup(&out);
	return rc;
}

enum pc_rc
api_confirm_declaration_get(struct req *r, struct resp *w)
{
	return confirm_download(r, w, false);
}

enum pc_rc
api_confirm_sealed_get(struct req *r, struct resp *w)
{
	return confirm_download(r, w, true);
}

enum pc_rc
api_confirm_signed_post(struct req *r, struct resp *w)
{
	struct pc_err err = { 0 };
	enum pc_rc rc;

	rc = confirm_submit(api_env(r), api_session(r)->u.id, api_param(r, 0),
	    r->body.data, r->body.len, &err);
	if (rc != PC_OK)
		return api_fail(r, w, rc, &err);
	return confirm_reply(r, w, api_param(r, 0), 200);
}
