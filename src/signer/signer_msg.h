/*
 * signer_msg.h: the messages of the signer channel as one table.
 *
 * Each message type is a row: its name, who may send it (the web side
 * or the signer), the reply a request gets, and its fields in wire
 * order with their kinds and bounds. One encoder, one decoder and one
 * size check walk the table on both sides, so a message is described
 * once (imsg's IMSG_SIZE_CHECK, Redis' command table):
 *
 *	SF_U16, SF_U32	big-endian integer in [min, max]
 *	SF_BYTES	u16 length in [min, max], then the bytes
 *	SF_TEXT		SF_BYTES without a NUL byte (ids, codes, labels)
 *	SF_LIST		u16 count in [min, max], then count SF_BYTES of
 *			[emin, emax] bytes (SF_SAME_LEN: all one length)
 *
 * A decoded message points into the body it was decoded from (struct
 * signer_bytes); an encoded one is read from the caller's struct. Fields
 * flagged SF_SECRET (TOTP codes, secrets, URIs with a secret) are never
 * logged, and the buffers that carry them are wiped (buf_cleanup).
 * Adding a message: a struct below, a row in signer_msg.c, a handler in
 * signer_dispatch.c (requests) and a client function; the unit test
 * checks the rows and the fuzz target (tests/fuzz/fuzz_signer.c) reaches
 * the new row by its type.
 */
#ifndef PC_SIGNER_MSG_H
#define PC_SIGNER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/pc.h"
#include "signer/signer.h"

/* Bytes of a message: borrowed from the body or from the caller. */
struct signer_bytes {
	const uint8_t *p;
	size_t n;
};

/* Who may send a message. */
enum signer_side {
	SIGNER_FROM_WEB = 1, /* requests: the web side (or the CLI) */
	SIGNER_FROM_SIGNER,  /* replies: the signer process */
};

enum signer_fkind {
	SF_U16 = 1,
	SF_U32,
	SF_BYTES,
	SF_TEXT,
	SF_LIST,
};

#define SF_SECRET 0x1   /* a secret: never logged, wiped */
#define SF_SAME_LEN 0x2 /* SF_LIST: every element of one length */

struct signer_field {
	const char *name;
	enum signer_fkind kind;
	unsigned flags;
	uint32_t min, max;   /* value, length or count */
	uint32_t emin, emax; /* SF_LIST: each element's length */
	size_t off;          /* offsetof the member */
	size_t aux;          /* SF_LIST: offsetof the uint16_t count */
};

struct signer_msgdef {
	uint16_t type;
	const char *name;
	enum signer_side from;
	uint16_t reply; /* a request's reply type; 0 for a reply */
	const struct signer_field *fields;
	size_t nfields;
	size_t size;                    /* sizeof the message struct */
	bool (*check)(const void *msg); /* rules across fields, or NULL */
};

/* ---- the messages (see signer.h for their meaning) -------------------- */

/* SIGN_SERVICE */
struct signer_m_sign_service {
	struct signer_bytes label; /* an online service key's HSM label */
	uint16_t mech;
	uint32_t md;
	struct signer_bytes hash;
};

/* SIG */
struct signer_m_sig {
	uint32_t rc;
	struct signer_bytes sig;
};

/* TOTP_ENROL_BEGIN, _CONFIRM, TOTP_VERIFY, TOTP_PEEK, TOTP_QR_URI: each type
 * carries the fields its row lists; the others stay empty. */
struct signer_m_totp {
	struct signer_bytes user;
	struct signer_bytes label;   /* BEGIN, QR_URI */
	struct signer_bytes purpose; /* VERIFY, PEEK */
	struct signer_bytes code;    /* CONFIRM, VERIFY, PEEK */
};

/* TOTP_REPLY */
struct signer_m_totp_reply {
	uint32_t rc;
	uint16_t result;
	uint32_t retry_after;
	struct signer_bytes secret; /* base32; ENROL_BEGIN only */
	struct signer_bytes uri;    /* otpauth URI; BEGIN and QR_URI */
};

/* SIGN_USER */
struct signer_m_sign_user {
	struct signer_bytes credential;
	struct signer_bytes sad;
	uint16_t mech;
	uint32_t md;
	uint16_t timestamps;
	struct signer_bytes renewal; /* "": an ordinary signature */
	struct signer_bytes terms;   /* with a renewal: its terms' version */
	uint16_t nhashes;
	struct signer_bytes hashes[SIGNER_USER_HASHES_MAX];
};

/* SIGN_USER_REPLY */
struct signer_m_sign_user_reply {
	uint32_t rc;
	uint16_t result;
	uint32_t retry_after;
	uint32_t transactions_left;
	uint16_t nsigs;
	struct signer_bytes sigs[SIGNER_USER_HASHES_MAX];
};

/* ISSUE_USER */
struct signer_m_issue_user {
	struct signer_bytes user;
	struct signer_bytes sad;
	struct signer_bytes given_name, surname, email, country;
	uint16_t id_type;
	struct signer_bytes id_number;
	uint16_t years;
	uint16_t key;
	uint32_t transactions;
	struct signer_bytes renewal; /* "": the first issuance */
};

/* ISSUE_USER_REPLY */
struct signer_m_issue_user_reply {
	uint32_t rc;
	uint16_t result;
	uint32_t retry_after;
	struct signer_bytes sign_serial, auth_serial;
	struct signer_bytes grant;
};

/* CSC_AUTHORIZE */
struct signer_m_csc_authorize {
	struct signer_bytes user, token, credential;
	struct signer_bytes code;
	uint32_t md;
	uint16_t nhashes;
	struct signer_bytes hashes[SIGNER_USER_HASHES_MAX];
	/* no hashes: an authentication credential's multi-use SAD, good for
	 * this many signatures (1..SIGNER_AUTH_SAD_USES_MAX) */
	uint16_t uses;
	uint32_t ttl; /* and its lifetime in seconds */
};

/* CSC_SAD_REPLY */
struct signer_m_csc_sad_reply {
	uint32_t rc;
	uint16_t result;
	uint32_t retry_after;
	struct signer_bytes sad;
	uint32_t expires_in;
};

/* CSC_SIGN, CSC_EXTEND (no mech, md, hashes) */
struct signer_m_csc_sign {
	struct signer_bytes token, credential;
	struct signer_bytes sad;
	uint16_t mech;
	uint32_t md;
	uint16_t nhashes;
	struct signer_bytes hashes[SIGNER_USER_HASHES_MAX];
};

/* SIGN_RECOVER */
struct signer_m_sign_recover {
	struct signer_bytes user, batch;
};

/* SIGN_RECOVER_REPLY */
struct signer_m_sign_recover_reply {
	uint32_t rc;
	uint16_t result;
	uint16_t open;
	uint32_t kept, undelivered, refunded;
};

/* KEYS_RETIRE_REPLY (KEYS_RETIRE has no fields) */
struct signer_m_keys_retire_reply {
	uint32_t rc;
	uint32_t destroyed;
};

/* CSC_SIGN_DOC */
struct signer_m_csc_sign_doc {
	struct signer_bytes token, credential;
	struct signer_bytes sad;
	uint16_t mech;
	uint32_t md;
	uint16_t timestamps;
	uint32_t dmd; /* the documents' hash algorithm */
	uint16_t ndocs;
	struct signer_bytes docs[SIGNER_USER_HASHES_MAX];
	uint16_t nhashes;
	struct signer_bytes hashes[SIGNER_USER_HASHES_MAX];
};

/* ---- the table -------------------------------------------------------- */

/* The row of type; NULL for a type not in the table. */
const struct signer_msgdef *signer_msg_def(uint16_t type);
/* The i-th row (from 0), NULL past the last (tests, fuzz seeds). */
const struct signer_msgdef *signer_msg_def_at(size_t i);
/* The largest body a valid message of def can have. */
size_t signer_msg_max_body(const struct signer_msgdef *def);

/*
 * Append the body of a message of type, read from msg (its struct; NULL
 * for a type without fields), to out. PC_EINVAL when a field is out of
 * its bounds (nothing valid is ever refused by the peer's decoder);
 * PC_ENOMEM, PC_ELIMIT from the buffer.
 */
enum pc_rc signer_msg_encode(uint16_t type, const void *msg, struct buf *out);
/*
 * Decode the body p[0..n) of a message of type into msg (zeroed first;
 * its bytes point into p). PC_EINVAL unless every field is within its
 * bounds, the body is consumed exactly and the row's check passes;
 * PC_ENOTFOUND for a type not in the table.
 */
enum pc_rc signer_msg_decode(
    uint16_t type, const uint8_t *p, size_t n, void *msg);

/*
 * signer_recv for a message of the table sent by from: its type must be a
 * row of that sender and its length at most the row's largest body (and
 * max), checked from the header before the body is read; PC_EINVAL
 * otherwise (the caller closes the channel).
 */
enum pc_rc signer_recv_msg(int fd, int timeout_ms, size_t max,
    enum signer_side from, struct signer_hdr *h, struct buf *out);

/* Whether a decoded reply rep of type says the HSM failed: an rc of
 * PC_EHSM, or a signing result USER_R_SIGN_FAILED (the metrics' count). */
bool signer_reply_hsm_failed(uint16_t type, const void *rep);

/* Copy a SF_TEXT field into out (size bytes, NUL-terminated). */
bool signer_text(const struct signer_bytes *b, char *out, size_t size);

#endif /* PC_SIGNER_MSG_H */
