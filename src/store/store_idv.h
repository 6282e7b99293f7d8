/*
 * store_idv.h: identity verification cases (J7) and their evidence files.
 * SQL lives in store_idv.c only.
 *
 * A case is one recording attempt for one paid order; its state machine is
 * in ra/ra_state.c. Changes of state are conditional updates that name the
 * state they leave (and, for decisions, the operator's claim): two
 * requests cannot both move a case, two operators cannot both decide it.
 * Files are written in pieces (vault/vault.h); a piece is reserved by a
 * conditional update of its row first, so two uploads of one file cannot
 * interleave.
 */
#ifndef PC_STORE_IDV_H
#define PC_STORE_IDV_H

#include <stdbool.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_account.h"
#include "store/store_shop.h"
#include "vault/vault.h"

#define STORE_IDV_STATE_MAX 16
#define STORE_IDV_KIND_MAX 16

struct store_idv_case {
	char id[STORE_ID_LEN + 1];
	char user_id[STORE_ID_LEN + 1];
	char order_id[STORE_ORDER_ID_LEN + 1];
	int64_t attempt; /* 1, 2, ... per order */
	char state[STORE_IDV_STATE_MAX + 1];
	char doc_type[STORE_IDV_KIND_MAX + 1];
	char *email, *phone;
	bool phone_changed;
	char *challenges; /* JSON: the random challenges chosen at start */
	char *steps;      /* JSON: each step with its server time */
	int64_t sms_verified_at, sms_failures;
	char *client; /* JSON: what the browser reported at submit */
	char ip[64];
	char *user_agent;
	int64_t created_at, submitted_at, deadline_at;
	char claimed_by[STORE_ID_LEN + 1];
	int64_t claim_until;
	char decided_by[STORE_ID_LEN + 1];
	int64_t decided_at;
	char reason[32];
	char *reason_text;
	char *checklist; /* JSON */
	char *identity;  /* JSON: the data the operator confirmed */
	char *manifest;  /* the evidence manifest, the exact bytes stamped */
	char manifest_sha256[65];
	uint8_t *manifest_tst; /* RFC 3161 TimeStampResp (DER) */
	size_t manifest_tst_len;
	int64_t retain_until, purged_at, updated_at;
	char phone_decision[16]; /* "" until asked at issuance; "associate",
	                            "keep" */
};

struct store_idv_file {
	char case_id[STORE_ID_LEN + 1];
	char kind[STORE_IDV_KIND_MAX + 1];
	char ctype[32];
	/* The vault's writing state (vault/vault.h struct vault_wip), hex. */
	char key_hex[2 * VAULT_KEY_WRAPPED + 1];
	char state_hex[2 * VAULT_STATE_WRAPPED + 1];
	int64_t enc_len, plain_len;
	bool final;
	int64_t busy_until;
	char sha256[65];
	int64_t created_at, updated_at;
};

void store_idv_case_cleanup(struct store_idv_case *c);

enum pc_rc store_idv_insert(struct db *db, const struct store_idv_case *c);
/* OUT: *c (cleanup). PC_ENOTFOUND when none. */
enum pc_rc store_idv_get(
    struct db *db, const char *id, struct store_idv_case *c);
/* The newest case of an order. OUT: *c. PC_ENOTFOUND when none. */
enum pc_rc store_idv_latest(
    struct db *db, const char *order_id, struct store_idv_case *c);
/* The number of cases of an order in state (NULL: any). */
enum pc_rc store_idv_count(
    struct db *db, const char *order_id, const char *state, int64_t *n);
/*
 * Move id from state `from` to `to` (PC_ESTATE when it is not in `from`
 * any more).
 */
enum pc_rc store_idv_set_state(struct db *db, const char *id, const char *from,
    const char *to, int64_t now);
/*
 * Write the recording-time members (phone, phone_changed, steps,
 * sms_verified_at, sms_failures) of an open case. PC_ESTATE when it is
 * not open.
 */
enum pc_rc store_idv_update_open(
    struct db *db, const struct store_idv_case *c, int64_t now);
/*
 * Submit an open case: client, ip, user_agent, manifest, its hash and
 * time-stamp, submitted_at, deadline_at from c; state submitted.
 */
enum pc_rc store_idv_submit(
    struct db *db, const struct store_idv_case *c, int64_t now);
/*
 * Cases in state (NULL: submitted and contact), the longest waiting first;
 * each handed to fn. Heavy members (manifest, time-stamp) are not read.
 */
enum pc_rc store_idv_queue(struct db *db, const char *state,
    enum pc_rc (*fn)(void *arg, const struct store_idv_case *c), void *arg);
/*
 * Claim id for op until `until`: PC_ESTATE when the case is not waiting
 * for a decision, PC_EEXIST when another operator's claim is current.
 */
enum pc_rc store_idv_claim(
    struct db *db, const char *id, const char *op, int64_t until, int64_t now);
/* Give up op's claim (no error when op holds none). */
enum pc_rc store_idv_release(struct db *db, const char *id, const char *op);
/*
 * Decide: from `from` to c->state, by op holding a current claim;
 * writes decided_by/at, reason, reason_text, checklist, identity,
 * retain_until. PC_ESTATE when the case moved or the claim is not op's.
 */
enum pc_rc store_idv_decide(struct db *db, const struct store_idv_case *c,
    const char *from, const char *op, int64_t now);
/* Keep the case's evidence until `until` (then ra_purge deletes it). */
enum pc_rc store_idv_set_retain(struct db *db, const char *id, int64_t until);
/* Cases whose retention ended (retain_until <= now, not purged). */
enum pc_rc store_idv_expired(struct db *db, int64_t now, int64_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_idv_case *c), void *arg);
/* Erase a case's personal data (the files are the caller's). */
enum pc_rc store_idv_purged(struct db *db, const char *id, int64_t now);
/* Set retain_until of open cases created before `before` (abandoned). */
enum pc_rc store_idv_abandon_old(
    struct db *db, int64_t before, int64_t retain_until, int64_t now);

/* ---- files ------------------------------------------------------------ */

/* Record the answer about the phone, once: PC_ESTATE when given already. */
enum pc_rc store_idv_phone_decide(
    struct db *db, const char *id, const char *decision, int64_t now);

void store_idv_file_cleanup(struct store_idv_file *f);
enum pc_rc store_idv_file_insert(struct db *db, const struct store_idv_file *f);
enum pc_rc store_idv_file_get(struct db *db, const char *case_id,
    const char *kind, struct store_idv_file *f);
/*
 * Reserve the file for a piece at offset: PC_ESTATE when its length is not
 * offset, it is final, or another piece is being written (busy_until >
 * now).
 */
enum pc_rc store_idv_file_reserve(struct db *db, const char *case_id,
    const char *kind, int64_t offset, int64_t until, int64_t now);
/* Store the new writing state after a piece (releases the reservation). */
enum pc_rc store_idv_file_commit(
    struct db *db, const struct store_idv_file *f, int64_t old_plain_len);
/* Release a reservation without a change (a piece that failed). */
enum pc_rc store_idv_file_unreserve(
    struct db *db, const char *case_id, const char *kind);
enum pc_rc store_idv_files_each(struct db *db, const char *case_id,
    enum pc_rc (*fn)(void *arg, const struct store_idv_file *f), void *arg);
/* Delete the rows of a case's files (after the files themselves). */
enum pc_rc store_idv_files_delete(struct db *db, const char *case_id);

#endif /* PC_STORE_IDV_H */
