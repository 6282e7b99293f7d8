/*
 * signing_web_recover.c: a browser batch left "signing" by a node that
 * died (J9): what was kept stays, what was counted and not delivered is
 * given back, the rest is open again. See signing_web.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <zip.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "signing/documents.h"
#include "signing/signing.h"
#include "signing/signing_web_int.h"
#include "store/store_credential.h"
#include "store/store_documents.h"
#include "vault/vault.h"

/* ---- a node that died while signing
 * ------------------------------------------ */

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

struct counted {
	struct db *db;
	const char *credential;
	const char *level; /* the batch's */
	int64_t n;         /* counted and not delivered: given back */
	int64_t cost;      /* their transactions (signing_cost) */
	int64_t nsig;      /* signed and kept (delivered) */
	int64_t nts;       /* their timestamps */
	int64_t nready;    /* to sign again */
};

/* An item not finished goes back to ready; counted when its hash was. */
static enum pc_rc
counted_one(void *arg, const struct store_sign_item *src)
{
	struct counted *c = arg;
	struct store_sign_item it;
	bool yes = false;
	enum pc_rc rc = PC_OK;

	if (strcmp(src->state, ITEM_SIGNED) == 0) {
		c->nsig++;
		c->nts += signing_cost_str(c->level, src->format) - 1;
	}
	if (strcmp(src->state, ITEM_READY) != 0 &&
	    strcmp(src->state, ITEM_PENDING) != 0 &&
	    strcmp(src->state, ITEM_SIGNING) != 0)
		return PC_OK;
	c->nready++;
	if (src->tbs_hash[0] != '\0')
		rc = store_signature_has(
		    c->db, c->credential, src->tbs_hash, &yes);
	if (rc == PC_OK && yes) {
		c->n++;
		c->cost += signing_cost_str(c->level, src->format);
	}
	if (rc == PC_OK && strcmp(src->state, ITEM_READY) != 0) {
		it = *src;
		snprintf(it.state, sizeof(it.state), ITEM_READY);
		rc = store_sign_item_update(c->db, &it);
	}
	return rc;
}

/*
 * A batch left in "signing": the signatures the signer counted for it
 * and never delivered (its items not finished whose recorded hashes are
 * among the credential's signing records) are given back, with an audit
 * record; the files signed and kept before the node died stay signed
 * and counted. The batch is open again with the rest (the person signs
 * them again), or done when nothing is left to sign.
 */
static enum pc_rc
recover_one(const struct pc_env *e, const struct store_sign_batch *b0)
{
	struct store_sign_batch b = *b0;
	struct counted c;
	struct db *db = NULL;
	char detail[200], dir[600];
	int64_t now = clock_now();
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.credential = b.credential;
	c.level = b.level;
	rc = store_sign_item_each(db, b.id, counted_one, &c);
	snprintf(b.state, sizeof(b.state), c.nready > 0 ? "open" : "done");
	b.interrupted_at = b.updated_at = now;
	if (c.nready == 0) {
		b.signatures = c.nsig;
		b.timestamps = c.nts;
		b.signed_at = now;
	}
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	/* Each signature's timestamps were counted with it. */
	if (rc == PC_OK && c.n > 0)
		rc = store_credential_refund(db, b.credential, c.cost, now);
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s delivered=%lld undelivered=%lld "
		    "refunded=%lld",
		    b.id, b.credential, (long long)c.nsig, (long long)c.n,
		    (long long)c.cost);
		rc = store_audit_append(
		    db, "job:documents", "sign.interrupted", detail);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK) {
		websign_scratch_dir(e, b.id, dir, sizeof(dir));
		websign_scratch_rm(dir);
		log_info("sign: batch %s interrupted while signing: %s, %lld "
		         "file(s) kept, %lld transaction(s) given back",
		    b.id, b.state, (long long)c.nsig, (long long)c.cost);
	}
	return rc == PC_ESTATE ? PC_OK : rc; /* another node did it */
}

enum pc_rc
websign_recover(const struct pc_env *e, int64_t older_s, int64_t *n)
{
	struct stuck *s;
	struct db *db = NULL;
	size_t i;
	enum pc_rc rc;

	*n = 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PC_ENOMEM;
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK)
		rc = store_sign_batch_stuck(db, clock_now() - older_s,
		    (int64_t)PC_ARRAY_LEN(s->b), stuck_one, s);
	store_release(e->store, db);
	for (i = 0; rc == PC_OK && i < s->n; i++) {
		rc = recover_one(e, &s->b[i]);
		if (rc == PC_OK)
			(*n)++;
	}
	free(s);
	return rc;
}
