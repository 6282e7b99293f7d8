/*
 * pki_issue.c: check a person's data and issue a holder's two
 * certificates (qualified signing, authentication), each on its own new
 * HSM key. Keys, rows and the audit record come and go together.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "pki/pki_int.h"

static enum pc_rc PC_PRINTF(3, 4)
    check_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return PC_EINVAL;
}

/*
 * true when s is valid UTF-8 (shortest forms, no surrogates) without
 * control characters (C0, DEL, C1).
 */
static bool
utf8_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else
			return false;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return false;
		p += n + 1;
	}
	return true;
}

static enum pc_rc
check_name(const char *what, const char *s, char *err, size_t errlen)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return check_fail(err, errlen, "%s is required", what);
	n = strlen(s);
	if (n > PKI_NAME_MAX)
		return check_fail(err, errlen,
		    "%s is too long (at most %d bytes)", what, PKI_NAME_MAX);
	if (!utf8_text_ok(s))
		return check_fail(err, errlen,
		    "%s must be UTF-8 text without control characters", what);
	if (s[0] == ' ' || s[n - 1] == ' ')
		return check_fail(
		    err, errlen, "%s must not start or end with a space", what);
	return PC_OK;
}

static bool
email_ok(const char *e)
{
	const char *at, *s, *label;
	size_t n;

	if (e == NULL)
		return false;
	n = strlen(e);
	at = strchr(e, '@');
	if (n < 3 || n > PKI_EMAIL_MAX || at == NULL || at == e ||
	    at - e > 64 || strchr(at + 1, '@') != NULL)
		return false;
	for (s = e; s < at; s++)
		if (!isalnum((unsigned char)*s) &&
		    strchr(".!#%&'*+/=?^_`{|}~-", *s) == NULL)
			return false;
	if (e[0] == '.' || at[-1] == '.' || strstr(e, "..") != NULL)
		return false;
	/* domain: labels of letters, digits, '-', at least two labels */
	label = at + 1;
	if (strchr(label, '.') == NULL)
		return false;
	for (;;) {
		size_t ln = strcspn(label, ".");

		if (ln == 0 || ln > 63 || label[0] == '-' ||
		    label[ln - 1] == '-')
			return false;
		for (size_t i = 0; i < ln; i++)
			if (!isalnum((unsigned char)label[i]) &&
			    label[i] != '-')
				return false;
		if (label[ln] == '\0')
			break;
		label += ln + 1;
	}
	return true;
}

/* Check a person's data (see pki.h). */
enum pc_rc
pki_person_check(const struct pki_person *who, char *err, size_t errlen)
{
	const char *country, *s;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(who != NULL, PC_EINTERNAL);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	rc = check_name("the given name", who->given_name, err, errlen);
	if (rc != PC_OK)
		return rc;
	rc = check_name("the surname", who->surname, err, errlen);
	if (rc != PC_OK)
		return rc;
	if (!email_ok(who->email))
		return check_fail(
		    err, errlen, "the e-mail address is not valid");
	country = who->country != NULL ? who->country : "RO";
	if (strlen(country) != 2 || !isupper((unsigned char)country[0]) ||
	    !isupper((unsigned char)country[1]) ||
	    !isalpha((unsigned char)country[0]) ||
	    !isalpha((unsigned char)country[1]))
		return check_fail(err, errlen,
		    "the country must be two upper-case letters (ISO 3166)");
	if (who->id_number == NULL || *who->id_number == '\0')
		return check_fail(err, errlen,
		    who->id_type == PKI_ID_PNO
		        ? "the CNP is required"
		        : "the document number is required");
	switch (who->id_type) {
	case PKI_ID_PNO:
		if (strcmp(country, "RO") == 0) {
			if (!cnp_valid(who->id_number))
				return check_fail(err, errlen,
				    "the CNP is not valid (13 digits, birth "
				    "date, county and check digit)");
			break;
		}
		PC_FALLTHROUGH;
	case PKI_ID_PAS:
	case PKI_ID_IDC:
		if (strlen(who->id_number) > PKI_IDNUM_MAX)
			return check_fail(err, errlen,
			    "the document number is too long (at most %d "
			    "characters)",
			    PKI_IDNUM_MAX);
		for (s = who->id_number; *s != '\0'; s++)
			if (!isalnum((unsigned char)*s) ||
			    (unsigned char)*s >= 0x80)
				return check_fail(err, errlen,
				    "the document number may hold only "
				    "letters and digits");
		break;
	default:
		return check_fail(
		    err, errlen, "unknown identity document type");
	}
	return PC_OK;
}

/* Free the certificates of is; the rest is plain data. */
void
pki_issued_cleanup(struct pki_issued *is)
{
	if (is == NULL)
		return;
	X509_free(is->sign_cert);
	X509_free(is->auth_cert);
	is->sign_cert = NULL;
	is->auth_cert = NULL;
}

/* The labels of an issuance under way, added (add) or forgotten. */
static enum pc_rc
pending_mark(struct pki *p, const struct pki_issued *is, bool add)
{
	struct db *db = NULL;
	enum pc_rc rc;

	rc = store_acquire(p->st, &db);
	if (rc != PC_OK)
		return rc;
	if (add) {
		rc = store_pending_key_add(db, is->sign_key_label, clock_now());
		if (rc == PC_OK)
			rc = store_pending_key_add(
			    db, is->auth_key_label, clock_now());
	} else {
		rc = store_pending_key_del(db, is->sign_key_label);
		if (rc == PC_OK)
			rc = store_pending_key_del(db, is->auth_key_label);
	}
	store_release(p->st, db);
	return rc;
}

struct sweep {
	char label[32][HSM_LABEL_MAX];
	size_t n;
};

static enum pc_rc
sweep_one(void *arg, const char *label)
{
	struct sweep *s = arg;

	if (s->n < PC_ARRAY_LEN(s->label))
		snprintf(s->label[s->n++], sizeof(s->label[0]), "%s", label);
	return PC_OK;
}

enum pc_rc
pki_sweep_pending(struct pki *p, int64_t older_s, int64_t *n)
{
	struct sweep *s;
	struct db *db = NULL;
	char detail[256];
	bool used = false;
	size_t i;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(p != NULL && n != NULL, PC_EINTERNAL);
	*n = 0;
	if (p->ks.destroy == NULL)
		return PC_OK;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return PC_ENOMEM;
	rc = store_acquire(p->st, &db);
	if (rc == PC_OK)
		rc = store_pending_key_each(db, clock_now() - older_s,
		    (int64_t)PC_ARRAY_LEN(s->label), sweep_one, s);
	for (i = 0; rc == PC_OK && i < s->n; i++) {
		/* A recorded certificate's key is never touched. */
		rc = store_cert_key_used(db, s->label[i], &used);
		if (rc != PC_OK)
			break;
		if (!used) {
			enum pc_rc drc = p->ks.destroy(p->ks.arg, s->label[i]);

			if (drc != PC_OK && drc != PC_ENOTFOUND) {
				log_warnx("pki: cannot delete the orphan key "
				          "%s (%s); kept for the next sweep",
				    s->label[i], pc_rc_str(drc));
				continue;
			}
			snprintf(detail, sizeof(detail),
			    "label=%s issuance never recorded", s->label[i]);
			rc = store_audit_append(
			    db, "pki", "key.orphan_deleted", detail);
			if (rc == PC_OK && drc == PC_OK)
				(*n)++;
			log_info("pki: orphan key %s of an issuance never "
			         "recorded: %s",
			    s->label[i],
			    drc == PC_OK ? "deleted" : "not in the HSM");
		}
		if (rc == PC_OK)
			rc = store_pending_key_del(db, s->label[i]);
	}
	store_release(p->st, db);
	free(s);
	return rc;
}

/* Issue a holder's two certificates (see pki.h). */
enum pc_rc
pki_holder_issue(struct pki *p, const struct pki_person *who, int years,
    enum hsm_key_type ktype, const struct pki_issue_hook *hook,
    struct pki_issued *out, char *err, size_t errlen)
{
	struct pki_person w;
	struct db *db = NULL;
	struct store_cert srow, arow;
	EVP_PKEY *cakey, *spub = NULL, *apub = NULL;
	bool smade = false, amade = false, pending = false;
	char detail[256];
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    p != NULL && who != NULL && out != NULL, PC_EINTERNAL);
	memset(out, 0, sizeof(*out));
	memset(&srow, 0, sizeof(srow));
	memset(&arow, 0, sizeof(arow));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	w = *who;
	if (w.country == NULL)
		w.country = "RO";
	rc = pki_person_check(&w, err, errlen);
	if (rc != PC_OK)
		goto out;
	if (years < 1 || years > 3) {
		rc = check_fail(err, errlen,
		    "the validity must be 1, 2 or 3 "
		    "years");
		goto out;
	}
	if (ktype != HSM_KEY_RSA2048 && ktype != HSM_KEY_RSA3072 &&
	    ktype != HSM_KEY_P256 && ktype != HSM_KEY_P384) {
		rc = check_fail(err, errlen, "unsupported key type");
		goto out;
	}
	if (p->ks.generate == NULL) {
		rc = PC_EUNAVAIL;
		goto out;
	}
	rc = pki_ca_key(p, PKI_ISSUING, &cakey);
	if (rc != PC_OK)
		goto out;
	rc = rnd_hex(16, out->holder);
	if (rc != PC_OK)
		goto out;
	snprintf(out->sign_key_label, sizeof(out->sign_key_label),
	    "holder-%s-sign", out->holder);
	snprintf(out->auth_key_label, sizeof(out->auth_key_label),
	    "holder-%s-auth", out->holder);
	/* Recorded first: a signer killed before the certificates' commit
	 * leaves what names its keys (pki_sweep_pending). */
	rc = pending_mark(p, out, true);
	if (rc != PC_OK)
		goto out;
	pending = true;
	rc = p->ks.generate(p->ks.arg, ktype, out->sign_key_label, &spub);
	if (rc != PC_OK)
		goto out;
	smade = true;
	rc = p->ks.generate(p->ks.arg, ktype, out->auth_key_label, &apub);
	if (rc != PC_OK)
		goto out;
	amade = true;
	rc = pki_profile_holder(p->conf, p->ca[PKI_ISSUING].cert, &w, true,
	    spub, years, &out->sign_cert);
	if (rc != PC_OK)
		goto out;
	rc = pki_profile_holder(p->conf, p->ca[PKI_ISSUING].cert, &w, false,
	    apub, years, &out->auth_cert);
	if (rc != PC_OK)
		goto out;
	rc = pki_cert_finish(out->sign_cert, cakey, CERT_KIND_SIGN, NULL,
	    p->ca[PKI_ISSUING].serial, out->holder, out->sign_key_label, &srow);
	if (rc != PC_OK)
		goto out;
	rc = pki_cert_finish(out->auth_cert, cakey, CERT_KIND_AUTH, NULL,
	    p->ca[PKI_ISSUING].serial, out->holder, out->auth_key_label, &arow);
	if (rc != PC_OK)
		goto out;
	snprintf(out->sign_serial, sizeof(out->sign_serial), "%s", srow.serial);
	snprintf(out->auth_serial, sizeof(out->auth_serial), "%s", arow.serial);
	rc = store_acquire(p->st, &db);
	if (rc != PC_OK)
		goto out;
	rc = db_begin(db);
	if (rc != PC_OK)
		goto out;
	rc = store_cert_insert(db, &srow);
	if (rc == PC_OK)
		rc = store_cert_insert(db, &arow);
	if (rc != PC_OK)
		goto out;
	/* no personal numbers in the audit trail */
	snprintf(detail, sizeof(detail), "holder=%s sign=%s auth=%s years=%d",
	    out->holder, srow.serial, arow.serial, years);
	rc = store_audit_append(db, "pki", "cert.issue", detail);
	if (rc == PC_OK)
		rc = store_pending_key_del(db, out->sign_key_label);
	if (rc == PC_OK)
		rc = store_pending_key_del(db, out->auth_key_label);
	if (rc == PC_OK && hook != NULL && hook->in_tx != NULL)
		rc = hook->in_tx(hook->arg, db, out);
	if (rc != PC_OK)
		goto out;
	rc = db_commit(db);
	if (rc != PC_OK)
		goto out;
	log_info("pki: issued %s", detail);
out:
	if (db != NULL) {
		if (db_in_tx(db))
			db_rollback(db);
		store_release(p->st, db);
	}
	if (rc != PC_OK) {
		if (smade && p->ks.destroy != NULL)
			(void)p->ks.destroy(p->ks.arg, out->sign_key_label);
		if (amade && p->ks.destroy != NULL)
			(void)p->ks.destroy(p->ks.arg, out->auth_key_label);
		/* The keys are gone (or were never made): nothing pending. */
		if (pending && (!smade || p->ks.destroy != NULL))
			(void)pending_mark(p, out, false);
		pki_issued_cleanup(out);
		memset(out, 0, sizeof(*out));
		if (err != NULL && errlen > 0 && err[0] == '\0')
			snprintf(
			    err, errlen, "issuance failed: %s", pc_rc_str(rc));
	}
	store_cert_cleanup(&srow);
	store_cert_cleanup(&arow);
	EVP_PKEY_free(spub);
	EVP_PKEY_free(apub);
	return rc;
}
