/*
 * sign.h: the signing engine: PAdES and CAdES signatures, PDF intake checks,
 * visible appearances and verification.
 *
 * One engine, three kinds of key. A struct sign_signer carries the signer's
 * certificate, the chain to embed and a hsm_sign_fn that signs a digest of
 * the DER signed attributes: our HSM through the signer process, a PKCS#12
 * file, or any PKCS#11 module. The CMS is always built here (CMS_PARTIAL,
 * signed attributes encoded by us, signature value set afterwards), so the
 * remote path and the local paths share the code.
 *
 * Errors the user can act on carry a stable code in struct sign_err
 * ("pdf_invalid", "pdf_encrypted", "pdf_xfa", "pdf_locked", "bad_placement",
 * "too_large", "tsa_failed", ...) and a message saying what to do. No
 * output file is left behind on any error.
 */
#ifndef PC_SIGN_H
#define PC_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/pc.h"
#include "hsm/hsm.h"

#define SIGN_ERR_MSG_MAX 256
#define SIGN_DEFAULT_MAX_SIZE ((int64_t)512 * 1024 * 1024)
#define SIGN_TSA_TIMEOUT_S 20
#define SIGN_TSA_MAX_REPLY (64 * 1024)

struct sign_signer {
	X509 *cert;                  /* the signer's certificate (owned) */
	STACK_OF(X509) * chain;      /* certificates to embed (owned) */
	hsm_sign_fn fn;              /* signs a digest */
	void *arg;                   /* for fn */
	enum hsm_mech mech;          /* RSA_PKCS1 or ECDSA */
	void (*arg_free)(void *arg); /* frees arg; may be NULL */
};

enum sign_format {
	SIGN_FMT_PADES = 1,
	SIGN_FMT_CADES,
};

enum sign_level {
	SIGN_LEVEL_BB = 1, /* B-B: basic */
	SIGN_LEVEL_BT,     /* B-T: with a signature timestamp */
	SIGN_LEVEL_BLT,    /* B-LT: and the validation data (DSS) */
	SIGN_LEVEL_BLTA,   /* B-LTA: and a document/archive timestamp */
};

/*
 * Validation data fetched once for many files (a batch: the same signer
 * and TSA): an OCSP response or CRL per certificate. Thread-safe.
 */
struct sign_vcache;
struct sign_vcache *sign_vcache_new(void);
void sign_vcache_free(struct sign_vcache *c);

enum sign_lang {
	SIGN_LANG_RO = 0, /* "Semnat digital de" */
	SIGN_LANG_EN,     /* "Digitally signed by" */
};

/*
 * An appearance profile (OUG 140/2020): lines drawn under the signer's
 * name (professional title, register number, issuing body) and an image
 * (PNG or JPEG) in the left part of the box.
 */
#define SIGN_APPROF_LINES 4
#define SIGN_APPROF_CHARS 80 /* per line, in characters */
#define SIGN_APPROF_LINE_BYTES (SIGN_APPROF_CHARS * 4 + 1)
#define SIGN_APPROF_IMAGE_MAX (512 * 1024)   /* bytes */
#define SIGN_APPROF_PIXELS_MAX (4000 * 1000) /* width x height */
struct sign_err;
struct sign_approf {
	int nlines;
	char lines[SIGN_APPROF_LINES][SIGN_APPROF_LINE_BYTES];
	const uint8_t *image; /* NULL: none; borrowed */
	size_t image_len;
};

/*
 * Check an appearance image: PNG or JPEG (by its signature and by
 * decoding it), at most SIGN_APPROF_IMAGE_MAX bytes and
 * SIGN_APPROF_PIXELS_MAX pixels. PC_EINVAL (err: bad_image) otherwise.
 */
enum pc_rc sign_image_check(const uint8_t *p, size_t n, struct sign_err *err);

/*
 * Check that the visible signature can draw lines[0..n) (some font has
 * every character): PC_EINVAL (err: glyph_missing) otherwise.
 */
enum pc_rc sign_text_check(
    const char *const *lines, int n, struct sign_err *err);

struct sign_opts {
	int md_nid;            /* NID_sha256 (default when 0), 384, 512 */
	enum sign_level level; /* default B-B */
	const char *tsa_url;   /* RFC 3161 URL, required for B-T */
	int64_t max_size;      /* input limit in bytes; 0: the default */
	int64_t now;           /* signing time; 0: clock_now() */
	/* PAdES only */
	bool visible;      /* draw a box at page/rect */
	int page;          /* 1-based */
	float x, y, w, h;  /* PDF points, origin bottom-left */
	const char *field; /* fill this existing empty field instead */
	const char *reason;
	const char *location;
	enum sign_lang lang;
	bool lock;   /* lock the form after signing: /Lock and FieldMDP All */
	int certify; /* certify with DocMDP P (1..3); 0: approval */
	int tz_offset_min; /* shown time zone; INT32_MIN: local */
	/* visible: the profile's lines and image; NULL: none (borrowed) */
	const struct sign_approf *approf;
	/* B-LT and B-LTA: validation data shared by a batch; may be NULL */
	struct sign_vcache *vcache;
};

/* A problem the user can act on: code is a stable string, NULL if none. */
struct sign_err {
	const char *code;
	char msg[SIGN_ERR_MSG_MAX];
};

/* "B-B", "B-T", "B-LT", "B-LTA" (any case) as a level; 0 for another. */
enum sign_level sign_level_parse(const char *s);

/* Fill o with the defaults (SHA-256, B-B, invisible, Romanian, local tz). */
void sign_opts_init(struct sign_opts *o);

/*
 * The format for a file when none is asked: PAdES for a name ending in
 * ".pdf" (any case) or content starting with "%PDF-", else CAdES.
 */
enum sign_format sign_format_guess(const char *path);

/*
 * Set err (may be NULL) to code and a formatted message; returns rc so a
 * caller can write "rc = sign_err_set(err, PC_EINVAL, ...)".
 */
enum pc_rc sign_err_set(struct sign_err *err, enum pc_rc rc, const char *code,
    const char *fmt, ...) PC_PRINTF(4, 5);

/*
 * Signer from a PKCS#12 file: the key is used locally. The chain is the
 * extra certificates of the file. OUT: *out (sign_signer_free).
 */
enum pc_rc sign_signer_p12(const char *path, const char *pass,
    struct sign_signer **out, struct sign_err *err);

/*
 * Signer from a PKCS#11 module: the private key labelled key_label in the
 * token token_label (NULL: the only token of the module), logged in
 * with pin. cert_pem holds the signer's certificate first, then the chain.
 * OUT: *out (sign_signer_free).
 */
enum pc_rc sign_signer_pkcs11(const char *module, const char *token_label,
    const char *key_label, const char *pin, const char *cert_pem,
    struct sign_signer **out, struct sign_err *err);

/*
 * A signer over any hsm_sign_fn (the signer process, an open struct hsm).
 * cert and chain are copied (up-ref'ed); arg is borrowed.
 */
enum pc_rc sign_signer_new(X509 *cert, STACK_OF(X509) * chain, hsm_sign_fn fn,
    void *arg, struct sign_signer **out);

void sign_signer_free(struct sign_signer *s);

/*
 * Build a detached CMS SignedData (id-data, message-digest of digest,
 * ESS signing-certificate-v2, signing-time when signing_time is true) and
 * sign it through s. At B-T, add a signature timestamp from opts->tsa_url.
 * OUT: *out (CMS_ContentInfo_free).
 */
enum pc_rc sign_cms_build(const struct sign_signer *s,
    const struct sign_opts *opts, const uint8_t *digest, size_t dlen,
    bool signing_time, CMS_ContentInfo **out, struct sign_err *err);

/*
 * What a key is asked to sign for one signature: the hash of the CMS
 * signed attributes, its digest and the key's mechanism.
 */
#define SIGN_TBS_MAX 64
struct sign_tbs {
	int md_nid;
	enum hsm_mech mech;
	size_t hlen;
	uint8_t hash[SIGN_TBS_MAX];
};

/*
 * The hash sign_cms_build would hand to s->fn for the same arguments,
 * without signing: the signed attributes are deterministic for the same
 * digest, opts->now and certificate, so a batch collects every hash first,
 * has them all authorized at once, then builds each CMS with a fn that
 * returns the authorized signature. s->fn is not called. OUT: *out.
 */
enum pc_rc sign_cms_tbs(const struct sign_signer *s,
    const struct sign_opts *opts, const uint8_t *digest, size_t dlen,
    bool signing_time, struct sign_tbs *out);

/*
 * Ask the TSA at url for a timestamp token over the digest (md_nid) and
 * return the token (a DER ContentInfo) in out.
 */
enum pc_rc sign_tsa_request(const char *url, int md_nid, const uint8_t *hash,
    size_t hlen, struct buf *out, struct sign_err *err);
/*
 * The same with the request's nonce given (hex, at most 64 digits; NULL: a
 * random one), as CSC signatures/timestamp asks: the token must carry it.
 */
enum pc_rc sign_tsa_request_nonce(const char *url, int md_nid,
    const uint8_t *hash, size_t hlen, const char *nonce_hex, struct buf *out,
    struct sign_err *err);

/*
 * A TSA this process serves itself (the server's own /tsa): a request to
 * exactly url is answered by fn (DER TimeStampReq in, DER TimeStampResp
 * into out) instead of over HTTP; the reply is checked the same way. Set
 * once at start, before any signing thread; NULL fn removes it.
 */
typedef enum pc_rc (*sign_tsa_local_fn)(
    void *arg, const uint8_t *req, size_t n, struct buf *out);
void sign_tsa_local(const char *url, sign_tsa_local_fn fn, void *arg);

/*
 * URLs under public_prefix (this server's public URL, or one it had when
 * its certificates were made) are fetched under local_prefix instead
 * (where it listens): its OCSP responses, CRLs and CA certificates for
 * long-term signatures. Called at start for each prefix (up to 8, one
 * local_prefix), before any signing thread; NULL, NULL removes them all.
 */
void sign_http_local(const char *public_prefix, const char *local_prefix);

/* The same for the address the URLs of certificate c start with (one
 * of ours made under an earlier public URL). */
void sign_http_local_cert(X509 *c, const char *local_prefix);

/* Add a signature timestamp over si's signature value, from url. */
enum pc_rc sign_cms_add_timestamp(
    CMS_SignerInfo *si, const char *url, int md_nid, struct sign_err *err);

/*
 * CAdES B-LT: the validation data of cms's signer and timestamp (chains,
 * OCSP responses or CRLs, fetched as for PAdES) as its certificate-values
 * and revocation-values attributes. ltv_failed when a certificate has no
 * answer or is revoked.
 */
enum pc_rc sign_cms_add_ltv(
    CMS_ContentInfo *cms, const struct sign_opts *opts, struct sign_err *err);

/*
 * A .p7s at path (B-T) made B-LT in place (sign_cms_add_ltv), and at
 * opts->level B-LTA then given its archive-time-stamp-v3 over
 * content_path, the file it signs (content_missing without it).
 */
#define SIGN_CADES_MAX (4 * 1024 * 1024)
enum pc_rc sign_cades_ltv(const char *path, const char *content_path,
    const struct sign_opts *opts, struct sign_err *err);

/*
 * CAdES: write a detached .p7s over the file in_path to out_path (B-B with
 * signing-time, B-T, B-LT, or B-LTA: B-LT and an archive-time-stamp-v3
 * from opts->tsa_url). The input is streamed.
 */
enum pc_rc sign_cades_file(const struct sign_signer *s,
    const struct sign_opts *opts, const char *in_path, const char *out_path,
    struct sign_err *err);

/*
 * CAdES in two steps: the hash sign_cades_file would have s sign for
 * in_path with opts (size limit and read errors as there; opts->now must
 * be set so that the signing-time is the same when the file is signed).
 * OUT: *out.
 */
enum pc_rc sign_cades_tbs(const struct sign_signer *s,
    const struct sign_opts *opts, const char *in_path, struct sign_tbs *out,
    struct sign_err *err);

/*
 * PDF intake checks of in_path for signing with opts (page and rectangle
 * when visible, field): pdf_invalid, pdf_encrypted, pdf_xfa, pdf_locked,
 * bad_placement, too_large. opts may be NULL (no placement checks).
 */
enum pc_rc sign_pdf_check(
    const char *in_path, const struct sign_opts *opts, struct sign_err *err);

/* The same checks over a PDF in memory (fuzzing, uploads). */
enum pc_rc sign_pdf_check_mem(const uint8_t *p, size_t n,
    const struct sign_opts *opts, struct sign_err *err);

/* A page of a PDF: how many pages, and this one's size in points. */
struct sign_page {
	int npages;
	float width, height;
};

/*
 * Render page (1-based) of the PDF p[0..n) as a PNG at dpi (36..150)
 * into out, for placing a visible signature: the browser maps a box drawn
 * on it to PDF points with info. PC_EINVAL for a page out of range or a
 * file MuPDF cannot read; PC_ELIMIT for a page too large to render.
 */
enum pc_rc sign_pdf_render_png(const uint8_t *p, size_t n, int page, int dpi,
    struct buf *out, struct sign_page *info);

/*
 * PAdES: sign in_path into out_path by an incremental update (in_path is
 * a byte prefix of out_path). Runs the intake checks first. out_path is
 * written through a temporary file and a rename: complete or absent.
 */
enum pc_rc sign_pades_file(const struct sign_signer *s,
    const struct sign_opts *opts, const char *in_path, const char *out_path,
    struct sign_err *err);

/*
 * PAdES in two steps, for a batch under one authorization (and the same
 * file work as sign_pades_file):
 * sign_pades_begin runs the intake checks, writes the original and the
 * incremental update with a zero /Contents into a temporary file next to
 * out_path, and hashes the byte ranges; s->cert only names the signer in
 * the appearance. sign_pades_finish builds the CMS through s (at B-T with
 * the timestamp), writes it into /Contents, syncs the file and renames it
 * to out_path; when it fails the job stays as it was (finish may be
 * called again, e.g. after an authorization). sign_pades_job_free removes
 * the temporary file of a job not finished, so no error leaves an output.
 * opts is copied; its strings are borrowed for the job's life.
 * OUT: *out (sign_pades_job_free).
 */
struct sign_pades_job;

enum pc_rc sign_pades_begin(const struct sign_signer *s,
    const struct sign_opts *opts, const char *in_path, const char *out_path,
    struct sign_pades_job **out, struct sign_err *err);
enum pc_rc sign_pades_finish(struct sign_pades_job *j,
    const struct sign_signer *s, struct sign_err *err);
void sign_pades_job_free(struct sign_pades_job *j);
/*
 * The hash sign_pades_finish will have s sign for job j (sign_cms_tbs
 * over its byte ranges' digest). PC_ESTATE when j is finished. OUT: *out.
 */
enum pc_rc sign_pades_tbs(const struct sign_pades_job *j,
    const struct sign_signer *s, struct sign_tbs *out);

/*
 * PAdES B-LT and B-LTA over a signed PDF at path, in place (the old file
 * or the new, never half): an incremental update adds the validation
 * data of every signature and timestamp in the file to the /DSS (chains,
 * OCSP responses or CRLs fetched by the certificates' URLs; opts->vcache
 * shares them across a batch), then, with doc_ts, another a document
 * timestamp from opts->tsa_url over it. Called again on a B-LTA file it
 * preserves it (pecete ltv extend). Errors: not_signed, ltv_failed (a
 * certificate without an answer, or revoked), tsa_failed, pdf_invalid.
 */
enum pc_rc sign_pades_ltv(const char *path, const struct sign_opts *opts,
    bool doc_ts, struct sign_err *err);

/* Verification: the report model and its API are in sign/vreport.h. */
#include "sign/vreport.h"

#endif /* PC_SIGN_H */
