/*
 * inbox.c: the operators' inbox; see inbox.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/text.h"
#include "inbox/inbox.h"
#include "notify/notify.h"

static const char *const contact_topics[] = { "question", "complaint",
	"privacy", "other", NULL };
static const char *const rectify_topics[] = { "name", "email", "phone",
	"identity_document", "address", "other", NULL };

static const char *
str_or(const char *s)
{
	return s != NULL ? s : "";
}

static bool
one_of(const char *s, const char *const *list)
{
	for (; s != NULL && *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/*
 * Valid UTF-8 of 1..max characters without control characters (line
 * breaks and tabs only where lines) or bidirectional overrides, which
 * would make an operator read another text than was sent.
 */
static bool
text_ok(const char *s, long max, bool lines)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = s != NULL ? text_chars(s) : -1;

	if (n < 1 || n > max)
		return false;
	for (; *p != '\0'; p++) {
		if (*p == 0x7f ||
		    (*p < 0x20 &&
		        !(lines && (*p == '\n' || *p == '\r' || *p == '\t'))))
			return false;
		/* U+202A..U+202E and U+2066..U+2069: E2 80 AA..AE, E2 81
		 * A6..A9 */
		if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa &&
		    p[2] <= 0xae)
			return false;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9)
			return false;
	}
	return true;
}

enum pc_rc
inbox_send(const struct pc_env *e, const struct inbox_new *m, char *id,
    char *token, struct pc_err *err)
{
	struct store_inbox_msg row;
	char hash[STORE_HASH_LEN + 1];
	struct db *db = NULL;
	const char *bad = NULL;
	bool rect = m->kind != NULL && strcmp(m->kind, INBOX_RECTIFY) == 0;
	json_t *vars;
	enum pc_rc rc;

	if (!text_ok(m->name, 100, false))
		bad = "name";
	else if (m->email == NULL || !acct_email_valid(m->email))
		bad = "email";
	else if (!one_of(m->topic, rect ? rectify_topics : contact_topics))
		bad = rect ? "field" : "topic";
	else if (!text_ok(m->body, INBOX_BODY_MAX, true))
		bad = "message";
	if (bad != NULL)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, bad);
	if (rect && m->user_id == NULL)
		return PC_EINTERNAL;
	memset(&row, 0, sizeof(row));
	if (rnd_hex(STORE_ID_LEN / 2, row.id) != PC_OK ||
	    acct_token_new(token, hash) != PC_OK)
		return PC_EINTERNAL;
	snprintf(row.kind, sizeof(row.kind), "%s", m->kind);
	snprintf(row.user_id, sizeof(row.user_id), "%s",
	    m->user_id != NULL ? m->user_id : "");
	row.name = strdup(m->name);
	row.email = strdup(m->email);
	row.topic = strdup(m->topic);
	row.body = strdup(m->body);
	if (!row.name || !row.email || !row.topic || !row.body) {
		store_inbox_msg_cleanup(&row);
		return PC_ENOMEM;
	}
	snprintf(row.lang, sizeof(row.lang), "%s",
	    m->lang != NULL && strcmp(m->lang, "en") == 0 ? "en" : "ro");
	snprintf(row.upload_hash, sizeof(row.upload_hash), "%s", hash);
	row.created_at = clock_now();
	row.upload_until = row.created_at + INBOX_UPLOAD_S;
	snprintf(row.state, sizeof(row.state), "%s", INBOX_OPEN);
	row.answer = NULL;
	{
		bool en = strcmp(row.lang, "en") == 0;
		const char *what =
		    rect ? (en ? "a request to correct your data"
		               : "o cerere de rectificare a datelor")
		         : (en ? "a message to the provider"
		               : "un mesaj către furnizor");

		vars = json_pack("{s:s,s:s,s:s}", "name", m->name, "ref",
		    row.id, "kind", what);
	}
	if (vars == NULL) {
		store_inbox_msg_cleanup(&row);
		return PC_ENOMEM;
	}
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_inbox_insert(db, &row);
	if (rc == PC_OK)
		rc = notify_enqueue(db, NOTIFY_EMAIL, m->email,
		    "inbox_received", row.lang, vars, NULL);
	json_decref(vars);
	if (rc == PC_OK)
		rc = store_audit_printf(db,
		    m->user_id != NULL ? m->user_id : "public", "inbox.send",
		    "id=%s kind=%s topic=%s", row.id, row.kind, row.topic);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK)
		snprintf(id, STORE_ID_LEN + 1, "%s", row.id);
	store_inbox_msg_cleanup(&row);
	return rc;
}

/* What the first bytes say; NULL: not taken. */
static const char *
file_type(const uint8_t *p, size_t n)
{
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	return NULL;
}

static void
file_path(
    const struct pc_env *e, const char *id, int64_t n, char *out, size_t len)
{
	snprintf(out, len, "%s/inbox/%s-%lld.pcv", e->conf->store.files_dir, id,
	    (long long)n);
}

/* The shown name: its last path part, printable, at most 100 characters. */
static void
file_name(const char *in, const char *ctype, char *out, size_t n)
{
	const char *b = in != NULL ? strrchr(in, '/') : NULL;
	const char *s = b != NULL ? b + 1 : in;

	if (s == NULL || !text_ok(s, 100, false) || strchr(s, '\\') != NULL)
		s = strcmp(ctype, "application/pdf") == 0 ? "file.pdf"
		    : strcmp(ctype, "image/png") == 0     ? "file.png"
		                                          : "file.jpg";
	snprintf(out, n, "%s", s);
}

enum pc_rc
inbox_attach(const struct pc_env *e, const char *id, const char *token,
    const char *name, const uint8_t *p, size_t n, int64_t *nth,
    struct pc_err *err)
{
	struct store_inbox_file f;
	uint8_t key[VAULT_KEY_WRAPPED], md[32];
	char hash[STORE_HASH_LEN + 1], tmp[600], path[600], dir[560];
	char shown[128], rnd[17];
	const char *ctype = file_type(p, n);
	struct db *db = NULL;
	unsigned mdlen = 0;
	enum pc_rc rc;

	*nth = 0;
	if (ctype == NULL || n > INBOX_FILE_MAX)
		return pc_fail(err, PC_EINVAL, PCE_ATTACHMENT_INVALID, "file");
	if (token == NULL || acct_token_hash(token, hash) != PC_OK ||
	    strlen(id) != STORE_ID_LEN)
		return pc_fail(err, PC_ESTATE, PCE_UPLOAD_CLOSED, NULL);
	if (e->vault == NULL)
		return PC_EUNAVAIL;
	snprintf(dir, sizeof(dir), "%s/inbox", e->conf->store.files_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return PC_EIO;
	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return PC_ECRYPTO;
	memset(&f, 0, sizeof(f));
	snprintf(f.message_id, sizeof(f.message_id), "%s", id);
	file_name(name, ctype, shown, sizeof(shown));
	f.name = shown;
	snprintf(f.ctype, sizeof(f.ctype), "%s", ctype);
	f.size = (int64_t)n;
	hex_encode(md, sizeof(md), f.sha256);
	/* Written under a temporary name first: the row says which n. */
	if (rnd_hex(8, rnd) != PC_OK)
		return PC_EINTERNAL;
	snprintf(tmp, sizeof(tmp), "%s/.%s-%s.tmp", dir, id, rnd);
	rc = vault_write_file(e->vault, tmp, p, n, key);
	if (rc != PC_OK)
		return rc;
	hex_encode(key, sizeof(key), f.key_hex);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_inbox_file_add(db, hash, clock_now(), &f);
	if (rc == PC_OK) {
		file_path(e, id, f.n, path, sizeof(path));
		if (rename(tmp, path) != 0)
			rc = PC_EIO;
	}
	if (rc == PC_OK)
		rc = store_audit_printf(db, "public", "inbox.file",
		    "id=%s n=%lld type=%s size=%zu sha256=%s", id,
		    (long long)f.n, ctype, n, f.sha256);
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK) {
		unlink(tmp);
		if (rc == PC_ESTATE)
			return pc_fail(err, rc, PCE_UPLOAD_CLOSED, NULL);
		if (rc == PC_ELIMIT)
			return pc_fail(
			    err, PC_ESTATE, PCE_ATTACHMENTS_FULL, NULL);
		return rc;
	}
	*nth = f.n;
	return PC_OK;
}

static json_t *
msg_json(const struct store_inbox_msg *m)
{
	return json_pack("{s:s,s:s,s:s?,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s?,"
	                 "s:s?,s:I}",
	    "id", m->id, "kind", m->kind, "user_id",
	    m->user_id[0] ? m->user_id : NULL, "name", str_or(m->name), "email",
	    str_or(m->email), "topic", str_or(m->topic), "message",
	    str_or(m->body), "lang", m->lang, "state", m->state, "created_at",
	    (json_int_t)m->created_at, "closed_at", (json_int_t)m->closed_at,
	    "closed_by", m->closed_by[0] ? m->closed_by : NULL, "answer",
	    m->answer, "files", (json_int_t)m->nfiles);
}

static enum pc_rc
list_one(void *arg, const struct store_inbox_msg *m)
{
	json_t *o = msg_json(m);

	return o != NULL && json_array_append_new(arg, o) == 0 ? PC_OK
	                                                       : PC_ENOMEM;
}

enum pc_rc
inbox_list(const struct pc_env *e, const char *state, json_t **out)
{
	json_t *a = json_array();
	enum pc_rc rc;

	*out = NULL;
	if (a == NULL)
		return PC_ENOMEM;
	STORE_ONE(rc, e->store, store_inbox_each(db, state, 500, list_one, a));
	if (rc != PC_OK) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return PC_OK;
}

static enum pc_rc
file_one(void *arg, const struct store_inbox_file *f)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:s}", "n", (json_int_t)f->n,
	    "name", str_or(f->name), "type", f->ctype, "size",
	    (json_int_t)f->size, "sha256", f->sha256);

	return o != NULL && json_array_append_new(arg, o) == 0 ? PC_OK
	                                                       : PC_ENOMEM;
}

enum pc_rc
inbox_show(
    const struct pc_env *e, const char *id, json_t **out, struct pc_err *err)
{
	struct store_inbox_msg m;
	struct db *db = NULL;
	json_t *o = NULL, *files = json_array();
	enum pc_rc rc;

	*out = NULL;
	memset(&m, 0, sizeof(m));
	if (files == NULL)
		return PC_ENOMEM;
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		rc = store_inbox_get(db, id, &m);
		if (rc == PC_OK)
			rc = store_inbox_files(db, id, file_one, files);
		store_release(e->store, db);
	}
	if (rc == PC_OK) {
		o = msg_json(&m);
		if (o == NULL || json_object_set_new(o, "attachments", files))
			rc = PC_ENOMEM;
		files = NULL;
	}
	store_inbox_msg_cleanup(&m);
	json_decref(files);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_MESSAGE_NOT_FOUND, NULL);
	if (rc != PC_OK) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return PC_OK;
}

enum pc_rc
inbox_file(const struct pc_env *e, const char *id, int64_t n, struct buf *out,
    char *ctype, char *name, struct pc_err *err)
{
	struct store_inbox_file f;
	char path[600];
	enum pc_rc rc;

	memset(&f, 0, sizeof(f));
	STORE_ONE(rc, e->store, store_inbox_file_get(db, id, n, &f));
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_MESSAGE_NOT_FOUND, NULL);
	file_path(e, id, n, path, sizeof(path));
	if (rc == PC_OK)
		rc = vault_read_hex(e->vault, path, f.key_hex, out);
	if (rc == PC_OK) {
		snprintf(ctype, 32, "%s", f.ctype);
		snprintf(name, 128, "%s", str_or(f.name));
	}
	store_inbox_file_cleanup(&f);
	return rc;
}

enum pc_rc
inbox_answer(const struct pc_env *e, const char *id, const char *operator_id,
    const char *answer, struct pc_err *err)
{
	struct store_inbox_msg m;
	struct db *db = NULL;
	json_t *vars = NULL;
	enum pc_rc rc;

	if (!text_ok(answer, INBOX_BODY_MAX, true))
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "answer");
	memset(&m, 0, sizeof(m));
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_inbox_get(db, id, &m);
	if (rc == PC_OK)
		rc =
		    store_inbox_close(db, id, operator_id, answer, clock_now());
	if (rc == PC_OK) {
		vars = json_pack("{s:s,s:s,s:s}", "name", str_or(m.name), "ref",
		    m.id, "answer", answer);
		rc = vars != NULL ? notify_enqueue(db, NOTIFY_EMAIL, m.email,
		                        "inbox_answer", m.lang, vars, NULL)
		                  : PC_ENOMEM;
		json_decref(vars);
	}
	if (rc == PC_OK)
		rc = store_audit_printf(db, operator_id, "inbox.answer",
		    "id=%s kind=%s", m.id, m.kind);
	rc = store_write_end(e->store, db, rc);
	store_inbox_msg_cleanup(&m);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_MESSAGE_NOT_FOUND, NULL);
	if (rc == PC_ESTATE)
		return pc_fail(err, rc, PCE_MESSAGE_STATE, NULL);
	return rc;
}

struct purge_ctx {
	const struct pc_env *e;
	struct db *db;
	int64_t n;
};

static enum pc_rc
purge_one(void *arg, const char *id)
{
	struct purge_ctx *c = arg;
	char path[600];
	int64_t i;

	for (i = 1; i <= INBOX_FILES_MAX; i++) {
		file_path(c->e, id, i, path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT)
			return PC_EIO;
	}
	c->n++;
	return store_inbox_delete(c->db, id);
}

enum pc_rc
inbox_purge(const struct pc_env *e, struct db *db, int64_t before, int64_t *n)
{
	struct purge_ctx c = { e, db, 0 };
	enum pc_rc rc;

	rc = store_inbox_closed_before(db, before, purge_one, &c);
	*n = c.n;
	return rc;
}
