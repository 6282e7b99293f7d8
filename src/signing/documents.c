/*
 * documents.c: files of an account in the vault (see documents.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/clock.h"
#include "base/conf.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "signing/documents.h"
#include "vault/vault.h"

void
doc_path(const struct pc_env *e, const char *user_id, const char *doc_id,
    char *out, size_t n)
{
	char top[512];

	snprintf(top, sizeof(top), "%s/docs", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(top, 0700);
	snprintf(out, n, "%s/%s", top, user_id);
	(void)mkdir(out, 0700);
	snprintf(out + strlen(out), n - strlen(out), "/%s.pcv", doc_id);
}

/*
 * Write p[0..n) encrypted as a new document file (before any transaction:
 * encryption and fsync are slow); d gets its row, to insert with
 * doc_insert. On failure nothing is left.
 */
enum pc_rc
doc_write(const struct pc_env *e, const char *user_id, const char *kind,
    const char *batch, const char *ctype, const uint8_t *p, size_t n,
    int64_t keep_s, struct store_document *d)
{
	uint8_t key[VAULT_KEY_WRAPPED], md[32];
	char path[700];
	enum pc_rc rc;

	memset(d, 0, sizeof(*d));
	rc = rnd_hex(16, d->id);
	if (rc != PC_OK)
		return rc;
	if (EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) != 1)
		return PC_ECRYPTO;
	hex_encode(md, sizeof(md), d->sha256);
	doc_path(e, user_id, d->id, path, sizeof(path));
	rc = vault_write_file(e->vault, path, p, n, key);
	if (rc != PC_OK)
		return rc;
	snprintf(d->user_id, sizeof(d->user_id), "%s", user_id);
	snprintf(d->kind, sizeof(d->kind), "%s", kind);
	snprintf(d->batch_id, sizeof(d->batch_id), "%s", batch);
	snprintf(d->ctype, sizeof(d->ctype), "%s", ctype);
	hex_encode(key, sizeof(key), d->key_hex);
	d->size = (int64_t)n;
	d->created_at = clock_now();
	d->delete_after = keep_s > 0 ? d->created_at + keep_s : 0;
	secret_wipe(key, sizeof(key));
	return PC_OK;
}

/* The row of a document written by doc_write, named name. */
enum pc_rc
doc_insert(struct db *db, struct store_document *d, const char *name)
{
	enum pc_rc rc;

	d->name = (char *)(uintptr_t)name;
	rc = store_document_insert(db, d);
	d->name = NULL;
	return rc;
}

/* Remove the file of a document whose row was not written. */
void
doc_unwrite(const struct pc_env *e, const struct store_document *d)
{
	char path[700];

	if (d->id[0] == '\0')
		return;
	doc_path(e, d->user_id, d->id, path, sizeof(path));
	unlink(path);
}

/* End the transaction that wrote d's row (see documents.h). */
enum pc_rc
doc_commit(const struct pc_env *e, struct db *db, enum pc_rc rc,
    const struct store_document *d)
{
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK)
		doc_unwrite(e, d);
	return rc;
}

/*
 * Where user's document doc_id is and its wrapped key. OUT: path, key
 * (wiped by the caller).
 */
static enum pc_rc
doc_locate(const struct pc_env *e, const char *user_id, const char *doc_id,
    char *path, size_t n, uint8_t key[VAULT_KEY_WRAPPED])
{
	struct store_document d;
	enum pc_rc rc;

	memset(&d, 0, sizeof(d));
	if (doc_id == NULL || doc_id[0] == '\0')
		return PC_ENOTFOUND;
	STORE_ONE(rc, e->store, store_document_get(db, user_id, doc_id, &d));
	if (rc != PC_OK)
		return rc;
	doc_path(e, user_id, d.id, path, n);
	rc = hex_decode(str_from(d.key_hex), key, VAULT_KEY_WRAPPED);
	store_document_cleanup(&d);
	return rc;
}

enum pc_rc
doc_latest(const struct pc_env *e, const char *user_id, const char *kind,
    struct buf *out)
{
	struct store_document d;
	enum pc_rc rc;

	memset(&d, 0, sizeof(d));
	STORE_ONE(rc, e->store, store_document_latest(db, user_id, kind, &d));
	if (rc == PC_OK)
		rc = doc_get(e, user_id, d.id, out);
	store_document_cleanup(&d);
	return rc;
}

/* Decrypt user's document doc_id into out. */
enum pc_rc
doc_get(const struct pc_env *e, const char *user_id, const char *doc_id,
    struct buf *out)
{
	uint8_t key[VAULT_KEY_WRAPPED];
	char path[700];
	enum pc_rc rc;

	rc = doc_locate(e, user_id, doc_id, path, sizeof(path), key);
	if (rc == PC_OK)
		rc = vault_read(e->vault, path, key, out);
	secret_wipe(key, sizeof(key));
	return rc;
}

/* Delete a document (file and row) in db's transaction. */
enum pc_rc
doc_drop(const struct pc_env *e, struct db *db, const char *user_id,
    const char *doc_id)
{
	char path[700];
	enum pc_rc rc;

	if (doc_id == NULL || doc_id[0] == '\0')
		return PC_OK;
	rc = store_document_delete(db, doc_id);
	if (rc == PC_ENOTFOUND)
		rc = PC_OK;
	if (rc == PC_OK) {
		doc_path(e, user_id, doc_id, path, sizeof(path));
		unlink(path);
	}
	return rc;
}

static enum pc_rc
write_piece(void *arg, const uint8_t *p, size_t n)
{
	int fd = *(int *)arg;

	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0)
			return PC_EIO;
		p += k;
		n -= (size_t)k;
	}
	return PC_OK;
}

enum pc_rc
doc_to_file(const struct pc_env *e, const char *user_id, const char *doc_id,
    const char *path)
{
	uint8_t key[VAULT_KEY_WRAPPED];
	char src[700];
	int fd = -1;
	enum pc_rc rc;

	rc = doc_locate(e, user_id, doc_id, src, sizeof(src), key);
	if (rc == PC_OK) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		rc = fd >= 0 ? PC_OK : PC_EIO;
	}
	if (rc == PC_OK)
		rc = vault_read_each(e->vault, src, key, write_piece, &fd);
	if (fd >= 0 && close(fd) != 0 && rc == PC_OK)
		rc = PC_EIO;
	if (rc != PC_OK && fd >= 0)
		unlink(path);
	secret_wipe(key, sizeof(key));
	return rc;
}
