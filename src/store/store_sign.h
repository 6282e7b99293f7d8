/*
 * store_sign.h: signing batches of the browser (J9) and their items.
 * SQL lives in store_sign.c only. A batch's state moves by conditional
 * updates that name the state they leave, so two requests cannot both
 * sign one batch.
 */
#ifndef PC_STORE_SIGN_H
#define PC_STORE_SIGN_H

#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_account.h"

struct store_sign_batch {
	char id[STORE_ID_LEN + 1];
	char user_id[STORE_ID_LEN + 1];
	char state[16]; /* "open", "signing", "done" */
	char credential[STORE_SERIAL_MAX + 1];
	char level[8];
	int64_t signatures, timestamps;
	int64_t created_at, signed_at, updated_at;
	int64_t interrupted_at; /* a node died while signing it (then open) */
};

struct store_sign_item {
	char batch_id[STORE_ID_LEN + 1];
	int64_t idx;
	char *name;
	int64_t size;
	char in_sha256[65];
	char in_doc[STORE_ID_LEN + 1]; /* "" once deleted */
	char tbs_hash[2 * 64 + 1];     /* what the key signs, once begun */
	char format[8];                /* "pades", "cades" */
	char *placement;               /* JSON, or NULL: invisible */
	char intake[32];               /* the engine's code, "" when fine */
	char state[16]; /* "ready", "refused", "signed", "failed" */
	char *out_name;
	char out_doc[STORE_ID_LEN + 1];
	char out_sha256[65];
	char level[8]; /* delivered at ("B-T"...); "": the batch's */
};

void store_sign_item_cleanup(struct store_sign_item *it);

enum pc_rc store_sign_batch_insert(
    struct db *db, const struct store_sign_batch *b);
/* user's batch id. OUT: *b. PC_ENOTFOUND when none (or another's). */
enum pc_rc store_sign_batch_get(struct db *db, const char *user_id,
    const char *id, struct store_sign_batch *b);
/* Move from -> to (PC_ESTATE when not in from); counts when done. */
enum pc_rc store_sign_batch_move(
    struct db *db, const struct store_sign_batch *b, const char *from);
/* The account's batches, newest first (at most limit). */
enum pc_rc store_sign_batch_each(struct db *db, const char *user_id,
    int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_sign_batch *b), void *arg);

enum pc_rc store_sign_item_insert(
    struct db *db, const struct store_sign_item *it);
/* Replace the row of (batch_id, idx) with it. PC_ENOTFOUND when none. */
enum pc_rc store_sign_item_update(
    struct db *db, const struct store_sign_item *it);
enum pc_rc store_sign_item_delete(
    struct db *db, const char *batch_id, int64_t idx);
/* The items of a batch in order. */
enum pc_rc store_sign_item_each(struct db *db, const char *batch_id,
    enum pc_rc (*fn)(void *arg, const struct store_sign_item *it), void *arg);
/* Item idx's state from -> to (PC_ESTATE when not in from). */
enum pc_rc store_sign_item_mark(struct db *db, const char *batch_id,
    int64_t idx, const char *from, const char *to);
/* Batches left in "signing" since before (a node died). */
enum pc_rc store_sign_batch_stuck(struct db *db, int64_t before, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_sign_batch *b), void *arg);
/* The hash to sign of item idx (recorded before the authorization). */
enum pc_rc store_sign_item_tbs(
    struct db *db, const char *batch_id, int64_t idx, const char *hex);
/* How many items a batch has. */
enum pc_rc store_sign_item_count(
    struct db *db, const char *batch_id, int64_t *n);
/* The next free index of a batch (max + 1, 0 when empty). */
enum pc_rc store_sign_item_next(
    struct db *db, const char *batch_id, int64_t *idx);

#endif /* PC_STORE_SIGN_H */
