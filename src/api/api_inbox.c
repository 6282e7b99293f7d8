/*
 * api_inbox.c: the contact form, rectification requests and the
 * operators' inbox (inbox/inbox.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_int.h"
#include "inbox/inbox.h"

/* 201 {id, upload_token, files_max, file_max_bytes}. */
static enum pc_rc
sent(struct resp *w, const char *id, const char *token)
{
	return api_reply(w, 201,
	    json_pack("{s:s,s:s,s:i,s:I}", "id", id, "upload_token", token,
	        "files_max", INBOX_FILES_MAX, "file_max_bytes",
	        (json_int_t)INBOX_FILE_MAX));
}

enum pc_rc
api_contact_post(struct req *r, struct resp *w)
{
	const struct acct_session *s = api_session(r);
	char id[STORE_ID_LEN + 1], token[INBOX_TOKEN_LEN + 1];
	struct inbox_new m;
	enum pc_rc rc;

	if (!api_bool(r, "privacy_consent"))
		return pc_fail(api_err(r), PC_EINVAL, PCE_FIELD_INVALID,
		    "privacy_consent");
	memset(&m, 0, sizeof(m));
	m.kind = INBOX_CONTACT;
	m.user_id = s != NULL ? s->u.id : NULL;
	m.name = api_str(r, "name");
	m.email = api_str(r, "email");
	m.topic = api_str(r, "topic");
	m.body = api_str(r, "message");
	m.lang = api_str(r, "lang");
	rc = inbox_send(api_env(r), &m, id, token, api_err(r));
	if (rc != PC_OK)
		return rc;
	return sent(w, id, token);
}

enum pc_rc
api_rectification_post(struct req *r, struct resp *w)
{
	const struct acct_session *s = api_session(r);
	char id[STORE_ID_LEN + 1], token[INBOX_TOKEN_LEN + 1], name[512];
	struct inbox_new m;
	enum pc_rc rc;

	snprintf(name, sizeof(name), "%s %s", s->u.given_name, s->u.surname);
	memset(&m, 0, sizeof(m));
	m.kind = INBOX_RECTIFY;
	m.user_id = s->u.id;
	m.name = name;
	m.email = s->u.email;
	m.lang = s->u.lang;
	m.topic = api_str(r, "field");
	m.body = api_str(r, "message");
	rc = inbox_send(api_env(r), &m, id, token, api_err(r));
	if (rc != PC_OK)
		return rc;
	return sent(w, id, token);
}

enum pc_rc
api_contact_file_post(struct req *r, struct resp *w)
{
	int64_t n = 0;
	enum pc_rc rc;

	rc = inbox_attach(api_env(r), api_param(r, 0),
	    http_req_header(r, "X-Upload-Token"), api_query(r, "name"),
	    r->body.data, r->body.len, &n, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 201,
	    json_pack("{s:I,s:I}", "n", (json_int_t)n, "size",
	        (json_int_t)r->body.len));
}

enum pc_rc
api_admin_inbox_get(struct req *r, struct resp *w)
{
	const char *state = api_query(r, "state");
	json_t *a = NULL;
	enum pc_rc rc;

	if (state != NULL && state[0] != '\0' &&
	    strcmp(state, INBOX_OPEN) != 0 && strcmp(state, INBOX_CLOSED) != 0)
		return pc_fail(
		    api_err(r), PC_EINVAL, PCE_FIELD_INVALID, "state");
	rc = inbox_list(api_env(r), state, &a);
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, json_pack("{s:o}", "messages", a));
}

enum pc_rc
api_admin_inbox_one_get(struct req *r, struct resp *w)
{
	json_t *o = NULL;
	enum pc_rc rc;

	rc = inbox_show(api_env(r), api_param(r, 0), &o, api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_reply(w, 200, o);
}

enum pc_rc
api_admin_inbox_file_get(struct req *r, struct resp *w)
{
	char ctype[32], name[128], *end;
	const char *ns = api_param(r, 1);
	struct buf b;
	long n;
	enum pc_rc rc;

	n = strtol(ns, &end, 10);
	if (*ns == '\0' || *end != '\0' || n < 1 || n > INBOX_FILES_MAX)
		return pc_fail(
		    api_err(r), PC_ENOTFOUND, PCE_MESSAGE_NOT_FOUND, NULL);
	buf_init(&b, INBOX_FILE_MAX);
	rc = inbox_file(
	    api_env(r), api_param(r, 0), n, &b, ctype, name, api_err(r));
	if (rc == PC_OK)
		rc = api_reply_file(r, w, ctype, b.data, b.len, name);
	buf_cleanup(&b);
	return rc;
}

enum pc_rc
api_admin_inbox_answer_post(struct req *r, struct resp *w)
{
	enum pc_rc rc;

	rc = inbox_answer(api_env(r), api_param(r, 0), api_session(r)->u.id,
	    api_str(r, "answer"), api_err(r));
	if (rc != PC_OK)
		return rc;
	return api_admin_inbox_one_get(r, w);
}
