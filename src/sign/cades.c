/*
 * cades.c: CAdES detached .p7s (ETSI EN 319 122-1 baseline B-B, B-T, B-LT,
 * B-LTA: the archive timestamp in cades_ats.c)
 * over any file, streamed: the file is read once, in chunks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "base/log.h"
#include "sign/sign.h"
#include "sign/sign_local.h"

int64_t
sign_file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return (int64_t)st.st_size;
}

enum pc_rc
sign_hash_file_range(EVP_MD_CTX *ctx, FILE *f, int64_t off, int64_t len)
{
	/* Per call: the server hashes for several requests at once. */
	unsigned char *chunk = malloc(SIGN_IO_CHUNK);
	size_t want, got;
	enum pc_rc rc = PC_OK;

	if (chunk == NULL)
		return PC_ENOMEM;
	if (fseeko(f, (off_t)off, SEEK_SET) != 0)
		rc = PC_EIO;
	while (rc == PC_OK && len > 0) {
		want =
		    len > (int64_t)SIGN_IO_CHUNK ? SIGN_IO_CHUNK : (size_t)len;
		got = fread(chunk, 1, want, f);
		if (got == 0)
			rc = PC_EIO;
		else if (!EVP_DigestUpdate(ctx, chunk, got))
			rc = PC_ECRYPTO;
		len -= (int64_t)got;
	}
	free(chunk);
	return rc;
}

/* The digest of the file in_path, within opts' size limit. OUT: digest. */
static enum pc_rc
cades_digest(const struct sign_opts *opts, const char *in_path,
    unsigned char digest[EVP_MAX_MD_SIZE], unsigned int *dlen,
    struct sign_err *err)
{
	EVP_MD_CTX *mctx = NULL;
	FILE *in = NULL;
	int64_t size, max;
	enum pc_rc rc;

	max = opts->max_size > 0 ? opts->max_size : SIGN_DEFAULT_MAX_SIZE;
	size = sign_file_size(in_path);
	if (size < 0) {
		rc = sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", in_path);
		goto out;
	}
	if (size > max) {
		rc = sign_err_set(err, PC_ELIMIT, "too_large",
		    "%s is larger than the limit of %lld bytes", in_path,
		    (long long)max);
		goto out;
	}
	in = fopen(in_path, "rb");
	if (in == NULL) {
		rc = sign_err_set(
		    err, PC_EIO, "unreadable", "cannot read %s", in_path);
		goto out;
	}
	mctx = EVP_MD_CTX_new();
	if (mctx == NULL ||
	    !EVP_DigestInit_ex(mctx,
	        EVP_get_digestbynid(opts->md_nid ? opts->md_nid : NID_sha256),
	        NULL)) {
		rc = ossl_fail("cades: digest");
		goto out;
	}
	rc = sign_hash_file_range(mctx, in, 0, size);
	if (rc != PC_OK) {
		sign_err_set(err, rc, "unreadable", "cannot read %s", in_path);
		goto out;
	}
	if (!EVP_DigestFinal_ex(mctx, digest, dlen)) {
		rc = ossl_fail("cades: digest");
		goto out;
	}
out:
	if (in != NULL)
		fclose(in);
	EVP_MD_CTX_free(mctx);
	return rc;
}

/* cms in DER into path (through a temporary file and a rename). */
static enum pc_rc
cms_write(CMS_ContentInfo *cms, const char *path, struct sign_err *err)
{
	unsigned char *der = NULL;
	int len;
	enum pc_rc rc;

	len = i2d_CMS_ContentInfo(cms, &der);
	if (len <= 0)
		return ossl_fail("cades: encode");
	rc = file_write_atomic(path, der, (size_t)len, 0644);
	if (rc != PC_OK)
		sign_err_set(err, rc, "write_failed", "cannot write %s", path);
	OPENSSL_free(der);
	return rc;
}

enum pc_rc
sign_cades_tbs(const struct sign_signer *s, const struct sign_opts *opts,
    const char *in_path, struct sign_tbs *out, struct sign_err *err)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    s != NULL && opts != NULL && in_path != NULL && out != NULL,
	    PC_EINTERNAL);
	rc = cades_digest(opts, in_path, digest, &dlen, err);
	if (rc == PC_OK)
		rc = sign_cms_tbs(s, opts, digest, dlen, true, out);
	return rc;
}

enum pc_rc
sign_cades_file(const struct sign_signer *s, const struct sign_opts *opts,
    const char *in_path, const char *out_path, struct sign_err *err)
{
	CMS_ContentInfo *cms = NULL;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	enum pc_rc rc;

	rc = cades_digest(opts, in_path, digest, &dlen, err);
	if (rc != PC_OK)
		goto out;
	rc = sign_cms_build(s, opts, digest, dlen, true, &cms, err);
	if (rc == PC_OK && opts->level >= SIGN_LEVEL_BLT)
		rc = sign_cms_add_ltv(cms, opts, err);
	/* B-LTA: an archive-time-stamp-v3 over the B-LT signature. */
	if (rc == PC_OK && opts->level == SIGN_LEVEL_BLTA)
		rc = sign_cms_add_archive_ts(cms, opts, digest, dlen, err);
	if (rc == PC_OK)
		rc = cms_write(cms, out_path, err);
out:
	CMS_ContentInfo_free(cms);
	return rc;
}

enum pc_rc
sign_cades_ltv(const char *path, const char *content_path,
    const struct sign_opts *opts, struct sign_err *err)
{
	CMS_ContentInfo *cms = NULL;
	struct buf in;
	const unsigned char *p;
	enum pc_rc rc;

	buf_init(&in, SIGN_CADES_MAX);
	rc = file_read(path, SIGN_CADES_MAX, &in);
	if (rc != PC_OK) {
		rc =
		    sign_err_set(err, rc, "unreadable", "cannot read %s", path);
		goto out;
	}
	p = in.data;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)in.len);
	if (cms == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		rc = sign_err_set(err, PC_EINVAL, "not_signed",
		    "%s is not a CMS signature", path);
		goto out;
	}
	rc = sign_cms_add_ltv(cms, opts, err);
	/* B-LTA: the archive-time-stamp-v3 over it, which needs the file the
	 * detached signature signs. */
	if (rc == PC_OK && opts->level == SIGN_LEVEL_BLTA) {
		unsigned char digest[EVP_MAX_MD_SIZE];
		unsigned int dlen;

		rc = content_path != NULL
		         ? cades_digest(opts, content_path, digest, &dlen, err)
		         : sign_err_set(err, PC_EINVAL, "content_missing",
		               "B-LTA for %s needs the file it signs", path);
		if (rc == PC_OK)
			rc = sign_cms_add_archive_ts(
			    cms, opts, digest, dlen, err);
	}
	if (rc == PC_OK)
		rc = cms_write(cms, path, err);
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	buf_cleanup(&in);
	return rc;
}
