/*
 * signing_batch_finish.c: an authorized batch's signatures built: each
 * item's PAdES, CAdES or CMS over a digest made with the signature the
 * signer gave for its hash (and only that hash), then the long-term data
 * (B-LT, B-LTA) where asked. See signing.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>

#include "base/log.h"
#include "signing/signing_batch_int.h"
#include "store/store.h"

/* The audit record of a timestamp counted but not obtained. */
static void
tsa_failed(const struct pc_env *e, const struct signing_batch *b,
    const struct batch_item *it)
{
	struct db *db = NULL;
	char detail[128];

	snprintf(
	    detail, sizeof(detail), "credential=%s tsa_failed", b->credential);
	if (store_acquire(e->store, &db) != PC_OK)
		return;
	if (store_audit_append(db, e->actor != NULL ? e->actor : "signing",
	        "sign.timestamp_failed", detail) != PC_OK)
		log_warnx("signing: cannot record the failed timestamp of %s",
		    it->in);
	store_release(e->store, db);
}

/*
 * A signed PDF made long-term (B-LT, B-LTA). When that fails the
 * signature stays as made (B-T): the item is done, res.level says what
 * it is and res.warn why; B-LTA's timestamp, counted, is recorded as not
 * obtained.
 */
static void
item_ltv(const struct pc_env *e, const struct signing_batch *b,
    struct batch_item *it)
{
	enum pc_rc rc;

	if (it->res.format == SIGN_FMT_CADES)
		rc = sign_cades_ltv(it->out, it->in, &it->opts, &it->res.warn);
	else
		rc = sign_pades_ltv(it->out, &it->opts,
		    it->opts.level == SIGN_LEVEL_BLTA, &it->res.warn);
	if (rc == PC_OK)
		return;
	it->res.level = SIGN_LEVEL_BT;
	log_warnx("signing: %s stays B-T: %s: %s", it->in,
	    it->res.warn.code != NULL ? it->res.warn.code : "ltv_failed",
	    it->res.warn.msg);
	if (it->opts.level == SIGN_LEVEL_BLTA)
		tsa_failed(e, b, it);
}

/* A CAdES item: B-T at most here, the long-term data after (item_ltv). */
static enum pc_rc
cades_finish(const struct sign_signer *s, struct batch_item *it)
{
	struct sign_opts o = it->opts;

	if (o.level > SIGN_LEVEL_BT)
		o.level = SIGN_LEVEL_BT;
	return sign_cades_file(s, &o, it->in, it->out, &it->res.err);
}

/* A CAdES over an item's digest: the CMS (DER) into its output. */
static enum pc_rc
digest_finish(const struct sign_signer *s, struct batch_item *it)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL;
	int len;
	enum pc_rc rc;

	rc = sign_cms_build(
	    s, &it->opts, it->digest, it->dlen, true, &cms, &it->res.err);
	if (rc != PC_OK)
		goto out;
	len = i2d_CMS_ContentInfo(cms, &der);
	if (len <= 0) {
		rc = PC_EINTERNAL;
		goto out;
	}
	rc = file_write_atomic(it->out, der, (size_t)len, 0600);
	if (rc != PC_OK)
		sign_err_set(&it->res.err, rc, "write_failed",
		    "cannot write %s", it->out);
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return rc;
}

enum pc_rc
signing_batch_finish_one(
    const struct pc_env *e, struct signing_batch *b, size_t i)
{
	struct batch_item *it;
	struct sign_signer s;
	struct sbatch_replay rp;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && b != NULL, PC_EINTERNAL);
	if (b->state != BATCH_AUTHORIZED || i >= b->n)
		return PC_ESTATE;
	it = &b->items[i];
	if (it->res.state != SIGNING_SIGNED)
		return PC_OK;
	if (atomic_load(&b->mismatch)) {
		sbatch_item_fail(it, PC_EINTERNAL);
		return it->res.rc;
	}
	/* The batch's signer (its certificate and chain, only read) with
	 * this item's replay: one per call, so calls run side by side. */
	s = *b->signer;
	rp.b = b;
	rp.i = i;
	s.arg = &rp;
	s.arg_free = NULL;
	memset(&it->res.err, 0, sizeof(it->res.err));
	if (it->dlen > 0)
		rc = digest_finish(&s, it);
	else if (it->res.format == SIGN_FMT_CADES)
		rc = cades_finish(&s, it);
	else
		rc = sign_pades_finish(it->job, &s, &it->res.err);
	if (rc == PC_OK) {
		it->res.state = SIGNING_DONE;
		sign_pades_job_free(it->job);
		it->job = NULL;
		it->res.level = it->opts.level;
		if (it->opts.level >= SIGN_LEVEL_BLT)
			item_ltv(e, b, it);
	} else {
		sbatch_item_fail(it, rc);
		if (it->res.err.code != NULL &&
		    strcmp(it->res.err.code, "tsa_failed") == 0)
			tsa_failed(e, b, it);
	}
	return rc;
}

enum pc_rc
signing_batch_finish(const struct pc_env *e, struct signing_batch *b)
{
	enum pc_rc first = PC_OK;
	size_t i;

	RETURN_VAL_IF_FAIL(e != NULL && b != NULL, PC_EINTERNAL);
	if (b->state != BATCH_AUTHORIZED)
		return PC_ESTATE;
	for (i = 0; i < b->n && !atomic_load(&b->mismatch); i++) {
		if (b->items[i].res.state != SIGNING_SIGNED)
			continue;
		(void)signing_batch_finish_one(e, b, i);
		sbatch_progress(b, i, SIGNING_STEP_FINISH);
	}
	(void)sbatch_step(b, BATCH_AUTHORIZED, BATCH_FINISHED);
	for (i = 0; i < b->n && first == PC_OK; i++)
		if (b->items[i].res.state != SIGNING_DONE)
			first = b->items[i].res.state == SIGNING_FAILED
			            ? b->items[i].res.rc
			            : PC_EINTERNAL;
	return first;
}
