/*
 * store_outbox.h: typed functions for the notification outbox (the
 * "outbox" table, migration 2). Used by src/notify only.
 *
 * A row goes queued -> sending (claimed by one worker with a random claim
 * token) -> sent | queued (retry later) | failed. Every transition after
 * the claim names the claim token, so a worker whose claim was taken back
 * (store_outbox_release_stale) cannot overwrite another worker's result.
 * Like every typed function, these run in the caller's transaction when
 * one is open (notify_enqueue relies on that).
 */
#ifndef PC_STORE_OUTBOX_H
#define PC_STORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"

#define OUTBOX_QUEUED "queued"
#define OUTBOX_SENDING "sending"
#define OUTBOX_SENT "sent"
#define OUTBOX_FAILED "failed"

#define OUTBOX_TOKEN_MAX 64 /* claim token, hex */

struct store_outbox {
	int64_t id;
	int64_t created_at;
	char *channel; /* "email" or "sms" */
	char *recipient;
	char *template_id;
	char *lang;
	char *vars;       /* JSON object text; "{}" once wiped */
	char *status;     /* OUTBOX_* */
	int64_t attempts; /* attempts started, including a running one */
	int64_t next_at;
	int64_t sent_at;  /* 0 until sent */
	char *driver;     /* the driver that delivered it, or NULL */
	char *last_error; /* short reason, never message content */
};

/* Insert a queued row due at now. OUT: *id. All strings are copied. */
enum pc_rc store_outbox_insert(struct db *db, const char *channel,
    const char *recipient, const char *template_id, const char *lang,
    const char *vars_json, int64_t now, int64_t *id);
/*
 * Ids of up to max queued rows due at now (next_at <= now), oldest first.
 * OUT: ids[0..*n).
 */
enum pc_rc store_outbox_due(
    struct db *db, int64_t now, int64_t *ids, size_t max, size_t *n);
/*
 * Claim a queued row: one UPDATE ... WHERE id = $ AND status = 'queued'
 * that sets status 'sending', the token and claim time, and counts the
 * attempt. PC_ESTATE when the row is not queued any more (another worker
 * or node took it, or it is final). OUT: *row (store_outbox_cleanup).
 */
enum pc_rc store_outbox_claim(struct db *db, int64_t id, const char *token,
    int64_t now, struct store_outbox *row);
/*
 * Mark a claimed row sent by driver. wipe_vars replaces the variables
 * (codes, links) by "{}". PC_ESTATE when the claim was lost.
 */
enum pc_rc store_outbox_mark_sent(struct db *db, int64_t id, const char *token,
    const char *driver, bool wipe_vars, int64_t now);
/* Put a claimed row back in the queue, due at next_at. */
enum pc_rc store_outbox_mark_retry(struct db *db, int64_t id, const char *token,
    int64_t next_at, const char *error);
/* Give up on a claimed row (final); its variables are wiped. */
enum pc_rc store_outbox_mark_failed(
    struct db *db, int64_t id, const char *token, const char *error);
/*
 * Requeue rows left 'sending' since before "before" (a worker died while
 * sending). OUT: *n rows requeued. Such a message may go out twice.
 */
enum pc_rc store_outbox_release_stale(
    struct db *db, int64_t before, int64_t *n);
/* One row by id. PC_ENOTFOUND when absent. */
enum pc_rc store_outbox_get(
    struct db *db, int64_t id, struct store_outbox *row);
/*
 * Call fn for up to limit rows, newest first; driver NULL for all rows,
 * else only those delivered by that driver. fn's row is valid during the
 * call; a non-PC_OK return stops the walk and is returned.
 */
enum pc_rc store_outbox_each(struct db *db, const char *driver, size_t limit,
    enum pc_rc (*fn)(void *arg, const struct store_outbox *row), void *arg);
void store_outbox_cleanup(struct store_outbox *row);

/* ---- attachments (table outbox_attachments, migration 6) ------------ */

/* One attachment of an outbox message; strings and data are malloc()ed. */
struct store_outbox_att {
	int64_t outbox_id;
	int64_t n; /* 0, 1, ... in the message's order */
	char *filename;
	char *content_type;
	uint8_t *data; /* NULL when listed without the bytes */
	size_t len;    /* bytes of the data (also when not loaded) */
};

/* Insert attachment n of outbox_id; everything is copied. */
enum pc_rc store_outbox_att_insert(struct db *db, int64_t outbox_id, int64_t n,
    const char *filename, const char *content_type, const uint8_t *data,
    size_t len);
/*
 * The attachments of outbox_id in order, with their bytes when with_data.
 * OUT: *out (store_outbox_att_free), *count (0 and NULL when none).
 */
enum pc_rc store_outbox_att_list(struct db *db, int64_t outbox_id,
    bool with_data, struct store_outbox_att **out, size_t *count);
/* Attachment n of outbox_id with its bytes. PC_ENOTFOUND when absent. */
enum pc_rc store_outbox_att_get(
    struct db *db, int64_t outbox_id, int64_t n, struct store_outbox_att *out);
/* Delete the attachments of outbox_id. OUT: *deleted (may be NULL). */
enum pc_rc store_outbox_att_delete(
    struct db *db, int64_t outbox_id, int64_t *deleted);
void store_outbox_att_cleanup(struct store_outbox_att *a);
/* Clean up a[0..count) and free a; NULL is a no-op. */
void store_outbox_att_free(struct store_outbox_att *a, size_t count);

#endif /* PC_STORE_OUTBOX_H */
