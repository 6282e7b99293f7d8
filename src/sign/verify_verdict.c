/*
 * verify_verdict.c: what the checks of verify_cms.c add up to: each
 * entry's proof of existence (its signature timestamp, or a later
 * document timestamp over it), the revocation of its chain for that
 * time, its level (B-B, B-T, B-LT, B-LTA) and its verdict (ETSI EN 319
 * 102-1: the first check that decides it); the report's verdict is the
 * worst of its entries and their timestamps.
 */
#include <string.h>

#include <openssl/x509.h>

#include "sign/verify_int.h"

/* The verdict of a timestamp token from its checks. */
static void
ts_verdict(struct sign_vts *ts, enum sign_ind rind, enum sign_sub rsub)
{
	ts->ind = SIGN_IND_PASSED;
	ts->sub = SIGN_SUB_NONE;
	if (ts->signature.st == SIGN_CHK_FAILED) {
		ts->ind = SIGN_IND_FAILED;
		ts->sub = SIGN_SUB_SIG_CRYPTO_FAILURE;
	} else if (ts->imprint.st != SIGN_CHK_OK) {
		ts->ind = SIGN_IND_FAILED;
		ts->sub = SIGN_SUB_HASH_FAILURE;
	} else if (ts->chain.st != SIGN_CHK_OK) {
		ts->ind = SIGN_IND_INDETERMINATE;
		ts->sub = ts->chain.st == SIGN_CHK_FAILED
		              ? SIGN_SUB_CERTIFICATE_CHAIN_GENERAL_FAILURE
		              : SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND;
	} else if (rind != SIGN_IND_PASSED) {
		ts->ind = rind;
		ts->sub = rsub;
	}
}

/* The verdict of an entry: the first check that decides it. */
static void
verdict(struct ventry *e, enum sign_ind rind, enum sign_sub rsub)
{
	struct sign_vsig *s = e->s;
	const struct sign_check *c = NULL;
	enum sign_ind ind = SIGN_IND_PASSED;
	enum sign_sub sub = SIGN_SUB_NONE;

	if (s->format.st != SIGN_CHK_OK) {
		ind = SIGN_IND_FAILED, sub = SIGN_SUB_FORMAT_FAILURE;
		c = &s->format;
	} else if (s->signer_id.st == SIGN_CHK_FAILED) {
		ind = SIGN_IND_FAILED, sub = SIGN_SUB_FORMAT_FAILURE;
		c = &s->signer_id;
	} else if (s->digest.st == SIGN_CHK_FAILED) {
		ind = SIGN_IND_FAILED, sub = SIGN_SUB_HASH_FAILURE;
		c = &s->digest;
	} else if (s->signature.st == SIGN_CHK_FAILED) {
		ind = SIGN_IND_FAILED, sub = SIGN_SUB_SIG_CRYPTO_FAILURE;
		c = &s->signature;
	} else if (s->changes.st == SIGN_CHK_FAILED) {
		ind = SIGN_IND_FAILED, sub = SIGN_SUB_FORMAT_FAILURE;
		c = &s->changes;
	} else if (rind == SIGN_IND_FAILED) {
		ind = rind, sub = rsub;
		c = &s->revocation;
	} else if (s->signer_id.st != SIGN_CHK_OK) {
		ind = SIGN_IND_INDETERMINATE;
		sub = SIGN_SUB_NO_SIGNING_CERTIFICATE_FOUND;
		c = &s->signer_id;
	} else if (s->chain.st != SIGN_CHK_OK) {
		ind = SIGN_IND_INDETERMINATE;
		sub = e->chain_err == X509_V_OK
		          ? SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND
		          : vchain_sub(e->chain_err);
		c = &s->chain;
	} else if (rind != SIGN_IND_PASSED) {
		ind = rind, sub = rsub;
		c = &s->revocation;
	}
	s->ind = ind;
	s->sub = sub;
	if (c != NULL)
		snprintf(s->why, sizeof(s->why), "%s", c->msg);
}

/* Is the token a timestamp of these bytes, cryptographically? */
static bool
ts_sound(const struct sign_vts *ts)
{
	return ts->present && ts->imprint.st == SIGN_CHK_OK &&
	       ts->signature.st == SIGN_CHK_OK;
}

/* Is the timestamp of e a proof of existence (valid to an anchor)? */
static bool
ts_poe(const struct sign_vts *ts)
{
	return ts->present && ts->imprint.st == SIGN_CHK_OK &&
	       ts->signature.st == SIGN_CHK_OK && ts->chain.st == SIGN_CHK_OK;
}

void
vverdict_finish(struct vctx *v, struct ventry *es, int n)
{
	enum sign_ind rind, tind;
	enum sign_sub rsub, tsub;

	int i, j;
	int64_t poe, tpoe;

	/* From the last entry back: a later document timestamp over an
	 * entry is a proof of existence for it (and for its TSA). */
	for (i = n - 1; i >= 0; i--) {
		struct ventry *e = &es[i];
		struct sign_vsig *s = e->s;

		e->ts_valid = ts_poe(&s->ts);
		tind = SIGN_IND_PASSED;
		tsub = SIGN_SUB_NONE;
		tpoe = 0;
		for (j = i + 1; j < n; j++)
			if (es[j].s->kind == SIGN_VK_DOCTS && es[j].ts_valid &&
			    (tpoe == 0 || es[j].ts_time < tpoe))
				tpoe = es[j].ts_time;
		if (s->ts.present) {
			STACK_OF(X509) *tc =
			    s->kind == SIGN_VK_DOCTS ? e->chain : e->ts_chain;

			/* The TSA's certificate must be good at genTime:
			 * data from after it (in the file) shows that. */
			if (tc != NULL)
				vrev_chain(v, tc, s->ts.time, 0,
				    &s->ts.revocation, &tind, &tsub);
			else
				vcheck_set(&s->ts.revocation, SIGN_CHK_NONE,
				    "no trusted chain");
			ts_verdict(&s->ts, tind, tsub);
			e->ts_valid =
			    e->ts_valid && s->ts.ind == SIGN_IND_PASSED;
		}
		if (s->ats.present) {
			enum sign_ind aind = SIGN_IND_PASSED;
			enum sign_sub asub = SIGN_SUB_NONE;

			if (e->ats_chain != NULL)
				vrev_chain(v, e->ats_chain, s->ats.time, 0,
				    &s->ats.revocation, &aind, &asub);
			else
				vcheck_set(&s->ats.revocation, SIGN_CHK_NONE,
				    "no trusted chain");
			ts_verdict(&s->ats, aind, asub);
		}
		poe = tpoe;
		if (s->kind != SIGN_VK_DOCTS && e->ts_valid &&
		    (poe == 0 || e->ts_time < poe))
			poe = e->ts_time;
		if (s->kind == SIGN_VK_DOCTS)
			poe = tpoe;
		s->poe = poe;
		if (e->chain == NULL && e->signer != NULL && poe != 0 &&
		    e->chain_err == X509_V_ERR_CERT_HAS_EXPIRED) {
			e->chain_err = vchain_build(
			    v, e->signer, e->certs, 0, poe, &e->chain);
			if (e->chain_err == X509_V_OK)
				vcheck_set(&s->chain, SIGN_CHK_OK,
				    "the certificate chains to a trust anchor "
				    "at the proof of existence (it has "
				    "expired since)");
		}
		if (s->kind == SIGN_VK_DOCTS) {
			s->revocation = s->ts.revocation;
			rind = tind;
			rsub = tsub;
		} else if (e->chain != NULL) {
			vrev_chain(v, e->chain, poe, s->claimed, &s->revocation,
			    &rind, &rsub);
		} else {
			vcheck_set(
			    &s->revocation, SIGN_CHK_NONE, "no trusted chain");
			rind = SIGN_IND_INDETERMINATE;
			rsub = SIGN_SUB_NO_CERTIFICATE_CHAIN_FOUND;
		}
		/*
		 * Level: what the signature carries (EN 319 142-1 / 122-1):
		 * a sound timestamp over it (B-T), the validation data of
		 * its chain in the file (B-LT), a document timestamp over
		 * that (B-LTA; for a CAdES its archive-time-stamp-v3). Whether
		 * they validate is the verdict's.
		 */
		if (s->kind != SIGN_VK_DOCTS && e->baseline &&
		    s->signer_id.st == SIGN_CHK_OK) {
			bool t = ts_sound(&s->ts);

			for (j = i + 1; !t && j < n; j++)
				t = es[j].s->kind == SIGN_VK_DOCTS &&
				    ts_sound(&es[j].s->ts);
			s->level = t ? SIGN_VL_BT : SIGN_VL_BB;
			if (t && e->chain != NULL &&
			    vrev_chain_in_file(v, e->chain))
				s->level = SIGN_VL_BLT;
			for (j = i + 1; s->level == SIGN_VL_BLT && j < n; j++)
				if (es[j].s->kind == SIGN_VK_DOCTS &&
				    ts_sound(&es[j].s->ts) && es[j].dss_in_rev)
					s->level = SIGN_VL_BLTA;
			/* CAdES: an archive-time-stamp-v3 over it. */
			if (s->level == SIGN_VL_BLT && ts_sound(&s->ats))
				s->level = SIGN_VL_BLTA;
		}
		verdict(e, rind, rsub);
	}
}

void
vverdict_report(struct sign_report *r)
{
	int i;

	r->ind = SIGN_IND_PASSED;
	if (r->nsigs == 0) {
		r->ind = SIGN_IND_FAILED;
		r->sub = SIGN_SUB_FORMAT_FAILURE;
		snprintf(r->why, sizeof(r->why), "no signature in the file");
		return;
	}
	for (i = 0; i < r->nsigs; i++) {
		struct sign_vsig *s = &r->sigs[i];

		if (s->ind > r->ind) {
			r->ind = s->ind;
			r->sub = s->sub;
			snprintf(r->why, sizeof(r->why), "%s %d: %.150s",
			    s->kind == SIGN_VK_DOCTS ? "document timestamp"
			                             : "signature",
			    i + 1, s->why);
		}
		if (s->kind != SIGN_VK_DOCTS && s->ts.present &&
		    s->ts.ind > r->ind) {
			r->ind = s->ts.ind;
			r->sub = s->ts.sub;
			snprintf(r->why, sizeof(r->why),
			    "timestamp of signature %d", i + 1);
		}
		if (s->ats.present && s->ats.ind > r->ind) {
			r->ind = s->ats.ind;
			r->sub = s->ats.sub;
			snprintf(r->why, sizeof(r->why),
			    "archive timestamp of signature %d: %.150s", i + 1,
			    s->ats.imprint.st != SIGN_CHK_OK
			        ? s->ats.imprint.msg
			        : s->ats.signature.msg);
		}
	}
}
