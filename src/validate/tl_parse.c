/*
 * tl_parse.c: a TS 119 612 trusted list (XML, libxml2 loaded on first
 * use) into struct tl_list: the scheme's territory, sequence number,
 * issue and next-update times, the pointers of a LOTL and, per TSP
 * service, its type, certificates, status now and in its history, with
 * the qualifiers and AdditionalServiceInformation of each instance. What
 * we do not act on is skipped; what we would act on and cannot read
 * makes the list (or a qualification) unreadable, never guessed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "base/xml_lazy.h"
#include "validate/tl.h"

#define NS_TSL "http://uri.etsi.org/02231/v2#"
#define NS_ECC                                                                 \
	"http://uri.etsi.org/TrstSvc/SvcInfoExt/"                              \
	"eSigDir-1999-93-EC-TrustedList/#"
#define NS_XADES "http://uri.etsi.org/01903/v1.3.2#"
#define NS_ADD "http://uri.etsi.org/02231/v2/additionaltypes#"
#define URI_SVCTYPE "http://uri.etsi.org/TrstSvc/Svctype/"
#define URI_STATUS "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
#define URI_EXT "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"
#define URI_TSLTYPE "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/"
#define TEXT_MAX 8192 /* longest text we read (a certificate's base64 more) */
#define CERT_B64_MAX (64 * 1024)

static bool
is_el(xmlNodePtr n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       n->ns->href != NULL &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr
child(xmlNodePtr n, const char *ns, const char *name)
{
	xmlNodePtr c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (is_el(c, ns, name))
			return c;
	return NULL;
}

static xmlNodePtr
next_el(xmlNodePtr c, const char *ns, const char *name)
{
	for (c = c != NULL ? c->next : NULL; c != NULL; c = c->next)
		if (is_el(c, ns, name))
			return c;
	return NULL;
}

#define FOR_CHILD(c, parent, ns, name)                                         \
	for ((c) = child((parent), (ns), (name)); (c) != NULL;                 \
	     (c) = next_el((c), (ns), (name)))

/* The text of n, trimmed, into out (n bytes); "" when none or too long. */
static void
text(xmlNodePtr n, char *out, size_t len)
{
	xmlChar *t;
	const char *b, *e;

	out[0] = '\0';
	if (n == NULL)
		return;
	t = xmlNodeGetContent(n);
	if (t == NULL)
		return;
	b = (const char *)t;
	while (*b != '\0' && isspace((unsigned char)*b))
		b++;
	e = b + strlen(b);
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	if ((size_t)(e - b) < len) {
		memcpy(out, b, (size_t)(e - b));
		out[e - b] = '\0';
	}
	xmlFree(t);
}

static void
attr(xmlNodePtr n, const char *name, char *out, size_t len)
{
	xmlChar *v;

	out[0] = '\0';
	v = n != NULL ? xmlGetProp(n, (const xmlChar *)name) : NULL;
	if (v == NULL)
		return;
	if (strlen((const char *)v) < len)
		memcpy(out, v, strlen((const char *)v) + 1);
	xmlFree(v);
}

/*
 * An xs:dateTime (YYYY-MM-DDThh:mm:ss[.f...](Z|+hh:mm|-hh:mm)) as UTC
 * seconds; -1 when it is not one.
 */
int64_t
tl_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, k = 0;
	int64_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	        &k) != 6 ||
	    k != 19)
		return -1;
	s += k;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == '+' || *s == '-') {
		if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 ||
		    s[6] != '\0' || oh > 14 || om > 59)
			return -1;
		if (*s == '-') {
			oh = -oh;
			om = -om;
		}
	} else if (strcmp(s, "Z") != 0 && *s != '\0')
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = (int64_t)timegm(&tm);
	return t - (int64_t)oh * 3600 - (int64_t)om * 60;
}

/* A base64 X509Certificate element's certificate, or NULL. */
static X509 *
cert_b64(xmlNodePtr n)
{
	xmlChar *t;
	unsigned char *b64 = NULL, *der = NULL;
	const unsigned char *p;
	size_t i, k = 0, len;
	int dl;
	X509 *x = NULL;

	t = xmlNodeGetContent(n);
	if (t == NULL)
		return NULL;
	len = strlen((const char *)t);
	if (len > CERT_B64_MAX)
		goto out;
	b64 = malloc(len + 1);
	der = malloc(len + 1);
	if (b64 == NULL || der == NULL)
		goto out;
	for (i = 0; i < len; i++)
		if (!isspace(t[i]))
			b64[k++] = t[i];
	if (k == 0 || k % 4 != 0)
		goto out;
	dl = EVP_DecodeBlock(der, b64, (int)k);
	if (dl < 0)
		goto out;
	if (b64[k - 1] == '=')
		dl--;
	if (b64[k - 2] == '=')
		dl--;
	p = der;
	x = d2i_X509(NULL, &p, dl);
	if (x != NULL && p != der + dl) {
		X509_free(x);
		x = NULL;
	}
out:
	free(b64);
	free(der);
	xmlFree(t);
	return x;
}

static unsigned
qualifier_bit(const char *uri)
{
	static const struct {
		const char *name;
		unsigned bit;
	} q[] = {
		{ "QCStatement", TL_Q_QC_STATEMENT },
		{ "NotQualified", TL_Q_NOT_QUALIFIED },
		{ "QCForESig", TL_Q_FOR_ESIG },
		{ "QCForESeal", TL_Q_FOR_ESEAL },
		{ "QCForWSA", TL_Q_FOR_WSA },
		{ "QCWithQSCD", TL_Q_WITH_QSCD },
		{ "QCWithSSCD", TL_Q_WITH_QSCD },
		{ "QCNoQSCD", TL_Q_NO_QSCD },
		{ "QCNoSSCD", TL_Q_NO_QSCD },
		{ "QCQSCDStatusAsInCert", TL_Q_QSCD_AS_IN_CERT },
		{ "QCSSCDStatusAsInCert", TL_Q_QSCD_AS_IN_CERT },
		{ "QCQSCDManagedOnBehalf", TL_Q_QSCD_MANAGED },
		{ "QCForLegalPerson", TL_Q_LEGAL_PERSON },
	};
	size_t i, n = strlen(URI_EXT);

	if (strncmp(uri, URI_EXT, n) != 0)
		return TL_Q_UNKNOWN;
	for (i = 0; i < PC_ARRAY_LEN(q); i++)
		if (strcmp(uri + n, q[i].name) == 0)
			return q[i].bit;
	return TL_Q_UNKNOWN;
}

static unsigned
ku_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} k[] = {
		{ "digitalSignature", KU_DIGITAL_SIGNATURE },
		{ "nonRepudiation", KU_NON_REPUDIATION },
		{ "contentCommitment", KU_NON_REPUDIATION },
		{ "keyEncipherment", KU_KEY_ENCIPHERMENT },
		{ "dataEncipherment", KU_DATA_ENCIPHERMENT },
		{ "keyAgreement", KU_KEY_AGREEMENT },
		{ "keyCertSign", KU_KEY_CERT_SIGN },
		{ "crlSign", KU_CRL_SIGN },
		{ "encipherOnly", KU_ENCIPHER_ONLY },
		{ "decipherOnly", KU_DECIPHER_ONLY },
	};
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(k); i++)
		if (strcmp(name, k[i].name) == 0)
			return k[i].bit;
	return 0;
}

/* A CriteriaList into q (one level: a nested list is unreadable). */
static void
parse_criteria(xmlNodePtr cl, struct tl_qual *q)
{
	char a[32], v[64];
	xmlNodePtr c, b, pi;
	struct tl_crit *cr;

	attr(cl, "assert", a, sizeof(a));
	if (strcmp(a, "all") == 0)
		q->assert_ = 0;
	else if (strcmp(a, "atLeastOne") == 0)
		q->assert_ = 1;
	else if (strcmp(a, "none") == 0)
		q->assert_ = 2;
	else
		q->unreadable = true;
	for (c = cl->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, NS_ECC, "Description"))
			continue;
		if (q->ncrit >= TL_CRIT_MAX) {
			q->unreadable = true;
			return;
		}
		cr = &q->crit[q->ncrit];
		memset(cr, 0, sizeof(*cr));
		if (is_el(c, NS_ECC, "KeyUsage")) {
			FOR_CHILD(b, c, NS_ECC, "KeyUsageBit")
			{
				unsigned bit;

				attr(b, "name", a, sizeof(a));
				text(b, v, sizeof(v));
				bit = ku_bit(a);
				if (bit == 0)
					q->unreadable = true;
				else if (strcmp(v, "true") == 0)
					cr->ku_set |= bit;
				else if (strcmp(v, "false") == 0)
					cr->ku_clear |= bit;
				else
					q->unreadable = true;
			}
		} else if (is_el(c, NS_ECC, "PolicySet")) {
			cr->policy = true;
			FOR_CHILD(pi, c, NS_ECC, "PolicyIdentifier")
			{
				if (cr->noids >= TL_OIDS_MAX) {
					q->unreadable = true;
					break;
				}
				text(child(pi, NS_XADES, "Identifier"),
				    cr->oid[cr->noids], sizeof(cr->oid[0]));
				/* urn:oid:1.2.3 is the same OID. */
				if (strncmp(
				        cr->oid[cr->noids], "urn:oid:", 8) == 0)
					memmove(cr->oid[cr->noids],
					    cr->oid[cr->noids] + 8,
					    strlen(cr->oid[cr->noids] + 8) + 1);
				if (cr->oid[cr->noids][0] == '\0')
					q->unreadable = true;
				cr->noids++;
			}
		} else {
			/* otherCriteriaList, a nested CriteriaList, ... */
			q->unreadable = true;
			continue;
		}
		q->ncrit++;
	}
}

/* The extensions of one instance (Qualifications, ASI). */
static enum pc_rc
parse_exts(xmlNodePtr exts, struct tl_inst *in)
{
	xmlNodePtr ext, qs, qe, qf, u;
	char uri[256];
	struct tl_qual *q;

	FOR_CHILD(ext, exts, NS_TSL, "Extension")
	{
		FOR_CHILD(u, child(ext, NS_TSL, "AdditionalServiceInformation"),
		    NS_TSL, "URI")
		{
			text(u, uri, sizeof(uri));
			if (strcmp(uri, URI_EXT "ForeSignatures") == 0)
				in->asi |= TL_ASI_ESIG;
			else if (strcmp(uri, URI_EXT "ForeSeals") == 0)
				in->asi |= TL_ASI_ESEAL;
			else if (strcmp(uri,
			             URI_EXT "ForWebSiteAuthentication") == 0)
				in->asi |= TL_ASI_WSA;
		}
		qs = child(ext, NS_ECC, "Qualifications");
		FOR_CHILD(qe, qs, NS_ECC, "QualificationElement")
		{
			if (in->nquals >= TL_QUALS_MAX)
				return PC_ELIMIT;
			if (in->quals == NULL) {
				in->quals = calloc(TL_QUALS_MAX, sizeof(*q));
				if (in->quals == NULL)
					return PC_ENOMEM;
			}
			q = &in->quals[in->nquals++];
			FOR_CHILD(qf, child(qe, NS_ECC, "Qualifiers"), NS_ECC,
			    "Qualifier")
			{
				attr(qf, "uri", uri, sizeof(uri));
				q->qualifiers |= qualifier_bit(uri);
			}
			u = child(qe, NS_ECC, "CriteriaList");
			if (u == NULL)
				q->unreadable = true;
			else
				parse_criteria(u, q);
		}
	}
	return PC_OK;
}

/* A ServiceInformation or ServiceHistoryInstance into in. */
static enum pc_rc
parse_inst(xmlNodePtr si, struct tl_inst *in, char *err, size_t errlen)
{
	char t[256];

	memset(in, 0, sizeof(*in));
	text(child(si, NS_TSL, "ServiceTypeIdentifier"), t, sizeof(t));
	if (strcmp(t, URI_SVCTYPE "CA/QC") == 0)
		in->type = TL_ST_CA_QC;
	else if (strcmp(t, URI_SVCTYPE "CA/PKC") == 0)
		in->type = TL_ST_CA_PKC;
	text(child(si, NS_TSL, "ServiceStatus"), in->status_uri,
	    sizeof(in->status_uri));
	if (strcmp(in->status_uri, URI_STATUS "granted") == 0)
		in->status = TL_SS_GRANTED;
	else if (strcmp(in->status_uri, URI_STATUS "withdrawn") == 0)
		in->status = TL_SS_WITHDRAWN;
	text(child(si, NS_TSL, "StatusStartingTime"), t, sizeof(t));
	in->from = tl_time(t);
	if (in->status_uri[0] == '\0' || in->from < 0) {
		snprintf(err, errlen,
		    "a service without a status or StatusStartingTime");
		return PC_EINVAL;
	}
	return parse_exts(
	    child(si, NS_TSL, "ServiceInformationExtensions"), in);
}

/* The X509Certificate values of a ServiceDigitalIdentity. */
static void
parse_ids(xmlNodePtr sdi, X509 **certs, int *n, int max)
{
	xmlNodePtr di, xc;
	X509 *x;

	FOR_CHILD(di, sdi, NS_TSL, "DigitalId")
	{
		FOR_CHILD(xc, di, NS_TSL, "X509Certificate")
		{
			if (*n >= max)
				return;
			x = cert_b64(xc);
			if (x != NULL)
				certs[(*n)++] = x;
		}
	}
}

static enum pc_rc
parse_service(xmlNodePtr svc, struct tl_service *s, char *err, size_t errlen)
{
	xmlNodePtr si, h, hi;
	enum pc_rc rc;
	int n = 1;

	si = child(svc, NS_TSL, "ServiceInformation");
	if (si == NULL) {
		snprintf(
		    err, errlen, "a TSPService without ServiceInformation");
		return PC_EINVAL;
	}
	text(child(child(si, NS_TSL, "ServiceName"), NS_TSL, "Name"), s->name,
	    sizeof(s->name));
	parse_ids(child(si, NS_TSL, "ServiceDigitalIdentity"), s->certs,
	    &s->ncerts, TL_IDS_MAX);
	h = child(svc, NS_TSL, "ServiceHistory");
	FOR_CHILD(hi, h, NS_TSL, "ServiceHistoryInstance")
	n++;
	if (n > TL_HIST_MAX) {
		snprintf(err, errlen,
		    "a service with more than %d history "
		    "instances",
		    TL_HIST_MAX);
		return PC_ELIMIT;
	}
	s->inst = calloc((size_t)n, sizeof(*s->inst));
	if (s->inst == NULL)
		return PC_ENOMEM;
	rc = parse_inst(si, &s->inst[0], err, errlen);
	s->ninst = 1;
	FOR_CHILD(hi, h, NS_TSL, "ServiceHistoryInstance")
	{
		if (rc != PC_OK)
			break;
		rc = parse_inst(hi, &s->inst[s->ninst], err, errlen);
		s->ninst++;
	}
	return rc;
}

static enum pc_rc
parse_pointers(xmlNodePtr si, struct tl_list *l, char *err, size_t errlen)
{
	xmlNodePtr ptrs, p, oi, c;
	struct tl_pointer *tp;
	char t[256];
	int n = 0;

	ptrs = child(si, NS_TSL, "PointersToOtherTSL");
	FOR_CHILD(p, ptrs, NS_TSL, "OtherTSLPointer")
	n++;
	if (n == 0)
		return PC_OK;
	if (n > TL_POINTERS_MAX) {
		snprintf(err, errlen, "more than %d pointers to other lists",
		    TL_POINTERS_MAX);
		return PC_ELIMIT;
	}
	l->pointers = calloc((size_t)n, sizeof(*l->pointers));
	if (l->pointers == NULL)
		return PC_ENOMEM;
	FOR_CHILD(p, ptrs, NS_TSL, "OtherTSLPointer")
	{
		tp = &l->pointers[l->npointers++];
		text(child(p, NS_TSL, "TSLLocation"), tp->location,
		    sizeof(tp->location));
		FOR_CHILD(c, child(p, NS_TSL, "ServiceDigitalIdentities"),
		    NS_TSL, "ServiceDigitalIdentity")
		parse_ids(c, tp->certs, &tp->ncerts, TL_SIGNERS_MAX);
		tp->xml = true;
		oi = child(p, NS_TSL, "AdditionalInformation");
		FOR_CHILD(c, oi, NS_TSL, "OtherInformation")
		{
			xmlNodePtr v;

			v = child(c, NS_TSL, "TSLType");
			if (v != NULL) {
				text(v, t, sizeof(t));
				tp->lotl = strstr(t, "listofthelists") != NULL;
			}
			v = child(c, NS_TSL, "SchemeTerritory");
			if (v != NULL)
				text(v, tp->territory, sizeof(tp->territory));
			v = child(c, NS_ADD, "MimeType");
			if (v != NULL) {
				text(v, t, sizeof(t));
				tp->xml =
				    strcmp(t, "application/vnd.etsi.tsl+xml") ==
				    0;
			}
		}
	}
	return PC_OK;
}

static enum pc_rc
parse_services(xmlNodePtr root, struct tl_list *l, char *err, size_t errlen)
{
	xmlNodePtr tsps, tsp, svc;
	enum pc_rc rc = PC_OK;
	int n = 0;

	tsps = child(root, NS_TSL, "TrustServiceProviderList");
	FOR_CHILD(tsp, tsps, NS_TSL, "TrustServiceProvider")
	{
		FOR_CHILD(svc, child(tsp, NS_TSL, "TSPServices"), NS_TSL,
		    "TSPService")
		n++;
	}
	if (n == 0)
		return PC_OK;
	if (n > TL_SERVICES_MAX) {
		snprintf(err, errlen, "more than %d services", TL_SERVICES_MAX);
		return PC_ELIMIT;
	}
	l->services = calloc((size_t)n, sizeof(*l->services));
	if (l->services == NULL)
		return PC_ENOMEM;
	FOR_CHILD(tsp, tsps, NS_TSL, "TrustServiceProvider")
	{
		FOR_CHILD(svc, child(tsp, NS_TSL, "TSPServices"), NS_TSL,
		    "TSPService")
		{
			if (rc != PC_OK)
				return rc;
			rc = parse_service(
			    svc, &l->services[l->nservices++], err, errlen);
		}
	}
	return rc;
}

void
tl_list_free(struct tl_list *l)
{
	int i, j;

	if (l == NULL)
		return;
	for (i = 0; i < l->nservices; i++) {
		for (j = 0; j < l->services[i].ncerts; j++)
			X509_free(l->services[i].certs[j]);
		for (j = 0; j < l->services[i].ninst; j++)
			free(l->services[i].inst[j].quals);
		free(l->services[i].inst);
	}
	for (i = 0; i < l->npointers; i++)
		for (j = 0; j < l->pointers[i].ncerts; j++)
			X509_free(l->pointers[i].certs[j]);
	free(l->services);
	free(l->pointers);
	free(l);
}

/* The parsed document (the root checked) into a fresh *out. */
static enum pc_rc
parse_doc(xmlDocPtr doc, struct tl_list **out, char *err, size_t errlen)
{
	xmlNodePtr root, si;
	struct tl_list *l;
	char t[256];
	enum pc_rc rc;

	root = xmlDocGetRootElement(doc);
	if (!is_el(root, NS_TSL, "TrustServiceStatusList")) {
		snprintf(
		    err, errlen, "not a TS 119 612 TrustServiceStatusList");
		return PC_EINVAL;
	}
	si = child(root, NS_TSL, "SchemeInformation");
	if (si == NULL) {
		snprintf(err, errlen, "no SchemeInformation");
		return PC_EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return PC_ENOMEM;
	text(child(si, NS_TSL, "TSLType"), t, sizeof(t));
	l->lotl = strcmp(t, URI_TSLTYPE "EUlistofthelists") == 0;
	text(child(si, NS_TSL, "SchemeTerritory"), l->territory,
	    sizeof(l->territory));
	text(child(child(si, NS_TSL, "SchemeOperatorName"), NS_TSL, "Name"),
	    l->operator_, sizeof(l->operator_));
	text(child(si, NS_TSL, "TSLSequenceNumber"), t, sizeof(t));
	l->seq = strtoll(t, NULL, 10);
	text(child(si, NS_TSL, "ListIssueDateTime"), t, sizeof(t));
	l->issued = tl_time(t);
	text(child(child(si, NS_TSL, "NextUpdate"), NS_TSL, "dateTime"), t,
	    sizeof(t));
	l->next_update = t[0] != '\0' ? tl_time(t) : 0;
	if (l->issued < 0 || l->next_update < 0) {
		snprintf(err, errlen,
		    "ListIssueDateTime or NextUpdate is not a date-time");
		rc = PC_EINVAL;
		goto out;
	}
	rc = parse_pointers(si, l, err, errlen);
	if (rc == PC_OK)
		rc = parse_services(root, l, err, errlen);
out:
	if (rc == PC_ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc != PC_OK) {
		tl_list_free(l);
		return rc == PC_ELIMIT ? PC_EINVAL : rc;
	}
	*out = l;
	return PC_OK;
}

enum pc_rc
tl_parse(
    const uint8_t *p, size_t n, struct tl_list **out, char *err, size_t errlen)
{
	xmlDocPtr doc;
	enum pc_rc rc;

	*out = NULL;
	if (n == 0 || n > TL_MAX_BYTES) {
		snprintf(err, errlen, "%s", n == 0 ? "empty" : "too large");
		return PC_EINVAL;
	}
	rc = xml_lazy_load();
	if (rc != PC_OK) {
		snprintf(err, errlen, "libxml2 is not installed");
		return rc;
	}
	/* No network, no entities, no DTD: a list has none. */
	doc = xmlReadMemory((const char *)p, (int)n, "tl.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		snprintf(err, errlen, "not well-formed XML");
		return PC_EINVAL;
	}
	if (doc->intSubset != NULL) {
		snprintf(
		    err, errlen, "has a DOCTYPE (a trusted list has none)");
		rc = PC_EINVAL;
	} else
		rc = parse_doc(doc, out, err, errlen);
	xmlFreeDoc(doc);
	return rc;
}
