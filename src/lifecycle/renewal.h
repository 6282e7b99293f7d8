/*
 * renewal.h: renewing a certificate before it ends (J10, rekey) with an
 * operator's approval; docs/internals/lifecycle.md.
 *
 * While more than RENEWAL_WINDOW_S remain before the account's signing
 * certificate ends, the holder, with a paid order of the shop, gives the
 * identity document (a form: its data, and a photo of it, JPEG/PNG/PDF at
 * most RENEWAL_PHOTO_MAX, the type read from the bytes), then signs the
 * terms with the current certificate under a TOTP code (PAdES B-T, no
 * transaction taken; the signer submits the request in the signature's
 * transaction) and the signed PDF is kept: the request waits for an
 * operator.
 * Approved, the renewals job issues the new keys and certificates
 * RENEWAL_LEAD_S before the end (issuance_renew, through the signer), with
 * the order's package; rejected, the holder may ask again with the same
 * order. When the window closes first, the order is refunded through the
 * payment provider and the holder told to buy a new certificate.
 */
#ifndef PC_RENEWAL_H
#define PC_RENEWAL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "store/store_renewal.h"

#define RENEWAL_PHOTO_MAX (3u << 20)
#define RENEWAL_TERMS_MAX (8u << 20) /* the signed terms PDF */

/* What the holder sees. */
struct renewal_status {
	char serial[STORE_SERIAL_MAX + 1]; /* "" without a valid cert */
	int64_t not_after;
	int64_t closes_at; /* the last moment to ask */
	bool offered;      /* the window is open and nothing is pending */
	/* The banner on every page: the window is open and either the
	 * first reminder's day has come or a request for this certificate
	 * exists (being checked, or rejected: its reason). */
	bool banner;
	char order_id[STORE_ORDER_ID_LEN + 1]; /* a paid order to reuse */
	char *identity; /* JSON, read-only: name, cnp, email, phone, country */
	struct store_renewal req; /* the latest request; id "" when none */
};

enum pc_rc renewal_status(
    const struct pc_env *e, const char *user_id, struct renewal_status *out);
void renewal_status_cleanup(struct renewal_status *s);

/* The form. Dates are YYYY-MM-DD. */
struct renewal_form {
	const char *order_id;
	const char *doc_type, *doc_series, *doc_number, *doc_issued,
	    *doc_expiry, *doc_issuer;
};

/*
 * A draft from the form. Refusals: renewal_closed (no valid certificate,
 * or the window closed), renewal_pending (one is sent or approved),
 * order_not_found / order_state (field order_id: not a paid order of the
 * account, or used by another request), doc_type_invalid,
 * doc_number_invalid, field_invalid (dates, issuer), renewal_doc_expired
 * (field doc_expiry: not valid on the new certificate's start date).
 * OUT: id.
 */
enum pc_rc renewal_create(const struct pc_env *e, const char *user_id,
    const struct renewal_form *f, char id[STORE_ID_LEN + 1],
    struct pc_err *err);
/* The photo of the draft id (replaces an earlier one): photo_invalid. */
enum pc_rc renewal_photo(const struct pc_env *e, const char *user_id,
    const char *id, const uint8_t *p, size_t n, struct pc_err *err);
/*
 * Sign the terms with the current certificate under the TOTP code (the
 * signer checks the code, purpose "sign"): the draft (with its photo:
 * photo_invalid otherwise) becomes submitted and the signed PDF is kept.
 * Refusals as web signing's (cert_suspended, the TOTP errors, 503
 * signer_unavailable), renewal_state, renewal_closed.
 */
enum pc_rc renewal_submit(const struct pc_env *e, const char *user_id,
    const char *id, const char *code, struct pc_err *err);
/* The newest renewal terms user_id signed (PDF). PC_ENOTFOUND when none. */
enum pc_rc renewal_terms_pdf(
    const struct pc_env *e, const char *user_id, struct buf *out);

/* ---- the operator's side ------------------------------------------------ */

/* Requests in state (NULL: all), oldest first. */
enum pc_rc renewal_ra_each(const struct pc_env *e, const char *state,
    enum pc_rc (*fn)(void *arg, const struct store_renewal *r), void *arg);
/*
 * One request with the identity of the current certificate (JSON, the
 * accepted identification's, without who confirmed it). OUT: *r
 * (store_renewal_cleanup), *identity (free).
 */
enum pc_rc renewal_ra_get(const struct pc_env *e, const char *id,
    struct store_renewal *r, char **identity, struct pc_err *err);
/* The photo's bytes and type. */
enum pc_rc renewal_ra_photo(const struct pc_env *e, const char *id,
    struct buf *out, char ctype[32], struct pc_err *err);
/* Approve (e-mail) or reject with a reason (e-mail). renewal_state. */
enum pc_rc renewal_ra_decide(const struct pc_env *e, const char *op,
    const char *id, bool approve, const char *reason, struct pc_err *err);

/*
 * The renewals job: approved requests due are issued (issuance_renew);
 * requests not issued when the window closed are refunded (the provider's
 * refund, the order refunded, an e-mail). OUT: counts.
 */
enum pc_rc renewal_run(
    const struct pc_env *e, int64_t *issued, int64_t *refunded);

/*
 * The photos whose time is over deleted (the file, then its key): a draft
 * never sent after ra.retention_open_days, a request sent and not issued
 * ra.retention_rejected_days after its decision, an issued one
 * ra.retention_accepted_years after its new certificate ended (as the
 * identification's evidence). Run by the renewals job. OUT: count.
 */
enum pc_rc renewal_photos_expire(const struct pc_env *e, int64_t *deleted);

#endif /* PC_RENEWAL_H */
