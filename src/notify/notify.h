/*
 * notify.h: e-mail and SMS notifications through a transactional outbox.
 *
 * A caller enqueues a message (a template id, a language and variables) in
 * its own database transaction: when the transaction rolls back, nothing is
 * sent. A delivery pass (notify_run_once; in pecete serve the "notify" job
 * of src/jobs, a pass every second on every node) claims due messages
 * atomically, renders them, hands them to the driver of their
 * channel and marks them sent, or queued again with exponential back-off,
 * or failed after [notify] max_attempts.
 *
 * Drivers: e-mail "smtp" (libcurl) or "outbox"; SMS "sms-http" (JSON POST
 * to a gateway) or "outbox". The outbox driver sends nothing: messages are
 * shown at /dev/outbox when [server] dev_mode is on.
 *
 * Variables are a JSON object of strings (or integers). Never log them:
 * they hold codes and links. Log lines name the outbox id, channel,
 * template, attempt and result only. See docs/internals/notify.md.
 */
#ifndef PC_NOTIFY_H
#define PC_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/pc.h"
#include "store/store.h"

enum notify_channel {
	NOTIFY_EMAIL = 1,
	NOTIFY_SMS = 2,
};

/* Longest recipient: an e-mail address (RFC 5321 path limit). */
#define NOTIFY_TO_MAX 254
/* Limits on what a caller may pass. */
#define NOTIFY_VARS_MAX 32
#define NOTIFY_VAR_MAX 2048 /* bytes of one value */

/*
 * Queue a message in db's current transaction (or on its own when none is
 * open). ch must be the channel of template_id; to is an e-mail address
 * (EMAIL) or an E.164 number "+40..." (SMS); lang is "ro" or "en" (NULL:
 * "ro"); vars holds every variable the template needs (NULL when none; not
 * stolen). The message is rendered once here to catch a missing variable
 * early. OUT: *id_out the outbox id (may be NULL).
 * PC_EINVAL for an unknown template, a wrong channel, a bad recipient or
 * language, a missing or malformed variable; PC_EDB from the store.
 */
enum pc_rc notify_enqueue(struct db *db, enum notify_channel ch, const char *to,
    const char *template_id, const char *lang, json_t *vars, int64_t *id_out);

/* ---- attachments (e-mail only) ------------------------------------- */

#define NOTIFY_ATT_MAX 8                        /* attachments per message */
#define NOTIFY_ATT_BYTES_MAX (5 * 1024 * 1024)  /* one attachment */
#define NOTIFY_ATT_TOTAL_MAX (10 * 1024 * 1024) /* all of one message */
#define NOTIFY_ATT_NAME_MAX 100                 /* bytes of a filename */
#define NOTIFY_ATT_TYPE_MAX 100                 /* bytes of a content type */

/* A file to attach; every member is borrowed (copied by the enqueue). */
struct notify_attachment {
	const char *filename;     /* ASCII or UTF-8; sanitised */
	const char *content_type; /* e.g. "application/pdf" */
	const uint8_t *data;
	size_t len;
};

/*
 * notify_enqueue plus attachments, stored with the message in the table
 * outbox_attachments in the same transaction (db's current one; when none
 * is open, one of its own so that a worker never sees the message without
 * its files). att[0..natt) is copied; NULL/0 is notify_enqueue. Filenames
 * are sanitised (notify_attachment_filename). The SMTP driver sends them
 * as base64 parts of a multipart/mixed message and deletes the rows once
 * the message is sent or failed; the outbox driver keeps them for
 * /dev/outbox. OUT: *id_out (may be NULL).
 * PC_ELIMIT for more than NOTIFY_ATT_MAX attachments, one larger than
 * NOTIFY_ATT_BYTES_MAX or all larger than NOTIFY_ATT_TOTAL_MAX;
 * PC_EINVAL for attachments on the SMS channel, a malformed content type
 * ("type/subtype", no parameters), data NULL with len > 0, or any reason
 * of notify_enqueue; PC_EDB from the store.
 */
enum pc_rc notify_enqueue_with_attachments(struct db *db,
    enum notify_channel ch, const char *to, const char *template_id,
    const char *lang, json_t *vars, const struct notify_attachment *att,
    size_t natt, int64_t *id_out);

/*
 * The filename a recipient sees for name: its last path component (after
 * the last '/' or '\\'), without control characters, '"', leading dots
 * or spaces, and invalid UTF-8 bytes (replaced by '_'); cut to at most
 * NOTIFY_ATT_NAME_MAX bytes between characters, keeping a short extension.
 * "attachment" when nothing is left. OUT: out (NUL-terminated).
 */
void notify_attachment_filename(
    const char *name, char out[NOTIFY_ATT_NAME_MAX + 1]);

/* ---- rendering ----------------------------------------------------- */

/* A rendered message. Strings are malloc()ed; free with notify_msg_cleanup. */
struct notify_msg {
	int64_t id; /* outbox id, 0 when not from the outbox */
	enum notify_channel ch;
	char *to;
	char *subject; /* e-mail only, else NULL */
	char *text;    /* the text/plain part or the SMS text */
	char *html;    /* e-mail only: a whole HTML document */
	/* Attachments (delivery only): borrowed from the delivery pass. */
	const struct notify_attachment *att;
	size_t natt;
};

/*
 * Render template_id in lang ("ro", "en") with vars. {{name}} is replaced
 * by vars.name; in the HTML part the value is HTML-escaped. A variable
 * named "link" must be an http(s) URL; "code" and "link" must not be
 * empty; "minutes" and "hours" are numbers (or digit strings) rendered
 * with their unit in the language ("10 minute", "48 de ore", "1 hour")
 * and have per-template defaults. OUT: *out.
 * PC_ENOTFOUND for an unknown template; PC_EINVAL for a missing or bad
 * variable.
 */
enum pc_rc notify_render(const char *template_id, const char *lang,
    json_t *vars, struct notify_msg *out);
void notify_msg_cleanup(struct notify_msg *m);

/* The channel of a template; 0 when unknown. */
enum notify_channel notify_template_channel(const char *template_id);
/* The i-th template id (from 0), NULL past the last (tests, docs). */
const char *notify_template_id(size_t i);

/* Append s to b with &, <, >, " and ' escaped for HTML text/attributes. */
void notify_html_escape(struct buf *b, const char *s);

/*
 * The back-off after the attempt-th failed attempt (1-based): base * 2^(n-1)
 * seconds, at most NOTIFY_RETRY_MAX_S.
 */
#define NOTIFY_RETRY_MAX_S (6 * 3600)
int64_t notify_retry_delay(int64_t base_s, int64_t attempt);

/* ---- delivery -------------------------------------------------------- */

struct notify;

/*
 * A delivery context for conf's [notify] drivers over store. Secrets (SMTP
 * password, gateway token) are read from their files at each send. Both
 * conf and store must outlive it. OUT: *out, free with notify_free.
 */
enum pc_rc notify_new(
    const struct conf *conf, struct store *store, struct notify **out);
void notify_free(struct notify *n);

/*
 * One delivery pass: requeue stale claims, then claim and deliver every
 * message due now (at most a batch). OUT: *nsent, *nfailed (may be NULL)
 * count messages sent and given up in this pass.
 */
enum pc_rc notify_run_once(struct notify *n, int *nsent, int *nfailed);

/* The state of one outbox message, for the CLI and tests. */
struct notify_status {
	char status[16]; /* queued, sending, sent, failed */
	int64_t attempts;
	int64_t next_at;
	char driver[16]; /* who delivered it, "" until sent */
};
enum pc_rc notify_status_get(
    struct store *store, int64_t id, struct notify_status *st);

/* ---- development outbox ---------------------------------------------- */

/*
 * The messages delivered by the outbox driver, newest first (at most
 * limit), rendered again from their stored variables: as an HTML page
 * (json false) or {"messages":[{id, channel, to, template, lang, subject,
 * text, html, vars, created_at, attachments: [{n, filename, content_type,
 * size}]}]} into out.
 */
enum pc_rc notify_dev_outbox(
    struct store *store, bool json, size_t limit, struct buf *out);

/*
 * Attachment n (from 0) of outbox message id, when the outbox driver
 * delivered that message: its bytes appended to out, its content type
 * and sanitised filename copied. PC_ENOTFOUND otherwise.
 * OUT: out, ctype[NOTIFY_ATT_TYPE_MAX + 1], fname[NOTIFY_ATT_NAME_MAX + 1].
 */
enum pc_rc notify_dev_attachment(struct store *store, int64_t id, int64_t n,
    struct buf *out, char *ctype, char *fname);

#endif /* PC_NOTIFY_H */
