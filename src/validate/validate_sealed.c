/*
 * validate_sealed.c: the validation report as a PDF for people, sealed
 * with the platform's e-seal (validate.h, validate_pdf_sealed): what was
 * checked (the file's SHA-256 and size, never its name or content), when,
 * the overall indication, and for each signature and document time-stamp
 * its signer, times, level, indication, the check that decided it and,
 * with trusted lists, its qualification. The file goes as validate_pdf's
 * does; the report is sealed by signing_seal_mem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/clock.h"
#include "base/log.h"
#include "sign/pdf_doc.h"
#include "sign/sign.h"
#include "signing/signing.h"
#include "validate/tl.h"
#include "validate/validate.h"

#define SEALED_SIGS_MAX 32 /* signatures described; the rest counted */
#define SEALED_ROWS 10     /* key-value rows of one signature */
#define SEALED_TEXT 320

struct sealed_sig {
	struct pdf_doc_kv kv[SEALED_ROWS];
	char v[SEALED_ROWS][SEALED_TEXT];
	char title[64];
};

struct sealed_doc {
	bool en;
	struct pdf_doc_kv kv[6];
	char v[6][SEALED_TEXT];
	struct sealed_sig sig[SEALED_SIGS_MAX];
	struct pdf_doc_block b[4 + 2 * SEALED_SIGS_MAX];
	size_t nb;
	char more[128];
};

static const char *
tr(const struct sealed_doc *d, const char *ro, const char *en)
{
	return d->en ? en : ro;
}

static void
utc(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, n, "-");
		return;
	}
	strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void
indication(const char *ind, const char *sub, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", ind, sub[0] != '\0' ? " / " : "", sub);
}

/* One row: key k, value printed into the row's buffer. */
static void
row(struct pdf_doc_kv *kv, char (*v)[SEALED_TEXT], size_t *i, const char *k,
    const char *val)
{
	snprintf(v[*i], SEALED_TEXT, "%s", val != NULL && *val ? val : "-");
	kv[*i].key = k;
	kv[*i].value = v[*i];
	(*i)++;
}

static void
sig_rows(struct sealed_doc *d, const struct sign_vsig *s,
    const struct tl_qualification *q, int idx)
{
	struct sealed_sig *o = &d->sig[idx];
	char t[64], ind[128], qn[64];
	size_t i = 0;

	snprintf(o->title, sizeof(o->title), "%s %d",
	    s->kind == SIGN_VK_DOCTS ? tr(d, "Marcă temporală", "Time-stamp")
	                             : tr(d, "Semnătura", "Signature"),
	    idx + 1);
	indication(
	    sign_ind_str(s->ind), sign_sub_str(s->sub), ind, sizeof(ind));
	row(o->kv, o->v, &i, tr(d, "Rezultat", "Result"), ind);
	row(o->kv, o->v, &i, tr(d, "Semnatar", "Signer"),
	    s->kind == SIGN_VK_DOCTS ? s->ts.tsa : s->signer);
	row(o->kv, o->v, &i, tr(d, "Emitent", "Issuer"), s->issuer);
	row(o->kv, o->v, &i, tr(d, "Seria", "Serial"), s->serial);
	utc(s->claimed, t, sizeof(t));
	row(o->kv, o->v, &i, tr(d, "Ora declarată", "Claimed time"), t);
	utc(s->poe, t, sizeof(t));
	row(o->kv, o->v, &i,
	    tr(d, "Cea mai bună oră a semnăturii", "Best signature time"), t);
	row(o->kv, o->v, &i, tr(d, "Nivel", "Level"), sign_level_str(s->level));
	row(o->kv, o->v, &i, tr(d, "Motiv", "Why"), s->why);
	if (q != NULL && q->res != TL_QR_NONE)
		row(o->kv, o->v, &i, tr(d, "Calificare", "Qualification"),
		    tl_qres_name(q, qn, sizeof(qn)));
	row(o->kv, o->v, &i, tr(d, "Acoperă tot fișierul", "Covers the file"),
	    s->whole ? tr(d, "da", "yes") : tr(d, "nu", "no"));
	d->b[d->nb].kind = PDF_DOC_HEADING;
	d->b[d->nb++].text = o->title;
	d->b[d->nb].kind = PDF_DOC_KV;
	d->b[d->nb].kv = o->kv;
	d->b[d->nb++].nrows = i;
}

/* The report r of p[0..n) as a PDF into out. */
static enum pc_rc
sealed_render(struct sealed_doc *d, const struct sign_report *r,
    const struct tl_qualification *q, const uint8_t *p, size_t n,
    struct buf *out)
{
	struct pdf_doc_spec spec;
	uint8_t md[32];
	char hex[65], ind[128];
	size_t i = 0;
	int k;

	if (EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) != 1)
		return PC_ECRYPTO;
	hex_encode(md, sizeof(md), hex);
	row(d->kv, d->v, &i, "SHA-256", hex);
	snprintf(ind, sizeof(ind), "%zu", n);
	row(d->kv, d->v, &i, tr(d, "Octeți", "Bytes"), ind);
	utc(r->at, ind, sizeof(ind));
	row(d->kv, d->v, &i, tr(d, "Validat la", "Validated at"), ind);
	indication(
	    sign_ind_str(r->ind), sign_sub_str(r->sub), ind, sizeof(ind));
	row(d->kv, d->v, &i, tr(d, "Rezultat general", "Overall result"), ind);
	row(d->kv, d->v, &i, tr(d, "Motiv", "Why"), r->why);
	memset(d->b, 0, sizeof(d->b));
	d->b[0].kind = PDF_DOC_PARAGRAPH;
	d->b[0].text = tr(d,
	    "Raport de validare după ETSI EN 319 102-1, pentru fiecare "
	    "semnătură și marcă temporală a documentului de mai jos "
	    "(identificat prin amprenta lui; documentul nu este păstrat). "
	    "Raportul este sigilat de furnizor.",
	    "Validation report following ETSI EN 319 102-1, for each "
	    "signature and time-stamp of the document below (named by its "
	    "hash; the document is not kept). The report is sealed by the "
	    "provider.");
	d->b[1].kind = PDF_DOC_KV;
	d->b[1].kv = d->kv;
	d->b[1].nrows = i;
	d->nb = 2;
	for (k = 0; k < r->nsigs && k < SEALED_SIGS_MAX; k++)
		sig_rows(d, &r->sigs[k], q != NULL ? &q[k] : NULL, k);
	if (r->nsigs > SEALED_SIGS_MAX) {
		snprintf(d->more, sizeof(d->more), "%s: %d",
		    tr(d, "Semnături nedescrise aici", "Signatures not shown"),
		    r->nsigs - SEALED_SIGS_MAX);
		d->b[d->nb].kind = PDF_DOC_SMALL;
		d->b[d->nb++].text = d->more;
	}
	memset(&spec, 0, sizeof(spec));
	spec.title = tr(d, "Raport de validare", "Validation report");
	spec.lang = d->en ? "en" : "ro";
	spec.blocks = d->b;
	spec.nblocks = d->nb;
	return pdf_doc_render(&spec, out);
}

enum pc_rc
validate_report_sealed(const struct pc_env *e, const struct sign_report *r,
    const struct tl_qualification *q, const uint8_t *p, size_t n,
    const char *lang, struct buf *out, struct pc_err *err)
{
	struct sealed_doc *d = NULL;
	struct buf pdf;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && r != NULL && p != NULL && out != NULL, PC_EINTERNAL);
	buf_init(&pdf, 8u << 20);
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	d->en = lang != NULL && strcmp(lang, "en") == 0;
	rc = sealed_render(d, r, q, p, n, &pdf);
	if (rc != PC_OK)
		goto out;
	rc = signing_seal_mem(e, pdf.data, pdf.len,
	    d->en ? "Validation report" : "Raport de validare", out, err);
out:
	buf_cleanup(&pdf);
	free(d);
	return rc;
}

enum pc_rc
validate_pdf_sealed(const struct pc_env *e, const uint8_t *p, size_t n,
    const char *lang, struct buf *out, struct pc_err *err)
{
	struct sign_report *r = NULL;
	struct tl_qualification *q = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && out != NULL, PC_EINTERNAL);
	rc = validate_pdf_report(e, p, n, &r, &q, err);
	if (rc == PC_OK)
		rc = validate_report_sealed(e, r, q, p, n, lang, out, err);
	free(q);
	sign_report_free(r);
	return rc;
}
