/*
 * store_inbox.h: the operators' inbox (src/inbox): messages sent with the
 * contact form (anyone) and rectification requests (a signed-in person),
 * with their attachments (files in the vault: files/inbox/<id>/<n>.pcv).
 * SQL lives in store_inbox.c only.
 */
#ifndef PC_STORE_INBOX_H
#define PC_STORE_INBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_account.h"
#include "vault/vault.h"

#define INBOX_CONTACT "contact"
#define INBOX_RECTIFY "rectification"
#define INBOX_OPEN "open"
#define INBOX_CLOSED "closed"
#define INBOX_FILES_MAX 3

struct store_inbox_msg {
	char id[STORE_ID_LEN + 1];
	char kind[16];
	char user_id[STORE_ID_LEN + 1]; /* "" when not signed in */
	char *name, *email, *topic, *body;
	char lang[4];
	char upload_hash[65]; /* SHA-256 of the upload token; "" once closed */
	int64_t upload_until;
	char state[8];
	int64_t created_at, closed_at;
	char closed_by[STORE_ID_LEN + 1];
	char *answer;
	int64_t nfiles; /* read only */
};

struct store_inbox_file {
	char message_id[STORE_ID_LEN + 1];
	int64_t n;
	char *name;
	char ctype[32];
	int64_t size;
	char sha256[65];
	char key_hex[2 * VAULT_KEY_WRAPPED + 1];
};

void store_inbox_msg_cleanup(struct store_inbox_msg *m);
void store_inbox_file_cleanup(struct store_inbox_file *f);
enum pc_rc store_inbox_insert(struct db *db, const struct store_inbox_msg *m);
/* OUT: *m (cleanup). PC_ENOTFOUND. */
enum pc_rc store_inbox_get(
    struct db *db, const char *id, struct store_inbox_msg *m);
/* Messages in state ("" any), newest first, at most limit. */
enum pc_rc store_inbox_each(struct db *db, const char *state, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_inbox_msg *m), void *arg);
/* Its files, by n. */
enum pc_rc store_inbox_files(struct db *db, const char *id,
    enum pc_rc (*fn)(void *arg, const struct store_inbox_file *f), void *arg);
/* One file. OUT: *f (cleanup). PC_ENOTFOUND. */
enum pc_rc store_inbox_file_get(
    struct db *db, const char *id, int64_t n, struct store_inbox_file *f);
/*
 * Add f as the next file (f->n set) of an open message whose upload token
 * hashes to upload_hash, before its upload_until (at now), when it has
 * fewer than INBOX_FILES_MAX: PC_ESTATE otherwise, PC_ELIMIT when full.
 */
enum pc_rc store_inbox_file_add(struct db *db, const char *upload_hash,
    int64_t now, struct store_inbox_file *f);
/* Close an open message with the operator's answer. PC_ESTATE when not
 * open. */
enum pc_rc store_inbox_close(struct db *db, const char *id,
    const char *operator_id, const char *answer, int64_t now);
/* Messages closed before `before`: fn(arg, id) each (their files go
 * first), then store_inbox_delete. */
enum pc_rc store_inbox_closed_before(struct db *db, int64_t before,
    enum pc_rc (*fn)(void *arg, const char *id), void *arg);
enum pc_rc store_inbox_delete(struct db *db, const char *id);

#endif /* PC_STORE_INBOX_H */
