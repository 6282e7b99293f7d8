/*
 * legal.h: the provider's legal texts (privacy notice, service terms,
 * conditions of sale) from one source, data/legal/<doc>.<lang>.md
 * (format: data/legal/README.md), rendered as HTML pages and as PDFs with
 * the deployment's identity filled in. The version in a file's front
 * matter is the one recorded with each acceptance.
 */
#ifndef PC_LEGAL_H
#define PC_LEGAL_H

#include "base/buf.h"
#include "base/conf.h"
#include "base/pc.h"

#define LEGAL_PRIVACY "privacy"
#define LEGAL_TERMS "terms"
#define LEGAL_SHOP "shop"

/* Bytes of one source file at most. */
#define LEGAL_FILE_MAX (256 * 1024)

/*
 * The version of doc ("YYYY-MM-DD"; static, the Romanian file's), or NULL
 * for an unknown doc or unreadable file (logged once).
 */
const char *legal_version(const struct conf *c, const char *doc);
/* The title of doc in lang (static), NULL when unknown. */
const char *legal_title(
    const struct conf *c, const char *doc, const char *lang);
/* Is doc one of the documents? */
bool legal_known(const char *doc);

/*
 * doc in lang ("ro" default) as a whole HTML page (our stylesheet, a link
 * to the other language and to the PDF), placeholders filled from c and
 * HTML-escaped, bare URLs and e-mail addresses linked. OUT: out.
 * PC_ENOTFOUND for an unknown doc.
 */
enum pc_rc legal_html(
    const struct conf *c, const char *doc, const char *lang, struct buf *out);
/* The same as a PDF (the order e-mail's attachments). OUT: out. */
enum pc_rc legal_pdf(
    const struct conf *c, const char *doc, const char *lang, struct buf *out);

#endif /* PC_LEGAL_H */
