/*
 * fuzz_signer.c: the signer channel from the web side's end. Arbitrary
 * bytes are read as what a compromised web process could write into a
 * channel: frames (16-byte header, body), each checked as the signer
 * checks it (header, then the message table's type, sender and size
 * before the body) and answered by the real dispatcher and handlers
 * (signer_dispatch: SIGN_SERVICE, the TOTP family, SIGN_USER, the CSC
 * SAD messages) on a real
 * SQLite store with a TOTP key and one user, without an HSM: no service
 * key is allowed and no credential exists, so no request reaches a key.
 * The same bytes are also decoded as the body of every message type of
 * the table (both sides' decoders).
 *
 * Invariants (abort() when broken): every reply the signer builds
 * decodes with its own row; a body that decodes encodes back to the same
 * bytes.
 *
 * Environment: TMPDIR for the scratch store (tmpfs is faster).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liboath/oath.h>

#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "signer/signer_int.h"
#include "signer/signer_msg.h"
#include "store/store.h"
#include "store/store_account.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_MESSAGE 65536
#define FUZZ_USER "fuzzuser"

static struct conf conf;
static struct signer_srv srv;
static char dir[256];
static bool ready;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_signer: %s\n", what);
	abort();
}

static void
cleanup(void)
{
	static const char *const files[] = { "fuzz.db", "fuzz.db-wal",
		"fuzz.db-shm", "fuzz.db-journal", "totp.key" };
	char p[512];
	size_t i;

	signer_user_close(srv.user);
	signer_totp_close(srv.totp);
	conf_free(&conf);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* One TOTP request straight to the handler; the reply decoded into r. */
static void
totp_req(uint16_t type, const char *arg, struct buf *reply,
    struct signer_m_totp_reply *r)
{
	struct signer_m_totp q;

	memset(&q, 0, sizeof(q));
	q.user.p = (const uint8_t *)FUZZ_USER;
	q.user.n = strlen(FUZZ_USER);
	q.label.p = q.code.p = (const uint8_t *)arg;
	if (type == SIGNER_MSG_TOTP_ENROL_BEGIN)
		q.label.n = strlen(arg);
	else
		q.code.n = strlen(arg);
	buf_init(reply, FUZZ_MAX_MESSAGE);
	signer_totp_serve(srv.totp, type, PC_OK, &q, reply);
	if (signer_msg_decode(
	        SIGNER_MSG_TOTP_REPLY, reply->data, reply->len, r) != PC_OK ||
	    r->rc != PC_OK)
		die("pairing the user");
}

/* The user pairs an authenticator, so VERIFY reaches the code check. */
static void
pair(void)
{
	struct signer_m_totp_reply r;
	struct buf reply;
	char b32[SIGNER_TOTP_B32_MAX + 1], code[7], *secret = NULL;
	size_t n = 0;

	totp_req(SIGNER_MSG_TOTP_ENROL_BEGIN, "fuzz", &reply, &r);
	signer_text(&r.secret, b32, sizeof(b32));
	buf_cleanup(&reply);
	if (oath_init() != OATH_OK ||
	    oath_base32_decode(b32, strlen(b32), &secret, &n) != OATH_OK ||
	    oath_totp_generate(
	        secret, n, (time_t)clock_now(), 30, 0, 6, code) != OATH_OK)
		die("totp code");
	free(secret);
	totp_req(SIGNER_MSG_TOTP_ENROL_CONFIRM, code, &reply, &r);
	if (r.result != TOTP_R_OK)
		die("pairing refused");
	buf_cleanup(&reply);
}

/* A store with the schema and one user, a TOTP key: the signer's parts. */
static void
setup(void)
{
	static const char hexkey[] = "000102030405060708090a0b0c0d0e0f"
	                             "101112131415161718191a1b1c1d1e1f\n";
	const char *tmp = getenv("TMPDIR");
	struct store *st = NULL;
	struct store_user u;
	struct db *db = NULL;
	char key[512], url[512];
	FILE *f;

	log_init("fuzz_signer");
	log_set_level(LOG_LVL_ERROR);
	snprintf(dir, sizeof(dir), "%s/pecete-fuzz-signer-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	if (conf_defaults(&conf, dir) != PC_OK)
		die("conf_defaults");
	snprintf(key, sizeof(key), "%s/totp.key", dir);
	f = fopen(key, "w");
	if (f == NULL || fchmod(fileno(f), 0600) != 0 || fputs(hexkey, f) < 0)
		die("totp key");
	fclose(f);
	snprintf(url, sizeof(url), "sqlite:%s/fuzz.db", dir);
	free(conf.store.url);
	free(conf.signer.totp_key_file);
	conf.store.url = strdup(url);
	conf.signer.totp_key_file = strdup(key);
	conf.signer.max_message = FUZZ_MAX_MESSAGE;
	conf.account.totp_max_failures = 100; /* lock late: reach the check */
	if (conf.store.url == NULL || conf.signer.totp_key_file == NULL)
		die("strdup");
	if (store_open(conf.store.url, 1, &st) != PC_OK ||
	    store_migrate(st) != PC_OK || store_acquire(st, &db) != PC_OK)
		die("store");
	memset(&u, 0, sizeof(u));
	snprintf(u.id, sizeof(u.id), "%s", FUZZ_USER);
	u.email = (char *)"fuzz@example.ro";
	u.given_name = u.surname = (char *)"Fuzz";
	u.phone = (char *)"+40700000000";
	u.lang = (char *)"ro";
	u.status = (char *)USER_STATUS_ACTIVE;
	if (store_user_insert(db, &u) != PC_OK)
		die("user");
	store_release(st, db);
	store_close(st);
	memset(&srv, 0, sizeof(srv));
	srv.conf = &conf;
	srv.hsm = NULL; /* nallowed 0 and no credentials: never used */
	if (signer_totp_open(&conf, &srv.totp) != PC_OK ||
	    signer_user_open(&conf, NULL, srv.totp, &srv.user) != PC_OK)
		die("signer parts");
	pair();
	atexit(cleanup);
	ready = true;
}

/* Room for any message of the table. */
union any_msg {
	struct signer_m_sign_service a;
	struct signer_m_sig b;
	struct signer_m_totp c;
	struct signer_m_totp_reply d;
	struct signer_m_sign_user e;
	struct signer_m_sign_user_reply f;
	struct signer_m_issue_user g;
	struct signer_m_issue_user_reply h;
	struct signer_m_csc_authorize i;
	struct signer_m_csc_sad_reply j;
	struct signer_m_csc_sign k;
	struct signer_m_csc_sign_doc l;
};

/* data as the body of every type: decodes only to what encodes back. */
static void
decode_all(const uint8_t *data, size_t size, union any_msg *m)
{
	const struct signer_msgdef *def;
	struct buf again;
	size_t i;

	for (i = 0; (def = signer_msg_def_at(i)) != NULL; i++) {
		if (def->size > sizeof(*m))
			die("a row larger than the union");
		if (signer_msg_decode(def->type, data, size,
		        def->nfields > 0 ? m : NULL) != PC_OK)
			continue;
		buf_init(&again, FUZZ_MAX_MESSAGE);
		if (signer_msg_encode(def->type, def->nfields > 0 ? m : NULL,
		        &again) != PC_OK ||
		    again.len != size ||
		    (size > 0 && memcmp(again.data, data, size) != 0))
			die("decoded body does not encode back");
		buf_cleanup(&again);
	}
}

/* Frames as the signer reads them, answered by the dispatcher. */
static void
frames(const uint8_t *data, size_t size, union any_msg *m)
{
	const struct signer_msgdef *def;
	struct signer_hdr h;
	struct buf reply;
	uint16_t rtype;
	enum pc_rc rc;

	while (size >= SIGNER_HDR_LEN) {
		if (signer_hdr_decode(data, FUZZ_MAX_MESSAGE, &h) != PC_OK)
			return; /* the channel closes */
		data += SIGNER_HDR_LEN;
		size -= SIGNER_HDR_LEN;
		def = signer_msg_def(h.type);
		if (def == NULL || def->from != SIGNER_FROM_WEB ||
		    h.len > signer_msg_max_body(def) || h.len > size)
			return; /* closes (or waits for bytes that never come)
			         */
		buf_init(&reply, FUZZ_MAX_MESSAGE);
		rc = signer_dispatch(&srv, h.type, data, h.len, &rtype, &reply);
		if (rc == PC_OK &&
		    (rtype != def->reply || signer_msg_decode(rtype, reply.data,
		                                reply.len, m) != PC_OK))
			die("the signer built a reply its client cannot read");
		buf_cleanup(&reply);
		if (rc != PC_OK)
			return;
		data += h.len;
		size -= h.len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union any_msg *m;

	if (!ready)
		setup();
	if (size > FUZZ_MAX_MESSAGE)
		return 0;
	m = malloc(sizeof(*m));
	if (m == NULL)
		die("malloc");
	decode_all(data, size, m);
	frames(data, size, m);
	free(m);
	return 0;
}
