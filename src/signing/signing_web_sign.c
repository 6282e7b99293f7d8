/*
 * signing_web_sign.c: signing a browser batch (J9): the quota and the
 * code checked in the request, then the batch signed; a batch left
 * "signing" by a node that died is recovered. See signing_web.h.
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

#define ITEM_PENDING "pending"
#define ITEM_SIGNING "signing"
#define POOL_THREADS_MAX 32
#define POOL_JOBS_MAX 64 /* batches authorized and not finished, at most */

/*
 * A batch between its authorization and its end: the request prepares
 * it (the hashes), has the code checked and hands it to the pool, whose
 * threads finish its items side by side (each a time-stamp from our TSA
 * and the output written encrypted); the last one closes the batch.
 */
struct plan {
	struct pc_env env; /* the pool's once handed over (actor: user) */
	char user_id[STORE_ID_LEN + 1];
	char dir[600];
	struct store_sign_batch b;
	struct signing_batch *sb;
	struct store_sign_item items[WEB_FILES_MAX];
	size_t sbi[WEB_FILES_MAX]; /* the item's index in sb */
	size_t n;
	/* The pool's, under its lock. */
	size_t next, left;
	bool broken; /* an output not kept: the batch is left to recovery */
	struct plan *qnext;
};

struct websign_pool {
	struct pc_env env;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th[POOL_THREADS_MAX];
	size_t nth;
	struct plan *head, *tail; /* batches with items not handed out */
	size_t jobs;              /* reserved, queued or running */
	bool stopping;
};

/* Each ready item: its input decrypted into the scratch dir, added. */
static enum pc_rc
plan_item(void *arg, const struct store_sign_item *src)
{
	struct plan *pl = arg;
	struct store_sign_item *it;
	struct signing_item si;
	struct sign_opts o;
	struct buf in;
	char inp[800], outp[800];
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
	rc = signing_batch_add(pl->sb, &si, &pl->sbi[pl->n]);
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

static void
plan_free(struct plan *pl)
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
static enum pc_rc
plan_mark(struct plan *pl, size_t from, size_t to, const char *state)
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

/*
 * Item i finished: its output written encrypted (outside any
 * transaction), then in one transaction its row, the input deleted. A
 * failed item says why. PC_OK unless the output could not be kept.
 */
static enum pc_rc
plan_keep_one(struct plan *pl, size_t i)
{
	struct store_sign_item *it = &pl->items[i];
	const struct signing_result *res =
	    signing_batch_result(pl->sb, pl->sbi[i]);
	const struct pc_env *e = &pl->env;
	bool pades = strcmp(it->format, FMT_PADES) == 0;
	struct store_sign_batch b = pl->b;
	struct store_document d;
	struct db *db = NULL;
	struct buf out;
	char name[WEB_NAME_MAX + 8], path[700];
	char in_doc[STORE_ID_LEN + 1] = "";
	bool written = false;
	enum pc_rc rc = PC_OK;

	memset(&d, 0, sizeof(d));
	buf_init(&out, (size_t)WEB_FILE_MAX + (1u << 20));
	if (res == NULL || res->state != SIGNING_DONE) {
		snprintf(it->state, sizeof(it->state), ITEM_FAILED);
		snprintf(it->intake, sizeof(it->intake), "%s",
		    res != NULL && res->err.code != NULL ? res->err.code
		                                         : "sign_failed");
	} else {
		rc = file_read(res->out, out.max, &out);
		if (rc == PC_OK)
			rc = doc_write(e, pl->user_id, DOC_SIGNED, b.id,
			    pades ? "application/pdf"
			          : "application/pkcs7-signature",
			    out.data, out.len, WEB_KEEP_S, &d);
		written = rc == PC_OK;
		snprintf(
		    name, sizeof(name), "%s%s", it->name, pades ? "" : ".p7s");
		free(it->out_name);
		it->out_name = rc == PC_OK ? strdup(name) : NULL;
		if (rc == PC_OK && it->out_name == NULL)
			rc = PC_ENOMEM;
		if (rc == PC_OK) {
			memcpy(it->out_doc, d.id, sizeof(d.id));
			memcpy(it->out_sha256, d.sha256, sizeof(d.sha256));
			snprintf(it->state, sizeof(it->state), ITEM_SIGNED);
		}
	}
	if (rc == PC_OK)
		rc = store_write_begin(e->store, &db);
	if (rc == PC_OK && strcmp(it->state, ITEM_SIGNED) == 0) {
		rc = doc_insert(db, &d, it->out_name);
		/* The input is no longer needed: its row goes with this
		 * transaction, its file once committed (a node that dies
		 * before the commit keeps both, to sign it again). */
		if (rc == PC_OK)
			rc = store_document_delete(db, it->in_doc);
		if (rc == PC_ENOTFOUND)
			rc = PC_OK;
		memcpy(in_doc, it->in_doc, sizeof(in_doc));
		it->in_doc[0] = '\0';
	}
	if (rc == PC_OK)
		rc = store_sign_item_update(db, it);
	b.updated_at = clock_now();
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	if (db != NULL)
		rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK && written)
		doc_unwrite(e, &d);
	if (rc == PC_OK && in_doc[0] != '\0') {
		doc_path(e, pl->user_id, in_doc, path, sizeof(path));
		unlink(path);
	}
	/* Its scratch files go at once: the disk holds what is in flight. */
	if (res != NULL) {
		unlink(res->out);
		unlink(res->in);
	}
	buf_cleanup(&out);
	return rc;
}

static enum pc_rc
count_signed(void *arg, const struct store_sign_item *it)
{
	if (strcmp(it->state, ITEM_SIGNED) == 0)
		(*(int64_t *)arg)++;
	return PC_OK;
}

/* Every item finished: the batch done, counted (all its signed items,
 * those of an earlier interrupted run too), audited. */
static enum pc_rc
plan_close(struct plan *pl)
{
	struct store_sign_batch b = pl->b;
	struct db *db = NULL;
	char detail[200];
	int64_t nsig = 0;
	enum pc_rc rc;

	rc = store_write_begin(pl->env.store, &db);
	if (rc == PC_OK)
		rc = store_sign_item_each(db, b.id, count_signed, &nsig);
	if (rc == PC_OK) {
		snprintf(b.state, sizeof(b.state), "done");
		b.signatures = nsig;
		b.timestamps = nsig;
		b.signed_at = b.updated_at = clock_now();
		rc = store_sign_batch_move(db, &b, "signing");
	}
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s signed=%lld of %zu", b.id,
		    b.credential, (long long)nsig, pl->n);
		rc = store_audit_append(db, pl->user_id, "sign.web", detail);
	}
	return store_write_end(pl->env.store, db, rc);
}

/* One item of pl, on a pool thread (or the request's without a pool). */
static void
plan_run_one(struct plan *pl, size_t i)
{
	const struct pc_env *e = &pl->env;

	if (plan_mark(pl, i, i + 1, ITEM_SIGNING) != PC_OK)
		log_warnx("sign: batch %s item %zu: cannot record its progress",
		    pl->b.id, i);
	(void)signing_batch_finish_one(e, pl->sb, pl->sbi[i]);
	if (plan_keep_one(pl, i) != PC_OK) {
		log_warnx("sign: batch %s item %zu: output not kept; the batch "
		          "is left to recovery",
		    pl->b.id, i);
		pl->broken = true;
	}
}

static void
plan_end(struct plan *pl)
{
	(void)signing_batch_finish(&pl->env, pl->sb); /* closes it */
	if (!pl->broken && plan_close(pl) != PC_OK)
		log_warnx("sign: batch %s: cannot close it; left to recovery",
		    pl->b.id);
	plan_free(pl);
}

/* ---- the worker pool ------------------------------------------------------
 */

static void *
pool_thread(void *arg)
{
	struct websign_pool *p = arg;
	struct plan *pl;
	size_t i;
	bool last;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		/* Stopping waits for every reserved batch: handed over
		 * and finished, or given up by its request. */
		while (p->head == NULL && !(p->stopping && p->jobs == 0))
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->head == NULL)
			break;
		pl = p->head;
		i = pl->next++;
		if (pl->next >= pl->n) {
			p->head = pl->qnext;
			if (p->head == NULL)
				p->tail = NULL;
		}
		pthread_mutex_unlock(&p->mu);
		plan_run_one(pl, i);
		pthread_mutex_lock(&p->mu);
		last = --pl->left == 0;
		if (last) {
			pthread_mutex_unlock(&p->mu);
			plan_end(pl);
			pthread_mutex_lock(&p->mu);
			p->jobs--;
			pthread_cond_broadcast(&p->cv);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

enum pc_rc
websign_pool_start(
    const struct pc_env *e, unsigned threads, struct websign_pool **out)
{
	struct websign_pool *p;
	size_t i;

	*out = NULL;
	if (threads == 0)
		threads = 1;
	if (threads > POOL_THREADS_MAX)
		threads = POOL_THREADS_MAX;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return PC_ENOMEM;
	p->env = *e;
	p->env.ip = p->env.req_id = p->env.actor = NULL;
	p->env.sign_pool = NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->th[i], NULL, pool_thread, p) != 0)
			break;
		p->nth++;
	}
	if (p->nth == 0) {
		websign_pool_stop(p);
		return PC_EINTERNAL;
	}
	log_info("sign: worker pool of %zu thread(s)", p->nth);
	*out = p;
	return PC_OK;
}

void
websign_pool_stop(struct websign_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	/* What was authorized is finished first: its signatures are
	 * counted. */
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

/* A place for one more batch, taken before its code is used. */
static bool
pool_reserve(struct websign_pool *p)
{
	bool ok;

	pthread_mutex_lock(&p->mu);
	ok = !p->stopping && p->jobs < POOL_JOBS_MAX;
	if (ok)
		p->jobs++;
	pthread_mutex_unlock(&p->mu);
	return ok;
}

static void
pool_unreserve(struct websign_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->jobs--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* pl (reserved, its items pending) handed to the pool's threads. */
static void
pool_submit(struct websign_pool *p, struct plan *pl)
{
	pl->env = p->env;
	pl->env.actor = pl->user_id;
	pl->next = 0;
	pl->left = pl->n;
	pl->qnext = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->tail != NULL)
		p->tail->qnext = pl;
	else
		p->head = pl;
	p->tail = pl;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
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
	size_t i;
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
	else if (clock_now() > q.not_after)
		rc = pc_fail(err, PC_ESTATE, PCE_CERT_EXPIRED, NULL);
	else if (q.left < q.needed)
		rc = pc_fail(err, PC_ELIMIT, PCE_QUOTA_EXHAUSTED, NULL);
	websign_quota_cleanup(&q);
	if (rc != PC_OK)
		return rc;
	/* A place in the pool before the code is used: a busy server
	 * refuses with nothing counted. */
	if (e->sign_pool != NULL) {
		if (!pool_reserve(e->sign_pool))
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
	so.sign.level = SIGN_LEVEL_BT;
	so.sign.tsa_url = tsa;
	so.sign.max_size = WEB_FILE_MAX;
	rc = signing_batch_new(e, &so, &pl->sb, err);
	if (rc == PC_OK)
		rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		rc = store_sign_item_each(db, id, plan_item, pl);
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
	/* The request's member is "code". */
	if (rc != PC_OK && err != NULL && err->field != NULL &&
	    strcmp(err->field, "sad") == 0)
		err->field = "code";
	if (rc != PC_OK)
		goto out;
	moved = false; /* counted from here: the batch ends done */
	if (plan_mark(pl, 0, pl->n, ITEM_PENDING) != PC_OK)
		log_warnx("sign: batch %s: cannot record its progress", id);
	if (reserved) {
		/* Answered at once; the page follows the items' states. */
		pool_submit(e->sign_pool, pl);
		return PC_OK;
	}
	pl->env.actor = pl->user_id;
	for (i = 0; i < pl->n; i++)
		plan_run_one(pl, i);
	plan_end(pl);
	return PC_OK;
out:
	if (moved)
		batch_reopen(e, &b);
	if (reserved)
		pool_unreserve(e->sign_pool);
	plan_free(pl);
	return rc;
}

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
	int64_t n;      /* counted and not delivered: given back */
	int64_t nsig;   /* signed and kept (delivered) */
	int64_t nready; /* to sign again */
};

/* An item not finished goes back to ready; counted when its hash was. */
static enum pc_rc
counted_one(void *arg, const struct store_sign_item *src)
{
	struct counted *c = arg;
	struct store_sign_item it;
	bool yes = false;
	enum pc_rc rc = PC_OK;

	if (strcmp(src->state, ITEM_SIGNED) == 0)
		c->nsig++;
	if (strcmp(src->state, ITEM_READY) != 0 &&
	    strcmp(src->state, ITEM_PENDING) != 0 &&
	    strcmp(src->state, ITEM_SIGNING) != 0)
		return PC_OK;
	c->nready++;
	if (src->tbs_hash[0] != '\0')
		rc = store_signature_has(
		    c->db, c->credential, src->tbs_hash, &yes);
	if (rc == PC_OK && yes)
		c->n++;
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
	rc = store_sign_item_each(db, b.id, counted_one, &c);
	snprintf(b.state, sizeof(b.state), c.nready > 0 ? "open" : "done");
	b.interrupted_at = b.updated_at = now;
	if (c.nready == 0) {
		b.signatures = b.timestamps = c.nsig;
		b.signed_at = now;
	}
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	/* B-T: each signature's time-stamp was counted with it. */
	if (rc == PC_OK && c.n > 0)
		rc = store_credential_refund(db, b.credential, 2 * c.n, now);
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s delivered=%lld undelivered=%lld "
		    "refunded=%lld",
		    b.id, b.credential, (long long)c.nsig, (long long)c.n,
		    (long long)(2 * c.n));
		rc = store_audit_append(
		    db, "job:documents", "sign.interrupted", detail);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK) {
		websign_scratch_dir(e, b.id, dir, sizeof(dir));
		websign_scratch_rm(dir);
		log_info("sign: batch %s interrupted while signing: %s, %lld "
		         "file(s) kept, %lld transaction(s) given back",
		    b.id, b.state, (long long)c.nsig, (long long)(2 * c.n));
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
