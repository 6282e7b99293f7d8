/*
 * sign_local.h: helpers shared by the files of src/sign only.
 */
#ifndef PC_SIGN_LOCAL_H
#define PC_SIGN_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

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

#endif /* PC_SIGN_LOCAL_H */
