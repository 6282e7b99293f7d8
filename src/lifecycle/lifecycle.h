/*
 * lifecycle.h: suspension, resumption and revocation of a holder's
 * certificates (journey J10-J11 item 6), and the public certificate
 * registry (J16). docs/internals/lifecycle.md.
 *
 * A holder's two certificates (qualified signing, authentication) share
 * a holder id and move together: suspending puts both on hold
 * (certificateHold), resuming takes both off hold, revoking the signing
 * certificate revokes the authentication certificate too. Each change
 * goes through pki_cert_revoke / pki_cert_release, which write the row
 * and a new CRL of the issuer in one transaction: the OCSP responder
 * (which reads the rows) and the CRL served say the new state at once.
 * The holder is e-mailed (cert_suspended, cert_resumed, cert_revoked)
 * and every change is audited with who did it.
 */
#ifndef PC_LIFECYCLE_H
#define PC_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/env.h"
#include "base/err.h"
#include "base/pc.h"
#include "store/store.h"

/*
 * The holder suspends the certificates of serial (one of the account's):
 * confirm must be true. No TOTP code: suspending only stops signing, and
 * must stay possible for someone who lost the phone. Refusals: 400
 * confirm_required; 404 cert_not_found; 409 cert_state (not good now).
 */
enum pc_rc lifecycle_suspend(const struct pc_env *e, const char *user_id,
    const char *serial, bool confirm, struct pc_err *err);

/*
 * The holder resumes suspended certificates, with a TOTP code (purpose
 * "resume", checked by the signer). Refusals: 404 cert_not_found; 409
 * cert_state (not suspended, or expired); the TOTP errors. Nothing changes
 * when refused.
 */
enum pc_rc lifecycle_resume(const struct pc_env *e, const char *user_id,
    const char *serial, const char *code, struct pc_err *err);

/*
 * The holder revokes the certificates of serial for good, with a TOTP
 * code (purpose "revoke") and confirm true. reason (NULL: unspecified) is
 * one of unspecified, keyCompromise, affiliationChanged, superseded,
 * cessationOfOperation. Refusals: 400 confirm_required, reason_invalid;
 * 404 cert_not_found; 409 cert_state (already revoked); the TOTP errors.
 */
enum pc_rc lifecycle_revoke(const struct pc_env *e, const char *user_id,
    const char *serial, const char *code, bool confirm, const char *reason,
    struct pc_err *err);

/*
 * An operator (e->actor) revokes the certificate serial for good with an
 * RFC 5280 reason name (not removeFromCRL, not certificateHold: a hold the
 * holder could lift with a code is no operator's measure), a note kept in
 * the audit. A signing certificate takes its authentication certificate
 * with it; a certificate on hold may be revoked. Refusals: 400
 * reason_invalid; 404 cert_not_found (not a holder's certificate); 409
 * cert_state (already revoked).
 */
enum pc_rc lifecycle_ra_revoke(const struct pc_env *e, const char *serial,
    const char *reason, const char *note, struct pc_err *err);

/* ---- the public registry (registry.c) --------------------------------- */

#define REGISTRY_RESULTS_MAX 20

/* What the registry shows of a certificate, and nothing more. */
struct registry_entry {
	const char *serial;
	const char *subject; /* the subject without serialNumber */
	int64_t not_before, not_after;
	const char *status; /* "good", "suspended", "revoked", "expired" */
};

/*
 * The qualified signing certificates whose holder's full name (given name
 * then surname, or the reverse) or e-mail is q, exactly after the
 * normalisation of account names (case, spaces, ş/ţ -> ș/ț) or of e-mail
 * addresses (case). A q that is neither a valid name nor an address finds
 * nothing (no error). fn is called per result, newest first, at most
 * REGISTRY_RESULTS_MAX.
 */
enum pc_rc registry_search(const struct pc_env *e, const char *q,
    enum pc_rc (*fn)(void *arg, const struct registry_entry *r), void *arg);

/*
 * A certificate of the registry (qualified signing certificates only) as
 * DER or PEM, appended to out. PC_ENOTFOUND for any other serial.
 */
enum pc_rc registry_cert_file(
    const struct pc_env *e, const char *serial, bool pem, struct buf *out);

/* One of our CA and service certificates. */
struct registry_ca {
	const char *name; /* "root", "issuing", "tsa", "ocsp" */
	const char *subject;
	const char *serial;
	int64_t not_before, not_after;
	char sha256[65]; /* fingerprint of the DER, hex */
	bool crl;        /* a CRL is published at /pki/<name>.crl */
};

/* Our CA and service certificates, root first. */
enum pc_rc registry_ca_each(const struct pc_env *e,
    enum pc_rc (*fn)(void *arg, const struct registry_ca *c), void *arg);

#endif /* PC_LIFECYCLE_H */
