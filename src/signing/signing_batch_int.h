/*
 * signing_batch_int.h: what the parts of a signing batch share, inside
 * src/signing/ only (signing.h is the API): signing_batch.c makes and
 * prepares a batch, signing_batch_auth.c has it authorized by the
 * signer, signing_batch_finish.c builds the signatures and the
 * long-term data.
 */
#ifndef PC_SIGNING_BATCH_INT_H
#define PC_SIGNING_BATCH_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "signing/signing.h"
#include "store/store.h"
#include "store/store_account.h"

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

/* Which item a finish builds: its own, so items finish in parallel. */
struct sbatch_replay {
	struct signing_batch *b;
	size_t i;
};

/* Each transition of the batch, checked in one place: false when b is
 * not in from. */
bool sbatch_step(
    struct signing_batch *b, enum batch_state from, enum batch_state to);
/* The batch's progress callback for item i, if any. */
void sbatch_progress(
    const struct signing_batch *b, size_t i, enum signing_step step);
/* Item it failed with rc (PC_EINTERNAL for PC_OK); its PDF job freed. */
void sbatch_item_fail(struct batch_item *it, enum pc_rc rc);
/* The timestamps an item takes: its cost without its signature. */
unsigned sbatch_item_timestamps(const struct batch_item *it);

#endif /* PC_SIGNING_BATCH_INT_H */
