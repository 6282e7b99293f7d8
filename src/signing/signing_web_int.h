/*
 * signing_web_int.h: what the parts of signing in the browser share
 * (signing_web.c: batches, intake, placement; signing_web_sign.c: the
 * authorization, the worker pool, recovery; signing_web_out.c: outputs,
 * SignedFiles.zip, history, retention). Not for other modules.
 */
#ifndef PC_SIGNING_WEB_INT_H
#define PC_SIGNING_WEB_INT_H

#include "signing/signing_web.h"
#include "signing/signing.h"
#include "store/store.h"
#include "store/store_documents.h"

#define DOC_UPLOAD "upload"
#define DOC_SIGNED "signed"
#define ITEM_READY "ready"
#define ITEM_REFUSED "refused"
#define ITEM_SIGNED "signed"
#define ITEM_FAILED "failed"
#define FMT_PADES "pades"
#define FMT_CADES "cades"
#define ITEM_PENDING "pending" /* authorized, waiting in the pool */
#define ITEM_SIGNING "signing" /* a pool thread finishes it */

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

/*
 * A batch between its authorization and its end: the request prepares
 * it (the hashes), has the code checked and hands it to the pool, whose
 * threads finish its items side by side (each a time-stamp from our TSA
 * and the output written encrypted); the last one closes the batch.
 */
struct plan {
	struct pc_env env; /* the pool's once handed over (actor: user) */
	char user_id[STORE_ID_LEN + 1];
	char dir[600];
	struct store_sign_batch b;
	struct signing_batch *sb;
	struct db *db;      /* while the plan is built: the items' connection */
	struct pc_err *err; /* while the plan is built: the request's */
	struct store_sign_item items[WEB_FILES_MAX];
	size_t sbi[WEB_FILES_MAX]; /* the item's index in sb */
	size_t n;
	/* Each finished item's output, written, not yet recorded. */
	struct store_document docs[WEB_FILES_MAX];
	bool lost[WEB_FILES_MAX]; /* its output could not be written */
	/* The pool's, under its lock. */
	size_t next, left;
	unsigned char busy[WEB_FILES_MAX]; /* 1: taken, 2: marked signing */
	size_t rec[WEB_FILES_MAX], nrec;   /* finished, to record */
	bool committing;                   /* a thread records for pl */
	bool broken; /* an output not kept: the batch is left to recovery */
	struct plan *qnext;
};

/* Free pl, its signing batch and its scratch directory; NULL: no-op. */
void websign_plan_free(struct plan *pl);
/* Items [from, to) of pl in state, in one transaction. */
enum pc_rc websign_plan_mark(
    struct plan *pl, size_t from, size_t to, const char *state);
/* Finish pl in the calling thread (no pool), then free it. */
void websign_plan_run(struct plan *pl);

/* A place for one more batch, taken before its code is used. */
bool websign_pool_reserve(struct websign_pool *p);
void websign_pool_unreserve(struct websign_pool *p);
/* pl (reserved, its items pending) handed to the pool, which frees it. */
void websign_pool_submit(struct websign_pool *p, struct plan *pl);

#endif /* PC_SIGNING_WEB_INT_H */
