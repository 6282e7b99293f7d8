/*
 * vreport.c: the verification report's names, its text and JSON
 * renderings, and small helpers of the verify_*.c files. See vreport.h.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/asn1.h>

#include "sign/verify_int.h"
#include "sign/vreport.h"

const char *
sign_ind_str(enum sign_ind ind)
{
	switch (ind) {
	case SIGN_IND_PASSED:
		return "TOTAL-PASSED";
	case SIGN_IND_FAILED:
		return "TOTAL-FAILED";
	default:
		return "INDETERMINATE";
	}
}

const char *
sign_sub_str(enum sign_sub sub)
{
	static const char *const names[] = {
		[SIGN_SUB_NONE] = "",
		[SIGN_SUB_FORMAT_FAILURE] = "FORMAT_FAILURE",
		[SIGN_SUB_HASH_FAILURE] = "HASH_FAILURE",
		[SIGN_SUB_SIG_CRYPTO_FAILURE] = "SIG_CRYPTO_FAILURE",
		[SIGN_SUB_REVOKED] = "REVOKED",
		[SIGN_SUB_EXPIRED] = "EXPIRED",
		[SIGN_SUB_NOT_YET_VALID] = "NOT_YET_VALID",
		[SIGN_SUB_CHAIN_CONSTRAINTS_FAILURE] =
		    "CHAIN_CONSTRAINTS_FAILURE",
		[SIGN_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE] =
		    "CERTIFICATE_CHAIN_GENERAL_FAILURE",
		[SIGN_SUB_NO_SIGNING_CERTIFICATE_FOUND] =
		    "NO_SIGNING_CERTIFICATE_FOUND",
		[SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND] =
		    "NO_CERTIFICATE_CHAIN_FOUND",
		[SIGN_SUB_REVOKED_NO_POE] = "REVOKED_NO_POE",
		[SIGN_SUB_REVOKED_CA_NO_POE] = "REVOKED_CA_NO_POE",
		[SIGN_SUB_OUT_OF_BOUNDS_NO_POE] = "OUT_OF_BOUNDS_NO_POE",
		[SIGN_SUB_TRY_LATER] = "TRY_LATER",
		[SIGN_SUB_SIGNED_DATA_NOT_FOUND] = "SIGNED_DATA_NOT_FOUND",
	};

	if ((unsigned)sub >= sizeof(names) / sizeof(names[0]) ||
	    names[sub] == NULL)
		return "";
	return names[sub];
}

const char *
sign_level_str(enum sign_vlevel l)
{
	switch (l) {
	case SIGN_VL_BB:
		return "B-B";
	case SIGN_VL_BT:
		return "B-T";
	case SIGN_VL_BLT:
		return "B-LT";
	case SIGN_VL_BLTA:
		return "B-LTA";
	default:
		return "none";
	}
}

int
sign_report_exit(const struct sign_report *r)
{
	switch (r->ind) {
	case SIGN_IND_PASSED:
		return 0;
	case SIGN_IND_FAILED:
		return 1;
	default:
		return 2;
	}
}

void
sign_report_free(struct sign_report *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nobjs; i++)
		free(r->objs[i].der);
	free(r->objs);
	free(r->sigs);
	free(r);
}

void
vcheck_set(struct sign_check *c, enum sign_chk st, const char *fmt, ...)
{
	va_list ap;

	c->st = st;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
}

void
vtime_str(int64_t t, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, n, "none");
		return;
	}
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t
vasn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

static const char *
chk_str(enum sign_chk st)
{
	switch (st) {
	case SIGN_CHK_OK:
		return "ok";
	case SIGN_CHK_FAILED:
		return "FAILED";
	case SIGN_CHK_UNSURE:
		return "undecided";
	default:
		return "not made";
	}
}

static const char *
kind_str(const struct sign_vsig *s)
{
	if (s->kind == SIGN_VK_DOCTS)
		return "document-timestamp";
	if (s->kind == SIGN_VK_CADES)
		return "cades";
	return s->docmdp != 0 ? "certification" : "signature";
}

static void
text_check(FILE *f, const char *name, const struct sign_check *c)
{
	fprintf(f, "  %s: %s (%s)\n", name, chk_str(c->st), c->msg);
}

static void
text_sig(FILE *f, int idx, const struct sign_vsig *s)
{
	char t[40];
	int i;

	fprintf(f, "%s %d",
	    s->kind == SIGN_VK_DOCTS ? "Document timestamp"
	    : s->docmdp != 0         ? "Certification signature"
	                             : "Signature",
	    idx);
	if (s->field[0] != '\0')
		fprintf(f, " (field %s, %s)", s->field, s->subfilter);
	fprintf(f, ":\n");
	fprintf(f, "  %s: %s\n", s->kind == SIGN_VK_DOCTS ? "TSA" : "signer",
	    s->signer[0] != '\0' ? s->signer : "not identified");
	if (s->kind != SIGN_VK_DOCTS) {
		vtime_str(s->claimed, t, sizeof(t));
		fprintf(f, "  claimed time: %s\n", t);
	}
	vtime_str(s->ts.time, t, sizeof(t));
	fprintf(f, "  timestamp time: %s\n", t);
	if (s->kind != SIGN_VK_DOCTS)
		fprintf(f, "  level: %s%s\n",
		    s->level == SIGN_VL_NONE   ? ""
		    : s->kind == SIGN_VK_CADES ? "CAdES-"
		                               : "PAdES-",
		    s->level == SIGN_VL_NONE ? "none (not a baseline signature)"
		                             : sign_level_str(s->level));
	if (s->docmdp != 0)
		fprintf(f, "  certification: DocMDP P=%d\n", s->docmdp);
	if (s->kind != SIGN_VK_CADES)
		fprintf(f, "  covers: %s (%lld bytes)\n",
		    s->whole ? "the whole file" : "an earlier revision",
		    (long long)s->rev_end);
	text_check(f, "format", &s->format);
	if (s->kind != SIGN_VK_DOCTS)
		text_check(f, "signer certificate", &s->signer_id);
	text_check(f, "digest", &s->digest);
	text_check(f, "signature", &s->signature);
	if (s->kind != SIGN_VK_DOCTS && s->ts.present) {
		text_check(f, "timestamp imprint", &s->ts.imprint);
		text_check(f, "timestamp signature", &s->ts.signature);
		text_check(f, "timestamp chain", &s->ts.chain);
		text_check(f, "timestamp revocation", &s->ts.revocation);
		fprintf(f, "  timestamp: %s%s%s\n",
		    s->ts.ind == SIGN_IND_PASSED ? "ok"
		                                 : sign_ind_str(s->ts.ind),
		    s->ts.sub != SIGN_SUB_NONE ? " " : "",
		    sign_sub_str(s->ts.sub));
	} else if (s->kind == SIGN_VK_DOCTS) {
		text_check(f, "TSA revocation", &s->ts.revocation);
	}
	if (s->ats.present) {
		vtime_str(s->ats.time, t, sizeof(t));
		fprintf(f, "  archive timestamp time: %s\n", t);
		text_check(f, "archive timestamp imprint", &s->ats.imprint);
		text_check(f, "archive timestamp signature", &s->ats.signature);
		text_check(f, "archive timestamp chain", &s->ats.chain);
		text_check(
		    f, "archive timestamp revocation", &s->ats.revocation);
		fprintf(f, "  archive timestamp: %s%s%s\n",
		    s->ats.ind == SIGN_IND_PASSED ? "ok"
		                                  : sign_ind_str(s->ats.ind),
		    s->ats.sub != SIGN_SUB_NONE ? " " : "",
		    sign_sub_str(s->ats.sub));
	}
	text_check(f, "chain", &s->chain);
	text_check(f, "revocation", &s->revocation);
	if (s->kind != SIGN_VK_CADES)
		text_check(f, "changes", &s->changes);
	for (i = 0; i < s->nchanges; i++) {
		fprintf(f, "    - %s: %s",
		    s->change[i].allowed ? "allowed" : "NOT ALLOWED",
		    s->change[i].what);
		if (s->change[i].page != 0)
			fprintf(f, " (page %d)", s->change[i].page);
		fprintf(f, "\n");
	}
	if (s->changes_more)
		fprintf(f, "    - ... more changes\n");
	fprintf(f, "  => %s%s%s%s%s\n", sign_ind_str(s->ind),
	    s->sub != SIGN_SUB_NONE ? " / " : "", sign_sub_str(s->sub),
	    s->why[0] != '\0' ? ": " : "", s->why);
}

void
sign_report_text(const struct sign_report *r, FILE *f)
{
	int i;

	for (i = 0; i < r->nsigs; i++)
		text_sig(f, i + 1, &r->sigs[i]);
	if (r->trailing > 0)
		fprintf(f, "%lld byte(s) after the last %%%%EOF%s\n",
		    (long long)r->trailing,
		    r->trailing_bad ? " (not white space: not covered by any "
		                      "signature)"
		                    : " (white space)");
	if (r->nsigs == 0)
		fprintf(f, "%s: no signatures\n", r->file);
	fprintf(f, "Result: %s%s%s%s%s\n", sign_ind_str(r->ind),
	    r->sub != SIGN_SUB_NONE ? " / " : "", sign_sub_str(r->sub),
	    r->why[0] != '\0' ? ": " : "", r->why);
}

static json_t *
jtime(int64_t t)
{
	char s[40];

	if (t == 0)
		return json_null();
	vtime_str(t, s, sizeof(s));
	return json_string(s);
}

static json_t *
jcheck(const struct sign_check *c)
{
	static const char *const st[] = { "not_made", "ok", "failed",
		"undecided" };

	return json_pack("{s:s, s:s}", "status", st[c->st], "message", c->msg);
}

static json_t *
jsub(enum sign_sub sub)
{
	return sub == SIGN_SUB_NONE ? json_null()
	                            : json_string(sign_sub_str(sub));
}

static json_t *
jts(const struct sign_vts *ts)
{
	if (!ts->present)
		return json_null();
	return json_pack("{s:o, s:s, s:s, s:o, s:{s:o, s:o, s:o, s:o}}", "time",
	    jtime(ts->time), "tsa", ts->tsa, "indication",
	    sign_ind_str(ts->ind), "subIndication", jsub(ts->sub), "checks",
	    "imprint", jcheck(&ts->imprint), "signature",
	    jcheck(&ts->signature), "chain", jcheck(&ts->chain), "revocation",
	    jcheck(&ts->revocation));
}

static json_t *
jsig(int idx, const struct sign_vsig *s)
{
	json_t *o, *ch;
	int i;

	ch = json_array();
	for (i = 0; ch != NULL && i < s->nchanges; i++)
		json_array_append_new(ch,
		    json_pack("{s:b, s:o, s:o, s:s}", "allowed",
		        s->change[i].allowed, "page",
		        s->change[i].page != 0 ? json_integer(s->change[i].page)
		                               : json_null(),
		        "object",
		        s->change[i].obj != 0 ? json_integer(s->change[i].obj)
		                              : json_null(),
		        "what", s->change[i].what));
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:b, "
	              "s:I, s:o, s:o, s:s, s:o, s:s}",
	    "index", idx, "type", kind_str(s), "field", s->field, "subFilter",
	    s->subfilter, "signer", s->signer, "issuer", s->issuer, "serial",
	    s->serial, "claimedTime", jtime(s->claimed), "level",
	    sign_level_str(s->level), "coversWholeFile", s->whole,
	    "byteRangeEnd", (json_int_t)s->rev_end, "docMDP",
	    s->docmdp != 0 ? json_integer(s->docmdp) : json_null(),
	    "bestSignatureTime", jtime(s->poe), "indication",
	    sign_ind_str(s->ind), "subIndication", jsub(s->sub), "reason",
	    s->why);
	if (o == NULL) {
		json_decref(ch);
		return NULL;
	}
	json_object_set_new(o, "checks",
	    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "format",
	        jcheck(&s->format), "signerCertificate", jcheck(&s->signer_id),
	        "digest", jcheck(&s->digest), "signature",
	        jcheck(&s->signature), "chain", jcheck(&s->chain), "revocation",
	        jcheck(&s->revocation), "changes", jcheck(&s->changes)));
	json_object_set_new(o, "timestamp", jts(&s->ts));
	if (s->ats.present)
		json_object_set_new(o, "archiveTimestamp", jts(&s->ats));
	json_object_set_new(o, "changes", ch);
	json_object_set_new(
	    o, "changesTruncated", json_boolean(s->changes_more));
	return o;
}

enum pc_rc
sign_report_json(const struct sign_report *r, FILE *f)
{
	json_t *o, *sigs;
	char *txt;
	int i;
	enum pc_rc rc = PC_OK;

	sigs = json_array();
	for (i = 0; sigs != NULL && i < r->nsigs; i++)
		json_array_append_new(sigs, jsig(i + 1, &r->sigs[i]));
	o = json_pack("{s:s, s:s, s:o, s:b, s:b, s:I, s:I, s:b, s:i, s:s, "
	              "s:o, s:s, s:o}",
	    "file", r->file, "format", r->pdf ? "pdf" : "cms", "validationTime",
	    jtime(r->at), "trustAnchors", r->anchors, "revocationFetched",
	    r->online, "size", (json_int_t)r->size, "trailingBytes",
	    (json_int_t)r->trailing, "trailingNotWhiteSpace", r->trailing_bad,
	    "revisions", r->revisions, "indication", sign_ind_str(r->ind),
	    "subIndication", jsub(r->sub), "reason", r->why, "signatures",
	    sigs);
	txt = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
	                : NULL;
	if (txt == NULL)
		rc = PC_ENOMEM;
	else if (fprintf(f, "%s\n", txt) < 0)
		rc = PC_EIO;
	free(txt);
	json_decref(o);
	return rc;
}
