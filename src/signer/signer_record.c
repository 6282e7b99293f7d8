/*
 * signer_record.c: the records of a signature, in group commits.
 *
 * After the HSM signed, one write takes the transactions and records the
 * signatures and the audit row (signer_user_record). The signer's
 * channels run at once, and one write transaction each made them queue
 * for the store's write lock, each paying its own commit (a sync to
 * disk) and the lock's hand-over. So the records of the requests that
 * finish together go into one transaction: the first caller to find no
 * commit running leads, takes the records queued so far (at most
 * REC_GROUP_MAX) and writes each
 * under its own savepoint (a record refused — no transactions left, a
 * renewal already submitted — or failing is rolled back alone), commits
 * once, and wakes their callers; the next leader is one of the callers
 * still waiting. The group's audit rows are written unsealed and the
 * last one sealed before the commit: one HSM signature per group, the
 * chain carrying the seal over the rows before it. A failed commit fails every
 * record of the group: none of them counted, none of their signatures returned.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/log.h"
#include "signer/signer_int.h"
#include "store/store_credential.h"
#include "store/store_renewal.h"

/* Most records in one group (and one transaction). */
#define REC_GROUP_MAX 64

/* One caller's record, on its stack until done. */
struct rec_job {
	const struct signer_uq *q;
	uint8_t (*sigs)[HSM_SIG_MAX];
	const size_t *siglens;
	int64_t now;
	const char *event;
	enum signer_user_result res;
	int64_t left;
	enum pc_rc rc;
	bool done;
	struct rec_job *next;
};

static pthread_mutex_t rec_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rec_cv = PTHREAD_COND_INITIALIZER;
static struct rec_job *rec_head;
static struct rec_job **rec_tail = &rec_head;
static bool rec_leading;
static size_t rec_largest; /* the largest group so far (tests) */

size_t
signer_record_largest(void)
{
	size_t n;

	pthread_mutex_lock(&rec_mu);
	n = rec_largest;
	pthread_mutex_unlock(&rec_mu);
	return n;
}

/*
 * j's writes inside the open transaction: PC_OK with j->res USER_R_OK
 * when recorded; j->res USER_R_QUOTA / USER_R_INVALID when another
 * request took the transactions or submitted the renewal.
 */
static enum pc_rc
rec_write(struct db *db, struct rec_job *j)
{
	const struct signer_uq *q = j->q;
	struct store_credential cr;
	char hex[2 * SIGNER_HASH_MAX + 1], detail[256];
	uint8_t imp[EVP_MAX_MD_SIZE];
	unsigned int implen;
	const EVP_MD *md;
	size_t i;
	enum pc_rc rc;

	md = EVP_get_digestbynid((int)q->md);
	if (md == NULL && q->nts > 0)
		return PC_EINVAL;
	if (q->renewal[0] != '\0')
		rc = store_renewal_move(db, q->renewal, RENEWAL_DRAFT,
		    RENEWAL_SUBMITTED, q->terms, NULL, NULL, NULL, j->now);
	else
		rc = store_credential_spend(
		    db, q->serial, (int64_t)q->n + q->nts, j->now);
	if (rc == PC_ELIMIT || rc == PC_ESTATE) {
		j->res = rc == PC_ELIMIT ? USER_R_QUOTA : USER_R_INVALID;
		return PC_OK;
	}
	for (i = 0; rc == PC_OK && i < q->n; i++) {
		hex_encode(q->hashes[i], q->hlen, hex);
		rc = store_signature_add(
		    db, q->serial, STORE_SIG_KIND_SIGN, hex, j->now);
		if (rc != PC_OK || i >= q->nts)
			continue;
		if (!EVP_Digest(
		        j->sigs[i], j->siglens[i], imp, &implen, md, NULL)) {
			rc = PC_ECRYPTO;
			break;
		}
		hex_encode(imp, implen, hex);
		rc = store_signature_add(
		    db, q->serial, STORE_SIG_KIND_TIMESTAMP, hex, j->now);
	}
	if (q->renewal[0] != '\0')
		snprintf(detail, sizeof(detail),
		    "credential=%s signatures=%u timestamps=%u renewal=%s "
		    "terms=%s",
		    q->serial, q->n, q->nts, q->renewal, q->terms);
	else
		snprintf(detail, sizeof(detail),
		    "credential=%s signatures=%u timestamps=%u", q->serial,
		    q->n, q->nts);
	if (rc == PC_OK)
		rc =
		    store_audit_append_unsealed(db, "signer", j->event, detail);
	if (rc == PC_OK)
		rc = store_credential_get(db, q->serial, &cr);
	if (rc == PC_OK) {
		j->left = cr.transactions_left;
		j->res = USER_R_OK;
	}
	return rc;
}

/*
 * The group's credential rows locked first (store_credential_lock): a
 * record's audit row takes the audit table's lock until the group
 * commits; on PostgreSQL a later record's credential update would
 * otherwise wait for a row another transaction holds while that one
 * waits for the audit lock (a deadlock, one side failed after 1 s).
 * Every other writer takes a credential row before the audit lock.
 */
static enum pc_rc
rec_lock_rows(struct db *db, struct rec_job *head)
{
	const char *serials[REC_GROUP_MAX];
	struct rec_job *j;
	size_t n = 0;

	for (j = head; j != NULL && n < REC_GROUP_MAX; j = j->next)
		if (j->q->renewal[0] == '\0')
			serials[n++] = j->q->serial;
	return store_credential_lock(db, serials, n);
}

/* The group from head in one transaction, each record under a savepoint. */
static void
rec_run(struct db *db, struct rec_job *head)
{
	struct rec_job *j;
	enum pc_rc rc;

	rc = db_begin(db);
	if (rc == PC_OK)
		rc = rec_lock_rows(db, head);
	for (j = head; j != NULL; j = j->next) {
		j->res = USER_R_SIGN_FAILED;
		j->rc = rc;
		if (rc != PC_OK)
			continue;
		j->rc = db_exec(db, "SAVEPOINT rec");
		if (j->rc == PC_OK)
			j->rc = rec_write(db, j);
		if (j->rc != PC_OK || j->res != USER_R_OK)
			rc = db_exec(db, "ROLLBACK TO SAVEPOINT rec");
		if (rc == PC_OK)
			rc = db_exec(db, "RELEASE SAVEPOINT rec");
		if (rc != PC_OK && j->rc == PC_OK)
			j->rc = rc;
	}
	/* One seal for the group's audit rows: the last row's hash covers
	 * the rows before it (store_audit_seal_last). */
	if (rc == PC_OK)
		rc = store_audit_seal_last(db);
	if (rc == PC_OK)
		rc = db_commit(db);
	else if (db_in_tx(db))
		db_rollback(db);
	if (rc == PC_OK)
		return;
	log_warnx("signer: a group of signature records failed (%s); none "
	          "counted",
	    pc_rc_str(rc));
	for (j = head; j != NULL; j = j->next)
		if (j->rc == PC_OK)
			j->rc = rc;
}

enum pc_rc
signer_user_record(struct db *db, const struct signer_uq *q,
    uint8_t (*sigs)[HSM_SIG_MAX], const size_t *siglens, int64_t now,
    const char *event, enum signer_user_result *res, int64_t *left)
{
	struct rec_job me, *batch, *j, *next;
	size_t n;

	memset(&me, 0, sizeof(me));
	me.q = q;
	me.sigs = sigs;
	me.siglens = siglens;
	me.now = now;
	me.event = event;
	pthread_mutex_lock(&rec_mu);
	*rec_tail = &me;
	rec_tail = &me.next;
	while (!me.done) {
		if (rec_leading) {
			pthread_cond_wait(&rec_cv, &rec_mu);
			continue;
		}
		/* Lead: the records queued first (this one among them unless
		 * more than REC_GROUP_MAX wait before it: then again). */
		rec_leading = true;
		batch = rec_head;
		for (n = 1, j = batch; n < REC_GROUP_MAX && j->next != NULL;
		     j = j->next)
			n++;
		rec_head = j->next;
		j->next = NULL;
		if (rec_head == NULL)
			rec_tail = &rec_head;
		if (n > rec_largest)
			rec_largest = n;
		pthread_mutex_unlock(&rec_mu);
		rec_run(db, batch);
		pthread_mutex_lock(&rec_mu);
		for (j = batch; j != NULL; j = next) {
			next = j->next; /* j may leave once done */
			j->done = true;
		}
		rec_leading = false;
		pthread_cond_broadcast(&rec_cv);
	}
	pthread_mutex_unlock(&rec_mu);
	*res = me.res;
	if (me.rc == PC_OK && me.res == USER_R_OK)
		*left = me.left;
	return me.rc;
}
