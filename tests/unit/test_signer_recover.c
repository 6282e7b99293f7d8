/*
 * test_signer_recover.c: SIGN_RECOVER (src/signer/signer_recover.c), the
 * signer giving back what a browser batch a dead node left "signing"
 * counted and never delivered, on SQLite and (tests/integration/
 * store_pg.sh) PostgreSQL.
 *
 * A batch of four PAdES files at B-LTA (3 transactions each): one signed
 * and delivered, two left "signing" whose hashes the signer recorded, one
 * "pending" never signed. Checked: the two recorded are given back (6),
 * the batch opens again with three files ready, one audit row; a second
 * request (another node) changes nothing; a web side that puts the batch
 * back in "signing" and claims every file unfinished gets back nothing
 * more for the records given back already, and only the record it had
 * not given back (the delivered file's: the signer cannot know delivery,
 * but each record is given back at most once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "signer/signer_int.h"
#include "store/store.h"
#include "store/store_account.h"
#include "store/store_credential.h"
#include "store/store_row.h"
#include "store/store_sign.h"
#include "support/tstore.h"

#define RV_USER "u-recover"
#define RV_SERIAL "5e1a2"
#define RV_BATCH "b-recover"
#define RV_QUOTA 100

static struct store *s;

static const char *const rv_states[] = { "signed", "signing", "signing",
	"pending" };

static void
hash_of(int i, char out[65])
{
	snprintf(out, 65, "%064x", 0xab00 + i);
}

static int
rv_setup(void **state)
{
	struct store_user u;
	struct store_credential c;
	struct store_sign_batch b;
	struct store_sign_item it;
	struct db *db = NULL;
	enum pc_rc rc;
	int i;

	(void)state;
	store_close(s);
	s = NULL;
	if (ts_store_fresh(ts_cur->url, 2, &s) != 0)
		return -1;
	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), RV_USER);
	u.email = (char *)"recover@example.ro";
	u.given_name = u.surname = (char *)"Recover";
	u.phone = (char *)"+40700000001";
	u.lang = (char *)"ro";
	u.status = (char *)USER_STATUS_ACTIVE;
	memset(&c, 0, sizeof(c));
	snprintf(c.serial, sizeof(c.serial), RV_SERIAL);
	snprintf(c.holder, sizeof(c.holder), "holder-rv");
	c.transactions_left = RV_QUOTA;
	c.created_at = 50;
	memset(&b, 0, sizeof(b));
	snprintf(b.id, sizeof(b.id), RV_BATCH);
	snprintf(b.user_id, sizeof(b.user_id), RV_USER);
	snprintf(b.state, sizeof(b.state), "signing");
	snprintf(b.credential, sizeof(b.credential), RV_SERIAL);
	snprintf(b.level, sizeof(b.level), "B-LTA");
	b.created_at = b.updated_at = 60;
	rc = store_acquire(s, &db);
	if (rc == PC_OK)
		rc = store_user_insert(db, &u);
	if (rc == PC_OK)
		rc = store_credential_insert(db, &c);
	if (rc == PC_OK)
		rc = store_sign_batch_insert(db, &b);
	for (i = 0; rc == PC_OK && i < 4; i++) {
		memset(&it, 0, sizeof(it));
		snprintf(it.batch_id, sizeof(it.batch_id), RV_BATCH);
		it.idx = i;
		it.name = (char *)"a.pdf";
		it.size = 10;
		snprintf(it.in_sha256, sizeof(it.in_sha256), "%064d", i);
		snprintf(it.format, sizeof(it.format), "pades");
		snprintf(it.state, sizeof(it.state), "%s", rv_states[i]);
		if (i < 3)
			hash_of(i, it.tbs_hash);
		rc = store_sign_item_insert(db, &it);
		/* The signer recorded the first three (each: a signature
		 * and its two timestamps; 9 taken). */
		if (rc == PC_OK && i < 3)
			rc = store_signature_add(
			    db, RV_SERIAL, "sign", it.tbs_hash, 61);
	}
	if (rc == PC_OK)
		rc = store_q_run(db, NULL,
		    "UPDATE credentials SET transactions_left = $1", "i",
		    (int64_t)RV_QUOTA - 9);
	store_release(s, db);
	return rc == PC_OK ? 0 : -1;
}

static int
rv_teardown(void **state)
{
	(void)state;
	store_close(s);
	s = NULL;
	return 0;
}

static int64_t
q1(const char *sql)
{
	return ts_q1(s, sql);
}

static void
exec(const char *sql)
{
	ts_exec(s, sql);
}

/* One SIGN_RECOVER through the table's encoder and decoder. */
static void
recover(const char *user, const char *batch,
    struct signer_m_sign_recover_reply *out)
{
	struct signer_user u;
	struct signer_m_sign_recover q;
	struct buf reply;

	memset(&u, 0, sizeof(u));
	u.store = s;
	memset(&q, 0, sizeof(q));
	signer_bytes_of(&q.user, user);
	signer_bytes_of(&q.batch, batch);
	buf_init(&reply, 4096);
	signer_recover_serve(&u, PC_OK, &q, &reply);
	assert_false(reply.failed);
	memset(out, 0, sizeof(*out));
	assert_int_equal(signer_msg_decode(SIGNER_MSG_SIGN_RECOVER_REPLY,
	                     reply.data, reply.len, out),
	    PC_OK);
	buf_cleanup(&reply);
}

static int64_t
left(void)
{
	return q1("SELECT transactions_left FROM credentials");
}

static void
test_recover_once(void **state)
{
	struct signer_m_sign_recover_reply r;

	(void)state;
	recover(RV_USER, RV_BATCH, &r);
	assert_int_equal(r.rc, PC_OK);
	assert_int_equal(r.result, RECOVER_R_OK);
	assert_int_equal(r.kept, 1);
	assert_int_equal(r.undelivered, 2);
	assert_int_equal(r.refunded, 6);
	assert_int_equal(r.open, 1);
	assert_int_equal(left(), RV_QUOTA - 9 + 6);
	assert_int_equal(q1("SELECT count(*) FROM sign_items WHERE "
	                    "state = 'ready'"),
	    3);
	assert_int_equal(q1("SELECT count(*) FROM sign_batches WHERE "
	                    "state = 'open' AND interrupted_at > 0"),
	    1);
	assert_int_equal(q1("SELECT count(*) FROM signatures WHERE "
	                    "refunded_at > 0"),
	    2);
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE "
	                    "event = 'sign.interrupted' AND actor = 'signer'"),
	    1);

	/* Another node's request: the batch moved, nothing changes. */
	recover(RV_USER, RV_BATCH, &r);
	assert_int_equal(r.rc, PC_OK);
	assert_int_equal(r.result, RECOVER_R_MOVED);
	assert_int_equal(r.refunded, 0);
	assert_int_equal(left(), RV_QUOTA - 9 + 6);
	assert_int_equal(q1("SELECT count(*) FROM audit_log WHERE "
	                    "event = 'sign.interrupted'"),
	    1);
}

static void
test_recover_bounded(void **state)
{
	struct signer_m_sign_recover_reply r;

	(void)state;
	recover(RV_USER, RV_BATCH, &r);
	assert_int_equal(r.refunded, 6);
	/* The web side puts it back and claims all four unfinished: only
	 * the record not given back yet (the delivered file's) counts. */
	exec("UPDATE sign_batches SET state = 'signing'");
	exec("UPDATE sign_items SET state = 'signing'");
	recover(RV_USER, RV_BATCH, &r);
	assert_int_equal(r.result, RECOVER_R_OK);
	assert_int_equal(r.undelivered, 1);
	assert_int_equal(r.refunded, 3);
	assert_int_equal(r.kept, 0);
	assert_int_equal(left(), RV_QUOTA - 9 + 9);
	/* Again: nothing is left to give back, whatever the items say. */
	exec("UPDATE sign_batches SET state = 'signing'");
	exec("UPDATE sign_items SET state = 'signing'");
	recover(RV_USER, RV_BATCH, &r);
	assert_int_equal(r.result, RECOVER_R_OK);
	assert_int_equal(r.refunded, 0);
	assert_int_equal(left(), RV_QUOTA);
	assert_int_equal(q1("SELECT count(*) FROM signatures WHERE "
	                    "refunded_at = 0"),
	    0);
}

static void
test_recover_foreign(void **state)
{
	struct signer_m_sign_recover_reply r;

	(void)state;
	/* Another user's id, an unknown batch: nothing. */
	recover("u-other", RV_BATCH, &r);
	assert_int_equal(r.result, RECOVER_R_UNKNOWN);
	recover(RV_USER, "b-none", &r);
	assert_int_equal(r.result, RECOVER_R_UNKNOWN);
	assert_int_equal(left(), RV_QUOTA - 9);
	assert_int_equal(q1("SELECT count(*) FROM sign_batches WHERE "
	                    "state = 'signing'"),
	    1);
}

static const struct CMUnitTest suite[] = {
	cmocka_unit_test_setup(test_recover_once, rv_setup),
	cmocka_unit_test_setup(test_recover_bounded, rv_setup),
	cmocka_unit_test_setup(test_recover_foreign, rv_setup),
};

int
main(void)
{
	return ts_store_main("test_signer_recover", suite, PC_ARRAY_LEN(suite),
	    rv_setup, rv_teardown);
}
