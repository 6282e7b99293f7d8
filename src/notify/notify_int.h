/*
 * notify_int.h: what the files of src/notify share and nobody else sees.
 */
#ifndef PC_NOTIFY_INT_H
#define PC_NOTIFY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/conf.h"
#include "notify/notify.h"

/* One language of a template. SMS templates have only text. */
struct notify_tmpl_lang {
	const char *subject; /* e-mail: the Subject line */
	const char *text;    /* plain text (also the SMS) */
	const char *html;    /* e-mail: the body inside the HTML frame */
};

struct notify_tmpl {
	const char *id;
	enum notify_channel ch;
	const char *vars; /* required variables, space separated */
	int minutes;      /* default of {{minutes}}, 0: none */
	int hours;        /* default of {{hours}}, 0: none */
	struct notify_tmpl_lang ro, en;
};

/* The account's templates (notify_tmpl_account.c). */
extern const struct notify_tmpl notify_tmpl_account[];
extern const size_t notify_ntmpl_account;

/* Template i of every table (notify_templates.c), NULL past the last. */
const struct notify_tmpl *notify_tmpl_at(size_t i);
/* The template id, NULL when none. */
const struct notify_tmpl *notify_tmpl_find(const char *id);

/*
 * A driver: send one rendered message. PC_OK when the server or gateway
 * accepted it; PC_EINVAL when it refused it for good (no retry); any other
 * status is temporary (retried). why receives a short reason without any
 * message content.
 */
struct notify_driver {
	const char *name;
	enum notify_channel ch;
	bool keep_vars; /* keep the variables after sending */
	enum pc_rc (*send)(const struct conf_notify *c,
	    const struct notify_msg *m, char *why, size_t whylen);
};

extern const struct notify_driver notify_smtp_driver;
extern const struct notify_driver notify_sms_http_driver;
extern const struct notify_driver notify_outbox_mail_driver;
extern const struct notify_driver notify_outbox_sms_driver;

/* curl_global_init once per process. */
void notify_curl_init(void);

/* Largest rendered text or HTML part of a message. */
#define NOTIFY_TEXT_MAX (64 * 1024)

/* "email" / "sms". */
const char *notify_channel_name(enum notify_channel ch);

#endif /* PC_NOTIFY_INT_H */
