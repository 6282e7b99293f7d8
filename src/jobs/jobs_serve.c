/*
 * jobs_serve.c: the jobs of pecete serve (see jobs.h).
 *
 *   crl       cluster, every 10 min: the issuing CA's CRL regenerated
 *             when it nears nextUpdate (pki_crl_der), even when nobody
 *             asks for it
 *   fx_rate   cluster, every 10 min: the BNR rate of the day, fetched
 *             once a day and cached (shop_rate_today)
 *   notify    node, a pass every second: claim, render and send what the
 *             outbox holds (notify_run_once; each message is claimed with
 *             a claim token, so nodes share the outbox without a lease)
 *   idv_retention
 *             cluster, every hour: identification evidence past its
 *             retention ([ra] retention_*) deleted, each deletion audited
 *             (ra_purge)
 *   documents cluster, every 10 min: uploads and signed files of web
 *             signing past their time deleted (websign_purge); batches
 *             left signing by a node that died given back their
 *             transactions and opened again (websign_recover)
 *   reminders cluster, hourly: e-mails before a certificate's end
 *             (issuance_remind; [lifecycle] remind_*_days)
 *   renewals  cluster, every 10 min: approved renewals issued 3 days
 *             before the certificate's end, the others refunded when the
 *             window closed (renewal_run); the photos whose time is
 *             over deleted (renewal_photos_expire)
 *   oauth     cluster, every 10 min: OAuth2 requests past their end,
 *             expired refresh tokens and access tokens a day past theirs
 *             deleted (oauth_purge), whatever path made them
 *   keys      cluster, hourly: the key pairs of holders whose signing
 *             certificate was revoked for good or ended more than a day
 *             ago destroyed in the HSM by the signer (KEYS_RETIRE)
 *   audit_anchor
 *             node, every 5 min: the head of the audit chain time-stamped
 *             by our TSA into the data directory's anchor file, when it
 *             moved (ops_audit_anchor); each node keeps its own file
 */
#include <stdio.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "csc/csc_oauth.h"
#include "issuance/issuance.h"
#include "jobs/jobs.h"
#include "privacy/privacy.h"
#include "lifecycle/renewal.h"
#include "notify/notify.h"
#include "ops/ops.h"
#include "pki/pki.h"
#include "ra/ra.h"
#include "signer/signer.h"
#include "signing/signing_web.h"
#include "shop/shop.h"

#define SERVE_PERIOD_MS (600 * 1000)
#define SERVE_LEASE_S 300
#define NOTIFY_PERIOD_MS 1000
#define RETENTION_PERIOD_MS (3600 * 1000)
#define CRL_MAX (64 * 1024 * 1024)
#define ANCHOR_PERIOD_MS (300 * 1000)

/* A job's result that is a count: "N what"; returns rc. */
static enum pc_rc
counted(
    enum pc_rc rc, const int64_t *k, const char *what, char *result, size_t n)
{
	snprintf(result, n, "%lld %s", (long long)*k, what);
	return rc;
}

static enum pc_rc
job_audit_anchor(const struct pc_env *e, void *arg, char *result, size_t n)
{
	int64_t row = 0;
	enum pc_rc rc;

	if (e->pki == NULL)
		return PC_EUNAVAIL;
	rc = ops_audit_anchor(e, &row);
	if (rc != PC_OK)
		snprintf(result, n, "could not anchor the audit chain");
	else if (row == 0)
		snprintf(result, n, "audit head unchanged");
	else
		snprintf(
		    result, n, "audit anchored at row %lld", (long long)row);
	return rc;
}

static enum pc_rc
job_crl(const struct pc_env *e, void *arg, char *result, size_t n)
{
	struct buf b;
	enum pc_rc rc;

	if (e->pki == NULL)
		return PC_EUNAVAIL;
	buf_init(&b, CRL_MAX);
	rc = pki_crl_der(e->pki, "issuing", &b);
	if (rc == PC_OK)
		snprintf(result, n, "issuing CRL %zu bytes", b.len);
	else
		snprintf(result, n, "could not refresh the issuing CRL");
	buf_cleanup(&b);
	return rc;
}

static enum pc_rc
job_fx_rate(const struct pc_env *e, void *arg, char *result, size_t n)
{
	struct shop_rate rate;
	enum pc_rc rc;

	rc = shop_rate_today(e, &rate);
	if (rc != PC_OK)
		snprintf(result, n, "no EUR rate available");
	else
		snprintf(result, n, "EUR %s%s", rate.day,
		    rate.fallback ? " (fallback rate)" : "");
	return rc;
}

static enum pc_rc
job_notify(const struct pc_env *e, void *arg, char *result, size_t n)
{
	int sent = 0, failed = 0;
	enum pc_rc rc;

	rc = notify_run_once(arg, &sent, &failed);
	snprintf(result, n, "sent %d, failed %d", sent, failed);
	return rc;
}

static enum pc_rc
job_idv_retention(const struct pc_env *e, void *arg, char *result, size_t n)
{
	int64_t purged = 0;

	return counted(
	    ra_purge(e, &purged), &purged, "case(s) purged", result, n);
}

static enum pc_rc
job_documents(const struct pc_env *e, void *arg, char *result, size_t n)
{
	int64_t deleted = 0, recovered = 0;
	enum pc_rc rc;

	rc = websign_recover(e, WEB_STUCK_S, &recovered);
	if (rc == PC_OK)
		rc = websign_purge(e, &deleted);
	snprintf(result, n,
	    "%lld document(s) deleted, %lld batch(es) recovered",
	    (long long)deleted, (long long)recovered);
	return rc;
}

static enum pc_rc
job_oauth(const struct pc_env *e, void *arg, char *result, size_t n)
{
	int64_t purged = 0;

	return counted(oauth_purge(e, clock_now(), &purged), &purged,
	    "row(s) purged", result, n);
}

static enum pc_rc
job_keys(const struct pc_env *e, void *arg, char *result, size_t n)
{
	uint32_t done = 0;
	enum pc_rc rc;

	if (e->signer == NULL)
		return PC_EUNAVAIL;
	rc = signer_client_keys_retire(e->signer, &done);
	snprintf(result, n, "%u credential(s) retired", done);
	return rc;
}

static enum pc_rc
job_reminders(const struct pc_env *e, void *arg, char *result, size_t n)
{
	int64_t sent = 0;

	return counted(
	    issuance_remind(e, &sent), &sent, "reminder(s) sent", result, n);
}

static enum pc_rc
job_renewals(const struct pc_env *e, void *arg, char *result, size_t n)
{
	int64_t issued = 0, refunded = 0, photos = 0;
	enum pc_rc rc, rc2;

	if (e->signer == NULL)
		return PC_EUNAVAIL;
	rc = renewal_run(e, &issued, &refunded);
	rc2 = renewal_photos_expire(e, &photos);
	snprintf(result, n,
	    "%lld renewal(s) issued, %lld refunded, %lld photo(s) deleted",
	    (long long)issued, (long long)refunded, (long long)photos);
	return rc != PC_OK ? rc : rc2;
}

static enum pc_rc
job_retention(const struct pc_env *e, void *arg, char *result, size_t n)
{
	json_t *rep = NULL, *r;
	int64_t total = 0;
	size_t i;
	enum pc_rc rc;

	rc = privacy_retention(e, true, &rep);
	json_array_foreach(json_object_get(rep, "rules"), i, r) total +=
	    json_integer_value(json_object_get(r, "deleted"));
	json_decref(rep);
	return counted(
	    rc, &total, "row(s) past their retention deleted", result, n);
}

static void
notify_arg_free(void *arg)
{
	notify_free(arg);
}

enum pc_rc
jobs_serve_start(const struct pc_env *e, struct jobs **out)
{
	struct jobs_def defs[11];
	struct notify *nt = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && e->conf != NULL && e->store != NULL && out != NULL,
	    PC_EINTERNAL);
	rc = notify_new(e->conf, e->store, &nt);
	if (rc != PC_OK)
		return rc;
	defs[0] = (struct jobs_def){ "crl", JOBS_CLUSTER, SERVE_PERIOD_MS,
		SERVE_LEASE_S, job_crl, NULL, NULL };
	defs[1] = (struct jobs_def){ "fx_rate", JOBS_CLUSTER, SERVE_PERIOD_MS,
		SERVE_LEASE_S, job_fx_rate, NULL, NULL };
	defs[2] = (struct jobs_def){ "notify", JOBS_NODE, NOTIFY_PERIOD_MS, 0,
		job_notify, nt, notify_arg_free };
	defs[3] = (struct jobs_def){ "idv_retention", JOBS_CLUSTER,
		RETENTION_PERIOD_MS, SERVE_LEASE_S, job_idv_retention, NULL,
		NULL };
	defs[4] = (struct jobs_def){ "documents", JOBS_CLUSTER, SERVE_PERIOD_MS,
		SERVE_LEASE_S, job_documents, NULL, NULL };
	defs[5] = (struct jobs_def){ "reminders", JOBS_CLUSTER,
		RETENTION_PERIOD_MS, SERVE_LEASE_S, job_reminders, NULL, NULL };
	defs[6] = (struct jobs_def){ "audit_anchor", JOBS_NODE,
		ANCHOR_PERIOD_MS, 0, job_audit_anchor, NULL, NULL };
	defs[7] = (struct jobs_def){ "renewals", JOBS_CLUSTER, SERVE_PERIOD_MS,
		SERVE_LEASE_S, job_renewals, NULL, NULL };
	defs[8] = (struct jobs_def){ "oauth", JOBS_CLUSTER, SERVE_PERIOD_MS,
		SERVE_LEASE_S, job_oauth, NULL, NULL };
	defs[9] = (struct jobs_def){ "retention", JOBS_CLUSTER,
		RETENTION_PERIOD_MS, SERVE_LEASE_S, job_retention, NULL, NULL };
	defs[10] = (struct jobs_def){ "keys", JOBS_CLUSTER, RETENTION_PERIOD_MS,
		SERVE_LEASE_S, job_keys, NULL, NULL };
	rc = jobs_start(e, defs, PC_ARRAY_LEN(defs), out);
	if (rc == PC_OK)
		log_info("notify: delivery worker started (mail=%s sms=%s)",
		    e->conf->notify.mail_driver != NULL
		        ? e->conf->notify.mail_driver
		        : "unset",
		    e->conf->notify.sms_driver != NULL
		        ? e->conf->notify.sms_driver
		        : "unset");
	return rc;
}
