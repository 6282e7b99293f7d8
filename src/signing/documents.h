/*
 * documents.h: files of an account kept in the vault (store_documents.h
 * rows; files/docs/<user>/<id>.pcv): the issuance terms signed with the
 * new key, the uploads and outputs of web signing. A file is written
 * (encrypted, synced) before the transaction that records its row, and
 * removed again when that transaction fails.
 */
#ifndef PC_SIGNING_DOCUMENTS_H
#define PC_SIGNING_DOCUMENTS_H

#include "base/buf.h"
#include "base/env.h"
#include "base/pc.h"
#include "store/store_documents.h"

/* The file of user's document doc_id (its directory made). */
void doc_path(const struct pc_env *e, const char *user_id, const char *doc_id,
    char *out, size_t n);
/*
 * Write p[0..n) encrypted as a new document file; d gets its row (kind,
 * batch, ctype, size, SHA-256, wrapped key; delete_after keep_s from now,
 * 0 to keep) for doc_insert. On failure nothing is left.
 */
enum pc_rc doc_write(const struct pc_env *e, const char *user_id,
    const char *kind, const char *batch, const char *ctype, const uint8_t *p,
    size_t n, int64_t keep_s, struct store_document *d);
/* The row of a document written by doc_write, named name. */
enum pc_rc doc_insert(
    struct db *db, struct store_document *d, const char *name);
/* Remove the file of a document whose row was not written. */
void doc_unwrite(const struct pc_env *e, const struct store_document *d);
/* store_write_end(db, rc), then doc_unwrite(d) unless it committed: the
 * file stays only with its row. Returns the transaction's result. */
enum pc_rc doc_commit(const struct pc_env *e, struct db *db, enum pc_rc rc,
    const struct store_document *d);
/* Decrypt the newest document of user of kind into out. PC_ENOTFOUND
 * when none. */
enum pc_rc doc_latest(const struct pc_env *e, const char *user_id,
    const char *kind, struct buf *out);
/* Decrypt user's document doc_id into out. */
enum pc_rc doc_get(const struct pc_env *e, const char *user_id,
    const char *doc_id, struct buf *out);
/* Decrypt user's document doc_id into the new file path (mode 0600),
 * piece by piece. On failure nothing is left at path. */
enum pc_rc doc_to_file(const struct pc_env *e, const char *user_id,
    const char *doc_id, const char *path);
/* Delete a document (file and row) in db's transaction. */
enum pc_rc doc_drop(const struct pc_env *e, struct db *db, const char *user_id,
    const char *doc_id);

#endif /* PC_SIGNING_DOCUMENTS_H */
