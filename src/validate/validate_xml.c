/*
 * validate_xml.c: the verifier's report (sign/vreport.h) as an ETSI TS
 * 119 102-2 validation report (schemas/etsi/ts_119102-2_v1.3.1.xsd),
 * built with libxml2 (loaded on first use, base/xml_lazy.h). The mapping
 * is in docs/internals/validate.md; only checks the verifier made are
 * reported, a check not made is left out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "base/log.h"
#include "base/xml_lazy.h"
#include "validate/tl.h"
#include "validate/validate.h"

#define NS_VR "http://uri.etsi.org/19102/v1.2.1#"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define URN "urn:etsi:019102:"
#define SHA256_URI "http://www.w3.org/2001/04/xmlenc#sha256"
#define CHECK_URN "urn:pecete:validation:check:"
#define TEXT_MAX 1024

struct xw {
	xmlDocPtr doc;
	xmlNsPtr vr, ds;
	bool failed; /* an allocation failed somewhere */
};

/*
 * s as XML text: valid UTF-8 of characters XML 1.0 allows; anything else
 * (broken sequences, control characters from a certificate) becomes
 * U+FFFD. Escaping of <, & and quotes is libxml2's when it writes.
 */
void
validate_xml_text(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, k, len;
	unsigned long c;

	if (n == 0)
		return;
	while (*p != '\0' && o + 4 < n) {
		c = *p;
		len = c < 0x80             ? 1
		      : (c & 0xe0) == 0xc0 ? 2
		      : (c & 0xf0) == 0xe0 ? 3
		      : (c & 0xf8) == 0xf0 ? 4
		                           : 0;
		if (len > 1)
			c &= 0x3f >> (len - 1);
		for (k = 1; len > 0 && k < len; k++) {
			if ((p[k] & 0xc0) != 0x80) {
				len = 0;
				break;
			}
			c = (c << 6) | (p[k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF, and what XML
		 * 1.0 excludes (C0 controls but tab, LF, CR; FFFE, FFFF). */
		if (len == 0 || (len == 2 && c < 0x80) ||
		    (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ||
		    (c < 0x20 && c != 9 && c != 10 && c != 13) || c == 0xfffe ||
		    c == 0xffff) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p += len == 0 ? 1 : len;
			continue;
		}
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	out[o] = '\0';
}

static xmlNodePtr
el(struct xw *x, xmlNodePtr parent, xmlNsPtr ns, const char *name,
    const char *text)
{
	char clean[TEXT_MAX];
	xmlNodePtr n;

	if (parent == NULL) {
		x->failed = true;
		return NULL;
	}
	if (text != NULL)
		validate_xml_text(text, clean, sizeof(clean));
	n = xmlNewTextChild(parent, ns, (const xmlChar *)name,
	    text != NULL ? (const xmlChar *)clean : NULL);
	if (n == NULL)
		x->failed = true;
	return n;
}

static void
prop(struct xw *x, xmlNodePtr n, const char *name, const char *val)
{
	if (n == NULL ||
	    xmlNewProp(n, (const xmlChar *)name, (const xmlChar *)val) == NULL)
		x->failed = true;
}

static void
el_time(struct xw *x, xmlNodePtr parent, const char *name, int64_t t)
{
	char s[40];
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	(void)el(x, parent, x->vr, name, s);
}

/* base64 of p[0..n) as the text of a new element (no size limit). */
static void
el_b64(struct xw *x, xmlNodePtr parent, xmlNsPtr ns, const char *name,
    const uint8_t *p, size_t n)
{
	unsigned char *b;
	xmlNodePtr e;

	b = malloc(4 * ((n + 2) / 3) + 1);
	if (b == NULL || parent == NULL || n > INT32_MAX) {
		x->failed = true;
		free(b);
		return;
	}
	(void)EVP_EncodeBlock(b, p, (int)n);
	e = xmlNewTextChild(parent, ns, (const xmlChar *)name, b);
	if (e == NULL)
		x->failed = true;
	free(b);
}

/* A XAdES:DigestAlgAndValueType (SHA-256) named name under parent. */
static void
el_digest(
    struct xw *x, xmlNodePtr parent, const char *name, const uint8_t md[32])
{
	xmlNodePtr d, m;

	d = el(x, parent, x->vr, name, NULL);
	m = el(x, d, x->ds, "DigestMethod", NULL);
	prop(x, m, "Algorithm", SHA256_URI);
	el_b64(x, d, x->ds, "DigestValue", md, 32);
}

static void
el_ref(struct xw *x, xmlNodePtr parent, const char *name, int vo)
{
	char id[24];

	snprintf(id, sizeof(id), "vo-%d", vo);
	prop(x, el(x, parent, x->vr, name, NULL), "VOReference", id);
}

static const char *
main_uri(enum sign_ind ind)
{
	switch (ind) {
	case SIGN_IND_PASSED:
		return URN "mainindication:total-passed";
	case SIGN_IND_FAILED:
		return URN "mainindication:total-failed";
	default:
		return URN "mainindication:indeterminate";
	}
}

/* A ValidationStatusType: main and sub-indication. */
static xmlNodePtr
el_status(struct xw *x, xmlNodePtr parent, const char *name, enum sign_ind ind,
    enum sign_sub sub)
{
	char uri[96];
	xmlNodePtr st;

	st = el(x, parent, x->vr, name, NULL);
	(void)el(x, st, x->vr, "MainIndication", main_uri(ind));
	if (sub != SIGN_SUB_NONE) {
		snprintf(uri, sizeof(uri), URN "subindication:%s",
		    sign_sub_str(sub));
		(void)el(x, st, x->vr, "SubIndication", uri);
	}
	return st;
}

/* What a failed check does to its entry (verify_verdict.c). */
enum ck_fail {
	CK_FAILS,     /* TOTAL-FAILED: format, signer, digest, signature... */
	CK_UNDECIDES, /* INDETERMINATE: a chain not built */
	CK_REV,       /* the entry's revocation verdict */
	CK_TS_REV,    /* the timestamp's revocation verdict */
};

/*
 * The indication of one check, as the verdict reads it; false when the
 * check was not made (then it is not reported at all).
 */
static bool
check_ind(const struct sign_vsig *s, enum ck_fail how,
    const struct sign_check *c, enum sign_ind *ind)
{
	enum sign_ind v;

	switch (c->st) {
	case SIGN_CHK_OK:
		*ind = SIGN_IND_PASSED;
		return true;
	case SIGN_CHK_UNSURE:
		*ind = SIGN_IND_INDETERMINATE;
		return true;
	case SIGN_CHK_FAILED:
		v = how == CK_REV      ? s->ind
		    : how == CK_TS_REV ? s->ts.ind
		                       : SIGN_IND_FAILED;
		if (how == CK_UNDECIDES || v == SIGN_IND_PASSED)
			v = SIGN_IND_INDETERMINATE;
		*ind = v;
		return true;
	default:
		return false;
	}
}

/* The checks made, as ValidationConstraint entries. */
static void
el_constraints(struct xw *x, xmlNodePtr parent, const struct sign_vsig *s)
{
	const struct {
		const char *name;
		enum ck_fail how;
		const struct sign_check *c;
	} ck[] = {
		{ "format", CK_FAILS, &s->format },
		{ "signer-certificate", CK_FAILS, &s->signer_id },
		{ "digest", CK_FAILS, &s->digest },
		{ "signature", CK_FAILS, &s->signature },
		{ "chain", CK_UNDECIDES, &s->chain },
		{ "revocation", CK_REV, &s->revocation },
		{ "changes", CK_FAILS, &s->changes },
		/* the signature timestamp's (not a document timestamp's) */
		{ "timestamp-imprint", CK_FAILS, &s->ts.imprint },
		{ "timestamp-signature", CK_FAILS, &s->ts.signature },
		{ "timestamp-chain", CK_UNDECIDES, &s->ts.chain },
		{ "timestamp-revocation", CK_TS_REV, &s->ts.revocation },
	};
	char uri[80];
	enum sign_ind ind;
	xmlNodePtr rep = NULL, vc, cs;
	size_t i;

	for (i = 0; i < sizeof(ck) / sizeof(ck[0]); i++) {
		if (i >= 7 && (s->kind == SIGN_VK_DOCTS || !s->ts.present))
			break;
		if (!check_ind(s, ck[i].how, ck[i].c, &ind))
			continue;
		if (rep == NULL)
			rep = el(x, parent, x->vr,
			    "ValidationConstraintsEvaluationReport", NULL);
		vc = el(x, rep, x->vr, "ValidationConstraint", NULL);
		snprintf(uri, sizeof(uri), CHECK_URN "%s", ck[i].name);
		(void)el(x, vc, x->vr, "ValidationConstraintIdentifier", uri);
		cs = el(x, vc, x->vr, "ConstraintStatus", NULL);
		(void)el(
		    x, cs, x->vr, "Status", URN "constraintStatus:applied");
		(void)el_status(x, vc, "ValidationStatus", ind, SIGN_SUB_NONE);
		(void)el(x, vc, x->vr, "Indications", ck[i].c->msg);
	}
}

/* The certificate chain of s as AssociatedValidationReportData. */
static void
el_chain(struct xw *x, xmlNodePtr status, const struct sign_vsig *s)
{
	xmlNodePtr d, ch;
	int i, last;

	if (s->nchain == 0 || s->vo_chain[0] == 0)
		return;
	for (i = 0; i < s->nchain; i++)
		if (s->vo_chain[i] == 0)
			return;
	last = s->nchain - 1;
	d = el(x, status, x->vr, "AssociatedValidationReportData", NULL);
	if (s->chain_trusted)
		el_ref(x, d, "TrustAnchor", s->vo_chain[last]);
	ch = el(x, d, x->vr, "CertificateChain", NULL);
	el_ref(x, ch, "SigningCertificate", s->vo_chain[0]);
	for (i = 1; i < s->nchain; i++)
		if (!(s->chain_trusted && i == last))
			el_ref(
			    x, ch, "IntermediateCertificate", s->vo_chain[i]);
	if (s->chain_trusted && last > 0)
		el_ref(x, ch, "TrustAnchor", s->vo_chain[last]);
}

static void
el_poe(struct xw *x, xmlNodePtr parent, const char *name, int64_t t, int vo)
{
	xmlNodePtr p;

	p = el(x, parent, x->vr, name, NULL);
	el_time(x, p, "POETime", t);
	(void)el(x, p, x->vr, "TypeOfProof", URN "poetype:validation");
	if (vo != 0)
		el_ref(x, p, "POEObject", vo);
}

/*
 * The attributes of s we read (A.2 SigningTime: the claimed time, /M or
 * signing-time; the signature or document timestamp with its time; the
 * PDF /SubFilter). Signed="…" is left out: not every one of them is.
 */
static void
el_attrs(struct xw *x, xmlNodePtr svr, const struct sign_vsig *s)
{
	xmlNodePtr sa, a;

	if (s->claimed == 0 && !s->ts.present && s->subfilter[0] == '\0')
		return;
	sa = el(x, svr, x->vr, "SignatureAttributes", NULL);
	if (s->claimed != 0 && s->kind != SIGN_VK_DOCTS)
		el_time(x, el(x, sa, x->vr, "SigningTime", NULL), "Time",
		    s->claimed);
	if (s->ts.present && s->ts.time != 0) {
		a = el(x, sa, x->vr,
		    s->kind == SIGN_VK_DOCTS ? "DocTimeStamp"
		                             : "SignatureTimeStamp",
		    NULL);
		if (s->vo_ts != 0)
			el_ref(x, a, "AttributeObject", s->vo_ts);
		el_time(x, a, "TimeStampValue", s->ts.time);
	}
	if (s->subfilter[0] != '\0')
		(void)el(x, el(x, sa, x->vr, "SubFilter", NULL), x->vr,
		    "SubFilterElement", s->subfilter);
}

static void
el_sig(struct xw *x, xmlNodePtr root, const struct sign_report *r,
    const struct sign_vsig *s, const struct tl_qualification *q)
{
	char uri[96];
	xmlNodePtr svr, id, vt, si, st;
	bool ts_poe;

	svr = el(x, root, x->vr, "SignatureValidationReport", NULL);
	if (s->sv_have) {
		id = el(x, svr, x->vr, "SignatureIdentifier", NULL);
		el_digest(x, id, "DigestAlgAndValue", s->sv_sha256);
		(void)el(x, id, x->vr, "HashOnly", "false");
		(void)el(x, id, x->vr, "DocHashOnly", "false");
	}
	el_constraints(x, svr, s);
	/* Best signature time: the proof of existence the verifier found,
	 * else the validation time (EN 319 102-1 5.6.2.1). */
	vt = el(x, svr, x->vr, "ValidationTimeInfo", NULL);
	el_time(x, vt, "ValidationTime", r->at);
	ts_poe = s->poe != 0 && s->kind != SIGN_VK_DOCTS && s->ts.present &&
	         s->ts.time == s->poe;
	el_poe(x, vt, "BestSignatureTime", s->poe != 0 ? s->poe : r->at,
	    ts_poe ? s->vo_ts : 0);
	el_attrs(x, svr, s);
	if (s->nchain > 0 && s->vo_chain[0] != 0) {
		si = el(x, svr, x->vr, "SignerInformation", NULL);
		el_ref(x, si, "SignerCertificate", s->vo_chain[0]);
		if (s->signer[0] != '\0')
			(void)el(x, si, x->vr, "Signer", s->signer);
	}
	/* Only a qualification the trusted lists decided (tl_qual.c). */
	if (q != NULL && q->res != TL_QR_NONE)
		(void)el(x, el(x, svr, x->vr, "SignatureQuality", NULL), x->vr,
		    "SignatureQualityInformation",
		    tl_qres_uri(q, uri, sizeof(uri)));
	st = el_status(x, svr, "SignatureValidationStatus", s->ind, s->sub);
	el_chain(x, st, s);
}

static const char *
vo_type_uri(enum sign_vo_type t)
{
	switch (t) {
	case SIGN_VO_CERT:
		return URN "validationObject:certificate";
	case SIGN_VO_CRL:
		return URN "validationObject:CRL";
	case SIGN_VO_OCSP:
		return URN "validationObject:OCSPResponse";
	default:
		return URN "validationObject:timestamp";
	}
}

/* The signature timestamp's verdict inside its object. */
static void
el_ts_report(struct xw *x, xmlNodePtr vo, const struct sign_report *r, int idx)
{
	xmlNodePtr rep;
	int i;

	for (i = 0; i < r->nsigs; i++) {
		const struct sign_vsig *s = &r->sigs[i];

		if (s->kind == SIGN_VK_DOCTS || !s->ts.present ||
		    s->vo_ts != idx)
			continue;
		rep = el(x, vo, x->vr, "ValidationReport", NULL);
		(void)el_status(
		    x, rep, "SignatureValidationStatus", s->ts.ind, s->ts.sub);
		return;
	}
}

static void
el_objects(struct xw *x, xmlNodePtr root, const struct sign_report *r)
{
	xmlNodePtr list, vo, rep;
	char id[24];
	int i;

	if (r->nobjs == 0)
		return;
	list = el(x, root, x->vr, "SignatureValidationObjects", NULL);
	for (i = 0; i < r->nobjs; i++) {
		const struct sign_vobj *o = &r->objs[i];

		vo = el(x, list, x->vr, "ValidationObject", NULL);
		snprintf(id, sizeof(id), "vo-%d", i + 1);
		prop(x, vo, "id", id);
		(void)el(x, vo, x->vr, "ObjectType", vo_type_uri(o->type));
		rep = el(x, vo, x->vr, "ValidationObjectRepresentation", NULL);
		el_b64(x, rep, x->vr, "base64", o->der, o->len);
		/* It exists now: the only proof we claim for it. */
		el_poe(x, vo, "POE", r->at, 0);
		if (o->type == SIGN_VO_TST)
			el_ts_report(x, vo, r, i + 1);
	}
}

enum pc_rc
validate_xml(const struct sign_report *r, struct buf *out)
{
	return validate_xml_q(r, NULL, out);
}

enum pc_rc
validate_xml_q(const struct sign_report *r,
    const struct tl_qualification *quals, struct buf *out)
{
	struct xw x;
	xmlNodePtr root;
	xmlChar *text = NULL;
	int i, len = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(r != NULL && out != NULL, PC_EINTERNAL);
	rc = xml_lazy_load();
	if (rc != PC_OK)
		return rc;
	memset(&x, 0, sizeof(x));
	x.doc = xmlNewDoc((const xmlChar *)"1.0");
	root = x.doc != NULL ? xmlNewDocNode(x.doc, NULL,
	                           (const xmlChar *)"ValidationReport", NULL)
	                     : NULL;
	if (root == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	(void)xmlDocSetRootElement(x.doc, root);
	x.vr = xmlNewNs(root, (const xmlChar *)NS_VR, (const xmlChar *)"vr");
	x.ds = xmlNewNs(root, (const xmlChar *)NS_DS, (const xmlChar *)"ds");
	if (x.vr == NULL || x.ds == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	xmlSetNs(root, x.vr);
	for (i = 0; i < r->nsigs; i++)
		el_sig(
		    &x, root, r, &r->sigs[i], quals != NULL ? &quals[i] : NULL);
	/* The schema wants one: a file without signatures gets the
	 * report's own verdict (TOTAL-FAILED, FORMAT_FAILURE). */
	if (r->nsigs == 0)
		(void)el_status(&x,
		    el(&x, root, x.vr, "SignatureValidationReport", NULL),
		    "SignatureValidationStatus", r->ind, r->sub);
	el_objects(&x, root, r);
	if (x.failed) {
		rc = PC_ENOMEM;
		goto out;
	}
	xmlDocDumpFormatMemoryEnc(x.doc, &text, &len, "UTF-8", 1);
	if (text == NULL || len <= 0) {
		rc = PC_ENOMEM;
		goto out;
	}
	buf_append(out, text, (size_t)len);
	rc = buf_ok(out) ? PC_OK : PC_ELIMIT;
out:
	if (text != NULL)
		xmlFree(text);
	if (x.doc != NULL)
		xmlFreeDoc(x.doc);
	return rc;
}
