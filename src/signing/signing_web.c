/*
 * signing_web.c: signing in the browser (J9); see signing_web.h.
 *
 * Files live in the vault as documents of the account (kind "upload" and
 * "signed", store_documents.h) under files/docs/<user>/<id>.pcv; the
 * batch's items say which document holds each input and output. Signing
 * decrypts the inputs into a private scratch directory, runs one signing
 * batch (signing.h) and stores each output encrypted before the scratch
 * files are removed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <zip.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "signing/documents.h"
#include "signing/signing.h"
#include "signing/signing_approf.h"
#include "signing/signing_web_int.h"
#include "store/store_credential.h"
#include "store/store_documents.h"
#include "vault/vault.h"

/* ---- batches ----------------------------------------------------------------
 */

/* user's batch id, which must be in state (NULL: any). */
enum pc_rc
websign_batch_get(struct db *db, const char *user_id, const char *id,
    const char *state, struct store_sign_batch *b, struct pc_err *err)
{
	enum pc_rc rc;

	memset(b, 0, sizeof(*b));
	rc = store_sign_batch_get(db, user_id, id, b);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, "id");
	if (rc == PC_OK && state != NULL && strcmp(b->state, state) != 0)
		return pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, NULL);
	return rc;
}

/* The newest signing certificate's refusal: suspended, revoked, expired. */
static enum pc_rc
newest_refusal(void *arg, const struct store_cert *c)
{
	enum pc_ecode *code = arg;

	if (*code != PCE_NONE || strcmp(c->kind, CERT_KIND_SIGN) != 0)
		return PC_OK;
	if (c->status != CERT_REVOKED)
		*code = PCE_CERT_EXPIRED;
	else
		*code = c->reason == 6 ? PCE_CERT_SUSPENDED : PCE_CERT_REVOKED;
	return PC_OK;
}

/* The account's valid credential; the refusal says why there is none. */
static enum pc_rc
credential_of(struct db *db, const char *user_id, struct store_credential *cr,
    struct pc_err *err)
{
	enum pc_ecode code = PCE_NONE;
	enum pc_rc rc;

	rc = store_credential_of_user(db, user_id, clock_now(), cr);
	if (rc != PC_ENOTFOUND)
		return rc;
	rc = store_cert_each_of_user(db, user_id, newest_refusal, &code);
	if (rc != PC_OK)
		return rc;
	return pc_fail(err, PC_ESTATE,
	    code != PCE_NONE ? code : PCE_ISSUANCE_NOT_READY, NULL);
}

enum pc_rc
websign_new(const struct pc_env *e, const char *user_id,
    char id[STORE_ID_LEN + 1], struct pc_err *err)
{
	struct store_sign_batch b;
	struct store_credential cr;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(&b, 0, sizeof(b));
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = credential_of(db, user_id, &cr, err);
	if (rc == PC_OK)
		rc = rnd_hex(16, b.id);
	if (rc == PC_OK) {
		snprintf(b.user_id, sizeof(b.user_id), "%s", user_id);
		snprintf(b.state, sizeof(b.state), "open");
		snprintf(b.credential, sizeof(b.credential), "%s", cr.serial);
		snprintf(b.level, sizeof(b.level), "%s",
		    sign_level_parse(e->conf->server.sign_level) != 0
		        ? e->conf->server.sign_level
		        : "B-LTA");
		b.created_at = b.updated_at = clock_now();
		rc = store_sign_batch_insert(db, &b);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK)
		memcpy(id, b.id, sizeof(b.id));
	return rc;
}

/* A file name as shown and as written into the zip: its last component,
 * no control characters, bounded. */
static enum pc_rc
name_check(const char *in, char *out, size_t n)
{
	const char *base = in != NULL ? strrchr(in, '/') : NULL;
	size_t i;

	base = base != NULL ? base + 1 : in;
	if (base == NULL || base[0] == '\0' || strlen(base) > WEB_NAME_MAX ||
	    strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return PC_EINVAL;
	for (i = 0; base[i] != '\0'; i++)
		if ((unsigned char)base[i] < 0x20 || base[i] == 0x7f ||
		    base[i] == '\\')
			return PC_EINVAL;
	snprintf(out, n, "%s", base);
	return PC_OK;
}

static bool
is_pdf(const uint8_t *p, size_t n)
{
	return n >= 5 && memcmp(p, "%PDF-", 5) == 0;
}

enum pc_rc
websign_add(const struct pc_env *e, const char *user_id, const char *id,
    const char *name, const uint8_t *p, size_t n, int64_t *idx,
    struct pc_err *err)
{
	struct store_sign_batch b;
	struct store_sign_item it;
	struct store_document d;
	struct sign_err serr = { 0 };
	struct db *db = NULL;
	char nm[WEB_NAME_MAX + 1];
	int64_t count = 0;
	enum pc_rc rc;

	memset(&it, 0, sizeof(it));
	if (name_check(name, nm, sizeof(nm)) != PC_OK)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "name");
	if (n == 0)
		return pc_fail(err, PC_EINVAL, PCE_FILE_EMPTY, "file");
	if (n > WEB_FILE_MAX)
		return pc_fail(err, PC_ELIMIT, PCE_FILE_TOO_LARGE, "file");
	it.name = nm;
	it.size = (int64_t)n;
	snprintf(it.state, sizeof(it.state), ITEM_READY);
	if (is_pdf(p, n)) {
		snprintf(it.format, sizeof(it.format), FMT_PADES);
		if (sign_pdf_check_mem(p, n, NULL, &serr) != PC_OK) {
			snprintf(it.intake, sizeof(it.intake), "%s",
			    serr.code != NULL ? serr.code : "pdf_invalid");
			snprintf(it.state, sizeof(it.state), ITEM_REFUSED);
		}
	} else {
		snprintf(it.format, sizeof(it.format), FMT_CADES);
	}
	rc = doc_write(e, user_id, DOC_UPLOAD, id, "application/octet-stream",
	    p, n, WEB_KEEP_S, &d);
	if (rc != PC_OK)
		return rc;
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK) {
		doc_unwrite(e, &d);
		return rc;
	}
	rc = websign_batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK)
		rc = store_sign_item_count(db, id, &count);
	if (rc == PC_OK && count >= WEB_FILES_MAX)
		rc = pc_fail(err, PC_ELIMIT, PCE_BATCH_FULL, NULL);
	if (rc == PC_OK)
		rc = store_sign_item_next(db, id, &it.idx);
	if (rc == PC_OK)
		rc = doc_insert(db, &d, nm);
	if (rc == PC_OK) {
		memcpy(it.in_doc, d.id, sizeof(d.id));
		memcpy(it.in_sha256, d.sha256, sizeof(d.sha256));
		snprintf(it.batch_id, sizeof(it.batch_id), "%s", id);
		rc = store_sign_item_insert(db, &it);
	}
	rc = doc_commit(e, db, rc, &d);
	if (rc == PC_OK && idx != NULL)
		*idx = it.idx;
	return rc;
}

/* One item of an open batch, for a change. */
struct item_find {
	int64_t idx;
	struct store_sign_item *it;
	bool found;
};

static enum pc_rc
item_copy(void *arg, const struct store_sign_item *src)
{
	struct item_find *f = arg;

	if (src->idx != f->idx || f->found)
		return PC_OK;
	f->found = true;
	*f->it = *src;
	f->it->name = src->name != NULL ? strdup(src->name) : NULL;
	f->it->placement =
	    src->placement != NULL ? strdup(src->placement) : NULL;
	f->it->out_name = src->out_name != NULL ? strdup(src->out_name) : NULL;
	return PC_OK;
}

enum pc_rc
websign_item_get(struct db *db, const char *batch, int64_t idx,
    struct store_sign_item *it, struct pc_err *err)
{
	struct item_find f = { idx, it, false };
	enum pc_rc rc;

	memset(it, 0, sizeof(*it));
	rc = store_sign_item_each(db, batch, item_copy, &f);
	if (rc == PC_OK && !f.found)
		rc = pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, "file");
	return rc;
}

enum pc_rc
websign_remove(const struct pc_env *e, const char *user_id, const char *id,
    int64_t idx, struct pc_err *err)
{
	struct store_sign_batch b;
	struct store_sign_item it;
	struct db *db = NULL;
	enum pc_rc rc;

	memset(&it, 0, sizeof(it));
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = websign_batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK)
		rc = websign_item_get(db, id, idx, &it, err);
	if (rc == PC_OK)
		rc = doc_drop(e, db, user_id, it.in_doc);
	if (rc == PC_OK)
		rc = store_sign_item_delete(db, id, idx);
	rc = store_write_end(e->store, db, rc);
	store_sign_item_cleanup(&it);
	return rc;
}

static void
opts_from_box(const struct websign_box *box, struct sign_opts *o)
{
	sign_opts_init(o);
	o->visible = box->visible;
	o->page = box->page;
	o->x = box->x;
	o->y = box->y;
	o->w = box->w;
	o->h = box->h;
}

enum pc_rc
websign_place(const struct pc_env *e, const char *user_id, const char *id,
    int64_t idx, const struct websign_box *box, struct pc_err *err)
{
	struct store_sign_batch b;
	struct store_sign_item it;
	struct sign_opts o;
	struct sign_err serr = { 0 };
	struct db *db = NULL;
	struct buf pdf;
	json_t *pj = NULL;
	char *json = NULL;
	enum pc_rc rc;

	memset(&it, 0, sizeof(it));
	buf_init(&pdf, WEB_FILE_MAX);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = websign_batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK)
		rc = websign_item_get(db, id, idx, &it, err);
	store_release(e->store, db);
	db = NULL;
	if (rc != PC_OK)
		goto out;
	if (strcmp(it.format, FMT_PADES) != 0 ||
	    strcmp(it.state, ITEM_READY) != 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, "file");
		goto out;
	}
	if (box->visible && box->appearance[0] != '\0') {
		/* The user's own profile only; drawn at signing time. */
		struct sign_approf ap;
		struct buf img;

		buf_init(&img, SIGN_APPROF_IMAGE_MAX);
		rc = store_acquire(e->store, &db);
		if (rc == PC_OK)
			rc = approf_load(
			    db, user_id, box->appearance, &ap, &img, err);
		store_release(e->store, db);
		db = NULL;
		buf_cleanup(&img);
		if (rc != PC_OK)
			goto out;
	}
	if (box->visible) {
		/* The engine's own placement checks, on the file itself. */
		rc = doc_get(e, user_id, it.in_doc, &pdf);
		opts_from_box(box, &o);
		if (rc == PC_OK &&
		    sign_pdf_check_mem(pdf.data, pdf.len, &o, &serr) != PC_OK) {
			rc = pc_fail(
			    err, PC_EINVAL, PCE_BAD_PLACEMENT, "placement");
			goto out;
		}
		if (rc != PC_OK)
			goto out;
		pj = json_pack("{s:i,s:f,s:f,s:f,s:f}", "page", box->page, "x",
		    (double)box->x, "y", (double)box->y, "w", (double)box->w,
		    "h", (double)box->h);
		if (pj != NULL && box->appearance[0] != '\0' &&
		    json_object_set_new(
		        pj, "appearance", json_string(box->appearance)) != 0) {
			rc = PC_ENOMEM;
			goto out;
		}
		json = pj != NULL
		           ? json_dumps(pj, JSON_COMPACT | JSON_SORT_KEYS)
		           : NULL;
		json_decref(pj);
		if (json == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
	}
	free(it.placement);
	it.placement = json;
	json = NULL;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_sign_item_update(db, &it);
	rc = store_write_end(e->store, db, rc);
out:
	free(json);
	buf_cleanup(&pdf);
	store_sign_item_cleanup(&it);
	return rc;
}

static enum pc_rc
item_to_p7s(void *arg, const struct store_sign_item *src)
{
	struct db *db = arg;
	struct store_sign_item it = *src;

	if (strcmp(src->format, FMT_CADES) == 0)
		return PC_OK;
	snprintf(it.format, sizeof(it.format), FMT_CADES);
	snprintf(it.state, sizeof(it.state), ITEM_READY);
	it.intake[0] = '\0';
	it.placement = NULL;
	return store_sign_item_update(db, &it);
}

enum pc_rc
websign_all_p7s(const struct pc_env *e, const char *user_id, const char *id,
    struct pc_err *err)
{
	struct store_sign_batch b;
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = websign_batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK)
		rc = store_sign_item_each(db, id, item_to_p7s, db);
	return store_write_end(e->store, db, rc);
}

enum pc_rc
websign_page(const struct pc_env *e, const char *user_id, const char *id,
    int64_t idx, int page, struct buf *png, struct sign_page *info,
    struct pc_err *err)
{
	struct store_sign_batch b;
	struct store_sign_item it;
	struct db *db = NULL;
	struct buf pdf;
	enum pc_rc rc;

	memset(&it, 0, sizeof(it));
	buf_init(&pdf, WEB_FILE_MAX);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = websign_batch_get(db, user_id, id, NULL, &b, err);
	if (rc == PC_OK)
		rc = websign_item_get(db, id, idx, &it, err);
	store_release(e->store, db);
	if (rc == PC_OK && (strcmp(it.format, FMT_PADES) != 0 ||
	                       strcmp(it.state, ITEM_READY) != 0))
		rc = pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, "file");
	if (rc == PC_OK)
		rc = doc_get(e, user_id, it.in_doc, &pdf);
	if (rc == PC_OK) {
		rc =
		    sign_pdf_render_png(pdf.data, pdf.len, page, 96, png, info);
		if (rc == PC_EINVAL)
			rc = pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "page");
	}
	buf_cleanup(&pdf);
	store_sign_item_cleanup(&it);
	return rc;
}

enum pc_rc
websign_get(const struct pc_env *e, const char *user_id, const char *id,
    struct store_sign_batch *b,
    enum pc_rc (*fn)(void *arg, const struct store_sign_item *it), void *arg,
    struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = websign_batch_get(db, user_id, id, NULL, b, err);
	if (rc == PC_OK && fn != NULL)
		rc = store_sign_item_each(db, id, fn, arg);
	store_release(e->store, db);
	return rc;
}

/* ---- quota and signing
 * --------------------------------------------------------- */

/* The transactions the ready items take at the batch's level. */
struct need {
	const char *level;
	int64_t n;
};

static enum pc_rc
count_ready(void *arg, const struct store_sign_item *it)
{
	struct need *nd = arg;

	if (strcmp(it->state, ITEM_READY) == 0)
		nd->n += signing_cost_str(nd->level, it->format);
	return PC_OK;
}

void
websign_quota_cleanup(struct websign_quota *q)
{
	if (q == NULL)
		return;
	free(q->subject);
	free(q->issuer);
	memset(q, 0, sizeof(*q));
}

enum pc_rc
websign_quota(const struct pc_env *e, const char *user_id, const char *id,
    struct websign_quota *q, struct pc_err *err)
{
	struct store_sign_batch b;
	struct store_credential cr;
	struct store_cert c, ca;
	struct db *db = NULL;
	struct need nd = { NULL, 0 };
	enum pc_rc rc;

	memset(q, 0, sizeof(*q));
	memset(&c, 0, sizeof(c));
	memset(&ca, 0, sizeof(ca));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = websign_batch_get(db, user_id, id, NULL, &b, err);
	nd.level = b.level;
	if (rc == PC_OK)
		rc = store_sign_item_each(db, id, count_ready, &nd);
	if (rc == PC_OK)
		rc = store_credential_get(db, b.credential, &cr);
	if (rc == PC_OK)
		rc = store_cert_get(db, b.credential, &c);
	if (rc == PC_OK)
		rc = store_cert_get(db, c.issuer, &ca);
	store_release(e->store, db);
	if (rc == PC_OK) {
		/* Each file's signature and its timestamps (signing_cost). */
		q->needed = nd.n;
		q->left = cr.transactions_left;
		q->not_after = c.not_after;
		q->refused = c.status != CERT_REVOKED ? PCE_NONE
		             : c.reason == 6          ? PCE_CERT_SUSPENDED
		                                      : PCE_CERT_REVOKED;
		snprintf(q->serial, sizeof(q->serial), "%s", c.serial);
		q->subject = c.subject != NULL ? strdup(c.subject) : NULL;
		q->issuer = ca.subject != NULL ? strdup(ca.subject) : NULL;
	}
	store_cert_cleanup(&c);
	store_cert_cleanup(&ca);
	return rc;
}

/* The scratch directory of a batch (mode 0700), emptied by scratch_rm. */
void
websign_scratch_dir(const struct pc_env *e, const char *id, char *out, size_t n)
{
	char top[512];

	snprintf(top, sizeof(top), "%s/scratch", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(top, 0700);
	snprintf(out, n, "%s/%s", top, id);
	(void)mkdir(out, 0700);
}

void
websign_scratch_rm(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[900];

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' ||
		        (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}
