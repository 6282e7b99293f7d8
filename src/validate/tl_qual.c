/*
 * tl_qual.c: the qualification of a signature (ETSI TS 119 172-4, the
 * names and URIs of the EU's DSS) from the trusted lists: the service
 * whose certificate issued the signer's (or is in its chain), its status
 * at the best signature time, the qualifiers that select the certificate,
 * and the certificate's own QC statements (EN 319 412-5). Only a granted
 * CA/QC makes a certificate qualified; a criterion we cannot evaluate
 * makes the answer indeterminate, never a guess.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "base/log.h"
#include "validate/tl.h"

#define OID_QCS "1.3.6.1.5.5.7.1.3"
#define OID_QC_COMPLIANCE "0.4.0.1862.1.1"
#define OID_QC_SSCD "0.4.0.1862.1.4"
#define OID_QC_TYPE "0.4.0.1862.1.6"
#define OID_QCT_ESIGN "0.4.0.1862.1.6.1"
#define OID_QCT_ESEAL "0.4.0.1862.1.6.2"
#define OID_QCT_WEB "0.4.0.1862.1.6.3"

/* What the certificate says of itself (qcStatements). */
struct qcs {
	bool compliance, sscd;
	unsigned types; /* TL_ASI_* bits from QcType */
};

static void
oid_text(const ASN1_OBJECT *o, char *out, size_t n)
{
	out[0] = '\0';
	if (o != NULL)
		(void)OBJ_obj2txt(out, (int)n, o, 1);
}

/* One QCStatement: SEQUENCE { statementId, statementInfo OPTIONAL }. */
static void
qcs_one(const ASN1_TYPE *t, struct qcs *q)
{
	STACK_OF(ASN1_TYPE) *st = NULL, *types = NULL;
	const unsigned char *p;
	const ASN1_TYPE *id, *info;
	char oid[64];
	int i;

	if (t->type != V_ASN1_SEQUENCE)
		return;
	p = t->value.sequence->data;
	st = d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
	if (st == NULL || sk_ASN1_TYPE_num(st) < 1)
		goto out;
	id = sk_ASN1_TYPE_value(st, 0);
	if (id->type != V_ASN1_OBJECT)
		goto out;
	oid_text(id->value.object, oid, sizeof(oid));
	if (strcmp(oid, OID_QC_COMPLIANCE) == 0)
		q->compliance = true;
	else if (strcmp(oid, OID_QC_SSCD) == 0)
		q->sscd = true;
	else if (strcmp(oid, OID_QC_TYPE) == 0 && sk_ASN1_TYPE_num(st) > 1) {
		info = sk_ASN1_TYPE_value(st, 1);
		if (info->type != V_ASN1_SEQUENCE)
			goto out;
		p = info->value.sequence->data;
		types = d2i_ASN1_SEQUENCE_ANY(
		    NULL, &p, info->value.sequence->length);
		for (i = 0; types != NULL && i < sk_ASN1_TYPE_num(types); i++) {
			const ASN1_TYPE *ty = sk_ASN1_TYPE_value(types, i);

			if (ty->type != V_ASN1_OBJECT)
				continue;
			oid_text(ty->value.object, oid, sizeof(oid));
			if (strcmp(oid, OID_QCT_ESIGN) == 0)
				q->types |= TL_ASI_ESIG;
			else if (strcmp(oid, OID_QCT_ESEAL) == 0)
				q->types |= TL_ASI_ESEAL;
			else if (strcmp(oid, OID_QCT_WEB) == 0)
				q->types |= TL_ASI_WSA;
		}
	}
out:
	sk_ASN1_TYPE_pop_free(types, ASN1_TYPE_free);
	sk_ASN1_TYPE_pop_free(st, ASN1_TYPE_free);
}

static void
qcs_read(X509 *x, struct qcs *q)
{
	ASN1_OBJECT *obj;
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *os;
	STACK_OF(ASN1_TYPE) * st;
	const unsigned char *p;
	int i, loc;

	memset(q, 0, sizeof(*q));
	obj = OBJ_txt2obj(OID_QCS, 1);
	loc = obj != NULL ? X509_get_ext_by_OBJ(x, obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	if (loc < 0)
		return;
	ext = X509_get_ext(x, loc);
	os = X509_EXTENSION_get_data(ext);
	p = os->data;
	st = d2i_ASN1_SEQUENCE_ANY(NULL, &p, os->length);
	for (i = 0; st != NULL && i < sk_ASN1_TYPE_num(st); i++)
		qcs_one(sk_ASN1_TYPE_value(st, i), q);
	sk_ASN1_TYPE_pop_free(st, ASN1_TYPE_free);
}

static bool
has_policy(X509 *x, const char *oid)
{
	CERTIFICATEPOLICIES *pol;
	char t[64];
	int i;
	bool found = false;

	pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	for (i = 0; pol != NULL && i < sk_POLICYINFO_num(pol); i++) {
		oid_text(sk_POLICYINFO_value(pol, i)->policyid, t, sizeof(t));
		if (strcmp(t, oid) == 0)
			found = true;
	}
	CERTIFICATEPOLICIES_free(pol);
	return found;
}

static bool
crit_match(X509 *x, const struct tl_crit *c)
{
	uint32_t ku;
	int i;

	if (c->policy) {
		for (i = 0; i < c->noids; i++)
			if (!has_policy(x, c->oid[i]))
				return false;
		return true;
	}
	ku = X509_get_key_usage(x);
	return (ku & c->ku_set) == c->ku_set && (ku & c->ku_clear) == 0;
}

/* Does q's CriteriaList select x? */
static bool
qual_applies(X509 *x, const struct tl_qual *q)
{
	int i, m = 0;

	for (i = 0; i < q->ncrit; i++)
		if (crit_match(x, &q->crit[i]))
			m++;
	switch (q->assert_) {
	case 0:
		return m == q->ncrit;
	case 1:
		return m > 0;
	default:
		return m == 0;
	}
}

/* The instance of s in force at t, or NULL. */
static const struct tl_inst *
inst_at(const struct tl_service *s, int64_t t)
{
	const struct tl_inst *best = NULL;
	int i;

	for (i = 0; i < s->ninst; i++)
		if (s->inst[i].from <= t &&
		    (best == NULL || s->inst[i].from > best->from))
			best = &s->inst[i];
	return best;
}

static const char *
type_name(unsigned t)
{
	return t == TL_ASI_ESIG    ? "esig"
	       : t == TL_ASI_ESEAL ? "eseal"
	       : t == TL_ASI_WSA   ? "wsa"
	                           : "";
}

static const char *
status_short(const char *uri)
{
	const char *s = strrchr(uri, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : uri;
}

/* src into dst (n bytes), cut at n - 1 (sentences: ASCII). */
static void
cut(char *dst, size_t n, const char *src)
{
	size_t k = strlen(src);

	if (k >= n)
		k = n - 1;
	memcpy(dst, src, k);
	dst[k] = '\0';
}

struct search {
	X509 *signer;
	X509 *chain[SIGN_VCHAIN_MAX];
	int nchain;
	int64_t t;      /* best signature time */
	int64_t issued; /* the signer's notBefore */
	struct qcs qcs;
	/* the best finding so far */
	bool found, qc, qscd, unreadable;
	int score;
	unsigned type;
	char service[TL_NAME_MAX], territory[8], status[128];
	char why[SIGN_MSG_MAX];
};

/* Is service certificate c the signer's issuer or in its chain? */
static bool
svc_matches(const struct search *s, X509 *c)
{
	int i;

	if (X509_check_issued(c, s->signer) == X509_V_OK &&
	    X509_verify(s->signer, X509_get0_pubkey(c)) == 1)
		return true;
	for (i = 0; i < s->nchain; i++)
		if (X509_NAME_cmp(X509_get_subject_name(c),
		        X509_get_subject_name(s->chain[i])) == 0 &&
		    EVP_PKEY_eq(X509_get0_pubkey(c),
		        X509_get0_pubkey(s->chain[i])) == 1)
			return true;
	return false;
}

/* What one service says of the signer's certificate at one time. */
struct finding {
	const struct tl_inst *in;
	int score; /* 1 no status / not CA/QC, 2 not granted, 3 granted but
	            * not QC, 4 QC, 5 QC with QSCD */
	bool qc, qscd, unreadable;
	unsigned type;
	char why[512];
};

static void
fmt_when(int64_t t, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
eval_at(const struct search *s, const struct tl_service *sv, int64_t t,
    struct finding *f)
{
	const struct tl_inst *in;
	char when[32];
	unsigned qf = 0;
	int i;

	memset(f, 0, sizeof(*f));
	fmt_when(t, when, sizeof(when));
	in = inst_at(sv, t);
	f->in = in;
	f->score = 1;
	if (in == NULL) {
		snprintf(f->why, sizeof(f->why),
		    "the trusted list gives no status for its CA at %s", when);
		return;
	}
	if (in->type != TL_ST_CA_QC) {
		snprintf(f->why, sizeof(f->why),
		    "its CA is not a qualified CA (CA/QC) in the trusted "
		    "list");
		return;
	}
	if (in->status != TL_SS_GRANTED) {
		f->score = 2;
		snprintf(f->why, sizeof(f->why),
		    "its CA's status in the trusted list was %s at %s",
		    status_short(in->status_uri), when);
		return;
	}
	for (i = 0; i < in->nquals; i++) {
		if (in->quals[i].unreadable)
			f->unreadable = true;
		else if (qual_applies(s->signer, &in->quals[i]))
			qf |= in->quals[i].qualifiers;
	}
	f->qc = s->qcs.compliance;
	if (qf & TL_Q_QC_STATEMENT)
		f->qc = true;
	if (qf & TL_Q_NOT_QUALIFIED)
		f->qc = false;
	f->type = qf & TL_Q_FOR_ESIG       ? TL_ASI_ESIG
	          : qf & TL_Q_FOR_ESEAL    ? TL_ASI_ESEAL
	          : qf & TL_Q_FOR_WSA      ? TL_ASI_WSA
	          : qf & TL_Q_LEGAL_PERSON ? TL_ASI_ESEAL
	                                   : s->qcs.types;
	/* No QcType in a qualified certificate: for signatures (EN 319
	 * 412-5 4.2.3). */
	if (f->type == 0 && f->qc)
		f->type = TL_ASI_ESIG;
	if (f->type != TL_ASI_ESIG && f->type != TL_ASI_ESEAL &&
	    f->type != TL_ASI_WSA)
		f->type = 0; /* several types: not one of them */
	f->qscd = qf & (TL_Q_WITH_QSCD | TL_Q_QSCD_MANAGED) ? true
	          : qf & TL_Q_NO_QSCD                       ? false
	                                                    : s->qcs.sscd;
	if (f->qc && in->asi != 0 && f->type != 0 && (in->asi & f->type) == 0) {
		f->qc = false;
		snprintf(f->why, sizeof(f->why),
		    "its CA is granted, but not for the certificate's type "
		    "(%s)",
		    type_name(f->type));
	} else if (!f->qc)
		snprintf(f->why, sizeof(f->why),
		    "its CA is granted at %s, but the certificate is not "
		    "qualified (no QcCompliance statement)",
		    when);
	else
		snprintf(f->why, sizeof(f->why),
		    "its CA was granted (qualified) at %s; the certificate is "
		    "qualified%s%s",
		    when, f->qscd ? ", its key in a QSCD" : "",
		    f->type == TL_ASI_ESIG    ? ", for electronic signatures"
		    : f->type == TL_ASI_ESEAL ? ", for electronic seals"
		    : f->type == TL_ASI_WSA   ? ", for website authentication"
		                              : "");
	f->qscd = f->qc && f->qscd;
	f->score = f->qc ? (f->qscd ? 5 : 4) : 3;
}

/*
 * A service whose certificate is the signer's issuer or in its chain:
 * the certificate is qualified when the service says so both when it was
 * issued and at the best signature time (as the EU's DSS).
 */
static void
on_service(const struct tl_list *l, const struct tl_service *sv, void *arg)
{
	struct search *s = arg;
	struct finding f, fi;
	char when[32];
	int i;

	for (i = 0; i < sv->ncerts; i++)
		if (svc_matches(s, sv->certs[i]))
			break;
	if (i == sv->ncerts)
		return;
	eval_at(s, sv, s->t, &f);
	if (f.qc) {
		eval_at(s, sv, s->issued, &fi);
		f.unreadable = f.unreadable || fi.unreadable;
		if (!fi.qc) {
			fmt_when(s->issued, when, sizeof(when));
			f.qc = f.qscd = false;
			f.score = 3;
			snprintf(f.why, sizeof(f.why),
			    "its CA is granted now, but the certificate was "
			    "not qualified when it was issued (%s): ",
			    when);
			cut(f.why + strlen(f.why),
			    sizeof(f.why) - strlen(f.why), fi.why);
		} else if (!fi.qscd && f.qscd) {
			f.qscd = false;
			f.score = 4;
		}
	}
	if (s->found && f.score <= s->score)
		return;
	s->found = true;
	s->score = f.score;
	s->qc = f.qc;
	s->qscd = f.qscd;
	s->type = f.type != 0 ? f.type : s->qcs.types;
	s->unreadable = f.unreadable;
	snprintf(s->service, sizeof(s->service), "%s", sv->name);
	snprintf(s->territory, sizeof(s->territory), "%s", l->territory);
	snprintf(s->status, sizeof(s->status), "%s",
	    f.in != NULL ? f.in->status_uri : "");
	cut(s->why, sizeof(s->why), f.why);
}

static X509 *
obj_cert(const struct sign_report *r, int vo)
{
	const unsigned char *p;

	if (vo < 1 || vo > r->nobjs || r->objs[vo - 1].type != SIGN_VO_CERT)
		return NULL;
	p = r->objs[vo - 1].der;
	return d2i_X509(NULL, &p, (long)r->objs[vo - 1].len);
}

void
tl_qualify(const struct sign_report *r, const struct sign_vsig *sig,
    struct tl_qualification *q)
{
	struct search s;
	struct tm nb;
	bool any = false;
	int i;

	memset(q, 0, sizeof(*q));
	q->type = "";
	if (sig->kind == SIGN_VK_DOCTS)
		return;
	memset(&s, 0, sizeof(s));
	s.t = sig->poe != 0 ? sig->poe : r->at;
	q->at = s.t;
	s.signer = sig->nchain > 0 ? obj_cert(r, sig->vo_chain[0]) : NULL;
	if (s.signer == NULL) {
		q->res = sig->ind == SIGN_IND_FAILED ? TL_QR_NOT_ADES
		                                     : TL_QR_INDETERMINATE;
		snprintf(q->why, sizeof(q->why),
		    "the signer's certificate was not identified");
		return;
	}
	for (i = 1; i < sig->nchain && s.nchain < SIGN_VCHAIN_MAX; i++) {
		s.chain[s.nchain] = obj_cert(r, sig->vo_chain[i]);
		if (s.chain[s.nchain] != NULL)
			s.nchain++;
	}
	qcs_read(s.signer, &s.qcs);
	if (ASN1_TIME_to_tm(X509_get0_notBefore(s.signer), &nb) == 1)
		s.issued = (int64_t)timegm(&nb);
	tl_each_service(r->at, on_service, &s, &any);
	if (!any) {
		q->res = TL_QR_INDETERMINATE;
		snprintf(q->why, sizeof(q->why),
		    "no trusted list is loaded and current");
		goto out;
	}
	if (!s.found)
		snprintf(s.why, sizeof(s.why),
		    "its CA is in none of the trusted lists");
	q->qc = s.qc;
	q->qscd = s.qscd;
	q->type = type_name(s.type);
	q->indeterminate = sig->ind == SIGN_IND_INDETERMINATE;
	snprintf(q->service, sizeof(q->service), "%s", s.service);
	snprintf(q->territory, sizeof(q->territory), "%s", s.territory);
	snprintf(q->status, sizeof(q->status), "%s", s.status);
	snprintf(q->why, sizeof(q->why), "%s", s.why);
	if (s.unreadable) {
		q->res = TL_QR_INDETERMINATE;
		snprintf(q->why, sizeof(q->why),
		    "the trusted list qualifies its CA's certificates with a "
		    "criterion we cannot evaluate");
	} else if (sig->ind == SIGN_IND_FAILED)
		q->res = s.qc ? TL_QR_NOT_ADES_QC : TL_QR_NOT_ADES;
	else if (s.qc && s.type == TL_ASI_ESIG)
		q->res = s.qscd ? TL_QR_QESIG : TL_QR_ADESIG_QC;
	else if (s.qc && s.type == TL_ASI_ESEAL)
		q->res = s.qscd ? TL_QR_QESEAL : TL_QR_ADESEAL_QC;
	else
		q->res = s.type == TL_ASI_ESIG    ? TL_QR_ADESIG
		         : s.type == TL_ASI_ESEAL ? TL_QR_ADESEAL
		                                  : TL_QR_ADES;
out:
	X509_free(s.signer);
	for (i = 0; i < s.nchain; i++)
		X509_free(s.chain[i]);
}

static const struct {
	enum tl_qres res;
	const char *name, *uri;
} qres[] = {
	{ TL_QR_QESIG, "QESig", "QESig" },
	{ TL_QR_QESEAL, "QESeal", "QESeal" },
	{ TL_QR_ADESIG_QC, "AdESig-QC", "AdESigQC" },
	{ TL_QR_ADESEAL_QC, "AdESeal-QC", "AdESealQC" },
	{ TL_QR_ADESIG, "AdESig", "AdESig" },
	{ TL_QR_ADESEAL, "AdESeal", "AdESeal" },
	{ TL_QR_ADES, "AdES?", "AdES" },
	{ TL_QR_NOT_ADES_QC, "Not AdES but QC", "notAdESbutQC" },
	{ TL_QR_NOT_ADES, "Not AdES", "notAdES" },
	{ TL_QR_INDETERMINATE, "N/A", "notApplicable" },
};

#define QR_URN "urn:cef:dss:signatureQualification:"

const char *
tl_qres_name(const struct tl_qualification *q, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(qres); i++)
		if (qres[i].res == q->res) {
			snprintf(buf, n, "%s%s",
			    q->indeterminate && q->res <= TL_QR_ADES
			        ? "Indeterminate "
			        : "",
			    qres[i].name);
			return buf;
		}
	snprintf(buf, n, "%s", "");
	return buf;
}

const char *
tl_qres_uri(const struct tl_qualification *q, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(qres); i++)
		if (qres[i].res == q->res) {
			if (q->indeterminate && q->res <= TL_QR_ADES)
				snprintf(buf, n, QR_URN "indeterminate%s",
				    qres[i].uri);
			else
				snprintf(buf, n, QR_URN "%s", qres[i].uri);
			return buf;
		}
	snprintf(buf, n, "%s", "");
	return buf;
}
