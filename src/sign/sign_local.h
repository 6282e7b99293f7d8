/*
 * sign_local.h: helpers shared by the files of src/sign only.
 */
#ifndef PC_SIGN_LOCAL_H
#define PC_SIGN_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/pc.h"
#include "sign/sign.h"

#define SIGN_IO_CHUNK (256 * 1024)

/* POST req to url; the reply body (at most max bytes) into out. */
enum pc_rc sign_http_post(const char *url, const char *ctype,
    const char *accept, const uint8_t *req, size_t reqlen, int timeout_s,
    size_t max, struct buf *out);

/* GET url; the reply body (at most max bytes) into out. */
enum pc_rc sign_http_get(
    const char *url, int timeout_s, size_t max, struct buf *out);

/* Feed len bytes of f from offset off into ctx (streamed). */
enum pc_rc sign_hash_file_range(
    EVP_MD_CTX *ctx, FILE *f, int64_t off, int64_t len);

/*
 * The commonName of nm in UTF-8 into out (n bytes); false (out empty)
 * when it has none.
 */
bool sign_name_cn(const X509_NAME *nm, char *out, size_t n);

/* The size of a file, or -1. */
int64_t sign_file_size(const char *path);

/*
 * Format t (UTC seconds) for people in the time zone tz_min minutes east
 * of UTC (INT32_MIN: the local zone): "2026-03-01 14:05:09 +02:00".
 */
void sign_time_fmt(int64_t t, int tz_min, char *out, size_t n);

/* Append the header of a DER TLV of tag and content length n to b
 * (ltv.c; the archive timestamp's hash index too). */
void sign_der_head(struct buf *b, uint8_t tag, size_t n);

/* CAdES B-LTA (cades_ats.c, ETSI EN 319 122-1 5.5.2, 5.5.3). */
#define SIGN_OID_ATS_V3 "0.4.0.1733.2.4"
#define SIGN_OID_ATS_HASH_INDEX_V3 "0.4.0.19122.1.5"

/*
 * Add an archive-time-stamp-v3 to the SignerInfo of cms (a detached
 * CAdES at B-LT): its ATSHashIndexV3 over what cms holds now, the
 * timestamp from opts->tsa_url over the imprint input (chash: the hash
 * of the signed file with opts' digest), the index in the token's
 * unsigned attributes. err says why it failed.
 */
enum pc_rc sign_cms_add_archive_ts(CMS_ContentInfo *cms,
    const struct sign_opts *opts, const uint8_t *chash, size_t chlen,
    struct sign_err *err);

/*
 * The archive timestamp's imprint input of the CMS der (chash: the hash
 * of the signed content; index: the token's ATSHashIndexV3, DER) into
 * out. PC_EINVAL: der is not a SignedData with one SignerInfo.
 */
enum pc_rc sign_ats_input(const uint8_t *der, size_t len, const uint8_t *chash,
    size_t chlen, const uint8_t *index, size_t ilen, struct buf *out);

/*
 * Does every hash the ATSHashIndexV3 index lists name a certificate, a
 * revocation entry or an unsigned attribute value still in the CMS der?
 * PC_OK (*mdp: the index's hash algorithm) or PC_EINVAL.
 */
enum pc_rc sign_ats_index_check(const uint8_t *der, size_t len,
    const uint8_t *index, size_t ilen, const EVP_MD **mdp);

#endif /* PC_SIGN_LOCAL_H */
