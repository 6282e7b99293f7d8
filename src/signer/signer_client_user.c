/*
 * signer_client_user.c: the caller's side of SIGN_USER (see signer.h).
 * The TOTP code crosses the channel once; the body is zeroed after use.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/secret.h"
#include "signer/signer.h"
#include "signer/signer_int.h"

void
signer_user_reply_cleanup(struct signer_user_reply *r)
{
	if (r == NULL)
		return;
	free(r->sigs);
	free(r->siglens);
	r->sigs = NULL;
	r->siglens = NULL;
	r->n = 0;
}

enum pc_rc
signer_user_reply_take(const struct signer_m_sign_user_reply *r, unsigned want,
    struct signer_user_reply *out)
{
	unsigned i;

	out->result = (enum signer_user_result)r->result;
	out->retry_after = r->retry_after;
	out->transactions_left = r->transactions_left;
	if (r->rc != PC_OK)
		return (enum pc_rc)r->rc;
	if (out->result == USER_R_OK && r->nsigs != want)
		return PC_EINTERNAL;
	out->n = r->nsigs;
	if (out->n > 0) {
		out->sigs = calloc(out->n, sizeof(*out->sigs));
		out->siglens = calloc(out->n, sizeof(*out->siglens));
		if (out->sigs == NULL || out->siglens == NULL)
			return PC_ENOMEM;
	}
	for (i = 0; i < out->n; i++) {
		memcpy(out->sigs[i], r->sigs[i].p, r->sigs[i].n);
		out->siglens[i] = r->sigs[i].n;
	}
	return PC_OK;
}

void
signer_bytes_of(struct signer_bytes *b, const char *s)
{
	b->p = (const uint8_t *)(s != NULL ? s : "");
	b->n = s != NULL ? strlen(s) : 0;
}

enum pc_rc
signer_reply_end(struct buf *reply, enum pc_rc rc, void *secret, size_t n,
    enum signer_user_result *result)
{
	buf_cleanup(reply);
	if (rc != PC_OK) {
		secret_wipe(secret, n);
		*result = USER_R_SIGN_FAILED;
	}
	return rc;
}

void *
signer_hash_q(size_t size, unsigned n, size_t hlen, enum pc_rc *rc)
{
	void *q;

	*rc = PC_EINVAL;
	if (n == 0 || n > SIGNER_USER_HASHES_MAX || hlen > SIGNER_HASH_MAX)
		return NULL;
	q = calloc(1, size);
	*rc = q != NULL ? PC_OK : PC_ENOMEM;
	return q;
}

void
signer_hashes_of(struct signer_bytes *slots,
    const uint8_t (*hashes)[SIGNER_HASH_MAX], unsigned n, size_t hlen)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		slots[i].p = hashes[i];
		slots[i].n = hlen;
	}
}

enum pc_rc
signer_sign_call(struct signer_client *sc, uint16_t type, void *q, size_t qsize,
    struct signer_bytes *slots, const uint8_t (*hashes)[SIGNER_HASH_MAX],
    unsigned n, size_t hlen, struct signer_user_reply *out)
{
	struct signer_m_sign_user_reply *r = calloc(1, sizeof(*r));
	struct buf reply;
	enum pc_rc rc = PC_ENOMEM;

	buf_init(&reply, 1);
	signer_hashes_of(slots, hashes, n, hlen);
	/* The table refuses what is out of bounds before it is sent. */
	if (r != NULL)
		rc = signer_call_msg(sc, type, q, r, &reply);
	if (rc == PC_OK)
		rc = signer_user_reply_take(r, n, out);
	buf_cleanup(&reply);
	secret_wipe(q, qsize); /* points at the code or the SAD */
	free(q);
	free(r);
	if (rc != PC_OK) {
		signer_user_reply_cleanup(out);
		out->result = USER_R_SIGN_FAILED;
	}
	return rc;
}

enum pc_rc
signer_client_sign_user(struct signer_client *sc,
    const struct signer_user_req *req, struct signer_user_reply *out)
{
	struct signer_m_sign_user *q;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = USER_R_SIGN_FAILED;
	RETURN_VAL_IF_FAIL(sc != NULL && req != NULL &&
	                       req->credential != NULL && req->sad != NULL,
	    PC_EINTERNAL);
	q = signer_hash_q(sizeof(*q), req->n, req->hlen, &rc);
	if (q == NULL)
		return rc;
	signer_bytes_of(&q->credential, req->credential);
	signer_bytes_of(&q->sad, req->sad);
	q->mech = (uint16_t)req->mech;
	q->md = (uint32_t)req->md_nid;
	q->timestamps = (uint16_t)req->timestamps;
	if (req->renewal != NULL) {
		signer_bytes_of(&q->renewal, req->renewal);
		signer_bytes_of(
		    &q->terms, req->terms != NULL ? req->terms : "");
	}
	q->nhashes = (uint16_t)req->n;
	return signer_sign_call(sc, SIGNER_MSG_SIGN_USER, q, sizeof(*q),
	    q->hashes, req->hashes, req->n, req->hlen, out);
}

enum pc_rc
signer_client_issue_user(struct signer_client *sc,
    const struct signer_issue_req *req, struct signer_issue_reply *out)
{
	struct signer_m_issue_user q;
	struct signer_m_issue_user_reply r;
	struct buf reply;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = USER_R_SIGN_FAILED;
	RETURN_VAL_IF_FAIL(sc != NULL && req != NULL && req->user != NULL &&
	                       (req->sad != NULL || req->renewal != NULL),
	    PC_EINTERNAL);
	buf_init(&reply, 1);
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	signer_bytes_of(&q.user, req->user);
	signer_bytes_of(&q.sad, req->sad);
	signer_bytes_of(&q.given_name, req->given_name);
	signer_bytes_of(&q.surname, req->surname);
	signer_bytes_of(&q.email, req->email);
	signer_bytes_of(&q.country, req->country);
	q.id_type = (uint16_t)req->id_type;
	signer_bytes_of(&q.id_number, req->id_number);
	q.years = (uint16_t)req->years;
	q.key = (uint16_t)req->key;
	q.transactions = req->transactions;
	signer_bytes_of(&q.renewal, req->renewal);
	/* Out of bounds (a name too long, a bad type): PC_EINVAL here. */
	rc = signer_call_msg(sc, SIGNER_MSG_ISSUE_USER, &q, &r, &reply);
	secret_wipe(&q, sizeof(q));
	if (rc != PC_OK)
		goto out;
	out->result = (enum signer_user_result)r.result;
	out->retry_after = r.retry_after;
	rc = (enum pc_rc)r.rc;
	if (rc == PC_OK && out->result == USER_R_OK &&
	    (!signer_text(
	         &r.sign_serial, out->sign_serial, sizeof(out->sign_serial)) ||
	        !signer_text(&r.auth_serial, out->auth_serial,
	            sizeof(out->auth_serial)) ||
	        !signer_text(&r.grant, out->grant, sizeof(out->grant))))
		rc = PC_EINTERNAL;
out:
	return signer_reply_end(
	    &reply, rc, out->grant, sizeof(out->grant), &out->result);
}

enum pc_rc
signer_client_sign_recover(struct signer_client *sc, const char *user,
    const char *batch, struct signer_recover_reply *out)
{
	struct signer_m_sign_recover q;
	struct signer_m_sign_recover_reply r;
	struct buf reply;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = RECOVER_R_UNKNOWN;
	RETURN_VAL_IF_FAIL(
	    sc != NULL && user != NULL && batch != NULL, PC_EINTERNAL);
	buf_init(&reply, 1);
	memset(&q, 0, sizeof(q));
	memset(&r, 0, sizeof(r));
	signer_bytes_of(&q.user, user);
	signer_bytes_of(&q.batch, batch);
	rc = signer_call_msg(sc, SIGNER_MSG_SIGN_RECOVER, &q, &r, &reply);
	if (rc == PC_OK)
		rc = (enum pc_rc)r.rc;
	if (rc == PC_OK) {
		out->result = (enum signer_recover_result)r.result;
		out->open = r.open != 0;
		out->kept = r.kept;
		out->undelivered = r.undelivered;
		out->refunded = r.refunded;
	}
	buf_cleanup(&reply);
	return rc;
}

enum pc_rc
signer_client_keys_retire(struct signer_client *sc, uint32_t *destroyed)
{
	struct signer_m_keys_retire_reply r;
	struct buf reply;
	enum pc_rc rc;

	*destroyed = 0;
	RETURN_VAL_IF_FAIL(sc != NULL, PC_EINTERNAL);
	buf_init(&reply, 1);
	memset(&r, 0, sizeof(r));
	rc = signer_call_msg(sc, SIGNER_MSG_KEYS_RETIRE, NULL, &r, &reply);
	if (rc == PC_OK)
		rc = (enum pc_rc)r.rc;
	if (rc == PC_OK)
		*destroyed = r.destroyed;
	buf_cleanup(&reply);
	return rc;
}
