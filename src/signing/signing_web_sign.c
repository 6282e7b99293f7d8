/*
 * signing_web_sign.c: signing a browser batch (J9): the quota and the
 * code checked in the request, then the batch signed; a batch left
 * "signing" by a node that died is recovered. See signing_web.h.
 */
#include <dirent.h>
#include <fcntl.h>
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

struct plan {
	const struct pc_env *e;
	const char *user_id, *dir;
	struct signing_batch *sb;
	struct store_sign_item items[WEB_FILES_MAX];
	size_t sbi[WEB_FILES_MAX]; /* the item's index in sb */
	size_t n;
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
	it->placement = NULL;
	it->out_name = NULL;
	if (it->name == NULL)
		return PC_ENOMEM;
	snprintf(inp, sizeof(inp), "%s/in-%lld", pl->dir, (long long)it->idx);
	snprintf(
	    outp, sizeof(outp), "%s/out-%lld", pl->dir, (long long)it->idx);
	buf_init(&in, WEB_FILE_MAX);
	rc = doc_get(pl->e, pl->user_id, it->in_doc, &in);
	if (rc == PC_OK)
		rc = file_write_atomic(inp, in.data, in.len, 0600);
	buf_cleanup(&in);
	if (rc != PC_OK)
		return rc;
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
	if (rc == PC_OK)
		pl->n++;
	else
		free(it->name);
	return rc;
}

static void
plan_cleanup(struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++) {
		free(pl->items[i].name);
		free(pl->items[i].out_name);
	}
	signing_batch_free(pl->sb);
	pl->sb = NULL;
}

static enum pc_rc
plan_record_tbs(struct plan *pl)
{
	struct db *db = NULL;
	char hex[2 * SIGN_TBS_MAX + 1];
	size_t i;
	enum pc_rc rc;

	rc = store_write_begin(pl->e->store, &db);
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		signing_batch_tbs_hex(pl->sb, pl->sbi[i], hex);
		rc = store_sign_item_tbs(
		    db, pl->items[i].batch_id, pl->items[i].idx, hex);
	}
	return store_write_end(pl->e->store, db, rc);
}

/* After finish: each output written encrypted (outside any transaction),
 * then in one transaction the rows, each item's state, the batch done. */
static enum pc_rc
plan_keep(struct plan *pl, const struct store_sign_batch *b0)
{
	struct store_sign_batch b = *b0;
	struct store_document *docs;
	struct db *db = NULL;
	struct buf out;
	char detail[200];
	size_t i, nsig = 0;
	enum pc_rc rc = PC_OK;

	docs = calloc(WEB_FILES_MAX, sizeof(*docs));
	if (docs == NULL)
		return PC_ENOMEM;
	buf_init(&out, (size_t)WEB_FILE_MAX + (1u << 20));
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		struct store_sign_item *it = &pl->items[i];
		const struct signing_result *res =
		    signing_batch_result(pl->sb, pl->sbi[i]);
		bool pades = strcmp(it->format, FMT_PADES) == 0;
		char name[WEB_NAME_MAX + 8];

		if (res == NULL || res->state != SIGNING_DONE) {
			snprintf(it->state, sizeof(it->state), ITEM_FAILED);
			snprintf(it->intake, sizeof(it->intake), "%s",
			    res != NULL && res->err.code != NULL
			        ? res->err.code
			        : "sign_failed");
			continue;
		}
		buf_reset(&out);
		rc = file_read(res->out, out.max, &out);
		if (rc == PC_OK)
			rc = doc_write(pl->e, pl->user_id, DOC_SIGNED, b.id,
			    pades ? "application/pdf"
			          : "application/pkcs7-signature",
			    out.data, out.len, WEB_KEEP_S, &docs[i]);
		if (rc != PC_OK)
			break;
		snprintf(
		    name, sizeof(name), "%s%s", it->name, pades ? "" : ".p7s");
		free(it->out_name);
		it->out_name = strdup(name);
		if (it->out_name == NULL)
			rc = PC_ENOMEM;
		memcpy(it->out_doc, docs[i].id, sizeof(docs[i].id));
		memcpy(it->out_sha256, docs[i].sha256, sizeof(docs[i].sha256));
		snprintf(it->state, sizeof(it->state), ITEM_SIGNED);
		nsig++;
	}
	if (rc == PC_OK)
		rc = store_write_begin(pl->e->store, &db);
	for (i = 0; rc == PC_OK && i < pl->n; i++) {
		struct store_sign_item *it = &pl->items[i];

		if (strcmp(it->state, ITEM_SIGNED) == 0) {
			rc = doc_insert(db, &docs[i], it->out_name);
			/* The input is no longer needed. */
			if (rc == PC_OK)
				rc = doc_drop(
				    pl->e, db, pl->user_id, it->in_doc);
			it->in_doc[0] = '\0';
		}
		if (rc == PC_OK)
			rc = store_sign_item_update(db, it);
	}
	if (rc == PC_OK) {
		snprintf(b.state, sizeof(b.state), "done");
		b.signatures = (int64_t)nsig;
		b.timestamps = (int64_t)nsig;
		b.signed_at = b.updated_at = clock_now();
		rc = store_sign_batch_move(db, &b, "signing");
	}
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s signed=%zu of %zu", b.id,
		    b.credential, nsig, pl->n);
		rc = store_audit_append(db, pl->user_id, "sign.web", detail);
	}
	if (db != NULL)
		rc = store_write_end(pl->e->store, db, rc);
	if (rc != PC_OK)
		for (i = 0; i < pl->n; i++)
			doc_unwrite(pl->e, &docs[i]);
	buf_cleanup(&out);
	free(docs);
	return rc;
}

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
	char dir[600], tsa[300];
	bool moved = false;
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
	}
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK)
		return rc;
	moved = true;
	pl = calloc(1, sizeof(*pl));
	if (pl == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	websign_scratch_dir(e, id, dir, sizeof(dir));
	pl->e = e;
	pl->user_id = user_id;
	pl->dir = dir;
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
	if (rc != PC_OK && (err == NULL || err->code == 0))
		rc = pc_fail(err, rc == PC_ENOMEM ? PC_ENOMEM : PC_EINVAL,
		    PCE_SIGN_FAILED, NULL);
	if (rc == PC_OK)
		rc = signing_batch_authorize(e, pl->sb, code, err);
	/* The request's member is "code". */
	if (rc != PC_OK && err != NULL && err->field != NULL &&
	    strcmp(err->field, "sad") == 0)
		err->field = "code";
	if (rc != PC_OK)
		goto out;
	moved = false; /* counted from here: the batch ends done */
	(void)signing_batch_finish(e, pl->sb);
	rc = plan_keep(pl, &b);
out:
	if (moved)
		batch_reopen(e, &b);
	if (pl != NULL) {
		plan_cleanup(pl);
		free(pl);
		websign_scratch_rm(dir);
	}
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
	int64_t n;
};

static enum pc_rc
counted_one(void *arg, const struct store_sign_item *it)
{
	struct counted *c = arg;
	bool yes = false;
	enum pc_rc rc;

	if (it->tbs_hash[0] == '\0')
		return PC_OK;
	rc = store_signature_has(c->db, c->credential, it->tbs_hash, &yes);
	if (rc == PC_OK && yes)
		c->n++;
	return rc;
}

/*
 * A batch left in "signing": the signatures the signer counted for it
 * (its items' recorded hashes among the credential's signing records)
 * were never delivered, so they are given back, with an audit record, and
 * the batch is open again with its files: the person signs it again.
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
	c.db = db;
	c.credential = b.credential;
	c.n = 0;
	rc = store_sign_item_each(db, b.id, counted_one, &c);
	snprintf(b.state, sizeof(b.state), "open");
	b.interrupted_at = b.updated_at = now;
	if (rc == PC_OK)
		rc = store_sign_batch_move(db, &b, "signing");
	/* B-T: each signature's time-stamp was counted with it. */
	if (rc == PC_OK && c.n > 0)
		rc = store_credential_refund(db, b.credential, 2 * c.n, now);
	if (rc == PC_OK) {
		snprintf(detail, sizeof(detail),
		    "batch=%s credential=%s undelivered=%lld refunded=%lld",
		    b.id, b.credential, (long long)c.n, (long long)(2 * c.n));
		rc = store_audit_append(
		    db, "job:documents", "sign.interrupted", detail);
	}
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK) {
		websign_scratch_dir(e, b.id, dir, sizeof(dir));
		websign_scratch_rm(dir);
		log_info(
		    "sign: batch %s interrupted while signing: open again, "
		    "%lld transaction(s) given back",
		    b.id, (long long)(2 * c.n));
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
