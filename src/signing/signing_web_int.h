/*
 * signing_web_int.h: what the parts of signing in the browser share
 * (signing_web.c: batches, intake, placement; signing_web_sign.c: the
 * authorization, the worker pool, recovery; signing_web_out.c: outputs,
 * SignedFiles.zip, history, retention). Not for other modules.
 */
#ifndef PC_SIGNING_WEB_INT_H
#define PC_SIGNING_WEB_INT_H

#include "signing/signing_web.h"
#include "store/store.h"

#define DOC_UPLOAD "upload"
#define DOC_SIGNED "signed"
#define ITEM_READY "ready"
#define ITEM_REFUSED "refused"
#define ITEM_SIGNED "signed"
#define ITEM_FAILED "failed"
#define FMT_PADES "pades"
#define FMT_CADES "cades"

/* user's batch id, which must be in state (NULL: any). */
enum pc_rc websign_batch_get(struct db *db, const char *user_id, const char *id,
    const char *state, struct store_sign_batch *b, struct pc_err *err);
/* Item idx of a batch (store_sign_item_cleanup). */
enum pc_rc websign_item_get(struct db *db, const char *batch, int64_t idx,
    struct store_sign_item *it, struct pc_err *err);
/* The scratch directory of a batch (mode 0700), emptied by
 * websign_scratch_rm. */
void websign_scratch_dir(
    const struct pc_env *e, const char *id, char *out, size_t n);
void websign_scratch_rm(const char *dir);

#endif /* PC_SIGNING_WEB_INT_H */
