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
#include "signing/signing_web.h"
#include "store/store_credential.h"
#include "store/store_documents.h"
#include "vault/vault.h"

#define DOC_UPLOAD "upload"
#define DOC_SIGNED "signed"
#define ITEM_READY "ready"
#define ITEM_REFUSED "refused"
#define ITEM_SIGNED "signed"
#define ITEM_FAILED "failed"
#define FMT_PADES "pades"
#define FMT_CADES "cades"

/* ---- batches ----------------------------------------------------------------
 */

/* user's batch id, which must be in state (NULL: any). */
static enum pc_rc
batch_get(struct db *db, const char *user_id, const char *id, const char *state,
    struct store_sign_batch *b, struct pc_err *err)
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
		snprintf(b.level, sizeof(b.level), "B-T");
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
	rc = batch_get(db, user_id, id, "open", &b, err);
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
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK)
		doc_unwrite(e, &d);
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

static enum pc_rc
item_get(struct db *db, const char *batch, int64_t idx,
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
	rc = batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK)
		rc = item_get(db, id, idx, &it, err);
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
		rc = batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK)
		rc = item_get(db, id, idx, &it, err);
	store_release(e->store, db);
	db = NULL;
	if (rc != PC_OK)
		goto out;
	if (strcmp(it.format, FMT_PADES) != 0 ||
	    strcmp(it.state, ITEM_READY) != 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, "file");
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
	rc = batch_get(db, user_id, id, "open", &b, err);
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
		rc = batch_get(db, user_id, id, NULL, &b, err);
	if (rc == PC_OK)
		rc = item_get(db, id, idx, &it, err);
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
	rc = batch_get(db, user_id, id, NULL, b, err);
	if (rc == PC_OK && fn != NULL)
		rc = store_sign_item_each(db, id, fn, arg);
	store_release(e->store, db);
	return rc;
}

/* ---- quota and signing
 * --------------------------------------------------------- */

static enum pc_rc
count_ready(void *arg, const struct store_sign_item *it)
{
	if (strcmp(it->state, ITEM_READY) == 0)
		(*(int64_t *)arg)++;
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
	int64_t n = 0;
	enum pc_rc rc;

	memset(q, 0, sizeof(*q));
	memset(&c, 0, sizeof(c));
	memset(&ca, 0, sizeof(ca));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = batch_get(db, user_id, id, NULL, &b, err);
	if (rc == PC_OK)
		rc = store_sign_item_each(db, id, count_ready, &n);
	if (rc == PC_OK)
		rc = store_credential_get(db, b.credential, &cr);
	if (rc == PC_OK)
		rc = store_cert_get(db, b.credential, &c);
	if (rc == PC_OK)
		rc = store_cert_get(db, c.issuer, &ca);
	store_release(e->store, db);
	if (rc == PC_OK) {
		/* B-T: the signature and its time-stamp, one each. */
		q->needed = 2 * n;
		q->left = cr.transactions_left;
		q->not_after = c.not_after;
		snprintf(q->serial, sizeof(q->serial), "%s", c.serial);
		q->subject = c.subject != NULL ? strdup(c.subject) : NULL;
		q->issuer = ca.subject != NULL ? strdup(ca.subject) : NULL;
	}
	store_cert_cleanup(&c);
	store_cert_cleanup(&ca);
	return rc;
}

/* The scratch directory of a batch (mode 0700), emptied by scratch_rm. */
static void
scratch_dir(const struct pc_env *e, const char *id, char *out, size_t n)
{
	char top[512];

	snprintf(top, sizeof(top), "%s/scratch", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(top, 0700);
	snprintf(out, n, "%s/%s", top, id);
	(void)mkdir(out, 0700);
}

static void
scratch_rm(const char *dir)
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

struct plan {
	const struct pc_env *e;
	const char *user_id, *dir;
	struct signing_batch *sb;
	struct store_sign_item items[WEB_FILES_MAX];
	size_t sbi[WEB_FILES_MAX]; /* the item's index in sb */
	size_t n;
};

/* Each ready item: its input decrypted into the scratch dir, added. */
static enum pc_rc
plan_item(void *arg, const struct store_sign_item *src)
{
	struct plan *pl = arg;
	struct store_sign_item *it;
	struct signing_item si;
	struct sign_opts o;
	struct buf in;
	char inp[800], outp[800];
	json_t *j = NULL;
	enum pc_rc rc;

	if (strcmp(src->state, ITEM_READY) != 0 || pl->n >= WEB_FILES_MAX)
		return PC_OK;
	it = &pl->items[pl->n];
	*it = *src;
	it->name = strdup(src->name);
	it->placement = NULL;
	it->out_name = NULL;
	if (it->name == NULL)
		return PC_ENOMEM;
	snprintf(inp, sizeof(inp), "%s/in-%lld", pl->dir, (long long)it->idx);
	snprintf(
	    outp, sizeof(outp), "%s/out-%lld", pl->dir, (long long)it->idx);
	buf_init(&in, WEB_FILE_MAX);
	rc = doc_get(pl->e, pl->user_id, it->in_doc, &in);
	if (rc == PC_OK)
		rc = file_write_atomic(inp, in.data, in.len, 0600);
	buf_cleanup(&in);
	if (rc != PC_OK)
		return rc;
	memset(&si, 0, sizeof(si));
	si.in_path = inp;
	si.in_fd = -1;
	si.out_path = outp;
	si.format = strcmp(it->format, FMT_PADES) == 0 ? SIGN_FMT_PADES
	                                               : SIGN_FMT_CADES;
	if (src->placement != NULL &&
	    (j = json_loads(src->placement, 0, NULL)) != NULL) {
		sign_opts_init(&o);
		o.visible = true;
		o.page = (int)json_integer_value(json_object_get(j, "page"));
		o.x = (float)json_number_value(json_object_get(j, "x"));
		o.y = (float)json_number_value(json_object_get(j, "y"));
		o.w = (float)json_number_value(json_object_get(j, "w"));
		o.h = (float)json_number_value(json_object_get(j, "h"));
		si.opts = &o;
	}
	rc = signing_batch_add(pl->sb, &si, &pl->sbi[pl->n]);
	json_decref(j);
	if (rc == PC_OK)
		pl->n++;
	else
		free(it->name);
	return rc;
}

static void
plan_cleanup(struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		free(pl->items[i].name);
		free(pl->items[i].out_name);
	}
	signing_batch_free(pl->sb);
	pl->sb = NULL;
}

static enum pc_rc
plan_record_tbs(struct plan *pl)
{
	struct db *db = NULL;
	char hex[2 * SIGN_TBS_MAX + 1];
	size_t i;
	enum pc_rc rc;

	rc = store_write_begin(pl->e->store, &db);
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		signing_batch_tbs_hex(pl->sb, pl->sbi[i], hex);
		rc = store_sign_item_tbs(
		    db, pl->items[i].batch_id, pl->items[i].idx, hex);
	}
	return store_write_end(pl->e->store, db, rc);
}

/* After finish: each output written encrypted (outside any transaction),
 * then in one transaction the rows, each item's state, the batch done. */
static enum pc_rc
plan_keep(struct plan *pl, const struct store_sign_batch *b0)
{
	struct store_sign_batch b = *b0;
	struct store_document *docs;
	struct db *db = NULL;
	struct buf out;
	char detail[200];
	size_t i, nsig = 0;
	enum pc_rc rc = PC_OK;

	docs = calloc(WEB_FILES_MAX, sizeof(*docs));
	if (docs == NULL)
		return PC_ENOMEM;
	buf_init(&out, (size_t)WEB_FILE_MAX + (1u << 20));
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		struct store_sign_item *it = &pl->items[i];
		const struct signing_result *res =
		    signing_batch_result(pl->sb, pl->sbi[i]);
		bool pades = strcmp(it->format, FMT_PADES) == 0;
		char name[WEB_NAME_MAX + 8];

		if (res == NULL || res->state != SIGNING_DONE) {
			snprintf(it->state, sizeof(it->state), ITEM_FAILED);
			snprintf(it->intake, sizeof(it->intake), "%s",
			    res != NULL && res->err.code != NULL
			        ? res->err.code
			        : "sign_failed");
			continue;
		}
		buf_reset(&out);
		rc = file_read(res->out, out.max, &out);
		if (rc == PC_OK)
			rc = doc_write(pl->e, pl->user_id, DOC_SIGNED, b.id,
			    pades ? "application/pdf"
			          : "application/pkcs7-signature",
			    out.data, out.len, WEB_KEEP_S, &docs[i]);
		if (rc != PC_OK)
			break;
		snprintf(
		    name, sizeof(name), "%s%s", it->name, pades ? "" : ".p7s");
		free(it->out_name);
		it->out_name = strdup(name);
		if (it->out_name == NULL)
			rc = PC_ENOMEM;
		memcpy(it->out_doc, docs[i].id, sizeof(docs[i].id));
		memcpy(it->out_sha256, docs[i].sha256, sizeof(docs[i].sha256));
		snprintf(it->state, sizeof(it->state), ITEM_SIGNED);
		nsig++;
	}
	if (rc == PC_OK)
		rc = store_write_begin(pl->e->store, &db);
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		struct store_sign_item *it = &pl->items[i];

		if (strcmp(it->state, ITEM_SIGNED) == 0) {
			rc = doc_insert(db, &docs[i], it->out_name);
			/* The input is no longer needed. */
			if (rc == PC_OK)
				rc = doc_drop(
				    pl->e, db, pl->user_id, it->in_doc);
			it->in_doc[0] = '\0';
		}
		if (rc == PC_OK)
			rc = store_sign_item_update(db, it);
	}
	if (rc == PC_OK) {
		snprintf(b.state, sizeof(b.state), "done");
		b.signatures = (int64_t)nsig;
		b.timestamps = (int64_t)nsig;
		b.signed_at = b.updated_at = clock_now();
		rc = store_sign_batch_move(db, &b, "signing");
	}
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s signed=%zu of %zu", b.id,
		    b.credential, nsig, pl->n);
		rc = store_audit_append(db, pl->user_id, "sign.web", detail);
	}
	if (db != NULL)
		rc = store_write_end(pl->e->store, db, rc);
	if (rc != PC_OK)
		for (i = 0; i < pl->n; i++)
			doc_unwrite(pl->e, &docs[i]);
	buf_cleanup(&out);
	free(docs);
	return rc;
}

/* The batch back to open after a refusal (nothing was counted). */
static void
batch_reopen(const struct pc_env *e, const struct store_sign_batch *b0)
{
	struct store_sign_batch b = *b0;
	struct db *db = NULL;
	enum pc_rc rc;

	snprintf(b.state, sizeof(b.state), "open");
	b.updated_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	(void)store_write_end(e->store, db, rc);
}

enum pc_rc
websign_sign(const struct pc_env *e, const char *user_id, const char *id,
    const char *code, struct pc_err *err)
{
	struct store_sign_batch b;
	struct websign_quota q;
	struct signing_opts so;
	struct plan *pl = NULL;
	struct db *db = NULL;
	char dir[600], tsa[300];
	bool moved = false;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	if (code == NULL || code[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "code");
	rc = websign_get(e, user_id, id, &b, NULL, NULL, err);
	if (rc == PC_OK && strcmp(b.state, "open") != 0)
		rc = pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, NULL);
	if (rc == PC_OK)
		rc = websign_quota(e, user_id, id, &q, err);
	if (rc != PC_OK)
		return rc;
	if (q.needed == 0)
		rc = pc_fail(err, PC_ESTATE, PCE_NOTHING_TO_SIGN, NULL);
	else if (clock_now() > q.not_after)
		rc = pc_fail(err, PC_ESTATE, PCE_CERT_EXPIRED, NULL);
	else if (q.left < q.needed)
		rc = pc_fail(err, PC_ELIMIT, PCE_QUOTA_EXHAUSTED, NULL);
	websign_quota_cleanup(&q);
	if (rc != PC_OK)
		return rc;
	/* open -> signing: one request signs a batch. */
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK) {
		struct store_sign_batch nb = b;

		snprintf(nb.state, sizeof(nb.state), "signing");
		nb.updated_at = clock_now();
		rc = store_sign_batch_move(db, &nb, "open");
		if (rc == PC_ESTATE)
			rc =
			    pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, NULL);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK)
		return rc;
	moved = true;
	pl = calloc(1, sizeof(*pl));
	if (pl == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	scratch_dir(e, id, dir, sizeof(dir));
	pl->e = e;
	pl->user_id = user_id;
	pl->dir = dir;
	memset(&so, 0, sizeof(so));
	signing_local_tsa(e, tsa, sizeof(tsa));
	so.credential = b.credential;
	sign_opts_init(&so.sign);
	so.sign.level = SIGN_LEVEL_BT;
	so.sign.tsa_url = tsa;
	so.sign.max_size = WEB_FILE_MAX;
	rc = signing_batch_new(e, &so, &pl->sb, err);
	if (rc == PC_OK)
		rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		rc = store_sign_item_each(db, id, plan_item, pl);
		store_release(e->store, db);
	}
	if (rc == PC_OK)
		rc = signing_batch_begin(e, pl->sb);
	/* What the key will sign, recorded before the code is used: a node
	 * that dies later leaves what tells which signatures were counted. */
	if (rc == PC_OK)
		rc = plan_record_tbs(pl);
	if (rc != PC_OK && (err == NULL || err->code == 0))
		rc = pc_fail(err, rc == PC_ENOMEM ? PC_ENOMEM : PC_EINVAL,
		    PCE_SIGN_FAILED, NULL);
	if (rc == PC_OK)
		rc = signing_batch_authorize(e, pl->sb, code, err);
	/* The request's member is "code". */
	if (rc != PC_OK && err != NULL && err->field != NULL &&
	    strcmp(err->field, "sad") == 0)
		err->field = "code";
	if (rc != PC_OK)
		goto out;
	moved = false; /* counted from here: the batch ends done */
	(void)signing_batch_finish(e, pl->sb);
	rc = plan_keep(pl, &b);
out:
	if (moved)
		batch_reopen(e, &b);
	if (pl != NULL) {
		plan_cleanup(pl);
		free(pl);
		scratch_rm(dir);
	}
	return rc;
}

/* ---- a node that died while signing
 * ------------------------------------------ */

struct stuck {
	struct store_sign_batch b[16];
	size_t n;
};

static enum pc_rc
stuck_one(void *arg, const struct store_sign_batch *b)
{
	struct stuck *s = arg;

	if (s->n < PC_ARRAY_LEN(s->b))
		s->b[s->n++] = *b;
	return PC_OK;
}

struct counted {
	struct db *db;
	const char *credential;
	int64_t n;
};

static enum pc_rc
counted_one(void *arg, const struct store_sign_item *it)
{
	struct counted *c = arg;
	bool yes = false;
	enum pc_rc rc;

	if (it->tbs_hash[0] == '\0')
		return PC_OK;
	rc = store_signature_has(c->db, c->credential, it->tbs_hash, &yes);
	if (rc == PC_OK && yes)
		c->n++;
	return rc;
}

/*
 * A batch left in "signing": the signatures the signer counted for it
 * (its items' recorded hashes among the credential's signing records)
 * were never delivered, so they are given back, with an audit record, and
 * the batch is open again with its files: the person signs it again.
 */
static enum pc_rc
recover_one(const struct pc_env *e, const struct store_sign_batch *b0)
{
	struct store_sign_batch b = *b0;
	struct counted c;
	struct db *db = NULL;
	char detail[200], dir[600];
	int64_t now = clock_now();
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	c.db = db;
	c.credential = b.credential;
	c.n = 0;
	rc = store_sign_item_each(db, b.id, counted_one, &c);
	snprintf(b.state, sizeof(b.state), "open");
	b.interrupted_at = b.updated_at = now;
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	/* B-T: each signature's time-stamp was counted with it. */
	if (rc == PC_OK && c.n > 0)
		rc = store_credential_refund(db, b.credential, 2 * c.n, now);
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s undelivered=%lld refunded=%lld",
		    b.id, b.credential, (long long)c.n, (long long)(2 * c.n));
		rc = store_audit_append(
		    db, "job:documents", "sign.interrupted", detail);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK) {
		scratch_dir(e, b.id, dir, sizeof(dir));
		scratch_rm(dir);
		log_info(
		    "sign: batch %s interrupted while signing: open again, "
		    "%lld transaction(s) given back",
		    b.id, (long long)(2 * c.n));
	}
	return rc == PC_ESTATE ? PC_OK : rc; /* another node did it */
}

enum pc_rc
websign_recover(const struct pc_env *e, int64_t older_s, int64_t *n)
{
	struct stuck *s;
	struct db *db = NULL;
	size_t i;
	enum pc_rc rc;

	*n = 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PC_ENOMEM;
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_sign_batch_stuck(db, clock_now() - older_s,
		    (int64_t)PC_ARRAY_LEN(s->b), stuck_one, s);
	store_release(e->store, db);
	for (i = 0; rc == PC_OK && i < s->n; i++) {
		rc = recover_one(e, &s->b[i]);
		if (rc == PC_OK)
			(*n)++;
	}
	free(s);
	return rc;
}

/* ---- outputs ----------------------------------------------------------------
 */

struct zip_walk {
	const struct pc_env *e;
	const char *user_id, *dir;
	zip_t *z;
	char docs[WEB_FILES_MAX][STORE_ID_LEN + 1];
	size_t n;
};

/* Each signed output decrypted into the scratch dir and named in the
 * archive; libzip reads the files when it writes the archive. */
static enum pc_rc
zip_item(void *arg, const struct store_sign_item *it)
{
	struct zip_walk *w = arg;
	zip_source_t *src;
	char path[800];
	enum pc_rc rc;

	if (strcmp(it->state, ITEM_SIGNED) != 0 || it->out_doc[0] == '\0' ||
	    w->n >= WEB_FILES_MAX)
		return PC_OK;
	snprintf(path, sizeof(path), "%s/z-%lld", w->dir, (long long)it->idx);
	rc = doc_to_file(w->e, w->user_id, it->out_doc, path);
	if (rc != PC_OK)
		return rc;
	snprintf(w->docs[w->n], sizeof(w->docs[0]), "%s", it->out_doc);
	w->n++;
	src = zip_source_file(w->z, path, 0, -1);
	if (src == NULL ||
	    zip_file_add(w->z, it->out_name, src, ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(src);
		return PC_EIO;
	}
	return PC_OK;
}

enum pc_rc
websign_zip(const struct pc_env *e, const char *user_id, const char *id,
    int *fd, uint64_t *len, struct pc_err *err)
{
	struct store_sign_batch b;
	struct zip_walk *w;
	struct stat st;
	struct db *db = NULL;
	char dir[600], path[700];
	size_t i;
	int zerr = 0;
	enum pc_rc rc;

	*fd = -1;
	*len = 0;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return PC_ENOMEM;
	w->e = e;
	w->user_id = user_id;
	scratch_dir(e, id, dir, sizeof(dir));
	w->dir = dir;
	snprintf(path, sizeof(path), "%s/SignedFiles.zip", dir);
	unlink(path);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = batch_get(db, user_id, id, "done", &b, err);
	store_release(e->store, db);
	db = NULL;
	if (rc == PC_OK) {
		w->z = zip_open(path, ZIP_CREATE | ZIP_EXCL, &zerr);
		rc = w->z != NULL ? PC_OK : PC_EIO;
	}
	if (rc == PC_OK)
		rc = websign_get(e, user_id, id, &b, zip_item, w, err);
	if (rc == PC_OK && w->n == 0)
		rc = pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, NULL);
	if (w->z != NULL) {
		if (rc == PC_OK && zip_close(w->z) != 0)
			rc = PC_EIO;
		else if (rc != PC_OK)
			zip_discard(w->z);
	}
	/* The archive is sent from its open file, unlinked at once. */
	if (rc == PC_OK) {
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		rc = *fd >= 0 && fstat(*fd, &st) == 0 ? PC_OK : PC_EIO;
		if (rc == PC_OK)
			*len = (uint64_t)st.st_size;
	}
	/* Downloaded: the signed files are deleted; the history stays. */
	if (rc == PC_OK)
		rc = store_write_begin(e->store, &db);
	for (i = 0; rc == PC_OK && i < w->n; i++)
		rc = doc_drop(e, db, user_id, w->docs[i]);
	if (db != NULL)
		rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	free(w);
	scratch_rm(dir);
	return rc;
}

enum pc_rc
websign_output(const struct pc_env *e, const char *user_id, const char *id,
    int64_t idx, struct buf *out, char **name, struct pc_err *err)
{
	struct store_sign_batch b;
	struct store_sign_item it;
	struct db *db = NULL;
	enum pc_rc rc;

	*name = NULL;
	memset(&it, 0, sizeof(it));
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = batch_get(db, user_id, id, "done", &b, err);
	if (rc == PC_OK)
		rc = item_get(db, id, idx, &it, err);
	store_release(e->store, db);
	if (rc == PC_OK && (it.out_doc[0] == '\0' || it.out_name == NULL))
		rc = pc_fail(err, PC_ENOTFOUND, PCE_NOT_FOUND, "file");
	if (rc == PC_OK)
		rc = doc_get(e, user_id, it.out_doc, out);
	if (rc == PC_OK) {
		*name = it.out_name;
		it.out_name = NULL;
	}
	store_sign_item_cleanup(&it);
	return rc;
}

enum pc_rc
websign_history(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_sign_batch *b), void *arg)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_sign_batch_each(db, user_id, 100, fn, arg);
	store_release(e->store, db);
	return rc;
}

/* ---- retention
 * --------------------------------------------------------------- */

struct expired {
	char user[64][STORE_ID_LEN + 1];
	char id[64][STORE_ID_LEN + 1];
	size_t n;
};

static enum pc_rc
expired_one(void *arg, const struct store_document *d)
{
	struct expired *x = arg;

	if (x->n < 64) {
		memcpy(x->user[x->n], d->user_id, sizeof(x->user[0]));
		memcpy(x->id[x->n], d->id, sizeof(x->id[0]));
		x->n++;
	}
	return PC_OK;
}

enum pc_rc
websign_purge(const struct pc_env *e, int64_t *n)
{
	struct expired *x;
	struct db *db = NULL;
	size_t i;
	enum pc_rc rc;

	*n = 0;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return PC_ENOMEM;
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc =
		    store_document_expired(db, clock_now(), 64, expired_one, x);
	store_release(e->store, db);
	db = NULL;
	for (i = 0; rc == PC_OK && i < x->n; i++) {
		rc = store_write_begin(e->store, &db);
		if (rc == PC_OK)
			rc = doc_drop(e, db, x->user[i], x->id[i]);
		rc = store_write_end(e->store, db, rc);
		if (rc == PC_OK)
			(*n)++;
	}
	free(x);
	return rc;
}
