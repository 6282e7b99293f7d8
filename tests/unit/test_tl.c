/*
 * test_tl.c: the ETSI TS 119 612 trusted-list parser (tl_parse): dates,
 * a LOTL's pointers, a list's services with their history, "for" URIs
 * and qualifications (criteria read, or unreadable), the refusals (not a
 * list, a DOCTYPE, a broken date, too many history entries); an unsigned
 * list refused by tl_sig_verify. tests/integration/trusted_lists.sh
 * checks signed lists end to end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "validate/tl.h"

#define TSL "xmlns:tsl=\"http://uri.etsi.org/02231/v2#\""
#define ECC                                                                    \
	"xmlns:ecc=\"http://uri.etsi.org/TrstSvc/SvcInfoExt/"                  \
	"eSigDir-1999-93-EC-TrustedList/#\""
#define ST "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
#define EXT "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"

static void
test_time(void **state)
{
	static const struct {
		const char *in;
		int64_t out;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-12-03T10:00:00Z", 1796292000 },
		{ "2026-12-03T10:00:00", 1796292000 },
		{ "2026-12-03T10:00:00.123Z", 1796292000 },
		{ "2026-12-03T12:00:00+02:00", 1796292000 },
		{ "2026-12-03T05:30:00-04:30", 1796292000 },
		{ "2026-12-03", -1 },
		{ "2026-13-03T10:00:00Z", -1 },
		{ "2026-12-03T10:00:00.Z", -1 },
		{ "2026-12-03T10:00:00+2:00", -1 },
		{ "2026-12-03T10:00:00Zjunk", -1 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].in);
		assert_int_equal(tl_time(cases[i].in), cases[i].out);
	}
}

/* A self-signed certificate, as base64 DER, for the identities. */
static char *
cert_b64(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	unsigned char *der = NULL;
	char *b64;
	int n;

	assert_non_null(k);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"Test CA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	b64 = malloc((size_t)(4 * ((n + 2) / 3) + 1));
	assert_non_null(b64);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
	return b64;
}

static enum pc_rc
parse(const char *xml, struct tl_list **l)
{
	char err[256] = "";
	enum pc_rc rc;

	rc = tl_parse((const uint8_t *)xml, strlen(xml), l, err, sizeof(err));
	if (rc != PC_OK)
		print_message("tl_parse: %s\n", err);
	return rc;
}

static void
test_list(void **state)
{
	char *b64 = cert_b64(), *xml;
	struct tl_list *l = NULL;
	const struct tl_service *s;
	size_t n;

	(void)state;
	n = strlen(b64) + 8192;
	xml = malloc(n);
	assert_non_null(xml);
	snprintf(xml, n,
	    "<tsl:TrustServiceStatusList " TSL " " ECC ">"
	    "<tsl:SchemeInformation><tsl:TSLSequenceNumber>42"
	    "</tsl:TSLSequenceNumber><tsl:TSLType>http://uri.etsi.org/TrstSvc/"
	    "TrustedList/TSLType/EUgeneric</tsl:TSLType>"
	    "<tsl:SchemeTerritory> RO </tsl:SchemeTerritory>"
	    "<tsl:ListIssueDateTime>2026-12-01T00:00:00Z</"
	    "tsl:ListIssueDateTime>"
	    "<tsl:NextUpdate><tsl:dateTime>2027-06-01T00:00:00Z</tsl:dateTime>"
	    "</tsl:NextUpdate></tsl:SchemeInformation>"
	    "<tsl:TrustServiceProviderList><tsl:TrustServiceProvider>"
	    "<tsl:TSPServices><tsl:TSPService><tsl:ServiceInformation>"
	    "<tsl:ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/"
	    "CA/QC</tsl:ServiceTypeIdentifier><tsl:ServiceName><tsl:Name>"
	    "QCA</tsl:Name></tsl:ServiceName><tsl:ServiceDigitalIdentity>"
	    "<tsl:DigitalId><tsl:X509Certificate>\n%s\n</tsl:X509Certificate>"
	    "</tsl:DigitalId><tsl:DigitalId><tsl:X509Certificate>AAAA"
	    "</tsl:X509Certificate></tsl:DigitalId></"
	    "tsl:ServiceDigitalIdentity>"
	    "<tsl:ServiceStatus>" ST "withdrawn</tsl:ServiceStatus>"
	    "<tsl:StatusStartingTime>2026-11-01T00:00:00Z</"
	    "tsl:StatusStartingTime>"
	    "<tsl:ServiceInformationExtensions><tsl:Extension>"
	    "<tsl:AdditionalServiceInformation><tsl:URI>" EXT "ForeSeals"
	    "</tsl:URI></tsl:AdditionalServiceInformation></tsl:Extension>"
	    "<tsl:Extension><ecc:Qualifications><ecc:QualificationElement>"
	    "<ecc:Qualifiers><ecc:Qualifier uri=\"" EXT "QCWithQSCD\"/>"
	    "<ecc:Qualifier uri=\"" EXT "QCForESeal\"/></ecc:Qualifiers>"
	    "<ecc:CriteriaList assert=\"all\"><ecc:KeyUsage><ecc:KeyUsageBit "
	    "name=\"nonRepudiation\">true</ecc:KeyUsageBit><ecc:KeyUsageBit "
	    "name=\"keyCertSign\">false</ecc:KeyUsageBit></ecc:KeyUsage>"
	    "<ecc:PolicySet><ecc:PolicyIdentifier><x:Identifier "
	    "xmlns:x=\"http://uri.etsi.org/01903/v1.3.2#\">urn:oid:1.2.3"
	    "</x:Identifier></ecc:PolicyIdentifier></ecc:PolicySet>"
	    "</ecc:CriteriaList></ecc:QualificationElement>"
	    "<ecc:QualificationElement><ecc:Qualifiers><ecc:Qualifier "
	    "uri=\"" EXT "NotQualified\"/></ecc:Qualifiers><ecc:CriteriaList "
	    "assert=\"atLeastOne\"><ecc:otherCriteriaList/></ecc:CriteriaList>"
	    "</ecc:QualificationElement></ecc:Qualifications></tsl:Extension>"
	    "</tsl:ServiceInformationExtensions></tsl:ServiceInformation>"
	    "<tsl:ServiceHistory><tsl:ServiceHistoryInstance>"
	    "<tsl:ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/"
	    "CA/QC</tsl:ServiceTypeIdentifier>"
	    "<tsl:ServiceStatus>" ST "granted</tsl:ServiceStatus>"
	    "<tsl:StatusStartingTime>2020-01-01T00:00:00Z</"
	    "tsl:StatusStartingTime>"
	    "</tsl:ServiceHistoryInstance></tsl:ServiceHistory>"
	    "</tsl:TSPService></tsl:TSPServices></tsl:TrustServiceProvider>"
	    "</tsl:TrustServiceProviderList></tsl:TrustServiceStatusList>",
	    b64);
	assert_int_equal(parse(xml, &l), PC_OK);
	assert_false(l->lotl);
	assert_string_equal(l->territory, "RO");
	assert_int_equal(l->seq, 42);
	assert_int_equal(l->issued, tl_time("2026-12-01T00:00:00Z"));
	assert_int_equal(l->next_update, tl_time("2027-06-01T00:00:00Z"));
	assert_int_equal(l->nservices, 1);
	s = &l->services[0];
	assert_string_equal(s->name, "QCA");
	assert_int_equal(s->ncerts, 1); /* "AAAA" is no certificate */
	assert_int_equal(s->ninst, 2);
	assert_int_equal(s->inst[0].type, TL_ST_CA_QC);
	assert_int_equal(s->inst[0].status, TL_SS_WITHDRAWN);
	assert_int_equal(s->inst[0].asi, TL_ASI_ESEAL);
	assert_int_equal(s->inst[0].nquals, 2);
	assert_int_equal(
	    s->inst[0].quals[0].qualifiers, TL_Q_WITH_QSCD | TL_Q_FOR_ESEAL);
	assert_false(s->inst[0].quals[0].unreadable);
	assert_int_equal(s->inst[0].quals[0].ncrit, 2);
	assert_int_equal(
	    s->inst[0].quals[0].crit[0].ku_set, KU_NON_REPUDIATION);
	assert_int_equal(
	    s->inst[0].quals[0].crit[0].ku_clear, KU_KEY_CERT_SIGN);
	assert_true(s->inst[0].quals[0].crit[1].policy);
	assert_string_equal(s->inst[0].quals[0].crit[1].oid[0], "1.2.3");
	assert_int_equal(s->inst[0].quals[1].qualifiers, TL_Q_NOT_QUALIFIED);
	assert_true(s->inst[0].quals[1].unreadable);
	assert_int_equal(s->inst[1].status, TL_SS_GRANTED);
	assert_int_equal(s->inst[1].from, tl_time("2020-01-01T00:00:00Z"));
	tl_list_free(l);
	free(xml);
	free(b64);
}

static void
test_lotl(void **state)
{
	char *b64 = cert_b64(), *xml;
	struct tl_list *l = NULL;
	size_t n;

	(void)state;
	n = strlen(b64) + 4096;
	xml = malloc(n);
	assert_non_null(xml);
	snprintf(xml, n,
	    "<tsl:TrustServiceStatusList " TSL "><tsl:SchemeInformation>"
	    "<tsl:TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/"
	    "EUlistofthelists</tsl:TSLType>"
	    "<tsl:PointersToOtherTSL><tsl:OtherTSLPointer>"
	    "<tsl:ServiceDigitalIdentities><tsl:ServiceDigitalIdentity>"
	    "<tsl:DigitalId><tsl:X509Certificate>%s</tsl:X509Certificate>"
	    "</tsl:DigitalId></tsl:ServiceDigitalIdentity>"
	    "</tsl:ServiceDigitalIdentities><tsl:TSLLocation>https://tl.example"
	    "/ro.xml</tsl:TSLLocation><tsl:AdditionalInformation>"
	    "<tsl:OtherInformation><tsl:SchemeTerritory>RO"
	    "</tsl:SchemeTerritory></tsl:OtherInformation>"
	    "<tsl:OtherInformation><a:MimeType xmlns:a=\"http://uri.etsi.org/"
	    "02231/v2/additionaltypes#\">application/pdf</a:MimeType>"
	    "</tsl:OtherInformation></tsl:AdditionalInformation>"
	    "</tsl:OtherTSLPointer><tsl:OtherTSLPointer><tsl:TSLLocation>"
	    "https://tl.example/ro.xml</tsl:TSLLocation></tsl:OtherTSLPointer>"
	    "</tsl:PointersToOtherTSL>"
	    "<tsl:ListIssueDateTime>2026-12-01T00:00:00Z</"
	    "tsl:ListIssueDateTime>"
	    "</tsl:SchemeInformation></tsl:TrustServiceStatusList>",
	    b64);
	assert_int_equal(parse(xml, &l), PC_OK);
	assert_true(l->lotl);
	assert_int_equal(l->next_update, 0); /* none: a closed list */
	assert_int_equal(l->nservices, 0);
	assert_int_equal(l->npointers, 2);
	assert_string_equal(
	    l->pointers[0].location, "https://tl.example/ro.xml");
	assert_string_equal(l->pointers[0].territory, "RO");
	assert_int_equal(l->pointers[0].ncerts, 1);
	assert_false(l->pointers[0].xml); /* the PDF form */
	assert_true(l->pointers[1].xml);
	assert_int_equal(l->pointers[1].ncerts, 0);
	tl_list_free(l);
	free(xml);
	free(b64);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"not xml",
		"<x/>",
		"<tsl:TrustServiceStatusList " TSL "/>",
		"<!DOCTYPE t [<!ENTITY a "
		"\"b\">]><tsl:TrustServiceStatusList " TSL
		"><tsl:SchemeInformation/></tsl:TrustServiceStatusList>",
		"<tsl:TrustServiceStatusList " TSL "><tsl:SchemeInformation>"
		"<tsl:ListIssueDateTime>yesterday</tsl:ListIssueDateTime>"
		"</tsl:SchemeInformation></tsl:TrustServiceStatusList>",
		/* a service without its status time */
		"<tsl:TrustServiceStatusList " TSL "><tsl:SchemeInformation>"
		"<tsl:ListIssueDateTime>2026-01-01T00:00:00Z"
		"</tsl:ListIssueDateTime></tsl:SchemeInformation>"
		"<tsl:TrustServiceProviderList><tsl:TrustServiceProvider>"
		"<tsl:TSPServices><tsl:TSPService><tsl:ServiceInformation>"
		"<tsl:ServiceStatus>x</tsl:ServiceStatus>"
		"</tsl:ServiceInformation></tsl:TSPService></tsl:TSPServices>"
		"</tsl:TrustServiceProvider></tsl:TrustServiceProviderList>"
		"</tsl:TrustServiceStatusList>",
	};
	struct tl_list *l = (struct tl_list *)1;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%zu\n", i);
		assert_int_equal(parse(bad[i], &l), PC_EINVAL);
		assert_null(l);
	}
	assert_int_equal(
	    tl_parse((const uint8_t *)"x", 0, &l, err, sizeof(err)), PC_EINVAL);
}

/* More history entries than kept: refused, not cut. */
static void
test_history_limit(void **state)
{
	struct tl_list *l = NULL;
	char *xml;
	size_t n = 4096 + (TL_HIST_MAX + 1) * 256, o;
	int i;

	(void)state;
	xml = malloc(n);
	assert_non_null(xml);
	o = (size_t)snprintf(xml, n,
	    "<tsl:TrustServiceStatusList " TSL "><tsl:SchemeInformation>"
	    "<tsl:ListIssueDateTime>2026-01-01T00:00:00Z</"
	    "tsl:ListIssueDateTime>"
	    "</tsl:SchemeInformation><tsl:TrustServiceProviderList>"
	    "<tsl:TrustServiceProvider><tsl:TSPServices><tsl:TSPService>"
	    "<tsl:ServiceInformation><tsl:ServiceStatus>x</tsl:ServiceStatus>"
	    "<tsl:StatusStartingTime>2026-01-01T00:00:00Z"
	    "</tsl:StatusStartingTime></tsl:ServiceInformation>"
	    "<tsl:ServiceHistory>");
	for (i = 0; i < TL_HIST_MAX; i++)
		o += (size_t)snprintf(xml + o, n - o,
		    "<tsl:ServiceHistoryInstance><tsl:ServiceStatus>x"
		    "</tsl:ServiceStatus><tsl:StatusStartingTime>2025-01-01T00:"
		    "00:00Z</tsl:StatusStartingTime></"
		    "tsl:ServiceHistoryInstance>");
	snprintf(xml + o, n - o,
	    "</tsl:ServiceHistory></tsl:TSPService></tsl:TSPServices>"
	    "</tsl:TrustServiceProvider></tsl:TrustServiceProviderList>"
	    "</tsl:TrustServiceStatusList>");
	assert_int_equal(parse(xml, &l), PC_EINVAL);
	assert_null(l);
	free(xml);
}

/* A list without a signature is refused by the signature check. */
static void
test_unsigned(void **state)
{
	static const char xml[] = "<tsl:TrustServiceStatusList " TSL "/>";
	char *b64 = cert_b64(), pem[4096], err[256] = "";
	X509 *x;
	BIO *bio;
	enum pc_rc rc;

	(void)state;
	snprintf(pem, sizeof(pem),
	    "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n",
	    b64);
	bio = BIO_new_mem_buf(pem, -1);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	rc = tl_sig_verify(
	    (const uint8_t *)xml, strlen(xml), &x, 1, err, sizeof(err));
	assert_int_equal(rc, PC_EINVAL);
	assert_non_null(strstr(err, "not signed"));
	X509_free(x);
	BIO_free(bio);
	free(b64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_lotl),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_history_limit),
		cmocka_unit_test(test_unsigned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
