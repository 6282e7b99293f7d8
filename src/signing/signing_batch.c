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
 *
 * This file makes a batch and prepares it (begin); the authorization is
 * in signing_batch_auth.c, the signatures built (finish) in
 * signing_batch_finish.c; what they share in signing_batch_int.h.
 */
#include <pthread.h>
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
#include "signing/signing_batch_int.h"
#include "store/store.h"
#include "store/store_account.h"

_Static_assert(SIGN_TBS_MAX == SIGNER_HASH_MAX, "one hash size");

#define FD_PATH_MAX 32
#define SIGNING_BEGIN_THREADS 8

/* Each transition of the batch, checked in one place. */
bool
sbatch_step(struct signing_batch *b, enum batch_state from, enum batch_state to)
{
	if (b->state != from)
		return false;
	b->state = to;
	return true;
}

/*
 * The signing function of finish: the signature authorized for the item
 * being built, only for the hash that was authorized.
 */
static enum pc_rc
batch_replay(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	struct sbatch_replay *rp = arg;
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

/* The item's own copies of its paths, strings and profile. */
static void
item_copies_free(struct batch_item *it)
{
	free(it->in);
	free(it->out);
	free(it->field);
	free(it->reason);
	free(it->loc);
	free(it->approf);
	free(it->approf_img);
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
		item_copies_free(it);
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
		item_copies_free(it);
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

void
sbatch_progress(const struct signing_batch *b, size_t i, enum signing_step step)
{
	if (b->progress != NULL)
		b->progress(b->progress_arg, b, i, step);
}

void
sbatch_item_fail(struct batch_item *it, enum pc_rc rc)
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
unsigned
sbatch_item_timestamps(const struct batch_item *it)
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
	if (!sbatch_step(b, BATCH_NEW, BATCH_BEGUN))
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
			sbatch_item_fail(it, rc);
			if (first == PC_OK)
				first = it->res.rc;
		}
		sbatch_progress(b, i, SIGNING_STEP_BEGIN);
		if (first != PC_OK && b->stop_at_first)
			break;
	}
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
