/*
 * pdf_doc.h: simple generated documents (order notes, invoices, terms) laid
 * out by Pecete and written with MuPDF's document writer.
 *
 * A document is a title, a language and a list of blocks: headings,
 * word-wrapped paragraphs, key-value tables, tables with columns and small
 * print. Pages are A4 with fixed margins; a block that does not fit goes on
 * the next page (table rows one by one, the header row repeated); every
 * page carries its number "n/N". The text font is MuPDF's built-in Nimbus
 * Sans (the one sign/appearance.c uses), embedded, with a ToUnicode map:
 * Romanian letters (ă â î ș ț, comma below) render and extract.
 * Document properties: Title, Author "Pecete", Producer "Pecete <version>",
 * /Lang in the catalog.
 *
 * Strings are UTF-8 without control characters (paragraph text may hold
 * '\n' for a line break). Nothing here touches the database or the network.
 * See docs/internals/docs-pdf.md.
 */
#ifndef PC_PDF_DOC_H
#define PC_PDF_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/pc.h"

/* Limits on a spec (PC_ELIMIT past them). */
#define PDF_DOC_BLOCKS_MAX 512
#define PDF_DOC_TEXT_MAX 16384 /* bytes of one string */
#define PDF_DOC_COLS_MAX 8
#define PDF_DOC_ROWS_MAX 1000 /* rows of one table or key-value block */
#define PDF_DOC_PAGES_MAX 100

enum pdf_doc_kind {
	PDF_DOC_HEADING = 1, /* text: bold, larger */
	PDF_DOC_PARAGRAPH,   /* text: word-wrapped */
	PDF_DOC_KV,          /* kv[nrows]: label left, value right of it */
	PDF_DOC_TABLE,       /* head[ncols] + cells[nrows * ncols] */
	PDF_DOC_SMALL,       /* text: small grey print (footers, notes) */
};

struct pdf_doc_kv {
	const char *key;
	const char *value; /* wrapped in its column; may be "" */
};

/* Table flags. */
#define PDF_DOC_TABLE_LAST_BOLD 0x1 /* the last row is a total */

struct pdf_doc_block {
	enum pdf_doc_kind kind;
	const char *text;            /* HEADING, PARAGRAPH, SMALL */
	const struct pdf_doc_kv *kv; /* KV: nrows pairs */
	size_t nrows;                /* KV, TABLE */
	size_t ncols;                /* TABLE: 1..PDF_DOC_COLS_MAX */
	const char *const *head;  /* TABLE: ncols header cells (NULL: none) */
	const char *const *cells; /* TABLE: nrows * ncols, row by row */
	const unsigned
	    *widths;    /* TABLE: relative column widths (NULL: equal) */
	unsigned right; /* TABLE: bit i set = column i right-aligned */
	unsigned flags; /* TABLE: PDF_DOC_TABLE_* */
};

struct pdf_doc_spec {
	const char *title; /* document property and first heading */
	const char *lang;  /* "ro" or "en" (NULL: "ro") */
	const struct pdf_doc_block *blocks;
	size_t nblocks;
};

/*
 * Lay out and write spec as a PDF, appended to out (its max bounds the
 * result). OUT: out.
 * PC_EINVAL for a malformed spec (NULL strings, bad UTF-8 or control
 * characters, unknown kind, no columns); PC_ELIMIT past the limits above
 * or out's max; PC_ENOMEM; PC_EINTERNAL when MuPDF fails (logged).
 */
enum pc_rc pdf_doc_render(const struct pdf_doc_spec *spec, struct buf *out);

#endif /* PC_PDF_DOC_H */
