/*
 * issuance.h: issuing a person's certificates at the first sign-in after
 * the identification is accepted (journey J8). docs/internals/issuance.md.
 *
 * The person may be asked first whether the phone number given at the
 * identification becomes the account's (issuance_phone). Then one TOTP
 * code (issuance_run) makes the signer process, in this order: check the
 * code, generate both key pairs in the HSM, issue the qualified signing
 * certificate and the authentication certificate from the identity the
 * operator confirmed, with the package's validity, and store them with the
 * credential (its transactions from the package) in one transaction. The
 * signer answers with a one-time grant, under which the issuance terms
 * (the terms of the trust service, as a PDF) are signed PAdES B-T with the
 * new key; the signed PDF is kept encrypted as a document of the account,
 * the order becomes fulfilled and the person is told by e-mail.
 *
 * A run that stopped after the certificates (a crash, a TSA failure)
 * leaves state ISSUANCE_TERMS: the next run signs the terms with a new
 * code (a normal SAD) and finishes; nothing is issued twice (the signer
 * refuses a second credential while one is valid).
 */
#ifndef PC_ISSUANCE_H
#define PC_ISSUANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "store/store_credential.h"
#include "store/store_shop.h"

#define ISSUANCE_NONE "none"                     /* nothing bought */
#define ISSUANCE_IDENTIFICATION "identification" /* J7 not accepted yet */
#define ISSUANCE_TOTP "totp_required"            /* pair an app first */
#define ISSUANCE_READY "ready"                   /* one code issues */
#define ISSUANCE_TERMS "terms" /* issued; the terms still to sign */
#define ISSUANCE_ISSUED "issued"
/* The certificate ended and no new order waits: re-issuance (the shop). */
#define ISSUANCE_EXPIRED "expired"

struct issuance_status {
	const char *state; /* ISSUANCE_* (static) */
	struct store_order order;
	int64_t years, transactions; /* the package's */
	char package_name[128];
	bool phone_question; /* ask whether phone becomes the account's */
	char phone[32];      /* the number given at identification */
	char *identity;      /* JSON: what the certificate will say */
	struct store_credential cred; /* TERMS, ISSUED, EXPIRED (the last) */
	char auth_serial[STORE_SERIAL_MAX + 1];
	int64_t not_after;
	char terms_version[32];
};

enum pc_rc issuance_status(
    const struct pc_env *e, const char *user_id, struct issuance_status *out);
void issuance_status_cleanup(struct issuance_status *s);

/*
 * The answer about the phone: associate (the account's phone becomes the
 * one given at identification) or keep. Once; audited.
 */
enum pc_rc issuance_phone(const struct pc_env *e, const char *user_id,
    bool associate, struct pc_err *err);

/*
 * Issue (or finish an issuance) with the TOTP code. Refusals: 409
 * issuance_not_ready, phone_decision_required, totp_not_enabled,
 * credential_exists, identity_invalid; the TOTP errors; 503
 * signer_unavailable. OUT: *out (issuance_status_cleanup): the new state.
 */
enum pc_rc issuance_run(const struct pc_env *e, const char *user_id,
    const char *code, struct issuance_status *out, struct pc_err *err);

/*
 * Issue the renewal renewal_id of user_id (approved, due: the signer
 * checks), with the package of order_id and identity (the JSON of
 * person_from), then sign the terms with the new key under the signer's
 * grant; the order becomes fulfilled and the holder is told (cert_issued).
 * A run stopped between the two is finished by the holder's next
 * issuance_run (ISSUANCE_TERMS). The job's path (renewal.c).
 */
enum pc_rc issuance_renew(const struct pc_env *e, const char *user_id,
    const char *renewal_id, const char *order_id, const char *identity,
    struct pc_err *err);

/*
 * The terms of the trust service (the account's language) signed PAdES
 * B-T with credential under sad (this node's TSA) into out. With renewal:
 * the terms of that renewal request, signed with its current certificate;
 * the signer takes no transaction and submits the request (SIGN_USER).
 */
enum pc_rc issuance_terms_signed(const struct pc_env *e, const char *user_id,
    const char *credential, const char *sad, const char *renewal,
    struct buf *out, struct pc_err *err);

/* The issuance terms signed at issuance (PDF). PC_ENOTFOUND when none. */
enum pc_rc issuance_terms_pdf(
    const struct pc_env *e, const char *user_id, struct buf *out);

/* A certificate of the account. */
struct issuance_cert {
	char serial[STORE_SERIAL_MAX + 1];
	const char *kind; /* "sign", "auth" */
	char *subject;
	int64_t not_before, not_after;
	bool revoked;       /* revoked or suspended */
	const char *status; /* "good", "suspended", "revoked" (static) */
};

/* The account's certificates, newest first, each to fn. */
enum pc_rc issuance_certs(const struct pc_env *e, const char *user_id,
    enum pc_rc (*fn)(void *arg, const struct issuance_cert *c), void *arg);

/*
 * A certificate of the account as DER or PEM; chain: followed by the
 * issuing CA and the root (PEM only). PC_ENOTFOUND for another's.
 */
enum pc_rc issuance_cert_file(const struct pc_env *e, const char *user_id,
    const char *serial, bool pem, bool chain, struct buf *out);

/*
 * Expiry reminders (a cluster job, hourly): each account's signing
 * certificate gets an e-mail [lifecycle] remind_first_days and
 * remind_second_days before it ends, once each (recorded in
 * cert_reminders with the e-mail, in one transaction); a certificate first
 * seen inside the nearer lead gets only the nearer one. OUT: *sent.
 */
enum pc_rc issuance_remind(const struct pc_env *e, int64_t *sent);

#endif /* PC_ISSUANCE_H */
