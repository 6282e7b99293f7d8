/*
 * signer.h: the signing process, our Signature Activation Module.
 *
 * `pecete serve` forks the signer before anything else. The signer is the
 * only process that reads the HSM PIN and holds HSM sessions. The web side
 * talks to it over socketpairs with typed, size-checked messages:
 *
 *   header  u32 magic "PCSG", u16 version, u16 type, u32 id, u32 length
 *   body    length bytes, at most conf.signer.max_message
 *
 * Bodies are described once, in the message table (signer_msg.h,
 * signer_msg.c): per type, who may send it, its reply and its fields
 * (big-endian u16/u32 in bounds, u16-length-prefixed bytes and text in
 * bounds, lists of them). Both sides encode and decode through it, and a
 * receiver checks the header's type and length against it before reading
 * the body: a type the receiver does not take, or a length past the
 * type's largest body, closes the channel; a request whose fields are out
 * of bounds is answered PC_EINVAL. Requests:
 *
 *   PING                       -> PONG
 *   SIGN_SERVICE label mech md hash -> SIG rc sig
 *        signs with a service key: only the online keys of the hierarchy
 *        (issuing CA, OCSP responder, TSA) are allowed; the root key and
 *        holders' keys are refused (holders' keys: SIGN_USER, with SAD).
 *
 * The client side keeps one channel per concurrent request (a pool); when
 * the signer dies, requests in flight fail with PC_EUNAVAIL at once (EOF),
 * the supervisor restarts it, and the next requests use the new channels.
 */
#ifndef PC_SIGNER_H
#define PC_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/pc.h"
#include "hsm/hsm.h"

#define SIGNER_MAGIC 0x50435347u /* "PCSG" */
#define SIGNER_VERSION 1
#define SIGNER_HDR_LEN 16
#define SIGNER_HASH_MAX 64
#define SIGNER_CHANNELS_MAX 32

enum signer_msg {
	SIGNER_MSG_PING = 1,
	SIGNER_MSG_PONG = 2,
	SIGNER_MSG_SIGN_SERVICE = 3,
	SIGNER_MSG_SIG = 4,
	/* TOTP (signer_totp.c): the signer alone decrypts the secrets. */
	SIGNER_MSG_TOTP_ENROL_BEGIN = 5,
	SIGNER_MSG_TOTP_ENROL_CONFIRM = 6,
	SIGNER_MSG_TOTP_VERIFY = 7,
	SIGNER_MSG_TOTP_QR_URI = 8,
	SIGNER_MSG_TOTP_REPLY = 9,
	SIGNER_MSG_TOTP_PEEK = 10,
	/* Holders' keys, with SAD (signer_user.c). */
	SIGNER_MSG_SIGN_USER = 20,
	SIGNER_MSG_SIGN_USER_REPLY = 21,
	SIGNER_MSG_ISSUE_USER = 22,
	SIGNER_MSG_ISSUE_USER_REPLY = 23,
	/* The CSC API's SAD (signer_csc.c): minted and spent here. */
	SIGNER_MSG_CSC_AUTHORIZE = 24,
	SIGNER_MSG_CSC_SAD_REPLY = 25,
	SIGNER_MSG_CSC_SIGN = 26,
	SIGNER_MSG_CSC_EXTEND = 27,
	SIGNER_MSG_CSC_SIGN_DOC = 28,
	/* A browser batch a dead node left signing (signer_recover.c). */
	SIGNER_MSG_SIGN_RECOVER = 30,
	SIGNER_MSG_SIGN_RECOVER_REPLY = 31,
	/* Holders' keys at the end of their life (signer_retire.c). */
	SIGNER_MSG_KEYS_RETIRE = 32,
	SIGNER_MSG_KEYS_RETIRE_REPLY = 33,
};

struct signer_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t id;
	uint32_t len;
};

/* ---- wire helpers (signer_proto.c) ------------------------------------ */

void signer_hdr_encode(const struct signer_hdr *h, uint8_t out[SIGNER_HDR_LEN]);
/* PC_EINVAL when the magic/version is wrong or len > max. */
enum pc_rc signer_hdr_decode(
    const uint8_t in[SIGNER_HDR_LEN], size_t max, struct signer_hdr *h);

/* A read cursor over a received body; every get checks the bounds. */
struct signer_rd {
	const uint8_t *p;
	size_t n;
	bool bad; /* sticky: a get went past the end */
};
void signer_put_u16(struct buf *b, uint16_t v);
void signer_put_u32(struct buf *b, uint32_t v);
void signer_put_bytes16(struct buf *b, const void *p, size_t n);
uint16_t signer_get_u16(struct signer_rd *r);
uint32_t signer_get_u32(struct signer_rd *r);
/* A borrowed pointer into the body; *n gets the length (<= max). */
const uint8_t *signer_get_bytes16(struct signer_rd *r, size_t max, size_t *n);

/* Send one message; PC_EIO on a broken channel. */
enum pc_rc signer_send(
    int fd, uint16_t type, uint32_t id, const void *body, size_t len);
/*
 * Receive one message within timeout_ms (-1: wait). OUT: body in *out
 * (buf_init'ed here, max bytes). PC_EUNAVAIL on EOF or timeout.
 */
enum pc_rc signer_recv(
    int fd, int timeout_ms, size_t max, struct signer_hdr *h, struct buf *out);

/* ---- the signer process (signer_server.c) ----------------------------- */

/*
 * Run the signer on the given channels until they all close: open the HSM
 * (reading the PIN file), load the allowed service key labels from the
 * store, and answer requests, one thread per channel. Returns the exit
 * status for the child process.
 */
int signer_main(const struct conf *conf, const int *fds, size_t nfds);

/* ---- the web side (signer_client.c) ----------------------------------- */

struct signer_client;

/*
 * Fork the signer with nchan channels and supervise it: a thread waits for
 * it and restarts it (after a short back-off) when it dies.
 * OUT: *out, stop with signer_client_stop.
 */
enum pc_rc signer_client_start(
    const struct conf *conf, unsigned nchan, struct signer_client **out);

/* The two users of a privilege-separated server (signer_privsep.c). */
struct signer_ids {
	uid_t web_uid, signer_uid;
	gid_t web_gid, signer_gid;
};

/*
 * The same, the signer running as ids' signer user: a keeper process
 * (signer_keeper.c) forked now, as root and before any thread, takes that
 * identity and starts the signer whenever asked. The caller then drops to
 * the web user (signer_privsep_drop).
 */
enum pc_rc signer_client_start_as(const struct conf *conf, unsigned nchan,
    const struct signer_ids *ids, struct signer_client **out);

/*
 * [server] user and [signer] user resolved (a name, or UID:GID). PC_OK
 * with *on false when neither is set; PC_EINVAL (err says why) when one
 * is missing, unknown, root, or both are the same.
 */
enum pc_rc signer_privsep_resolve(const struct conf *conf,
    struct signer_ids *ids, bool *on, char *err, size_t errlen);
/*
 * As root: give the data directory's files their owners. The directory
 * root:web group 3770 (the sticky bit: nobody removes another user's
 * file; set-group-ID: what either process makes in it, like SQLite's -wal
 * and -shm files, belongs to the web group); the HSM PIN, TOTP key, SoftHSM
 * configuration and token directory the signer user's alone (0600/0700); the
 * configuration root's, readable by the web group; the SQLite database shared
 * by the group (0660); everything else the web user's.
 */
enum pc_rc signer_privsep_layout(const struct conf *conf,
    const struct signer_ids *ids, char *err, size_t errlen);
/* Become the web user for good (groups, gid, uid; no way back). */
enum pc_rc signer_privsep_drop(const struct signer_ids *ids);
/*
 * The web process's system call filter, once it is the web user of a
 * privilege-separated server (signer_seccomp.c): the signer's deny-list
 * but listen, accept and bind; a denied call kills the process.
 */
enum pc_rc signer_seccomp_web(void);
/* Stop the supervisor, close the channels, wait for the signer to exit. */
void signer_client_stop(struct signer_client *sc);
/* PC_OK when the signer answers a PING within the timeout. */
/*
 * Is the signer process running with a usable channel? A cheap check (no
 * round trip) for requests that should answer 503 at once while it is
 * down or being restarted.
 */
bool signer_client_up(struct signer_client *sc);
enum pc_rc signer_client_ping(struct signer_client *sc);
/* The signer's pid (0 while it is being restarted). */
pid_t signer_client_pid(struct signer_client *sc);
/* Restarts so far. */
unsigned signer_client_restarts(struct signer_client *sc);

/* Calls to the signer by request type (enum signer_msg), for /metrics. */
#define SIGNER_STAT_TYPES 40
struct signer_stat {
	uint64_t calls;       /* sent, or refused as unavailable */
	uint64_t failures;    /* sent; no answer in time or a broken channel */
	uint64_t unavailable; /* not sent: down or every channel busy */
	uint64_t hsm_errors;  /* answered: the HSM failed (PC_EHSM, or a
	                       * signature refused as USER_R_SIGN_FAILED) */
	int64_t ms;           /* time of the sent calls, summed */
};
void signer_client_stats(
    struct signer_client *sc, struct signer_stat out[SIGNER_STAT_TYPES]);

/* Ask the signer to sign a digest with a service key. */
enum pc_rc signer_client_sign_service(struct signer_client *sc,
    const char *label, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen);

/* ---- TOTP (signer_client_totp.c, served by signer_totp.c) -------------- */

/*
 * TOTP_ENROL_BEGIN  u16 user id, u16 account label
 *                   -> TOTP_REPLY u32 rc, u16 result, u32 retry_after,
 *                      u16 base32 secret, u16 otpauth URI
 *      a new 20-byte secret, stored encrypted as the user's PENDING one;
 *      the only reply that carries a secret.
 * TOTP_ENROL_CONFIRM u16 user, u16 code -> TOTP_REPLY (empty strings)
 *      checks the code against the pending secret and activates it (the
 *      old one is replaced at once).
 * TOTP_VERIFY       u16 user, u16 purpose, u16 code -> TOTP_REPLY
 *      window +-1 step; a step <= the last used one is a replay;
 *      totp_max_failures wrong codes lock for totp_lock_s. purpose
 *      ("login", "sad", ...) is logged and audited.
 * TOTP_PEEK         u16 user, u16 purpose, u16 code -> TOTP_REPLY
 *      the VERIFY rules without using the code: a wrong code counts as a
 *      failure (and locks), a used step is a replay, a right fresh code is
 *      TOTP_R_OK and stays unused, for the request (SIGN_USER) that uses
 *      it once. For checking a code before the work it authorizes.
 * TOTP_QR_URI       u16 user, u16 label -> TOTP_REPLY with the URI of the
 *      pending secret, once (for the QR PNG), only while it is pending.
 */
enum signer_totp_result {
	TOTP_R_OK = 0,
	TOTP_R_BAD = 1,    /* wrong code */
	TOTP_R_REPLAY = 2, /* the time step was already used */
	TOTP_R_LOCKED = 3, /* too many failures; retry_after set */
	TOTP_R_NONE = 4,   /* no (pending) secret */
	TOTP_R_GONE = 5,   /* the QR was already served */
};

#define SIGNER_TOTP_ID_MAX 64
#define SIGNER_TOTP_LABEL_MAX 256
#define SIGNER_TOTP_URI_MAX 512
#define SIGNER_TOTP_B32_MAX 64
#define SIGNER_TOTP_CODE_MAX 16    /* bytes of a code as sent */
#define SIGNER_TOTP_PURPOSE_MAX 32 /* "login", "sign", ... */

struct signer_totp_reply {
	enum signer_totp_result result;
	uint32_t retry_after;                 /* seconds, with TOTP_R_LOCKED */
	char secret[SIGNER_TOTP_B32_MAX + 1]; /* ENROL_BEGIN only */
	char uri[SIGNER_TOTP_URI_MAX + 1];    /* ENROL_BEGIN and QR_URI */
};

/* A new pending secret for user; label is the account name in the URI. */
enum pc_rc signer_client_totp_begin(struct signer_client *sc,
    const char *user_id, const char *label, struct signer_totp_reply *out);
enum pc_rc signer_client_totp_confirm(struct signer_client *sc,
    const char *user_id, const char *code, struct signer_totp_reply *out);
enum pc_rc signer_client_totp_verify(struct signer_client *sc,
    const char *user_id, const char *purpose, const char *code,
    struct signer_totp_reply *out);
enum pc_rc signer_client_totp_peek(struct signer_client *sc,
    const char *user_id, const char *purpose, const char *code,
    struct signer_totp_reply *out);
enum pc_rc signer_client_totp_qr_uri(struct signer_client *sc,
    const char *user_id, const char *label, struct signer_totp_reply *out);

/* ---- holders' keys (signer_client_user.c, served by signer_user.c) --- */

/*
 * SIGN_USER  u16 credential (signing certificate serial), u16 SAD (TOTP
 *            code), u16 mech, u32 md nid, u16 timestamps, u16 renewal,
 *            u16 terms version, u16 N, N x u16 hash
 *     -> SIGN_USER_REPLY u32 rc, u16 result, u32 retry_after,
 *            u32 transactions_left, u16 N, N x u16 signature
 * One SAD authorizes the whole batch (N <= SIGNER_USER_HASHES_MAX). The
 * signer checks, in this order: the credential and its certificate (not
 * expired, not revoked), the counter (N + timestamps must be left), the
 * TOTP code (purpose "sign", replay and lockout rules of signer_totp.c),
 * then signs all N hashes and, in ONE transaction, takes N + timestamps
 * from the counter and writes a record per signature and per timestamp.
 * Any refusal or failed signature counts nothing and returns no signature.
 * With a renewal: the terms of that renewal request, signed with the
 * current certificate (J10). One hash, at most one timestamp, and no
 * transaction taken: the request must be the credential holder's, for
 * this credential, still a draft; the same transaction that records the
 * signature submits it (draft -> submitted, with the terms version), so
 * each request has exactly one such signature (else USER_R_INVALID).
 */
#define SIGNER_USER_HASHES_MAX 100
#define SIGNER_TERMS_MAX 31
/* A TOTP code, or an issuance grant (SIGNER_GRANT_LEN hex characters). */
#define SIGNER_SAD_MAX 64
#define SIGNER_GRANT_LEN 64

enum signer_user_result {
	USER_R_OK = 0,
	USER_R_TOTP_BAD,     /* wrong code */
	USER_R_TOTP_REPLAY,  /* code (time step) used already */
	USER_R_TOTP_LOCKED,  /* too many wrong codes: retry_after */
	USER_R_TOTP_NONE,    /* no TOTP enrolled for the holder */
	USER_R_CERT_EXPIRED, /* outside the certificate's validity */
	USER_R_CERT_REVOKED,
	USER_R_CERT_SUSPENDED, /* on hold (certificateHold) */
	USER_R_QUOTA,          /* not enough transactions left */
	USER_R_UNKNOWN,        /* no such credential */
	USER_R_SIGN_FAILED,    /* the HSM failed; nothing counted */
	/* ISSUE_USER only */
	USER_R_EXISTS,  /* the account has a valid credential already */
	USER_R_INVALID, /* the identity data was refused (names, CNP...) */
	/* CSC_SIGN, CSC_EXTEND only */
	USER_R_SAD_INVALID, /* no such SAD for this token and credential */
	USER_R_SAD_EXPIRED, /* the SAD's time is over */
	USER_R_HASH_NOT_AUTHORIZED, /* a hash the SAD does not cover */
	USER_R_HASHES_EXCEED,       /* more hashes than the SAD authorizes */
	USER_R_ALGO,                /* not the hash algorithm authorized */
};

/* The stable error code of a result ("totp_replay", "cert_expired"...). */
const char *signer_user_result_code(enum signer_user_result r);

struct signer_user_req {
	const char *credential;
	const char *sad; /* the TOTP code */
	enum hsm_mech mech;
	int md_nid;
	unsigned timestamps; /* timestamps the caller will request */
	const char *renewal; /* NULL: an ordinary signature; else see above */
	const char *terms;   /* with a renewal: the terms version */
	unsigned n;          /* hashes */
	const uint8_t (*hashes)[SIGNER_HASH_MAX];
	size_t hlen; /* the length of each hash */
};

struct signer_user_reply {
	enum signer_user_result result;
	uint32_t retry_after; /* seconds, with USER_R_TOTP_LOCKED */
	int64_t transactions_left;
	unsigned n; /* signatures (= req n when OK) */
	uint8_t (
	    *sigs)[HSM_SIG_MAX]; /* malloc()ed; signer_user_reply_cleanup */
	size_t *siglens;
};

/*
 * Sign req->n hashes with the credential's key under one SAD. PC_OK with
 * out->result telling whether it was allowed (USER_R_OK: n signatures).
 */
enum pc_rc signer_client_sign_user(struct signer_client *sc,
    const struct signer_user_req *req, struct signer_user_reply *out);
void signer_user_reply_cleanup(struct signer_user_reply *r);

/*
 * ISSUE_USER  u16 user, u16 SAD (TOTP code), u16 given name, u16 surname,
 *             u16 e-mail, u16 country, u16 id type (enum pki_id_type),
 *             u16 id number, u16 years, u16 key type (enum hsm_key_type),
 *             u32 transactions, u16 renewal
 *     -> ISSUE_USER_REPLY u32 rc, u16 result, u32 retry_after,
 *             u16 sign serial, u16 auth serial, u16 grant
 * Issuance for an account (J8), all inside the signer: the TOTP code
 * (purpose "issue"), no valid credential yet, then both key pairs made in
 * the HSM, both certificates issued by the issuing CA, and in ONE
 * transaction the certificates, the credential (linked to the account,
 * with its transactions) and the audit record. The grant (hex, secret) is
 * a one-time SAD for ONE signature with the new credential within 5
 * minutes (the issuance terms, signed with the new key under the same
 * code); it lives in the signer's memory only.
 *
 * With a renewal id (J10) there is no code: the holder signed the renewal
 * terms with one when asking, and an operator approved. The signer reads
 * the request itself: it must be the user's, approved, and due (its
 * certificate ends within RENEWAL_LEAD_S, not yet ended); the valid
 * credential does not stop it, and the request becomes issued in the
 * issuance's transaction (once).
 */
/* How long the web side waits for ISSUE_USER's reply (key generation),
 * instead of signer.timeout_ms when that is shorter. */
#define SIGNER_ISSUE_TIMEOUT_MS 120000

struct signer_issue_req {
	const char *user;
	const char *sad;
	const char *given_name, *surname, *email, *country;
	int id_type; /* enum pki_id_type */
	const char *id_number;
	int years;
	enum hsm_key_type key;
	uint32_t transactions;
	const char *renewal; /* NULL or "": the first issuance (sad) */
};

struct signer_issue_reply {
	enum signer_user_result result;
	uint32_t retry_after;
	char sign_serial[65], auth_serial[65];
	char grant[SIGNER_GRANT_LEN + 1]; /* wipe after use */
};

enum pc_rc signer_client_issue_user(struct signer_client *sc,
    const struct signer_issue_req *req, struct signer_issue_reply *out);

/* ---- the CSC API's SAD (signer_client_csc.c, served by signer_csc.c) -- */

/*
 * CSC_AUTHORIZE  u16 user, u16 token (hex SHA-256 of the access token),
 *                u16 credential, u16 code (TOTP), u32 md nid, u16 N,
 *                N x u16 hash
 *     -> CSC_SAD_REPLY u32 rc, u16 result, u32 retry_after, u16 SAD,
 *                u32 expires_in
 * credentials/authorize in explicit mode. The signer checks, in this
 * order: the credential is the user's (another's reads as unknown), its
 * certificate is valid, N transactions are left, the TOTP code (purpose
 * "sign", the rules of signer_totp.c); then it mints a SAD: 256 random
 * bits, kept hashed in the signer's memory only, bound to the token, the
 * credential, the hash algorithm and the N hash occurrences, for at most
 * SIGNER_SAD_TTL_S seconds. The SAD itself crosses the channel once.
 *
 * CSC_SIGN  u16 token, u16 credential, u16 SAD, u16 mech, u32 md nid,
 *           u16 N, N x u16 hash
 *     -> SIGN_USER_REPLY (as SIGN_USER)
 * signatures/signHash. The SAD must be one minted for this token and
 * credential (else sad_invalid), in its time (sad_expired), for this md
 * (algo); every hash must take an authorized occurrence not taken by
 * another hash of the request (hash_not_authorized, hashes_exceed). The
 * SAD is reserved while the HSM signs and consumed when the signatures
 * are recorded (one use); a refusal leaves it as it was, an HSM failure
 * releases it. Quota and records as SIGN_USER (audit "sign.csc").
 *
 * CSC_EXTEND  u16 token, u16 credential, u16 SAD, u32 md nid, u16 N,
 *             N x (u16 len, hash)
 *     -> CSC_SAD_REPLY (N > 0: the hashes must be ones the SAD still
 *        covers, as CSC_SIGN checks, else hash_not_authorized and the
 *        SAD unchanged) with a new SAD of the same bindings and a new
 *        expiry (at most SIGNER_SAD_TTL_S, and never past
 *        SIGNER_SAD_LIFE_S after the code was typed: then sad_expired);
 *        the old one stops working (credentials/extendTransaction).
 *
 * CSC_SIGN_DOC  u16 token, u16 credential, u16 SAD, u16 mech, u32 md nid,
 *               u16 timestamps, u32 document md nid, u16 N, N x u16
 *               document hash, u16 N, N x u16 hash
 *     -> SIGN_USER_REPLY (as SIGN_USER)
 * signatures/signDoc. The documents' hashes (what the holder authorized)
 * are checked against the SAD and consumed from it as CSC_SIGN's hashes
 * are; the hashes signed (one per document: the signed attributes the
 * web side built over each) are signed with mech and md, with timestamps
 * (0 or N) counted as transactions too. Audit "sign.csc".
 */
#define SIGNER_SAD_TTL_S 300
/* An authentication credential's hashless SAD: at most this many
 * signatures, until it expires: after the ttl asked, never more than the
 * signer's [csc] auth_sad_ttl (at most SIGNER_AUTH_SAD_TTL_MAX). */
#define SIGNER_AUTH_SAD_USES_MAX 100
#define SIGNER_AUTH_SAD_TTL_MAX 3600
/* extendTransaction never takes a SAD past this from its authorization. */
#define SIGNER_SAD_LIFE_S 1800
#define SIGNER_SAD_HEX 64
#define SIGNER_TOKEN_HEX 64

struct signer_csc_auth_req {
	const char *user, *token, *credential, *code;
	int md_nid;
	unsigned n;
	const uint8_t (*hashes)[SIGNER_HASH_MAX];
	size_t hlen;
	unsigned uses; /* n == 0: signatures of an authentication SAD */
	uint32_t ttl;  /* n == 0: its lifetime, 1..SIGNER_AUTH_SAD_TTL_MAX */
};

struct signer_csc_sad_reply {
	enum signer_user_result result;
	uint32_t retry_after;
	char sad[SIGNER_SAD_HEX + 1]; /* secret: wipe after use */
	uint32_t expires_in;
};

enum pc_rc signer_client_csc_authorize(struct signer_client *sc,
    const struct signer_csc_auth_req *req, struct signer_csc_sad_reply *out);

struct signer_csc_sign_req {
	const char *token, *credential, *sad;
	enum hsm_mech mech;
	int md_nid;
	unsigned n;
	const uint8_t (*hashes)[SIGNER_HASH_MAX];
	size_t hlen;
};

enum pc_rc signer_client_csc_sign(struct signer_client *sc,
    const struct signer_csc_sign_req *req, struct signer_user_reply *out);
/* signDoc: the documents' hashes (docs, dmd, dlen) the SAD must cover,
 * and the hashes to sign (as CSC_SIGN's), timestamps 0 or n. */
struct signer_csc_doc_req {
	struct signer_csc_sign_req sign;
	unsigned timestamps;
	int dmd;
	const uint8_t (*docs)[SIGNER_HASH_MAX];
	size_t dlen;
};

enum pc_rc signer_client_csc_sign_doc(struct signer_client *sc,
    const struct signer_csc_doc_req *req, struct signer_user_reply *out);
/* req: token, credential, SAD; hashes (n 0: none) the SAD must cover. */
enum pc_rc signer_client_csc_extend(struct signer_client *sc,
    const struct signer_csc_sign_req *req, struct signer_csc_sad_reply *out);

/* ---- a batch a dead node left signing (signer_recover.c) ------------- */

/*
 * SIGN_RECOVER  u16 user, u16 batch
 *     -> SIGN_RECOVER_REPLY u32 rc, u16 result, u16 open, u32 kept,
 *            u32 undelivered, u32 refunded
 * The credential's quota is SAD state: only the signer gives back what
 * a browser batch (J9) counted and never delivered because the node that
 * was signing it died. In ONE transaction the signer moves the batch out
 * of "signing" (the guard: a second request, from this node or another,
 * finds it moved and changes nothing: RECOVER_R_MOVED), puts its
 * unfinished items back to ready, and for each unfinished item whose
 * hash it recorded as a signature of the batch's credential marks that
 * record refunded and gives back the item's transactions (signing_cost:
 * the signature and its timestamps); a record is refunded at most once,
 * so the refund is bounded by what the signer recorded whatever the
 * items say. Then the audit row. The batch is open again with what is
 * left to sign, or done when nothing is (its counts: what was kept).
 */
enum signer_recover_result {
	RECOVER_R_OK = 0,
	RECOVER_R_MOVED,   /* not signing (any more): nothing done */
	RECOVER_R_UNKNOWN, /* no such batch of this user */
};

struct signer_recover_reply {
	enum signer_recover_result result;
	bool open;           /* open again (else done) */
	int64_t kept;        /* files signed and delivered before */
	int64_t undelivered; /* counted, not delivered */
	int64_t refunded;    /* transactions given back */
};

enum pc_rc signer_client_sign_recover(struct signer_client *sc,
    const char *user, const char *batch, struct signer_recover_reply *out);

/*
 * KEYS_RETIRE  (no fields) -> KEYS_RETIRE_REPLY u32 rc, u32 destroyed
 * The key pairs of holders whose signing certificate was revoked for good
 * (not on hold) or ended more than a day ago are destroyed in the HSM,
 * each credential recorded (keys_destroyed_at) with the audit row
 * key.destroyed; at most 32 credentials a request (the keys job asks
 * daily). OUT: *destroyed, the credentials done.
 */
enum pc_rc signer_client_keys_retire(
    struct signer_client *sc, uint32_t *destroyed);

/*
 * The pki_keysrc of the web side: keys load as proxies that sign through
 * the signer; generate and destroy are not available (NULL).
 */
struct pki_keysrc;
void signer_client_keysrc(struct signer_client *sc, struct pki_keysrc *ks);

#endif /* PC_SIGNER_H */
