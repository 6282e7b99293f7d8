/*
 * notify.c: enqueueing, rendering and the delivery pass of notifications
 * (see notify.h and docs/internals/notify.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "notify/notify.h"
#include "notify/notify_int.h"
#include "store/store_outbox.h"

#define NOTIFY_BATCH 32 /* messages claimed per pass */
#define NOTIFY_TEXT_MAX (64 * 1024)
#define NOTIFY_POLL_S 1
/* A claim older than this is taken back (the worker died while sending). */
#define NOTIFY_STALE_MIN_S 120

const char *
notify_channel_name(enum notify_channel ch)
{
	return ch == NOTIFY_EMAIL ? "email" : ch == NOTIFY_SMS ? "sms" : "?";
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		log_warnx("notify: curl_global_init failed");
}

void
notify_curl_init(void)
{
	pthread_once(&curl_once, curl_init_once);
}

/* ---- rendering ------------------------------------------------------- */

void
notify_html_escape(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			buf_append_str(b, "&amp;");
			break;
		case '<':
			buf_append_str(b, "&lt;");
			break;
		case '>':
			buf_append_str(b, "&gt;");
			break;
		case '"':
			buf_append_str(b, "&quot;");
			break;
		case '\'':
			buf_append_str(b, "&#39;");
			break;
		default:
			buf_append(b, p, 1);
		}
	}
}

enum notify_channel
notify_template_channel(const char *template_id)
{
	const struct notify_tmpl *t = notify_tmpl_find(template_id);

	return t != NULL ? t->ch : (enum notify_channel)0;
}

const char *
notify_template_id(size_t i)
{
	return i < notify_ntemplates ? notify_templates[i].id : NULL;
}

int64_t
notify_retry_delay(int64_t base_s, int64_t attempt)
{
	int64_t d;

	if (base_s < 1)
		base_s = 1;
	if (attempt < 1)
		attempt = 1;
	if (attempt > 30)
		return NOTIFY_RETRY_MAX_S;
	d = base_s << (attempt - 1);
	if (d > NOTIFY_RETRY_MAX_S || d < base_s)
		d = NOTIFY_RETRY_MAX_S;
	return d;
}

/* Romanian puts "de" between a number and its noun from 20 on (but 101-119). */
static bool
ro_needs_de(int64_t n)
{
	return n >= 20 && (n % 100 == 0 || n % 100 >= 20);
}

static void
append_duration(struct buf *b, bool ro, bool hours, int64_t n)
{
	if (ro && hours)
		buf_printf(b, "%lld %s%s", (long long)n,
		    n != 1 && ro_needs_de(n) ? "de " : "",
		    n == 1 ? "oră" : "ore");
	else if (ro)
		buf_printf(b, "%lld %s%s", (long long)n,
		    n != 1 && ro_needs_de(n) ? "de " : "",
		    n == 1 ? "minut" : "minute");
	else
		buf_printf(b, "%lld %s%s", (long long)n,
		    hours ? "hour" : "minute", n == 1 ? "" : "s");
}

/* A value a caller may put in a message: no control characters. */
static bool
value_ok(const char *s)
{
	const unsigned char *p;

	if (strlen(s) > NOTIFY_VAR_MAX)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool
link_ok(const char *s)
{
	const char *p;

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	for (p = s; *p; p++)
		if (*p == ' ')
			return false;
	return true;
}

/* Expand one placeholder {{name}}. */
static enum pc_rc
expand_var(struct buf *b, const struct notify_tmpl *t, json_t *vars,
    const char *name, bool ro, bool html)
{
	json_t *v = vars != NULL ? json_object_get(vars, name) : NULL;
	char num[32];
	const char *s;
	bool hours = strcmp(name, "hours") == 0;
	json_int_t n;
	uint64_t u;

	if (hours || strcmp(name, "minutes") == 0) {
		if (v == NULL)
			n = hours ? t->hours : t->minutes;
		else if (json_is_integer(v))
			n = json_integer_value(v);
		else if (json_is_string(v) &&
		         str_to_u64(str_from(json_string_value(v)), 100000,
		             &u) == PC_OK)
			n = (json_int_t)u;
		else
			n = 0;
		if (n < 1 || n > 100000) {
			log_warnx("notify: template %s: variable %s missing "
			          "or not a positive number",
			    t->id, name);
			return PC_EINVAL;
		}
		append_duration(b, ro, hours, (int64_t)n);
		return PC_OK;
	}
	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(
		    num, sizeof(num), "%lld", (long long)json_integer_value(v));
		s = num;
	} else {
		log_warnx("notify: template %s: variable %s missing or not a "
		          "string",
		    t->id, name);
		return PC_EINVAL;
	}
	/* A code or a link must be there; a name may be empty. */
	if (!value_ok(s) ||
	    (*s == '\0' &&
	        (strcmp(name, "code") == 0 || strcmp(name, "link") == 0)) ||
	    (strcmp(name, "link") == 0 && !link_ok(s))) {
		log_warnx("notify: template %s: variable %s is malformed",
		    t->id, name);
		return PC_EINVAL;
	}
	if (html)
		notify_html_escape(b, s);
	else
		buf_append_str(b, s);
	return PC_OK;
}

/* Expand every {{name}} of text into b. */
static enum pc_rc
expand(struct buf *b, const struct notify_tmpl *t, const char *text,
    json_t *vars, bool ro, bool html)
{
	const char *p = text, *open, *close, *q;
	char name[64];
	size_t n;
	enum pc_rc rc;

	while ((open = strstr(p, "{{")) != NULL) {
		buf_append(b, p, (size_t)(open - p));
		close = strstr(open + 2, "}}");
		n = close != NULL ? (size_t)(close - open - 2) : 0;
		for (q = open + 2; close != NULL && q < close; q++)
			if (!((*q >= 'a' && *q <= 'z') || *q == '_' ||
			        (*q >= '0' && *q <= '9')))
				break;
		if (close == NULL || n == 0 || n >= sizeof(name) ||
		    q != close) {
			/* Not a placeholder: keep the braces. */
			buf_append(b, open, 2);
			p = open + 2;
			continue;
		}
		memcpy(name, open + 2, n);
		name[n] = '\0';
		rc = expand_var(b, t, vars, name, ro, html);
		if (rc != PC_OK)
			return rc;
		p = close + 2;
	}
	buf_append_str(b, p);
	return PC_OK;
}

static void
wipe_str(char *s)
{
	secret_wipe(s, strlen(s));
}

static char *
buf_take_str(struct buf *b)
{
	size_t n;

	if (!buf_ok(b))
		return NULL;
	if (b->data == NULL)
		return strdup("");
	return (char *)buf_steal(b, &n);
}

void
notify_msg_cleanup(struct notify_msg *m)
{
	if (m == NULL)
		return;
	free(m->to);
	/* The text may hold a code or a link. */
	if (m->text != NULL)
		wipe_str(m->text);
	if (m->html != NULL)
		wipe_str(m->html);
	free(m->subject);
	free(m->text);
	free(m->html);
	memset(m, 0, sizeof(*m));
}

enum pc_rc
notify_render(const char *template_id, const char *lang, json_t *vars,
    struct notify_msg *out)
{
	const struct notify_tmpl *t;
	const struct notify_tmpl_lang *l;
	struct buf b;
	bool ro;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	memset(out, 0, sizeof(*out));
	buf_init(&b, NOTIFY_TEXT_MAX);
	t = notify_tmpl_find(template_id);
	if (t == NULL) {
		rc = PC_ENOTFOUND;
		goto out;
	}
	if (lang == NULL)
		lang = "ro";
	if (strcmp(lang, "ro") != 0 && strcmp(lang, "en") != 0) {
		rc = PC_EINVAL;
		goto out;
	}
	if (vars != NULL && !json_is_object(vars)) {
		rc = PC_EINVAL;
		goto out;
	}
	ro = strcmp(lang, "ro") == 0;
	l = ro ? &t->ro : &t->en;
	out->ch = t->ch;
	/* Text (and the whole SMS). */
	rc = expand(&b, t, l->text, vars, ro, false);
	if (rc != PC_OK)
		goto out;
	if (t->ch == NOTIFY_EMAIL)
		buf_append_str(&b, ro ? "\n\n-- \nMesaj trimis automat de "
		                        "Pecete. Vă rugăm să nu răspundeți "
		                        "la el.\n"
		                      : "\n\n-- \nSent automatically by "
		                        "Pecete. Please do not reply.\n");
	out->text = buf_take_str(&b);
	if (out->text == NULL) {
		rc = buf_rc(&b);
		goto out;
	}
	if (t->ch != NOTIFY_EMAIL)
		goto out;
	/* Subject: one line (values have no control characters). */
	buf_init(&b, NOTIFY_TEXT_MAX);
	rc = expand(&b, t, l->subject, vars, ro, false);
	if (rc != PC_OK)
		goto out;
	out->subject = buf_take_str(&b);
	if (out->subject == NULL) {
		rc = buf_rc(&b);
		goto out;
	}
	/* HTML: one frame, inline styles, nothing fetched from outside. */
	buf_init(&b, NOTIFY_TEXT_MAX);
	buf_printf(&b,
	    "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>",
	    lang);
	notify_html_escape(&b, out->subject);
	buf_append_str(&b,
	    "</title>\n</head>\n"
	    "<body style=\"margin:0;padding:0;background:#f4f4f5\">\n"
	    "<div style=\"max-width:560px;margin:0 auto;padding:24px;"
	    "font-family:Arial,Helvetica,sans-serif;font-size:15px;"
	    "line-height:1.5;color:#18181b;background:#ffffff\">\n"
	    "<p style=\"margin:0 0 16px;font-size:20px;font-weight:bold;"
	    "color:#1d4ed8\">Pecete</p>\n");
	rc = expand(&b, t, l->html, vars, ro, true);
	if (rc != PC_OK)
		goto out;
	buf_printf(&b,
	    "\n<p style=\"margin-top:32px;font-size:12px;color:#71717a\">"
	    "%s</p>\n</div>\n</body>\n</html>\n",
	    ro ? "Mesaj trimis automat de Pecete. Vă rugăm să nu "
	         "răspundeți la el."
	       : "Sent automatically by Pecete. Please do not reply.");
	out->html = buf_take_str(&b);
	if (out->html == NULL)
		rc = buf_rc(&b);
out:
	buf_cleanup(&b);
	if (rc != PC_OK)
		notify_msg_cleanup(out);
	return rc;
}

/* ---- enqueue --------------------------------------------------------- */

static bool
email_ok(const char *s)
{
	const char *at = strchr(s, '@'), *p;
	size_t n = strlen(s);

	if (n < 3 || n > NOTIFY_TO_MAX || at == NULL || at == s ||
	    strchr(at + 1, '@') != NULL || (size_t)(at - s) > 64 ||
	    strchr(at + 1, '.') == NULL || at[1] == '.' || s[n - 1] == '.')
		return false;
	for (p = s; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
		if (strchr("<>()[]\\,;:\"", *p) != NULL)
			return false;
	}
	return true;
}

static bool
e164_ok(const char *s)
{
	size_t n = 0;
	const char *p;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return false;
	for (p = s + 1; *p; p++, n++)
		if (*p < '0' || *p > '9')
			return false;
	return n >= 8 && n <= 15;
}

enum pc_rc
notify_enqueue(struct db *db, enum notify_channel ch, const char *to,
    const char *template_id, const char *lang, json_t *vars, int64_t *id_out)
{
	struct notify_msg m;
	char *vtext = NULL;
	int64_t id = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	if (id_out != NULL)
		*id_out = 0;
	if (lang == NULL)
		lang = "ro";
	if (to == NULL || template_id == NULL ||
	    notify_template_channel(template_id) != ch ||
	    (ch == NOTIFY_EMAIL && !email_ok(to)) ||
	    (ch == NOTIFY_SMS && !e164_ok(to)) ||
	    (vars != NULL && json_object_size(vars) > NOTIFY_VARS_MAX)) {
		log_warnx("notify: refused to queue template=%s channel=%s: "
		          "unknown template, wrong channel or bad recipient",
		    template_id ? template_id : "(null)",
		    notify_channel_name(ch));
		return PC_EINVAL;
	}
	/* Catch a missing variable now, not at delivery. */
	rc = notify_render(template_id, lang, vars, &m);
	notify_msg_cleanup(&m);
	if (rc != PC_OK)
		return rc == PC_ENOMEM ? rc : PC_EINVAL;
	if (vars != NULL)
		vtext = json_dumps(vars, JSON_COMPACT | JSON_SORT_KEYS);
	else
		vtext = strdup("{}");
	if (vtext == NULL)
		return PC_ENOMEM;
	rc = store_outbox_insert(db, notify_channel_name(ch), to, template_id,
	    lang, vtext, clock_now(), &id);
	wipe_str(vtext);
	free(vtext);
	if (rc != PC_OK)
		return rc;
	log_debug("notify",
	    "notify: queued outbox=%lld channel=%s "
	    "template=%s",
	    (long long)id, notify_channel_name(ch), template_id);
	if (id_out != NULL)
		*id_out = id;
	return PC_OK;
}

/* ---- delivery -------------------------------------------------------- */

struct notify {
	const struct conf *conf;
	struct store *store;
};

static enum pc_rc
outbox_send(const struct conf_notify *c, const struct notify_msg *m, char *why,
    size_t whylen)
{
	/* Development: nothing leaves; /dev/outbox shows the message. */
	return PC_OK;
}

const struct notify_driver notify_outbox_mail_driver = {
    "outbox", NOTIFY_EMAIL, true, outbox_send};
const struct notify_driver notify_outbox_sms_driver = {
    "outbox", NOTIFY_SMS, true, outbox_send};

static const struct notify_driver *
driver_for(const struct conf_notify *c, enum notify_channel ch)
{
	if (ch == NOTIFY_EMAIL)
		return strcmp(c->mail_driver, "smtp") == 0
		           ? &notify_smtp_driver
		           : &notify_outbox_mail_driver;
	return strcmp(c->sms_driver, "sms-http") == 0
	           ? &notify_sms_http_driver
	           : &notify_outbox_sms_driver;
}

enum pc_rc
notify_new(const struct conf *conf, struct store *store, struct notify **out)
{
	struct notify *n;

	RETURN_VAL_IF_FAIL(
	    conf != NULL && store != NULL && out != NULL, PC_EINTERNAL);
	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return PC_ENOMEM;
	n->conf = conf;
	n->store = store;
	notify_curl_init();
	*out = n;
	return PC_OK;
}

void
notify_free(struct notify *n)
{
	free(n);
}

/* Record the outcome of a claimed message. */
static enum pc_rc
deliver_finish(struct notify *n, const struct store_outbox *row,
    const char *token, const struct notify_driver *drv, enum pc_rc sent,
    const char *why, const char **result)
{
	const struct conf_notify *c = &n->conf->notify;
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(n->store, &db);
	if (rc != PC_OK)
		return rc;
	if (sent == PC_OK) {
		*result = "sent";
		rc = store_outbox_mark_sent(db, row->id, token, drv->name,
		    !drv->keep_vars, clock_now());
	} else if (sent == PC_EINVAL || row->attempts >= c->max_attempts) {
		*result = "failed";
		rc = store_outbox_mark_failed(db, row->id, token, why);
	} else {
		*result = "retry";
		rc = store_outbox_mark_retry(db, row->id, token,
		    clock_now() +
		        notify_retry_delay(c->retry_base_s, row->attempts),
		    why);
	}
	store_release(n->store, db);
	return rc;
}

/* Claim, render, send and record one message. */
static enum pc_rc
deliver_one(struct notify *n, int64_t id, int *nsent, int *nfailed)
{
	struct store_outbox row;
	struct notify_msg m;
	const struct notify_driver *drv = NULL;
	struct db *db = NULL;
	json_t *vars = NULL;
	json_error_t jerr;
	char token[2 * 16 + 1], why[256];
	const char *result = "?";
	enum notify_channel ch;
	enum pc_rc rc, sent;

	memset(&m, 0, sizeof(m));
	memset(&row, 0, sizeof(row));
	why[0] = '\0';
	rc = rnd_hex(16, token);
	if (rc != PC_OK)
		return rc;
	rc = store_acquire(n->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_outbox_claim(db, id, token, clock_now(), &row);
	store_release(n->store, db);
	if (rc == PC_ESTATE)
		return PC_OK; /* another worker or node has it */
	if (rc != PC_OK)
		return rc;
	ch = strcmp(row.channel, "sms") == 0 ? NOTIFY_SMS : NOTIFY_EMAIL;
	drv = driver_for(&n->conf->notify, ch);
	vars = json_loads(row.vars, 0, &jerr);
	sent = notify_render(row.template_id, row.lang, vars, &m);
	if (sent != PC_OK) {
		snprintf(why, sizeof(why), "cannot render the template (%s)",
		    pc_rc_str(sent));
		sent = PC_EINVAL; /* retrying will not help */
	} else {
		m.id = row.id;
		m.to = strdup(row.recipient);
		sent = m.to != NULL
		           ? drv->send(&n->conf->notify, &m, why, sizeof(why))
		           : PC_ENOMEM;
	}
	rc = deliver_finish(n, &row, token, drv, sent, why, &result);
	log_info("notify: outbox=%lld channel=%s template=%s attempt=%lld "
	         "driver=%s result=%s%s%s",
	    (long long)row.id, row.channel, row.template_id,
	    (long long)row.attempts, drv->name, result, why[0] ? " why=" : "",
	    why);
	if (rc == PC_OK && strcmp(result, "sent") == 0 && nsent != NULL)
		(*nsent)++;
	if (rc == PC_OK && strcmp(result, "failed") == 0 && nfailed != NULL)
		(*nfailed)++;
	if (rc == PC_ESTATE) {
		log_warnx("notify: outbox=%lld: the claim was taken back "
		          "while sending",
		    (long long)row.id);
		rc = PC_OK;
	}
	json_decref(vars);
	notify_msg_cleanup(&m);
	store_outbox_cleanup(&row);
	return rc;
}

enum pc_rc
notify_run_once(struct notify *n, int *nsent, int *nfailed)
{
	struct db *db = NULL;
	int64_t ids[NOTIFY_BATCH], stale = 0, grace;
	size_t i, count = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(n != NULL, PC_EINTERNAL);
	if (nsent != NULL)
		*nsent = 0;
	if (nfailed != NULL)
		*nfailed = 0;
	grace = 4 * n->conf->notify.timeout_s;
	if (grace < NOTIFY_STALE_MIN_S)
		grace = NOTIFY_STALE_MIN_S;
	rc = store_acquire(n->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_outbox_release_stale(db, clock_now() - grace, &stale);
	if (rc == PC_OK && stale > 0)
		log_warnx("notify: %lld message(s) left sending by a stopped "
		          "worker are queued again",
		    (long long)stale);
	if (rc == PC_OK)
		rc = store_outbox_due(
		    db, clock_now(), ids, NOTIFY_BATCH, &count);
	store_release(n->store, db);
	for (i = 0; rc == PC_OK && i < count; i++)
		rc = deliver_one(n, ids[i], nsent, nfailed);
	return rc;
}

enum pc_rc
notify_status_get(struct store *store, int64_t id, struct notify_status *st)
{
	struct store_outbox row;
	struct db *db = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(store != NULL && st != NULL, PC_EINTERNAL);
	memset(st, 0, sizeof(*st));
	rc = store_acquire(store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_outbox_get(db, id, &row);
	store_release(store, db);
	if (rc != PC_OK)
		return rc;
	snprintf(st->status, sizeof(st->status), "%s", row.status);
	snprintf(st->driver, sizeof(st->driver), "%s",
	    row.driver != NULL ? row.driver : "");
	st->attempts = row.attempts;
	st->next_at = row.next_at;
	store_outbox_cleanup(&row);
	return PC_OK;
}

/* ---- the worker thread ----------------------------------------------- */

struct notify_worker {
	struct notify *nw_notify;
	pthread_t nw_thread;
	pthread_mutex_t nw_mu;
	pthread_cond_t nw_cv;
	bool nw_stop;
};

static void *
worker_run(void *arg)
{
	struct notify_worker *w = arg;
	struct timespec ts;
	enum pc_rc rc;

	pthread_mutex_lock(&w->nw_mu);
	while (!w->nw_stop) {
		pthread_mutex_unlock(&w->nw_mu);
		rc = notify_run_once(w->nw_notify, NULL, NULL);
		if (rc != PC_OK)
			log_warnx(
			    "notify: delivery pass failed (%s)", pc_rc_str(rc));
		pthread_mutex_lock(&w->nw_mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += NOTIFY_POLL_S;
		while (!w->nw_stop && pthread_cond_timedwait(&w->nw_cv,
		                          &w->nw_mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&w->nw_mu);
	return NULL;
}

enum pc_rc
notify_worker_start(
    const struct conf *conf, struct store *store, struct notify_worker **out)
{
	struct notify_worker *w;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return PC_ENOMEM;
	rc = notify_new(conf, store, &w->nw_notify);
	if (rc != PC_OK) {
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->nw_mu, NULL);
	pthread_cond_init(&w->nw_cv, NULL);
	if (pthread_create(&w->nw_thread, NULL, worker_run, w) != 0) {
		pthread_cond_destroy(&w->nw_cv);
		pthread_mutex_destroy(&w->nw_mu);
		notify_free(w->nw_notify);
		free(w);
		return PC_EINTERNAL;
	}
	log_info("notify: delivery worker started (mail=%s sms=%s)",
	    conf->notify.mail_driver, conf->notify.sms_driver);
	*out = w;
	return PC_OK;
}

void
notify_worker_stop(struct notify_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->nw_mu);
	w->nw_stop = true;
	pthread_cond_signal(&w->nw_cv);
	pthread_mutex_unlock(&w->nw_mu);
	pthread_join(w->nw_thread, NULL);
	pthread_cond_destroy(&w->nw_cv);
	pthread_mutex_destroy(&w->nw_mu);
	notify_free(w->nw_notify);
	free(w);
}
