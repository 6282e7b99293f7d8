/*
 * ra_case_files.c: the recording's files: the upload in pieces (each
 * piece under a short hold, encrypted as it comes) and the submission
 * (files finished and hashed, the evidence manifest time-stamped, the
 * case queued), no slow step inside a write transaction. See ra.h and
 * ra_case.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "notify/notify.h"
#include "pki/pki.h"
#include "ra/ra_int.h"
#include "store/store_renewal.h"
#include "store/store_shop.h"

/* An upload's hold on its file while one piece is written. */
#define RA_PIECE_HOLD_S 60

/* Create file kind of case id (the first piece). */
static enum pc_rc
file_create(const struct pc_env *e, const char *id, const char *kind,
    const char *ctype, struct store_idv_file *f)
{
	struct vault_wip w;
	struct db *db = NULL;
	char dir[512], path[600];
	enum pc_rc rc;

	memset(f, 0, sizeof(*f));
	snprintf(dir, sizeof(dir), "%s/idv", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(dir, 0700);
	ra_case_dir(e, id, dir, sizeof(dir));
	(void)mkdir(dir, 0700);
	ra_file_path(e, id, kind, path, sizeof(path));
	rc = vault_create(e->vault, path, &w);
	if (rc == PC_EEXIST) {
		/* A first piece whose row was never written (the request
		 * died): nothing of it counts. */
		rc = store_acquire(e->store, &db);
		if (rc == PC_OK)
			rc = store_idv_file_get(db, id, kind, f);
		store_release(e->store, db);
		if (rc != PC_ENOTFOUND)
			return rc;
		unlink(path);
		rc = vault_create(e->vault, path, &w);
	}
	if (rc != PC_OK)
		return rc;
	snprintf(f->case_id, sizeof(f->case_id), "%s", id);
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	snprintf(f->ctype, sizeof(f->ctype), "%s", ctype);
	ra_wip_to_row(&w, f);
	f->created_at = f->updated_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_file_insert(db, f);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_EEXIST) {
		/* A parallel first piece won: take its row. */
		unlink(path);
		rc = store_acquire(e->store, &db);
		if (rc == PC_OK)
			rc = store_idv_file_get(db, id, kind, f);
		store_release(e->store, db);
	}
	return rc;
}

/* Write one piece (reserved by the caller) and record the new state. */
static enum pc_rc
file_piece(const struct pc_env *e, struct store_idv_file *f, const uint8_t *p,
    size_t n, bool final)
{
	struct vault_wip w;
	struct db *db = NULL;
	char path[600];
	int64_t old = f->plain_len;
	enum pc_rc rc;

	rc = ra_wip_from_row(f, &w);
	if (rc != PC_OK)
		return rc;
	ra_file_path(e, f->case_id, f->kind, path, sizeof(path));
	rc = vault_append(e->vault, path, &w, p, n, final);
	if (rc == PC_OK) {
		ra_wip_to_row(&w, f);
		f->updated_at = clock_now();
		rc = store_write_begin(e->store, &db);
		if (rc == PC_OK)
			rc = store_idv_file_commit(db, f, old);
		rc = store_write_end(e->store, db, rc);
	}
	if (rc != PC_OK) {
		f->plain_len = old;
		if (store_acquire(e->store, &db) == PC_OK) {
			store_idv_file_unreserve(db, f->case_id, f->kind);
			store_release(e->store, db);
		}
	}
	return rc;
}

/* Reserve file f at offset; on refusal say why. */
static enum pc_rc
file_reserve(const struct pc_env *e, struct store_idv_file *f, int64_t offset,
    int64_t *received, struct pc_err *err)
{
	struct db *db = NULL;
	int64_t now = clock_now();
	enum pc_rc rc;

	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_file_reserve(
	    db, f->case_id, f->kind, offset, now + RA_PIECE_HOLD_S, now);
	if (rc == PC_ESTATE) {
		char case_id[sizeof(f->case_id)], kind[sizeof(f->kind)];

		/* The cleanup clears f's keys: read them back by copies. */
		memcpy(case_id, f->case_id, sizeof(case_id));
		memcpy(kind, f->kind, sizeof(kind));
		store_idv_file_cleanup(f);
		rc = store_idv_file_get(db, case_id, kind, f);
		if (rc == PC_OK) {
			*received = f->plain_len;
			rc = f->plain_len != offset || f->final
			         ? pc_fail(err, PC_ESTATE, PCE_UPLOAD_OFFSET,
			               "offset")
			         : pc_fail(err, PC_EUNAVAIL, PCE_BUSY, NULL);
			if (err != NULL && err->code == PCE_BUSY)
				err->retry_after = 2;
		}
	}
	store_release(e->store, db);
	return rc;
}

enum pc_rc
ra_upload(const struct pc_env *e, const char *user_id, const char *id,
    const char *kind, const char *ctype, int64_t offset, const uint8_t *p,
    size_t n, int64_t *received, struct pc_err *err)
{
	struct store_idv_case c;
	struct store_idv_file f;
	enum pc_rc rc;

	*received = 0;
	memset(&f, 0, sizeof(f));
	if (!ra_kind_known(kind))
		return pc_fail(err, PC_EINVAL, PCE_FILE_KIND_INVALID, "kind");
	if (offset < 0)
		return pc_fail(err, PC_EINVAL, PCE_UPLOAD_OFFSET, "offset");
	rc = ra_case_open(e, user_id, id, &c, err);
	if (rc != PC_OK)
		return rc;
	store_idv_case_cleanup(&c);
	if (offset + (int64_t)n > ra_kind_max(e, kind))
		return pc_fail(err, PC_ELIMIT, PCE_FILE_TOO_LARGE, kind);
	STORE_ONE(rc, e->store, store_idv_file_get(db, id, kind, &f));
	if (rc == PC_ENOTFOUND) {
		if (offset != 0)
			return pc_fail(
			    err, PC_ESTATE, PCE_UPLOAD_OFFSET, "offset");
		if (!ra_ctype_ok(kind, ctype))
			return pc_fail(
			    err, PC_EINVAL, PCE_FILE_TYPE_INVALID, "type");
		rc = file_create(e, id, kind, ctype, &f);
	}
	if (rc != PC_OK)
		goto out;
	*received = f.plain_len;
	if (n == 0 && offset == f.plain_len)
		goto out;
	rc = file_reserve(e, &f, offset, received, err);
	if (rc != PC_OK)
		goto out;
	rc = file_piece(e, &f, p, n, false);
	*received = f.plain_len;
out:
	store_idv_file_cleanup(&f);
	return rc;
}

enum pc_rc
ra_upload_info(const struct pc_env *e, const char *user_id, const char *id,
    const char *kind, int64_t *received, bool *final, struct pc_err *err)
{
	struct store_idv_case c;
	struct store_idv_file f;
	struct db *db = NULL;
	enum pc_rc rc;

	*received = 0;
	*final = false;
	if (!ra_kind_known(kind))
		return pc_fail(err, PC_EINVAL, PCE_FILE_KIND_INVALID, "kind");
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = ra_own_case(db, user_id, id, &c);
	if (rc == PC_OK) {
		store_idv_case_cleanup(&c);
		rc = store_idv_file_get(db, id, kind, &f);
		if (rc == PC_OK) {
			*received = f.plain_len;
			*final = f.final;
			store_idv_file_cleanup(&f);
		} else if (rc == PC_ENOTFOUND) {
			rc = PC_OK;
		}
	}
	store_release(e->store, db);
	return rc;
}

/* ---- submission
 * ---------------------------------------------------------------- */

/* The files a case needs, for its document. */
static bool
file_required(const struct store_idv_case *c, const char *kind)
{
	return strcmp(kind, RA_FILE_VIDEO) == 0 ||
	       strcmp(kind, RA_FILE_DOC_FRONT) == 0 ||
	       strcmp(kind, RA_FILE_FACE) == 0 ||
	       (strcmp(kind, RA_FILE_DOC_BACK) == 0 &&
	           ra_doc_has_back(c->doc_type));
}

/* Finish and hash file kind (idempotent: a retried submit skips done work). */
static enum pc_rc
file_finish(
    const struct pc_env *e, struct store_idv_file *f, struct pc_err *err)
{
	struct db *db = NULL;
	int64_t received = 0, len = 0;
	char path[600];
	enum pc_rc rc;

	if (!f->final) {
		rc = file_reserve(e, f, f->plain_len, &received, err);
		if (rc == PC_OK)
			rc = file_piece(e, f, NULL, 0, true);
		if (rc != PC_OK)
			return rc;
	}
	if (f->sha256[0] != '\0')
		return PC_OK;
	ra_file_path(e, f->case_id, f->kind, path, sizeof(path));
	{
		uint8_t key[VAULT_KEY_WRAPPED];

		if (hex_decode(str_from(f->key_hex), key, sizeof(key)) != PC_OK)
			return PC_EDB;
		rc = vault_sha256(e->vault, path, key, f->sha256, &len);
	}
	if (rc == PC_OK && len != f->plain_len)
		rc = PC_EIO;
	if (rc != PC_OK) {
		log_warnx("ra: file %s of case %s does not read back (%s)",
		    f->kind, f->case_id, pc_rc_str(rc));
		return rc;
	}
	f->updated_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_file_commit(db, f, f->plain_len);
	return store_write_end(e->store, db, rc);
}

#define RA_FILES_MAX 8

struct files_ctx {
	struct store_idv_file f[RA_FILES_MAX];
	size_t n;
};

static enum pc_rc
collect(void *arg, const struct store_idv_file *row)
{
	struct files_ctx *x = arg;

	if (x->n >= RA_FILES_MAX)
		return PC_ELIMIT;
	x->f[x->n++] = *row;
	return PC_OK;
}

static int64_t
declared(const struct ra_submit_req *r, const char *kind)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].kind != NULL &&
		    strcmp(r->files[i].kind, kind) == 0)
			return r->files[i].size;
	return -1;
}

/*
 * Check every file arrived whole (the sizes the browser declares), that
 * the required ones are there, then finish and hash each.
 */
static enum pc_rc
files_finish(const struct pc_env *e, const struct store_idv_case *c,
    const struct ra_submit_req *r, struct pc_err *err)
{
	static const char *const need[] = { RA_FILE_VIDEO, RA_FILE_DOC_FRONT,
		RA_FILE_DOC_BACK, RA_FILE_FACE };
	struct files_ctx x;
	int64_t want;
	size_t i, j;
	bool have;
	enum pc_rc rc;

	memset(&x, 0, sizeof(x));
	STORE_ONE(rc, e->store, store_idv_files_each(db, c->id, collect, &x));
	if (rc != PC_OK)
		return rc;
	for (i = 0; i < PC_ARRAY_LEN(need); i++) {
		if (!file_required(c, need[i]))
			continue;
		for (j = 0, have = false; j < x.n && !have; j++)
			have = strcmp(x.f[j].kind, need[i]) == 0;
		if (!have)
			return pc_fail(
			    err, PC_ESTATE, PCE_UPLOAD_INCOMPLETE, need[i]);
	}
	for (i = 0; i < x.n; i++) {
		want = declared(r, x.f[i].kind);
		if ((want >= 0 && want != x.f[i].plain_len) ||
		    x.f[i].plain_len == 0)
			return pc_fail(
			    err, PC_ESTATE, PCE_UPLOAD_INCOMPLETE, x.f[i].kind);
	}
	for (i = 0; i < x.n && rc == PC_OK; i++)
		rc = file_finish(e, &x.f[i], err);
	return rc;
}

/* Every step of the plan started, the SMS code typed. */
static enum pc_rc
steps_done(const struct store_idv_case *c, struct pc_err *err)
{
	struct ra_plan plan;
	json_t *steps = NULL;
	int k;
	enum pc_rc rc;

	rc = ra_case_where(c, &plan, &steps, &k);
	json_decref(steps);
	if (rc != PC_OK)
		return rc;
	if (c->sms_verified_at == 0)
		return pc_fail(err, PC_ESTATE, PCE_IDV_SMS_NEEDED, "code");
	if (k + 1 != (int)plan.n)
		return pc_fail(err, PC_ESTATE, PCE_IDV_STEPS_MISSING, "step");
	return PC_OK;
}

enum pc_rc
ra_submit(const struct pc_env *e, const char *user_id, const char *id,
    const struct ra_submit_req *r, struct pc_err *err)
{
	struct store_idv_case c;
	struct store_order o;
	struct db *db = NULL;
	struct buf tst;
	uint8_t sha[32];
	json_t *client = NULL, *vars = NULL;
	int64_t now;
	enum pc_rc rc;

	memset(&o, 0, sizeof(o));
	buf_init(&tst, 64 * 1024);
	rc = ra_case_open(e, user_id, id, &c, err);
	if (rc != PC_OK)
		goto done;
	rc = steps_done(&c, err);
	if (rc != PC_OK)
		goto out;
	client = json_loads(r->client != NULL ? r->client : "{}", 0, NULL);
	if (!json_is_object(client)) {
		rc = pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "client");
		goto out;
	}
	/* Files: finished, hashed (outside any transaction). */
	rc = files_finish(e, &c, r, err);
	if (rc != PC_OK)
		goto out;
	free(c.client);
	c.client = json_dumps(client, JSON_COMPACT | JSON_SORT_KEYS);
	free(c.user_agent);
	c.user_agent = strdup(r->user_agent != NULL ? r->user_agent : "");
	snprintf(c.ip, sizeof(c.ip), "%s", e->ip != NULL ? e->ip : "");
	now = clock_now();
	c.submitted_at = now;
	c.deadline_at = now + e->conf->ra.review_hours * 3600;
	if (c.client == NULL || c.user_agent == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	/* The evidence manifest, stamped by our TSA. */
	free(c.manifest);
	c.manifest = NULL;
	rc = ra_manifest_build(e, &c, &c.manifest, c.manifest_sha256);
	if (rc == PC_OK)
		rc = hex_decode(str_from(c.manifest_sha256), sha, sizeof(sha));
	if (rc == PC_OK)
		rc = pki_tsa_stamp(e->pki, sha, &tst);
	if (rc == PC_EUNAVAIL) {
		rc = pc_fail(err, rc, PCE_SIGNER_UNAVAILABLE, NULL);
		if (err != NULL)
			err->retry_after = 5;
	}
	if (rc != PC_OK)
		goto out;
	c.manifest_tst = tst.data;
	c.manifest_tst_len = tst.len;
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_submit(db, &c, now);
	if (rc == PC_OK)
		rc = store_shop_order_get(db, c.order_id, &o);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "idv.submitted",
		    "case=%s order=%s manifest=%s", c.id, o.number,
		    c.manifest_sha256);
	vars = json_pack("{s:s,s:I}", "order", o.number, "hours",
	    (json_int_t)e->conf->ra.review_hours);
	if (rc == PC_OK)
		rc = vars != NULL ? ra_mail(db, &c, "idv_received", vars)
		                  : PC_ENOMEM;
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE && err != NULL && err->code == PCE_NONE)
		pc_fail(err, rc, PCE_IDV_STATE, NULL);
	if (rc == PC_OK)
		log_info("ra: case %s submitted, manifest %s", c.id,
		    c.manifest_sha256);
out:
	/* tst's bytes are the buf's, not the row's. */
	c.manifest_tst = NULL;
	c.manifest_tst_len = 0;
	store_idv_case_cleanup(&c);
done:
	json_decref(client);
	json_decref(vars);
	store_order_cleanup(&o);
	buf_cleanup(&tst);
	return rc;
}
