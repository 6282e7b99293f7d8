/*
 * signing.h: signing batches with a holder's key under one SAD.
 *
 * The journey above the engine (src/sign) and the signer process
 * (src/signer), for every face: the CLI (pecete sign --data), the web
 * batch (J9: several files, one TOTP code), the CSC API and the terms
 * signed at issuance (J8). A batch is a list of items signed with one
 * credential under ONE authorization:
 *
 *   signing_batch_new        the credential's certificate and chain
 *   signing_batch_add        an item: input, output, PAdES or CAdES, the
 *                            visible-signature options (all copied)
 *   signing_batch_begin      intake checks and the hash to sign of each
 *                            item: a PDF is prepared once (sign_pades_begin:
 *                            the update with a zero /Contents in a
 *                            temporary file next to its output), a CAdES
 *                            input is hashed (sign_cades_tbs)
 *   signing_batch_authorize  one SIGN_USER to the signer process with the
 *                            SAD (the TOTP code), the credential and every
 *                            hash; the signer checks, counts and signs
 *   signing_batch_finish     each output built with its authorized
 *                            signature (B-T: the timestamp), synced and
 *                            renamed into place: complete or absent
 *   signing_batch_free       removes what an unfinished item left
 *
 * The batch is a state machine (new -> begun -> authorized -> finished);
 * a call out of order is PC_ESTATE. Each item carries its own result:
 * its state, a pc_rc and the engine's stable code ("pdf_encrypted",
 * "tsa_failed", ...). A refusal of the whole batch (wrong code, quota,
 * certificate) is a struct pc_err with the registry's code. Nothing is
 * authorized unless every item is ready, and finish hands the engine only
 * the signatures of the hashes authorized: a hash that differs stops the
 * batch (PC_EINTERNAL) and writes nothing more.
 *
 * Every call takes the domain context (base/env.h): the store for the
 * certificate and the audit, the configuration for the TSA URL, the
 * signer client for the authorization. A batch is used by one thread at
 * a time. See docs/internals/signing.md.
 */
#ifndef PC_SIGNING_H
#define PC_SIGNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "sign/sign.h"
#include "signer/signer.h"

/* Items per batch: what one SIGN_USER authorizes. */
#define SIGNING_BATCH_MAX SIGNER_USER_HASHES_MAX

enum signing_state {
	SIGNING_NEW = 0, /* added */
	SIGNING_READY,   /* begun: its hash is known, a PDF's update written */
	SIGNING_SIGNED,  /* authorized: its signature is in the batch */
	SIGNING_DONE,    /* the output is in place */
	SIGNING_FAILED,  /* final; see rc and err */
};

/* What a caller adds. Every string is copied. */
struct signing_item {
	const char *in_path;     /* the input; NULL: in_fd */
	int in_fd;               /* an open regular file, read through
	                            /proc/self/fd; must stay open until finish */
	const char *out_path;    /* the output (required) */
	enum sign_format format; /* 0: sign_format_guess(input) */
	/*
	 * PAdES appearance (visible, page, x, y, w, h, field, reason,
	 * location, lang, lock, certify, tz_offset_min) and max_size; NULL:
	 * the batch's. md_nid, level, tsa_url and now are the batch's.
	 */
	const struct sign_opts *opts;
	/* A detached CAdES over this digest (dlen bytes, of the batch's
	 * md_nid: checked at begin) instead of over a file: no input. */
	const uint8_t *digest;
	size_t dlen;
};

/* An item's result. Strings belong to the batch. */
struct signing_result {
	enum signing_state state;
	enum pc_rc rc;       /* PC_OK unless FAILED */
	struct sign_err err; /* the engine's code and message, when any */
	const char *in;      /* the input's name (path, or /proc/self/fd/N) */
	const char *out;
	enum sign_format format;
	/* DONE: the level made (B-B .. B-LTA); below the one asked when the
	 * long-term step failed, and then warn says why (the signature
	 * itself is good). */
	enum sign_level level;
	struct sign_err warn;
};

enum signing_step {
	SIGNING_STEP_BEGIN = 1,
	SIGNING_STEP_FINISH,
};

struct signing_batch;

/*
 * The level a file is made at when its batch asks for level: a CAdES up
 * to B-LT (an archive timestamp is not made), a CMS over a digest only
 * (digest true) up to B-T; a PDF at any.
 */
enum sign_level signing_item_level(
    enum sign_level level, enum sign_format format, bool digest);
/*
 * The transactions one file takes at that level: its signature, the
 * signature's timestamp (B-T and up) and B-LTA's document timestamp.
 */
unsigned signing_cost(enum sign_level level, enum sign_format format);
/* The same for a stored item's format ("pades", "cades"). */
unsigned signing_cost_str(const char *level, const char *format);
/*
 * The timestamps a delivered file of a batch at batch_level carries:
 * counted at item_level, the level it was delivered at ("" or NULL: the
 * batch's), so a B-LTA file that stayed B-T has one, not two.
 */
unsigned signing_ts_made(
    const char *batch_level, const char *item_level, const char *format);

/*
 * Called after each item's begin and finish (progress bars, the CLI's
 * lines), in item order, on the caller's thread.
 */
typedef void (*signing_progress_fn)(void *arg, const struct signing_batch *b,
    size_t item, enum signing_step step);

struct signing_opts {
	const char *credential; /* the signing certificate's serial (hex) */
	/*
	 * The defaults of every item, and for all items: md_nid, level,
	 * tsa_url (B-T; NULL: <server.public_url>/tsa) and now (0: the time
	 * of begin, the same for both steps). Strings are copied.
	 */
	struct sign_opts sign;
	bool stop_at_first; /* begin: stop at the first item that fails */
	/* begin: items prepared on this many threads at once (0, 1: in
	 * turn; then every item is begun, stop_at_first or not) */
	unsigned threads;
	signing_progress_fn progress; /* may be NULL */
	void *progress_arg;
	/* A renewal's terms (one document): the signer takes no transaction
	 * and submits that request (see SIGN_USER in signer.h). */
	const char *renewal, *terms_version;
};

/*
 * A batch for o->credential: its certificate (kind "sign") and its
 * issuer from e->store. PC_ENOTFOUND with PCE_CREDENTIAL_UNKNOWN when
 * there is no such signing certificate; PC_EINVAL (PCE_FIELD_INVALID,
 * "credential") when it is not a serial. OUT: *out (signing_batch_free).
 */
enum pc_rc signing_batch_new(const struct pc_env *e,
    const struct signing_opts *o, struct signing_batch **out,
    struct pc_err *err);
/*
 * Free b; NULL is a no-op. Items not finished leave no file: their
 * temporary files are removed, their outputs were never written.
 */
void signing_batch_free(struct signing_batch *b);

/*
 * Add an item (copied) to a new batch. PC_ELIMIT past SIGNING_BATCH_MAX;
 * PC_EINVAL without an output or an input; PC_ESTATE once begun.
 * OUT: *index (may be NULL).
 */
enum pc_rc signing_batch_add(
    struct signing_batch *b, const struct signing_item *it, size_t *index);

/*
 * Intake checks and the hash to sign of every item (in order). PC_OK
 * when every item is READY; else the rc of the first item that failed
 * (its result says why; with stop_at_first the items after it stay NEW).
 * PC_EINVAL for an empty batch.
 */
enum pc_rc signing_batch_begin(const struct pc_env *e, struct signing_batch *b);

/*
 * One authorization for every hash: SIGN_USER through e->signer with the
 * SAD (the TOTP code; not kept). On PC_OK every item is SIGNED and the
 * credential's transactions are taken (one per item, one more per item
 * at B-T). A refusal counts nothing: PC_EAUTH (totp_invalid,
 * totp_replay), PC_ELIMIT (totp_locked with retry_after,
 * quota_exhausted), PC_ESTATE (cert_expired, cert_revoked,
 * totp_not_enabled), PC_ENOTFOUND (credential_unknown), PC_EHSM
 * (sign_failed), PC_EUNAVAIL (signer_unavailable); the batch stays
 * begun, so authorize may be called again with another code (the PDFs
 * are not prepared again). PC_ESTATE (state) unless the batch is begun
 * with every item READY.
 */
enum pc_rc signing_batch_authorize(const struct pc_env *e,
    struct signing_batch *b, const char *sad, struct pc_err *err);

/*
 * The same for a CSC signDoc: CSC_SIGN_DOC with the access token's
 * binding (token: hex), the SAD and the documents' hashes (n = the
 * batch's items, dlen bytes each, of dmd), which the SAD must cover and
 * which it spends; the items' hashes are what the key signs. Results as
 * signing_batch_authorize (sad_invalid, sad_expired, hash_not_authorized,
 * hashes_exceed too).
 */
enum pc_rc signing_batch_authorize_csc(const struct pc_env *e,
    struct signing_batch *b, const char *token, const char *sad, int dmd,
    const uint8_t (*docs)[SIGNER_HASH_MAX], size_t dlen, struct pc_err *err);

/*
 * Write every SIGNED item's output (in order). An item that fails is
 * FAILED (a B-T whose TSA failed appends an audit record
 * sign.timestamp_failed as e->actor: the transaction was counted); a
 * signature that does not match its hash stops the batch. PC_OK when
 * every item is DONE, else the rc of the first that is not.
 */
enum pc_rc signing_batch_finish(
    const struct pc_env *e, struct signing_batch *b);
/*
 * Write item i's output, as finish does for it (an item not SIGNED is
 * left as it is). Safe to call from several threads at once for
 * different items of one authorized batch (the worker pool's way);
 * signing_batch_finish afterwards only closes the batch. No progress
 * call.
 */
enum pc_rc signing_batch_finish_one(
    const struct pc_env *e, struct signing_batch *b, size_t i);

/*
 * Check user_id's TOTP code for signing before the work it will authorize
 * (TOTP_PEEK): a wrong, replayed or locked code is refused here as
 * SIGN_USER would refuse it (a wrong one counts as a failure), a right
 * one stays unused: the signer uses it once, when it signs (SAD rules
 * stay there). Errors as signing_refusal (field "sad").
 */
enum pc_rc signing_code_peek(const struct pc_env *e, const char *user_id,
    const char *code, struct pc_err *err);
/*
 * A refusal of the signer (SIGN_USER, ISSUE_USER) as the registry's
 * code in err; returns the status to give the caller.
 */
enum pc_rc signing_refusal(
    enum signer_user_result result, uint32_t retry_after, struct pc_err *err);
/*
 * The time-stamp URL of this node's own TSA (http://<listen>/tsa; a
 * wildcard address as 127.0.0.1), into out.
 */
void signing_local_tsa(const struct pc_env *e, char *out, size_t n);

/*
 * Seal the PDF at in_path into out_path with the platform's e-seal
 * (pki_eseal.c) at B-LTA, the signature made by the signer process
 * (SIGN_SERVICE). PC_EUNAVAIL without a signer or an e-seal certificate;
 * the engine's errors in err. On failure nothing is left at out_path.
 */
#define SIGNING_SEAL_MAX (25 * 1024 * 1024)
enum pc_rc signing_seal_pdf(const struct pc_env *e, const char *in_path,
    const char *out_path, const char *reason, struct sign_err *err);
/*
 * The same for the PDF p[0..n) in memory, the sealed one appended to out,
 * through a private scratch directory emptied before the return:
 * seal_unavailable (logged with the engine's code) when it cannot be
 * sealed, file_too_large past SIGNING_SEAL_MAX.
 */
enum pc_rc signing_seal_mem(const struct pc_env *e, const uint8_t *p, size_t n,
    const char *reason, struct buf *out, struct pc_err *err);

/* Items in b. */
size_t signing_batch_count(const struct signing_batch *b);
/* Item i's result (i < signing_batch_count), or NULL. */
const struct signing_result *signing_batch_result(
    const struct signing_batch *b, size_t i);
/*
 * The hash item i's key will sign (hex, as the signer records it), once
 * begun and READY; "" otherwise. out holds 2 * SIGN_TBS_MAX + 1 bytes.
 */
void signing_batch_tbs_hex(const struct signing_batch *b, size_t i, char *out);
/* The credential's transactions left after authorize; -1 before. */
int64_t signing_batch_transactions_left(const struct signing_batch *b);

#endif /* PC_SIGNING_H */
