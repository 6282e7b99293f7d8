/*
 * inbox.h: the operators' inbox (privacy policy: questions, complaints and
 * the right to rectification, art. 16). Anyone sends a message with the
 * contact form; a signed-in person asks for a correction of their data.
 * Either takes up to INBOX_FILES_MAX attachments (PDF, JPEG, PNG, each up
 * to INBOX_FILE_MAX bytes, encrypted in the vault) within an hour, with
 * the upload token the sending gave. Operators list, read and answer; the
 * answer is e-mailed and closes the message; closed messages go after
 * [privacy] messages_years (inbox_purge, from the retention job).
 * See docs/internals/inbox.md.
 */
#ifndef PC_INBOX_H
#define PC_INBOX_H

#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "store/store.h"
#include "store/store_inbox.h"

#define INBOX_FILE_MAX (5 * 1024 * 1024)
#define INBOX_UPLOAD_S 3600
#define INBOX_TOKEN_LEN 64
#define INBOX_BODY_MAX 4000 /* characters */

struct inbox_new {
	const char *kind;    /* INBOX_CONTACT or INBOX_RECTIFY */
	const char *user_id; /* the signed-in person; NULL for the form */
	const char *name, *email, *lang;
	const char *topic; /* contact: question|complaint|privacy|other;
	                      rectification: the data to correct */
	const char *body;
};

/*
 * Check and keep m; e-mail its sender a receipt (inbox_received), audit
 * (inbox.send: id, kind, topic). OUT: id (STORE_ID_LEN + 1), token
 * (INBOX_TOKEN_LEN + 1): the upload token. PC_EINVAL field_invalid with
 * the field named.
 */
enum pc_rc inbox_send(const struct pc_env *e, const struct inbox_new *m,
    char *id, char *token, struct pc_err *err);
/*
 * Add a file to message id with its upload token: name (shown; path parts
 * dropped), the bytes p[0..n). OUT: *nth (1..INBOX_FILES_MAX).
 */
enum pc_rc inbox_attach(const struct pc_env *e, const char *id,
    const char *token, const char *name, const uint8_t *p, size_t n,
    int64_t *nth, struct pc_err *err);
/* Messages in state ("" all), newest first. OUT: *out [{...}] (new ref). */
enum pc_rc inbox_list(const struct pc_env *e, const char *state, json_t **out);
/* One message with its files. OUT: *out (new ref). */
enum pc_rc inbox_show(
    const struct pc_env *e, const char *id, json_t **out, struct pc_err *err);
/* File n of message id into out; ctype (32) and name (128) set. */
enum pc_rc inbox_file(const struct pc_env *e, const char *id, int64_t n,
    struct buf *out, char *ctype, char *name, struct pc_err *err);
/* The operator's answer: e-mailed to the sender (inbox_answer), the
 * message closed, audited (inbox.answer). */
enum pc_rc inbox_answer(const struct pc_env *e, const char *id,
    const char *operator_id, const char *answer, struct pc_err *err);
/* Retention: messages closed before `before` deleted with their files,
 * in db's write transaction. OUT: *n. */
enum pc_rc inbox_purge(
    const struct pc_env *e, struct db *db, int64_t before, int64_t *n);

#endif /* PC_INBOX_H */
