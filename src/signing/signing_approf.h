/*
 * signing_approf.h: the holder's appearance profiles (OUG 140/2020): up
 * to APPROF_MAX per user, each a name, up to SIGN_APPROF_LINES lines
 * (professional title, register number, issuing body...) of at most
 * SIGN_APPROF_CHARS characters, and an optional PNG or JPEG image (at
 * most SIGN_APPROF_IMAGE_MAX bytes, decoded on upload). A visible
 * signature of the web batch names one by id (its owner's only).
 */
#ifndef PC_SIGNING_APPROF_H
#define PC_SIGNING_APPROF_H

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "sign/sign.h"
#include "store/store.h"
#include "store/store_approf.h"

#define APPROF_MAX 10
#define APPROF_NAME_MAX 60 /* characters */

/* A new profile of user_id; refused: field_invalid (name, lines),
 * appearance_limit. OUT: id. */
enum pc_rc approf_create(const struct pc_env *e, const char *user_id,
    const char *name, const char *const *lines, int nlines,
    char id[STORE_ID_LEN + 1], struct pc_err *err);
/* Set the image of the profile id of user_id: not_found, bad_image. */
enum pc_rc approf_image_set(const struct pc_env *e, const char *user_id,
    const char *id, const uint8_t *p, size_t n, struct pc_err *err);
enum pc_rc approf_delete(const struct pc_env *e, const char *user_id,
    const char *id, struct pc_err *err);
/* The profiles of user_id, oldest first, to fn. */
enum pc_rc approf_each(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_approf *p), void *arg);
/*
 * The profile id of user_id for drawing, read through db: its lines into
 * *ap, its image into img (ap->image points into it). PC_ENOTFOUND
 * (appearance_gone, field "appearance") when it is not one of the user's
 * (unknown, another user's, or deleted since it was chosen).
 */
enum pc_rc approf_load(struct db *db, const char *user_id, const char *id,
    struct sign_approf *ap, struct buf *img, struct pc_err *err);

#endif /* PC_SIGNING_APPROF_H */
