/*
 * signer_int.h: what the files of src/signer share (and the signer's fuzz
 * target and tests; nobody else includes it).
 */
#ifndef PC_SIGNER_INT_H
#define PC_SIGNER_INT_H

#include "base/buf.h"
#include "base/conf.h"
#include "signer/signer.h"
#include "signer/signer_msg.h"
#include "store/store.h"

/*
 * One request/reply on a free channel of the client (signer_client.c).
 * OUT: *reply (buf_cleanup). PC_EUNAVAIL when the signer is not there.
 */
enum pc_rc signer_call(struct signer_client *sc, uint16_t type,
    const struct buf *body, uint16_t want, struct buf *reply);
/*
 * A request of the table: req (its struct; NULL for PING) encoded, the
 * reply of its row decoded into rep, whose bytes point into *reply
 * (buf_cleanup after use; it is wiped). PC_EINVAL when req is out of its
 * bounds (nothing sent); PC_EINTERNAL for a malformed reply.
 */
enum pc_rc signer_call_msg(struct signer_client *sc, uint16_t type,
    const void *req, void *rep, struct buf *reply);

/* The TOTP part of the signer process (signer_totp.c). */
struct signer_totp;

/* Read the key file and open the store. OUT: *out. */
enum pc_rc signer_totp_open(const struct conf *conf, struct signer_totp **out);
/* Seal the audit rows t writes with h's audit key (ops_audit_seal_hsm). */
void signer_totp_sealer(struct signer_totp *t, struct hsm *h);
void signer_totp_close(struct signer_totp *t);
/*
 * Answer one TOTP request of type (decoded into q when drc is PC_OK; a
 * decoding failure is answered with drc) into reply: always a TOTP_REPLY.
 * t may be NULL (no key file): PC_EUNAVAIL.
 */
void signer_totp_serve(struct signer_totp *t, uint16_t type, enum pc_rc drc,
    const struct signer_m_totp *q, struct buf *reply);
/* The same from a raw body (tests): decoded by the table first. */
void signer_totp_handle(struct signer_totp *t, uint16_t type,
    struct signer_rd *rd, struct buf *reply);

/*
 * Check a TOTP code of user for purpose inside the caller's transaction
 * on db (the VERIFY rules: window, replay, failures and lockout). r->result
 * says the outcome; the caller commits (failures must be kept).
 */
enum pc_rc signer_totp_check(struct signer_totp *t, struct db *db,
    const char *user, const char *purpose, const char *code,
    struct signer_totp_reply *r);

/* Holders' keys with SAD (signer_user.c). */
struct signer_user;

/* Open the store for SIGN_USER. totp and hsm are borrowed. OUT: *out. */
enum pc_rc signer_user_open(const struct conf *conf, struct hsm *hsm,
    struct signer_totp *totp, struct signer_user **out);
void signer_user_close(struct signer_user *u);
/*
 * Delete the HSM key pairs of issuances that never completed, recorded
 * more than SIGNER_SWEEP_S ago (twice the issuance's deadline: another
 * node's issuance under way is never touched); at start, and before each
 * issuance.
 */
#define SIGNER_SWEEP_S (2 * SIGNER_ISSUE_TIMEOUT_MS / 1000)
void signer_user_sweep(struct signer_user *u);
/*
 * Answer one SIGN_USER (decoded into q when drc is PC_OK) into reply:
 * always a SIGN_USER_REPLY. u may be NULL: PC_EUNAVAIL.
 */
void signer_user_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_sign_user *q, struct buf *reply);
/* Answer one ISSUE_USER: always an ISSUE_USER_REPLY (see signer.h). */
void signer_issue_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_issue_user *q, struct buf *reply);

/* ---- the signer process: its state and the dispatcher ----------------- */

#define SIGNER_SERVICE_KEYS 4 /* issuing, ocsp, tsa; audit seal */

struct signer_srv {
	const struct conf *conf;
	struct hsm *hsm; /* NULL only in the fuzz target */
	char allowed[SIGNER_SERVICE_KEYS][HSM_LABEL_MAX];
	size_t nallowed;
	struct signer_totp *totp; /* NULL without a TOTP key */
	struct signer_user *user; /* SIGN_USER (holders' keys) */
};

/*
 * Answer one message received by the signer (signer_dispatch.c): it must
 * be a request of the table; its body is decoded by the table, answered
 * by its handler and the reply encoded by the table into reply (buf_init
 * by the caller), its type in *rtype. PC_OK to send the reply;
 * PC_EINVAL when the channel must close (not a request, or a reply that
 * could not be built).
 */
enum pc_rc signer_dispatch(struct signer_srv *srv, uint16_t type,
    const uint8_t *body, size_t len, uint16_t *rtype, struct buf *reply);
/*
 * Encode a reply of type from msg into reply; a reply out of its bounds is
 * a bug: logged, and reply marked failed (the channel closes).
 */
void signer_reply(struct buf *reply, uint16_t type, const void *msg);

#endif /* PC_SIGNER_INT_H */
