/*
 * notify_render.c: rendering a template: {{variables}} expanded (HTML-
 * escaped in the HTML part, links and values checked), durations with
 * their Romanian or English unit, and the HTML frame around the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/secret.h"
#include "notify/notify.h"
#include "notify/notify_int.h"

void
notify_html_escape(struct buf *b, const char *s)
{
	buf_append_html(b, s, strlen(s));
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
	const struct notify_tmpl *t = notify_tmpl_at(i);

	return t != NULL ? t->id : NULL;
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
