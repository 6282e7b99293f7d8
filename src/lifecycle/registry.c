/*
 * registry.c: the public certificate registry (J16).
 *
 * Only qualified signing certificates are listed (those relying parties
 * verify). The search keys (table cert_registry) are made from the
 * certificates themselves: the subject's givenName and surname in both
 * orders as text_name_key, and the subjectAltName e-mail in lower case.
 * Certificates without keys yet (issued since the last search, or before
 * the table existed) are indexed at the start of each search, a bounded
 * number at a time. What a result shows is decided here: serial, the
 * subject without its serialNumber attribute (the holder's personal
 * number, ETSI EN 319 412-1), validity and status. See docs/security.md.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/text.h"
#include "lifecycle/lifecycle.h"
#include "pki/pki.h"

#define INDEX_BATCH 200
#define KEY_MAX (TEXT_NAME_MAX_BYTES * 2 + 8)
#define EMAIL_MAX 320

static X509 *
cert_x509(const struct store_cert *c)
{
	const unsigned char *p = c->der;

	return d2i_X509(NULL, &p, (long)c->der_len);
}

/* The UTF-8 value of the first attribute nid of name; "" when absent. */
static void
name_attr(const X509_NAME *name, int nid, char *out, size_t n)
{
	const X509_NAME_ENTRY *ent;
	unsigned char *utf8 = NULL;
	int i, len;

	out[0] = '\0';
	i = X509_NAME_get_index_by_NID(name, nid, -1);
	if (i < 0)
		return;
	ent = X509_NAME_get_entry(name, i);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(ent));
	if (len > 0)
		snprintf(out, n, "%.*s", len, (const char *)utf8);
	OPENSSL_free(utf8);
}

/* The first rfc822Name of the subjectAltName, lower case; "" if none. */
static void
san_email(X509 *x, char *out, size_t n)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	int i, len;
	size_t k;

	out[0] = '\0';
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_EMAIL)
			continue;
		len = ASN1_STRING_length(g->d.rfc822Name);
		snprintf(out, n, "%.*s", len,
		    (const char *)ASN1_STRING_get0_data(g->d.rfc822Name));
		break;
	}
	GENERAL_NAMES_free(gens);
	for (k = 0; out[k] != '\0'; k++)
		if (out[k] >= 'A' && out[k] <= 'Z')
			out[k] = (char)(out[k] - 'A' + 'a');
}

/* An e-mail as typed: trimmed, lower case; false when it is not one. */
static bool
email_key(const char *q, char *out, size_t n)
{
	size_t len, k, at = 0, ats = 0;

	while (*q == ' ')
		q++;
	len = strlen(q);
	while (len > 0 && q[len - 1] == ' ')
		len--;
	if (len == 0 || len >= n || len > EMAIL_MAX)
		return false;
	for (k = 0; k < len; k++) {
		unsigned char ch = (unsigned char)q[k];

		if (ch <= ' ' || ch >= 0x7f)
			return false;
		if (ch == '@') {
			at = k;
			ats++;
		}
		out[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	out[len] = '\0';
	return ats == 1 && at > 0 && at + 1 < len;
}

struct idx {
	struct db *db;
	size_t n;
};

static enum pc_rc
index_one(void *arg, const struct store_cert *c)
{
	struct idx *ix = arg;
	X509 *x = cert_x509(c);
	char given[TEXT_NAME_MAX_BYTES], sur[TEXT_NAME_MAX_BYTES];
	char full[2 * TEXT_NAME_MAX_BYTES + 2], k1[KEY_MAX], k2[KEY_MAX];
	char mail[EMAIL_MAX + 1];
	enum pc_rc rc;

	k1[0] = k2[0] = mail[0] = '\0';
	if (x != NULL) {
		name_attr(X509_get_subject_name(x), NID_givenName, given,
		    sizeof(given));
		name_attr(
		    X509_get_subject_name(x), NID_surname, sur, sizeof(sur));
		snprintf(full, sizeof(full), "%s %s", given, sur);
		if (text_name_key(full, k1, sizeof(k1)) != PC_OK)
			k1[0] = '\0';
		snprintf(full, sizeof(full), "%s %s", sur, given);
		if (text_name_key(full, k2, sizeof(k2)) != PC_OK)
			k2[0] = '\0';
		san_email(x, mail, sizeof(mail));
		X509_free(x);
	} else {
		log_warnx("registry: certificate %s does not parse", c->serial);
	}
	/* A row even when empty: the certificate is not looked at again. */
	rc = store_registry_put(ix->db, c->serial, k1, k2, mail);
	if (rc == PC_OK)
		ix->n++;
	return rc;
}

/* Index the signing certificates that have no keys yet. */
static enum pc_rc
index_new(const struct pc_env *e)
{
	struct idx ix = { NULL, 0 };
	int64_t unindexed = 0;
	enum pc_rc rc;

	/* Usually nothing: then no write transaction. */
	STORE_ONE(rc, e->store, store_registry_unindexed_count(db, &unindexed));
	if (rc != PC_OK || unindexed == 0)
		return rc;
	rc = store_write_begin(e->store, &ix.db);
	if (rc != PC_OK)
		return rc;
	rc = store_registry_each_unindexed(ix.db, INDEX_BATCH, index_one, &ix);
	rc = store_write_end(e->store, ix.db, rc);
	if (rc == PC_OK && ix.n > 0)
		log_info("registry: indexed %zu certificates", ix.n);
	return rc;
}

/* The subject without serialNumber, RFC 2253 order, UTF-8. */
static char *
safe_subject(X509 *x)
{
	X509_NAME *nm = X509_NAME_dup(X509_get_subject_name(x));
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long len;
	int i;

	if (nm == NULL || b == NULL)
		goto out;
	while ((i = X509_NAME_get_index_by_NID(nm, NID_serialNumber, -1)) >= 0)
		X509_NAME_ENTRY_free(X509_NAME_delete_entry(nm, i));
	if (X509_NAME_print_ex(
	        b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		goto out;
	len = BIO_get_mem_data(b, &p);
	out = OPENSSL_strndup(p, (size_t)len);
out:
	BIO_free(b);
	X509_NAME_free(nm);
	return out;
}

struct found {
	enum pc_rc (*fn)(void *arg, const struct registry_entry *r);
	void *arg;
};

static enum pc_rc
found_one(void *arg, const struct store_cert *c)
{
	struct found *f = arg;
	struct registry_entry r;
	X509 *x = cert_x509(c);
	char *subject = x != NULL ? safe_subject(x) : NULL;
	enum pc_rc rc;

	X509_free(x);
	if (subject == NULL)
		return PC_ECRYPTO;
	memset(&r, 0, sizeof(r));
	r.serial = c->serial;
	r.subject = subject;
	r.not_before = c->not_before;
	r.not_after = c->not_after;
	if (c->status == CERT_REVOKED)
		r.status = c->reason == 6 ? "suspended" : "revoked";
	else if (clock_now() >= c->not_after)
		r.status = "expired";
	else
		r.status = "good";
	rc = f->fn(f->arg, &r);
	OPENSSL_free(subject);
	return rc;
}

enum pc_rc
registry_search(const struct pc_env *e, const char *q,
    enum pc_rc (*fn)(void *arg, const struct registry_entry *r), void *arg)
{
	struct found f = { fn, arg };
	char key[KEY_MAX];
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && fn != NULL, PC_EINTERNAL);
	if (q == NULL)
		return PC_OK;
	if (strchr(q, '@') != NULL) {
		if (!email_key(q, key, sizeof(key)))
			return PC_OK;
	} else if (text_name_key(q, key, sizeof(key)) != PC_OK) {
		return PC_OK; /* not a name: nobody has it */
	}
	rc = index_new(e);
	if (rc != PC_OK)
		return rc;
	STORE_ONE(rc, e->store,
	    store_registry_find(db, key, REGISTRY_RESULTS_MAX, found_one, &f));
	return rc;
}

enum pc_rc
registry_cert_file(
    const struct pc_env *e, const char *serial, bool pem, struct buf *out)
{
	struct store_cert c;
	char sn[STORE_SERIAL_MAX + 1];
	X509 *x = NULL;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && out != NULL, PC_EINTERNAL);
	memset(&c, 0, sizeof(c));
	if (serial == NULL || pki_serial_norm(serial, sn, sizeof(sn)) != PC_OK)
		return PC_ENOTFOUND;
	STORE_ONE(rc, e->store, store_cert_get(db, sn, &c));
	if (rc == PC_OK && strcmp(c.kind, CERT_KIND_SIGN) != 0)
		rc = PC_ENOTFOUND;
	if (rc != PC_OK)
		goto out;
	if (!pem) {
		buf_append(out, c.der, c.der_len);
		rc = buf_ok(out) ? PC_OK : buf_rc(out);
		goto out;
	}
	x = cert_x509(&c);
	rc = x != NULL ? pki_x509_pem(x, out) : PC_ECRYPTO;
out:
	X509_free(x);
	store_cert_cleanup(&c);
	return rc;
}

enum pc_rc
registry_ca_each(const struct pc_env *e,
    enum pc_rc (*fn)(void *arg, const struct registry_ca *c), void *arg)
{
	static const char *const names[] = { "root", "issuing", "tsa", "ocsp" };
	struct registry_ca r;
	struct store_cert c;
	struct db *db = NULL;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t i;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(e != NULL && fn != NULL, PC_EINTERNAL);
	memset(&c, 0, sizeof(c));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	for (i = 0; rc == PC_OK && i < PC_ARRAY_LEN(names); i++) {
		rc = store_cert_get_by_name(db, names[i], &c);
		if (rc != PC_OK)
			break;
		memset(&r, 0, sizeof(r));
		if (EVP_Digest(c.der, c.der_len, md, &mdlen, EVP_sha256(),
		        NULL) != 1 ||
		    mdlen != 32) {
			rc = PC_ECRYPTO;
			break;
		}
		hex_encode(md, mdlen, r.sha256);
		r.name = names[i];
		r.subject = c.subject != NULL ? c.subject : "";
		r.serial = c.serial;
		r.not_before = c.not_before;
		r.not_after = c.not_after;
		r.crl = i < 2;
		rc = fn(arg, &r);
		store_cert_cleanup(&c);
	}
	store_cert_cleanup(&c);
	store_release(e->store, db);
	return rc;
}
