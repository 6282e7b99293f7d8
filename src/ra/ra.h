/*
 * ra.h: identity verification (journey J7) and the registration
 * authority's review. docs/internals/ra.md describes it.
 *
 * After payment the buyer records a guided video in the browser: the
 * document (front, tilted, back), the code sent by SMS at that moment,
 * a smile, and one or two challenges chosen at random when the case
 * starts and revealed only when their step starts (turn the head, read a
 * 4-digit number aloud), so a recording made beforehand cannot pass. The
 * server records each step's time. Files are uploaded in pieces into the
 * vault (encrypted); on submit the server hashes them, writes an evidence
 * manifest (the session's data and every file's hash) and stamps it with
 * our TSA. An operator claims the case, works through a checklist,
 * confirms the identity data that will go into the certificate, and
 * accepts, rejects with a reason, or asks for a new recording. Every step
 * is audited; e-mails tell the person.
 *
 * States (ra_state.c holds the one table of transitions):
 *   open -> submitted -> accepted | rejected | redo | contact
 *   open -> abandoned (never submitted); contact -> redo
 * A case is one attempt for one paid order; a new attempt is possible
 * after rejected, redo or abandoned. After max_rejections rejections the
 * case goes to `contact`: an operator talks to the person first.
 */
#ifndef PC_RA_H
#define PC_RA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "store/store_idv.h"
#include "store/store_shop.h"

#define RA_OPEN "open"
#define RA_SUBMITTED "submitted"
#define RA_ACCEPTED "accepted"
#define RA_REJECTED "rejected"
#define RA_REDO "redo"
#define RA_CONTACT "contact"
#define RA_ABANDONED "abandoned"

/* Documents accepted. */
#define RA_DOC_RO_ID "ro_id_card"  /* Romanian identity card (CI, CEI) */
#define RA_DOC_PASSPORT "passport" /* any passport */
#define RA_DOC_EU_ID "eu_id_card"  /* another EU/EEA identity card */

/* Files of a case. */
#define RA_FILE_VIDEO "video"
#define RA_FILE_DOC_FRONT "doc_front"
#define RA_FILE_DOC_TILT "doc_tilt"
#define RA_FILE_DOC_BACK "doc_back"
#define RA_FILE_FACE "face"

/* The four consents of the identification (kinds in `consents`). */
#define RA_CONSENT_PRIVACY "idv_privacy"
#define RA_CONSENT_BIOMETRIC "idv_biometric"
#define RA_CONSENT_IMAGES "idv_images"
#define RA_CONSENT_RECORDING "idv_recording"

#define RA_STEPS_MAX 12

/* ---- states (ra_state.c) ---------------------------------------------- */

bool ra_state_known(const char *state);
/* The one table of transitions. */
bool ra_state_allowed(const char *from, const char *to);
/* Is a new attempt possible after a case in state? */
bool ra_state_retry(const char *state);

/* ---- the steps of a recording (ra_steps.c) ---------------------------- */

struct ra_plan {
	const char *step[RA_STEPS_MAX]; /* in order */
	size_t n;
};

/* The steps of a case from its document type and challenges (JSON). */
enum pc_rc ra_plan(
    const char *doc_type, const char *challenges, struct ra_plan *out);
/* Does the document have a back to show? */
bool ra_doc_has_back(const char *doc_type);
bool ra_doc_known(const char *doc_type);
/* Choose one or two challenges at random; JSON text (malloc'd). */
enum pc_rc ra_challenges_new(char **json);

/* ---- the person's side (ra_case.c) ----------------------------------- */

struct ra_start_req {
	const char *order_id; /* NULL: the newest paid order */
	const char *doc_type;
	const char *phone; /* NULL or "": the account's */
	bool consent_privacy, consent_biometric, consent_images,
	    consent_recording;
	const char *user_agent;
};

/* What the person's page shows. */
struct ra_status {
	struct store_order order; /* order.id "" when none waits */
	struct store_idv_case c;  /* c.id "" when none */
	int64_t rejections;
	bool can_start;
	char account_phone[32];
	char account_email[256];
	char consent_version[32];
};

enum pc_rc ra_status(
    const struct pc_env *e, const char *user_id, struct ra_status *out);
void ra_status_cleanup(struct ra_status *s);

/* Start a case (a new attempt). OUT: *c (store_idv_case_cleanup). */
enum pc_rc ra_start(const struct pc_env *e, const char *user_id,
    const struct ra_start_req *r, struct store_idv_case *c, struct pc_err *err);

/* What a step start reveals. */
struct ra_step_info {
	char step[24];
	char number[8];    /* read_number: the digits to read */
	char direction[8]; /* head: left or right */
	bool code_sent;    /* sms_code: a code went to to_masked */
	char to_masked[64];
	int64_t expires_in;
};

/*
 * Start step `step` of case id: it must be the next one (or the current
 * one again). sms_code sends the code now.
 */
enum pc_rc ra_step(const struct pc_env *e, const char *user_id, const char *id,
    const char *step, struct ra_step_info *out, struct pc_err *err);
/* Change the phone during the SMS step: a code goes to it at once. */
enum pc_rc ra_phone(const struct pc_env *e, const char *user_id, const char *id,
    const char *phone, struct ra_step_info *out, struct pc_err *err);
/* Check the code typed during the recording. */
enum pc_rc ra_sms_check(const struct pc_env *e, const char *user_id,
    const char *id, const char *code, struct pc_err *err);

/*
 * Append n bytes at offset to file kind of case id (ctype, for the first
 * piece, is its media type). OUT: *received, the bytes held now.
 * PC_ESTATE/upload_offset when offset is not what was received (the
 * answer carries the right one in *received).
 */
enum pc_rc ra_upload(const struct pc_env *e, const char *user_id,
    const char *id, const char *kind, const char *ctype, int64_t offset,
    const uint8_t *p, size_t n, int64_t *received, struct pc_err *err);
/* How much of file kind is held. */
enum pc_rc ra_upload_info(const struct pc_env *e, const char *user_id,
    const char *id, const char *kind, int64_t *received, bool *final,
    struct pc_err *err);

struct ra_submit_file {
	const char *kind;
	int64_t size;
};

struct ra_submit_req {
	const char *client; /* JSON text: camera label, timings, ... */
	const struct ra_submit_file *files;
	size_t nfiles;
	const char *user_agent;
};

/* Finish the recording: files, manifest, time-stamp, queue, e-mail. */
enum pc_rc ra_submit(const struct pc_env *e, const char *user_id,
    const char *id, const struct ra_submit_req *r, struct pc_err *err);

/* ---- the operator's side (ra_review.c) ------------------------------- */

struct ra_checklist_item {
	const char *key;
	const char *ro, *en;
};
extern const struct ra_checklist_item ra_checklist[];
extern const size_t ra_nchecklist;

struct ra_reason {
	const char *code;
	const char *ro, *en;
};
extern const struct ra_reason ra_reasons[];
extern const size_t ra_nreasons;
const struct ra_reason *ra_reason_find(const char *code);

/* The identity the operator confirms (what issuance will use). */
struct ra_identity {
	const char *given_name, *surname;
	const char *doc_type, *doc_series, *doc_number, *doc_expiry;
	const char *cnp;     /* required for Romanian documents */
	const char *country; /* ISO 3166 alpha-2 of the document */
};

/* Cases waiting (state NULL) or in state; each to fn. */
enum pc_rc ra_queue(const struct pc_env *e, const char *state,
    enum pc_rc (*fn)(void *arg, const struct store_idv_case *c), void *arg);
/*
 * A case for the operator op (audited as a view of evidence). OUT: *c
 * (cleanup), *order (cleanup).
 */
enum pc_rc ra_case_get(const struct pc_env *e, const char *op, const char *id,
    struct store_idv_case *c, struct store_order *order, struct pc_err *err);
/* Each file row of a case. */
enum pc_rc ra_files_each(const struct pc_env *e, const char *id,
    enum pc_rc (*fn)(void *arg, const struct store_idv_file *f), void *arg);
/* The plain bytes of a file (bounded by out). OUT: ctype (static/row). */
enum pc_rc ra_file_read(const struct pc_env *e, const char *op, const char *id,
    const char *kind, struct buf *out, char ctype[32], struct pc_err *err);
enum pc_rc ra_claim(const struct pc_env *e, const char *op, const char *id,
    int64_t *until, struct pc_err *err);
enum pc_rc ra_release(
    const struct pc_env *e, const char *op, const char *id, struct pc_err *err);
/*
 * Accept: every checklist key must be true (checks: a JSON object text);
 * the identity is checked (names, document, CNP) and stored.
 */
enum pc_rc ra_accept(const struct pc_env *e, const char *op, const char *id,
    const char *checks, const struct ra_identity *who, struct pc_err *err);
enum pc_rc ra_reject(const struct pc_env *e, const char *op, const char *id,
    const char *reason, const char *text, struct pc_err *err);
/* Ask for a new recording without rejecting. */
enum pc_rc ra_redo(const struct pc_env *e, const char *op, const char *id,
    const char *text, struct pc_err *err);

/* ---- evidence (ra_evidence.c) ----------------------------------------- */

/*
 * The manifest of a submitted case, built from its row and files (JSON
 * text, malloc'd), and its SHA-256 (hex).
 */
enum pc_rc ra_manifest_build(const struct pc_env *e,
    const struct store_idv_case *c, char **json, char sha_hex[65]);
/*
 * Write a case's evidence into dir: manifest.json, manifest.tsr and each
 * file decrypted (<kind>.<ext>), for an auditor or a court.
 */
enum pc_rc ra_evidence_export(const struct pc_env *e, const char *id,
    const char *dir, struct pc_err *err);
/*
 * Delete the evidence whose retention ended (and mark open cases older
 * than retention_open_days abandoned). OUT: *purged.
 */
enum pc_rc ra_purge(const struct pc_env *e, int64_t *purged);
/* The directory of a case's files (arena-free: into out). */
void ra_case_dir(const struct pc_env *e, const char *id, char *out, size_t n);

#endif /* PC_RA_H */
