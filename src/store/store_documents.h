/*
 * store_documents.h: documents of an account kept in the vault (the
 * issuance terms signed with the new key; next, the uploads and outputs
 * of web signing). A row holds what reads the file: its wrapped key, its
 * size and hash; the file is files/docs/<user>/<id>.pcv. SQL lives in
 * store_documents.c only.
 */
#ifndef PC_STORE_DOCUMENTS_H
#define PC_STORE_DOCUMENTS_H

#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_account.h"
#include "vault/vault.h"

#define STORE_DOC_TERMS "issuance_terms"
#define STORE_DOC_RENEWAL_TERMS "renewal_terms" /* signed at a renewal */

struct store_document {
	char id[STORE_ID_LEN + 1];
	char user_id[STORE_ID_LEN + 1];
	char kind[24];
	char batch_id[STORE_ID_LEN + 1]; /* "" when none */
	char *name;                      /* the file name shown */
	char ctype[64];
	char key_hex[2 * VAULT_KEY_WRAPPED + 1];
	int64_t size;
	char sha256[65];
	char credential[STORE_SERIAL_MAX + 1]; /* the signing one, or "" */
	int64_t created_at;
	int64_t delete_after; /* 0: kept */
};

void store_document_cleanup(struct store_document *d);
/* Insert; PC_EEXIST when the id exists. */
enum pc_rc store_document_insert(struct db *db, const struct store_document *d);
/* The newest document of user of kind. OUT: *d. PC_ENOTFOUND when none. */
enum pc_rc store_document_latest(struct db *db, const char *user_id,
    const char *kind, struct store_document *d);

/* user's newest document of kind in batch. OUT: *d. PC_ENOTFOUND when
 * none. */
enum pc_rc store_document_of_batch(struct db *db, const char *user_id,
    const char *batch_id, const char *kind, struct store_document *d);
/* user's document id. OUT: *d. PC_ENOTFOUND when none (or another's). */
enum pc_rc store_document_get(struct db *db, const char *user_id,
    const char *id, struct store_document *d);
/* Delete the row (and forget it in sign_items). PC_ENOTFOUND when none. */
enum pc_rc store_document_delete(struct db *db, const char *id);
/* Documents whose delete_after passed (at most limit), each to fn. */
enum pc_rc store_document_expired(struct db *db, int64_t now, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_document *d), void *arg);

#endif /* PC_STORE_DOCUMENTS_H */
