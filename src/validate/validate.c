/*
 * validate.c: the public validation service (validate.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"
#include "pki/pki.h"
#include "sign/sign.h"
#include "validate/tl.h"
#include "validate/validate.h"

/* The anchors file: ours, [server] trust_anchors, the trusted lists'. */
#define ANCHORS_PEM_MAX (64 * 1024 * 1024)

/* p[0..n) into path, created 0600 (it must not exist). */
static enum pc_rc
write_new(const char *path, const uint8_t *p, size_t n)
{
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return PC_EIO;
	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return PC_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd) == 0 ? PC_OK : PC_EIO;
}

/* The report of r as a JSON value (through sign_report_json). */
static enum pc_rc
report_json(const struct sign_report *r, json_t **out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	enum pc_rc rc;

	f = open_memstream(&text, &len);
	if (f == NULL)
		return PC_ENOMEM;
	rc = sign_report_json(r, f);
	if (fclose(f) != 0 && rc == PC_OK)
		rc = PC_ENOMEM;
	if (rc == PC_OK) {
		*out = json_loadb(text, len, 0, NULL);
		if (*out == NULL)
			rc = PC_EINTERNAL;
	}
	free(text);
	return rc;
}

/*
 * The qualification of each signature of r (tl_qualify) into a new
 * array *out (free), or NULL without trusted lists.
 */
static enum pc_rc
qualify(const struct pc_env *e, const struct sign_report *r,
    struct tl_qualification **out)
{
	int i;

	*out = NULL;
	if (!tl_configured(e->conf) || r->nsigs == 0)
		return PC_OK;
	*out = calloc((size_t)r->nsigs, sizeof(**out));
	if (*out == NULL)
		return PC_ENOMEM;
	for (i = 0; i < r->nsigs; i++)
		tl_qualify(r, &r->sigs[i], &(*out)[i]);
	return PC_OK;
}

/* p[0..n) starts as a PDF does. */
static bool
is_pdf(const uint8_t *p, size_t n)
{
	return n >= 5 && memcmp(p, "%PDF-", 5) == 0;
}

/* validate_run's flags. */
#define VAL_P7S 0x1   /* a .p7s too, not only a PDF */
#define VAL_VOBJS 0x2 /* keep the validation objects (the XML report) */

/*
 * Verify p[0..n) against our root, [server] trust_anchors and the
 * trusted lists' services into *out (sign_report_free), with the
 * qualification of each signature into *quals (free; NULL without
 * trusted lists): the checks of validate_pdf, whatever the rendering. A
 * PDF; with VAL_P7S also a .p7s: attached, or (p7s_len > 0) its first
 * p7s_len bytes detached over the rest.
 */
static enum pc_rc
validate_run(const struct pc_env *e, const uint8_t *p, size_t n, size_t p7s_len,
    unsigned flags, struct sign_report **out, struct tl_qualification **quals,
    struct pc_err *err)
{
	struct sign_verify_opts vo;
	struct sign_report *r = NULL;
	struct sign_err serr;
	struct buf root;
	char top[400], dir[480], file[520], content[520], anchors[520];
	char emsg[512];
	unsigned nanch, ntl = 0;
	bool pdf;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    e != NULL && e->pki != NULL && out != NULL && quals != NULL,
	    PC_EINTERNAL);
	*out = NULL;
	*quals = NULL;
	if (n == 0 || (p7s_len > 0 && p7s_len >= n))
		return pc_fail(err, PC_EINVAL, PCE_FILE_EMPTY, NULL);
	if (n > VALIDATE_MAX)
		return pc_fail(err, PC_ELIMIT, PCE_FILE_TOO_LARGE, NULL);
	/* A CMS is a DER SEQUENCE; a detached one is never a PDF. */
	pdf = p7s_len == 0 && is_pdf(p, n);
	if (!pdf && ((flags & VAL_P7S) == 0 || p[0] != 0x30))
		return pc_fail(err, PC_EINVAL, PCE_DOCUMENT_UNREADABLE, NULL);
	buf_init(&root, ANCHORS_PEM_MAX);
	snprintf(top, sizeof(top), "%s/scratch", e->conf->store.files_dir);
	(void)mkdir(e->conf->store.files_dir, 0700);
	(void)mkdir(top, 0700);
	snprintf(dir, sizeof(dir), "%s/validate.XXXXXX", top);
	if (mkdtemp(dir) == NULL) {
		buf_cleanup(&root);
		return PC_EIO;
	}
	snprintf(file, sizeof(file), "%s/doc.%s", dir, pdf ? "pdf" : "p7s");
	snprintf(content, sizeof(content), "%s/content", dir);
	snprintf(anchors, sizeof(anchors), "%s/anchors.pem", dir);
	rc = pki_cert_pem(e->pki, "root", &root);
	if (rc == PC_OK) {
		/* Checked at start; a file changed since is refused whole. */
		rc = validate_anchors(
		    e->conf, false, &root, &nanch, emsg, sizeof(emsg));
		if (rc == PC_EINVAL) {
			log_warnx("validate: %s", emsg);
			rc = PC_EUNAVAIL;
		}
	}
	/* Lists refused or expired give none (tl_load.c). */
	if (rc == PC_OK)
		rc = tl_anchors_pem(&root, &ntl);
	if (rc == PC_OK)
		rc = write_new(anchors, root.data, root.len);
	if (rc == PC_OK)
		rc = write_new(file, p, p7s_len > 0 ? p7s_len : n);
	if (rc == PC_OK && p7s_len > 0)
		rc = write_new(content, p + p7s_len, n - p7s_len);
	if (rc != PC_OK)
		goto out;
	memset(&vo, 0, sizeof(vo));
	memset(&serr, 0, sizeof(serr));
	vo.trust = anchors;
	vo.content = p7s_len > 0 ? content : NULL;
	/* The qualification (tl_qualify) reads the signer's chain from the
	 * validation objects too. */
	vo.no_vobjs = (flags & VAL_VOBJS) == 0 && !tl_configured(e->conf);
	vo.ocsp_timeout_s = 5;
	rc = sign_verify(file, &vo, &r, &serr);
	if (rc == PC_OK && r->nsigs == 0)
		rc = PC_EINVAL;
	if (rc == PC_EINVAL && serr.code != NULL &&
	    strcmp(serr.code, "content_missing") == 0) {
		rc = pc_fail(err, PC_EINVAL, PCE_SIGNED_FILE_MISSING, NULL);
		goto out;
	}
	if (rc == PC_EINVAL) {
		rc = pc_fail(err, PC_EINVAL, PCE_DOCUMENT_UNREADABLE, NULL);
		goto out;
	}
	if (rc == PC_OK)
		rc = qualify(e, r, quals);
	if (rc == PC_OK) {
		*out = r;
		r = NULL;
	}
out:
	/* The file goes before the answer, whatever happened. */
	(void)unlink(file);
	(void)unlink(content);
	(void)unlink(anchors);
	(void)rmdir(dir);
	sign_report_free(r);
	buf_cleanup(&root);
	return rc;
}

enum pc_rc
validate_pdf(const struct pc_env *e, const uint8_t *p, size_t n, size_t p7s_len,
    json_t **out, struct pc_err *err)
{
	struct sign_report *r = NULL;
	struct tl_qualification *q = NULL;
	json_t *sigs;
	int i;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	rc = validate_run(e, p, n, p7s_len, VAL_P7S, &r, &q, err);
	if (rc == PC_OK)
		rc = report_json(r, out);
	/* The temporary path is ours, not the caller's business. */
	if (rc == PC_OK)
		json_object_del(*out, "file");
	sigs = rc == PC_OK ? json_object_get(*out, "signatures") : NULL;
	for (i = 0; q != NULL && i < r->nsigs; i++)
		if (q[i].res != TL_QR_NONE)
			json_object_set_new(json_array_get(sigs, (size_t)i),
			    "qualification", validate_qual_json(&q[i]));
	free(q);
	sign_report_free(r);
	return rc;
}

enum pc_rc
validate_pdf_xml(const struct pc_env *e, const uint8_t *p, size_t n,
    size_t p7s_len, struct buf *out, struct pc_err *err)
{
	struct sign_report *r = NULL;
	struct tl_qualification *q = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	rc = validate_run(e, p, n, p7s_len, VAL_P7S | VAL_VOBJS, &r, &q, err);
	if (rc == PC_OK)
		rc = validate_xml_q(r, q, out);
	free(q);
	sign_report_free(r);
	return rc;
}

json_t *
validate_qual_json(const struct tl_qualification *q)
{
	char name[64], uri[96], at[32];
	struct tm tm;
	time_t tt = (time_t)q->at;
	json_t *o;

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_pack("{s:s,s:s,s:b,s:b,s:b,s:b,s:s,s:s,s:s}", "result",
	    tl_qres_name(q, name, sizeof(name)), "uri",
	    tl_qres_uri(q, uri, sizeof(uri)), "qualified",
	    q->res == TL_QR_QESIG || q->res == TL_QR_QESEAL, "indeterminate",
	    q->indeterminate || q->res == TL_QR_INDETERMINATE, "qc", q->qc,
	    "qscd", q->qscd, "type", q->type, "at", at, "reason", q->why);
	if (o != NULL && q->service[0] != '\0') {
		json_object_set_new(o, "service", json_string(q->service));
		json_object_set_new(o, "territory", json_string(q->territory));
		json_object_set_new(o, "status", json_string(q->status));
	}
	return o;
}

enum pc_rc
validate_pdf_report(const struct pc_env *e, const uint8_t *p, size_t n,
    struct sign_report **out, struct tl_qualification **quals,
    struct pc_err *err)
{
	struct tl_qualification *q = NULL;
	enum pc_rc rc;

	/* A PDF only (the confirmation document, the sealed report). */
	rc = validate_run(e, p, n, 0, 0, out, &q, err);
	if (quals != NULL)
		*quals = q;
	else
		free(q);
	return rc;
}
