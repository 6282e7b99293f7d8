/*
 * signing_web_pool.c: the worker pool that finishes authorized browser
 * batches (J9): items across batches in order, several at once (each a
 * time-stamp from our TSA and its output written encrypted), recorded in
 * group commits; the thread that records the last item closes the batch.
 * See signing_web.h and docs/internals/signing.md.
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

#define POOL_THREADS_MAX 32
#define POOL_JOBS_MAX 64 /* batches authorized and not finished, at most */

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

/* "B-B" ... "B-LTA", "" for none. */
static const char *
level_name(enum sign_level l)
{
	static const char *const names[] = { "B-B", "B-T", "B-LT", "B-LTA" };

	if (l < SIGN_LEVEL_BB || l > SIGN_LEVEL_BLTA)
		return "";
	return names[l - SIGN_LEVEL_BB];
}

/*
 * Item i finished (on its thread): its output written encrypted into the
 * vault (outside any transaction), the item's row made ready in memory
 * (signed, or failed with the engine's code). An output that cannot be
 * written leaves the item to recovery (lost).
 */
static void
plan_output(struct plan *pl, size_t i)
{
	struct store_sign_item *it = &pl->items[i];
	const struct signing_result *res;
	const struct pc_env *e = &pl->env;
	bool pades = strcmp(it->format, FMT_PADES) == 0;
	struct buf out;
	char name[WEB_NAME_MAX + 8];
	enum pc_rc rc = PC_OK;

	(void)signing_batch_finish_one(e, pl->sb, pl->sbi[i]);
	res = signing_batch_result(pl->sb, pl->sbi[i]);
	buf_init(&out, (size_t)WEB_FILE_MAX + (1u << 20));
	it->level[0] = '\0';
	if (res == NULL || res->state != SIGNING_DONE) {
		snprintf(it->state, sizeof(it->state), ITEM_FAILED);
		snprintf(it->intake, sizeof(it->intake), "%s",
		    res != NULL && res->err.code != NULL ? res->err.code
		                                         : "sign_failed");
	} else {
		rc = file_read(res->out, out.max, &out);
		if (rc == PC_OK)
			rc = doc_write(e, pl->user_id, DOC_SIGNED, pl->b.id,
			    pades ? "application/pdf"
			          : "application/pkcs7-signature",
			    out.data, out.len, WEB_KEEP_S, &pl->docs[i]);
		snprintf(
		    name, sizeof(name), "%s%s", it->name, pades ? "" : ".p7s");
		free(it->out_name);
		it->out_name = rc == PC_OK ? strdup(name) : NULL;
		if (rc == PC_OK && it->out_name == NULL)
			rc = PC_ENOMEM;
		if (rc == PC_OK) {
			memcpy(
			    it->out_doc, pl->docs[i].id, sizeof(it->out_doc));
			memcpy(it->out_sha256, pl->docs[i].sha256,
			    sizeof(it->out_sha256));
			snprintf(it->state, sizeof(it->state), ITEM_SIGNED);
			/* The level delivered: B-T when the long-term step
			 * failed (item_ltv), which the history shows. */
			snprintf(it->level, sizeof(it->level), "%s",
			    level_name(res->level));
		} else {
			doc_unwrite(e, &pl->docs[i]);
			pl->lost[i] = true;
			log_warnx("sign: batch %s item %zu: output not kept "
			          "(%s); left to recovery",
			    pl->b.id, i, pc_rc_str(rc));
		}
	}
	/* Its scratch files go at once: the disk holds what is in flight. */
	if (res != NULL) {
		unlink(res->out);
		unlink(res->in);
	}
	buf_cleanup(&out);
}

/*
 * In one transaction (one commit for every item finished meanwhile):
 * the finished items' rows (a signed one's output recorded, its input's
 * row deleted), the items under way marked signing, the batch touched (a
 * batch that moves is not stuck). The inputs' files go after the commit.
 */
static void
plan_record(struct plan *pl, const size_t *fin, size_t nfin, const size_t *busy,
    size_t nbusy)
{
	const struct pc_env *e = &pl->env;
	struct store_sign_batch b = pl->b;
	struct db *db = NULL;
	char path[700];
	size_t k;
	enum pc_rc rc;

	rc = store_write_begin(e->store, &db);
	for (k = 0; rc == PC_OK && k < nfin; k++) {
		struct store_sign_item *it = &pl->items[fin[k]];

		if (pl->lost[fin[k]])
			continue;
		if (strcmp(it->state, ITEM_SIGNED) == 0) {
			rc = doc_insert(db, &pl->docs[fin[k]], it->out_name);
			if (rc == PC_OK)
				rc = store_document_delete(db, it->in_doc);
			if (rc == PC_ENOTFOUND)
				rc = PC_OK;
		}
		if (rc == PC_OK) {
			/* The row without its input; memory keeps the id
			 * for the file, removed after the commit. */
			char in[STORE_ID_LEN + 1];

			memcpy(in, it->in_doc, sizeof(in));
			if (strcmp(it->state, ITEM_SIGNED) == 0)
				it->in_doc[0] = '\0';
			rc = store_sign_item_update(db, it);
			memcpy(it->in_doc, in, sizeof(in));
		}
	}
	for (k = 0; rc == PC_OK && k < nbusy; k++) {
		rc = store_sign_item_mark(db, pl->b.id, pl->items[busy[k]].idx,
		    ITEM_PENDING, ITEM_SIGNING);
		if (rc == PC_ESTATE)
			rc = PC_OK;
	}
	b.updated_at = clock_now();
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	rc = store_write_end(e->store, db, rc);
	for (k = 0; k < nfin; k++) {
		struct store_sign_item *it = &pl->items[fin[k]];

		if (pl->lost[fin[k]] || strcmp(it->state, ITEM_SIGNED) != 0)
			continue;
		if (rc != PC_OK) {
			doc_unwrite(e, &pl->docs[fin[k]]);
			continue;
		}
		doc_path(e, pl->user_id, it->in_doc, path, sizeof(path));
		unlink(path);
		it->in_doc[0] = '\0';
	}
	if (rc != PC_OK) {
		log_warnx("sign: batch %s: %zu item(s) not recorded (%s); the "
		          "batch is left to recovery",
		    pl->b.id, nfin, pc_rc_str(rc));
		pl->broken = true;
	}
	for (k = 0; k < nfin; k++)
		if (pl->lost[fin[k]])
			pl->broken = true;
}

/* The signed items and the timestamps counted for them. */
struct signed_count {
	const char *level;
	int64_t nsig, nts;
};

static enum pc_rc
count_signed(void *arg, const struct store_sign_item *it)
{
	struct signed_count *c = arg;

	if (strcmp(it->state, ITEM_SIGNED) == 0) {
		c->nsig++;
		c->nts += signing_ts_made(c->level, it->level, it->format);
	}
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
	struct signed_count sc = { b.level, 0, 0 };
	enum pc_rc rc;

	rc = store_write_begin(pl->env.store, &db);
	if (rc == PC_OK)
		rc = store_sign_item_each(db, b.id, count_signed, &sc);
	if (rc == PC_OK) {
		snprintf(b.state, sizeof(b.state), "done");
		b.signatures = sc.nsig;
		b.timestamps = sc.nts;
		b.signed_at = b.updated_at = clock_now();
		rc = store_sign_batch_move(db, &b, "signing");
	}
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s signed=%lld of %zu", b.id,
		    b.credential, (long long)sc.nsig, pl->n);
		rc = store_audit_append(db, pl->user_id, "sign.web", detail);
	}
	return store_write_end(pl->env.store, db, rc);
}

static void
plan_end(struct plan *pl)
{
	(void)signing_batch_finish(&pl->env, pl->sb); /* closes it */
	if (!pl->broken && plan_close(pl) != PC_OK)
		log_warnx("sign: batch %s: cannot close it; left to recovery",
		    pl->b.id);
	websign_plan_free(pl);
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
		pl->busy[i] = 1;
		pthread_mutex_unlock(&p->mu);
		plan_output(pl, i);
		pthread_mutex_lock(&p->mu);
		pl->busy[i] = 0;
		pl->rec[pl->nrec++] = i;
		/* One thread records for pl at a time, everything finished
		 * meanwhile in one commit; the one that records the last
		 * item closes the batch. */
		last = false;
		while (pl->nrec > 0 && !pl->committing) {
			size_t fin[WEB_FILES_MAX], busy[WEB_FILES_MAX];
			size_t nfin = pl->nrec, nbusy = 0, j;

			pl->committing = true;
			memcpy(fin, pl->rec, nfin * sizeof(fin[0]));
			pl->nrec = 0;
			for (j = 0; j < pl->n; j++)
				if (pl->busy[j] == 1) {
					pl->busy[j] = 2;
					busy[nbusy++] = j;
				}
			pthread_mutex_unlock(&p->mu);
			plan_record(pl, fin, nfin, busy, nbusy);
			pthread_mutex_lock(&p->mu);
			pl->committing = false;
			pl->left -= nfin;
			if (pl->left == 0) {
				last = true;
				break;
			}
		}
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
bool
websign_pool_reserve(struct websign_pool *p)
{
	bool ok;

	pthread_mutex_lock(&p->mu);
	ok = !p->stopping && p->jobs < POOL_JOBS_MAX;
	if (ok)
		p->jobs++;
	pthread_mutex_unlock(&p->mu);
	return ok;
}

void
websign_pool_unreserve(struct websign_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->jobs--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* pl (reserved, its items pending) handed to the pool's threads. */
void
websign_pool_submit(struct websign_pool *p, struct plan *pl)
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

void
websign_plan_run(struct plan *pl)
{
	size_t i;

	pl->env.actor = pl->user_id;
	for (i = 0; i < pl->n; i++) {
		plan_output(pl, i);
		pl->rec[i] = i;
	}
	plan_record(pl, pl->rec, pl->n, NULL, 0);
	plan_end(pl);
}
