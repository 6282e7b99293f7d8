/*
 * confirm.c: the confirmation document for ANAF's Virtual Private Space
 * (SPV) (issue 17 item 5). See signing.h, "Confirmation document".
 *
 * A request is the declaration itself: a PDF made here with the holder's
 * certificate data, kept as a document of kind DOC_CONFIRM_DECL (its
 * size and SHA-256 recorded). The holder signs it (in Pecete or with any
 * tool that appends an incremental update) and uploads it back; it must
 * begin with the declaration's exact bytes and carry a signature that
 * passes validation by the holder's valid signing certificate. Then the
 * platform seals it at B-LTA (signing_seal_pdf) and keeps the result as
 * DOC_CONFIRM_SEALED of the same request, with an e-mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "notify/notify.h"
#include "sign/pdf_doc.h"
#include "signing/confirm.h"
#include "signing/documents.h"
#include "signing/signing.h"
#include "store/store_account.h"
#include "store/store_credential.h"
#include "validate/validate.h"

#define DOC_CONFIRM_DECL CONFIRM_KIND_DECL
#define DOC_CONFIRM_SEALED CONFIRM_KIND_SEALED

/* ---- the declaration ---------------------------------------------------- */

static void
date_of(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d", &tm);
}

/*
 * The holder's identifier of certificate c (its subject's serialNumber,
 * ETSI EN 319 412-1: "PNORO-<CNP>", "PASRO-...", "IDCRO-...") with all
 * but its type, country and last 4 characters masked: the declaration
 * names the certificate by its serial; the CNP is not printed in full.
 */
static void
decl_holder_id(const struct store_cert *c, char *out, size_t n)
{
	const unsigned char *d = c->der;
	X509 *x = d2i_X509(NULL, &d, (long)c->der_len);
	const ASN1_STRING *v = NULL;
	size_t len, i, keep;
	int at;

	snprintf(out, n, "-");
	if (x != NULL) {
		at = X509_NAME_get_index_by_NID(
		    X509_get_subject_name(x), NID_serialNumber, -1);
		if (at >= 0)
			v = X509_NAME_ENTRY_get_data(
			    X509_NAME_get_entry(X509_get_subject_name(x), at));
	}
	if (v != NULL && ASN1_STRING_length(v) > 0 &&
	    (size_t)ASN1_STRING_length(v) < n) {
		len = (size_t)ASN1_STRING_length(v);
		memcpy(out, ASN1_STRING_get0_data(v), len);
		out[len] = '\0';
		/* "PNORO-" kept when present (3 letters, 2 letters, '-'). */
		i = len > 6 && out[5] == '-' ? 6 : 0;
		keep = len - i > 8 ? 4 : 0;
		for (; i + keep < len; i++)
			out[i] = '*';
	}
	X509_free(x);
}

/* The declaration's PDF for user u and certificate c issued by CA ca
 * (request id). */
static enum pc_rc
decl_render(const struct pc_env *e, const struct store_user *u,
    const struct store_cert *c, const struct store_cert *ca, const char *id,
    struct buf *out)
{
	bool en = u->lang != NULL && strcmp(u->lang, "en") == 0;
	char name[520], from[16], until[16], today[16], para[1400], hid[72];
	struct pdf_doc_kv kv[7];
	struct pdf_doc_block b[5];
	struct pdf_doc_spec spec;

	snprintf(name, sizeof(name), "%s %s", u->given_name, u->surname);
	date_of(c->not_before, from, sizeof(from));
	date_of(c->not_after, until, sizeof(until));
	date_of(clock_now(), today, sizeof(today));
	snprintf(para, sizeof(para),
	    en ? "I, %s, declare that the qualified electronic signature "
	         "certificate below was issued to me by %s, that I alone "
	         "control its signing key, and that I use it to register "
	         "and act in ANAF's Virtual Private Space (SPV)."
	       : "Subsemnatul/subsemnata %s declar că certificatul calificat "
	         "de semnătură electronică de mai jos mi-a fost emis de %s, "
	         "că doar eu controlez cheia lui de semnare și că îl folosesc "
	         "pentru înregistrarea și lucrul în Spațiul Privat Virtual "
	         "(SPV) al ANAF.",
	    name, e->conf->pki.org != NULL ? e->conf->pki.org : "Pecete");
	kv[0] = (struct pdf_doc_kv){ en ? "Holder" : "Titular", name };
	kv[1] = (struct pdf_doc_kv){
		en ? "Certificate serial" : "Seria certificatului", c->serial
	};
	decl_holder_id(c, hid, sizeof(hid));
	kv[2] = (struct pdf_doc_kv){
		en ? "Holder's identifier" : "Identificatorul titularului", hid
	};
	kv[3] = (struct pdf_doc_kv){ en ? "Issuer" : "Emitent",
		ca->subject != NULL ? ca->subject : "" };
	kv[4] =
	    (struct pdf_doc_kv){ en ? "Valid from" : "Valabil de la", from };
	kv[5] = (struct pdf_doc_kv){ en ? "Valid until" : "Valabil până la",
		until };
	kv[6] = (struct pdf_doc_kv){ en ? "Declaration no." : "Declarația nr.",
		id };
	memset(b, 0, sizeof(b));
	b[0].kind = PDF_DOC_PARAGRAPH;
	b[0].text = para;
	b[1].kind = PDF_DOC_KV;
	b[1].kv = kv;
	b[1].nrows = PC_ARRAY_LEN(kv);
	b[2].kind = PDF_DOC_PARAGRAPH;
	b[2].text = en ? "Sign this document with the certificate above, then "
	                 "upload it back on the Confirmation page: you receive "
	                 "it sealed by the provider, ready for SPV."
	               : "Semnați acest document cu certificatul de mai sus, "
	                 "apoi încărcați-l înapoi pe pagina Confirmare: îl "
	                 "primiți sigilat de furnizor, gata pentru SPV.";
	b[3].kind = PDF_DOC_SMALL;
	b[3].text = today;
	memset(&spec, 0, sizeof(spec));
	spec.title = en ? "Confirmation of a qualified certificate"
	                : "Confirmarea certificatului calificat";
	spec.lang = en ? "en" : "ro";
	spec.blocks = b;
	spec.nblocks = 4;
	return pdf_doc_render(&spec, out);
}

enum pc_rc
confirm_new(const struct pc_env *e, const char *user_id, char *id, size_t n,
    struct pc_err *err)
{
	struct store_user u;
	struct store_credential cr;
	struct store_cert c, ca;
	struct store_document d;
	struct db *db = NULL;
	struct buf pdf;
	char rid[STORE_ID_LEN + 1];
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	memset(&c, 0, sizeof(c));
	memset(&ca, 0, sizeof(ca));
	memset(&d, 0, sizeof(d));
	buf_init(&pdf, 4u << 20);
	rc = rnd_hex(16, rid);
	if (rc == PC_OK)
		rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		goto out;
	rc = store_user_get(db, user_id, &u);
	if (rc == PC_OK)
		rc = store_credential_of_user(db, user_id, clock_now(), &cr);
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, PC_ESTATE, PCE_CONFIRM_NO_CERTIFICATE, NULL);
	else if (rc == PC_OK)
		rc = store_cert_get(db, cr.serial, &c);
	if (rc == PC_OK)
		rc = store_cert_get(db, c.issuer, &ca);
	store_release(e->store, db);
	if (rc == PC_OK)
		rc = decl_render(e, &u, &c, &ca, rid, &pdf);
	if (rc == PC_OK)
		rc = doc_write(e, user_id, DOC_CONFIRM_DECL, rid,
		    "application/pdf", pdf.data, pdf.len, 0, &d);
	if (rc != PC_OK)
		goto out;
	/* The request's id is the documents' batch: the declaration's and,
	 * later, the sealed one's. */
	snprintf(d.credential, sizeof(d.credential), "%s", cr.serial);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = doc_insert(db, &d, "declaratie-spv.pdf");
	if (rc == PC_OK)
		rc =
		    store_audit_append(db, user_id, "confirm.declaration", rid);
	rc = doc_commit(e, db, rc, &d);
	if (rc == PC_OK)
		snprintf(id, n, "%s", rid);
out:
	store_user_cleanup(&u);
	store_cert_cleanup(&c);
	store_cert_cleanup(&ca);
	buf_cleanup(&pdf);
	return rc;
}

/* ---- a request and its files ------------------------------------------ */

/* user's document of kind for request id. OUT: *d. */
static enum pc_rc
confirm_doc(const struct pc_env *e, const char *user_id, const char *id,
    const char *kind, struct store_document *d)
{
	enum pc_rc rc;

	memset(d, 0, sizeof(*d));
	if (id == NULL || strlen(id) != 32 ||
	    strspn(id, "0123456789abcdef") != 32)
		return PC_ENOTFOUND;
	STORE_ONE(
	    rc, e->store, store_document_of_batch(db, user_id, id, kind, d));
	return rc;
}

/* The declaration of user's request id: PCE_CONFIRM_NOT_FOUND when none. */
static enum pc_rc
confirm_decl(const struct pc_env *e, const char *user_id, const char *id,
    struct store_document *d, struct pc_err *err)
{
	enum pc_rc rc = confirm_doc(e, user_id, id, DOC_CONFIRM_DECL, d);

	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, rc, PCE_CONFIRM_NOT_FOUND, NULL);
	return rc;
}

enum pc_rc
confirm_get(const struct pc_env *e, const char *user_id, const char *id,
    json_t **out, struct pc_err *err)
{
	struct store_document d, s;
	enum pc_rc rc;

	*out = NULL;
	rc = confirm_decl(e, user_id, id, &d, err);
	if (rc != PC_OK)
		return rc;
	rc = confirm_doc(e, user_id, id, DOC_CONFIRM_SEALED, &s);
	if (rc == PC_OK || rc == PC_ENOTFOUND) {
		*out = json_pack("{s:s,s:s,s:s,s:I,s:I}", "id", id, "state",
		    rc == PC_OK ? "sealed" : "issued", "certificate",
		    d.credential, "created_at", (json_int_t)d.created_at,
		    "sealed_at", (json_int_t)(rc == PC_OK ? s.created_at : 0));
		rc = *out != NULL ? PC_OK : PC_ENOMEM;
	}
	store_document_cleanup(&d);
	store_document_cleanup(&s);
	return rc;
}

enum pc_rc
confirm_file(const struct pc_env *e, const char *user_id, const char *id,
    bool sealed, struct buf *out, struct pc_err *err)
{
	struct store_document d;
	enum pc_rc rc;

	rc = confirm_doc(
	    e, user_id, id, sealed ? DOC_CONFIRM_SEALED : DOC_CONFIRM_DECL, &d);
	if (rc == PC_ENOTFOUND)
		rc = pc_fail(err, rc,
		    sealed ? PCE_CONFIRM_NOT_SEALED : PCE_CONFIRM_NOT_FOUND,
		    NULL);
	if (rc == PC_OK)
		rc = doc_get(e, user_id, d.id, out);
	store_document_cleanup(&d);
	return rc;
}

/* ---- the signed declaration back ---------------------------------------- */

/* A certificate serial in hex, compared without case or leading zeros. */
static bool
same_serial(const char *a, const char *b)
{
	while (*a == '0')
		a++;
	while (*b == '0')
		b++;
	return strcasecmp(a, b) == 0;
}

/*
 * The upload p[0..n) is the declaration d with signatures appended, one
 * of them by serial and passing validation, and none failing.
 */
static enum pc_rc
check_signed(const struct pc_env *e, const struct store_document *d,
    const char *serial, const uint8_t *p, size_t n, struct pc_err *err)
{
	struct sign_report *r = NULL;
	uint8_t md[32];
	char hex[65];
	bool mine = false, passed = false, failed = false;
	int i;
	enum pc_rc rc;

	if (n <= (size_t)d->size ||
	    EVP_Digest(p, (size_t)d->size, md, NULL, EVP_sha256(), NULL) != 1)
		return pc_fail(
		    err, PC_EINVAL, PCE_CONFIRM_NOT_DECLARATION, NULL);
	hex_encode(md, sizeof(md), hex);
	if (strcmp(hex, d->sha256) != 0)
		return pc_fail(
		    err, PC_EINVAL, PCE_CONFIRM_NOT_DECLARATION, NULL);
	rc = validate_pdf_report(e, p, n, &r, NULL, err);
	if (rc != PC_OK)
		return rc;
	for (i = 0; i < r->nsigs; i++) {
		const struct sign_vsig *v = &r->sigs[i];

		if (v->ind == SIGN_IND_FAILED)
			failed = true;
		if (v->kind != SIGN_VK_PADES || !same_serial(v->serial, serial))
			continue;
		mine = true;
		if (v->ind == SIGN_IND_PASSED && v->rev_end > d->size)
			passed = true;
	}
	sign_report_free(r);
	if (!mine)
		return pc_fail(err, PC_EINVAL, PCE_CONFIRM_WRONG_SIGNER, NULL);
	if (!passed || failed)
		return pc_fail(err, PC_EINVAL, PCE_CONFIRM_NOT_VALID, NULL);
	return PC_OK;
}

/* The e-mail: the sealed document is ready. */
static enum pc_rc
confirm_mail(const struct pc_env *e, struct db *db, const char *user_id)
{
	struct store_user u;
	json_t *vars = NULL;
	char who[520], link[600];
	enum pc_rc rc;

	memset(&u, 0, sizeof(u));
	rc = store_user_get(db, user_id, &u);
	if (rc == PC_OK) {
		snprintf(who, sizeof(who), "%s %s", u.given_name, u.surname);
		snprintf(link, sizeof(link), "%s/confirmation",
		    e->conf->server.public_url);
		vars = json_pack("{s:s,s:s}", "name", who, "link", link);
		rc = vars != NULL ? notify_enqueue(db, NOTIFY_EMAIL, u.email,
		                        "confirm_sealed", u.lang, vars, NULL)
		                  : PC_ENOMEM;
	}
	json_decref(vars);
	store_user_cleanup(&u);
	return rc;
}

enum pc_rc
confirm_submit(const struct pc_env *e, const char *user_id, const char *id,
    const uint8_t *p, size_t n, struct pc_err *err)
{
	struct store_document d, s;
	struct store_credential cr;
	struct db *db = NULL;
	struct buf sealed;
	enum pc_rc rc;

	memset(&s, 0, sizeof(s));
	buf_init(&sealed, (size_t)SIGNING_SEAL_MAX + (1u << 20));
	if (n == 0)
		return pc_fail(err, PC_EINVAL, PCE_FILE_EMPTY, NULL);
	if (n > SIGNING_SEAL_MAX)
		return pc_fail(err, PC_ELIMIT, PCE_FILE_TOO_LARGE, NULL);
	rc = confirm_decl(e, user_id, id, &d, err);
	if (rc != PC_OK)
		return rc;
	rc = confirm_doc(e, user_id, id, DOC_CONFIRM_SEALED, &s);
	if (rc == PC_OK)
		rc = pc_fail(err, PC_ESTATE, PCE_CONFIRM_SEALED, NULL);
	else if (rc == PC_ENOTFOUND)
		rc = store_acquire(e->store, &db);
	/* The holder's certificate now: the one the declaration names. */
	if (rc == PC_OK) {
		rc = store_credential_of_user(db, user_id, clock_now(), &cr);
		store_release(e->store, db);
		db = NULL;
		if (rc == PC_OK && strcmp(cr.serial, d.credential) != 0)
			rc = PC_ENOTFOUND;
		if (rc == PC_ENOTFOUND)
			rc = pc_fail(
			    err, PC_ESTATE, PCE_CONFIRM_NO_CERTIFICATE, NULL);
	}
	if (rc == PC_OK)
		rc = check_signed(e, &d, d.credential, p, n, err);
	if (rc != PC_OK)
		goto out;
	rc = signing_seal_mem(
	    e, p, n, "Confirmare SPV / SPV confirmation", &sealed, err);
	if (rc != PC_OK)
		goto out;
	store_document_cleanup(&s);
	rc = doc_write(e, user_id, DOC_CONFIRM_SEALED, id, "application/pdf",
	    sealed.data, sealed.len, 0, &s);
	if (rc != PC_OK)
		goto out;
	snprintf(s.credential, sizeof(s.credential), "%s", d.credential);
	rc = store_write_begin(e->store, &db);
	/* Once: a request sent twice at the same time is sealed by one. */
	if (rc == PC_OK) {
		struct store_document x;

		memset(&x, 0, sizeof(x));
		rc = store_document_of_batch(
		    db, user_id, id, DOC_CONFIRM_SEALED, &x);
		store_document_cleanup(&x);
		rc = rc == PC_OK
		         ? pc_fail(err, PC_ESTATE, PCE_CONFIRM_SEALED, NULL)
		     : rc == PC_ENOTFOUND ? PC_OK
		                          : rc;
	}
	if (rc == PC_OK)
		rc = doc_insert(db, &s, "declaratie-spv-sigilata.pdf");
	if (rc == PC_OK)
		rc = store_audit_append(db, user_id, "confirm.sealed", id);
	if (rc == PC_OK)
		rc = confirm_mail(e, db, user_id);
	rc = doc_commit(e, db, rc, &s);
	if (rc == PC_OK)
		log_info("confirm: %s sealed (%zu bytes)", id, sealed.len);
out:
	store_document_cleanup(&d);
	store_document_cleanup(&s);
	buf_cleanup(&sealed);
	return rc;
}
