/*
 * signer_server.c: the signer process: its start, its channels (one
 * thread each) and the service keys it may use; what it answers is in
 * signer_dispatch.c.
 *
 * It alone reads the HSM PIN and holds HSM sessions. It is not dumpable (no
 * core files, no ptrace by the web side) and dies with its parent.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <openssl/err.h>

#include "base/log.h"
#include "base/secret.h"
#include "signer/signer.h"
#include "signer/signer_int.h"
#include "store/store.h"

struct signer_chan {
	struct signer_srv *srv;
	int fd;
	pthread_t thread;
};

/* The online keys: issuing CA (CRLs), OCSP responder, TSA, the platform's
 * e-seal (when made). Never root. */
static const char *const service_names[] = { "issuing", "ocsp", "tsa",
	"eseal" };

static enum pc_rc
signer_load_allowed(struct signer_srv *srv)
{
	struct store *st = NULL;
	struct db *db = NULL;
	struct store_cert c;
	size_t i;
	enum pc_rc rc;

	rc = store_open(srv->conf->store.url, 1, &st);
	if (rc != PC_OK)
		return rc;
	rc = store_acquire(st, &db);
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < PC_ARRAY_LEN(service_names); i++) {
		memset(&c, 0, sizeof(c));
		rc = store_cert_get_by_name(db, service_names[i], &c);
		if (rc == PC_ENOTFOUND) {
			log_warnx("signer: no %s certificate in the store",
			    service_names[i]);
			continue;
		}
		if (rc != PC_OK)
			goto out;
		if (c.key_label != NULL)
			snprintf(srv->allowed[srv->nallowed++], HSM_LABEL_MAX,
			    "%s", c.key_label);
		store_cert_cleanup(&c);
	}
	rc = PC_OK;
out:
	if (db != NULL)
		store_release(st, db);
	store_close(st);
	return rc;
}

static void *
signer_chan_run(void *arg)
{
	struct signer_chan *ch = arg;
	struct signer_srv *srv = ch->srv;
	struct signer_hdr h;
	struct buf in, reply;
	uint16_t rtype = 0;
	enum pc_rc rc;

	for (;;) {
		/* Only requests of the table, within their size. */
		rc = signer_recv_msg(ch->fd, -1,
		    (size_t)srv->conf->signer.max_message, SIGNER_FROM_WEB, &h,
		    &in);
		if (rc != PC_OK) {
			buf_cleanup(&in);
			break;
		}
		buf_init(&reply, (size_t)srv->conf->signer.max_message);
		rc = signer_dispatch(
		    srv, h.type, in.data, in.len, &rtype, &reply);
		buf_cleanup(&in);
		if (rc != PC_OK || signer_send(ch->fd, rtype, h.id, reply.data,
		                       reply.len) != PC_OK) {
			buf_cleanup(&reply);
			break;
		}
		buf_cleanup(&reply);
	}
	close(ch->fd);
	return NULL;
}

/*
 * Two database roles (store.h, store_grant_web): the signer works with its
 * own URL, read from a file only it can read, migrates the schema its
 * role owns and grants the web side's role what it may do.
 */
static enum pc_rc
signer_store_own(const struct conf *conf)
{
	struct store *st = NULL;
	enum pc_rc rc;

	rc = store_open(conf->store.url, 1, &st);
	if (rc == PC_OK)
		rc = store_migrate(st);
	if (rc == PC_OK && conf->store.web_role != NULL)
		rc = store_grant_web(st, conf->store.web_role);
	store_close(st);
	return rc;
}

/* Each signer process's start in the sealed audit log (a restart after a
 * death is another start): OVR-6.4.5 of ETSI TS 119 431-1. */
static void
signer_started(struct signer_user *u)
{
	struct db *db = NULL;
	char detail[48];

	if (u == NULL || store_acquire(u->store, &db) != PC_OK)
		return;
	snprintf(detail, sizeof(detail), "pid=%ld", (long)getpid());
	if (store_audit_append(db, "signer", "signer.start", detail) != PC_OK)
		log_warnx("signer: its start not audited");
	store_release(u->store, db);
}

int
signer_main(const struct conf *conf, const int *fds, size_t nfds)
{
	struct conf own;
	char *url = NULL;
	struct signer_srv srv;
	struct signer_chan chans[SIGNER_CHANNELS_MAX];
	bool running[SIGNER_CHANNELS_MAX];
	struct hsm_opts ho;
	char *pin = NULL;
	size_t i;
	enum pc_rc rc;

	log_set_proc("pecete-signer");
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_DUMPABLE, 0);
	signal(SIGPIPE, SIG_IGN);
	if (nfds == 0 || nfds > SIGNER_CHANNELS_MAX)
		return 1;
	/* Before the PIN is read: nothing after this can exec or fork. */
	if (signer_seccomp_install() != PC_OK)
		return 1;
	if (conf->store.signer_url_file != NULL) {
		rc = secret_read_file(conf->store.signer_url_file, 1024, &url);
		if (rc != PC_OK) {
			log_error("signer: the database URL file %s: %s",
			    conf->store.signer_url_file, secret_file_why(rc));
			return 1;
		}
		own = *conf;
		own.store.url = url;
		conf = &own;
		rc = signer_store_own(conf);
		if (rc != PC_OK) {
			log_error(
			    "signer: cannot prepare the database with the "
			    "signer's role (%s)",
			    pc_rc_str(rc));
			secret_strfree(url);
			return 1;
		}
	}
	memset(&srv, 0, sizeof(srv));
	srv.conf = conf;
	rc = secret_read_file(conf->hsm.pin_file, 256, &pin);
	if (rc != PC_OK) {
		log_error("signer: the HSM PIN file %s: %s", conf->hsm.pin_file,
		    secret_file_why(rc));
		secret_strfree(url);
		return 1;
	}
	memset(&ho, 0, sizeof(ho));
	ho.module = conf->hsm.module;
	ho.token_label = conf->hsm.token_label;
	ho.pin = pin;
	ho.pool =
	    (unsigned)(nfds < (size_t)conf->hsm.pool ? nfds
	                                             : (size_t)conf->hsm.pool);
	rc = hsm_open(&ho, &srv.hsm);
	secret_strfree(pin);
	ERR_clear_error();
	if (rc != PC_OK) {
		log_error("signer: cannot open HSM token \"%s\" (%s)",
		    conf->hsm.token_label, pc_rc_str(rc));
		secret_strfree(url);
		return 1;
	}
	rc = signer_load_allowed(&srv);
	if (rc != PC_OK) {
		log_error(
		    "signer: cannot read the service keys (%s)", pc_rc_str(rc));
		hsm_close(srv.hsm);
		secret_strfree(url);
		return 1;
	}
	/* The audit log's sealing key: made here for data dirs older than
	 * it; without it no audit row can be written (refused, not
	 * written unsealed). */
	{
		const struct hsm_key *k;

		if (hsm_key_ensure(srv.hsm, HSM_KEY_P256, HSM_AUDIT_SEAL_LABEL,
		        &k) == PC_OK)
			snprintf(srv.allowed[srv.nallowed++], HSM_LABEL_MAX,
			    "%s", HSM_AUDIT_SEAL_LABEL);
		else
			log_error("signer: no audit sealing key %s in the HSM",
			    HSM_AUDIT_SEAL_LABEL);
	}
	if (signer_totp_open(conf, &srv.totp) != PC_OK)
		log_warnx("signer: TOTP is not available (no key file %s?)",
		    conf->signer.totp_key_file);
	signer_totp_sealer(srv.totp, srv.hsm);
	if (signer_user_open(conf, srv.hsm, srv.totp, &srv.user) != PC_OK)
		log_warnx(
		    "signer: signing with holders' keys is not available");
	signer_user_sweep(srv.user);
	signer_started(srv.user);
	log_info("signer: ready (%zu channels, %zu service keys)", nfds,
	    srv.nallowed);
	for (i = 0; i < nfds; i++) {
		chans[i].srv = &srv;
		chans[i].fd = fds[i];
		running[i] = pthread_create(&chans[i].thread, NULL,
		                 signer_chan_run, &chans[i]) == 0;
		if (!running[i]) {
			log_warnx("signer: cannot start channel %zu", i);
			close(fds[i]);
		}
	}
	for (i = 0; i < nfds; i++)
		if (running[i])
			pthread_join(chans[i].thread, NULL);
	hsm_close(srv.hsm);
	signer_user_close(srv.user);
	signer_totp_close(srv.totp);
	secret_strfree(url);
	log_info("signer: all channels closed, exiting");
	return 0;
}
