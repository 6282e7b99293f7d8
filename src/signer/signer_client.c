/*
 * signer_client.c: the web side of the signer channel, and the supervisor
 * that starts the signer process and restarts it when it dies.
 *
 * The signer is a fresh program image: we fork, move the channel ends to
 * fds 3..3+n-1, close everything else and exec "pecete signer-run", so it
 * inherits no memory, locks or sockets of the web side.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "pki/pki.h"
#include "signer/signer.h"
#include "signer/signer_int.h"

struct signer_ref {
	struct signer_client *sc;
	char label[HSM_LABEL_MAX];
	struct signer_ref *next;
};

struct signer_client {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct conf *conf;
	char exe[4096];
	char nbuf[16];
	char *argv[10];
	int ctl;          /* the keeper's control socket; -1: direct */
	pid_t keeper_pid; /* 0: direct */
	unsigned nchan;
	int fds[SIGNER_CHANNELS_MAX];
	bool busy[SIGNER_CHANNELS_MAX];
	bool broken[SIGNER_CHANNELS_MAX];
	unsigned gen; /* increments at each (re)start */
	pid_t pid;
	bool stopping, sup_done;
	unsigned restarts;
	uint32_t next_id;
	pthread_t sup;
	struct signer_ref *refs;
	/* Calls by request type (under mu): signer_client_stats. */
	struct signer_stat stats[SIGNER_STAT_TYPES];
};

/* "pecete signer-run --data D [--config F] --channels N" */
static void
signer_argv(struct signer_client *sc)
{
	int argc = 0;

	snprintf(sc->nbuf, sizeof(sc->nbuf), "%u", sc->nchan);
	sc->argv[argc++] = "pecete";
	sc->argv[argc++] = "signer-run";
	sc->argv[argc++] = "--data";
	sc->argv[argc++] = sc->conf->data_dir;
	if (sc->conf->path != NULL) {
		sc->argv[argc++] = "--config";
		sc->argv[argc++] = sc->conf->path;
	}
	sc->argv[argc++] = "--channels";
	sc->argv[argc++] = sc->nbuf;
	sc->argv[argc] = NULL;
}

/* Start the signer; called with mu held (or before threads exist). */
static enum pc_rc
signer_spawn(struct signer_client *sc)
{
	int fds[SIGNER_CHANNELS_MAX];
	unsigned i;
	pid_t pid;
	enum pc_rc rc;

	if (sc->ctl >= 0)
		rc = signer_keeper_spawn(sc->ctl, sc->nchan, fds, &pid);
	else
		rc = signer_exec_child(sc->exe, sc->argv, sc->nchan, fds, &pid);
	if (rc != PC_OK)
		return rc;
	for (i = 0; i < sc->nchan; i++) {
		sc->fds[i] = fds[i];
		sc->busy[i] = false;
		sc->broken[i] = false;
	}
	sc->pid = pid;
	sc->gen++;
	log_info("signer: started pid=%ld channels=%u", (long)pid, sc->nchan);
	return PC_OK;
}

/* Kill the running signer (a hung channel, a stop that takes too long). */
static void
signer_kill(struct signer_client *sc)
{
	if (sc->ctl >= 0)
		signer_keeper_kill(sc->ctl);
	else if (sc->pid > 0)
		kill(sc->pid, SIGKILL);
}

/* Wait for pid to end. PC_EIO when the keeper is gone. */
static enum pc_rc
signer_wait(struct signer_client *sc, pid_t pid, int *status)
{
	pid_t w;

	if (sc->ctl >= 0)
		return signer_keeper_wait(sc->ctl, pid, status);
	do
		w = waitpid(pid, status, 0);
	while (w < 0 && errno == EINTR);
	return PC_OK;
}

static void
signer_close_channels(struct signer_client *sc)
{
	unsigned i;

	for (i = 0; i < sc->nchan; i++) {
		if (sc->fds[i] >= 0)
			close(sc->fds[i]);
		sc->fds[i] = -1;
		sc->broken[i] = true;
	}
}

static void *
signer_supervise(void *arg)
{
	struct signer_client *sc = arg;
	struct timespec ts;
	int64_t started, backoff = 200;
	int status = 0;
	pid_t pid;

	started = clock_mono_ms();
	for (;;) {
		pthread_mutex_lock(&sc->mu);
		pid = sc->pid;
		pthread_mutex_unlock(&sc->mu);
		if (signer_wait(sc, pid, &status) != PC_OK) {
			/* No keeper, no signer ever again: stop serving
			 * rather than answer 503 forever. */
			log_error("signer: the keeper process is gone; "
			          "stopping");
			kill(getpid(), SIGTERM);
			pthread_mutex_lock(&sc->mu);
			sc->pid = 0;
			signer_close_channels(sc);
			sc->sup_done = true;
			pthread_cond_broadcast(&sc->cv);
			pthread_mutex_unlock(&sc->mu);
			return NULL;
		}
		pthread_mutex_lock(&sc->mu);
		sc->pid = 0;
		signer_close_channels(sc);
		if (sc->stopping) {
			sc->sup_done = true;
			pthread_cond_broadcast(&sc->cv);
			pthread_mutex_unlock(&sc->mu);
			return NULL;
		}
		if (WIFSIGNALED(status))
			log_error("signer: died (signal %d); restarting",
			    WTERMSIG(status));
		else
			log_error("signer: exited (status %d); restarting",
			    WEXITSTATUS(status));
		pthread_cond_broadcast(&sc->cv);
		pthread_mutex_unlock(&sc->mu);

		/* Back off when it dies young, so a broken HSM does not spin.
		 */
		if (clock_mono_ms() - started > 10000)
			backoff = 200;
		ts.tv_sec = backoff / 1000;
		ts.tv_nsec = (backoff % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		if (backoff < 5000)
			backoff *= 2;

		pthread_mutex_lock(&sc->mu);
		if (sc->stopping) {
			sc->sup_done = true;
			pthread_cond_broadcast(&sc->cv);
			pthread_mutex_unlock(&sc->mu);
			return NULL;
		}
		while (signer_spawn(sc) != PC_OK) {
			pthread_mutex_unlock(&sc->mu);
			sleep(1);
			pthread_mutex_lock(&sc->mu);
		}
		sc->restarts++;
		started = clock_mono_ms();
		pthread_cond_broadcast(&sc->cv);
		pthread_mutex_unlock(&sc->mu);
	}
}

enum pc_rc
signer_client_start_as(const struct conf *conf, unsigned nchan,
    const struct signer_ids *ids, struct signer_client **out)
{
	struct signer_client *sc;
	const char *exe;
	ssize_t n;
	enum pc_rc rc;

	*out = NULL;
	if (nchan == 0 || nchan > SIGNER_CHANNELS_MAX)
		return PC_EINVAL;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return PC_ENOMEM;
	pthread_mutex_init(&sc->mu, NULL);
	pthread_cond_init(&sc->cv, NULL);
	sc->conf = conf;
	sc->nchan = nchan;
	sc->ctl = -1;
	exe = getenv("PECETE_SIGNER_EXE"); /* for tests of this layer */
	if (exe != NULL) {
		snprintf(sc->exe, sizeof(sc->exe), "%s", exe);
	} else {
		n = readlink("/proc/self/exe", sc->exe, sizeof(sc->exe) - 1);
		if (n <= 0) {
			free(sc);
			return PC_EIO;
		}
		sc->exe[n] = '\0';
	}
	signer_argv(sc);
	if (ids != NULL) {
		rc = signer_keeper_start(sc->exe, sc->argv, sc->nchan, ids,
		    &sc->ctl, &sc->keeper_pid);
		if (rc != PC_OK) {
			free(sc);
			return rc;
		}
	}
	rc = signer_spawn(sc);
	if (rc == PC_OK &&
	    pthread_create(&sc->sup, NULL, signer_supervise, sc) != 0) {
		signer_kill(sc);
		if (sc->ctl < 0)
			waitpid(sc->pid, NULL, 0);
		signer_close_channels(sc);
		rc = PC_ENOMEM;
	}
	if (rc != PC_OK) {
		if (sc->ctl >= 0) {
			/* EOF: the keeper stops its signer and exits. */
			close(sc->ctl);
			waitpid(sc->keeper_pid, NULL, 0);
		}
		free(sc);
		return rc;
	}
	*out = sc;
	return PC_OK;
}

enum pc_rc
signer_client_start(
    const struct conf *conf, unsigned nchan, struct signer_client **out)
{
	return signer_client_start_as(conf, nchan, NULL, out);
}

void
signer_client_stop(struct signer_client *sc)
{
	struct signer_ref *r, *next;
	struct timespec ts;
	int i;

	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->stopping = true;
	/* EOF on every channel: the signer finishes and exits 0. */
	signer_close_channels(sc);
	for (i = 0; i < 30 && !sc->sup_done; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sc->cv, &sc->mu, &ts);
	}
	if (!sc->sup_done && sc->pid > 0)
		signer_kill(sc);
	pthread_mutex_unlock(&sc->mu);
	pthread_join(sc->sup, NULL);
	if (sc->ctl >= 0) {
		close(sc->ctl);
		waitpid(sc->keeper_pid, NULL, 0);
	}
	for (r = sc->refs; r != NULL; r = next) {
		next = r->next;
		free(r);
	}
	pthread_mutex_destroy(&sc->mu);
	pthread_cond_destroy(&sc->cv);
	free(sc);
}

pid_t
signer_client_pid(struct signer_client *sc)
{
	pid_t pid;

	pthread_mutex_lock(&sc->mu);
	pid = sc->pid;
	pthread_mutex_unlock(&sc->mu);
	return pid;
}

unsigned
signer_client_restarts(struct signer_client *sc)
{
	unsigned n;

	pthread_mutex_lock(&sc->mu);
	n = sc->restarts;
	pthread_mutex_unlock(&sc->mu);
	return n;
}

/*
 * One request/reply on a free channel. Waits for a channel until the
 * timeout; a channel that fails is marked broken and the signer is killed
 * (a hung signer is restarted by the supervisor).
 */
enum pc_rc
signer_call(struct signer_client *sc, uint16_t type, const struct buf *body,
    uint16_t want, struct buf *reply)
{
	struct signer_hdr h;
	struct timespec ts;
	int64_t t0, deadline, left;
	unsigned i, gen, idx = 0, nbroken;
	uint32_t id;
	bool found = false;
	int fd;
	enum pc_rc rc;

	buf_init(reply, 1);
	t0 = clock_mono_ms();
	deadline = t0 + sc->conf->signer.timeout_ms;
	pthread_mutex_lock(&sc->mu);
	for (;;) {
		if (sc->stopping)
			break;
		nbroken = 0;
		for (i = 0; i < sc->nchan; i++) {
			if (sc->broken[i])
				nbroken++;
			if (!sc->busy[i] && !sc->broken[i]) {
				idx = i;
				found = true;
				break;
			}
		}
		if (found)
			break;
		/* Down (dead or being restarted): say so now, do not wait
		 * for the deadline; busy channels are worth waiting for. */
		if (sc->pid <= 0 || nbroken == sc->nchan)
			break;
		left = deadline - clock_mono_ms();
		if (left <= 0)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sc->cv, &sc->mu, &ts);
	}
	if (!found) {
		if (type < SIGNER_STAT_TYPES) {
			sc->stats[type].calls++;
			sc->stats[type].unavailable++;
		}
		pthread_mutex_unlock(&sc->mu);
		log_warnx("signer: not available (%s)",
		    sc->pid <= 0 ? "down, restarting" : "every channel busy");
		return PC_EUNAVAIL;
	}
	sc->busy[idx] = true;
	fd = sc->fds[idx];
	gen = sc->gen;
	id = ++sc->next_id;
	pthread_mutex_unlock(&sc->mu);

	rc = signer_send(fd, type, id, body->data, body->len);
	if (rc == PC_OK) {
		/* Issuance makes two key pairs in the HSM: seconds each for
		 * RSA-3072 in software, so it has its own, longer deadline. */
		if (type == SIGNER_MSG_ISSUE_USER &&
		    deadline < clock_mono_ms() + SIGNER_ISSUE_TIMEOUT_MS)
			deadline = clock_mono_ms() + SIGNER_ISSUE_TIMEOUT_MS;
		left = deadline - clock_mono_ms();
		rc = signer_recv_msg(fd, left > 0 ? (int)left : 0,
		    (size_t)sc->conf->signer.max_message, SIGNER_FROM_SIGNER,
		    &h, reply);
		if (rc == PC_OK && (h.id != id || h.type != want))
			rc = PC_EINTERNAL;
	}

	pthread_mutex_lock(&sc->mu);
	if (type < SIGNER_STAT_TYPES) {
		sc->stats[type].calls++;
		if (rc != PC_OK)
			sc->stats[type].failures++;
		sc->stats[type].ms += clock_mono_ms() - t0;
	}
	if (sc->gen == gen) {
		sc->busy[idx] = false;
		if (rc != PC_OK) {
			sc->broken[idx] = true;
			if (sc->pid > 0) {
				log_error("signer: channel failed (%s); "
				          "killing pid %ld",
				    pc_rc_str(rc), (long)sc->pid);
				signer_kill(sc);
			}
		}
	}
	pthread_cond_broadcast(&sc->cv);
	pthread_mutex_unlock(&sc->mu);
	if (rc != PC_OK) {
		buf_cleanup(reply);
		return PC_EUNAVAIL;
	}
	return PC_OK;
}

void
signer_client_stats(
    struct signer_client *sc, struct signer_stat out[SIGNER_STAT_TYPES])
{
	pthread_mutex_lock(&sc->mu);
	memcpy(out, sc->stats, sizeof(sc->stats));
	pthread_mutex_unlock(&sc->mu);
}

bool
signer_client_up(struct signer_client *sc)
{
	unsigned i;
	bool up = false;

	if (sc == NULL)
		return false;
	pthread_mutex_lock(&sc->mu);
	for (i = 0; i < sc->nchan && sc->pid > 0; i++)
		if (!sc->broken[i])
			up = true;
	pthread_mutex_unlock(&sc->mu);
	return up;
}

enum pc_rc
signer_call_msg(struct signer_client *sc, uint16_t type, const void *req,
    void *rep, struct buf *reply)
{
	const struct signer_msgdef *def = signer_msg_def(type);
	struct buf body;
	enum pc_rc rc;

	buf_init(reply, 1);
	RETURN_VAL_IF_FAIL(
	    sc != NULL && def != NULL && def->from == SIGNER_FROM_WEB,
	    PC_EINTERNAL);
	buf_init(&body, signer_msg_max_body(def) + 1);
	rc = signer_msg_encode(type, req, &body);
	if (rc == PC_OK)
		rc = signer_call(sc, type, &body, def->reply, reply);
	buf_cleanup(&body); /* wipes a code */
	if (rc != PC_OK)
		return rc;
	rc = signer_msg_decode(def->reply, reply->data, reply->len, rep);
	if (rc != PC_OK) {
		log_warnx("signer: malformed reply to %s", def->name);
		buf_cleanup(reply);
		return PC_EINTERNAL;
	}
	if (type < SIGNER_STAT_TYPES &&
	    signer_reply_hsm_failed(def->reply, rep)) {
		pthread_mutex_lock(&sc->mu);
		sc->stats[type].hsm_errors++;
		pthread_mutex_unlock(&sc->mu);
	}
	return PC_OK;
}

enum pc_rc
signer_client_ping(struct signer_client *sc)
{
	struct buf reply;
	enum pc_rc rc;

	rc = signer_call_msg(sc, SIGNER_MSG_PING, NULL, NULL, &reply);
	buf_cleanup(&reply);
	return rc;
}

enum pc_rc
signer_client_sign_service(struct signer_client *sc, const char *label,
    enum hsm_mech mech, int md_nid, const uint8_t *hash, size_t hlen,
    uint8_t *sig, size_t *siglen)
{
	struct signer_m_sign_service q;
	struct signer_m_sig r;
	struct buf reply;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(label != NULL && hlen <= SIGNER_HASH_MAX, PC_EINVAL);
	memset(&q, 0, sizeof(q));
	q.label.p = (const uint8_t *)label;
	q.label.n = strlen(label);
	q.mech = (uint16_t)mech;
	q.md = (uint32_t)md_nid;
	q.hash.p = hash;
	q.hash.n = hlen;
	rc = signer_call_msg(sc, SIGNER_MSG_SIGN_SERVICE, &q, &r, &reply);
	if (rc == PC_OK) {
		rc = (enum pc_rc)r.rc;
		if (rc == PC_OK) {
			memcpy(sig, r.sig.p, r.sig.n);
			*siglen = r.sig.n;
		}
	}
	buf_cleanup(&reply);
	return rc;
}

static enum pc_rc
signer_ref_sign(void *arg, enum hsm_mech mech, int md_nid, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t *siglen)
{
	struct signer_ref *r = arg;

	return signer_client_sign_service(
	    r->sc, r->label, mech, md_nid, hash, hlen, sig, siglen);
}

static EVP_PKEY *
signer_keysrc_load(void *arg, const char *label, EVP_PKEY *pub)
{
	struct signer_client *sc = arg;
	struct signer_ref *r;
	EVP_PKEY *k;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->sc = sc;
	snprintf(r->label, sizeof(r->label), "%s", label);
	k = hsm_proxy_pkey_new(pub, signer_ref_sign, r);
	if (k == NULL) {
		free(r);
		return NULL;
	}
	/* The ref lives as long as the client: proxies may outlive pki. */
	pthread_mutex_lock(&sc->mu);
	r->next = sc->refs;
	sc->refs = r;
	pthread_mutex_unlock(&sc->mu);
	return k;
}

void
signer_client_keysrc(struct signer_client *sc, struct pki_keysrc *ks)
{
	memset(ks, 0, sizeof(*ks));
	ks->load = signer_keysrc_load;
	ks->arg = sc;
}
