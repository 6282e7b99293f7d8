/*
 * test_shop_docs.c: the shop's PDF documents (src/shop/shop_docs.c): money
 * formatting, the order note for a person and for a company in Romanian
 * and English, the invoice, the terms with their version, refused input.
 * The PDFs are written to a temporary directory and read back with
 * pdftotext (poppler) when it is installed.
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
#include "base/conf.h"
#include "legal/legal.h"
#include "shop/shop_docs.h"
#include "support/tsupport.h"

static char tmpdir[PATH_MAX - 64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/shopdocs.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	ts_rmtree(tmpdir);
	return 0;
}

/* Write pdf to tmpdir/name and return pdftotext's output (caller frees),
 * or NULL when pdftotext is not installed. */
static char *
extract(const struct buf *pdf, const char *name)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64], line[512];
	struct buf txt;
	FILE *p;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(
	    file_write_atomic(path, pdf->data, pdf->len, 0600), PC_OK);
	if (access("/usr/bin/pdftotext", X_OK) != 0)
		return NULL;
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' -", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	buf_init(&txt, 1024 * 1024);
	while (fgets(line, sizeof(line), p) != NULL)
		buf_append_str(&txt, line);
	assert_int_equal(pclose(p), 0);
	assert_true(buf_ok(&txt));
	return (char *)buf_steal(&txt, NULL);
}

static void
test_money(void **state)
{
	char s[64];

	(void)state;
	shop_doc_money(123456, "RON", "ro", s, sizeof(s));
	assert_string_equal(s, "1.234,56 RON");
	shop_doc_money(123456, "EUR", "en", s, sizeof(s));
	assert_string_equal(s, "1,234.56 EUR");
	shop_doc_money(5, "EUR", "ro", s, sizeof(s));
	assert_string_equal(s, "0,05 EUR");
	shop_doc_money(-100000000, "RON", "ro", s, sizeof(s));
	assert_string_equal(s, "-1.000.000,00 RON");
	shop_doc_money(99, NULL, "en", s, sizeof(s));
	assert_string_equal(s, "0.99");
}

static void
check_note(bool company, const char *lang)
{
	struct shop_doc_order o;
	struct buf pdf;
	char name[64], *t;

	shop_doc_sample(company, &o);
	buf_init(&pdf, SHOP_DOC_MAX);
	assert_int_equal(shop_doc_order_note(&o, lang, &pdf), PC_OK);
	assert_memory_equal(pdf.data, "%PDF-", 5);
	snprintf(name, sizeof(name), "note-%s-%s.pdf",
	    company ? "company" : "person", lang);
	t = extract(&pdf, name);
	if (t != NULL) {
		assert_non_null(strstr(t, "PC-2026-000123"));
		assert_non_null(strstr(t, "Pecete 2"));
		assert_non_null(strstr(
		    t, strcmp(lang, "ro") == 0 ? "355,26 RON" : "355.26 RON"));
		assert_non_null(strstr(
		    t, strcmp(lang, "ro") == 0 ? "71,39 EUR" : "71.39 EUR"));
		assert_non_null(strstr(t, "2026-11-18")); /* rate date */
		if (company) {
			assert_non_null(strstr(t, "Țesătoria Șiretul S.R.L."));
			assert_non_null(strstr(t, "RO18547290"));
		} else {
			assert_non_null(strstr(t, "Ștefan Țăranu-Mândrescu"));
			assert_non_null(strstr(t, "700064"));
			assert_non_null(strstr(t, "A2"));
		}
		assert_non_null(
		    strstr(t, strcmp(lang, "ro") == 0 ? "plătită" : "paid"));
		free(t);
	}
	buf_cleanup(&pdf);
}

static void
test_order_note(void **state)
{
	(void)state;
	check_note(false, "ro");
	check_note(false, "en");
	check_note(true, "ro");
	check_note(true, "en");
}

static void
test_invoice(void **state)
{
	struct conf_shop seller;
	struct shop_doc_order o;
	struct buf pdf;
	char *t;

	(void)state;
	memset(&seller, 0, sizeof(seller));
	seller.seller_name = "Pecete Test S.R.L.";
	seller.seller_cui = "RO123";
	seller.seller_address = "București";
	seller.seller_reg = "J40/1/2020";
	shop_doc_sample(true, &o);
	o.discount_cents = 590;
	o.promo_code = "TOAMNA10";
	o.net_cents = 5310;
	o.vat_cents = 1115;
	o.total_cents = 6425;
	o.total_bani = 31973;
	buf_init(&pdf, SHOP_DOC_MAX);
	assert_int_equal(shop_doc_invoice(&o, &seller, "ro", &pdf), PC_OK);
	t = extract(&pdf, "invoice-ro.pdf");
	if (t != NULL) {
		assert_non_null(strstr(t, "PCT 2026/000042"));
		assert_non_null(strstr(t, "Pecete Test S.R.L."));
		assert_non_null(strstr(t, "J40/1/2020"));
		assert_non_null(strstr(t, "TOAMNA10"));
		assert_non_null(strstr(t, "-5,90 EUR"));
		assert_non_null(strstr(t, "319,73 RON"));
		assert_non_null(strstr(t, "definitivă"));
		free(t);
	}
	buf_cleanup(&pdf);
	/* no invoice number: refused */
	o.invoice_number = 0;
	buf_init(&pdf, SHOP_DOC_MAX);
	assert_int_equal(shop_doc_invoice(&o, &seller, "en", &pdf), PC_EINVAL);
	buf_cleanup(&pdf);
}

/* The legal texts (data/legal): versions, HTML with the deployment's
 * identity filled and escaped, PDF with the text. */
static void
test_legal(void **state)
{
	struct conf c;
	struct buf out;
	const char *v;
	char *t;

	(void)state;
	assert_int_equal(conf_defaults(&c, "."), PC_OK);
	free(c.shop.seller_name);
	c.shop.seller_name = strdup("Firma <b>&</b> S.R.L.");
	v = legal_version(&c, LEGAL_PRIVACY);
	assert_non_null(v);
	assert_int_equal(strlen(v), 10); /* YYYY-MM-DD */
	assert_null(legal_version(&c, "nothing"));
	assert_non_null(legal_title(&c, LEGAL_SHOP, "en"));
	buf_init(&out, 1 << 20);
	assert_int_equal(legal_html(&c, LEGAL_PRIVACY, "ro", &out), PC_OK);
	assert_non_null(
	    strstr((char *)out.data, "Firma &lt;b&gt;&amp;&lt;/b&gt;"));
	assert_null(strstr((char *)out.data, "<b>&</b>"));
	assert_null(strstr((char *)out.data, "{{"));
	assert_non_null(strstr((char *)out.data, "<a href=\"mailto:"));
	assert_non_null(strstr((char *)out.data, "<ul><li>"));
	assert_non_null(strstr((char *)out.data, v));
	buf_reset(&out);
	assert_int_equal(legal_html(&c, "nothing", "ro", &out), PC_ENOTFOUND);
	buf_cleanup(&out);
	buf_init(&out, SHOP_DOC_MAX);
	assert_int_equal(legal_pdf(&c, LEGAL_TERMS, "ro", &out), PC_OK);
	t = extract(&out, "legal-terms-ro.pdf");
	if (t != NULL) {
		assert_non_null(strstr(t, v));
		assert_non_null(strstr(t, "semnătură"));
		assert_null(strstr(t, "{{"));
		free(t);
	}
	buf_cleanup(&out);
	conf_free(&c);
}

static void
test_bad_orders(void **state)
{
	struct shop_doc_order o;
	struct buf pdf;

	(void)state;
	buf_init(&pdf, SHOP_DOC_MAX);
	shop_doc_sample(false, &o);
	o.number = NULL;
	assert_int_equal(shop_doc_order_note(&o, "ro", &pdf), PC_EINVAL);
	shop_doc_sample(false, &o);
	o.total_cents += 1; /* net + VAT != total */
	assert_int_equal(shop_doc_order_note(&o, "ro", &pdf), PC_EINVAL);
	shop_doc_sample(false, &o);
	assert_int_equal(shop_doc_order_note(&o, "de", &pdf), PC_EINVAL);
	shop_doc_sample(false, &o);
	o.buyer.name = "Ion\nBcc: x"; /* control character */
	assert_int_equal(shop_doc_order_note(&o, "ro", &pdf), PC_EINVAL);
	assert_int_equal(pdf.len, 0);
	buf_cleanup(&pdf);
	/* bounded: a 1 KB buffer cannot hold the note */
	buf_init(&pdf, 1024);
	shop_doc_sample(false, &o);
	assert_int_equal(shop_doc_order_note(&o, "ro", &pdf), PC_ELIMIT);
	buf_cleanup(&pdf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_order_note),
		cmocka_unit_test(test_invoice),
		cmocka_unit_test(test_legal),
		cmocka_unit_test(test_bad_orders),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
