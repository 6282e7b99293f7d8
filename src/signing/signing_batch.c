/*
 * signing_batch.c: a batch of signatures with a holder's key under one
 * SAD (see signing.h and docs/internals/signing.md).
 *
 * The engine is asked twice per item. At begin, for the hash to sign
 * (sign_pades_tbs after sign_pades_begin, sign_cades_tbs): nothing is
 * signed. At finish, through a signer whose function hands back the
 * signature authorized for that item, after checking that the engine
 * asks for exactly the hash that was authorized (the signed attributes
 * are deterministic for the same digest, time and certificate).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "pki/pki.h"
#include "signing/signing.h"
#include "store/store.h"
#include "store/store_account.h"

_Static_assert(SIGN_TBS_MAX == SIGNER_HASH_MAX, "one hash size");

#define FD_PATH_MAX 32
#define SIGNING_BEGIN_THREADS 8
#define TSA_URL_MAX 1024

enum batch_state {
	BATCH_NEW = 0,
	BATCH_BEGUN,
	BATCH_AUTHORIZED,
	BATCH_FINISHED,
};

struct batch_item {
	struct signing_result res;
	char *in, *out;               /* owned; res.in, res.out */
	char *field, *reason, *loc;   /* owned copies of opts' strings */
	struct sign_approf *approf;   /* owned copy of opts' profile */
	uint8_t *approf_img;          /* ... and of its image */
	struct sign_opts opts;        /* the batch's, with the item's own */
	struct sign_pades_job *job;   /* PAdES, between begin and finish */
	struct sign_tbs tbs;          /* READY: what the key must sign */
	uint8_t digest[SIGN_TBS_MAX]; /* a CAdES over a digest: dlen > 0 */
	size_t dlen;
	enum pc_rc begin_rc;      /* begin on threads: its result */
	uint8_t sig[HSM_SIG_MAX]; /* SIGNED: its signature */
	size_t siglen;
};

struct signing_batch {
	enum batch_state state;
	char credential[STORE_SERIAL_MAX + 1];
	char renewal[STORE_ID_LEN + 1], terms[SIGNER_TERMS_MAX + 1];
	char tsa_url[TSA_URL_MAX];
	struct sign_opts opts;      /* the batch's defaults */
	char *field, *reason, *loc; /* owned copies of its strings */
	bool stop_at_first;
	unsigned threads;
	signing_progress_fn progress;
	void *progress_arg;
	struct sign_signer *signer; /* certificate, chain, batch_replay */
	struct batch_item items[SIGNING_BATCH_MAX];
	size_t n;
	atomic_bool mismatch;
	int64_t transactions_left;
	struct sign_vcache *vcache; /* B-LT, B-LTA: validation data */
};

/* Each transition of the batch, checked in one place. */
static bool
batch_step(struct signing_batch *b, enum batch_state from, enum batch_state to)
{
	if (b->state != from)
		return false;
	b->state = to;
	return true;
}

/* Which item a finish builds: its own, so items finish in parallel. */
struct replay {
	struct signing_batch *b;
	size_t i;
};

/*
 * The signing function of finish: the signature authorized for the item
 * being built, only for the hash that was authorized.
 */
static enum pc_rc
batch_replay(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	struct replay *rp = arg;
	struct signing_batch *b;
	struct batch_item *it;

	if (rp == NULL || rp->b == NULL || rp->i >= rp->b->n)
		return PC_EINTERNAL;
	b = rp->b;
	it = &b->items[rp->i];
	if (it->res.state != SIGNING_SIGNED || mech != it->tbs.mech ||
	    md_nid != it->tbs.md_nid || hlen != it->tbs.hlen ||
	    CRYPTO_memcmp(hash, it->tbs.hash, hlen) != 0) {
		log_warnx("signing: credential=%s item=%zu: the engine asked "
		          "for a hash that was not authorized; stopping",
		    b->credential, rp->i);
		atomic_store(&b->mismatch, true);
		return PC_EINTERNAL;
	}
	memcpy(sig, it->sig, it->siglen);
	*siglen = it->siglen;
	return PC_OK;
}

static X509 *
cert_load(struct db *db, const char *serial, struct store_cert *c)
{
	const unsigned char *p;

	memset(c, 0, sizeof(*c));
	if (store_cert_get(db, serial, c) != PC_OK)
		return NULL;
	p = c->der;
	return d2i_X509(NULL, &p, (long)c->der_len);
}

/* The signer of the batch: the credential's certificate and its issuer. */
static enum pc_rc
batch_signer(
    const struct pc_env *e, struct signing_batch *b, struct pc_err *err)
{
	struct store_cert c, ic;
	struct db *db = NULL;
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL, *issuer = NULL;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	memset(&ic, 0, sizeof(ic));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	cert = cert_load(db, b->credential, &c);
	if (cert == NULL || c.kind == NULL ||
	    strcmp(c.kind, CERT_KIND_SIGN) != 0) {
		rc = pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credential");
		goto out;
	}
	issuer = cert_load(db, c.issuer, &ic);
	chain = sk_X509_new_null();
	if (chain == NULL || (issuer != NULL && !sk_X509_push(chain, issuer))) {
		rc = PC_ENOMEM;
		goto out;
	}
	issuer = NULL;
	rc = sign_signer_new(cert, chain, batch_replay, NULL, &b->signer);
out:
	X509_free(cert);
	X509_free(issuer);
	sk_X509_pop_free(chain, X509_free);
	store_cert_cleanup(&c);
	store_cert_cleanup(&ic);
	store_release(e->store, db);
	return rc;
}

/* strdup of s, NULL for NULL; *failed when out of memory. */
static char *
dup_opt(const char *s, bool *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*failed = true;
	return d;
}

enum pc_rc
signing_batch_new(const struct pc_env *e, const struct signing_opts *o,
    struct signing_batch **out, struct pc_err *err)
{
	struct signing_batch *b;
	bool failed = false;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && e->store != NULL && o != NULL && out != NULL,
	    PC_EINTERNAL);
	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return PC_ENOMEM;
	b->transactions_left = -1;
	if (o->credential == NULL ||
	    pki_serial_norm(
	        o->credential, b->credential, sizeof(b->credential)) != PC_OK) {
		rc = pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "credential");
		goto out;
	}
	if (o->renewal != NULL &&
	    (strlen(o->renewal) >= sizeof(b->renewal) ||
	        o->terms_version == NULL || o->terms_version[0] == '\0' ||
	        strlen(o->terms_version) >= sizeof(b->terms))) {
		rc = pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "renewal");
		goto out;
	}
	if (o->renewal != NULL) {
		snprintf(b->renewal, sizeof(b->renewal), "%s", o->renewal);
		snprintf(b->terms, sizeof(b->terms), "%s", o->terms_version);
	}
	b->opts = o->sign;
	b->opts.tsa_url = NULL;
	b->opts.approf = NULL; /* an item's own only (not copied here) */
	b->opts.field = b->field = dup_opt(o->sign.field, &failed);
	b->opts.reason = b->reason = dup_opt(o->sign.reason, &failed);
	b->opts.location = b->loc = dup_opt(o->sign.location, &failed);
	if (failed) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (o->sign.tsa_url != NULL) {
		if (strlen(o->sign.tsa_url) >= sizeof(b->tsa_url)) {
			rc = pc_fail(
			    err, PC_EINVAL, PCE_FIELD_INVALID, "tsa_url");
			goto out;
		}
		snprintf(b->tsa_url, sizeof(b->tsa_url), "%s", o->sign.tsa_url);
	}
	b->stop_at_first = o->stop_at_first;
	b->threads = o->threads > SIGNING_BEGIN_THREADS ? SIGNING_BEGIN_THREADS
	                                                : o->threads;
	b->progress = o->progress;
	b->progress_arg = o->progress_arg;
	rc = batch_signer(e, b, err);
out:
	if (rc != PC_OK) {
		signing_batch_free(b);
		return rc;
	}
	*out = b;
	return PC_OK;
}

void
signing_batch_free(struct signing_batch *b)
{
	struct batch_item *it;
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		sign_pades_job_free(it->job); /* unfinished: no output */
		free(it->in);
		free(it->out);
		free(it->field);
		free(it->reason);
		free(it->loc);
		free(it->approf);
		free(it->approf_img);
	}
	sign_signer_free(b->signer);
	sign_vcache_free(b->vcache);
	free(b->field);
	free(b->reason);
	free(b->loc);
	free(b);
}

/* A copy of an appearance profile and its image; true when out of memory.
 * OUT: *out, *img (free()). */
static bool
approf_dup(
    const struct sign_approf *in, struct sign_approf **out, uint8_t **img)
{
	*out = malloc(sizeof(**out));
	*img = NULL;
	if (*out == NULL)
		return true;
	**out = *in;
	if (in->image == NULL || in->image_len == 0) {
		(*out)->image = NULL;
		(*out)->image_len = 0;
		return false;
	}
	*img = malloc(in->image_len);
	if (*img == NULL)
		return true;
	memcpy(*img, in->image, in->image_len);
	(*out)->image = *img;
	return false;
}

enum pc_rc
signing_batch_add(
    struct signing_batch *b, const struct signing_item *in, size_t *index)
{
	struct batch_item *it;
	const struct sign_opts *o;
	char fdpath[FD_PATH_MAX];
	bool failed = false;

	RETURN_VAL_IF_FAIL(b != NULL && in != NULL, PC_EINTERNAL);
	if (b->state != BATCH_NEW)
		return PC_ESTATE;
	if (b->n >= SIGNING_BATCH_MAX)
		return PC_ELIMIT;
	if (in->out_path == NULL || in->out_path[0] == '\0' ||
	    (in->digest != NULL && (in->dlen == 0 || in->dlen > SIGN_TBS_MAX ||
	                               in->format == SIGN_FMT_PADES)) ||
	    (in->digest == NULL && in->in_path == NULL && in->in_fd < 0) ||
	    (in->format != 0 && in->format != SIGN_FMT_PADES &&
	        in->format != SIGN_FMT_CADES))
		return PC_EINVAL;
	it = &b->items[b->n];
	memset(it, 0, sizeof(*it));
	if (in->digest != NULL)
		snprintf(fdpath, sizeof(fdpath), "digest");
	else if (in->in_path == NULL)
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", in->in_fd);
	it->in = dup_opt(in->in_path != NULL ? in->in_path : fdpath, &failed);
	it->out = dup_opt(in->out_path, &failed);
	o = in->opts != NULL ? in->opts : &b->opts;
	it->field = dup_opt(o->field, &failed);
	it->reason = dup_opt(o->reason, &failed);
	it->loc = dup_opt(o->location, &failed);
	if (o->approf != NULL)
		failed |= approf_dup(o->approf, &it->approf, &it->approf_img);
	if (failed) {
		free(it->in);
		free(it->out);
		free(it->field);
		free(it->reason);
		free(it->loc);
		free(it->approf);
		free(it->approf_img);
		memset(it, 0, sizeof(*it));
		return PC_ENOMEM;
	}
	it->opts = *o;
	it->opts.field = it->field;
	it->opts.reason = it->reason;
	it->opts.location = it->loc;
	it->opts.approf = it->approf;
	it->res.in = it->in;
	it->res.out = it->out;
	if (in->digest != NULL) {
		memcpy(it->digest, in->digest, in->dlen);
		it->dlen = in->dlen;
	}
	it->res.format = in->digest != NULL ? SIGN_FMT_CADES
	                 : in->format != 0  ? in->format
	                                    : sign_format_guess(it->in);
	it->res.state = SIGNING_NEW;
	if (index != NULL)
		*index = b->n;
	b->n++;
	return PC_OK;
}

static void
progress(const struct signing_batch *b, size_t i, enum signing_step step)
{
	if (b->progress != NULL)
		b->progress(b->progress_arg, b, i, step);
}

static void
item_fail(struct batch_item *it, enum pc_rc rc)
{
	it->res.state = SIGNING_FAILED;
	it->res.rc = rc != PC_OK ? rc : PC_EINTERNAL;
	sign_pades_job_free(it->job); /* its temporary file goes */
	it->job = NULL;
}

static enum sign_level
item_level(const struct signing_batch *b, const struct batch_item *it)
{
	return signing_item_level(b->opts.level, it->res.format, it->dlen > 0);
}

/* The timestamps an item takes: its cost without its signature (its
 * level is item_level's already, which signing_cost keeps). */
static unsigned
item_timestamps(const struct batch_item *it)
{
	return signing_cost(it->opts.level, it->res.format) - 1;
}

/* The hash to sign of one item (and a PDF's prepared update). */
static enum pc_rc
item_begin(struct signing_batch *b, struct batch_item *it)
{
	enum pc_rc rc;

	/* The batch's, for every item: one hash size, one time, one TSA. */
	it->opts.md_nid = b->opts.md_nid;
	it->opts.level = item_level(b, it);
	it->opts.now = b->opts.now;
	it->opts.tsa_url = b->opts.tsa_url;
	it->opts.vcache = b->vcache;
	if (it->dlen > 0) {
		const EVP_MD *md = EVP_get_digestbynid(it->opts.md_nid);

		if (md == NULL || (size_t)EVP_MD_get_size(md) != it->dlen)
			return sign_err_set(&it->res.err, PC_EINVAL,
			    "hash_invalid",
			    "the digest does not fit the hash algorithm");
		return sign_cms_tbs(
		    b->signer, &it->opts, it->digest, it->dlen, true, &it->tbs);
	}
	if (it->res.format == SIGN_FMT_CADES)
		return sign_cades_tbs(
		    b->signer, &it->opts, it->in, &it->tbs, &it->res.err);
	rc = sign_pades_begin(
	    b->signer, &it->opts, it->in, it->out, &it->job, &it->res.err);
	if (rc == PC_OK)
		rc = sign_pades_tbs(it->job, b->signer, &it->tbs);
	return rc;
}

/* Items begun side by side: each its own engine context, the batch's
 * signer and options only read. */
struct begin_par {
	struct signing_batch *b;
	atomic_size_t next;
};

static void *
begin_thread(void *arg)
{
	struct begin_par *bp = arg;
	struct batch_item *it;
	size_t i;

	while ((i = atomic_fetch_add(&bp->next, 1)) < bp->b->n) {
		it = &bp->b->items[i];
		memset(&it->res.err, 0, sizeof(it->res.err));
		it->begin_rc = item_begin(bp->b, it);
	}
	return NULL;
}

static void
begin_parallel(struct signing_batch *b)
{
	pthread_t th[SIGNING_BEGIN_THREADS];
	struct begin_par bp;
	size_t k, started = 0;

	bp.b = b;
	atomic_init(&bp.next, 0);
	for (k = 1; k < b->threads && k < b->n; k++)
		if (pthread_create(&th[started], NULL, begin_thread, &bp) == 0)
			started++;
	(void)begin_thread(&bp); /* this thread too */
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
}

enum pc_rc
signing_batch_begin(const struct pc_env *e, struct signing_batch *b)
{
	struct batch_item *it;
	const struct sign_tbs *ref = NULL;
	enum pc_rc rc, first = PC_OK;
	size_t i;

	RETURN_VAL_IF_FAIL(
	    e != NULL && e->conf != NULL && b != NULL, PC_EINTERNAL);
	if (b->n == 0)
		return PC_EINVAL;
	if (!batch_step(b, BATCH_NEW, BATCH_BEGUN))
		return PC_ESTATE;
	if (b->opts.md_nid == 0)
		b->opts.md_nid = NID_sha256;
	if (b->opts.level == 0)
		b->opts.level = SIGN_LEVEL_BB;
	if (b->opts.now == 0)
		b->opts.now = clock_now(); /* the same in both steps */
	if (b->opts.level >= SIGN_LEVEL_BLT && b->vcache == NULL &&
	    (b->vcache = sign_vcache_new()) == NULL)
		return PC_ENOMEM;
	if (b->opts.level >= SIGN_LEVEL_BT && b->tsa_url[0] == '\0')
		snprintf(b->tsa_url, sizeof(b->tsa_url), "%s/tsa",
		    e->conf->server.public_url);
	if (b->tsa_url[0] != '\0')
		b->opts.tsa_url = b->tsa_url;
	if (b->threads > 1)
		begin_parallel(b);
	for (i = 0; i < b->n; i++) {
		it = &b->items[i];
		if (b->threads > 1) {
			rc = it->begin_rc;
		} else {
			memset(&it->res.err, 0, sizeof(it->res.err));
			rc = item_begin(b, it);
		}
		if (rc == PC_OK && ref == NULL)
			ref = &it->tbs;
		/* One SIGN_USER: one hash size, one mechanism. */
		if (rc == PC_OK &&
		    (it->tbs.hlen == 0 || it->tbs.hlen != ref->hlen ||
		        it->tbs.mech != ref->mech ||
		        it->tbs.md_nid != ref->md_nid))
			rc = PC_EINTERNAL;
		if (rc == PC_OK) {
			it->res.state = SIGNING_READY;
		} else {
			item_fail(it, rc);
			if (first == PC_OK)
				first = it->res.rc;
		}
		progress(b, i, SIGNING_STEP_BEGIN);
		if (first != PC_OK && b->stop_at_first)
			break;
	}
	return first;
}

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
	if (!batch_step(b, BATCH_BEGUN, BATCH_AUTHORIZED))
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
		req.timestamps += item_timestamps(&b->items[i]);
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
		rc = sign_cades_ltv(it->out, &it->opts, &it->res.warn);
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
	struct replay rp;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && b != NULL, PC_EINTERNAL);
	if (b->state != BATCH_AUTHORIZED || i >= b->n)
		return PC_ESTATE;
	it = &b->items[i];
	if (it->res.state != SIGNING_SIGNED)
		return PC_OK;
	if (atomic_load(&b->mismatch)) {
		item_fail(it, PC_EINTERNAL);
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
		item_fail(it, rc);
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
		progress(b, i, SIGNING_STEP_FINISH);
	}
	(void)batch_step(b, BATCH_AUTHORIZED, BATCH_FINISHED);
	for (i = 0; i < b->n && first == PC_OK; i++)
		if (b->items[i].res.state != SIGNING_DONE)
			first = b->items[i].res.state == SIGNING_FAILED
			            ? b->items[i].res.rc
			            : PC_EINTERNAL;
	return first;
}

size_t
signing_batch_count(const struct signing_batch *b)
{
	return b != NULL ? b->n : 0;
}

const struct signing_result *
signing_batch_result(const struct signing_batch *b, size_t i)
{
	if (b == NULL || i >= b->n)
		return NULL;
	return &b->items[i].res;
}

int64_t
signing_batch_transactions_left(const struct signing_batch *b)
{
	return b != NULL ? b->transactions_left : -1;
}

void
signing_batch_tbs_hex(const struct signing_batch *b, size_t i, char *out)
{
	out[0] = '\0';
	if (b == NULL || i >= b->n || b->state < BATCH_BEGUN ||
	    b->items[i].res.state == SIGNING_NEW ||
	    b->items[i].res.state == SIGNING_FAILED)
		return;
	hex_encode(b->items[i].tbs.hash, b->items[i].tbs.hlen, out);
}
