/*
 * signer_int.h: what the files of src/signer share and nobody else sees.
 */
#ifndef PC_SIGNER_INT_H
#define PC_SIGNER_INT_H

#include "base/buf.h"
#include "base/conf.h"
#include "signer/signer.h"
#include "store/store.h"

/*
 * One request/reply on a free channel of the client (signer_client.c).
 * OUT: *reply (buf_cleanup). PC_EUNAVAIL when the signer is not there.
 */
enum pc_rc signer_call(struct signer_client *sc, uint16_t type,
    const struct buf *body, uint16_t want, struct buf *reply);

/* The TOTP part of the signer process (signer_totp.c). */
struct signer_totp;

/* Read the key file and open the store. OUT: *out. */
enum pc_rc signer_totp_open(const struct conf *conf, struct signer_totp **out);
void signer_totp_close(struct signer_totp *t);
/* Answer one TOTP message of type into reply (always a TOTP_REPLY). */
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
/* Answer one SIGN_USER into reply (always a SIGN_USER_REPLY). */
void signer_user_handle(
    struct signer_user *u, struct signer_rd *rd, struct buf *reply);

#endif /* PC_SIGNER_INT_H */
