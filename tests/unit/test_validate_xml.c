/*
 * test_validate_xml.c: the ETSI TS 119 102-2 report's text from the file
 * (validate_xml_text: broken UTF-8 and control characters out), and a
 * report whose names hold what XML must escape, read back with libxml2
 * equal to what the verifier put in (tests/integration/validate_api.sh
 * checks real reports against the schema).
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/xml_lazy.h"
#include "validate/validate.h"

#define FFFD "\xef\xbf\xbd"

static void
test_xml_text(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "Ion Popescu", "Ion Popescu" },
		{ "a<b & \"c\" ]]>", "a<b & \"c\" ]]>" }, /* libxml2 escapes */
		{ "\xc8\x98tefan \xc4\x83\xc3\xae",
		    "\xc8\x98tefan \xc4\x83\xc3\xae" },
		{ "\xf0\x9f\x98\x80",
		    "\xf0\x9f\x98\x80" }, /* 4 bytes, allowed */
		{ "tab\there\nCR\r", "tab\there\nCR\r" },
		{ "a\x01z", "a" FFFD "z" },     /* C0 control */
		{ "a\x1b[0m", "a" FFFD "[0m" }, /* escape sequence */
		{ "\xff\xfe", FFFD FFFD },      /* not UTF-8 */
		{ "\xc0\xaf", FFFD },           /* overlong '/' */
		{ "\xe0\x80\xaf", FFFD },       /* overlong, 3 bytes */
		{ "\xed\xa0\x80", FFFD },       /* a surrogate */
		{ "\xf4\x90\x80\x80", FFFD },   /* beyond U+10FFFF */
		{ "\xef\xbf\xbe", FFFD },       /* U+FFFE */
		{ "ab\xc3", "ab" FFFD },        /* cut short at the end */
		{ "\xe2\x82x", FFFD FFFD "x" }, /* cut sequence, stray byte */
		{ "", "" },
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		validate_xml_text(cases[i].in, out, sizeof(out));
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\"", i, out);
	}
	/* A small buffer: cut on a character boundary, still valid. */
	validate_xml_text("\xc4\x83\xc4\x83\xc4\x83\xc4\x83", out, 7);
	assert_string_equal(out, "\xc4\x83\xc4\x83");
}

/* The first element named name under n (depth first), or NULL. */
static xmlNodePtr
find(xmlNodePtr n, const char *name)
{
	xmlNodePtr c, f;

	for (c = n; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
		f = find(c->children, name);
		if (f != NULL)
			return f;
	}
	return NULL;
}

static char *
text_of(xmlDocPtr d, const char *name)
{
	xmlNodePtr n = find(xmlDocGetRootElement(d), name);
	xmlChar *t;
	char *s;

	assert_non_null(n);
	t = xmlNodeGetContent(n);
	assert_non_null(t);
	s = strdup((const char *)t);
	xmlFree(t);
	return s;
}

static void
test_xml_report_escapes(void **state)
{
	/* What a certificate's subject can carry, RFC 2253 style. */
	static const char nasty[] = "CN=Ion \\<Popescu\\> & \"Fiii\" ]]> "
	                            "\xc8\x98tefan\x01\xff,O=A&B";
	static const char want[] = "CN=Ion \\<Popescu\\> & \"Fiii\" ]]> "
	                           "\xc8\x98tefan" FFFD FFFD ",O=A&B";
	uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	struct sign_report r;
	struct sign_vsig s;
	struct sign_vobj o;
	struct buf b;
	xmlDocPtr d;
	char *t;

	(void)state;
	/* libxml2 is a test dependency: its absence fails. */
	assert_int_equal(xml_lazy_load(), PC_OK);
	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	o.type = SIGN_VO_CERT;
	o.der = der;
	o.len = sizeof(der);
	s.kind = SIGN_VK_PADES;
	snprintf(s.signer, sizeof(s.signer), "%s", nasty);
	snprintf(s.subfilter, sizeof(s.subfilter), "<&>");
	snprintf(s.chain.msg, sizeof(s.chain.msg), "a<b>&c");
	s.chain.st = SIGN_CHK_UNSURE;
	s.ind = SIGN_IND_INDETERMINATE;
	s.sub = SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND;
	s.nchain = 1;
	s.vo_chain[0] = 1;
	r.at = 1700000000;
	r.nsigs = 1;
	r.sigs = &s;
	r.nobjs = 1;
	r.objs = &o;
	buf_init(&b, 1024 * 1024);
	assert_int_equal(validate_xml(&r, &b), PC_OK);
	assert_null(memmem(b.data, b.len, "<Popescu", 8));
	assert_non_null(memmem(b.data, b.len, "&lt;Popescu", 11));
	d = xmlReadMemory((const char *)b.data, (int)b.len, "r.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(d);
	t = text_of(d, "Signer");
	assert_string_equal(t, want);
	free(t);
	t = text_of(d, "SubFilterElement");
	assert_string_equal(t, "<&>");
	free(t);
	t = text_of(d, "Indications");
	assert_string_equal(t, "a<b>&c");
	free(t);
	t = text_of(d, "SubIndication");
	assert_string_equal(
	    t, "urn:etsi:019102:subindication:NO_CERTIFICATE_CHAIN_FOUND");
	free(t);
	t = text_of(d, "base64");
	assert_string_equal(t, "MAMCAQE=");
	free(t);
	xmlFreeDoc(d);
	buf_cleanup(&b);
}

/* No signature: the schema still wants one SignatureValidationReport. */
static void
test_xml_report_empty(void **state)
{
	struct sign_report r;
	struct buf b;
	xmlDocPtr d;
	char *t;

	(void)state;
	/* libxml2 is a test dependency: its absence fails. */
	assert_int_equal(xml_lazy_load(), PC_OK);
	memset(&r, 0, sizeof(r));
	r.ind = SIGN_IND_FAILED;
	r.sub = SIGN_SUB_FORMAT_FAILURE;
	buf_init(&b, 64 * 1024);
	assert_int_equal(validate_xml(&r, &b), PC_OK);
	d = xmlReadMemory((const char *)b.data, (int)b.len, "r.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(d);
	assert_non_null(
	    find(xmlDocGetRootElement(d), "SignatureValidationReport"));
	t = text_of(d, "MainIndication");
	assert_string_equal(t, "urn:etsi:019102:mainindication:total-failed");
	free(t);
	xmlFreeDoc(d);
	buf_cleanup(&b);
	/* A report larger than the buffer's limit is refused, not cut. */
	buf_init(&b, 16);
	assert_int_equal(validate_xml(&r, &b), PC_ELIMIT);
	buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_text),
		cmocka_unit_test(test_xml_report_escapes),
		cmocka_unit_test(test_xml_report_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
