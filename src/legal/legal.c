/*
 * legal.c: the legal texts (see legal.h and data/legal/README.md).
 *
 * The files are read once per process (they ship with the program, like
 * the web UI) and kept as blocks: headings, paragraphs, list items. HTML
 * and PDF are made from the blocks with the deployment's values in the
 * placeholders.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "legal/legal.h"
#include "sign/pdf_doc.h"

#define LEGAL_BLOCKS_MAX 400

enum legal_kind { LB_H1 = 1, LB_H2, LB_PARA, LB_ITEM };

struct legal_block {
	enum legal_kind kind;
	char *text; /* markup: **bold**, {{placeholders}} */
};

struct legal_file {
	bool loaded;
	char doc[16], lang[4], version[32], title[200];
	struct legal_block *b;
	size_t nb;
};

static const char *const docs[] = { LEGAL_PRIVACY, LEGAL_TERMS, LEGAL_SHOP };
static const char *const langs[] = { "ro", "en" };
static struct legal_file files[3][2];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct conf *once_conf;

static int
doc_index(const char *doc)
{
	size_t i;

	for (i = 0; doc != NULL && i < PC_ARRAY_LEN(docs); i++)
		if (strcmp(doc, docs[i]) == 0)
			return (int)i;
	return -1;
}

bool
legal_known(const char *doc)
{
	return doc_index(doc) >= 0;
}

static bool
add_block(struct legal_file *f, enum legal_kind k, const char *s, size_t n)
{
	struct legal_block *nb;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return true;
	if (f->nb >= LEGAL_BLOCKS_MAX)
		return false;
	nb = realloc(f->b, (f->nb + 1) * sizeof(*nb));
	if (nb == NULL)
		return false;
	f->b = nb;
	f->b[f->nb].kind = k;
	f->b[f->nb].text = strndup(s, n);
	if (f->b[f->nb].text == NULL)
		return false;
	f->nb++;
	return true;
}

/* Front matter "key: value" lines into f. */
static void
front(struct legal_file *f, const char *line, size_t n)
{
	static const struct {
		const char *key;
		size_t off, size;
	} keys[] = {
		{ "doc", offsetof(struct legal_file, doc),
		    sizeof(((struct legal_file *)0)->doc) },
		{ "lang", offsetof(struct legal_file, lang),
		    sizeof(((struct legal_file *)0)->lang) },
		{ "version", offsetof(struct legal_file, version),
		    sizeof(((struct legal_file *)0)->version) },
		{ "title", offsetof(struct legal_file, title),
		    sizeof(((struct legal_file *)0)->title) },
	};
	size_t i, kl;

	for (i = 0; i < PC_ARRAY_LEN(keys); i++) {
		kl = strlen(keys[i].key);
		if (n > kl + 1 && strncmp(line, keys[i].key, kl) == 0 &&
		    line[kl] == ':')
			snprintf((char *)f + keys[i].off, keys[i].size, "%.*s",
			    (int)(n - kl - 1 - (line[kl + 1] == ' ')),
			    line + kl + 1 + (line[kl + 1] == ' '));
	}
}

/* Parse text into f: front matter, then the blocks. */
static bool
parse(struct legal_file *f, const char *text, size_t len)
{
	struct buf para;
	const char *p = text, *end = text + len, *nl;
	enum legal_kind pk = LB_PARA;
	int fm = 0; /* 0 before, 1 inside, 2 after the front matter */
	size_t n;
	bool ok = true;

	buf_init(&para, LEGAL_FILE_MAX);
	for (; p < end && ok; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (fm < 2) {
			if (n == 3 && strncmp(p, "---", 3) == 0)
				fm++;
			else if (fm == 1)
				front(f, p, n);
			continue;
		}
		/* A blank line, a heading or an item ends a paragraph. */
		if (n == 0 || p[0] == '#' ||
		    (n > 2 && strncmp(p, "- ", 2) == 0)) {
			ok =
			    add_block(f, pk, (const char *)para.data, para.len);
			buf_reset(&para);
			pk = LB_PARA;
		}
		if (n == 0)
			continue;
		if (n > 3 && strncmp(p, "## ", 3) == 0) {
			ok = add_block(f, LB_H2, p + 3, n - 3);
		} else if (n > 2 && strncmp(p, "# ", 2) == 0) {
			ok = add_block(f, LB_H1, p + 2, n - 2);
		} else if (n > 2 && strncmp(p, "- ", 2) == 0) {
			pk = LB_ITEM;
			buf_append(&para, p + 2, n - 2);
		} else {
			/* A continuation line ("  ...") or paragraph text. */
			while (n > 0 && *p == ' ') {
				p++;
				n--;
			}
			if (para.len > 0)
				buf_append(&para, " ", 1);
			buf_append(&para, p, n);
		}
		if (!buf_ok(&para))
			ok = false;
	}
	if (ok)
		ok = add_block(f, pk, (const char *)para.data, para.len);
	buf_cleanup(&para);
	return ok && fm == 2 && f->version[0] != '\0' && f->title[0] != '\0';
}

static void
load_all(void)
{
	const char *dir = once_conf->server.legal_dir;
	char path[4096];
	struct buf text;
	size_t i, j;

	for (i = 0; i < PC_ARRAY_LEN(docs); i++) {
		for (j = 0; j < PC_ARRAY_LEN(langs); j++) {
			struct legal_file *f = &files[i][j];

			snprintf(path, sizeof(path), "%s/%s.%s.md", dir,
			    docs[i], langs[j]);
			if (file_read(path, LEGAL_FILE_MAX, &text) != PC_OK) {
				log_warnx("legal: cannot read %s", path);
				continue;
			}
			f->loaded = parse(f, (const char *)text.data, text.len);
			buf_cleanup(&text);
			if (!f->loaded)
				log_warnx(
				    "legal: %s is malformed (front matter "
				    "with version and title?)",
				    path);
		}
	}
}

static const struct legal_file *
get(const struct conf *c, const char *doc, const char *lang)
{
	int i = doc_index(doc);

	if (i < 0)
		return NULL;
	if (once_conf == NULL)
		once_conf = c;
	pthread_once(&once, load_all);
	if (lang != NULL && strcmp(lang, "en") == 0 && files[i][1].loaded)
		return &files[i][1];
	return files[i][0].loaded ? &files[i][0] : NULL;
}

const char *
legal_version(const struct conf *c, const char *doc)
{
	const struct legal_file *f = get(c, doc, "ro");

	return f != NULL ? f->version : NULL;
}

const char *
legal_title(const struct conf *c, const char *doc, const char *lang)
{
	const struct legal_file *f = get(c, doc, lang);

	return f != NULL ? f->title : NULL;
}

/* The deployment's value of a placeholder, NULL for an unknown name. */
static const char *
placeholder(const struct conf *c, const char *name, size_t n)
{
	const struct {
		const char *name, *value;
	} map[] = {
		{ "provider_name", c->shop.seller_name },
		{ "provider_address", c->shop.seller_address },
		{ "provider_reg", c->shop.seller_reg },
		{ "provider_cui", c->shop.seller_cui },
		{ "provider_email", c->shop.contact_email },
		{ "provider_phone", c->shop.contact_phone },
		{ "dpo_email", c->shop.dpo_email },
		{ "public_url", c->server.public_url },
		{ "cps_url", c->pki.cps_url },
	};
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(map); i++)
		if (strlen(map[i].name) == n &&
		    strncmp(map[i].name, name, n) == 0)
			return map[i].value != NULL ? map[i].value : "";
	return NULL;
}

/* s with the placeholders filled (no other change). OUT: out. */
static void
fill(const struct conf *c, const char *s, struct buf *out)
{
	const char *p = s, *close, *v;

	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '{' &&
		    (close = strstr(p + 2, "}}")) != NULL &&
		    (v = placeholder(c, p + 2, (size_t)(close - p - 2))) !=
		        NULL) {
			buf_append_str(out, v);
			p = close + 2;
			continue;
		}
		buf_append(out, p, 1);
		p++;
	}
}

/* Length of a URL or e-mail address starting at p, 0 when none. */
static size_t
link_len(const char *p, bool *mail)
{
	size_t n = 0, at = 0;

	*mail = false;
	if (strncmp(p, "https://", 8) != 0 && strncmp(p, "http://", 7) != 0) {
		/* an e-mail: word chars, '@', a dotted domain */
		while (p[n] != '\0' &&
		       (p[n] == '.' || p[n] == '-' || p[n] == '_' ||
		           p[n] == '+' || (p[n] >= 'a' && p[n] <= 'z') ||
		           (p[n] >= 'A' && p[n] <= 'Z') ||
		           (p[n] >= '0' && p[n] <= '9') ||
		           (p[n] == '@' && at == 0 && n > 0))) {
			if (p[n] == '@')
				at = n;
			n++;
		}
		while (n > 0 && strchr(".,;:)", p[n - 1]) != NULL)
			n--;
		if (at == 0 || at + 1 >= n ||
		    memchr(p + at, '.', n - at) == NULL)
			return 0;
		*mail = true;
		return n;
	}
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '<' && p[n] != '"')
		n++;
	while (n > 0 && strchr(".,;:)", p[n - 1]) != NULL)
		n--;
	return n;
}

/* One line of markup as HTML: escaped, **bold**, links. */
static void
inline_html(struct buf *out, const char *s)
{
	const char *p = s;
	size_t n;
	bool bold = false, mail, word_start = true;

	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '*') {
			buf_append_str(out, bold ? "</strong>" : "<strong>");
			bold = !bold;
			p += 2;
			continue;
		}
		if (word_start && (n = link_len(p, &mail)) > 0) {
			buf_append_str(out, "<a href=\"");
			if (mail)
				buf_append_str(out, "mailto:");
			buf_append_html(out, p, n);
			buf_append_str(out, "\">");
			buf_append_html(out, p, n);
			buf_append_str(out, "</a>");
			p += n;
			word_start = false;
			continue;
		}
		word_start = *p == ' ' || *p == '(';
		buf_append_html(out, p, 1);
		p++;
	}
	if (bold)
		buf_append_str(out, "</strong>");
}

enum pc_rc
legal_html(
    const struct conf *c, const char *doc, const char *lang, struct buf *out)
{
	const struct legal_file *f = get(c, doc, lang);
	const char *other;
	struct buf t;
	size_t i;
	bool list = false;

	if (f == NULL)
		return PC_ENOTFOUND;
	other = strcmp(f->lang, "en") == 0 ? "ro" : "en";
	buf_printf(out,
	    "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>",
	    f->lang);
	buf_append_html(out, f->title, strlen(f->title));
	buf_append_str(out,
	    " · Pecete</title><link rel=\"icon\" href=\"/img/logo.svg\" "
	    "type=\"image/svg+xml\"><link rel=\"stylesheet\" "
	    "href=\"/css/app.css\"></head><body><header class=\"top\"><a "
	    "class=\"brand\" href=\"/\"><img src=\"/img/logo.svg\" alt=\"\" "
	    "width=\"28\" height=\"28\"><span>Pecete</span></a></header>"
	    "<main id=\"main\"><article class=\"card legal\"><h1>");
	buf_append_html(out, f->title, strlen(f->title));
	buf_printf(out,
	    "</h1><p class=\"muted\" id=\"legal-version\">%s %s · <a "
	    "href=\"/legal/%s?lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a> · "
	    "<a href=\"/legal/%s.pdf?lang=%s\">PDF</a></p>",
	    strcmp(f->lang, "en") == 0 ? "Version" : "Versiunea", f->version,
	    doc, other, other, other,
	    strcmp(other, "en") == 0 ? "English" : "Română", doc, f->lang);
	buf_init(&t, LEGAL_FILE_MAX);
	for (i = 0; i < f->nb; i++) {
		buf_reset(&t);
		fill(c, f->b[i].text, &t);
		if (f->b[i].kind == LB_ITEM && !list) {
			buf_append_str(out, "<ul>");
			list = true;
		} else if (f->b[i].kind != LB_ITEM && list) {
			buf_append_str(out, "</ul>");
			list = false;
		}
		buf_append_str(out, f->b[i].kind == LB_H1     ? "<h2>"
		                    : f->b[i].kind == LB_H2   ? "<h3>"
		                    : f->b[i].kind == LB_ITEM ? "<li>"
		                                              : "<p>");
		inline_html(out, buf_ok(&t) ? (const char *)t.data : "");
		buf_append_str(out, f->b[i].kind == LB_H1     ? "</h2>"
		                    : f->b[i].kind == LB_H2   ? "</h3>"
		                    : f->b[i].kind == LB_ITEM ? "</li>"
		                                              : "</p>");
	}
	if (list)
		buf_append_str(out, "</ul>");
	buf_cleanup(&t);
	buf_append_str(out, "</article></main></body></html>\n");
	return buf_ok(out) ? PC_OK : buf_rc(out);
}

/* Markup to plain text for the PDF: placeholders filled, ** dropped. */
static char *
plain(const struct conf *c, const char *s, const char *prefix)
{
	struct buf t, o;
	const char *p;
	char *r;

	buf_init(&t, LEGAL_FILE_MAX);
	buf_init(&o, LEGAL_FILE_MAX);
	fill(c, s, &t);
	buf_append_str(&o, prefix);
	for (p = buf_ok(&t) ? (const char *)t.data : ""; *p != '\0'; p++) {
		if (p[0] == '*' && p[1] == '*') {
			p++;
			continue;
		}
		buf_append(&o, p, 1);
	}
	r = buf_ok(&o) ? (char *)buf_steal(&o, NULL) : NULL;
	buf_cleanup(&t);
	buf_cleanup(&o);
	return r;
}

enum pc_rc
legal_pdf(
    const struct conf *c, const char *doc, const char *lang, struct buf *out)
{
	const struct legal_file *f = get(c, doc, lang);
	struct pdf_doc_block *b = NULL;
	struct pdf_doc_spec spec;
	char **texts = NULL, ver[64];
	size_t i, n = 0;
	enum pc_rc rc = PC_ENOMEM;

	if (f == NULL)
		return PC_ENOTFOUND;
	b = calloc(f->nb + 1, sizeof(*b));
	texts = calloc(f->nb + 1, sizeof(*texts));
	if (b == NULL || texts == NULL)
		goto out;
	snprintf(ver, sizeof(ver), "%s %s",
	    strcmp(f->lang, "en") == 0 ? "Version" : "Versiunea", f->version);
	b[n].kind = PDF_DOC_SMALL;
	b[n++].text = ver;
	for (i = 0; i < f->nb; i++) {
		texts[i] = plain(c, f->b[i].text,
		    f->b[i].kind == LB_ITEM ? "\xe2\x80\xa2 " : "");
		if (texts[i] == NULL)
			goto out;
		b[n].kind = f->b[i].kind == LB_H1 || f->b[i].kind == LB_H2
		                ? PDF_DOC_HEADING
		                : PDF_DOC_PARAGRAPH;
		b[n++].text = texts[i];
	}
	memset(&spec, 0, sizeof(spec));
	spec.title = f->title;
	spec.lang = f->lang;
	spec.blocks = b;
	spec.nblocks = n;
	rc = pdf_doc_render(&spec, out);
out:
	for (i = 0; texts != NULL && i < f->nb; i++)
		free(texts[i]);
	free(texts);
	free(b);
	return rc;
}
