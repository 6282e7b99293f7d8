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
signer_client_sign_user(struct signer_client *sc,
    const struct signer_user_req *req, struct signer_user_reply *out)
{
	struct buf body, reply;
	struct signer_rd rd;
	const uint8_t *p;
	uint32_t src;
	unsigned i;
	size_t n;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	out->result = USER_R_SIGN_FAILED;
	RETURN_VAL_IF_FAIL(sc != NULL && req != NULL &&
	                       req->credential != NULL && req->sad != NULL,
	    PC_EINTERNAL);
	if (req->n == 0 || req->n > SIGNER_USER_HASHES_MAX ||
	    req->timestamps > req->n || req->hlen == 0 ||
	    req->hlen > SIGNER_HASH_MAX || strlen(req->sad) > SIGNER_SAD_MAX)
		return PC_EINVAL;
	buf_init(&body, 65536);
	signer_put_bytes16(&body, req->credential, strlen(req->credential));
	signer_put_bytes16(&body, req->sad, strlen(req->sad));
	signer_put_u16(&body, (uint16_t)req->mech);
	signer_put_u32(&body, (uint32_t)req->md_nid);
	signer_put_u16(&body, (uint16_t)req->timestamps);
	signer_put_u16(&body, (uint16_t)req->n);
	for (i = 0; i < req->n; i++)
		signer_put_bytes16(&body, req->hashes[i], req->hlen);
	if (!buf_ok(&body)) {
		buf_cleanup(&body);
		return PC_EINVAL;
	}
	rc = signer_call(sc, SIGNER_MSG_SIGN_USER, &body,
	    SIGNER_MSG_SIGN_USER_REPLY, &reply);
	buf_cleanup(&body); /* zeroes the code */
	if (rc != PC_OK)
		return rc;
	rd.p = reply.data;
	rd.n = reply.len;
	rd.bad = false;
	src = signer_get_u32(&rd);
	out->result = (enum signer_user_result)signer_get_u16(&rd);
	out->retry_after = signer_get_u32(&rd);
	out->transactions_left = signer_get_u32(&rd);
	out->n = signer_get_u16(&rd);
	if (rd.bad || src > PC_EINTERNAL || out->result > USER_R_SIGN_FAILED ||
	    (out->result == USER_R_OK && out->n != req->n) ||
	    (out->result != USER_R_OK && out->n != 0)) {
		rc = PC_EINTERNAL;
		goto out;
	}
	if (src != PC_OK) {
		rc = (enum pc_rc)src;
		goto out;
	}
	if (out->n > 0) {
		out->sigs = calloc(out->n, sizeof(*out->sigs));
		out->siglens = calloc(out->n, sizeof(*out->siglens));
		if (out->sigs == NULL || out->siglens == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < out->n; i++) {
		p = signer_get_bytes16(&rd, HSM_SIG_MAX, &n);
		if (rd.bad || n == 0) {
			rc = PC_EINTERNAL;
			goto out;
		}
		memcpy(out->sigs[i], p, n);
		out->siglens[i] = n;
	}
	if (rd.n != 0)
		rc = PC_EINTERNAL;
out:
	buf_cleanup(&reply);
	if (rc != PC_OK) {
		signer_user_reply_cleanup(out);
		out->result = USER_R_SIGN_FAILED;
	}
	return rc;
}
