/*
 * signer_int.h: what the files of src/signer share (and the signer's fuzz
 * target and tests; nobody else includes it).
 */
#ifndef PC_SIGNER_INT_H
#define PC_SIGNER_INT_H

#include <pthread.h>

#include "base/buf.h"
#include "base/conf.h"
#include "signer/signer.h"
#include "signer/signer_msg.h"
#include "store/store.h"
#include "store/store_account.h"

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

/*
 * Kill the process on the system calls a signer never makes
 * (signer_seccomp.c): exec, fork, listen, ptrace, identity changes...
 * PC_EIO when the kernel refuses the filter.
 */
enum pc_rc signer_seccomp_install(void);

/*
 * Fork and exec the signer program (argv) with nchan channels on fds
 * 3..3+nchan-1 (signer_keeper.c). OUT: web_fds[nchan], *pid.
 */
enum pc_rc signer_exec_child(const char *exe, char *const argv[],
    unsigned nchan, int web_fds[], pid_t *pid);
/* Fork the keeper (as root). OUT: *ctl (its control socket), *pid. */
enum pc_rc signer_keeper_start(const char *exe, char *const argv[],
    unsigned nchan, const struct signer_ids *ids, int *ctl, pid_t *pid);
/* Ask the keeper for a signer. OUT: web_fds[nchan], *pid. */
enum pc_rc signer_keeper_spawn(
    int ctl, unsigned nchan, int web_fds[], pid_t *pid);
/* Wait for the keeper to report pid's end. OUT: *status (waitpid's).
 * PC_EIO when the keeper is gone. */
enum pc_rc signer_keeper_wait(int ctl, pid_t pid, int *status);
/* Ask the keeper to kill the running signer. */
void signer_keeper_kill(int ctl);

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
#define GRANTS_MAX 16
#define GRANT_TTL_S 300

struct grant {
	char serial[STORE_SERIAL_MAX + 1];
	uint8_t hash[32]; /* SHA-256 of the grant's hex */
	int64_t until;    /* 0: free */
};

struct signer_csc;
struct pki;

struct signer_user {
	const struct conf *conf;
	struct hsm *hsm;          /* borrowed */
	struct signer_totp *totp; /* borrowed; NULL: no TOTP key */
	struct store *store;
	pthread_mutex_t mu; /* issuance one at a time; pki, grants */
	struct pki *pki;    /* opened at the first issuance */
	struct grant grants[GRANTS_MAX];
	struct signer_csc *csc; /* the CSC API's SADs (signer_csc.c) */
};

/* A signing request as C strings and hashes (SIGN_USER, CSC_SIGN). */
struct signer_uq {
	char serial[STORE_SERIAL_MAX + 1];
	char sad[SIGNER_SAD_MAX + 1];
	uint16_t mech;
	uint32_t md;
	uint16_t nts, n;
	const uint8_t *hashes[SIGNER_USER_HASHES_MAX];
	size_t hlen;
	/* A renewal's terms (SIGN_USER): no transaction taken, the request
	 * submitted in the record's transaction. "" otherwise. */
	char renewal[STORE_ID_LEN + 1];
	char terms[SIGNER_TERMS_MAX + 1];
};

/*
 * The credential q->serial and its signing certificate at now: *res says
 * whether it may sign q->n hashes and q->nts timestamps (known, valid,
 * enough transactions, or for q->renewal: the holder's draft request for
 * this credential); OUT: *cr and the key's label. known: the certificate
 * when the caller has read it already, else NULL (it is read here).
 */
struct store_credential;
struct store_cert;
enum pc_rc signer_user_check(struct db *db, const struct signer_uq *q,
    int64_t now, const struct store_cert *known, struct store_credential *cr,
    char *label, size_t lsize, enum signer_user_result *res);
/*
 * Sign q's hashes with the key label (several threads for a large
 * batch). OUT: *sigs (calloc()ed, the caller frees it, also on failure),
 * siglens. PC_ENOMEM, or the HSM's code (PC_EINVAL: a mechanism or digest
 * the key cannot do).
 */
enum pc_rc signer_user_sign_all(struct hsm *h, const char *label,
    const struct signer_uq *q, uint8_t (**sigs)[HSM_SIG_MAX], size_t *siglens);
/*
 * Take the transactions and write the records and the audit (event), in
 * one transaction shared with the records of other requests finishing at
 * the same time (signer_record.c); *res USER_R_QUOTA when another request
 * took them.
 */
enum pc_rc signer_user_record(struct db *db, const struct signer_uq *q,
    uint8_t (*sigs)[HSM_SIG_MAX], const size_t *siglens, int64_t now,
    const char *event, enum signer_user_result *res, int64_t *left);
/* The most records one group commit has held so far (tests). */
size_t signer_record_largest(void);
/*
 * Sign q's hashes with the key labelled label, then record them (audit
 * event): *res USER_R_OK with the signatures in *sigs (malloc'd, also on
 * refusal: free it) and siglens; an HSM failure counts nothing
 * (USER_R_SIGN_FAILED, or USER_R_ALGO for a mechanism the key cannot do).
 */
enum pc_rc signer_user_sign_record(struct signer_user *u, struct db *db,
    const struct signer_uq *q, const char *label, const char *event,
    int64_t now, uint8_t (**sigs)[HSM_SIG_MAX], size_t *siglens,
    enum signer_user_result *res, int64_t *left);
/* The SIGN_USER_REPLY: signatures only with PC_OK and USER_R_OK. */
void signer_user_reply_send(struct buf *reply, enum pc_rc rc,
    enum signer_user_result res, uint32_t retry, int64_t left,
    const struct signer_uq *q, uint8_t (*sigs)[HSM_SIG_MAX],
    const size_t *siglens);
/*
 * A SIGN_USER_REPLY r (decoded) into out for a request of want hashes:
 * the signatures copied (signer_user_reply_cleanup). PC_EINTERNAL when
 * an OK does not carry want signatures.
 */
enum pc_rc signer_user_reply_take(const struct signer_m_sign_user_reply *r,
    unsigned want, struct signer_user_reply *out);
/*
 * Send a hash-signing request q (SIGN_USER or CSC_SIGN, qsize bytes, its
 * hashes put into slots here) and take its SIGN_USER_REPLY for n hashes
 * into out. q is wiped and freed (it points at the code or the SAD).
 */
enum pc_rc signer_sign_call(struct signer_client *sc, uint16_t type, void *q,
    size_t qsize, struct signer_bytes *slots,
    const uint8_t (*hashes)[SIGNER_HASH_MAX], unsigned n, size_t hlen,
    struct signer_user_reply *out);
/* s as the bytes of a text field ("" for NULL). */
void signer_bytes_of(struct signer_bytes *b, const char *s);
/*
 * The end of a call whose reply carries a secret (a SAD, a grant): the
 * reply buffer freed; on failure the secret wiped and *result
 * USER_R_SIGN_FAILED. Returns rc.
 */
enum pc_rc signer_reply_end(struct buf *reply, enum pc_rc rc, void *secret,
    size_t n, enum signer_user_result *result);
/*
 * A zeroed request of size bytes (calloc) to sign n hashes of hlen bytes;
 * NULL with *rc PC_EINVAL when they do not fit a message (none, more than
 * SIGNER_USER_HASHES_MAX, longer than SIGNER_HASH_MAX), or PC_ENOMEM.
 */
void *signer_hash_q(size_t size, unsigned n, size_t hlen, enum pc_rc *rc);
/* slots[0..n) pointing at the n hashes of hlen bytes (not copied). */
void signer_hashes_of(struct signer_bytes *slots,
    const uint8_t (*hashes)[SIGNER_HASH_MAX], unsigned n, size_t hlen);
/* A TOTP outcome as a signing result. */
enum signer_user_result signer_user_totp_result(enum signer_totp_result r);

/* The CSC API's SADs (signer_csc.c). */
enum pc_rc signer_csc_new(struct signer_csc **out);
void signer_csc_free(struct signer_csc *c);
void signer_csc_authorize_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_authorize *m, struct buf *reply);
void signer_csc_sign_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_sign *m, struct buf *reply);
void signer_csc_sign_doc_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_sign_doc *m, struct buf *reply);
void signer_csc_extend_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_csc_sign *m, struct buf *reply);

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

/* Answer one SIGN_RECOVER (signer_recover.c): always a SIGN_RECOVER_REPLY
 * (see signer.h). u may be NULL: PC_EUNAVAIL. */
void signer_recover_serve(struct signer_user *u, enum pc_rc drc,
    const struct signer_m_sign_recover *q, struct buf *reply);

/* Answer one KEYS_RETIRE (signer_retire.c): always a KEYS_RETIRE_REPLY.
 * u may be NULL: PC_EUNAVAIL. */
void signer_retire_serve(
    struct signer_user *u, enum pc_rc drc, struct buf *reply);

/* ---- the signer process: its state and the dispatcher ----------------- */

#define SIGNER_SERVICE_KEYS 5 /* issuing, ocsp, tsa, eseal; audit seal */

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
