/*
 * signing_web_out.c: a browser batch's outputs (SignedFiles.zip, one
 * file), its history, and the retention of its files. See signing_web.h.
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
#include "signing/signing_web_int.h"
#include "store/store_credential.h"
#include "store/store_documents.h"
#include "vault/vault.h"

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
	websign_scratch_dir(e, id, dir, sizeof(dir));
	w->dir = dir;
	snprintf(path, sizeof(path), "%s/SignedFiles.zip", dir);
	unlink(path);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = websign_batch_get(db, user_id, id, "done", &b, err);
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
	websign_scratch_rm(dir);
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
		rc = websign_batch_get(db, user_id, id, "done", &b, err);
	if (rc == PC_OK)
		rc = websign_item_get(db, id, idx, &it, err);
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
	enum pc_rc rc;

	STORE_ONE(
	    rc, e->store, store_sign_batch_each(db, user_id, 100, fn, arg));
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
