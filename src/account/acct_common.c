/*
 * acct_common.c: transactions, codes, notifications and audit shared by
 * the account flows.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "account/acct_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"

enum pc_rc
acct_tx_begin(const struct pc_env *e, struct db **db)
{
	return store_write_begin(e->store, db);
}

enum pc_rc
acct_tx_end(const struct pc_env *e, struct db *db, enum pc_rc rc)
{
	return store_write_end(e->store, db, rc);
}

enum pc_rc
acct_tx_end_refused(
    const struct pc_env *e, struct db *db, enum pc_rc rc, bool counted)
{
	/* A wrong try is counted (committed) and still refused. */
	acct_tx_end(e, db, counted ? PC_OK : rc);
	return rc;
}

/* ---- passwords, bounded -------------------------------------------- */

#define PW_WAIT_MS 150
#define PW_TURNS 64

static sem_t pw_sem;
static pthread_once_t pw_once = PTHREAD_ONCE_INIT;

/*
 * One verification at a time per account: the accounts being verified
 * now, by a hash of who. Guessing one account, from any number of
 * addresses, takes at most one core; the others stay free for everyone
 * else's sign-ins.
 */
static pthread_mutex_t turn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv = PTHREAD_COND_INITIALIZER;
static uint64_t turns[PW_TURNS];

static void
pw_init(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	sem_init(&pw_sem, 0, n > 0 && n < 256 ? (unsigned)n : 1);
}

static uint64_t
turn_key(const char *who)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *who != '\0'; who++)
		h = (h ^ (unsigned char)*who) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

static bool
turn_busy(uint64_t k)
{
	size_t i;

	for (i = 0; i < PW_TURNS; i++)
		if (turns[i] == k)
			return true;
	return false;
}

/* Take who's turn before deadline; false when it stayed taken. */
static bool
turn_take(uint64_t k, const struct timespec *deadline)
{
	size_t i;
	bool ok = true;

	pthread_mutex_lock(&turn_mu);
	while (ok && turn_busy(k))
		ok = pthread_cond_timedwait(&turn_cv, &turn_mu, deadline) !=
		     ETIMEDOUT;
	if (ok) {
		/* A full table (64 at once) only lets this one through
		 * ungated; the semaphore still bounds the cores. */
		for (i = 0; i < PW_TURNS && turns[i] != 0; i++)
			;
		if (i < PW_TURNS)
			turns[i] = k;
	}
	pthread_mutex_unlock(&turn_mu);
	return ok;
}

static void
turn_give(uint64_t k)
{
	size_t i;

	pthread_mutex_lock(&turn_mu);
	for (i = 0; i < PW_TURNS; i++)
		if (turns[i] == k) {
			turns[i] = 0;
			break;
		}
	pthread_cond_broadcast(&turn_cv);
	pthread_mutex_unlock(&turn_mu);
}

static enum pc_rc
busy(struct pc_err *err)
{
	log_warnx("account: password hashing busy; request refused");
	if (err != NULL)
		err->retry_after = 1;
	return pc_fail(err, PC_EUNAVAIL, PCE_BUSY, NULL);
}

/* A core for one hashing, and who's turn when who is not NULL. */
static enum pc_rc
pw_enter(const char *who, struct pc_err *err)
{
	struct timespec ts;
	uint64_t k = who != NULL ? turn_key(who) : 0;

	pthread_once(&pw_once, pw_init);
	/* A short wait smooths a burst; a longer one would hold the server
	 * thread (and the other requests it carries) hostage to a flood. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += PW_WAIT_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	if (k != 0 && !turn_take(k, &ts))
		return busy(err);
	while (sem_timedwait(&pw_sem, &ts) != 0) {
		if (errno == EINTR)
			continue;
		if (k != 0)
			turn_give(k);
		return busy(err);
	}
	return PC_OK;
}

static void
pw_leave(const char *who)
{
	sem_post(&pw_sem);
	if (who != NULL)
		turn_give(turn_key(who));
}

/* How long a verification takes here, in microseconds (a moving
 * average), so that an answer that needs none can take as long without
 * spending a core on it. */
static _Atomic int64_t pw_usec = 200000;

static int64_t
mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum pc_rc
acct_password_check(const char *who, const char *hash, const char *pw, bool *ok,
    struct pc_err *err)
{
	int64_t t0, avg;
	enum pc_rc rc;

	*ok = false;
	rc = pw_enter(who, err);
	if (rc != PC_OK)
		return rc;
	t0 = mono_usec();
	*ok = acct_password_verify(hash, pw);
	pw_leave(who);
	avg = pw_usec;
	pw_usec = avg + (mono_usec() - t0 - avg) / 8;
	return PC_OK;
}

void
acct_password_pace(void)
{
	int64_t us = pw_usec;
	struct timespec ts = { .tv_sec = us / 1000000,
		.tv_nsec = (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

enum pc_rc
acct_password_make(const char *pw, char *out, size_t n, struct pc_err *err)
{
	enum pc_rc rc;

	rc = pw_enter(NULL, err);
	if (rc != PC_OK)
		return rc;
	rc = acct_password_hash(pw, out, n);
	pw_leave(NULL);
	return rc;
}

enum pc_rc
acct_login_failed(const struct pc_env *e, struct db *db,
    const struct store_user *u, const char *reason)
{
	bool locked = false;
	enum pc_rc rc;

	/* Counted in SQL: parallel failures are all counted. */
	rc = store_user_login_fail(db, u->id,
	    e->conf->account.login_max_failures,
	    clock_now() + e->conf->account.login_lock_s, &locked);
	if (rc == PC_OK)
		rc = store_audit_printf(db, u->id,
		    locked ? "login.locked" : "login.failed", "ip=%s reason=%s",
		    e->ip != NULL ? e->ip : "-", reason);
	return rc;
}

enum pc_rc
acct_notify(struct db *db, enum notify_channel ch, const char *to,
    const char *tmpl, const char *lang, ...)
{
	json_t *vars;
	const char *k, *v;
	va_list ap;
	enum pc_rc rc;

	vars = json_object();
	if (vars == NULL)
		return PC_ENOMEM;
	va_start(ap, lang);
	for (;;) {
		k = va_arg(ap, const char *);
		if (k == NULL)
			break;
		v = va_arg(ap, const char *);
		json_object_set_new(vars, k, json_string(v != NULL ? v : ""));
	}
	va_end(ap);
	rc = notify_enqueue(db, ch, to, tmpl, lang, vars, NULL);
	/* The vars may hold a code: jansson's allocator wipes what it frees
	 * (api_init, set for every command by main). */
	json_decref(vars);
	if (rc != PC_OK)
		log_warnx("account: cannot queue %s (%s)", tmpl, pc_rc_str(rc));
	return rc;
}

char *
acct_link(const struct pc_env *e, const char *page, const char *token)
{
	char *s = NULL;
	size_t n;

	n = strlen(e->conf->server.public_url) + strlen(page) + strlen(token) +
	    4;
	s = malloc(n);
	if (s != NULL)
		snprintf(
		    s, n, "%s/%s#%s", e->conf->server.public_url, page, token);
	return s;
}

char *
acct_name(const struct store_user *u)
{
	size_t n = strlen(u->given_name) + strlen(u->surname) + 2;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s %s", u->given_name, u->surname);
	return s;
}

int64_t
acct_mandatory_after(const struct conf *c)
{
	int64_t t = 0;

	if (clock_day_parse(c->account.twofa_mandatory_after, &t) != PC_OK)
		t = 0; /* malformed: 2FA mandatory (fail closed) */
	return t;
}

static void
fill_info(const struct pc_env *e, const struct store_code *c,
    struct acct_code_info *ci)
{
	int64_t ra = c->expires_at;

	if (c->sent_at + e->conf->account.resend_min_s > ra)
		ra = c->sent_at + e->conf->account.resend_min_s;
	ci->channel = strstr(c->purpose, "email") != NULL ? "email" : "sms";
	if (c->target != NULL && strchr(c->target, '@') != NULL)
		acct_email_mask(
		    c->target, ci->to_masked, sizeof(ci->to_masked));
	else
		acct_phone_mask(
		    c->target, ci->to_masked, sizeof(ci->to_masked));
	ci->expires_at = c->expires_at;
	ci->resend_after = ra;
}

bool
acct_code_info_get(struct db *db, const struct pc_env *e, const char *user_id,
    const char *purpose, struct acct_code_info *ci)
{
	struct store_code c;
	bool have = false;

	if (store_code_latest(db, user_id, purpose, &c) == PC_OK) {
		if (c.used_at == 0) {
			fill_info(e, &c, ci);
			have = true;
		}
		store_code_cleanup(&c);
	}
	return have;
}

enum pc_rc
acct_code_send(const struct pc_env *e, struct db *db,
    const struct store_user *u, const char *purpose, enum notify_channel ch,
    const char *to, const char *target, const char *tmpl, int64_t ttl,
    struct acct_code_info *ci, struct pc_err *err)
{
	struct store_code latest, c;
	char code[ACCT_CODE_LEN + 1], *name = NULL, *tgt = NULL;
	int64_t now = clock_now(), retry = 0, sent = 0;
	bool have, corrected, ok;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	rc = store_code_latest(db, u->id, purpose, &latest);
	if (rc != PC_OK && rc != PC_ENOTFOUND)
		return rc;
	have = rc == PC_OK;
	/* A corrected destination (a mistyped number) gets a code at once;
	 * the same one only when the resend rule allows. Either way at most
	 * ACCT_CODES_PER_DAY a day per step, so no one pumps SMS. */
	corrected = have && latest.target != NULL &&
	            strcmp(latest.target, target != NULL ? target : to) != 0;
	ok = corrected || acct_code_resend_ok(have ? &latest : NULL, now,
	                      e->conf->account.resend_min_s, &retry);
	if (have)
		store_code_cleanup(&latest);
	if (ok) {
		rc = store_code_count_since(
		    db, u->id, purpose, now - 86400, &sent);
		if (rc != PC_OK)
			return rc;
		if (sent >= ACCT_CODES_PER_DAY) {
			ok = false;
			retry = 86400;
		}
	}
	if (!ok) {
		if (err != NULL)
			err->retry_after = retry;
		return pc_fail(err, PC_ELIMIT, PCE_RESEND_TOO_SOON, NULL);
	}
	rc = rnd_hex(STORE_ID_LEN / 2, c.id);
	if (rc == PC_OK)
		rc = acct_code_new(code, c.salt, c.hash);
	if (rc != PC_OK)
		goto out;
	snprintf(c.user_id, sizeof(c.user_id), "%s", u->id);
	snprintf(c.purpose, sizeof(c.purpose), "%s", purpose);
	tgt = strdup(target != NULL ? target : to);
	if (tgt == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	c.target = tgt;
	c.sent_at = now;
	c.expires_at = now + ttl;
	rc = store_code_insert(db, &c);
	if (rc != PC_OK)
		goto out;
	name = acct_name(u);
	if (ch == NOTIFY_EMAIL)
		rc = acct_notify(db, ch, to, tmpl, u->lang, "code", code,
		    "name", name != NULL ? name : "", NULL);
	else
		rc = acct_notify(db, ch, to, tmpl, u->lang, "code", code, NULL);
	if (rc != PC_OK)
		goto out;
	rc = store_audit_printf(db, u->id, "code.sent", "purpose=%s channel=%s",
	    purpose, ch == NOTIFY_EMAIL ? "email" : "sms");
	if (rc == PC_OK && ci != NULL)
		fill_info(e, &c, ci);
out:
	free(name);
	free(tgt);
	secret_wipe(code, sizeof(code));
	return rc;
}

enum pc_rc
acct_code_verify(struct db *db, const char *user_id, const char *purpose,
    const char *code, struct store_code *out, bool *commit, struct pc_err *err)
{
	struct store_code c;
	enum pc_ecode why;
	int64_t now = clock_now();
	enum pc_rc rc;

	*commit = false;
	rc = store_code_latest(db, user_id, purpose, &c);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, PC_ESTATE, PCE_NO_CODE, NULL);
	if (rc != PC_OK)
		return rc;
	why = acct_code_check(&c, code, now);
	if (why != PCE_NONE) {
		if (why == PCE_CODE_INVALID) {
			rc = store_code_add_attempt(db, c.id);
			if (rc == PC_OK)
				rc = store_audit_printf(db, user_id,
				    "code.failed", "purpose=%s attempt=%lld",
				    purpose, (long long)c.attempts + 1);
			if (rc == PC_OK)
				*commit = true;
		}
		store_code_cleanup(&c);
		if (rc != PC_OK)
			return rc;
		return pc_fail(err,
		    why == PCE_CODE_INVALID    ? PC_EINVAL
		    : why == PCE_CODE_ATTEMPTS ? PC_ELIMIT
		                               : PC_ESTATE,
		    why, NULL);
	}
	rc = store_code_use(db, c.id, now);
	if (rc == PC_ESTATE) {
		store_code_cleanup(&c);
		return pc_fail(err, PC_ESTATE, PCE_CODE_USED, NULL);
	}
	if (rc == PC_OK)
		rc = store_audit_printf(
		    db, user_id, "code.ok", "purpose=%s", purpose);
	if (rc == PC_OK && out != NULL)
		*out = c;
	else
		store_code_cleanup(&c);
	return rc;
}

/* ---- codes for other journeys (the identification's SMS step) ---------- */

enum pc_rc
acct_otp_sms(const struct pc_env *e, const char *user_id, const char *purpose,
    const char *phone, const char *tmpl, struct acct_code_info *ci, bool *sent,
    struct pc_err *err)
{
	struct store_user u;
	struct store_code latest;
	struct db *db = NULL;
	int64_t now = clock_now();
	bool live = false;
	enum pc_rc rc;

	*sent = false;
	memset(&u, 0, sizeof(u));
	memset(ci, 0, sizeof(*ci));
	if (!acct_phone_valid(phone))
		return pc_fail(err, PC_EINVAL, PCE_PHONE_INVALID, "phone");
	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_user_get(db, user_id, &u);
	if (rc != PC_OK)
		goto out;
	/* A code sent to this number and still valid stands: no new SMS
	 * for a step taken again. */
	if (store_code_latest(db, user_id, purpose, &latest) == PC_OK) {
		live = latest.used_at == 0 && latest.expires_at > now &&
		       latest.target != NULL &&
		       strcmp(latest.target, phone) == 0;
		if (live)
			fill_info(e, &latest, ci);
		store_code_cleanup(&latest);
	}
	if (!live) {
		rc = acct_code_send(e, db, &u, purpose, NOTIFY_SMS, phone,
		    phone, tmpl, e->conf->account.phone_code_ttl_s, ci, err);
		*sent = rc == PC_OK;
	}
out:
	store_user_cleanup(&u);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_code_send_tx(const struct pc_env *e, const struct store_user *u,
    const char *purpose, enum notify_channel ch, const char *to,
    const char *target, const char *tmpl, int64_t ttl,
    struct acct_code_info *ci, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_tx_begin(e, &db);
	if (rc != PC_OK)
		return rc;
	rc = acct_code_send(
	    e, db, u, purpose, ch, to, target, tmpl, ttl, ci, err);
	return acct_tx_end(e, db, rc);
}

enum pc_rc
acct_code_check_tx(const struct pc_env *e, const char *user_id,
    const char *purpose, const char *code, struct store_code *c, struct db **db,
    struct pc_err *err)
{
	bool counted = false;
	enum pc_rc rc;

	rc = acct_tx_begin(e, db);
	if (rc != PC_OK)
		return rc;
	rc = acct_code_verify(*db, user_id, purpose, code, c, &counted, err);
	if (rc != PC_OK) {
		acct_tx_end_refused(e, *db, rc, counted);
		*db = NULL;
	}
	return rc;
}

enum pc_rc
acct_otp_check(const struct pc_env *e, const char *user_id, const char *purpose,
    const char *code, struct pc_err *err)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = acct_code_check_tx(e, user_id, purpose, code, NULL, &db, err);
	if (rc != PC_OK)
		return rc;
	return acct_tx_end(e, db, PC_OK);
}
