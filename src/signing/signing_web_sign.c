/*
 * signing_web_sign.c: authorizing a browser batch (J9): the quota, the
 * certificate and the code checked in the request, the hashes prepared,
 * then the batch handed to the worker pool (signing_web_pool.c). See
 * signing_web.h.
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
#include "signing/signing_approf.h"
#include "signing/signing_web_int.h"
#include "store/store_credential.h"
#include "store/store_documents.h"
#include "vault/vault.h"

/* Each ready item: its input decrypted into the scratch dir, added. */
static enum pc_rc
plan_item(void *arg, const struct store_sign_item *src)
{
	struct plan *pl = arg;
	struct store_sign_item *it;
	struct signing_item si;
	struct sign_opts o;
	struct sign_approf ap;
	struct buf in, img;
	char inp[800], outp[800];
	const char *apid;
	json_t *j = NULL;
	enum pc_rc rc;

	if (strcmp(src->state, ITEM_READY) != 0 || pl->n >= WEB_FILES_MAX)
		return PC_OK;
	it = &pl->items[pl->n];
	*it = *src;
	it->name = strdup(src->name);
	it->placement = src->placement != NULL ? strdup(src->placement) : NULL;
	it->out_name = NULL;
	if (it->name == NULL ||
	    (src->placement != NULL && it->placement == NULL)) {
		free(it->name);
		free(it->placement);
		return PC_ENOMEM;
	}
	snprintf(inp, sizeof(inp), "%s/in-%lld", pl->dir, (long long)it->idx);
	snprintf(
	    outp, sizeof(outp), "%s/out-%lld", pl->dir, (long long)it->idx);
	buf_init(&in, WEB_FILE_MAX);
	rc = doc_get(&pl->env, pl->user_id, it->in_doc, &in);
	if (rc == PC_OK)
		rc = file_write_atomic(inp, in.data, in.len, 0600);
	buf_cleanup(&in);
	if (rc != PC_OK)
		goto fail;
	memset(&si, 0, sizeof(si));
	si.in_path = inp;
	si.in_fd = -1;
	si.out_path = outp;
	si.format = strcmp(it->format, FMT_PADES) == 0 ? SIGN_FMT_PADES
	                                               : SIGN_FMT_CADES;
	if (src->placement != NULL &&
	    (j = json_loads(src->placement, 0, NULL)) != NULL) {
		sign_opts_init(&o);
		o.visible = true;
		o.page = (int)json_integer_value(json_object_get(j, "page"));
		o.x = (float)json_number_value(json_object_get(j, "x"));
		o.y = (float)json_number_value(json_object_get(j, "y"));
		o.w = (float)json_number_value(json_object_get(j, "w"));
		o.h = (float)json_number_value(json_object_get(j, "h"));
		si.opts = &o;
	}
	/* The appearance profile, the user's own (checked again). */
	buf_init(&img, SIGN_APPROF_IMAGE_MAX);
	apid = json_string_value(json_object_get(j, "appearance"));
	rc = PC_OK;
	if (apid != NULL && pl->db != NULL) {
		rc = approf_load(pl->db, pl->user_id, apid, &ap, &img, pl->err);
		o.approf = &ap;
	}
	if (rc == PC_OK)
		rc = signing_batch_add(pl->sb, &si, &pl->sbi[pl->n]);
	buf_cleanup(&img);
	json_decref(j);
	if (rc == PC_OK) {
		pl->n++;
		return PC_OK;
	}
fail:
	free(it->name);
	free(it->placement);
	return rc;
}

void
websign_plan_free(struct plan *pl)
{
	size_t i;

	if (pl == NULL)
		return;
	for (i = 0; i < pl->n; i++) {
		free(pl->items[i].name);
		free(pl->items[i].placement);
		free(pl->items[i].out_name);
	}
	signing_batch_free(pl->sb);
	websign_scratch_rm(pl->dir);
	free(pl);
}

static enum pc_rc
plan_record_tbs(struct plan *pl)
{
	struct db *db = NULL;
	char hex[2 * SIGN_TBS_MAX + 1];
	size_t i;
	enum pc_rc rc;

	rc = store_write_begin(pl->env.store, &db);
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		signing_batch_tbs_hex(pl->sb, pl->sbi[i], hex);
		rc = store_sign_item_tbs(
		    db, pl->items[i].batch_id, pl->items[i].idx, hex);
	}
	return store_write_end(pl->env.store, db, rc);
}

/* The items' state in one transaction (and the batch's time touched:
 * a batch that moves is not stuck). */
enum pc_rc
websign_plan_mark(struct plan *pl, size_t from, size_t to, const char *state)
{
	struct store_sign_batch b = pl->b;
	struct db *db = NULL;
	size_t i;
	enum pc_rc rc;

	rc = store_write_begin(pl->env.store, &db);
	for (i = from; rc == PC_OK && i < to; i++) {
		snprintf(pl->items[i].state, sizeof(pl->items[i].state), "%s",
		    state);
		rc = store_sign_item_update(db, &pl->items[i]);
	}
	b.updated_at = clock_now();
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	return store_write_end(pl->env.store, db, rc);
}

/* ---- the authorization -----------------------------------------------------
 */

/* The batch back to open after a refusal (nothing was counted). */
static void
batch_reopen(const struct pc_env *e, const struct store_sign_batch *b0)
{
	struct store_sign_batch b = *b0;
	struct db *db = NULL;
	enum pc_rc rc;

	snprintf(b.state, sizeof(b.state), "open");
	b.updated_at = clock_now();
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	(void)store_write_end(e->store, db, rc);
}

/* The request's member is "code", the signer's "sad". */
static void
code_field(struct pc_err *err)
{
	if (err != NULL && err->field != NULL && strcmp(err->field, "sad") == 0)
		err->field = "code";
}

enum pc_rc
websign_sign(const struct pc_env *e, const char *user_id, const char *id,
    const char *code, struct pc_err *err)
{
	struct store_sign_batch b;
	struct websign_quota q;
	struct signing_opts so;
	struct plan *pl = NULL;
	struct db *db = NULL;
	char tsa[300];
	bool moved = false, reserved = false;
	enum pc_rc rc;

	memset(&q, 0, sizeof(q));
	if (code == NULL || code[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "code");
	rc = websign_get(e, user_id, id, &b, NULL, NULL, err);
	if (rc == PC_OK && strcmp(b.state, "open") != 0)
		rc = pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, NULL);
	if (rc == PC_OK)
		rc = websign_quota(e, user_id, id, &q, err);
	if (rc != PC_OK)
		return rc;
	if (q.needed == 0)
		rc = pc_fail(err, PC_ESTATE, PCE_NOTHING_TO_SIGN, NULL);
	else if (q.refused != PCE_NONE)
		rc = pc_fail(err, PC_ESTATE, q.refused, NULL);
	else if (clock_now() > q.not_after)
		rc = pc_fail(err, PC_ESTATE, PCE_CERT_EXPIRED, NULL);
	else if (q.left < q.needed)
		rc = pc_fail(err, PC_ELIMIT, PCE_QUOTA_EXHAUSTED, NULL);
	websign_quota_cleanup(&q);
	/* The code before any work on the files (issue 15): a wrong one is
	 * refused with the batch untouched; a right one stays unused until
	 * the signer signs with it. */
	if (rc == PC_OK)
		rc = signing_code_peek(e, user_id, code, err);
	if (rc != PC_OK) {
		code_field(err);
		return rc;
	}
	/* A place in the pool before the code is used: a busy server
	 * refuses with nothing counted. */
	if (e->sign_pool != NULL) {
		if (!websign_pool_reserve(e->sign_pool))
			return pc_fail(err, PC_EUNAVAIL, PCE_BUSY, NULL);
		reserved = true;
	}
	/* open -> signing: one request signs a batch. */
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = websign_batch_get(db, user_id, id, "open", &b, err);
	if (rc == PC_OK) {
		struct store_sign_batch nb = b;

		snprintf(nb.state, sizeof(nb.state), "signing");
		nb.updated_at = clock_now();
		rc = store_sign_batch_move(db, &nb, "open");
		if (rc == PC_ESTATE)
			rc =
			    pc_fail(err, PC_ESTATE, PCE_SIGN_BATCH_STATE, NULL);
		b = nb;
	}
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK)
		goto out;
	moved = true;
	pl = calloc(1, sizeof(*pl));
	if (pl == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	websign_scratch_dir(e, id, pl->dir, sizeof(pl->dir));
	pl->env = *e;
	snprintf(pl->user_id, sizeof(pl->user_id), "%s", user_id);
	pl->b = b;
	memset(&so, 0, sizeof(so));
	signing_local_tsa(e, tsa, sizeof(tsa));
	so.credential = b.credential;
	sign_opts_init(&so.sign);
	/* The level the batch was opened with (its quota was counted so). */
	so.sign.level = sign_level_parse(b.level);
	if (so.sign.level == 0)
		so.sign.level = SIGN_LEVEL_BT;
	so.sign.tsa_url = tsa;
	so.sign.max_size = WEB_FILE_MAX;
	/* The hashes prepared side by side, as many as the pool's threads. */
	so.threads = (unsigned)e->conf->server.sign_workers;
	rc = signing_batch_new(e, &so, &pl->sb, err);
	if (rc == PC_OK)
		rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		pl->db = db;
		pl->err = err;
		rc = store_sign_item_each(db, id, plan_item, pl);
		pl->db = NULL;
		pl->err = NULL;
		store_release(e->store, db);
	}
	if (rc == PC_OK)
		rc = signing_batch_begin(e, pl->sb);
	/* What the key will sign, recorded before the code is used: a node
	 * that dies later leaves what tells which signatures were counted. */
	if (rc == PC_OK)
		rc = plan_record_tbs(pl);
	if (rc != PC_OK && (err == NULL || err->code == 0)) {
		log_warnx("sign: batch %s: cannot prepare it (%s)", id,
		    pc_rc_str(rc));
		rc = pc_fail(err, rc == PC_ENOMEM ? PC_ENOMEM : PC_EINVAL,
		    PCE_SIGN_FAILED, NULL);
	}
	if (rc == PC_OK)
		rc = signing_batch_authorize(e, pl->sb, code, err);
	if (rc != PC_OK)
		code_field(err);
	if (rc != PC_OK)
		goto out;
	moved = false; /* counted from here: the batch ends done */
	if (websign_plan_mark(pl, 0, pl->n, ITEM_PENDING) != PC_OK)
		log_warnx("sign: batch %s: cannot record its progress", id);
	if (reserved) {
		/* Answered at once; the page follows the items' states. */
		websign_pool_submit(e->sign_pool, pl);
		return PC_OK;
	}
	websign_plan_run(pl);
	return PC_OK;
out:
	if (moved)
		batch_reopen(e, &b);
	if (reserved)
		websign_pool_unreserve(e->sign_pool);
	websign_plan_free(pl);
	return rc;
}
