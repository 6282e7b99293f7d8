/*
 * signing_web.h: signing in the browser (J9). A person's files are
 * uploaded into a batch (kept encrypted in the vault for at most
 * WEB_KEEP_S), checked at once (a PDF that cannot be signed says why next
 * to it: pdf_encrypted, pdf_xfa, pdf_invalid, ...), optionally given a
 * visible box on a page rendered by the server, then signed under ONE
 * TOTP code with the account's credential (signing.h): PDFs as PAdES B-T,
 * other files as CAdES .p7s B-T (or every file as .p7s). The quota is
 * checked before the code is asked; a refused code changes nothing. The
 * outputs are kept encrypted until downloaded (SignedFiles.zip or one by
 * one) or until WEB_KEEP_S; the history keeps names, hashes, format and
 * certificate, never the documents. docs/internals/signing.md.
 */
#ifndef PC_SIGNING_WEB_H
#define PC_SIGNING_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "sign/sign.h"
#include "store/store_sign.h"

#define WEB_FILES_MAX 100
#define WEB_FILE_MAX (25 * 1024 * 1024)
#define WEB_NAME_MAX 200
#define WEB_KEEP_S (24 * 3600)

/* A new batch for user (a valid signing certificate needed). OUT: id. */
enum pc_rc websign_new(const struct pc_env *e, const char *user_id,
    char id[STORE_ID_LEN + 1], struct pc_err *err);

/* One file (its name and bytes) into an open batch. OUT: *idx. */
enum pc_rc websign_add(const struct pc_env *e, const char *user_id,
    const char *id, const char *name, const uint8_t *p, size_t n, int64_t *idx,
    struct pc_err *err);
enum pc_rc websign_remove(const struct pc_env *e, const char *user_id,
    const char *id, int64_t idx, struct pc_err *err);

/* A visible box (PDF points, page 1-based), or invisible; appearance:
 * the id of one of the user's appearance profiles, "" none. */
struct websign_box {
	bool visible;
	int page;
	float x, y, w, h;
	char appearance[STORE_ID_LEN + 1];
};
enum pc_rc websign_place(const struct pc_env *e, const char *user_id,
    const char *id, int64_t idx, const struct websign_box *box,
    struct pc_err *err);
/* Every file as CAdES .p7s (a PDF the engine refused becomes signable). */
enum pc_rc websign_all_p7s(const struct pc_env *e, const char *user_id,
    const char *id, struct pc_err *err);
/* Page of a PDF of the batch as PNG; OUT: *info. */
enum pc_rc websign_page(const struct pc_env *e, const char *user_id,
    const char *id, int64_t idx, int page, struct buf *png,
    struct sign_page *info, struct pc_err *err);

/* The batch and its items (in order, to fn). */
enum pc_rc websign_get(const struct pc_env *e, const char *user_id,
    const char *id, struct store_sign_batch *b,
    enum pc_rc (*fn)(void *arg, const struct store_sign_item *it), void *arg,
    struct pc_err *err);

/* What signing the batch costs and what is left. */
struct websign_quota {
	int64_t needed, left, not_after;
	/* the certificate revoked (cert_revoked) or on hold (cert_suspended)
	 * as the database says now; PCE_NONE when not (the signer checks
	 * again) */
	enum pc_ecode refused;
	char serial[STORE_SERIAL_MAX + 1];
	char *subject, *issuer; /* free() */
};
enum pc_rc websign_quota(const struct pc_env *e, const char *user_id,
    const char *id, struct websign_quota *q, struct pc_err *err);
void websign_quota_cleanup(struct websign_quota *q);

/*
 * Sign every ready item under code. Refused before the code is used:
 * nothing_to_sign, quota_exhausted, cert_expired, busy (the pool holds
 * 64 batches); then the TOTP refusals (the batch stays open,
 * nothing counted). The items' hashes are prepared and authorized in the
 * call; with e->sign_pool the outputs are then made by the pool and the
 * call returns at once (the batch "signing", its items "pending", then
 * "signing", then "signed" or "failed", the batch "done" at the end);
 * without, in the call.
 */
enum pc_rc websign_sign(const struct pc_env *e, const char *user_id,
    const char *id, const char *code, struct pc_err *err);

/*
 * The worker pool of the web server: threads (1..32) that finish
 * authorized batches, items side by side (each a time-stamp from our
 * TSA). It keeps a copy of e (borrowing what e points to). Stopping
 * finishes every batch already authorized (their signatures are
 * counted), so stop it before the HTTP server (the TSA answers there).
 */
struct websign_pool;
enum pc_rc websign_pool_start(
    const struct pc_env *e, unsigned threads, struct websign_pool **out);
void websign_pool_stop(struct websign_pool *p);

/*
 * SignedFiles.zip of the signed items, as an open (unlinked) file to send
 * (*fd, *len); the signed files are then deleted from the server.
 */
enum pc_rc websign_zip(const struct pc_env *e, const char *user_id,
    const char *id, int *fd, uint64_t *len, struct pc_err *err);
/* One output. OUT: out, *name (free()). */
enum pc_rc websign_output(const struct pc_env *e, const char *user_id,
    const char *id, int64_t idx, struct buf *out, char **name,
    struct pc_err *err);

/* The account's signed batches, newest first. */
enum pc_rc websign_history(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct store_sign_batch *b), void *arg);

/*
 * Batches left "signing" for more than older_s seconds (a node died):
 * the signatures counted for them are given back (audited) and they are
 * open again with their files. OUT: *n, batches recovered.
 */
enum pc_rc websign_recover(const struct pc_env *e, int64_t older_s, int64_t *n);
#define WEB_STUCK_S 600

/* Delete the files whose time passed. OUT: *n. */
enum pc_rc websign_purge(const struct pc_env *e, int64_t *n);

#endif /* PC_SIGNING_WEB_H */
