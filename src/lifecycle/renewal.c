/*
 * renewal.c: renewal (rekey) requests before a certificate ends (J10);
 * see renewal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/rnd.h"
#include "issuance/issuance.h"
#include "legal/legal.h"
#include "lifecycle/renewal.h"
#include "lifecycle/renewal_int.h"
#include "notify/notify.h"
#include "ra/ra.h"
#include "shop/shop.h"
#include "signing/documents.h"
#include "store/store_account.h"
#include "store/store_credential.h"
#include "store/store_idv.h"
#include "store/store_shop.h"
#include "vault/vault.h"

void
renewal_status_cleanup(struct renewal_status *s)
{
	if (s == NULL)
		return;
	free(s->identity);
	store_renewal_cleanup(&s->req);
	memset(s, 0, sizeof(*s));
}

static bool
is_pending(const char *state)
{
	return strcmp(state, RENEWAL_SUBMITTED) == 0 ||
	       strcmp(state, RENEWAL_APPROVED) == 0;
}

/* The valid signing certificate of the account: serial, end. */
static enum pc_rc
current_cert(struct db *db, const char *user_id, char serial[], size_t n,
    int64_t *not_after)
{
	struct store_credential cr;
	struct store_cert c;
	enum pc_rc rc;

	memset(&c, 0, sizeof(c));
	rc = store_credential_of_user(db, user_id, clock_now(), &cr);
	if (rc == PC_OK)
		rc = store_cert_get(db, cr.serial, &c);
	if (rc == PC_OK) {
		snprintf(serial, n, "%s", cr.serial);
		*not_after = c.not_after;
	}
	store_cert_cleanup(&c);
	return rc;
}

struct accepted {
	struct db *db;
	json_t *identity;
};

/* The first (newest) order whose latest case was accepted. */
static enum pc_rc
accepted_one(void *arg, const struct store_order *o)
{
	struct accepted *a = arg;
	struct store_idv_case c;
	enum pc_rc rc;

	if (a->identity != NULL)
		return PC_OK;
	memset(&c, 0, sizeof(c));
	rc = store_idv_latest(a->db, o->id, &c);
	if (rc == PC_ENOTFOUND)
		return PC_OK;
	if (rc == PC_OK && strcmp(c.state, RA_ACCEPTED) == 0 &&
	    c.identity != NULL)
		a->identity = json_loads(c.identity, 0, NULL);
	store_idv_case_cleanup(&c);
	return rc;
}

/*
 * The identity confirmed at the account's latest accepted identification
 * (JSON), without who confirmed it. PC_ENOTFOUND when none.
 */
enum pc_rc
renewal_accepted_identity(
    const struct pc_env *e, const char *user_id, json_t **out)
{
	struct store_order_filter f;
	struct accepted a = { NULL, NULL };
	enum pc_rc rc;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	f.user_id = user_id;
	f.state = "fulfilled";
	rc = store_acquire(e->store, &a.db);
	if (rc != PC_OK)
		return rc;
	rc = store_shop_order_each(a.db, &f, accepted_one, &a);
	store_release(e->store, a.db);
	if (rc != PC_OK) {
		json_decref(a.identity);
		return rc;
	}
	if (a.identity == NULL)
		return PC_ENOTFOUND;
	json_object_del(a.identity, "confirmed_by");
	json_object_del(a.identity, "confirmed_at");
	*out = a.identity;
	return PC_OK;
}

/* A paid order of the account no request but rejected ones uses. */
static enum pc_rc
free_order(struct db *db, const char *user_id, const char *id, bool *ok)
{
	struct store_order o;
	bool used = false;
	enum pc_rc rc;

	*ok = false;
	memset(&o, 0, sizeof(o));
	rc = store_shop_order_get(db, id, &o);
	if (rc == PC_ENOTFOUND)
		return PC_OK;
	if (rc == PC_OK)
		rc = store_renewal_order_used(db, id, &used);
	*ok = rc == PC_OK && strcmp(o.user_id, user_id) == 0 &&
	      strcmp(o.state, "paid") == 0 && !used;
	store_order_cleanup(&o);
	return rc;
}

struct order_pick {
	struct db *db;
	const char *user_id;
	char *out;
};

static enum pc_rc
order_pick(void *arg, const struct store_order *o)
{
	struct order_pick *p = arg;
	bool ok = false;
	enum pc_rc rc;

	if (p->out[0] != '\0')
		return PC_OK;
	rc = free_order(p->db, p->user_id, o->id, &ok);
	if (rc == PC_OK && ok)
		snprintf(p->out, STORE_ORDER_ID_LEN + 1, "%s", o->id);
	return rc;
}

enum pc_rc
renewal_status(
    const struct pc_env *e, const char *user_id, struct renewal_status *out)
{
	struct store_order_filter f;
	struct order_pick pick;
	struct store_user u;
	struct db *db = NULL;
	json_t *id = NULL, *ro = NULL;
	const char *cnp, *country;
	enum pc_rc rc;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = current_cert(
	    db, user_id, out->serial, sizeof(out->serial), &out->not_after);
	if (rc == PC_ENOTFOUND)
		rc = PC_OK;
	if (rc == PC_OK) {
		rc = store_renewal_latest(db, user_id, &out->req);
		if (rc == PC_ENOTFOUND)
			rc = PC_OK;
	}
	if (rc == PC_OK) {
		memset(&f, 0, sizeof(f));
		f.user_id = user_id;
		f.state = "paid";
		pick = (struct order_pick){ db, user_id, out->order_id };
		rc = store_shop_order_each(db, &f, order_pick, &pick);
	}
	if (rc == PC_OK)
		rc = store_user_get(db, user_id, &u);
	store_release(e->store, db);
	if (rc != PC_OK)
		goto out;
	if (out->serial[0] != '\0') {
		out->closes_at = out->not_after - RENEWAL_WINDOW_S;
		out->offered =
		    clock_now() < out->closes_at &&
		    (out->req.id[0] == '\0' || !is_pending(out->req.state) ||
		        strcmp(out->req.old_serial, out->serial) != 0);
		out->banner =
		    clock_now() < out->closes_at &&
		    (clock_now() >=
		            out->not_after -
		                e->conf->lifecycle.remind_first_days * 86400 ||
		        (out->req.id[0] != '\0' &&
		            strcmp(out->req.old_serial, out->serial) == 0 &&
		            strcmp(out->req.state, RENEWAL_DRAFT) != 0));
	}
	if (renewal_accepted_identity(e, user_id, &id) != PC_OK)
		id = json_object();
	cnp = json_string_value(json_object_get(id, "cnp"));
	country = json_string_value(json_object_get(id, "country"));
	ro = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "given_name", u.given_name,
	    "surname", u.surname, "cnp", cnp != NULL ? cnp : "", "email",
	    u.email, "phone", u.phone, "country",
	    country != NULL ? country : "RO");
	if (ro != NULL)
		out->identity = json_dumps(ro, JSON_COMPACT | JSON_SORT_KEYS);
	if (out->identity == NULL)
		rc = PC_ENOMEM;
out:
	json_decref(ro);
	json_decref(id);
	store_user_cleanup(&u);
	if (rc != PC_OK)
		renewal_status_cleanup(out);
	return rc;
}

/* ---- the holder's request ------------------------------------------------ */

static bool
upper_alnum(const char *s, size_t lo, size_t hi)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (n < lo || n > hi)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The document's fields; the start of the new certificate is start. */
static enum pc_rc
form_check(const struct renewal_form *f, int64_t start, struct pc_err *err)
{
	bool ro = f->doc_type != NULL && strcmp(f->doc_type, RA_DOC_RO_ID) == 0;
	int64_t issued = 0, expiry = 0;
	size_t n;

	if (!ra_doc_known(f->doc_type))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_TYPE_INVALID, "doc_type");
	if (ro ? !upper_alnum(f->doc_series, 2, 2)
	       : (f->doc_series != NULL && f->doc_series[0] != '\0' &&
	             !upper_alnum(f->doc_series, 1, 8)))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_NUMBER_INVALID, "doc_series");
	if (!upper_alnum(f->doc_number, ro ? 6 : 5, ro ? 6 : 20))
		return pc_fail(
		    err, PC_EINVAL, PCE_DOC_NUMBER_INVALID, "doc_number");
	if (clock_day_parse(f->doc_issued, &issued) != PC_OK ||
	    issued > clock_now())
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "doc_issued");
	if (clock_day_parse(f->doc_expiry, &expiry) != PC_OK ||
	    expiry <= issued)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "doc_expiry");
	/* Valid on the start day: the day of the expiry still counts. */
	if (expiry + 86400 <= start)
		return pc_fail(
		    err, PC_EINVAL, PCE_RENEWAL_DOC_EXPIRED, "doc_expiry");
	n = f->doc_issuer != NULL ? strlen(f->doc_issuer) : 0;
	if (n < 2 || n > 120)
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "doc_issuer");
	return PC_OK;
}

enum pc_rc
renewal_create(const struct pc_env *e, const char *user_id,
    const struct renewal_form *f, char id[STORE_ID_LEN + 1], struct pc_err *err)
{
	struct store_renewal r, last;
	struct db *db = NULL;
	int64_t now = clock_now();
	bool ok = false;
	char detail[160];
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	memset(&last, 0, sizeof(last));
	id[0] = '\0';
	rc = store_write_begin(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = current_cert(
	    db, user_id, r.old_serial, sizeof(r.old_serial), &r.old_not_after);
	if (rc == PC_ENOTFOUND ||
	    (rc == PC_OK && now >= r.old_not_after - RENEWAL_WINDOW_S)) {
		rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_CLOSED, NULL);
		goto out;
	}
	if (rc == PC_OK)
		rc = store_renewal_latest(db, user_id, &last);
	if (rc == PC_OK && is_pending(last.state) &&
	    strcmp(last.old_serial, r.old_serial) == 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_STATE, NULL);
		goto out;
	}
	if (rc == PC_ENOTFOUND)
		rc = PC_OK;
	if (rc == PC_OK && f->order_id != NULL)
		rc = free_order(db, user_id, f->order_id, &ok);
	if (rc == PC_OK && !ok) {
		rc = pc_fail(err, PC_ESTATE, PCE_ORDER_STATE, "order_id");
		goto out;
	}
	if (rc == PC_OK)
		rc = form_check(f, r.old_not_after - RENEWAL_LEAD_S, err);
	if (rc == PC_OK)
		rc = store_renewal_close_drafts(db, user_id, now);
	if (rc == PC_OK)
		rc = rnd_hex(16, r.id);
	if (rc != PC_OK)
		goto out;
	snprintf(r.user_id, sizeof(r.user_id), "%s", user_id);
	snprintf(r.order_id, sizeof(r.order_id), "%s", f->order_id);
	snprintf(r.state, sizeof(r.state), "%s", RENEWAL_DRAFT);
	snprintf(r.doc_type, sizeof(r.doc_type), "%s", f->doc_type);
	snprintf(r.doc_series, sizeof(r.doc_series), "%s",
	    f->doc_series != NULL ? f->doc_series : "");
	snprintf(r.doc_number, sizeof(r.doc_number), "%s", f->doc_number);
	snprintf(r.doc_issued, sizeof(r.doc_issued), "%s", f->doc_issued);
	snprintf(r.doc_expiry, sizeof(r.doc_expiry), "%s", f->doc_expiry);
	snprintf(r.doc_issuer, sizeof(r.doc_issuer), "%s", f->doc_issuer);
	r.created_at = now;
	rc = store_renewal_insert(db, &r);
	snprintf(detail, sizeof(detail), "renewal=%s order=%s cert=%s", r.id,
	    r.order_id, r.old_serial);
	if (rc == PC_OK)
		rc = store_audit_append(db, user_id, "renewal.draft", detail);
	if (rc == PC_OK)
		snprintf(id, STORE_ID_LEN + 1, "%s", r.id);
out:
	rc = store_write_end(e->store, db, rc);
	store_renewal_cleanup(&last);
	store_renewal_cleanup(&r);
	return rc;
}

void
renewal_photo_path(const struct pc_env *e, const char *id, char *out, size_t n)
{
	snprintf(out, n, "%s/renewals/%s.pcv", e->conf->store.files_dir, id);
}

/* JPEG, PNG or PDF, from the first bytes; NULL otherwise. */
const char *
renewal_photo_type(const uint8_t *p, size_t n)
{
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	return NULL;
}

/* The user's request id (another's does not exist). */
static enum pc_rc
own(const struct pc_env *e, const char *user_id, const char *id,
    struct store_renewal *r, struct pc_err *err)
{
	enum pc_rc rc;

	STORE_ONE(rc, e->store, store_renewal_get(db, id, r));
	if (rc == PC_OK && strcmp(r->user_id, user_id) != 0) {
		store_renewal_cleanup(r);
		rc = PC_ENOTFOUND;
	}
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_RENEWAL_NOT_FOUND, NULL);
	return rc;
}

enum pc_rc
renewal_photo(const struct pc_env *e, const char *user_id, const char *id,
    const uint8_t *p, size_t n, struct pc_err *err)
{
	struct store_renewal r;
	uint8_t key[VAULT_KEY_WRAPPED], md[32];
	char path[600], dir[560], key_hex[2 * VAULT_KEY_WRAPPED + 1], sha[65];
	const char *ctype = renewal_photo_type(p, n);
	struct db *db = NULL;
	unsigned mdlen = 0;
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	if (ctype == NULL || n > RENEWAL_PHOTO_MAX)
		return pc_fail(err, PC_EINVAL, PCE_PHOTO_INVALID, "photo");
	rc = own(e, user_id, id, &r, err);
	if (rc != PC_OK)
		return rc;
	if (strcmp(r.state, RENEWAL_DRAFT) != 0) {
		rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_STATE, NULL);
		goto out;
	}
	if (e->vault == NULL) {
		rc = PC_EUNAVAIL;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s/renewals", e->conf->store.files_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = PC_EIO;
		goto out;
	}
	renewal_photo_path(e, id, path, sizeof(path));
	/* A second photo replaces the first. */
	if (unlink(path) != 0 && errno != ENOENT) {
		rc = PC_EIO;
		goto out;
	}
	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1) {
		rc = PC_ECRYPTO;
		goto out;
	}
	hex_encode(md, sizeof(md), sha);
	rc = vault_write_file(e->vault, path, p, n, key);
	if (rc != PC_OK)
		goto out;
	hex_encode(key, sizeof(key), key_hex);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_renewal_photo(
		    db, id, ctype, (int64_t)n, sha, key_hex);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "renewal.photo",
		    "renewal=%s type=%s size=%zu sha256=%s", id, ctype, n, sha);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_ESTATE)
		rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_STATE, NULL);
out:
	store_renewal_cleanup(&r);
	return rc;
}

/* Keep the renewal's signed terms as a document of the account. */
static enum pc_rc
terms_keep(const struct pc_env *e, const char *user_id, const char *id,
    const struct store_renewal *r, const char *terms, const struct buf *pdf)
{
	struct store_document d;
	struct db *db = NULL;
	char name[80];
	enum pc_rc rc;

	rc = doc_write(e, user_id, STORE_DOC_RENEWAL_TERMS, "",
	    "application/pdf", pdf->data, pdf->len, 0, &d);
	if (rc != PC_OK)
		return rc;
	snprintf(name, sizeof(name), "renewal-terms-%s-signed.pdf", terms);
	snprintf(d.credential, sizeof(d.credential), "%s", r->old_serial);
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = doc_insert(db, &d, name);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "renewal.submit",
		    "renewal=%s terms=%s document=%s sha256=%s", id, terms,
		    d.id, d.sha256);
	rc = store_write_end(e->store, db, rc);
	if (rc != PC_OK)
		doc_unwrite(e, &d);
	store_document_cleanup(&d);
	return rc;
}

enum pc_rc
renewal_submit(const struct pc_env *e, const char *user_id, const char *id,
    const char *code, struct pc_err *err)
{
	struct store_renewal r;
	struct buf pdf;
	const char *terms = legal_version(e->conf, LEGAL_TERMS);
	int64_t now = clock_now();
	enum pc_rc rc;

	memset(&r, 0, sizeof(r));
	buf_init(&pdf, RENEWAL_TERMS_MAX);
	if (code == NULL || code[0] == '\0')
		return pc_fail(err, PC_EINVAL, PCE_FIELD_INVALID, "code");
	rc = own(e, user_id, id, &r, err);
	if (rc != PC_OK)
		return rc;
	if (strcmp(r.state, RENEWAL_DRAFT) != 0)
		rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_STATE, NULL);
	else if (now >= r.old_not_after - RENEWAL_WINDOW_S)
		rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_CLOSED, NULL);
	else if (r.photo_type[0] == '\0')
		rc = pc_fail(err, PC_EINVAL, PCE_PHOTO_INVALID, "photo");
	else if (terms == NULL)
		rc = PC_EUNAVAIL;
	if (rc != PC_OK)
		goto out;
	/* The terms signed with the current certificate under the code; the
	 * signer submits the request in the signature's transaction. */
	rc = issuance_terms_signed(
	    e, user_id, r.old_serial, code, id, &pdf, err);
	if (rc != PC_OK) {
		if (err != NULL && err->code == PCE_IDENTITY_INVALID)
			rc = pc_fail(err, PC_ESTATE, PCE_RENEWAL_STATE, NULL);
		if (err != NULL && err->field != NULL &&
		    strcmp(err->field, "sad") == 0)
			err->field = "code";
		goto out;
	}
	/* Submitted; a document that cannot be kept now is logged, the
	 * signer's audit row holds what was signed. */
	if (terms_keep(e, user_id, id, &r, terms, &pdf) != PC_OK)
		log_warnx(
		    "renewal: %s submitted, its signed terms not kept", id);
out:
	buf_cleanup(&pdf);
	store_renewal_cleanup(&r);
	return rc;
}

enum pc_rc
renewal_terms_pdf(const struct pc_env *e, const char *user_id, struct buf *out)
{
	return doc_latest(e, user_id, STORE_DOC_RENEWAL_TERMS, out);
}
