/*
 * test_pdf_doc.c: the PDF layout engine (src/sign/pdf_doc.c): a document
 * renders as a PDF, a long one breaks into several pages (counted from the
 * /Type /Page objects MuPDF writes and, when installed, by pdfinfo), the
 * output respects the buffer's bound, malformed specs are refused, and
 * pdftotext extracts the Romanian letters.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "sign/pdf_doc.h"
#include "support/tsupport.h"

static const char *const head[] = { "Descriere", "Cant.", "Sumă" };
static const unsigned widths[] = { 60, 15, 25 };

static bool
mem_has(const struct buf *b, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return true;
	return false;
}

/* The number of "/Type/Page" objects (not /Pages) in the output. */
static int
count_pages(const struct buf *b)
{
	const char *pat = "/Type/Page";
	size_t n = strlen(pat), i;
	int k = 0;

	for (i = 0; i + n < b->len; i++)
		if (memcmp(b->data + i, pat, n) == 0 && b->data[i + n] != 's')
			k++;
	return k;
}

static void
test_renders(void **state)
{
	static const struct pdf_doc_kv kv[] = {
		{ "Număr comandă", "PC-1" },
		{ "Adresă", "Str. Ștefan cel Mare nr. 1, Iași" },
	};
	static const char *const cells[] = {
		"Pecete 2 — certificat, 400 de tranzacții",
		"1",
		"59,00 EUR",
		"Total",
		"",
		"71,39 EUR",
	};
	struct pdf_doc_block blocks[5];
	struct pdf_doc_spec spec = { "Notă de comandă ăâîșț", "ro", blocks, 5 };
	struct buf out;

	(void)state;
	memset(blocks, 0, sizeof(blocks));
	blocks[0].kind = PDF_DOC_HEADING;
	blocks[0].text = "Date de facturare";
	blocks[1].kind = PDF_DOC_PARAGRAPH;
	blocks[1].text = "Țară, școală, mâine, înțelegere.\nA doua linie.";
	blocks[2].kind = PDF_DOC_KV;
	blocks[2].kv = kv;
	blocks[2].nrows = 2;
	blocks[3].kind = PDF_DOC_TABLE;
	blocks[3].ncols = 3;
	blocks[3].head = head;
	blocks[3].cells = cells;
	blocks[3].nrows = 2;
	blocks[3].widths = widths;
	blocks[3].right = 0x6;
	blocks[3].flags = PDF_DOC_TABLE_LAST_BOLD;
	blocks[4].kind = PDF_DOC_SMALL;
	blocks[4].text = "Mic text de subsol.";
	buf_init(&out, 4 * 1024 * 1024);
	assert_int_equal(pdf_doc_render(&spec, &out), PC_OK);
	assert_true(out.len > 1000);
	assert_memory_equal(out.data, "%PDF-", 5);
	assert_true(mem_has(&out, "%%EOF"));
	assert_true(mem_has(&out, "/FontFile")); /* embedded */
	assert_true(mem_has(&out, "/ToUnicode"));
	assert_int_equal(count_pages(&out), 1);
	buf_cleanup(&out);
}

/* 200 paragraphs and a 300-row table: several pages, header repeated. */
static void
test_long_document_breaks_pages(void **state)
{
	enum { NP = 200, NR = 300 };
	struct pdf_doc_block *blocks;
	const char **cells;
	char(*num)[16];
	struct pdf_doc_spec spec;
	struct buf out;
	size_t i;

	(void)state;
	blocks = calloc(NP + 1, sizeof(*blocks));
	cells = calloc(NR * 3, sizeof(*cells));
	num = calloc(NR, sizeof(*num));
	assert_non_null(blocks);
	assert_non_null(cells);
	assert_non_null(num);
	for (i = 0; i < NP; i++) {
		blocks[i].kind =
		    i % 10 == 0 ? PDF_DOC_HEADING : PDF_DOC_PARAGRAPH;
		blocks[i].text =
		    "Un paragraf destul de lung ca să fie rupt pe "
		    "mai multe rânduri de algoritmul de așezare a textului, cu "
		    "diacritice românești: ă â î ș ț Ă Â Î Ș Ț.";
	}
	for (i = 0; i < NR; i++) {
		snprintf(num[i], sizeof(num[i]), "%zu", i + 1);
		cells[i * 3] = "rând";
		cells[i * 3 + 1] = num[i];
		cells[i * 3 + 2] = "1.234,56 RON";
	}
	blocks[NP].kind = PDF_DOC_TABLE;
	blocks[NP].ncols = 3;
	blocks[NP].head = head;
	blocks[NP].cells = cells;
	blocks[NP].nrows = NR;
	blocks[NP].right = 0x4;
	spec.title = "Document lung";
	spec.lang = "ro";
	spec.blocks = blocks;
	spec.nblocks = NP + 1;
	buf_init(&out, 8 * 1024 * 1024);
	assert_int_equal(pdf_doc_render(&spec, &out), PC_OK);
	assert_true(count_pages(&out) >= 5);
	buf_cleanup(&out);

	/* bounded: the same document into a 10 KB buffer */
	buf_init(&out, 10 * 1024);
	assert_int_equal(pdf_doc_render(&spec, &out), PC_ELIMIT);
	buf_cleanup(&out);

	/* too many pages: the table repeated until past PDF_DOC_PAGES_MAX */
	blocks[NP].nrows = PDF_DOC_ROWS_MAX;
	free(cells);
	cells = calloc(PDF_DOC_ROWS_MAX * 3, sizeof(*cells));
	assert_non_null(cells);
	for (i = 0; i < PDF_DOC_ROWS_MAX * 3; i++)
		cells[i] = "o celulă cu text care se rupe pe mai multe rânduri "
		           "o celulă cu text care se rupe pe mai multe rânduri";
	blocks[NP].cells = cells;
	blocks[0] = blocks[NP];
	blocks[1] = blocks[NP];
	spec.blocks = blocks;
	spec.nblocks = 3; /* three tables of PDF_DOC_ROWS_MAX rows */
	buf_init(&out, 64 * 1024 * 1024);
	assert_int_equal(pdf_doc_render(&spec, &out), PC_ELIMIT);
	buf_cleanup(&out);
	free(num);
	free(cells);
	free(blocks);
}

static void
test_bad_input(void **state)
{
	struct pdf_doc_block b;
	struct pdf_doc_spec spec = { "T", "ro", &b, 1 };
	struct buf out;

	(void)state;
	buf_init(&out, 1024 * 1024);
	memset(&b, 0, sizeof(b));
	b.kind = PDF_DOC_PARAGRAPH;
	b.text = NULL;
	assert_int_equal(pdf_doc_render(&spec, &out), PC_EINVAL);
	b.text = "bad \xc8 utf-8";
	assert_int_equal(pdf_doc_render(&spec, &out), PC_EINVAL);
	b.text = "control \x01 char";
	assert_int_equal(pdf_doc_render(&spec, &out), PC_EINVAL);
	b.text = "ok";
	b.kind = (enum pdf_doc_kind)99;
	assert_int_equal(pdf_doc_render(&spec, &out), PC_EINVAL);
	b.kind = PDF_DOC_TABLE;
	b.ncols = 0;
	assert_int_equal(pdf_doc_render(&spec, &out), PC_EINVAL);
	b.ncols = PDF_DOC_COLS_MAX + 1;
	assert_int_equal(pdf_doc_render(&spec, &out), PC_ELIMIT);
	b.kind = PDF_DOC_HEADING;
	spec.lang = "fr";
	assert_int_equal(pdf_doc_render(&spec, &out), PC_EINVAL);
	spec.lang = NULL;
	spec.title = NULL;
	assert_int_equal(pdf_doc_render(&spec, &out), PC_EINVAL);
	spec.title = "T";
	spec.nblocks = PDF_DOC_BLOCKS_MAX + 1;
	assert_int_equal(pdf_doc_render(&spec, &out), PC_ELIMIT);
	assert_int_equal(out.len, 0);
	/* and a good one still works */
	spec.nblocks = 1;
	assert_int_equal(pdf_doc_render(&spec, &out), PC_OK);
	buf_cleanup(&out);
}

/* pdftotext (poppler, not ours) reads the words back with diacritics. */
static void
test_text_extracts(void **state)
{
	struct pdf_doc_block b;
	struct pdf_doc_spec spec = { "Titlu șăț", "ro", &b, 1 };
	char dir[PATH_MAX - 64], path[PATH_MAX], cmd[PATH_MAX * 2 + 64];
	char line[512];
	struct buf out, txt;
	FILE *p;

	(void)state;
	if (access("/usr/bin/pdftotext", X_OK) != 0)
		skip();
	memset(&b, 0, sizeof(b));
	b.kind = PDF_DOC_PARAGRAPH;
	b.text = "Ștefan și Țăranu învață în Brăila, mâine.";
	buf_init(&out, 4 * 1024 * 1024);
	assert_int_equal(pdf_doc_render(&spec, &out), PC_OK);
	snprintf(dir, sizeof(dir), "%s/pdfdoc.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.pdf", dir);
	assert_int_equal(
	    file_write_atomic(path, out.data, out.len, 0600), PC_OK);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	buf_init(&txt, 1024 * 1024);
	while (fgets(line, sizeof(line), p) != NULL)
		buf_append_str(&txt, line);
	assert_int_equal(pclose(p), 0);
	assert_true(buf_ok(&txt));
	assert_non_null(strstr((char *)txt.data, "Titlu șăț"));
	assert_non_null(strstr(
	    (char *)txt.data, "Ștefan și Țăranu învață în Brăila, mâine."));
	assert_non_null(strstr((char *)txt.data, "1/1"));
	buf_cleanup(&txt);
	buf_cleanup(&out);
	ts_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renders),
		cmocka_unit_test(test_long_document_breaks_pages),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_text_extracts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
