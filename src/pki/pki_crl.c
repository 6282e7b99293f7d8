/*
 * pki_crl.c: revocation and CRLs (RFC 5280 v2 CRLs with CRL number, AKI
 * and reason codes).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "base/log.h"
#include "pki/pki_int.h"

static const struct {
	const char *name;
	int code;
} reasons[] = {
	{ "unspecified", CRL_REASON_UNSPECIFIED },
	{ "keyCompromise", CRL_REASON_KEY_COMPROMISE },
	{ "cACompromise", CRL_REASON_CA_COMPROMISE },
	{ "affiliationChanged", CRL_REASON_AFFILIATION_CHANGED },
	{ "superseded", CRL_REASON_SUPERSEDED },
	{ "cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION },
	{ "certificateHold", CRL_REASON_CERTIFICATE_HOLD },
	{ "privilegeWithdrawn", CRL_REASON_PRIVILEGE_WITHDRAWN },
	{ "aACompromise", CRL_REASON_AA_COMPROMISE },
};

/* The RFC 5280 reason code of a name (case-insensitive); -1 if unknown. */
int
pki_reason_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < PC_ARRAY_LEN(reasons); i++)
		if (strcasecmp(name, reasons[i].name) == 0)
			return reasons[i].code;
	return -1;
}

/* The name of a reason code; "unknown" when not one we use. */
const char *
pki_reason_name(int reason)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(reasons); i++)
		if (reasons[i].code == reason)
			return reasons[i].name;
	return "unknown";
}

static enum pc_rc
crl_add_revoked(void *arg, const struct store_cert *c)
{
	X509_CRL *crl = arg;
	X509_REVOKED *rev = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *e = NULL;
	enum pc_rc rc = PC_ECRYPTO;

	if (BN_hex2bn(&bn, c->serial) == 0)
		goto out;
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	t = ASN1_TIME_set(NULL, (time_t)c->revoked_at);
	rev = X509_REVOKED_new();
	if (serial == NULL || t == NULL || rev == NULL ||
	    X509_REVOKED_set_serialNumber(rev, serial) != 1 ||
	    X509_REVOKED_set_revocationDate(rev, t) != 1)
		goto out;
	/* RFC 5280: reasonCode unspecified SHOULD be absent. */
	if (c->reason > 0) {
		e = ASN1_ENUMERATED_new();
		if (e == NULL || ASN1_ENUMERATED_set(e, c->reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0, 0) !=
		        1)
			goto out;
	}
	if (X509_CRL_add0_revoked(crl, rev) != 1)
		goto out;
	rev = NULL;
	rc = PC_OK;
out:
	if (rc != PC_OK)
		ossl_fail("pki: CRL entry");
	ASN1_ENUMERATED_free(e);
	X509_REVOKED_free(rev);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return rc;
}

/* Build, sign and store a new CRL of ca (see pki_int.h). */
enum pc_rc
pki_crl_make(const struct conf *conf, struct db *db, const struct pki_ca *ca,
    EVP_PKEY *key, uint8_t **derp, size_t *derlen)
{
	X509_CRL *crl = NULL;
	ASN1_TIME *t1 = NULL, *t2 = NULL;
	ASN1_INTEGER *num = NULL;
	AUTHORITY_KEYID *akid = NULL;
	const ASN1_OCTET_STRING *skid;
	struct store_crl row;
	unsigned char *der = NULL;
	int64_t now, number, hours;
	int len;
	enum pc_rc rc;

	memset(&row, 0, sizeof(row));
	if (derp != NULL)
		*derp = NULL;
	now = clock_now();
	hours = conf->pki.crl_hours > 0 ? conf->pki.crl_hours : 24;
	if (strcmp(ca->name, "root") == 0 && hours < PKI_ROOT_CRL_HOURS)
		hours = PKI_ROOT_CRL_HOURS;
	rc = store_crl_next_number(db, ca->serial, &number);
	if (rc != PC_OK)
		goto out;
	crl = X509_CRL_new();
	t1 = ASN1_TIME_set(NULL, (time_t)now);
	t2 = ASN1_TIME_set(NULL, (time_t)(now + hours * 3600));
	num = ASN1_INTEGER_new();
	akid = AUTHORITY_KEYID_new();
	skid = X509_get0_subject_key_id(ca->cert);
	if (crl == NULL || t1 == NULL || t2 == NULL || num == NULL ||
	    akid == NULL || skid == NULL ||
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)) !=
	        1 ||
	    X509_CRL_set1_lastUpdate(crl, t1) != 1 ||
	    X509_CRL_set1_nextUpdate(crl, t2) != 1 ||
	    ASN1_INTEGER_set_int64(num, number) != 1) {
		rc = ossl_fail("pki: CRL fields");
		goto out;
	}
	akid->keyid = ASN1_OCTET_STRING_dup(skid);
	if (akid->keyid == NULL ||
	    X509_CRL_add1_ext_i2d(
	        crl, NID_authority_key_identifier, akid, 0, 0) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1) {
		rc = ossl_fail("pki: CRL extensions");
		goto out;
	}
	rc = store_cert_each_revoked(db, ca->serial, crl_add_revoked, crl);
	if (rc != PC_OK)
		goto out;
	if (X509_CRL_sort(crl) != 1 ||
	    X509_CRL_sign(crl, key, EVP_sha256()) <= 0) {
		rc = ossl_fail("pki: sign CRL");
		goto out;
	}
	len = i2d_X509_CRL(crl, &der);
	if (len <= 0) {
		rc = ossl_fail("pki: encode CRL");
		goto out;
	}
	snprintf(row.issuer, sizeof(row.issuer), "%s", ca->serial);
	row.number = number;
	row.this_update = now;
	row.next_update = now + hours * 3600;
	row.der = der;
	row.der_len = (size_t)len;
	rc = store_crl_put(db, &row);
	if (rc != PC_OK)
		goto out;
	log_info("pki: CRL %s number=%lld", ca->name, (long long)number);
	if (derp != NULL) {
		*derp = malloc((size_t)len);
		if (*derp == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
		memcpy(*derp, der, (size_t)len);
		*derlen = (size_t)len;
	}
out:
	OPENSSL_free(der);
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	X509_CRL_free(crl);
	return rc;
}

static bool
crl_fresh(const struct conf *conf, const struct store_crl *c)
{
	int64_t renew = conf->pki.crl_renew_hours > 0
	                    ? conf->pki.crl_renew_hours * 3600
	                    : 0;

	return clock_now() < c->next_update - renew;
}

/*
 * The current CRL of "root" or "issuing"; regenerated when it is within
 * crl_renew_hours of nextUpdate (or missing).
 */
enum pc_rc
pki_crl_der(struct pki *p, const char *name, struct buf *out)
{
	struct db *db = NULL;
	struct store_crl latest;
	EVP_PKEY *key;
	uint8_t *der = NULL;
	size_t derlen = 0;
	bool have = false;
	int64_t retry_at;
	int idx;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(p != NULL && out != NULL, PC_EINTERNAL);
	memset(&latest, 0, sizeof(latest));
	idx = pki_ca_index(name);
	if (idx != PKI_ROOT && idx != PKI_ISSUING)
		return PC_ENOTFOUND;
	rc = store_acquire(p->st, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_crl_latest(db, p->ca[idx].serial, &latest);
	if (rc == PC_OK) {
		have = true;
		if (crl_fresh(p->conf, &latest))
			goto emit;
	} else if (rc != PC_ENOTFOUND)
		goto out;
	/* Stale or missing: make a new one (one thread at a time). */
	pthread_mutex_lock(&p->lock);
	retry_at = p->crl_retry_at[idx];
	pthread_mutex_unlock(&p->lock);
	if (have && clock_now() < retry_at)
		goto emit; /* a renewal failed a moment ago */
	rc = pki_ca_key(p, idx, &key);
	pthread_mutex_lock(&p->lock);
	if (rc == PC_OK)
		rc = db_begin(db);
	if (rc == PC_OK) {
		store_crl_cleanup(&latest);
		have = false;
		rc = store_crl_latest(db, p->ca[idx].serial, &latest);
		if (rc == PC_OK) {
			have = true;
			if (crl_fresh(p->conf, &latest)) {
				db_rollback(db);
				pthread_mutex_unlock(&p->lock);
				goto emit;
			}
		}
		rc = pki_crl_make(p->conf, db, &p->ca[idx], key, &der, &derlen);
		if (rc == PC_OK)
			rc = db_commit(db);
		if (rc != PC_OK)
			db_rollback(db);
	}
	if (rc != PC_OK)
		p->crl_retry_at[idx] = clock_now() + PKI_CRL_RETRY;
	pthread_mutex_unlock(&p->lock);
	if (rc == PC_OK) {
		buf_append(out, der, derlen);
		rc = buf_ok(out) ? PC_OK : buf_rc(out);
		goto out;
	}
	if (!have)
		goto out;
	log_error("pki: cannot renew the %s CRL (%s); serving the last one "
	          "until %d s from now",
	    name, pc_rc_str(rc), PKI_CRL_RETRY);
emit:
	buf_append(out, latest.der, latest.der_len);
	rc = buf_ok(out) ? PC_OK : buf_rc(out);
out:
	free(der);
	store_crl_cleanup(&latest);
	store_release(p->st, db);
	return rc;
}

/* Normalise a user-typed serial: hex, lower case, no ':' or leading 0s. */
static enum pc_rc
serial_norm(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	const char *s = in;

	if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
		s += 2;
	while (*s == '0' || *s == ':')
		s++;
	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (!isxdigit((unsigned char)*s) || n + 1 >= outlen)
			return PC_EINVAL;
		out[n++] = (char)tolower((unsigned char)*s);
	}
	if (n == 0) {
		if (outlen < 2)
			return PC_EINVAL;
		out[n++] = '0';
	}
	out[n] = '\0';
	return PC_OK;
}

/* Normalise serial for lookups (exported for the CLI). */
enum pc_rc
pki_serial_norm(const char *in, char *out, size_t outlen)
{
	RETURN_VAL_IF_FAIL(in != NULL && out != NULL, PC_EINTERNAL);
	return serial_norm(in, out, outlen);
}

/*
 * Change the revocation state of a certificate: revoke it with reason, or
 * (reason -1) take it off hold. The store row, an audit record and a new
 * CRL of its issuer, in one transaction: the CRL served from then on, and
 * the OCSP answers (which read the row), say the new state at once.
 */
static enum pc_rc
cert_change(struct pki *p, const char *serial, int reason)
{
	struct db *db = NULL;
	struct store_cert c;
	EVP_PKEY *key;
	char sn[STORE_SERIAL_MAX + 1], detail[256];
	bool release = reason < 0;
	int idx;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	rc = serial_norm(serial, sn, sizeof(sn));
	if (rc != PC_OK)
		return rc;
	rc = store_acquire(p->st, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_cert_get(db, sn, &c);
	if (rc != PC_OK)
		goto out;
	if (strcmp(c.issuer, p->ca[PKI_ROOT].serial) == 0)
		idx = PKI_ROOT;
	else if (strcmp(c.issuer, p->ca[PKI_ISSUING].serial) == 0)
		idx = PKI_ISSUING;
	else {
		/* the root itself, or a certificate of an older CA */
		log_warnx("pki: revoke %s: not issued by the current CAs", sn);
		rc = PC_EINVAL;
		goto out;
	}
	rc = pki_ca_key(p, idx, &key);
	if (rc != PC_OK)
		goto out;
	if (release)
		snprintf(detail, sizeof(detail), "serial=%s kind=%s", sn,
		    c.kind != NULL ? c.kind : "?");
	else
		snprintf(detail, sizeof(detail), "serial=%s kind=%s reason=%s",
		    sn, c.kind != NULL ? c.kind : "?", pki_reason_name(reason));
	pthread_mutex_lock(&p->lock);
	rc = db_begin(db);
	if (rc == PC_OK)
		rc = release ? store_cert_release(db, sn)
		             : store_cert_revoke(db, sn, reason, clock_now());
	if (rc == PC_OK)
		rc = store_audit_append(db, "pki",
		    release ? "cert.release" : "cert.revoke", detail);
	if (rc == PC_OK)
		rc = pki_crl_make(p->conf, db, &p->ca[idx], key, NULL, NULL);
	if (rc == PC_OK)
		rc = db_commit(db);
	if (rc != PC_OK && db_in_tx(db))
		db_rollback(db);
	pthread_mutex_unlock(&p->lock);
	if (rc == PC_OK)
		log_info(
		    "pki: %s %s", release ? "released" : "revoked", detail);
out:
	store_cert_cleanup(&c);
	store_release(p->st, db);
	return rc;
}

/*
 * Revoke a certificate and publish a new CRL of its issuer. PC_ESTATE when
 * already revoked (a certificate on hold may be revoked for good).
 */
enum pc_rc
pki_cert_revoke(struct pki *p, const char *serial, int reason)
{
	RETURN_VAL_IF_FAIL(p != NULL && serial != NULL, PC_EINTERNAL);
	if (reason < 0 || reason == 7 || reason > CRL_REASON_AA_COMPROMISE ||
	    reason == CRL_REASON_REMOVE_FROM_CRL)
		return PC_EINVAL;
	return cert_change(p, serial, reason);
}

/*
 * Take a certificate off hold (certificateHold) and publish a new CRL
 * without it. PC_ESTATE when it is not on hold.
 */
enum pc_rc
pki_cert_release(struct pki *p, const char *serial)
{
	RETURN_VAL_IF_FAIL(p != NULL && serial != NULL, PC_EINTERNAL);
	return cert_change(p, serial, -1);
}

/*
 * Make a new CRL of "root" or "issuing" now, whatever the freshness of the
 * last one: the offline renewal of the root CRL (pecete pki crl), which the
 * online signer cannot make. OUT: DER appended to out.
 */
enum pc_rc
pki_crl_renew(struct pki *p, const char *name, struct buf *out)
{
	struct db *db = NULL;
	EVP_PKEY *key;
	uint8_t *der = NULL;
	size_t derlen = 0;
	int idx;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(p != NULL && out != NULL, PC_EINTERNAL);
	idx = pki_ca_index(name);
	if (idx != PKI_ROOT && idx != PKI_ISSUING)
		return PC_ENOTFOUND;
	rc = pki_ca_key(p, idx, &key);
	if (rc != PC_OK)
		return rc;
	rc = store_acquire(p->st, &db);
	if (rc != PC_OK)
		return rc;
	pthread_mutex_lock(&p->lock);
	rc = db_begin(db);
	if (rc == PC_OK) {
		rc = pki_crl_make(p->conf, db, &p->ca[idx], key, &der, &derlen);
		if (rc == PC_OK)
			rc = store_audit_append(db, "cli", "crl.renew", name);
		if (rc == PC_OK)
			rc = db_commit(db);
		if (rc != PC_OK)
			db_rollback(db);
	}
	pthread_mutex_unlock(&p->lock);
	if (rc == PC_OK) {
		buf_append(out, der, derlen);
		rc = buf_ok(out) ? PC_OK : buf_rc(out);
	}
	free(der);
	store_release(p->st, db);
	return rc;
}
