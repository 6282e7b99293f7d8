/*
 * notify.c: enqueueing and the delivery pass of notifications (rendering:
 * notify_render.c)
 * (see notify.h and docs/internals/notify.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/curl_lazy.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "notify/notify.h"
#include "notify/notify_int.h"
#include "store/store_outbox.h"

#define NOTIFY_BATCH 32 /* messages claimed per pass */
/* A claim older than this is taken back (the worker died while sending). */
#define NOTIFY_STALE_MIN_S 120

const char *
notify_channel_name(enum notify_channel ch)
{
	return ch == NOTIFY_EMAIL ? "email" : ch == NOTIFY_SMS ? "sms" : "?";
}

/* libcurl is loaded (and globally initialised) once, on first use. */
void
notify_curl_init(void)
{
	if (curl_lazy_load() != PC_OK)
		log_warnx("notify: libcurl is not available; e-mail and SMS "
		          "drivers will fail");
}

/* ---- rendering ------------------------------------------------------- */

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

/* Check and queue a message (no attachments); see notify_enqueue. */
static enum pc_rc
enqueue_msg(struct db *db, enum notify_channel ch, const char *to,
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
	secret_wipe(vtext, strlen(vtext));
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

enum pc_rc
notify_enqueue(struct db *db, enum notify_channel ch, const char *to,
    const char *template_id, const char *lang, json_t *vars, int64_t *id_out)
{
	return enqueue_msg(db, ch, to, template_id, lang, vars, id_out);
}

/* Bytes of the valid UTF-8 character at p, 0 when invalid (or a C1 control). */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		c = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		c = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, surrogates and past U+10FFFF. */
	if ((n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	/* C1 controls (U+0080..U+009F). */
	if (c < 0xA0 && n == 2)
		return 0;
	return n;
}

void
notify_attachment_filename(const char *name, char out[NOTIFY_ATT_NAME_MAX + 1])
{
	char tmp[4 * NOTIFY_ATT_NAME_MAX + 1];
	const unsigned char *p;
	const char *base, *dot;
	size_t o = 0, n, cut, ext;

	out[0] = '\0';
	base = name != NULL ? name : "";
	for (p = (const unsigned char *)base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = (const char *)p + 1;
	/* Clean, at most sizeof(tmp) - 1 bytes, whole characters only. */
	for (p = (const unsigned char *)base; *p;) {
		n = utf8_len(p);
		if (n == 0) {
			/* An invalid byte becomes '_'. */
			if (o + 1 >= sizeof(tmp))
				break;
			tmp[o++] = '_';
			p++;
			continue;
		}
		if (n == 1 && (*p < 0x20 || *p == 0x7f || *p == '"' ||
		                  (o == 0 && (*p == '.' || *p == ' ')))) {
			p++;
			continue;
		}
		if (o + n >= sizeof(tmp))
			break;
		memcpy(tmp + o, p, n);
		o += n;
		p += n;
	}
	while (o > 0 && tmp[o - 1] == ' ')
		o--;
	tmp[o] = '\0';
	if (o == 0) {
		snprintf(out, NOTIFY_ATT_NAME_MAX + 1, "attachment");
		return;
	}
	if (o <= NOTIFY_ATT_NAME_MAX) {
		memcpy(out, tmp, o + 1);
		return;
	}
	/* Too long: keep the extension (up to 16 bytes) and cut the stem. */
	dot = strrchr(tmp, '.');
	ext = dot != NULL && strlen(dot) <= 16 ? strlen(dot) : 0;
	cut = NOTIFY_ATT_NAME_MAX - ext;
	while (cut > 0 && ((unsigned char)tmp[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(out, tmp, cut);
	memcpy(out + cut, tmp + o - ext, ext);
	out[cut + ext] = '\0';
}

/* "type/subtype" in RFC 2045 token characters, no parameters. */
static bool
content_type_ok(const char *s)
{
	static const char tspecials[] = "()<>@,;:\\\"/[]?= ";
	const char *p;
	int slashes = 0;
	size_t n = 0;

	if (s == NULL || *s == '\0' || strlen(s) > NOTIFY_ATT_TYPE_MAX)
		return false;
	for (p = s; *p; p++, n++) {
		if (*p == '/') {
			if (n == 0 || p[1] == '\0')
				return false;
			slashes++;
			n = (size_t)-1;
			continue;
		}
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr(tspecials, *p) != NULL)
			return false;
	}
	return slashes == 1;
}

enum pc_rc
notify_enqueue_with_attachments(struct db *db, enum notify_channel ch,
    const char *to, const char *template_id, const char *lang, json_t *vars,
    const struct notify_attachment *att, size_t natt, int64_t *id_out)
{
	char name[NOTIFY_ATT_NAME_MAX + 1];
	size_t i, total = 0;
	int64_t id = 0;
	bool own_tx = false;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(db != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(att != NULL || natt == 0, PC_EINTERNAL);
	if (id_out != NULL)
		*id_out = 0;
	if (natt == 0)
		return enqueue_msg(db, ch, to, template_id, lang, vars, id_out);
	if (ch != NOTIFY_EMAIL) {
		log_warnx("notify: refused to queue template=%s: attachments "
		          "on the %s channel",
		    template_id ? template_id : "(null)",
		    notify_channel_name(ch));
		return PC_EINVAL;
	}
	for (i = 0; i < natt; i++) {
		if ((att[i].data == NULL && att[i].len > 0) ||
		    !content_type_ok(att[i].content_type)) {
			log_warnx("notify: refused to queue template=%s: "
			          "attachment %zu has no data or a malformed "
			          "content type",
			    template_id ? template_id : "(null)", i);
			return PC_EINVAL;
		}
		if (att[i].len > NOTIFY_ATT_BYTES_MAX)
			total = SIZE_MAX;
		else if (total != SIZE_MAX)
			total += att[i].len;
	}
	if (natt > NOTIFY_ATT_MAX || total > NOTIFY_ATT_TOTAL_MAX) {
		log_warnx("notify: refused to queue template=%s: %zu "
		          "attachment(s) over the limits (%d, %d bytes each, "
		          "%d in all)",
		    template_id ? template_id : "(null)", natt, NOTIFY_ATT_MAX,
		    NOTIFY_ATT_BYTES_MAX, NOTIFY_ATT_TOTAL_MAX);
		return PC_ELIMIT;
	}
	/* The message and its files together, or neither. */
	if (!db_in_tx(db)) {
		rc = db_begin(db);
		if (rc != PC_OK)
			return rc;
		own_tx = true;
	}
	rc = enqueue_msg(db, ch, to, template_id, lang, vars, &id);
	for (i = 0; rc == PC_OK && i < natt; i++) {
		notify_attachment_filename(att[i].filename, name);
		rc = store_outbox_att_insert(db, id, (int64_t)i, name,
		    att[i].content_type, att[i].data, att[i].len);
	}
	if (own_tx) {
		if (rc == PC_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	if (rc != PC_OK)
		return rc;
	log_debug("notify", "notify: outbox=%lld has %zu attachment(s)",
	    (long long)id, natt);
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

const struct notify_driver notify_outbox_mail_driver = { "outbox", NOTIFY_EMAIL,
	true, outbox_send };
const struct notify_driver notify_outbox_sms_driver = { "outbox", NOTIFY_SMS,
	true, outbox_send };

static enum pc_rc
unset_send(const struct conf_notify *c, const struct notify_msg *m, char *why,
    size_t whylen)
{
	snprintf(why, whylen,
	    "no driver is configured ([notify] mail_driver / sms_driver)");
	return PC_EUNAVAIL;
}

/* Messages wait (and are retried) until a driver is configured. */
static const struct notify_driver unset_driver = { "unset", NOTIFY_EMAIL, true,
	unset_send };

static bool
named(const char *v, const char *want)
{
	return v != NULL && strcmp(v, want) == 0;
}

static const struct notify_driver *
driver_for(const struct conf_notify *c, enum notify_channel ch)
{
	if (ch == NOTIFY_EMAIL)
		return named(c->mail_driver, "smtp") ? &notify_smtp_driver
		       : named(c->mail_driver, "outbox")
		           ? &notify_outbox_mail_driver
		           : &unset_driver;
	return named(c->sms_driver, "sms-http") ? &notify_sms_http_driver
	       : named(c->sms_driver, "outbox") ? &notify_outbox_sms_driver
	                                        : &unset_driver;
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
		/* Data minimisation: the files went out, drop our copy. */
		if (rc == PC_OK && !drv->keep_vars)
			rc = store_outbox_att_delete(db, row->id, NULL);
	} else if (sent == PC_EINVAL || row->attempts >= c->max_attempts) {
		*result = "failed";
		rc = store_outbox_mark_failed(db, row->id, token, why);
		if (rc == PC_OK)
			rc = store_outbox_att_delete(db, row->id, NULL);
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
	struct store_outbox_att *atts = NULL;
	struct notify_attachment *att = NULL;
	size_t natt = 0, i;
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
	ch = rc == PC_OK && strcmp(row.channel, "sms") == 0 ? NOTIFY_SMS
	                                                    : NOTIFY_EMAIL;
	if (rc == PC_OK && ch == NOTIFY_EMAIL)
		rc = store_outbox_att_list(db, id, true, &atts, &natt);
	store_release(n->store, db);
	if (rc == PC_ESTATE)
		return PC_OK; /* another worker or node has it */
	if (rc != PC_OK) {
		/* The claim goes stale and is taken back later. */
		store_outbox_cleanup(&row);
		return rc;
	}
	if (natt > 0) {
		att = calloc(natt, sizeof(*att));
		if (att == NULL) {
			store_outbox_att_free(atts, natt);
			store_outbox_cleanup(&row);
			return PC_ENOMEM;
		}
		for (i = 0; i < natt; i++) {
			att[i].filename = atts[i].filename;
			att[i].content_type = atts[i].content_type;
			att[i].data = atts[i].data;
			att[i].len = atts[i].len;
		}
	}
	drv = driver_for(&n->conf->notify, ch);
	vars = json_loads(row.vars, 0, &jerr);
	sent = notify_render(row.template_id, row.lang, vars, &m);
	if (sent != PC_OK) {
		snprintf(why, sizeof(why), "cannot render the template (%s)",
		    pc_rc_str(sent));
		sent = PC_EINVAL; /* retrying will not help */
	} else {
		m.id = row.id;
		m.att = att;
		m.natt = natt;
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
	free(att);
	store_outbox_att_free(atts, natt);
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
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(store != NULL && st != NULL, PC_EINTERNAL);
	memset(st, 0, sizeof(*st));
	STORE_ONE(rc, store, store_outbox_get(db, id, &row));
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
