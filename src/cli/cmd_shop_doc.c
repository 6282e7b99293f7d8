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
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "legal/legal.h"
#include "shop/shop_docs.h"

int
cmd_shop_doc(int argc, char **argv)
{
	static const char *const langs[] = { "ro", "en", NULL };
	const char *kind = NULL, *lang = "ro", *out = NULL, *version = NULL;
	const char *terms = LEGAL_TERMS;
	bool sample = false, company = false;
	const struct cli_opt opts[] = {
		{ "kind", 'k', CLI_STR, &kind, CLI_REQ },
		{ "sample", 's', CLI_FLAG, &sample, CLI_REQ },
		{ "company", 'c', CLI_FLAG, &company, 0 },
		{ "terms", 't', CLI_STR, &terms, 0 },
		{ "lang", 'l', CLI_STR, &lang, 0 },
		{ "out", 'o', CLI_STR, &out, CLI_REQ },
		{ NULL },
	};
	const struct cli_spec spec = { "shop doc",
		"--kind order-note|invoice|terms --sample [--company] "
		"[--terms terms|shop|privacy] [--lang ro|en] --out FILE",
		opts, 0, 0 };
	struct conf conf;
	struct shop_doc_order o;
	struct conf_shop seller;
	struct buf pdf;
	enum pc_rc rc;
	int ret;

	ret = cli_parse(&spec, argc, argv, NULL);
	if (ret != CLI_GO)
		return ret;
	if (cli_choice(lang, langs) < 0)
		return cli_usage_error(&spec, NULL);
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
		return cli_usage_error(&spec, "unknown kind \"%s\"", kind);
	}
	if (rc == PC_OK)
		rc = file_write_atomic(out, pdf.data, pdf.len, 0644);
	if (rc != PC_OK) {
		cli_err(
		    spec.cmd, "cannot write the %s (%s)", kind, pc_rc_str(rc));
		buf_cleanup(&pdf);
		return 1;
	}
	printf("%s: %zu bytes%s%s\n", out, pdf.len,
	    version != NULL ? ", version " : "",
	    version != NULL ? version : "");
	buf_cleanup(&pdf);
	return 0;
}
