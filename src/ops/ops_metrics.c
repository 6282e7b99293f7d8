/*
 * ops_metrics.c: the node's /metrics in Prometheus text format: the
 * process (uptime, the signer up and its restarts, calls to the signer by
 * type), then the database's view of the work waiting (store_gauges). The
 * HTTP requests are the api layer's part (http_metrics_render).
 */
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "ops/ops.h"
#include "signer/signer.h"
#include "store/store.h"
#include "validate/tl.h"
#include "validate/validate.h"

/* The request types worth a name; others are counted as "other". */
static const struct {
	unsigned type;
	const char *name;
} msg_names[] = {
	{ SIGNER_MSG_PING, "ping" },
	{ SIGNER_MSG_SIGN_SERVICE, "sign_service" },
	{ SIGNER_MSG_TOTP_ENROL_BEGIN, "totp_enrol_begin" },
	{ SIGNER_MSG_TOTP_ENROL_CONFIRM, "totp_enrol_confirm" },
	{ SIGNER_MSG_TOTP_VERIFY, "totp_verify" },
	{ SIGNER_MSG_TOTP_PEEK, "totp_peek" },
	{ SIGNER_MSG_TOTP_QR_URI, "totp_qr_uri" },
	{ SIGNER_MSG_SIGN_RECOVER, "sign_recover" },
	{ SIGNER_MSG_KEYS_RETIRE, "keys_retire" },
	{ SIGNER_MSG_SIGN_USER, "sign_user" },
	{ SIGNER_MSG_ISSUE_USER, "issue_user" },
	{ SIGNER_MSG_CSC_AUTHORIZE, "csc_authorize" },
	{ SIGNER_MSG_CSC_SIGN, "csc_sign" },
	{ SIGNER_MSG_CSC_EXTEND, "csc_extend" },
	{ SIGNER_MSG_CSC_SIGN_DOC, "csc_sign_doc" },
};

static const char *
msg_name(unsigned type)
{
	size_t i;

	for (i = 0; i < sizeof(msg_names) / sizeof(msg_names[0]); i++)
		if (msg_names[i].type == type)
			return msg_names[i].name;
	return NULL;
}

static void
signer_metrics(struct signer_client *sc, struct buf *out)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "pecete_signer_calls_total",
		    "Requests to the signer process, by type." },
		{ "pecete_signer_failures_total",
		    "Requests sent to the signer with no answer in time or a "
		    "broken channel (the signer is restarted)." },
		{ "pecete_signer_unavailable_total",
		    "Requests not sent: the signer down or every channel "
		    "busy." },
		{ "pecete_signer_seconds_total",
		    "Time spent in requests to the signer, by type." },
		{ "pecete_hsm_errors_total",
		    "Requests the signer answered with an HSM failure, by "
		    "type." },
	};
	struct signer_stat st[SIGNER_STAT_TYPES];
	const char *name;
	size_t f;
	unsigned t;

	buf_printf(out,
	    "# HELP pecete_signer_up 1 when the signer process answers.\n"
	    "# TYPE pecete_signer_up gauge\npecete_signer_up %d\n"
	    "# HELP pecete_signer_restarts_total Restarts of the signer "
	    "process by this node.\n"
	    "# TYPE pecete_signer_restarts_total counter\n"
	    "pecete_signer_restarts_total %u\n",
	    signer_client_up(sc) ? 1 : 0, signer_client_restarts(sc));
	signer_client_stats(sc, st);
	for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n",
		    fam[f].name, fam[f].help, fam[f].name);
		for (t = 0; t < SIGNER_STAT_TYPES; t++) {
			name = msg_name(t);
			if (name == NULL || st[t].calls == 0)
				continue;
			if (f == 3)
				buf_printf(out, "%s{type=\"%s\"} %.3f\n",
				    fam[f].name, name,
				    (double)st[t].ms / 1000.0);
			else
				buf_printf(out, "%s{type=\"%s\"} %llu\n",
				    fam[f].name, name,
				    (unsigned long long)(f == 0 ? st[t].calls
				                         : f == 1
				                             ? st[t].failures
				                         : f == 2
				                             ? st[t].unavailable
				                             : st[t]
				                                   .hsm_errors));
		}
	}
}

/*
 * The validation service's trust anchors: this provider's root,
 * [server] trust_anchors and the trusted lists' services; 0 when that
 * file no longer reads (validation is refused until it does).
 */
static unsigned
anchors_count(const struct pc_env *e, json_t **lists, bool *tl_ok)
{
	char err[512];
	unsigned n = 0, ntl = 0;
	bool ok;

	ok = e->conf != NULL && validate_anchors(e->conf, false, NULL, &n, err,
	                            sizeof(err)) == PC_OK;
	*tl_ok = e->conf != NULL && tl_ready(e->conf, lists, &ntl);
	return ok ? n + 1 + ntl : 0;
}

bool
ops_validation_ready(const struct pc_env *e, unsigned *anchors, json_t **lists)
{
	bool tl_ok;

	*lists = NULL;
	*anchors = anchors_count(e, lists, &tl_ok);
	return tl_ok && *anchors > 0;
}

static void
anchors_metrics(const struct pc_env *e, struct buf *out)
{
	json_t *lists = NULL;
	bool tl_ok;
	unsigned n;

	n = anchors_count(e, &lists, &tl_ok);
	json_decref(lists);
	buf_printf(out,
	    "# HELP pecete_validation_trust_anchors Trust anchors of the "
	    "validation service (this provider's root, "
	    "[server] trust_anchors and the trusted lists' services).\n"
	    "# TYPE pecete_validation_trust_anchors gauge\n"
	    "pecete_validation_trust_anchors %u\n",
	    n);
	if (e->conf != NULL)
		tl_metrics(e->conf, out);
}

enum pc_rc
ops_metrics(const struct pc_env *e, int64_t started_at, struct buf *out)
{
	struct buf g;
	int64_t now = clock_now();
	bool hsm_up;
	enum pc_rc rc;

	buf_printf(out,
	    "# HELP pecete_uptime_seconds Seconds since this node "
	    "started.\n# TYPE pecete_uptime_seconds gauge\n"
	    "pecete_uptime_seconds %lld\n",
	    (long long)(now - started_at));
	if (e->signer != NULL) {
		/* The check first: its call is in this scrape's counts. */
		hsm_up =
		    signer_client_up(e->signer) && ops_hsm_check(e) == PC_OK;
		signer_metrics(e->signer, out);
		buf_printf(out,
		    "# HELP pecete_hsm_up 1 when the HSM made a signature "
		    "for this scrape (the audit seal key).\n"
		    "# TYPE pecete_hsm_up gauge\npecete_hsm_up %d\n",
		    hsm_up ? 1 : 0);
	}
	anchors_metrics(e, out);
	/* The database's part whole or not at all, and whether it answered. */
	buf_init(&g, 1 << 20);
	STORE_ONE(rc, e->store, store_gauges(db, now, &g));
	if (rc == PC_OK && !buf_ok(&g))
		rc = buf_rc(&g);
	buf_printf(out,
	    "# HELP pecete_db_up 1 when the database answered this "
	    "scrape's queries.\n# TYPE pecete_db_up gauge\npecete_db_up %d\n",
	    rc == PC_OK ? 1 : 0);
	if (rc == PC_OK)
		buf_append(out, g.data, g.len);
	buf_cleanup(&g);
	return buf_ok(out) ? PC_OK : buf_rc(out);
}
