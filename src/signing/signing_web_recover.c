/*
 * signing_web_recover.c: a browser batch left "signing" by a node that
 * died (J9): what was kept stays, what was counted and not delivered is
 * given back, the rest is open again. See signing_web.h.
 */
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "signer/signer.h"
#include "signing/signing_web_int.h"
#include "store/store_sign.h"

/* ---- a node that died while signing ---------------------------------- */

struct stuck {
	struct store_sign_batch b[16];
	size_t n;
};

static enum pc_rc
stuck_one(void *arg, const struct store_sign_batch *b)
{
	struct stuck *s = arg;

	if (s->n < PC_ARRAY_LEN(s->b))
		s->b[s->n++] = *b;
	return PC_OK;
}

/*
 * A batch left in "signing": the signer gives back what it counted for
 * the batch and never delivered, puts the unfinished files back to ready
 * and opens the batch again (or closes it when nothing is left), in one
 * transaction of its own (SIGN_RECOVER, signer.h: the quota is SAD
 * state). Here: the scratch files go. A batch another node recovered
 * first is left alone.
 */
static enum pc_rc
recover_one(const struct pc_env *e, const struct store_sign_batch *b)
{
	struct signer_recover_reply r;
	char dir[600];
	enum pc_rc rc;

	if (e->signer == NULL)
		return PC_EUNAVAIL;
	rc = signer_client_sign_recover(e->signer, b->user_id, b->id, &r);
	if (rc != PC_OK || r.result != RECOVER_R_OK)
		return rc;
	websign_scratch_dir(e, b->id, dir, sizeof(dir));
	websign_scratch_rm(dir);
	log_info("sign: batch %s interrupted while signing: %s, %lld file(s) "
	         "kept, %lld transaction(s) given back",
	    b->id, r.open ? "open" : "done", (long long)r.kept,
	    (long long)r.refunded);
	return PC_OK;
}

enum pc_rc
websign_recover(const struct pc_env *e, int64_t older_s, int64_t *n)
{
	struct stuck *s;
	size_t i;
	enum pc_rc rc;

	*n = 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PC_ENOMEM;
	STORE_ONE(rc, e->store,
	    store_sign_batch_stuck(db, clock_now() - older_s,
	        (int64_t)PC_ARRAY_LEN(s->b), stuck_one, s));
	for (i = 0; rc == PC_OK && i < s->n; i++) {
		rc = recover_one(e, &s->b[i]);
		if (rc == PC_OK)
			(*n)++;
	}
	free(s);
	return rc;
}
