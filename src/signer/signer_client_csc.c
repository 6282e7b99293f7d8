/*
 * signer_client_csc.c: the caller's side of CSC_AUTHORIZE, CSC_SIGN and
 * CSC_EXTEND (see signer.h). The TOTP code and the SAD cross the channel
 * once; the bodies are wiped after use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"
#include "signer/signer.h"
#include "signer/signer_int.h"

/* The reply r into out. */
static enum pc_rc
sad_out(
    const struct signer_m_csc_sad_reply *r, struct signer_csc_sad_reply *out)
{
	out->result = (enum signer_user_result)r->result;
	out->retry_after = r->retry_after;
	if (r->rc != PC_OK)
		return (enum pc_rc)r->rc;
	if (out->result == USER_R_OK &&
	    !signer_text(&r->sad, out->sad, sizeof(out->sad)))
		return PC_EINTERNAL;
	out->expires_in = r->expires_in;
	return PC_OK;
}

/*
 * Send q (qsize bytes; wiped here, freed when heap) with the n hashes of
 * hlen bytes in slots, and read the SAD reply into out.
 */
static enum pc_rc
sad_call(struct signer_client *sc, uint16_t type, void *q, size_t qsize,
    bool heap, struct signer_bytes *slots,
    const uint8_t (*hashes)[SIGNER_HASH_MAX], unsigned n, size_t hlen,
    struct signer_csc_sad_reply *out)
{
	struct signer_m_csc_sad_reply r;
	struct buf reply;
	enum pc_rc rc;

	buf_init(&reply, 1);
	memset(&r, 0, sizeof(r));
	signer_hashes_of(slots, hashes, n, hlen);
	rc = signer_call_msg(sc, type, q, &r, &reply);
	secret_wipe(q, qsize); /* the code or the SAD */
	if (heap)
		free(q);
	if (rc == PC_OK)
		rc = sad_out(&r, out);
	return signer_reply_end(
	    &reply, rc, out->sad, sizeof(out->sad), &out->result);
}

enum pc_rc
signer_client_csc_authorize(struct signer_client *sc,
    const struct signer_csc_auth_req *req, struct signer_csc_sad_reply *out)
{
	struct signer_m_csc_authorize *q = NULL;

	memset(out, 0, sizeof(*out));
	out->result = USER_R_SIGN_FAILED;
	RETURN_VAL_IF_FAIL(sc != NULL && req != NULL, PC_EINTERNAL);
	if (req->n > SIGNER_USER_HASHES_MAX || req->hlen > SIGNER_HASH_MAX)
		return PC_EINVAL;
	if (req->n == 0
	        ? req->uses < 1 || req->uses > SIGNER_AUTH_SAD_USES_MAX ||
	              req->ttl < 1 || req->ttl > SIGNER_AUTH_SAD_TTL_MAX
	        : req->uses != 0 || req->ttl != 0)
		return PC_EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return PC_ENOMEM;
	signer_bytes_of(&q->user, req->user);
	signer_bytes_of(&q->token, req->token);
	signer_bytes_of(&q->credential, req->credential);
	signer_bytes_of(&q->code, req->code);
	q->md = (uint32_t)req->md_nid;
	q->nhashes = (uint16_t)req->n;
	q->uses = (uint16_t)req->uses;
	q->ttl = req->ttl;
	return sad_call(sc, SIGNER_MSG_CSC_AUTHORIZE, q, sizeof(*q), true,
	    q->hashes, req->hashes, req->n, req->hlen, out);
}

enum pc_rc
signer_client_csc_sign(struct signer_client *sc,
    const struct signer_csc_sign_req *req, struct signer_user_reply *out)
{
	struct signer_m_csc_sign *q;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = USER_R_SIGN_FAILED;
	RETURN_VAL_IF_FAIL(sc != NULL && req != NULL, PC_EINTERNAL);
	q = signer_hash_q(sizeof(*q), req->n, req->hlen, &rc);
	if (q == NULL)
		return rc;
	signer_bytes_of(&q->token, req->token);
	signer_bytes_of(&q->credential, req->credential);
	signer_bytes_of(&q->sad, req->sad);
	q->mech = (uint16_t)req->mech;
	q->md = (uint32_t)req->md_nid;
	q->nhashes = (uint16_t)req->n;
	return signer_sign_call(sc, SIGNER_MSG_CSC_SIGN, q, sizeof(*q),
	    q->hashes, req->hashes, req->n, req->hlen, out);
}

enum pc_rc
signer_client_csc_sign_doc(struct signer_client *sc,
    const struct signer_csc_doc_req *req, struct signer_user_reply *out)
{
	struct signer_m_csc_sign_doc *q;
	unsigned i;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = USER_R_SIGN_FAILED;
	RETURN_VAL_IF_FAIL(sc != NULL && req != NULL, PC_EINTERNAL);
	if (req->dlen > SIGNER_HASH_MAX)
		return PC_EINVAL;
	q = signer_hash_q(sizeof(*q), req->sign.n, req->sign.hlen, &rc);
	if (q == NULL)
		return rc;
	signer_bytes_of(&q->token, req->sign.token);
	signer_bytes_of(&q->credential, req->sign.credential);
	signer_bytes_of(&q->sad, req->sign.sad);
	q->mech = (uint16_t)req->sign.mech;
	q->md = (uint32_t)req->sign.md_nid;
	q->timestamps = (uint16_t)req->timestamps;
	q->dmd = (uint32_t)req->dmd;
	q->ndocs = (uint16_t)req->sign.n;
	for (i = 0; i < req->sign.n; i++) {
		q->docs[i].p = req->docs[i];
		q->docs[i].n = req->dlen;
	}
	q->nhashes = (uint16_t)req->sign.n;
	return signer_sign_call(sc, SIGNER_MSG_CSC_SIGN_DOC, q, sizeof(*q),
	    q->hashes, req->sign.hashes, req->sign.n, req->sign.hlen, out);
}

enum pc_rc
signer_client_csc_extend(struct signer_client *sc,
    const struct signer_csc_sign_req *req, struct signer_csc_sad_reply *out)
{
	struct signer_m_csc_sign q;

	memset(out, 0, sizeof(*out));
	out->result = USER_R_SIGN_FAILED;
	RETURN_VAL_IF_FAIL(sc != NULL && req != NULL, PC_EINTERNAL);
	if (req->n > SIGNER_USER_HASHES_MAX || req->hlen > SIGNER_HASH_MAX)
		return PC_EINVAL;
	memset(&q, 0, sizeof(q));
	signer_bytes_of(&q.token, req->token);
	signer_bytes_of(&q.credential, req->credential);
	signer_bytes_of(&q.sad, req->sad);
	q.md = (uint32_t)req->md_nid;
	q.nhashes = (uint16_t)req->n;
	return sad_call(sc, SIGNER_MSG_CSC_EXTEND, &q, sizeof(q), false,
	    q.hashes, req->hashes, req->n, req->hlen, out);
}
