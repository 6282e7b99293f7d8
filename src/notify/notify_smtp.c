/*
 * notify_smtp.c: the "smtp" e-mail driver (libcurl).
 *
 * smtp://host:port with STARTTLS required (unless [notify] smtp_starttls
 * = false, for a relay on the same host), or smtps://host:port (TLS from
 * the start). AUTH with smtp_user and the password in smtp_password_file
 * (mode 0600, read at each send). The message is multipart/mixed holding
 * a multipart/alternative (text/plain and text/html, UTF-8,
 * quoted-printable) and then one base64 part per attachment, built by
 * curl's MIME API (random boundaries), with Date, From, To, an RFC 2047
 * encoded Subject, Message-ID and Auto-Submitted headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "base/curl_lazy.h"
#include "notify/notify_int.h"

#define SMTP_PASSWORD_MAX 1024
/* An encoded word is at most 75 characters: 45 bytes of UTF-8 in base64. */
#define RFC2047_CHUNK 45

/* Is s printable ASCII only? */
static bool
ascii_only(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/*
 * "Subject: " + s, RFC 2047 B-encoded in UTF-8 when s is not plain ASCII,
 * split between characters into encoded words of at most 75 characters
 * on folded lines.
 */
static void
subject_header(struct buf *b, const char *s)
{
	char b64[sodium_base64_ENCODED_LEN(
	    RFC2047_CHUNK, sodium_base64_VARIANT_ORIGINAL)];
	size_t n = strlen(s), i = 0, len;

	buf_append_str(b, "Subject: ");
	if (ascii_only(s) && n <= 900) {
		buf_append_str(b, s);
		return;
	}
	while (i < n) {
		len = n - i < RFC2047_CHUNK ? n - i : RFC2047_CHUNK;
		/* Do not cut a UTF-8 sequence: back off continuation bytes. */
		while (i + len < n && len > 1 &&
		       ((unsigned char)s[i + len] & 0xC0) == 0x80)
			len--;
		sodium_bin2base64(b64, sizeof(b64),
		    (const unsigned char *)s + i, len,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_printf(b, "%s=?UTF-8?B?%s?=", i > 0 ? "\r\n " : "", b64);
		i += len;
	}
}

/* RFC 5322 date in UTC, independent of the locale. */
static void
date_header(struct buf *b, int64_t now)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The address inside "Name <addr>" or the whole string. OUT: addr. */
static bool
from_address(const char *from, char *addr, size_t n)
{
	const char *lt = strrchr(from, '<'), *gt;
	size_t len;

	if (lt == NULL) {
		len = strlen(from);
		lt = from - 1;
	} else {
		gt = strchr(lt, '>');
		if (gt == NULL)
			return false;
		len = (size_t)(gt - lt - 1);
	}
	if (len == 0 || len >= n)
		return false;
	memcpy(addr, lt + 1, len);
	addr[len] = '\0';
	return strchr(addr, '@') != NULL && strchr(addr, ' ') == NULL;
}

/* A copy of s with every LF as CRLF (MIME text is canonical with CRLF). */
static char *
crlf_dup(const char *s)
{
	struct buf b;
	const char *p;
	size_t n;

	buf_init(&b, 1024 * 1024);
	for (p = s; *p; p++) {
		if (*p == '\n' && (p == s || p[-1] != '\r'))
			buf_append(&b, "\r", 1);
		buf_append(&b, p, 1);
	}
	if (!buf_ok(&b) || b.data == NULL) {
		buf_cleanup(&b);
		return NULL;
	}
	return (char *)buf_steal(&b, &n);
}

/* Add one header line built in b to list; false when out of memory. */
static bool
add_header(struct curl_slist **list, struct buf *b)
{
	struct curl_slist *l;

	if (!buf_ok(b))
		return false;
	l = curl_slist_append(*list, (const char *)b->data);
	buf_reset(b);
	if (l == NULL)
		return false;
	*list = l;
	return true;
}

/*
 * The MIME headers of an attachment: name="..." (ASCII: every other byte
 * as '_') for old readers and, when the name is not plain ASCII, RFC 2231
 * filename*=UTF-8''%XX... . The name is already sanitised (no control
 * characters, quotes or path separators; notify_attachment_filename).
 * OUT: *type (for curl_mime_type), *hdrs. false when out of memory.
 */
static bool
attachment_headers(const struct notify_attachment *a, struct buf *type,
    struct curl_slist **hdrs)
{
	static const char hex[] = "0123456789ABCDEF";
	char name[NOTIFY_ATT_NAME_MAX + 1], ascii[NOTIFY_ATT_NAME_MAX + 1];
	const unsigned char *p;
	struct buf d;
	size_t o = 0;
	bool ok;

	notify_attachment_filename(a->filename, name);
	for (p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x80)
			ascii[o++] = *p == '\\' ? '_' : (char)*p;
		else if ((*p & 0xC0) != 0x80)
			ascii[o++] = '_'; /* one per character */
	}
	ascii[o] = '\0';
	buf_printf(type, "%s; name=\"%s\"", a->content_type, ascii);
	buf_init(&d, 1024);
	buf_printf(
	    &d, "Content-Disposition: attachment;\r\n filename=\"%s\"", ascii);
	if (!ascii_only(name)) {
		buf_append_str(&d, ";\r\n filename*=UTF-8''");
		for (p = (const unsigned char *)name; *p; p++) {
			/* RFC 5987 attr-char stays, the rest is %XX. */
			if ((*p >= 'A' && *p <= 'Z') ||
			    (*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') ||
			    strchr("!#$&+-.^_`|~", *p) != NULL)
				buf_append(&d, p, 1);
			else
				buf_printf(
				    &d, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
		}
	}
	ok = buf_ok(type) && add_header(hdrs, &d);
	buf_cleanup(&d);
	return ok;
}

/*
 * Add the attachments of m to mime, after the multipart/alternative part:
 * base64 (curl's encoder: lines of 76 characters, CRLF).
 */
static bool
add_attachments(curl_mime *mime, const struct notify_msg *m)
{
	curl_mimepart *part;
	struct curl_slist *hdrs = NULL;
	struct buf type;
	size_t i;
	bool ok = true;

	buf_init(&type, 512);
	for (i = 0; ok && i < m->natt; i++) {
		buf_reset(&type);
		part = curl_mime_addpart(mime);
		ok = part != NULL &&
		     attachment_headers(&m->att[i], &type, &hdrs);
		/* curl copies the data. */
		ok =
		    ok &&
		    curl_mime_data(part, (const char *)m->att[i].data,
		        m->att[i].len) == CURLE_OK &&
		    curl_mime_type(part, (const char *)type.data) == CURLE_OK &&
		    curl_mime_encoder(part, "base64") == CURLE_OK &&
		    curl_mime_headers(part, hdrs, 1) == CURLE_OK;
		if (ok)
			hdrs = NULL; /* owned by the part */
	}
	curl_slist_free_all(hdrs);
	buf_cleanup(&type);
	return ok;
}

static enum pc_rc
smtp_send(const struct conf_notify *c, const struct notify_msg *m, char *why,
    size_t whylen)
{
	CURL *h = NULL;
	curl_mime *mime = NULL, *alt = NULL;
	curl_mimepart *part;
	struct curl_slist *hdrs = NULL, *rcpt = NULL, *inl = NULL;
	struct buf b;
	char from[NOTIFY_TO_MAX + 1], mid[2 * 12 + 1], path[NOTIFY_TO_MAX + 3];
	char *password = NULL, *text = NULL, *html = NULL;
	const char *domain;
	long code = 0;
	CURLcode cc;
	enum pc_rc rc = PC_ENOMEM;

	if (curl_lazy_load() != PC_OK) {
		snprintf(why, whylen, "libcurl is not available");
		return PC_EUNAVAIL;
	}
	buf_init(&b, 16 * 1024);
	if (!from_address(c->mail_from, from, sizeof(from)) ||
	    !ascii_only(c->mail_from)) {
		snprintf(why, whylen, "mail_from is not an ASCII address");
		rc = PC_EINVAL;
		goto out;
	}
	if (c->smtp_user != NULL) {
		rc = secret_read_file(
		    c->smtp_password_file, SMTP_PASSWORD_MAX, &password);
		if (rc != PC_OK) {
			snprintf(why, whylen, "smtp_password_file: %s",
			    secret_file_why(rc));
			rc = PC_EUNAVAIL;
			goto out;
		}
	}
	rc = rnd_hex(12, mid);
	if (rc != PC_OK)
		goto out;
	rc = PC_ENOMEM;
	domain = strchr(from, '@') + 1;

	/* Headers. */
	date_header(&b, clock_now());
	if (!add_header(&hdrs, &b))
		goto out;
	buf_printf(&b, "From: %s", c->mail_from);
	if (!add_header(&hdrs, &b))
		goto out;
	buf_printf(&b, "To: %s", m->to);
	if (!add_header(&hdrs, &b))
		goto out;
	subject_header(&b, m->subject != NULL ? m->subject : "Pecete");
	if (!add_header(&hdrs, &b))
		goto out;
	buf_printf(
	    &b, "Message-ID: <%s.%lld@%s>", mid, (long long)m->id, domain);
	if (!add_header(&hdrs, &b))
		goto out;
	buf_append_str(&b, "Auto-Submitted: auto-generated");
	if (!add_header(&hdrs, &b))
		goto out;
	snprintf(path, sizeof(path), "<%s>", m->to);
	rcpt = curl_slist_append(NULL, path);
	if (rcpt == NULL)
		goto out;

	text = crlf_dup(m->text);
	html = crlf_dup(m->html != NULL ? m->html : "");
	h = curl_easy_init();
	if (h == NULL || text == NULL || html == NULL)
		goto out;
	/* Body: multipart/alternative inside the top-level multipart. */
	mime = curl_mime_init(h);
	alt = curl_mime_init(h);
	if (mime == NULL || alt == NULL)
		goto out;
	part = curl_mime_addpart(alt);
	if (part == NULL ||
	    curl_mime_data(part, text, CURL_ZERO_TERMINATED) != CURLE_OK ||
	    curl_mime_type(part, "text/plain; charset=UTF-8") != CURLE_OK ||
	    curl_mime_encoder(part, "quoted-printable") != CURLE_OK)
		goto out;
	part = curl_mime_addpart(alt);
	if (part == NULL ||
	    curl_mime_data(part, html, CURL_ZERO_TERMINATED) != CURLE_OK ||
	    curl_mime_type(part, "text/html; charset=UTF-8") != CURLE_OK ||
	    curl_mime_encoder(part, "quoted-printable") != CURLE_OK)
		goto out;
	part = curl_mime_addpart(mime);
	if (part == NULL || curl_mime_subparts(part, alt) != CURLE_OK)
		goto out;
	alt = NULL; /* owned by mime now */
	inl = curl_slist_append(NULL, "Content-Disposition: inline");
	if (inl == NULL ||
	    curl_mime_type(part, "multipart/alternative") != CURLE_OK ||
	    curl_mime_headers(part, inl, 1) != CURLE_OK)
		goto out;
	inl = NULL; /* owned by the part */
	/* multipart/mixed: the text above, then one part per attachment. */
	if (m->natt > 0 && !add_attachments(mime, m))
		goto out;

	curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (strncmp(c->smtp_url, "smtps://", 8) == 0 || c->smtp_starttls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->smtp_ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->smtp_ca_file);
	if (password != NULL) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, password);
	}
	snprintf(path, sizeof(path), "<%s>", from);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, path);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->timeout_s);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OK) {
		rc = PC_OK;
	} else {
		snprintf(why, whylen, "smtp: %s (reply %ld)",
		    curl_easy_strerror(cc), code);
		/* 5xx: the server refused the message for good. */
		rc = code >= 500 && code < 600 && cc != CURLE_LOGIN_DENIED
		         ? PC_EINVAL
		         : PC_EUNAVAIL;
	}
out:
	if (rc == PC_ENOMEM && why[0] == '\0')
		snprintf(why, whylen, "out of memory");
	curl_mime_free(alt);
	curl_mime_free(mime);
	curl_slist_free_all(inl);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(rcpt);
	if (h != NULL)
		curl_easy_cleanup(h);
	if (password != NULL)
		secret_strfree(password);
	/* They hold codes and links. */
	secret_wipe_free(text);
	secret_wipe_free(html);
	buf_cleanup(&b);
	return rc;
}

const struct notify_driver notify_smtp_driver = { "smtp", NOTIFY_EMAIL, false,
	smtp_send };
