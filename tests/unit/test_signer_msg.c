/*
 * test_signer_msg.c: the signer's message table (src/signer/signer_msg.c)
 * and the dispatcher that serves it.
 *
 * The rows: unique types, a request's reply is a row the signer sends,
 * members and lists inside their structs, bounds ordered, every body fits
 * the default signer.max_message, every request has a handler. The
 * codec: a message at every bound round-trips, one past a bound is
 * refused by the encoder and by the decoder (length, value, count, a NUL
 * in text, a trailing or missing byte, mixed hash lengths, rules across
 * fields). The receiver: the header's type, sender and length are
 * checked before a byte of the body is read. The dispatcher: what each
 * request gets without an HSM, TOTP key or store, and that anything but
 * a request closes the channel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/conf.h"
#include "signer/signer_int.h"
#include "signer/signer_msg.h"

#define DEFAULT_MAX_MESSAGE 65536 /* conf: [signer] max_message */

static struct signer_bytes
bytes(const void *p, size_t n)
{
	struct signer_bytes b = { p, n };

	return b;
}

static void
test_rows(void **state)
{
	const struct signer_msgdef *d, *e, *r;
	const struct signer_field *f;
	size_t i, j, nreq = 0;

	for (i = 0; (d = signer_msg_def_at(i)) != NULL; i++) {
		assert_ptr_equal(signer_msg_def(d->type), d);
		for (j = i + 1; (e = signer_msg_def_at(j)) != NULL; j++)
			assert_int_not_equal(d->type, e->type);
		assert_true(signer_msg_max_body(d) <= DEFAULT_MAX_MESSAGE);
		if (d->from == SIGNER_FROM_WEB) {
			nreq++;
			r = signer_msg_def(d->reply);
			assert_non_null(r);
			assert_int_equal(r->from, SIGNER_FROM_SIGNER);
		} else {
			assert_int_equal(d->from, SIGNER_FROM_SIGNER);
			assert_int_equal(d->reply, 0);
		}
		assert_true(d->nfields == 0 || d->size > 0);
		for (j = 0; j < d->nfields; j++) {
			f = &d->fields[j];
			assert_true(f->min <= f->max);
			switch (f->kind) {
			case SF_U16:
				assert_true(f->max <= UINT16_MAX);
				assert_true(f->off + 2 <= d->size);
				break;
			case SF_U32:
				assert_true(f->off + 4 <= d->size);
				break;
			case SF_BYTES:
			case SF_TEXT:
				assert_true(f->max <= UINT16_MAX);
				assert_true(
				    f->off + sizeof(struct signer_bytes) <=
				    d->size);
				break;
			case SF_LIST:
				/* The array holds max elements. */
				assert_true(
				    f->off +
				        f->max * sizeof(struct signer_bytes) <=
				    d->size);
				assert_true(f->aux + 2 <= d->size);
				assert_true(f->emin <= f->emax);
				break;
			default:
				fail_msg("row %s: unknown field kind", d->name);
			}
		}
	}
	assert_true(nreq >= 7);
	assert_null(signer_msg_def(0));
	assert_null(signer_msg_def(99));
	assert_int_equal(
	    signer_msg_max_body(signer_msg_def(SIGNER_MSG_PING)), 0);
}

/* A SIGN_USER of n hashes of hlen bytes with timestamps ts. */
static void
sign_user(struct signer_m_sign_user *m, unsigned n, size_t hlen, unsigned ts)
{
	static const uint8_t h[SIGNER_HASH_MAX + 1];
	unsigned i;

	memset(m, 0, sizeof(*m));
	m->credential = bytes("0a1b2c", 6);
	m->sad = bytes("123456", 6);
	m->mech = HSM_MECH_ECDSA;
	m->md = 672;
	m->timestamps = (uint16_t)ts;
	m->nhashes = (uint16_t)n;
	for (i = 0; i < n; i++)
		m->hashes[i] = bytes(h, hlen);
}

static enum pc_rc
encode(uint16_t type, const void *m, struct buf *b)
{
	buf_cleanup(b);
	buf_init(b, DEFAULT_MAX_MESSAGE);
	return signer_msg_encode(type, m, b);
}

static void
test_roundtrip(void **state)
{
	struct signer_m_sign_user *m, *d;
	struct signer_m_totp t, dt;
	struct signer_m_sig s, ds;
	char label[HSM_LABEL_MAX];
	uint8_t sig[HSM_SIG_MAX] = { 1, 2, 3 };
	struct buf b;
	unsigned i;

	m = calloc(1, sizeof(*m));
	d = calloc(1, sizeof(*d));
	assert_non_null(m);
	assert_non_null(d);
	buf_init(&b, 1);
	/* At every upper bound at once. */
	sign_user(
	    m, SIGNER_USER_HASHES_MAX, SIGNER_HASH_MAX, SIGNER_USER_HASHES_MAX);
	memset(label, 'a', sizeof(label));
	m->credential = bytes(label, STORE_SERIAL_MAX);
	{
		/* A grant's length: hex digits. */
		static char sad[SIGNER_SAD_MAX];

		memset(sad, '7', sizeof(sad));
		m->sad = bytes(sad, SIGNER_SAD_MAX);
	}
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_OK);
	/* ... but a renewal's (its id and terms version), which go with
	 * one hash only. */
	assert_int_equal(b.len + STORE_ID_LEN + SIGNER_TERMS_MAX,
	    signer_msg_max_body(signer_msg_def(SIGNER_MSG_SIGN_USER)));
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_USER, b.data, b.len, d), PC_OK);
	assert_int_equal(d->nhashes, SIGNER_USER_HASHES_MAX);
	assert_int_equal(d->timestamps, SIGNER_USER_HASHES_MAX);
	assert_int_equal(d->mech, HSM_MECH_ECDSA);
	assert_int_equal(d->md, 672);
	assert_int_equal(d->credential.n, STORE_SERIAL_MAX);
	for (i = 0; i < d->nhashes; i++)
		assert_int_equal(d->hashes[i].n, SIGNER_HASH_MAX);
	/* Decoded bytes point into the body. */
	assert_true(d->sad.p > b.data && d->sad.p < b.data + b.len);
	for (i = 0; i < SIGNER_SAD_MAX; i++)
		assert_int_equal(d->sad.p[i], '7');

	/* A TOTP request carries only its row's fields. */
	memset(&t, 0, sizeof(t));
	t.user = bytes("u1", 2);
	t.purpose = bytes("login", 5);
	t.code = bytes("000111", 6);
	t.label = bytes("not sent", 8);
	assert_int_equal(encode(SIGNER_MSG_TOTP_VERIFY, &t, &b), PC_OK);
	assert_int_equal(b.len, 2 + 2 + 2 + 5 + 2 + 6);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_TOTP_VERIFY, b.data, b.len, &dt),
	    PC_OK);
	assert_int_equal(dt.label.n, 0);
	assert_memory_equal(dt.code.p, "000111", 6);
	assert_true(signer_text(&dt.purpose, label, sizeof(label)));
	assert_string_equal(label, "login");
	assert_false(signer_text(&dt.purpose, label, 5)); /* too small */

	/* Lower bounds: an empty signature, a zero rc. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(encode(SIGNER_MSG_SIG, &s, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIG, b.data, b.len, &ds), PC_OK);
	s.rc = PC_EINTERNAL;
	s.sig = bytes(sig, sizeof(sig));
	assert_int_equal(encode(SIGNER_MSG_SIG, &s, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIG, b.data, b.len, &ds), PC_OK);
	assert_int_equal(ds.sig.n, HSM_SIG_MAX);
	/* PING has no body. */
	assert_int_equal(encode(SIGNER_MSG_PING, NULL, &b), PC_OK);
	assert_int_equal(b.len, 0);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_PING, b.data, 0, NULL), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_PING, (const uint8_t *)"x", 1, NULL),
	    PC_EINVAL);
	buf_cleanup(&b);
	free(m);
	free(d);
}

/* ISSUE_USER: a round trip; the reply's rule (serials and a grant with an
 * OK only); a type out of range refused by the encoder. */
static void
test_issue_user(void **state)
{
	struct signer_m_issue_user m, d;
	struct signer_m_issue_user_reply r, dr;
	char grant[SIGNER_GRANT_LEN];
	struct buf b;

	memset(&m, 0, sizeof(m));
	buf_init(&b, 1);
	m.user = bytes("0123456789abcdef0123456789abcdef", 32);
	m.sad = bytes("123456", 6);
	m.given_name = bytes("Ana", 3);
	m.surname = bytes("Pop", 3);
	m.email = bytes("ana@example.ro", 14);
	m.country = bytes("RO", 2);
	m.id_type = 1;
	m.id_number = bytes("2900101410011", 13);
	m.years = 3;
	m.key = HSM_KEY_RSA3072;
	m.transactions = 500;
	assert_int_equal(encode(SIGNER_MSG_ISSUE_USER, &m, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_ISSUE_USER, b.data, b.len, &d), PC_OK);
	assert_int_equal(d.years, 3);
	assert_int_equal(d.transactions, 500);
	assert_memory_equal(d.id_number.p, "2900101410011", 13);
	m.years = 4;
	assert_int_equal(encode(SIGNER_MSG_ISSUE_USER, &m, &b), PC_EINVAL);
	m.years = 1;
	m.country = bytes("ROU", 3);
	assert_int_equal(encode(SIGNER_MSG_ISSUE_USER, &m, &b), PC_EINVAL);

	memset(&r, 0, sizeof(r));
	memset(grant, 'f', sizeof(grant));
	r.result = USER_R_OK;
	r.sign_serial = bytes("0a", 2);
	r.auth_serial = bytes("0b", 2);
	r.grant = bytes(grant, sizeof(grant));
	assert_int_equal(encode(SIGNER_MSG_ISSUE_USER_REPLY, &r, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_ISSUE_USER_REPLY, b.data, b.len, &dr),
	    PC_OK);
	assert_int_equal(dr.grant.n, SIGNER_GRANT_LEN);
	/* A refusal carries no serial and no grant: not even encoded. */
	r.result = USER_R_TOTP_BAD;
	assert_int_not_equal(
	    encode(SIGNER_MSG_ISSUE_USER_REPLY, &r, &b), PC_OK);
	buf_cleanup(&b);
}

/* The CSC messages: their bounds and the SAD reply's rule. */
static void
test_csc(void **state)
{
	struct signer_m_csc_authorize *a, *da;
	struct signer_m_csc_sign *cs;
	struct signer_m_csc_sad_reply r, dr;
	char tok[SIGNER_TOKEN_HEX + 1], sad[SIGNER_SAD_HEX + 1];
	static const uint8_t h[SIGNER_HASH_MAX];
	struct buf b;

	a = calloc(1, sizeof(*a));
	da = calloc(1, sizeof(*da));
	cs = calloc(1, sizeof(*cs));
	assert_non_null(a);
	assert_non_null(da);
	assert_non_null(cs);
	buf_init(&b, 1);
	memset(tok, 'a', SIGNER_TOKEN_HEX);
	tok[SIGNER_TOKEN_HEX] = '\0';
	memset(sad, 'b', SIGNER_SAD_HEX);
	sad[SIGNER_SAD_HEX] = '\0';
	a->user = bytes("u1", 2);
	a->token = bytes(tok, SIGNER_TOKEN_HEX);
	a->credential = bytes("0a1b", 4);
	a->code = bytes("123456", 6);
	a->md = 672;
	a->nhashes = 2;
	a->hashes[0] = bytes(h, 32);
	a->hashes[1] = bytes(h, 32);
	assert_int_equal(encode(SIGNER_MSG_CSC_AUTHORIZE, a, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_CSC_AUTHORIZE, b.data, b.len, da),
	    PC_OK);
	assert_int_equal(da->nhashes, 2);
	assert_memory_equal(da->token.p, tok, SIGNER_TOKEN_HEX);
	/* The token binding is always a whole SHA-256 in hex. */
	a->token = bytes(tok, SIGNER_TOKEN_HEX - 1);
	assert_int_equal(encode(SIGNER_MSG_CSC_AUTHORIZE, a, &b), PC_EINVAL);
	a->token = bytes(tok, SIGNER_TOKEN_HEX);
	a->hashes[1] = bytes(h, 48); /* one length per authorization */
	assert_int_equal(encode(SIGNER_MSG_CSC_AUTHORIZE, a, &b), PC_EINVAL);
	a->hashes[1] = bytes(h, 16); /* shorter than any digest */
	a->hashes[0] = bytes(h, 16);
	assert_int_equal(encode(SIGNER_MSG_CSC_AUTHORIZE, a, &b), PC_EINVAL);

	cs->token = bytes(tok, SIGNER_TOKEN_HEX);
	cs->credential = bytes("0a1b", 4);
	cs->sad = bytes(sad, SIGNER_SAD_HEX);
	cs->mech = HSM_MECH_RSA_PKCS1;
	cs->md = 672;
	cs->nhashes = 1;
	cs->hashes[0] = bytes(h, 32);
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN, cs, &b), PC_OK);
	cs->sad = bytes("", 0); /* no SAD */
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN, cs, &b), PC_EINVAL);
	cs->sad = bytes(sad, SIGNER_SAD_HEX);
	assert_int_equal(encode(SIGNER_MSG_CSC_EXTEND, cs, &b), PC_OK);

	/* A SAD with an OK only, and of its whole length. */
	memset(&r, 0, sizeof(r));
	r.result = USER_R_OK;
	r.sad = bytes(sad, SIGNER_SAD_HEX);
	r.expires_in = SIGNER_SAD_TTL_S;
	assert_int_equal(encode(SIGNER_MSG_CSC_SAD_REPLY, &r, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_CSC_SAD_REPLY, b.data, b.len, &dr),
	    PC_OK);
	assert_int_equal(dr.sad.n, SIGNER_SAD_HEX);
	r.expires_in = SIGNER_AUTH_SAD_TTL_MAX; /* an authentication SAD */
	assert_int_equal(encode(SIGNER_MSG_CSC_SAD_REPLY, &r, &b), PC_OK);
	r.expires_in = SIGNER_AUTH_SAD_TTL_MAX + 1; /* never past an hour */
	assert_int_equal(encode(SIGNER_MSG_CSC_SAD_REPLY, &r, &b), PC_EINVAL);
	r.expires_in = SIGNER_SAD_TTL_S;
	r.sad = bytes(sad, 10);
	assert_int_equal(encode(SIGNER_MSG_CSC_SAD_REPLY, &r, &b), PC_EINVAL);
	r.result = USER_R_TOTP_BAD;
	r.sad = bytes(sad, SIGNER_SAD_HEX);
	assert_int_equal(encode(SIGNER_MSG_CSC_SAD_REPLY, &r, &b), PC_EINVAL);
	r.sad = bytes("", 0);
	r.expires_in = 0;
	assert_int_equal(encode(SIGNER_MSG_CSC_SAD_REPLY, &r, &b), PC_OK);
	buf_cleanup(&b);
	free(a);
	free(da);
	free(cs);
}

/* CSC_SIGN_DOC: one hash to sign per document, up to two timestamps each. */
static void
test_csc_sign_doc(void **state)
{
	struct signer_m_csc_sign_doc *m, *d;
	uint8_t h[64] = { 3 };
	char tok[SIGNER_TOKEN_HEX + 1], sad[SIGNER_SAD_HEX + 1];
	struct buf b;

	(void)state;
	m = calloc(1, sizeof(*m));
	d = calloc(1, sizeof(*d));
	assert_non_null(m);
	assert_non_null(d);
	buf_init(&b, 1);
	memset(tok, 'a', SIGNER_TOKEN_HEX);
	tok[SIGNER_TOKEN_HEX] = '\0';
	memset(sad, 'b', SIGNER_SAD_HEX);
	sad[SIGNER_SAD_HEX] = '\0';
	m->token = bytes(tok, SIGNER_TOKEN_HEX);
	m->credential = bytes("0a1b", 4);
	m->sad = bytes(sad, SIGNER_SAD_HEX);
	m->mech = HSM_MECH_RSA_PKCS1;
	m->md = 672;
	m->dmd = 673;
	m->ndocs = 2;
	m->docs[0] = bytes(h, 48);
	m->docs[1] = bytes(h, 48);
	m->nhashes = 2;
	m->hashes[0] = bytes(h, 32);
	m->hashes[1] = bytes(h, 32);
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_CSC_SIGN_DOC, b.data, b.len, d),
	    PC_OK);
	assert_int_equal(d->ndocs, 2);
	assert_int_equal(d->docs[1].n, 48);
	assert_int_equal(d->hashes[1].n, 32);
	assert_int_equal(d->dmd, 673);
	m->timestamps = 2; /* a time-stamp for each */
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_OK);
	m->timestamps = 4; /* B-LTA: and a document time-stamp */
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_OK);
	m->timestamps = 5; /* at most two for each */
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_EINVAL);
	m->timestamps = 0;
	m->nhashes = 1; /* one signature per document */
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_EINVAL);
	m->nhashes = 2;
	m->docs[1] = bytes(h, 32); /* the documents' hashes of one length */
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_EINVAL);
	m->docs[1] = bytes(h, 48);
	m->mech = HSM_MECH_RSA_PSS_MAXSALT; /* only what the engine makes */
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_EINVAL);
	m->mech = HSM_MECH_RSA_PKCS1;
	m->sad = bytes("", 0);
	assert_int_equal(encode(SIGNER_MSG_CSC_SIGN_DOC, m, &b), PC_EINVAL);
	buf_cleanup(&b);
	free(m);
	free(d);
}

static void
test_bounds(void **state)
{
	struct signer_m_sign_user *m, *d;
	struct signer_m_sign_user_reply r;
	struct signer_m_sign_service ss;
	struct signer_m_totp t;
	uint8_t h[SIGNER_HASH_MAX + 1] = { 0 };
	char s[SIGNER_TOTP_LABEL_MAX + 2];
	struct buf b;

	m = calloc(1, sizeof(*m));
	d = calloc(1, sizeof(*d));
	assert_non_null(m);
	assert_non_null(d);
	buf_init(&b, 1);
	memset(s, 'x', sizeof(s));

	/* One past a bound: the encoder refuses, nothing is sent. */
	sign_user(m, SIGNER_USER_HASHES_MAX, 32, 0);
	m->nhashes++; /* the count is checked before any element */
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 0, 32, 0);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, SIGNER_HASH_MAX + 1, 0);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, 0, 0);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 2, 32, 4); /* B-LTA: two timestamps each */
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_OK);
	sign_user(m, 2, 32, 5); /* more than two each */
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 2, 32, 0);
	m->hashes[1] = bytes(h, 48); /* one SIGN_USER, one hash size */
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, 32, 0);
	m->sad = bytes("12345678901234567", SIGNER_SAD_MAX + 1);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, 32, 0);
	m->mech = 7;
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, 32, 0);
	m->credential = bytes("ab\0cd", 5); /* a NUL in text */
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	/* A renewal's terms: one document, its version given; a version
	 * only with a renewal. */
	sign_user(m, 2, 32, 0);
	m->renewal = bytes("00000000000000000000000000000000", 32);
	m->terms = bytes("2026-01", 7);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, 32, 1);
	m->renewal = bytes("00000000000000000000000000000000", 32);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, 32, 0);
	m->terms = bytes("2026-01", 7);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_EINVAL);
	sign_user(m, 1, 32, 1);
	m->renewal = bytes("00000000000000000000000000000000", 32);
	m->terms = bytes("2026-01", 7);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_OK);
	memset(&t, 0, sizeof(t));
	t.user = bytes(s, SIGNER_TOTP_ID_MAX + 1);
	assert_int_equal(encode(SIGNER_MSG_TOTP_QR_URI, &t, &b), PC_EINVAL);
	t.user = bytes("u", 1);
	t.label = bytes(s, SIGNER_TOTP_LABEL_MAX + 1);
	assert_int_equal(encode(SIGNER_MSG_TOTP_QR_URI, &t, &b), PC_EINVAL);
	t.label = bytes(s, SIGNER_TOTP_LABEL_MAX);
	assert_int_equal(encode(SIGNER_MSG_TOTP_QR_URI, &t, &b), PC_OK);
	t.user = bytes("", 0); /* no user */
	assert_int_equal(encode(SIGNER_MSG_TOTP_QR_URI, &t, &b), PC_EINVAL);
	memset(&r, 0, sizeof(r));
	r.result = USER_R_QUOTA;
	r.nsigs = 1; /* a refusal with a signature */
	r.sigs[0] = bytes(h, 8);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER_REPLY, &r, &b), PC_EINVAL);
	r.nsigs = 0;
	r.result = USER_R_ALGO + 1;
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER_REPLY, &r, &b), PC_EINVAL);

	/* The decoder refuses the same, from raw bytes. */
	sign_user(m, 2, 32, 1);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, m, &b), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_USER, b.data, b.len, d), PC_OK);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_USER, b.data, b.len - 1, d),
	    PC_EINVAL);                  /* truncated */
	assert_int_equal(d->nhashes, 0); /* zeroed on refusal */
	buf_append(&b, "", 1);
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_USER, b.data, b.len, d),
	    PC_EINVAL); /* trailing byte */
	b.len--;
	b.data[b.len - 33] = 48; /* the second hash announces 48 bytes */
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_USER, b.data, b.len, d),
	    PC_EINVAL);
	b.data[b.len - 33] = 32;
	b.data[2 + 6 + 2 + 6 + 2 + 4 + 1] = 5; /* 5 timestamps, 2 hashes */
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_USER, b.data, b.len, d),
	    PC_EINVAL);
	memset(&ss, 0, sizeof(ss));
	ss.label = bytes("tsa", 3);
	ss.mech = HSM_MECH_RSA_PKCS1;
	ss.hash = bytes(h, 32);
	assert_int_equal(encode(SIGNER_MSG_SIGN_SERVICE, &ss, &b), PC_OK);
	b.data[3] = '\0'; /* "t\0a" */
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_SERVICE, b.data, b.len, &ss),
	    PC_EINVAL);
	b.data[3] = 's';
	b.data[5 + 1] = HSM_MECH_ECDSA + 1; /* no such mechanism */
	assert_int_equal(
	    signer_msg_decode(SIGNER_MSG_SIGN_SERVICE, b.data, b.len, &ss),
	    PC_EINVAL);
	assert_int_equal(
	    signer_msg_decode(99, b.data, b.len, &ss), PC_ENOTFOUND);
	buf_cleanup(&b);
	free(m);
	free(d);
}

/* Write a header of type with length len (and no body) into fd. */
static void
send_hdr(int fd, uint16_t type, uint32_t len)
{
	struct signer_hdr h = { SIGNER_MAGIC, SIGNER_VERSION, type, 1, len };
	uint8_t raw[SIGNER_HDR_LEN];

	signer_hdr_encode(&h, raw);
	assert_int_equal(write(fd, raw, sizeof(raw)), (ssize_t)sizeof(raw));
}

static void
test_receiver(void **state)
{
	struct signer_hdr h;
	struct buf in;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* No body follows: refused from the header alone (no wait). */
	send_hdr(sv[0], SIGNER_MSG_PING, 8);
	assert_int_equal(signer_recv_msg(sv[1], 1000, DEFAULT_MAX_MESSAGE,
	                     SIGNER_FROM_WEB, &h, &in),
	    PC_EINVAL);
	buf_cleanup(&in);
	send_hdr(sv[0], SIGNER_MSG_SIGN_USER, 60000); /* past its largest */
	assert_int_equal(signer_recv_msg(sv[1], 1000, DEFAULT_MAX_MESSAGE,
	                     SIGNER_FROM_WEB, &h, &in),
	    PC_EINVAL);
	buf_cleanup(&in);
	send_hdr(sv[0], SIGNER_MSG_SIG, 0); /* a reply, to the signer */
	assert_int_equal(signer_recv_msg(sv[1], 1000, DEFAULT_MAX_MESSAGE,
	                     SIGNER_FROM_WEB, &h, &in),
	    PC_EINVAL);
	buf_cleanup(&in);
	send_hdr(sv[0], SIGNER_MSG_PING, 0); /* a request, to the web side */
	assert_int_equal(signer_recv_msg(sv[1], 1000, DEFAULT_MAX_MESSAGE,
	                     SIGNER_FROM_SIGNER, &h, &in),
	    PC_EINVAL);
	buf_cleanup(&in);
	send_hdr(sv[0], 99, 0);
	assert_int_equal(signer_recv_msg(sv[1], 1000, DEFAULT_MAX_MESSAGE,
	                     SIGNER_FROM_WEB, &h, &in),
	    PC_EINVAL);
	buf_cleanup(&in);
	/* What the table takes goes through. */
	send_hdr(sv[0], SIGNER_MSG_PONG, 0);
	assert_int_equal(signer_recv_msg(sv[1], 1000, DEFAULT_MAX_MESSAGE,
	                     SIGNER_FROM_SIGNER, &h, &in),
	    PC_OK);
	assert_int_equal(h.type, SIGNER_MSG_PONG);
	buf_cleanup(&in);
	close(sv[0]);
	close(sv[1]);
}

/* Dispatch type with body; the reply decoded into out. */
static enum pc_rc
dispatch(struct signer_srv *srv, uint16_t type, const struct buf *body,
    uint16_t *rtype, void *out)
{
	struct buf reply;
	enum pc_rc rc;

	buf_init(&reply, DEFAULT_MAX_MESSAGE);
	rc = signer_dispatch(srv, type, body != NULL ? body->data : NULL,
	    body != NULL ? body->len : 0, rtype, &reply);
	if (rc == PC_OK)
		assert_int_equal(
		    signer_msg_decode(*rtype, reply.data, reply.len, out),
		    PC_OK);
	buf_cleanup(&reply);
	return rc;
}

static void
test_dispatch(void **state)
{
	struct signer_srv srv;
	struct conf conf;
	struct signer_m_sign_service ss;
	struct signer_m_sign_user *su;
	struct signer_m_sig sig;
	struct signer_m_totp t;
	struct signer_m_totp_reply tr;
	struct signer_m_sign_user_reply *ur;
	uint8_t h[32] = { 0 };
	uint16_t rtype = 0;
	struct buf b;

	memset(&conf, 0, sizeof(conf));
	conf.signer.max_message = DEFAULT_MAX_MESSAGE;
	memset(&srv, 0, sizeof(srv));
	srv.conf = &conf;
	su = calloc(1, sizeof(*su));
	ur = calloc(1, sizeof(*ur));
	assert_non_null(su);
	assert_non_null(ur);
	buf_init(&b, 1);

	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_PING, NULL, &rtype, NULL), PC_OK);
	assert_int_equal(rtype, SIGNER_MSG_PONG);
	/* Not an online service key: refused before any HSM. */
	memset(&ss, 0, sizeof(ss));
	ss.label = bytes("root-key", 8);
	ss.mech = HSM_MECH_RSA_PKCS1;
	ss.hash = bytes(h, sizeof(h));
	assert_int_equal(encode(SIGNER_MSG_SIGN_SERVICE, &ss, &b), PC_OK);
	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_SIGN_SERVICE, &b, &rtype, &sig), PC_OK);
	assert_int_equal(rtype, SIGNER_MSG_SIG);
	assert_int_equal(sig.rc, PC_EAUTH);
	assert_int_equal(sig.sig.n, 0);
	/* Malformed: answered PC_EINVAL in its reply type. */
	b.len--;
	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_SIGN_SERVICE, &b, &rtype, &sig), PC_OK);
	assert_int_equal(sig.rc, PC_EINVAL);
	/* No TOTP key, no holders' keys: unavailable, in the reply. */
	memset(&t, 0, sizeof(t));
	t.user = bytes("u1", 2);
	t.purpose = bytes("login", 5);
	t.code = bytes("123456", 6);
	assert_int_equal(encode(SIGNER_MSG_TOTP_VERIFY, &t, &b), PC_OK);
	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_TOTP_VERIFY, &b, &rtype, &tr), PC_OK);
	assert_int_equal(rtype, SIGNER_MSG_TOTP_REPLY);
	assert_int_equal(tr.rc, PC_EUNAVAIL);
	assert_int_equal(tr.result, TOTP_R_NONE);
	/* The same body as another TOTP type: its own row decides. */
	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_TOTP_QR_URI, &b, &rtype, &tr), PC_OK);
	assert_int_equal(tr.rc, PC_EINVAL);
	sign_user(su, 1, 32, 0);
	assert_int_equal(encode(SIGNER_MSG_SIGN_USER, su, &b), PC_OK);
	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_SIGN_USER, &b, &rtype, ur), PC_OK);
	assert_int_equal(rtype, SIGNER_MSG_SIGN_USER_REPLY);
	assert_int_equal(ur->rc, PC_EUNAVAIL);
	assert_int_equal(ur->result, USER_R_SIGN_FAILED);
	assert_int_equal(ur->nsigs, 0);
	/* Anything but a request closes the channel. */
	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_PONG, NULL, &rtype, NULL), PC_EINVAL);
	assert_int_equal(
	    dispatch(&srv, SIGNER_MSG_SIGN_USER_REPLY, &b, &rtype, NULL),
	    PC_EINVAL);
	assert_int_equal(dispatch(&srv, 99, NULL, &rtype, NULL), PC_EINVAL);
	buf_cleanup(&b);
	free(su);
	free(ur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_issue_user),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_csc),
		cmocka_unit_test(test_csc_sign_doc),
		cmocka_unit_test(test_receiver),
		cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
