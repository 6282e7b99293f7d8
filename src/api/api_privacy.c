/*
 * api_privacy.c: the GDPR rights a person exercises alone (privacy.h):
 * what we hold, as JSON, the export as a ZIP, and erasure.
 */
#include "api/api_int.h"
#include "privacy/privacy.h"

enum pc_rc
api_account_data_get(struct req *r, struct resp *w)
{
	json_t *data = NULL;
	enum pc_rc rc;

	rc = privacy_data(api_env(r), api_session(r)->u.id, &data);
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, json_pack("{s:o}", "data", data));
}

enum pc_rc
api_account_export_get(struct req *r, struct resp *w)
{
	struct buf zip;
	enum pc_rc rc;

	buf_init(&zip, PRIVACY_ZIP_MAX);
	rc = privacy_export(api_env(r), api_session(r)->u.id,
	    api_session(r)->u.lang, &zip, api_err(r));
	if (rc == PC_OK)
		rc = api_reply_file(r, w, "application/zip", zip.data, zip.len,
		    "pecete-my-data.zip");
	buf_cleanup(&zip);
	return rc;
}

enum pc_rc
api_account_erasure_post(struct req *r, struct resp *w)
{
	json_t *kept = NULL;
	enum pc_rc rc;

	if (!api_bool(r, "confirm"))
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "confirm");
	rc = privacy_erase(api_env(r), api_session(r)->u.id,
	    api_str(r, "password"), api_str(r, "code"), &kept, api_err(r));
	if (rc != PC_OK)
		return rc;
	api_cookie_session(r, w, NULL); /* the sessions are gone */
	return api_reply(
	    w, 200, json_pack("{s:b,s:o}", "erased", 1, "kept", kept));
}

/* The operators' retention report (privacy_retention, nothing applied). */
enum pc_rc
api_admin_retention_get(struct req *r, struct resp *w)
{
	json_t *rep = NULL;
	enum pc_rc rc;

	rc = privacy_retention(api_env(r), false, &rep);
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, rep);
}
