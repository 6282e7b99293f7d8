/*
 * signer_msg.c: the message table of the signer channel and the one
 * encoder, decoder and size check that walk it (see signer_msg.h).
 */
#include <string.h>

#include "base/log.h"
#include "hsm/hsm.h"
#include "signer/signer_msg.h"
#include "store/store.h"
#include "store/store_account.h"

#define F(T, m, kind, flags, min, max)                                         \
	{                                                                      \
#m, kind, flags, min, max, 0, 0, offsetof(T, m), 0             \
	}
#define FLIST(T, m, count, flags, min, max, emin, emax)                        \
	{                                                                      \
#m, SF_LIST, flags, min, max, emin, emax, offsetof(T, m),      \
		    offsetof(T, count)                                         \
	}
#define ROW(type, from, reply, T, fields, check)                               \
	{                                                                      \
		type, #type, from, reply, fields, PC_ARRAY_LEN(fields),        \
		    sizeof(T), check                                           \
	}
#define ROW_EMPTY(type, from, reply)                                           \
	{                                                                      \
		type, #type, from, reply, NULL, 0, 0, NULL                     \
	}

/* A status of enum pc_rc in a reply. */
#define RC_MAX ((uint32_t)PC_EINTERNAL)

#define T struct signer_m_sign_service
static const struct signer_field f_sign_service[] = {
	F(T, label, SF_TEXT, 0, 1, HSM_LABEL_MAX - 1),
	F(T, mech, SF_U16, 0, HSM_MECH_RSA_PKCS1, HSM_MECH_ECDSA),
	F(T, md, SF_U32, 0, 0, UINT32_MAX),
	F(T, hash, SF_BYTES, 0, 1, SIGNER_HASH_MAX),
};
#undef T

#define T struct signer_m_sig
static const struct signer_field f_sig[] = {
	F(T, rc, SF_U32, 0, 0, RC_MAX),
	F(T, sig, SF_BYTES, 0, 0, HSM_SIG_MAX),
};
#undef T

#define T struct signer_m_totp
#define TOTP_USER F(T, user, SF_TEXT, 0, 1, SIGNER_TOTP_ID_MAX)
#define TOTP_CODE F(T, code, SF_TEXT, SF_SECRET, 0, SIGNER_TOTP_CODE_MAX)
static const struct signer_field f_totp_label[] = {
	TOTP_USER,
	F(T, label, SF_TEXT, 0, 0, SIGNER_TOTP_LABEL_MAX),
};
static const struct signer_field f_totp_confirm[] = {
	TOTP_USER,
	TOTP_CODE,
};
static const struct signer_field f_totp_verify[] = {
	TOTP_USER,
	F(T, purpose, SF_TEXT, 0, 1, SIGNER_TOTP_PURPOSE_MAX),
	TOTP_CODE,
};
#undef TOTP_USER
#undef TOTP_CODE
#undef T

#define T struct signer_m_totp_reply
static const struct signer_field f_totp_reply[] = {
	F(T, rc, SF_U32, 0, 0, RC_MAX),
	F(T, result, SF_U16, 0, TOTP_R_OK, TOTP_R_GONE),
	F(T, retry_after, SF_U32, 0, 0, UINT32_MAX),
	F(T, secret, SF_TEXT, SF_SECRET, 0, SIGNER_TOTP_B32_MAX),
	F(T, uri, SF_TEXT, SF_SECRET, 0, SIGNER_TOTP_URI_MAX),
};
#undef T

#define T struct signer_m_sign_user
static const struct signer_field f_sign_user[] = {
	F(T, credential, SF_TEXT, 0, 1, STORE_SERIAL_MAX),
	F(T, sad, SF_TEXT, SF_SECRET, 0, SIGNER_SAD_MAX),
	F(T, mech, SF_U16, 0, HSM_MECH_RSA_PKCS1, HSM_MECH_ECDSA),
	F(T, md, SF_U32, 0, 0, UINT32_MAX),
	F(T, timestamps, SF_U16, 0, 0, 2 * SIGNER_USER_HASHES_MAX),
	F(T, renewal, SF_TEXT, 0, 0, STORE_ID_LEN),
	F(T, terms, SF_TEXT, 0, 0, SIGNER_TERMS_MAX),
	FLIST(T, hashes, nhashes, SF_SAME_LEN, 1, SIGNER_USER_HASHES_MAX, 1,
	    SIGNER_HASH_MAX),
};

/* Up to two timestamps for a signature of the batch (B-T: the
 * signature's; B-LTA: and the document's); a renewal's terms are one
 * document with its version. */
static bool
check_sign_user(const void *msg)
{
	const T *m = msg;

	if (m->renewal.n > 0)
		return m->nhashes == 1 && m->timestamps <= 2 && m->terms.n > 0;
	return m->timestamps <= 2 * (uint32_t)m->nhashes && m->terms.n == 0;
}
#undef T

#define T struct signer_m_sign_user_reply
static const struct signer_field f_sign_user_reply[] = {
	F(T, rc, SF_U32, 0, 0, RC_MAX),
	F(T, result, SF_U16, 0, USER_R_OK, USER_R_ALGO),
	F(T, retry_after, SF_U32, 0, 0, UINT32_MAX),
	F(T, transactions_left, SF_U32, 0, 0, UINT32_MAX),
	FLIST(T, sigs, nsigs, 0, 0, SIGNER_USER_HASHES_MAX, 1, HSM_SIG_MAX),
};

/* Signatures only with an OK; none otherwise. */
static bool
check_sign_user_reply(const void *msg)
{
	const T *m = msg;

	return m->result == USER_R_OK ? m->rc == PC_OK : m->nsigs == 0;
}
#undef T

#define T struct signer_m_issue_user
static const struct signer_field f_issue_user[] = {
	F(T, user, SF_TEXT, 0, 1, SIGNER_TOTP_ID_MAX),
	F(T, sad, SF_TEXT, SF_SECRET, 0, SIGNER_TOTP_CODE_MAX),
	F(T, given_name, SF_TEXT, 0, 1, 256),
	F(T, surname, SF_TEXT, 0, 1, 256),
	F(T, email, SF_TEXT, 0, 3, 254),
	F(T, country, SF_TEXT, 0, 2, 2),
	F(T, id_type, SF_U16, 0, 1, 3),
	F(T, id_number, SF_TEXT, 0, 1, 32),
	F(T, years, SF_U16, 0, 1, 3),
	F(T, key, SF_U16, 0, HSM_KEY_RSA2048, HSM_KEY_P384),
	F(T, transactions, SF_U32, 0, 0, 10000000),
	F(T, renewal, SF_TEXT, 0, 0, STORE_ID_LEN),
};
#undef T

#define T struct signer_m_issue_user_reply
static const struct signer_field f_issue_user_reply[] = {
	F(T, rc, SF_U32, 0, 0, RC_MAX),
	F(T, result, SF_U16, 0, USER_R_OK, USER_R_INVALID),
	F(T, retry_after, SF_U32, 0, 0, UINT32_MAX),
	F(T, sign_serial, SF_TEXT, 0, 0, STORE_SERIAL_MAX),
	F(T, auth_serial, SF_TEXT, 0, 0, STORE_SERIAL_MAX),
	F(T, grant, SF_TEXT, SF_SECRET, 0, SIGNER_GRANT_LEN),
};

/* Serials and a grant with an OK only. */
static bool
check_issue_user_reply(const void *msg)
{
	const T *m = msg;

	if (m->result == USER_R_OK && m->rc == PC_OK)
		return m->sign_serial.n > 0 && m->auth_serial.n > 0 &&
		       m->grant.n == SIGNER_GRANT_LEN;
	return m->sign_serial.n == 0 && m->grant.n == 0;
}
#undef T

#define T struct signer_m_csc_authorize
static const struct signer_field f_csc_authorize[] = {
	F(T, user, SF_TEXT, 0, 1, SIGNER_TOTP_ID_MAX),
	F(T, token, SF_TEXT, 0, SIGNER_TOKEN_HEX, SIGNER_TOKEN_HEX),
	F(T, credential, SF_TEXT, 0, 1, STORE_SERIAL_MAX),
	F(T, code, SF_TEXT, SF_SECRET, 0, SIGNER_TOTP_CODE_MAX),
	F(T, md, SF_U32, 0, 1, UINT32_MAX),
	FLIST(T, hashes, nhashes, SF_SAME_LEN, 0, SIGNER_USER_HASHES_MAX, 20,
	    SIGNER_HASH_MAX),
	F(T, uses, SF_U16, 0, 0, SIGNER_AUTH_SAD_USES_MAX),
	F(T, ttl, SF_U32, 0, 0, SIGNER_AUTH_SAD_TTL_MAX),
};

/* Hashes, or (an authentication SAD) a count and a lifetime: not both. */
static bool
check_csc_authorize(const void *msg)
{
	const T *m = msg;

	if (m->nhashes == 0)
		return m->uses > 0 && m->ttl > 0;
	return m->uses == 0 && m->ttl == 0;
}
#undef T

#define T struct signer_m_csc_sad_reply
static const struct signer_field f_csc_sad_reply[] = {
	F(T, rc, SF_U32, 0, 0, RC_MAX),
	F(T, result, SF_U16, 0, USER_R_OK, USER_R_ALGO),
	F(T, retry_after, SF_U32, 0, 0, UINT32_MAX),
	F(T, sad, SF_TEXT, SF_SECRET, 0, SIGNER_SAD_HEX),
	F(T, expires_in, SF_U32, 0, 0, SIGNER_AUTH_SAD_TTL_MAX),
};

/* A SAD with an OK only, and always of its length. */
static bool
check_csc_sad_reply(const void *msg)
{
	const T *m = msg;

	if (m->result == USER_R_OK && m->rc == PC_OK)
		return m->sad.n == SIGNER_SAD_HEX && m->expires_in > 0;
	return m->sad.n == 0;
}
#undef T

#define T struct signer_m_csc_sign
static const struct signer_field f_csc_sign[] = {
	F(T, token, SF_TEXT, 0, SIGNER_TOKEN_HEX, SIGNER_TOKEN_HEX),
	F(T, credential, SF_TEXT, 0, 1, STORE_SERIAL_MAX),
	F(T, sad, SF_TEXT, SF_SECRET, 1, SIGNER_SAD_HEX),
	F(T, mech, SF_U16, 0, HSM_MECH_RSA_PKCS1, HSM_MECH_LAST),
	F(T, md, SF_U32, 0, 1, UINT32_MAX),
	FLIST(T, hashes, nhashes, SF_SAME_LEN, 1, SIGNER_USER_HASHES_MAX, 20,
	    SIGNER_HASH_MAX),
};
static const struct signer_field f_csc_extend[] = {
	F(T, token, SF_TEXT, 0, SIGNER_TOKEN_HEX, SIGNER_TOKEN_HEX),
	F(T, credential, SF_TEXT, 0, 1, STORE_SERIAL_MAX),
	F(T, sad, SF_TEXT, SF_SECRET, 1, SIGNER_SAD_HEX),
	F(T, md, SF_U32, 0, 0, UINT32_MAX),
	FLIST(T, hashes, nhashes, SF_SAME_LEN, 0, SIGNER_USER_HASHES_MAX, 20,
	    SIGNER_HASH_MAX),
};
#undef T

#define T struct signer_m_csc_sign_doc
static const struct signer_field f_csc_sign_doc[] = {
	F(T, token, SF_TEXT, 0, SIGNER_TOKEN_HEX, SIGNER_TOKEN_HEX),
	F(T, credential, SF_TEXT, 0, 1, STORE_SERIAL_MAX),
	F(T, sad, SF_TEXT, SF_SECRET, 1, SIGNER_SAD_HEX),
	F(T, mech, SF_U16, 0, HSM_MECH_RSA_PKCS1, HSM_MECH_ECDSA),
	F(T, md, SF_U32, 0, 1, UINT32_MAX),
	F(T, timestamps, SF_U16, 0, 0, 2 * SIGNER_USER_HASHES_MAX),
	F(T, dmd, SF_U32, 0, 1, UINT32_MAX),
	FLIST(T, docs, ndocs, SF_SAME_LEN, 1, SIGNER_USER_HASHES_MAX, 20,
	    SIGNER_HASH_MAX),
	FLIST(T, hashes, nhashes, SF_SAME_LEN, 1, SIGNER_USER_HASHES_MAX, 20,
	    SIGNER_HASH_MAX),
};

/* One signature per document; none, one or two timestamps for each
 * (B-T; B-LTA's document timestamp). */
static bool
check_csc_sign_doc(const void *msg)
{
	const T *m = msg;

	return m->ndocs == m->nhashes &&
	       m->timestamps <= 2 * (uint32_t)m->nhashes;
}
#undef T

#define T struct signer_m_sign_recover
static const struct signer_field f_sign_recover[] = {
	F(T, user, SF_TEXT, 0, 1, SIGNER_TOTP_ID_MAX),
	F(T, batch, SF_TEXT, 0, 1, STORE_ID_LEN),
};
#undef T

#define T struct signer_m_sign_recover_reply
static const struct signer_field f_sign_recover_reply[] = {
	F(T, rc, SF_U32, 0, 0, RC_MAX),
	F(T, result, SF_U16, 0, RECOVER_R_OK, RECOVER_R_UNKNOWN),
	F(T, open, SF_U16, 0, 0, 1),
	F(T, kept, SF_U32, 0, 0, UINT32_MAX),
	F(T, undelivered, SF_U32, 0, 0, UINT32_MAX),
	F(T, refunded, SF_U32, 0, 0, UINT32_MAX),
};
#undef T

#define T struct signer_m_keys_retire_reply
static const struct signer_field f_keys_retire_reply[] = {
	F(T, rc, SF_U32, 0, 0, RC_MAX),
	F(T, destroyed, SF_U32, 0, 0, 1024),
};
#undef T

static const struct signer_msgdef msgs[] = {
	ROW_EMPTY(SIGNER_MSG_PING, SIGNER_FROM_WEB, SIGNER_MSG_PONG),
	ROW_EMPTY(SIGNER_MSG_PONG, SIGNER_FROM_SIGNER, 0),
	ROW(SIGNER_MSG_SIGN_SERVICE, SIGNER_FROM_WEB, SIGNER_MSG_SIG,
	    struct signer_m_sign_service, f_sign_service, NULL),
	ROW(SIGNER_MSG_SIG, SIGNER_FROM_SIGNER, 0, struct signer_m_sig, f_sig,
	    NULL),
	ROW(SIGNER_MSG_TOTP_ENROL_BEGIN, SIGNER_FROM_WEB, SIGNER_MSG_TOTP_REPLY,
	    struct signer_m_totp, f_totp_label, NULL),
	ROW(SIGNER_MSG_TOTP_ENROL_CONFIRM, SIGNER_FROM_WEB,
	    SIGNER_MSG_TOTP_REPLY, struct signer_m_totp, f_totp_confirm, NULL),
	ROW(SIGNER_MSG_TOTP_VERIFY, SIGNER_FROM_WEB, SIGNER_MSG_TOTP_REPLY,
	    struct signer_m_totp, f_totp_verify, NULL),
	ROW(SIGNER_MSG_TOTP_QR_URI, SIGNER_FROM_WEB, SIGNER_MSG_TOTP_REPLY,
	    struct signer_m_totp, f_totp_label, NULL),
	ROW(SIGNER_MSG_TOTP_PEEK, SIGNER_FROM_WEB, SIGNER_MSG_TOTP_REPLY,
	    struct signer_m_totp, f_totp_verify, NULL),
	ROW(SIGNER_MSG_TOTP_REPLY, SIGNER_FROM_SIGNER, 0,
	    struct signer_m_totp_reply, f_totp_reply, NULL),
	ROW(SIGNER_MSG_SIGN_USER, SIGNER_FROM_WEB, SIGNER_MSG_SIGN_USER_REPLY,
	    struct signer_m_sign_user, f_sign_user, check_sign_user),
	ROW(SIGNER_MSG_SIGN_USER_REPLY, SIGNER_FROM_SIGNER, 0,
	    struct signer_m_sign_user_reply, f_sign_user_reply,
	    check_sign_user_reply),
	ROW(SIGNER_MSG_ISSUE_USER, SIGNER_FROM_WEB, SIGNER_MSG_ISSUE_USER_REPLY,
	    struct signer_m_issue_user, f_issue_user, NULL),
	ROW(SIGNER_MSG_ISSUE_USER_REPLY, SIGNER_FROM_SIGNER, 0,
	    struct signer_m_issue_user_reply, f_issue_user_reply,
	    check_issue_user_reply),
	ROW(SIGNER_MSG_CSC_AUTHORIZE, SIGNER_FROM_WEB, SIGNER_MSG_CSC_SAD_REPLY,
	    struct signer_m_csc_authorize, f_csc_authorize,
	    check_csc_authorize),
	ROW(SIGNER_MSG_CSC_SAD_REPLY, SIGNER_FROM_SIGNER, 0,
	    struct signer_m_csc_sad_reply, f_csc_sad_reply,
	    check_csc_sad_reply),
	ROW(SIGNER_MSG_CSC_SIGN, SIGNER_FROM_WEB, SIGNER_MSG_SIGN_USER_REPLY,
	    struct signer_m_csc_sign, f_csc_sign, NULL),
	ROW(SIGNER_MSG_CSC_EXTEND, SIGNER_FROM_WEB, SIGNER_MSG_CSC_SAD_REPLY,
	    struct signer_m_csc_sign, f_csc_extend, NULL),
	ROW(SIGNER_MSG_CSC_SIGN_DOC, SIGNER_FROM_WEB,
	    SIGNER_MSG_SIGN_USER_REPLY, struct signer_m_csc_sign_doc,
	    f_csc_sign_doc, check_csc_sign_doc),
	ROW(SIGNER_MSG_SIGN_RECOVER, SIGNER_FROM_WEB,
	    SIGNER_MSG_SIGN_RECOVER_REPLY, struct signer_m_sign_recover,
	    f_sign_recover, NULL),
	ROW(SIGNER_MSG_SIGN_RECOVER_REPLY, SIGNER_FROM_SIGNER, 0,
	    struct signer_m_sign_recover_reply, f_sign_recover_reply, NULL),
	ROW_EMPTY(SIGNER_MSG_KEYS_RETIRE, SIGNER_FROM_WEB,
	    SIGNER_MSG_KEYS_RETIRE_REPLY),
	ROW(SIGNER_MSG_KEYS_RETIRE_REPLY, SIGNER_FROM_SIGNER, 0,
	    struct signer_m_keys_retire_reply, f_keys_retire_reply, NULL),
};

const struct signer_msgdef *
signer_msg_def(uint16_t type)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(msgs); i++)
		if (msgs[i].type == type)
			return &msgs[i];
	return NULL;
}

const struct signer_msgdef *
signer_msg_def_at(size_t i)
{
	return i < PC_ARRAY_LEN(msgs) ? &msgs[i] : NULL;
}

size_t
signer_msg_max_body(const struct signer_msgdef *def)
{
	const struct signer_field *f;
	size_t i, n = 0;

	for (i = 0; def != NULL && i < def->nfields; i++) {
		f = &def->fields[i];
		switch (f->kind) {
		case SF_U16:
			n += 2;
			break;
		case SF_U32:
			n += 4;
			break;
		case SF_BYTES:
		case SF_TEXT:
			n += 2 + (size_t)f->max;
			break;
		case SF_LIST:
			n += 2 + (size_t)f->max * (2 + (size_t)f->emax);
			break;
		}
	}
	return n;
}

/* Is b a valid value of a bytes field (length, no NUL in text)? */
static bool
bytes_ok(enum signer_fkind kind, uint32_t min, uint32_t max,
    const struct signer_bytes *b)
{
	if (b->n < min || b->n > max || (b->n > 0 && b->p == NULL))
		return false;
	return kind != SF_TEXT || b->n == 0 || memchr(b->p, '\0', b->n) == NULL;
}

static bool
list_ok(const struct signer_field *f, const struct signer_bytes *v, size_t n)
{
	size_t i;

	if (n < f->min || n > f->max)
		return false;
	for (i = 0; i < n; i++)
		if (!bytes_ok(SF_BYTES, f->emin, f->emax, &v[i]) ||
		    ((f->flags & SF_SAME_LEN) && v[i].n != v[0].n))
			return false;
	return true;
}

enum pc_rc
signer_msg_encode(uint16_t type, const void *msg, struct buf *out)
{
	const struct signer_msgdef *def = signer_msg_def(type);
	const struct signer_field *f;
	const uint8_t *m = msg;
	const struct signer_bytes *b;
	uint16_t u16, cnt;
	uint32_t u32;
	size_t i, k;

	RETURN_VAL_IF_FAIL(def != NULL && out != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(msg != NULL || def->nfields == 0, PC_EINTERNAL);
	if (def->check != NULL && !def->check(msg))
		return PC_EINVAL;
	for (i = 0; i < def->nfields; i++) {
		f = &def->fields[i];
		switch (f->kind) {
		case SF_U16:
			memcpy(&u16, m + f->off, sizeof(u16));
			if (u16 < f->min || u16 > f->max)
				return PC_EINVAL;
			signer_put_u16(out, u16);
			break;
		case SF_U32:
			memcpy(&u32, m + f->off, sizeof(u32));
			if (u32 < f->min || u32 > f->max)
				return PC_EINVAL;
			signer_put_u32(out, u32);
			break;
		case SF_BYTES:
		case SF_TEXT:
			b = (const struct signer_bytes *)(m + f->off);
			if (!bytes_ok(f->kind, f->min, f->max, b))
				return PC_EINVAL;
			signer_put_bytes16(out, b->p, b->n);
			break;
		case SF_LIST:
			memcpy(&cnt, m + f->aux, sizeof(cnt));
			b = (const struct signer_bytes *)(m + f->off);
			if (!list_ok(f, b, cnt))
				return PC_EINVAL;
			signer_put_u16(out, cnt);
			for (k = 0; k < cnt; k++)
				signer_put_bytes16(out, b[k].p, b[k].n);
			break;
		}
	}
	return buf_rc(out);
}

enum pc_rc
signer_msg_decode(uint16_t type, const uint8_t *p, size_t n, void *msg)
{
	const struct signer_msgdef *def = signer_msg_def(type);
	const struct signer_field *f;
	struct signer_rd rd = { p, n, false };
	struct signer_bytes *b;
	uint8_t *m = msg;
	uint16_t u16, cnt;
	uint32_t u32;
	size_t i, k;

	if (def == NULL)
		return PC_ENOTFOUND;
	RETURN_VAL_IF_FAIL(msg != NULL || def->nfields == 0, PC_EINTERNAL);
	if (msg != NULL)
		memset(msg, 0, def->size);
	for (i = 0; i < def->nfields && !rd.bad; i++) {
		f = &def->fields[i];
		switch (f->kind) {
		case SF_U16:
			u16 = signer_get_u16(&rd);
			rd.bad = rd.bad || u16 < f->min || u16 > f->max;
			memcpy(m + f->off, &u16, sizeof(u16));
			break;
		case SF_U32:
			u32 = signer_get_u32(&rd);
			rd.bad = rd.bad || u32 < f->min || u32 > f->max;
			memcpy(m + f->off, &u32, sizeof(u32));
			break;
		case SF_BYTES:
		case SF_TEXT:
			b = (struct signer_bytes *)(m + f->off);
			b->p = signer_get_bytes16(&rd, f->max, &b->n);
			rd.bad =
			    rd.bad || !bytes_ok(f->kind, f->min, f->max, b);
			break;
		case SF_LIST:
			cnt = signer_get_u16(&rd);
			rd.bad = rd.bad || cnt < f->min || cnt > f->max;
			b = (struct signer_bytes *)(m + f->off);
			for (k = 0; k < cnt && !rd.bad; k++)
				b[k].p =
				    signer_get_bytes16(&rd, f->emax, &b[k].n);
			if (!rd.bad) {
				memcpy(m + f->aux, &cnt, sizeof(cnt));
				rd.bad = !list_ok(f, b, cnt);
			}
			break;
		}
	}
	if (rd.bad || rd.n != 0 || (def->check != NULL && !def->check(msg))) {
		if (msg != NULL)
			memset(msg, 0, def->size);
		return PC_EINVAL;
	}
	return PC_OK;
}

bool
signer_text(const struct signer_bytes *b, char *out, size_t size)
{
	if (size == 0 || b->n >= size) {
		if (size > 0)
			out[0] = '\0';
		return false;
	}
	if (b->n > 0)
		memcpy(out, b->p, b->n);
	out[b->n] = '\0';
	return true;
}

bool
signer_reply_hsm_failed(uint16_t type, const void *rep)
{
	const struct signer_msgdef *def = signer_msg_def(type);
	const struct signer_field *f;
	size_t i;

	for (i = 0; def != NULL && rep != NULL && i < def->nfields; i++) {
		f = &def->fields[i];
		if (f->kind == SF_U32 && strcmp(f->name, "rc") == 0 &&
		    *(const uint32_t *)((const char *)rep + f->off) ==
		        (uint32_t)PC_EHSM)
			return true;
		if (f->kind == SF_U16 && strcmp(f->name, "result") == 0 &&
		    (type == SIGNER_MSG_SIGN_USER_REPLY ||
		        type == SIGNER_MSG_ISSUE_USER_REPLY) &&
		    *(const uint16_t *)((const char *)rep + f->off) ==
		        USER_R_SIGN_FAILED)
			return true;
	}
	return false;
}
