/*
 * cmd_serve.c: pecete serve --data DIR [--listen HOST:PORT] [--config F]
 *
 * Order matters: the signer process starts first (it alone reads the HSM
 * PIN); the web side then opens the database and the PKI with keys that
 * sign through the signer, and serves HTTP with a thread pool until SIGINT
 * or SIGTERM. The scheduled jobs (src/jobs: the CRL kept fresh and the BNR
 * rate of the day, once per cluster through the job table's leases; the
 * notification delivery on every node) run beside it. SIGHUP loads the
 * trusted lists again ([server] trusted_lists, src/validate/tl.h); they
 * are also reloaded when due (tl_refresh, checked every minute).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "account/account.h"
#include "base/env.h"
#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/secret.h"
#include "cli/cli.h"
#include "ops/ops.h"
#include "pki/pki.h"
#include "sign/sign.h"
#include "signing/signing.h"
#include "http/http.h"
#include "jobs/jobs.h"
#include "signer/signer.h"
#include "signing/signing_web.h"
#include "validate/tl.h"
#include "validate/validate.h"
#include "vault/vault.h"

/* sign_tsa_local's answer: what POST /tsa would answer. */
/*
 * The addresses our hierarchy's certificates name (made under the
 * public URL of the day they were made): fetched where we listen too.
 */
static void
serve_own_urls(struct pki *p, const char *local)
{
	static const char *const names[] = { "root", "issuing", "tsa", "ocsp" };
	const unsigned char *q;
	struct buf der;
	X509 *c;
	size_t i;

	buf_init(&der, 64 * 1024);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		buf_reset(&der);
		if (pki_cert_der(p, names[i], &der) != PC_OK)
			continue;
		q = der.data;
		c = d2i_X509(NULL, &q, (long)der.len);
		if (c != NULL)
			sign_http_local_cert(c, local);
		X509_free(c);
	}
	buf_cleanup(&der);
}

static enum pc_rc
serve_tsa(void *arg, const uint8_t *req, size_t n, struct buf *out)
{
	return pki_tsa_respond(arg, req, n, out);
}

int
cmd_serve(int argc, char **argv)
{
	const char *dir = NULL, *listen = NULL, *file = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ "listen", 'l', CLI_STR, &listen, 0 },
		{ "config", 'f', CLI_STR, &file, 0 },
		{ NULL },
	};
	const struct cli_spec spec = { "serve",
		"--data DIR [--listen HOST:PORT] [--config FILE]", opts, 0, 0 };
	struct conf conf;
	struct app app;
	struct pki_keysrc ks;
	struct http_server *hs = NULL;
	struct http_opts ho;
	struct pc_env jenv;
	struct jobs *jobs = NULL;
	sigset_t set;
	unsigned port = 0, nchan;
	int sig, ret = 1;
	enum pc_rc rc;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	memset(&app, 0, sizeof(app));
	ret = cli_conf_load(&conf, dir, file);
	if (ret != 0)
		return ret;
	ret = 1;
	{
		char err[512];

		/* What check-config refuses is never served. */
		if (cli_conf_check(&conf, err, sizeof(err)) != PC_OK) {
			cli_err("serve",
			    "%s (pecete check-config --data %s "
			    "checks the file)",
			    err, dir);
			conf_free(&conf);
			return 1;
		}
	}
	if (listen != NULL) {
		free(conf.server.listen);
		conf.server.listen = strdup(listen);
	}
	/* Signals are taken by sigwait below; threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP); /* the trusted lists loaded again */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	app.conf = &conf;
	app.started_at = clock_now();
	nchan = (unsigned)conf.hsm.pool;
	if (nchan < 2)
		nchan = 2;
	{
		struct signer_ids ids;
		bool sep = false;
		char err[512];

		/* Two users: the signer's files out of the web's reach. */
		if (signer_privsep_resolve(
		        &conf, &ids, &sep, err, sizeof(err)) != PC_OK) {
			cli_err("serve", "%s", err);
			goto out;
		}
		if (sep && geteuid() != 0) {
			cli_err("serve",
			    "[server] user and [signer] user are set: start "
			    "pecete serve as root (it takes those users at "
			    "once)");
			goto out;
		}
		if (!sep && geteuid() == 0)
			log_warnx(
			    "serve: running as root, the signer under "
			    "the same user as the web side; set [server] "
			    "user and [signer] user (docs/operations.md)");
		if (sep && signer_privsep_layout(
		               &conf, &ids, err, sizeof(err)) != PC_OK) {
			cli_err("serve", "%s", err);
			goto out;
		}
		rc = signer_client_start_as(
		    &conf, nchan, sep ? &ids : NULL, &app.signer);
		if (rc != PC_OK) {
			cli_err("serve", "cannot start the signer process (%s)",
			    pc_rc_str(rc));
			goto out;
		}
		if (sep && signer_privsep_drop(&ids) != PC_OK) {
			cli_err("serve", "cannot become the web user %s",
			    conf.server.user);
			goto out;
		}
		if (sep && signer_seccomp_web() != PC_OK) {
			cli_err("serve", "cannot install the web process's "
			                 "system call filter");
			goto out;
		}
		if (sep)
			log_info("serve: web side as %s (uid %ld), signer as "
			         "%s (uid %ld)",
			    conf.server.user, (long)ids.web_uid,
			    conf.signer.user, (long)ids.signer_uid);
	}
	if (signer_client_ping(app.signer) != PC_OK) {
		cli_err("serve", "the signer process does not answer; see "
		                 "its log lines above (HSM PIN file, token "
		                 "label, module path)");
		goto out;
	}
	/* As the web user: the lists are data from the network. A list
	 * refused is logged and on /readyz; serving goes on. */
	tl_reload(&conf);
	rc = store_open(conf.store.url, (unsigned)conf.store.pool, &app.store);
	if (rc == PC_OK) {
		/* Audit rows are sealed by the signer's key. */
		store_audit_sealer(
		    app.store, ops_audit_seal_signer, app.signer);
		rc = store_migrate(app.store);
	}
	if (rc != PC_OK) {
		cli_err("serve", "cannot open the database %s (%s)",
		    conf.store.url, pc_rc_str(rc));
		goto out;
	}
	signer_client_keysrc(app.signer, &ks);
	rc = pki_open(&conf, app.store, &ks, &app.pki);
	if (rc != PC_OK) {
		cli_err("serve",
		    "cannot load the CA hierarchy (%s); was %s "
		    "made by pecete init?",
		    pc_rc_str(rc), dir);
		goto out;
	}
	{
		struct pc_env te = { .conf = &conf };
		char tsa[512];

		/* The time-stamps of this node's signing (web, issuance,
		 * CSC) from its own TSA, in process: the URL they use. */
		signing_local_tsa(&te, tsa, sizeof(tsa));
		sign_tsa_local(tsa, serve_tsa, app.pki);
		/* Its OCSP responses and CRLs (long-term signatures) from
		 * where it listens: "<local>/tsa" less "/tsa". */
		tsa[strlen(tsa) - 4] = '\0';
		sign_http_local(conf.server.public_url, tsa);
		serve_own_urls(app.pki, tsa);
	}
	/* Made on first start when missing (data dirs older than it). */
	rc = vault_open(conf.store.vault_key_file, true, &app.vault);
	if (rc != PC_OK) {
		cli_err("serve", "cannot open the vault key %s: %s",
		    conf.store.vault_key_file,
		    secret_file_why(rc) != NULL ? secret_file_why(rc)
		                                : pc_rc_str(rc));
		goto out;
	}
	{
		struct pc_env pe;

		memset(&pe, 0, sizeof(pe));
		pe.conf = &conf;
		pe.store = app.store;
		pe.signer = app.signer;
		pe.pki = app.pki;
		pe.vault = app.vault;
		rc = websign_pool_start(
		    &pe, (unsigned)conf.server.sign_workers, &app.sign_pool);
		if (rc != PC_OK) {
			cli_err("serve",
			    "cannot start the signing workers (%s)",
			    pc_rc_str(rc));
			goto out;
		}
	}
	memset(&ho, 0, sizeof(ho));
	api_http_opts(&app, &ho);
	ho.listen = conf.server.listen;
	ho.threads = (unsigned)conf.server.threads;
	ho.conn_timeout = (unsigned)conf.server.conn_timeout;
	ho.trusted_proxies = conf.server.trusted_proxies;
	rc = http_start(&ho, &hs, &port);
	if (rc != PC_OK) {
		cli_err("serve", "cannot listen on %s", conf.server.listen);
		goto out;
	}
	{
		char host[256];
		const char *colon = strrchr(conf.server.listen, ':');
		size_t hl = (size_t)(colon - conf.server.listen);

		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, conf.server.listen, hl);
		host[hl] = '\0';
		if (strcmp(host, "0.0.0.0") == 0 || host[0] == '\0')
			snprintf(host, sizeof(host), "127.0.0.1");
		printf("listening on http://%s:%u\n", host, port);
		if (conf.server.dev_mode)
			printf(
			    "development mode (not for production):\n"
			    "  the app            %s/\n"
			    "  e-mails and SMS    http://%s:%u/dev/outbox\n"
			    "  sandbox cards      4111 1111 1111 1111 pays, "
			    "4000 0000 0000 0002 is declined,\n"
			    "                     4000 0000 0000 3220 asks a "
			    "3-D Secure code (123456)\n"
			    "  promo code         DEMO10 (made by pecete init "
			    "--dev)\n",
			    conf.server.public_url, host, port);
		fflush(stdout);
		log_info("serve: listening on %s:%u (public URL %s)", host,
		    port, conf.server.public_url);
	}
	/* After the line above: tests wait for it once /healthz answers. */
	memset(&jenv, 0, sizeof(jenv));
	jenv.conf = &conf;
	jenv.store = app.store;
	jenv.signer = app.signer;
	jenv.pki = app.pki;
	jenv.vault = app.vault;
	if (jobs_serve_start(&jenv, &jobs) != PC_OK)
		log_warnx("serve: the scheduled jobs (CRL, rate, notification "
		          "delivery) did not start");
	ops_audit_event(&jenv, "service.start", PECETE_VERSION);
	for (;;) {
		struct timespec minute = { 60, 0 };

		sig = sigtimedwait(&set, NULL, &minute);
		if (sig < 0 && (errno == EAGAIN || errno == EINTR)) {
			tl_refresh(&conf); /* every minute: due or not */
			continue;
		}
		if (sig < 0 || sig == SIGINT || sig == SIGTERM)
			break;
		if (sig == SIGHUP && tl_configured(&conf)) {
			log_info("serve: SIGHUP, loading the trusted lists "
			         "again");
			tl_reload(&conf);
		}
	}
	log_info("serve: signal %d, stopping", sig);
	ops_audit_event(&jenv, "service.stop",
	    sig == SIGTERM  ? "SIGTERM"
	    : sig == SIGINT ? "SIGINT"
	                    : "signal");
	ret = 0;
out:
	/* The batches authorized are finished while the TSA still answers. */
	websign_pool_stop(app.sign_pool);
	if (hs != NULL)
		http_stop(hs);
	jobs_stop(jobs);
	sign_tsa_local(NULL, NULL, NULL);
	sign_http_local(NULL, NULL);
	pki_close(app.pki);
	vault_close(app.vault);
	if (app.store != NULL)
		store_close(app.store);
	signer_client_stop(app.signer);
	conf_free(&conf);
	return ret;
}

/*
 * pecete signer-run --data DIR [--config F] --channels N: the signer
 * process, started by serve with its channels on fds 3..3+N-1. Not for
 * people to run.
 */
int
cmd_signer_run(int argc, char **argv)
{
	const char *dir = NULL, *file = NULL, *channels = NULL;
	const struct cli_opt opts[] = {
		{ "data", 'd', CLI_STR, &dir, CLI_REQ },
		{ "config", 'f', CLI_STR, &file, 0 },
		{ "channels", 'n', CLI_STR, &channels, CLI_REQ },
		{ NULL },
	};
	const struct cli_spec spec = { "signer-run",
		"--data DIR [--config FILE] --channels N", opts, 0, -1 };
	struct conf conf;
	int fds[SIGNER_CHANNELS_MAX];
	int64_t n = 0;
	int ret;
	size_t i;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (!cli_num(channels, 1, SIGNER_CHANNELS_MAX, &n))
		return cli_usage_error(&spec, NULL);
	ret = cli_conf_load(&conf, dir, file);
	if (ret != 0)
		return ret;
	for (i = 0; i < (size_t)n; i++)
		fds[i] = 3 + (int)i;
	ret = signer_main(&conf, fds, (size_t)n);
	conf_free(&conf);
	return ret;
}
