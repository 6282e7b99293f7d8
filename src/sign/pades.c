/*
 * pades.c: PAdES baseline signatures (ETSI EN 319 142-1, B-B and B-T) by an
 * incremental update with MuPDF.
 *
 * MuPDF's pdf_sign_signature hard-codes /adbe.pkcs7.detached, so the
 * signature dictionary is built here (Type Sig, Filter Adobe.PPKLite,
 * SubFilter ETSI.CAdES.detached, M, Reason, Location) and stored as an
 * unsaved signature. The file work is ours (pades_io.c): the original is
 * copied into a temporary file next to the output (copy_file_range) while
 * a thread hashes it; MuPDF writes only the incremental update, with a
 * create_digest that returns zeros, so /ByteRange is final and /Contents
 * a zero placeholder; the hash is completed over the rest of the byte
 * ranges. sign_pades_finish then builds the CMS (no signing-time: the time
 * is /M), writes its hex into /Contents, syncs and renames the file into
 * place, so no error ever leaves a partial output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "base/clock.h"
#include "base/log.h"
#include "sign/ltv.h"
#include "sign/pades_int.h"
#include "sign/pades_io.h"
#include "sign/pdf_intake.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

static pdf_pkcs7_signer *
ps_keep(fz_context *ctx, pdf_pkcs7_signer *base)
{
	((struct pades_signer *)base)->refs++;
	return base;
}

static void
ps_drop(fz_context *ctx, pdf_pkcs7_signer *base)
{
	((struct pades_signer *)base)->refs--;
}

static pdf_pkcs7_distinguished_name *
ps_name(fz_context *ctx, pdf_pkcs7_signer *base)
{
	return NULL;
}

static size_t
ps_max(fz_context *ctx, pdf_pkcs7_signer *base)
{
	return ((struct pades_signer *)base)->max;
}

/*
 * Called inside the save. The byte ranges are hashed afterwards with large
 * reads, so the stream is not read: MuPDF writes zeros into /Contents.
 */
static int
ps_digest(fz_context *ctx, pdf_pkcs7_signer *base, fz_stream *in,
    unsigned char *out, size_t outlen)
{
	memset(out, 0, outlen);
	return (int)outlen;
}

void
sign_time_fmt(int64_t t, int tz_min, char *out, size_t n)
{
	struct tm tm;
	time_t tt;
	long off;

	if (tz_min == INT32_MIN) {
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		off = tm.tm_gmtoff;
	} else {
		off = (long)tz_min * 60;
		tt = (time_t)(t + off);
		gmtime_r(&tt, &tm);
	}
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d %c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 3600,
	    (labs(off) % 3600) / 60);
}

/* PDF date "D:YYYYMMDDHHmmSS+HH'mm'" from the human form above. */
static void
pdf_date(const char *h, char *out, size_t n)
{
	snprintf(out, n, "D:%.4s%.2s%.2s%.2s%.2s%.2s%c%.2s'%.2s'", h, h + 5,
	    h + 8, h + 11, h + 14, h + 17, h[20], h + 21, h + 24);
}

/* The signer's name for people: CN (UTF-8), else the whole subject. */
static void
signer_name(X509 *cert, char *out, size_t n)
{
	X509_NAME *nm = X509_get_subject_name(cert);

	if (!sign_name_cn(nm, out, n))
		X509_NAME_oneline(nm, out, (int)n);
}

/* A field name not used yet: "Signature1", "Signature2", ... */
void
pades_new_field_name(fz_context *ctx, pdf_document *doc, char *out, size_t n)
{
	int i;

	for (i = 1; i < 10000; i++) {
		snprintf(out, n, "Signature%d", i);
		if (sign_intake_find_field(ctx, doc, out) == NULL)
			return;
	}
}

/* A /Reference entry (signature reference dictionary) of v. */
static pdf_obj *
sigref_add(fz_context *ctx, pdf_document *doc, pdf_obj *v, pdf_obj *method)
{
	pdf_obj *refs, *sr, *tp;

	refs = pdf_dict_get(ctx, v, PDF_NAME(Reference));
	if (refs == NULL)
		refs = pdf_dict_put_array(ctx, v, PDF_NAME(Reference), 1);
	sr = pdf_array_push_dict(ctx, refs, 4);
	pdf_dict_put(ctx, sr, PDF_NAME(Type), PDF_NAME(SigRef));
	pdf_dict_put(ctx, sr, PDF_NAME(TransformMethod), method);
	tp = pdf_dict_put_dict(ctx, sr, PDF_NAME(TransformParams), 4);
	pdf_dict_put(ctx, tp, PDF_NAME(Type), PDF_NAME(TransformParams));
	pdf_dict_put_name(ctx, tp, PDF_NAME(V), "1.2");
	return tp;
}

/*
 * What the signature locks (ISO 32000-1 12.8.2): the field's /Lock, the
 * author's when there is one (kept) or /Action /All with --lock, goes
 * into a FieldMDP transform of the value; --certify writes a DocMDP
 * transform and the catalog's /Perms /DocMDP. Runs inside fz_try.
 */
static void
locks(fz_context *ctx, pdf_document *doc, pdf_obj *field, pdf_obj *v,
    const struct sign_opts *o)
{
	pdf_obj *lock, *tp, *root, *sr, *perms;

	root = pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Root));
	lock = pdf_dict_get(ctx, field, PDF_NAME(Lock));
	if (lock == NULL && o->lock) {
		lock = pdf_dict_put_dict(ctx, field, PDF_NAME(Lock), 2);
		pdf_dict_put_name(ctx, lock, PDF_NAME(Type), "SigFieldLock");
		pdf_dict_put(ctx, lock, PDF_NAME(Action), PDF_NAME(All));
	}
	if (o->certify != 0) {
		tp = sigref_add(ctx, doc, v, PDF_NAME(DocMDP));
		pdf_dict_put_int(ctx, tp, PDF_NAME(P), o->certify);
		perms = pdf_dict_get(ctx, root, PDF_NAME(Perms));
		if (perms == NULL)
			perms =
			    pdf_dict_put_dict(ctx, root, PDF_NAME(Perms), 1);
		pdf_dict_put(ctx, perms, PDF_NAME(DocMDP), v);
	}
	if (lock != NULL && pdf_dict_get(ctx, lock, PDF_NAME(Action)) != NULL) {
		tp = sigref_add(ctx, doc, v, PDF_NAME(FieldMDP));
		pdf_dict_put(ctx, tp, PDF_NAME(Action),
		    pdf_dict_get(ctx, lock, PDF_NAME(Action)));
		if (pdf_dict_get(ctx, lock, PDF_NAME(Fields)) != NULL)
			pdf_dict_put_drop(ctx, tp, PDF_NAME(Fields),
			    pdf_deep_copy_obj(ctx,
			        pdf_dict_get(ctx, lock, PDF_NAME(Fields))));
		/* The object the transform applies to: the catalog. */
		sr = pdf_array_get(ctx,
		    pdf_dict_get(ctx, v, PDF_NAME(Reference)),
		    pdf_array_len(
		        ctx, pdf_dict_get(ctx, v, PDF_NAME(Reference))) -
		        1);
		pdf_dict_put(ctx, sr, PDF_NAME(Data), root);
	}
}

/* The catalog's /AcroForm /Fields, made when missing, /SigFlags 3. */
pdf_obj *
pades_acro_fields(fz_context *ctx, pdf_document *doc)
{
	pdf_obj *root, *acro, *fields;

	root = pdf_dict_get(ctx, pdf_trailer(ctx, doc), PDF_NAME(Root));
	acro = pdf_dict_get(ctx, root, PDF_NAME(AcroForm));
	if (acro == NULL)
		acro = pdf_dict_put_dict(ctx, root, PDF_NAME(AcroForm), 4);
	fields = pdf_dict_get(ctx, acro, PDF_NAME(Fields));
	if (fields == NULL)
		fields = pdf_dict_put_array(ctx, acro, PDF_NAME(Fields), 1);
	pdf_dict_put_int(ctx, acro, PDF_NAME(SigFlags), 3);
	return fields;
}

/*
 * The value dictionary of a signature with a zero /Contents of max bytes.
 * Key order matters to MuPDF's save: ByteRange, then Contents, then
 * Filter. Runs inside fz_try. OUT: a new indirect object.
 */
pdf_obj *
pades_sig_value_new(fz_context *ctx, pdf_document *doc, size_t max)
{
	pdf_obj *v;
	unsigned char *zeros;

	v = pdf_add_new_dict(ctx, doc, 8);
	fz_try(ctx)
	{
		pdf_dict_put_array(ctx, v, PDF_NAME(ByteRange), 4);
		zeros = fz_calloc(ctx, max, 1);
		fz_try(ctx) pdf_dict_put_string(
		    ctx, v, PDF_NAME(Contents), (const char *)zeros, max);
		fz_always(ctx) fz_free(ctx, zeros);
		fz_catch(ctx) fz_rethrow(ctx);
		pdf_dict_put(ctx, v, PDF_NAME(Filter), PDF_NAME(Adobe_PPKLite));
	}
	fz_catch(ctx)
	{
		pdf_drop_obj(ctx, v);
		fz_rethrow(ctx);
	}
	return v;
}

/*
 * Prepare the signature field (new or existing) and its value; stores the
 * unsaved signature. Runs inside fz_try.
 */
static void
prepare(fz_context *ctx, pdf_document *doc, struct pades_signer *ps,
    const char *name, const char *when)
{
	const struct sign_opts *o = ps->opts;
	pdf_obj *fields, *field = NULL, *widget, *page, *annots;
	pdf_obj *v = NULL, *ap = NULL;
	char fname[32], date[40];
	fz_rect r = fz_empty_rect, mb;
	fz_matrix ctm;

	fz_var(v);
	fz_var(ap);
	fz_var(field);
	fields = pades_acro_fields(ctx, doc);
	fz_try(ctx)
	{
		if (o->field != NULL) {
			field = pdf_keep_obj(
			    ctx, sign_intake_find_field(ctx, doc, o->field));
			widget = field;
			if (pdf_dict_get(ctx, field, PDF_NAME(Rect)) == NULL &&
			    pdf_array_len(ctx,
			        pdf_dict_get(ctx, field, PDF_NAME(Kids))) > 0)
				widget = pdf_array_get(ctx,
				    pdf_dict_get(ctx, field, PDF_NAME(Kids)),
				    0);
			r = pdf_dict_get_rect(ctx, widget, PDF_NAME(Rect));
		} else {
			page = pdf_lookup_page_obj(
			    ctx, doc, o->visible ? o->page - 1 : 0);
			pades_new_field_name(ctx, doc, fname, sizeof(fname));
			field = pdf_add_new_dict(ctx, doc, 10);
			widget = field;
			pdf_dict_put(
			    ctx, field, PDF_NAME(Type), PDF_NAME(Annot));
			pdf_dict_put(
			    ctx, field, PDF_NAME(Subtype), PDF_NAME(Widget));
			pdf_dict_put(ctx, field, PDF_NAME(FT), PDF_NAME(Sig));
			pdf_dict_put_text_string(
			    ctx, field, PDF_NAME(T), fname);
			pdf_dict_put_int(ctx, field, PDF_NAME(F), 132);
			pdf_dict_put(ctx, field, PDF_NAME(P), page);
			if (o->visible) {
				/* User space of the page: MediaBox origin. */
				pdf_page_obj_transform(ctx, page, &mb, &ctm);
				r = fz_make_rect(mb.x0 + o->x, mb.y0 + o->y,
				    mb.x0 + o->x + o->w, mb.y0 + o->y + o->h);
			} else {
				r = fz_make_rect(0, 0, 0, 0);
			}
			pdf_dict_put_rect(ctx, field, PDF_NAME(Rect), r);
			annots = pdf_dict_get(ctx, page, PDF_NAME(Annots));
			if (annots == NULL)
				annots = pdf_dict_put_array(
				    ctx, page, PDF_NAME(Annots), 1);
			pdf_array_push(ctx, annots, field);
			pdf_array_push(ctx, fields, field);
		}
		if (r.x1 - r.x0 > 1 && r.y1 - r.y0 > 1) {
			ap = sign_appearance_new(
			    ctx, doc, r.x1 - r.x0, r.y1 - r.y0, name, when, o);
			pdf_dict_putl(
			    ctx, widget, ap, PDF_NAME(AP), PDF_NAME(N), NULL);
		}

		v = pades_sig_value_new(ctx, doc, ps->max);
		pdf_dict_put_name(
		    ctx, v, PDF_NAME(SubFilter), "ETSI.CAdES.detached");
		pdf_dict_put(ctx, v, PDF_NAME(Type), PDF_NAME(Sig));
		pdf_date(when, date, sizeof(date));
		pdf_dict_put_string(ctx, v, PDF_NAME(M), date, strlen(date));
		if (o->reason != NULL)
			pdf_dict_put_text_string(
			    ctx, v, PDF_NAME(Reason), o->reason);
		if (o->location != NULL)
			pdf_dict_put_text_string(
			    ctx, v, PDF_NAME(Location), o->location);
		locks(ctx, doc, field, v, o);
		pdf_dict_put(ctx, field, PDF_NAME(V), v);
		pdf_xref_store_unsaved_signature(ctx, doc, field, &ps->base);
		ps->v = pdf_keep_obj(ctx, v);
	}
	fz_always(ctx)
	{
		pdf_drop_obj(ctx, v);
		pdf_drop_obj(ctx, ap);
		pdf_drop_obj(ctx, field);
	}
	fz_catch(ctx)
	{
		fz_rethrow(ctx);
	}
}

/* "<path>.ltv" for a file between two updates; NULL: no memory. */
char *
pades_mid_name(const char *path)
{
	size_t n = strlen(path) + 8;
	char *t = malloc(n);

	if (t != NULL)
		snprintf(t, n, "%s.ltv", path);
	return t;
}

/* "<dir>/.<base>.XXXXXX" next to path, for mkstemp; NULL without memory. */
static char *
tmp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dn = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	size_t n = strlen(path) + 16;
	char *t;

	t = malloc(n);
	if (t != NULL)
		snprintf(t, n, "%.*s.%s.XXXXXX", (int)dn, path, path + dn);
	return t;
}

static enum pc_rc
pwrite_all(int fd, const void *p, size_t n, int64_t off)
{
	const uint8_t *q = p;
	ssize_t r;

	while (n > 0) {
		r = pwrite(fd, q, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return PC_EIO;
		q += r;
		n -= (size_t)r;
		off += r;
	}
	return PC_OK;
}

static bool
same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * The /ByteRange MuPDF wrote: [0, '<' of /Contents) and (after '>', end
 * of file), the hole exactly our placeholder, after the original.
 */
static enum pc_rc
byte_range_check(const struct sign_pades_job *j, int64_t base, int64_t end,
    size_t max, struct sign_err *err)
{
	const int64_t *br = j->br;
	char lt = 0, gt = 0;

	if (br[0] != 0 || br[1] < base ||
	    br[2] - br[1] - 2 != (int64_t)max * 2 || br[3] < 0 ||
	    br[2] + br[3] != end || pread(j->fd, &lt, 1, (off_t)br[1]) != 1 ||
	    pread(j->fd, &gt, 1, (off_t)(br[2] - 1)) != 1 || lt != '<' ||
	    gt != '>')
		return sign_err_set(err, PC_EINTERNAL, "sign_failed",
		    "unexpected /ByteRange [%lld %lld %lld %lld] in the "
		    "incremental update",
		    (long long)br[0], (long long)br[1], (long long)br[2],
		    (long long)br[3]);
	return PC_OK;
}

/* Open in with MuPDF through our stream and run the intake checks. */
static enum pc_rc
open_doc(fz_context *ctx, int in, struct pades_out *po,
    const struct sign_opts *o, fz_stream **stmp, pdf_document **docp,
    struct sign_err *err)
{
	enum pc_rc rc = PC_OK;

	fz_var(rc);
	fz_try(ctx)
	{
		*stmp = pades_fd_stream(ctx, in, po->po_base, &po->po_skip);
		po->po_in = *stmp;
		*docp = pdf_open_document_with_stream(ctx, *stmp);
		if (o != NULL)
			rc = sign_intake_doc(ctx, *docp, o, err);
		else if (pdf_was_repaired(ctx, *docp))
			rc = sign_err_set(err, PC_EINVAL, "pdf_invalid",
			    "the file's cross-reference table is broken");
	}
	fz_catch(ctx)
	{
		rc = sign_err_set(err, PC_EINVAL, "pdf_invalid",
		    "the file is not a readable PDF: %s",
		    fz_caught_message(ctx));
	}
	return rc;
}

/*
 * Add the field and its value, and let MuPDF write the incremental update
 * through po. OUT: br, the /ByteRange it wrote.
 */
static enum pc_rc
write_update(fz_context *ctx, pdf_document *doc, struct pades_signer *ps,
    struct pades_out *po, const struct upd *u, int64_t br[4],
    struct sign_err *err)
{
	pdf_write_options wo;
	fz_output *fout = NULL;
	pdf_obj *range;
	enum pc_rc rc = PC_OK;
	int i;

	fz_var(fout);
	fz_try(ctx)
	{
		if (u->kind == UPD_SIG)
			prepare(ctx, doc, ps, u->name, u->when);
		else if (u->kind == UPD_DOCTS)
			pades_prepare_docts(ctx, doc, ps);
		else
			pades_dss_add(ctx, doc, u->vd);
		fout = pades_output_new(ctx, po);
		wo = pdf_default_write_options;
		wo.do_incremental = 1;
		pdf_write_document(ctx, doc, fout, &wo);
		fz_close_output(ctx, fout);
		range = pdf_dict_get(ctx, ps->v, PDF_NAME(ByteRange));
		for (i = 0; i < 4; i++)
			br[i] = ps->v != NULL ? pdf_array_get_int(ctx, range, i)
			                      : 0;
	}
	fz_always(ctx)
	{
		fz_drop_output(ctx, fout);
	}
	fz_catch(ctx)
	{
		rc = sign_err_set(err, PC_EINVAL, "sign_failed",
		    "cannot sign the PDF: %s", fz_caught_message(ctx));
	}
	return rc;
}

/*
 * The incremental update u over in_path into a temporary file next to
 * out_path: the original copied while a thread hashes it, then MuPDF's
 * update; for a signature or a document timestamp the byte ranges hashed
 * with /Contents a zero placeholder. s names the signer (UPD_SIG only).
 */
enum pc_rc
pades_begin(struct upd *u, const struct sign_signer *s,
    const struct sign_opts *opts, const char *in_path, const char *out_path,
    struct sign_pades_job **out, struct sign_err *err)
{
	struct sign_pades_job *j;
	struct pades_signer ps;
	struct pades_out po;
	struct pades_hash h;
	struct stat st0, st1, so;
	EVP_MD_CTX *md = NULL;
	fz_context *ctx = NULL;
	fz_stream *stm = NULL;
	pdf_document *doc = NULL;
	char name[256], when[64];
	int64_t size = 0;
	int in = -1;
	enum pc_rc rc, hrc;

	*out = NULL;
	memset(&h, 0, sizeof(h));
	memset(&ps, 0, sizeof(ps));
	memset(&po, 0, sizeof(po));
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return PC_ENOMEM;
	j->fd = -1;
	j->kind = u->kind;
	j->opts = *opts;
	if (j->opts.md_nid == 0)
		j->opts.md_nid = NID_sha256;
	if (j->opts.now == 0)
		j->opts.now = clock_now();
	j->out_path = strdup(out_path);
	j->tmp_path = tmp_name(out_path);
	if (j->out_path == NULL || j->tmp_path == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	in = open(in_path, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st0) != 0 || !S_ISREG(st0.st_mode)) {
		rc = sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", in_path);
		goto out;
	}
	size = (int64_t)st0.st_size;
	rc = sign_intake_pre(in, size, &j->opts, err);
	if (rc != PC_OK)
		goto out;
	ctx = sign_fz_context();
	md = EVP_MD_CTX_new();
	if (ctx == NULL || md == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (!EVP_DigestInit_ex(md, EVP_get_digestbynid(j->opts.md_nid), NULL)) {
		rc = ossl_fail("pades: digest");
		goto out;
	}
	ps.base.keep = ps_keep;
	ps.base.drop = ps_drop;
	ps.base.get_signing_name = ps_name;
	ps.base.max_digest_size = ps_max;
	ps.base.create_digest = ps_digest;
	ps.refs = 1;
	ps.opts = &j->opts;
	ps.max = u->kind == UPD_DOCTS             ? PADES_TST_MAX
	         : j->opts.level >= SIGN_LEVEL_BT ? PADES_CMS_MAX_BT
	                                          : PADES_CMS_MAX_BB;
	po.po_base = size;
	if (u->kind == UPD_SIG) {
		signer_name(s->cert, name, sizeof(name));
		sign_time_fmt(
		    j->opts.now, j->opts.tz_offset_min, when, sizeof(when));
		u->name = name;
		u->when = when;
	}
	if (u->kind == UPD_SIG && (j->opts.visible || j->opts.field != NULL)) {
		rc = sign_appearance_check(ctx, name, when, &j->opts, err);
		if (rc != PC_OK)
			goto out;
	}

	/* Validation data and document timestamps go into signed files,
	 * whatever their locks (ISO 32000-2 12.8.2.2.2). */
	rc = open_doc(ctx, in, &po, u->kind == UPD_SIG ? &j->opts : NULL, &stm,
	    &doc, err);
	if (rc != PC_OK)
		goto out;

	/*
	 * The temporary output: the original, copied while a thread hashes
	 * it, then the incremental update written by MuPDF.
	 */
	j->fd = mkstemp(j->tmp_path);
	if (j->fd < 0) {
		rc = sign_err_set(err, PC_EIO, "unwritable",
		    "cannot create a file next to %s: %s", out_path,
		    strerror(errno));
		free(j->tmp_path);
		j->tmp_path = NULL;
		goto out;
	}
	po.po_fd = j->fd;
	rc = u->kind != UPD_DSS ? pades_hash_start(&h, md, in, size) : PC_OK;
	/*
	 * An earlier out_path goes now, while the thread hashes and before
	 * our writes start: freeing a large file's blocks in the final
	 * rename costs ~13 ms at 50 MB, and more once write-back runs.
	 * Not when out_path is the input (signed in place by the rename).
	 */
	if (stat(out_path, &so) == 0 && S_ISREG(so.st_mode) &&
	    !(so.st_dev == st0.st_dev && so.st_ino == st0.st_ino))
		(void)unlink(out_path);
	if (rc == PC_OK)
		rc = pades_copy(in, j->fd, size);
	if (rc != PC_OK) {
		rc = sign_err_set(
		    err, rc, "sign_failed", "cannot copy %s", in_path);
		goto out;
	}
	rc = write_update(ctx, doc, &ps, &po, u, j->br, err);
	hrc = pades_hash_join(&h);
	if (rc == PC_OK && hrc != PC_OK)
		rc = sign_err_set(
		    err, hrc, "sign_failed", "cannot read %s", in_path);
	if (rc != PC_OK)
		goto out;
	/* The prefix hashed is the input's: it must not have changed. */
	if (fstat(in, &st1) != 0 || !same_file_state(&st0, &st1)) {
		rc = sign_err_set(err, PC_ESTATE, "input_changed",
		    "%s changed while it was being signed; sign it again",
		    in_path);
		goto out;
	}
	if (u->kind == UPD_DSS) {
		*out = j;
		j = NULL;
		goto out;
	}
	rc = byte_range_check(j, size, po.po_end, ps.max, err);
	if (rc != PC_OK)
		goto out;
	/* The rest of the byte ranges: the update around /Contents. */
	rc = pades_hash_range(md, j->fd, size, j->br[1] - size);
	if (rc == PC_OK)
		rc = pades_hash_range(md, j->fd, j->br[2], j->br[3]);
	if (rc == PC_OK && !EVP_DigestFinal_ex(md, j->digest, &j->dlen))
		rc = ossl_fail("pades: digest");
	if (rc != PC_OK)
		goto out;
	*out = j;
	j = NULL;
out:
	(void)pades_hash_join(&h);
	if (ctx != NULL) {
		pdf_drop_obj(ctx, ps.v);
		pdf_drop_document(ctx, doc);
		fz_drop_stream(ctx, stm);
		fz_drop_context(ctx);
	}
	EVP_MD_CTX_free(md);
	if (in >= 0)
		close(in);
	sign_pades_job_free(j);
	return rc;
}

enum pc_rc
sign_pades_begin(const struct sign_signer *s, const struct sign_opts *opts,
    const char *in_path, const char *out_path, struct sign_pades_job **out,
    struct sign_err *err)
{
	struct upd u = { UPD_SIG, NULL, NULL, NULL };

	return pades_begin(&u, s, opts, in_path, out_path, out, err);
}

/*
 * Write der[0..len) (may be NULL for an update with no signature) as the
 * hex of /Contents, sync the file and rename it into place.
 */
enum pc_rc
pades_job_commit(struct sign_pades_job *j, const uint8_t *der, size_t len,
    struct sign_err *err)
{
	static const char digits[] = "0123456789abcdef";
	char *hex = NULL;
	size_t hexlen = 0, k;
	enum pc_rc rc = PC_OK;

	if (der != NULL) {
		hexlen = (size_t)(j->br[2] - j->br[1] - 2);
		if (len * 2 > hexlen)
			return sign_err_set(err, PC_ELIMIT, "sign_failed",
			    "the signature (%zu bytes) does not fit its space",
			    len);
		hex = malloc(hexlen);
		if (hex == NULL)
			return PC_ENOMEM;
		memset(hex, '0', hexlen);
		for (k = 0; k < len; k++) {
			hex[2 * k] = digits[der[k] >> 4];
			hex[2 * k + 1] = digits[der[k] & 15];
		}
		rc = pwrite_all(j->fd, hex, hexlen, j->br[1] + 1);
	}
	if (rc != PC_OK || fsync(j->fd) != 0) {
		rc = sign_err_set(err, PC_EIO, "unwritable",
		    "cannot write next to %s: %s", j->out_path,
		    strerror(errno));
		goto out;
	}
	if (rename(j->tmp_path, j->out_path) != 0) {
		rc = sign_err_set(err, PC_EIO, "unwritable",
		    "cannot write %s: %s", j->out_path, strerror(errno));
		goto out;
	}
	free(j->tmp_path);
	j->tmp_path = NULL;
out:
	free(hex);
	return rc;
}

enum pc_rc
sign_pades_finish(
    struct sign_pades_job *j, const struct sign_signer *s, struct sign_err *err)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char *der = NULL;
	int len;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    j != NULL && s != NULL && j->kind == UPD_SIG, PC_EINTERNAL);
	if (j->tmp_path == NULL)
		return PC_ESTATE; /* finished already */
	rc = sign_cms_build(s, &j->opts, j->digest, j->dlen, false, &cms, err);
	if (rc != PC_OK)
		goto out;
	len = i2d_CMS_ContentInfo(cms, &der);
	if (len <= 0) {
		rc = ossl_fail("pades: encode");
		goto out;
	}
	rc = pades_job_commit(j, der, (size_t)len, err);
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	return rc;
}

enum pc_rc
sign_pades_tbs(const struct sign_pades_job *j, const struct sign_signer *s,
    struct sign_tbs *out)
{
	RETURN_VAL_IF_FAIL(j != NULL && s != NULL && out != NULL, PC_EINTERNAL);
	if (j->tmp_path == NULL)
		return PC_ESTATE; /* finished already */
	return sign_cms_tbs(s, &j->opts, j->digest, j->dlen, false, out);
}

void
sign_pades_job_free(struct sign_pades_job *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->tmp_path != NULL) {
		if (j->fd >= 0)
			unlink(j->tmp_path);
		free(j->tmp_path);
	}
	free(j->out_path);
	free(j);
}
