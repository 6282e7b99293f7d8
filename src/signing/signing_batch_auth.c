/*
 * signing_batch_auth.c: a prepared batch authorized by the signer: one
 * SIGN_USER (or CSC_SIGN_DOC) with its hashes and SAD; the signatures
 * come back and are kept for finish (signing_batch_finish.c). See
 * signing.h.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "signing/signing_batch_int.h"

/* What CSC_SIGN_DOC adds to an authorization (NULL: SIGN_USER). */
struct csc_docs {
	const char *token;
	int dmd;
	const uint8_t (*docs)[SIGNER_HASH_MAX];
	size_t dlen;
};

static enum pc_rc
batch_authorize(const struct pc_env *e, struct signing_batch *b,
    const char *sad, const struct csc_docs *cd, struct pc_err *err)
{
	struct signer_user_req req;
	struct signer_user_reply rep;
	uint8_t(*hashes)[SIGNER_HASH_MAX] = NULL;
	size_t i;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && b != NULL && sad != NULL, PC_EINTERNAL);
	memset(&rep, 0, sizeof(rep));
	for (i = 0; i < b->n; i++)
		if (b->items[i].res.state != SIGNING_READY)
			return pc_fail(err, PC_ESTATE, PCE_STATE, NULL);
	if (!sbatch_step(b, BATCH_BEGUN, BATCH_AUTHORIZED))
		return pc_fail(err, PC_ESTATE, PCE_STATE, NULL);
	if (e->signer == NULL) {
		rc = pc_fail(err, PC_EUNAVAIL, PCE_SIGNER_UNAVAILABLE, NULL);
		goto out;
	}
	hashes = calloc(b->n, sizeof(*hashes));
	if (hashes == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	for (i = 0; i < b->n; i++)
		memcpy(hashes[i], b->items[i].tbs.hash, b->items[i].tbs.hlen);
	memset(&req, 0, sizeof(req));
	req.credential = b->credential;
	req.sad = sad;
	req.mech = b->items[0].tbs.mech;
	req.md_nid = b->items[0].tbs.md_nid;
	req.timestamps = 0;
	for (i = 0; i < b->n; i++)
		req.timestamps += sbatch_item_timestamps(&b->items[i]);
	req.renewal = b->renewal[0] != '\0' ? b->renewal : NULL;
	req.terms = b->terms;
	req.n = (unsigned)b->n;
	req.hashes = (const uint8_t(*)[SIGNER_HASH_MAX])hashes;
	req.hlen = b->items[0].tbs.hlen;
	if (cd == NULL) {
		rc = signer_client_sign_user(e->signer, &req, &rep);
	} else {
		struct signer_csc_doc_req dq;

		memset(&dq, 0, sizeof(dq));
		dq.sign.token = cd->token;
		dq.sign.credential = req.credential;
		dq.sign.sad = sad;
		dq.sign.mech = req.mech;
		dq.sign.md_nid = req.md_nid;
		dq.sign.n = req.n;
		dq.sign.hashes = req.hashes;
		dq.sign.hlen = req.hlen;
		dq.timestamps = req.timestamps;
		dq.dmd = cd->dmd;
		dq.docs = cd->docs;
		dq.dlen = cd->dlen;
		rc = signer_client_csc_sign_doc(e->signer, &dq, &rep);
	}
	if (rc != PC_OK) {
		rc = pc_fail(err, rc,
		    rc == PC_EUNAVAIL ? PCE_SIGNER_UNAVAILABLE
		                      : PCE_SIGN_FAILED,
		    NULL);
		goto out;
	}
	if (rep.result != USER_R_OK || rep.n != b->n) {
		rc = signing_refusal(rep.result, rep.retry_after, err);
		goto out;
	}
	for (i = 0; i < b->n; i++) {
		memcpy(b->items[i].sig, rep.sigs[i], rep.siglens[i]);
		b->items[i].siglen = rep.siglens[i];
		b->items[i].res.state = SIGNING_SIGNED;
	}
	b->transactions_left = rep.transactions_left;
	rc = PC_OK;
out:
	if (rc != PC_OK)
		b->state = BATCH_BEGUN; /* refused: nothing was counted */
	signer_user_reply_cleanup(&rep);
	free(hashes);
	return rc;
}

enum pc_rc
signing_batch_authorize(const struct pc_env *e, struct signing_batch *b,
    const char *sad, struct pc_err *err)
{
	return batch_authorize(e, b, sad, NULL, err);
}

enum pc_rc
signing_batch_authorize_csc(const struct pc_env *e, struct signing_batch *b,
    const char *token, const char *sad, int dmd,
    const uint8_t (*docs)[SIGNER_HASH_MAX], size_t dlen, struct pc_err *err)
{
	struct csc_docs cd = { token, dmd, docs, dlen };

	RETURN_VAL_IF_FAIL(token != NULL && docs != NULL, PC_EINTERNAL);
	return batch_authorize(e, b, sad, &cd, err);
}
