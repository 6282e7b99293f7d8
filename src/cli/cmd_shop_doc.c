/*
 * cmd_shop_doc.c: pecete shop doc --kind order-note|invoice|terms --sample
 *                 [--company] [--terms terms|shop|privacy]
 *                 [--lang ro|en] --out FILE
 *
 * Renders a shop document from built-in sample data (shop_doc_sample; the
 * invoice with a sample seller) so that the layout can be looked at and
 * checked by tools we did not write (tests/integration/shop_docs.sh).
 * Exit 0 when written, 1 on failure, 2 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "legal/legal.h"
#include "shop/shop_docs.h"

static void
shop_doc_usage(void)
{
	fprintf(stderr,
	    "usage: pecete shop doc --kind order-note|invoice|terms --sample "
	    "[--company] [--terms terms|shop|privacy] "
	    "[--lang ro|en] --out FILE\n");
}

int
cmd_shop_doc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "sample", no_argument, NULL, 's' },
		{ "company", no_argument, NULL, 'c' },
		{ "terms", required_argument, NULL, 't' },
		{ "lang", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kind = NULL, *lang = "ro", *out = NULL, *version = NULL;
	const char *terms = LEGAL_TERMS;
	struct conf conf;
	struct shop_doc_order o;
	struct conf_shop seller;
	struct buf pdf;
	bool sample = false, company = false;
	enum pc_rc rc;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "k:sct:l:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kind = optarg;
			break;
		case 's':
			sample = true;
			break;
		case 'c':
			company = true;
			break;
		case 't':
			terms = optarg;
			break;
		case 'l':
			lang = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			shop_doc_usage();
			return 2;
		}
	}
	if (kind == NULL || out == NULL || !sample || optind != argc ||
	    (strcmp(lang, "ro") != 0 && strcmp(lang, "en") != 0)) {
		shop_doc_usage();
		return 2;
	}
	shop_doc_sample(company, &o);
	buf_init(&pdf, SHOP_DOC_MAX);
	if (strcmp(kind, "order-note") == 0) {
		rc = shop_doc_order_note(&o, lang, &pdf);
	} else if (strcmp(kind, "invoice") == 0) {
		memset(&seller, 0, sizeof(seller));
		seller.seller_name = "Pecete Servicii de Încredere S.R.L.";
		seller.seller_cui = "RO18547290";
		seller.seller_address = "Str. Mărășești nr. 7, București, "
		                        "sector 4, România";
		seller.seller_reg = "J40/1234/2020";
		rc = shop_doc_invoice(&o, &seller, lang, &pdf);
	} else if (strcmp(kind, "terms") == 0) {
		/* A legal text (data/legal) with the default identity. */
		rc = conf_defaults(&conf, ".");
		if (rc == PC_OK) {
			version = legal_version(&conf, terms);
			rc = version != NULL
			         ? legal_pdf(&conf, terms, lang, &pdf)
			         : PC_ENOTFOUND;
		}
		conf_free(&conf);
	} else {
		buf_cleanup(&pdf);
		shop_doc_usage();
		return 2;
	}
	if (rc == PC_OK)
		rc = file_write_atomic(out, pdf.data, pdf.len, 0644);
	if (rc != PC_OK) {
		cli_err("shop doc", "cannot write the %s (%s)", kind,
		    pc_rc_str(rc));
		buf_cleanup(&pdf);
		return 1;
	}
	printf("%s: %zu bytes%s%s\n", out, pdf.len,
	    version != NULL ? ", version " : "",
	    version != NULL ? version : "");
	buf_cleanup(&pdf);
	return 0;
}
