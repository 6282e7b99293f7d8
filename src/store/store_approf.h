/*
 * store_approf.h: the holders' appearance profiles (OUG 140/2020): extra
 * lines (professional title, register number, issuing body) and an
 * optional image for the visible signature box. SQL lives in
 * store_approf.c only.
 */
#ifndef PC_STORE_APPROF_H
#define PC_STORE_APPROF_H

#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_account.h"

struct store_approf {
	char id[STORE_ID_LEN + 1];
	char user_id[STORE_ID_LEN + 1];
	char name[128];
	char *lines;    /* JSON array of strings (malloc) */
	uint8_t *image; /* PNG or JPEG bytes, NULL: none (malloc) */
	size_t image_len;
	int64_t created_at;
};

/*
 * Insert p (copied) unless its user has max profiles already (PC_ELIMIT):
 * counted and inserted atomically, so parallel inserts cannot pass max on
 * either database. PC_ENOTFOUND: no such user.
 */
enum pc_rc store_approf_insert(
    struct db *db, const struct store_approf *p, int64_t max);
/* The profile id of user_id, PC_ENOTFOUND when it is not one of the
 * user's. OUT: *p (store_approf_cleanup). */
enum pc_rc store_approf_get(
    struct db *db, const char *user_id, const char *id, struct store_approf *p);
/* Set the image of the profile id of user_id; PC_ENOTFOUND if none. */
enum pc_rc store_approf_image_set(struct db *db, const char *user_id,
    const char *id, const uint8_t *image, size_t len);
/* Delete; PC_ENOTFOUND when it is not one of the user's. */
enum pc_rc store_approf_delete(
    struct db *db, const char *user_id, const char *id);
/* How many profiles user_id has. */
enum pc_rc store_approf_count(struct db *db, const char *user_id, int64_t *n);
/* Every profile of user_id, oldest first, to fn (without the image bytes;
 * image_len says whether there is one). */
enum pc_rc store_approf_each(struct db *db, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_approf *p), void *arg);
void store_approf_cleanup(struct store_approf *p);

#endif /* PC_STORE_APPROF_H */
