/*
 * privacy.c: access and portability (privacy.h). The data comes from one
 * table of what we hold (store_privacy.c); the documents from the
 * modules that make them (issuance: the signed terms; shop: invoices;
 * the sealed SPV confirmations).
 * The ZIP is made in memory: an export is a few documents and a JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "inbox/inbox.h"
#include "issuance/issuance.h"
#include "privacy/privacy.h"
#include "shop/shop.h"
#include "signing/confirm.h"
#include "signing/documents.h"
#include "store/store_privacy.h"

#define DOCS_MAX 64 /* documents in one export, at most */

enum pc_rc
privacy_data(const struct pc_env *e, const char *user_id, json_t **out)
{
	enum pc_rc rc;

	*out = NULL;
	STORE_ONE(rc, e->store, store_privacy_dump(db, user_id, out));
	return rc;
}

/* The documents of an export, kept until the ZIP is closed. */
struct export_docs {
	struct buf b[DOCS_MAX];
	size_t n;
};

/* Add name (len bytes at p, owned by the caller until zip_close). */
static enum pc_rc
archive_add(zip_t *za, const char *name, const void *p, size_t len)
{
	zip_source_t *src;

	src = zip_source_buffer(za, p, len, 0);
	if (src == NULL)
		return PC_ENOMEM;
	if (zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(src);
		return PC_EINTERNAL;
	}
	return PC_OK;
}

/* The invoices of data's "invoices", as invoices/<file>.pdf. */
static enum pc_rc
add_invoices(const struct pc_env *e, const char *user_id, const char *lang,
    json_t *data, zip_t *za, struct export_docs *d, struct pc_err *err)
{
	json_t *inv = json_object_get(data, "invoices"), *v;
	struct shop_pdf pdf;
	char name[96];
	const char *id;
	size_t i;
	enum pc_rc rc;

	json_array_foreach(inv, i, v)
	{
		id = json_string_value(json_object_get(v, "order_id"));
		if (id == NULL || d->n == DOCS_MAX)
			continue;
		memset(&pdf, 0, sizeof(pdf));
		rc = shop_order_document(e, user_id, lang, id, true, &pdf, err);
		if (rc != PC_OK) {
			shop_pdf_cleanup(&pdf);
			return rc;
		}
		snprintf(name, sizeof(name), "invoices/%s", pdf.filename);
		d->b[d->n++] = pdf.pdf; /* moved: freed with the export */
		rc = archive_add(za, name, pdf.pdf.data, pdf.pdf.len);
		if (rc != PC_OK)
			return rc;
	}
	return PC_OK;
}

/* The sealed SPV confirmations among data's "documents", as
 * confirmations/<document id>.pdf. */
static enum pc_rc
add_confirmations(const struct pc_env *e, const char *user_id, json_t *data,
    zip_t *za, struct export_docs *d)
{
	json_t *v;
	const char *id, *kind;
	char name[96];
	size_t i;
	enum pc_rc rc = PC_OK;

	json_array_foreach(json_object_get(data, "documents"), i, v)
	{
		kind = json_string_value(json_object_get(v, "kind"));
		id = json_string_value(json_object_get(v, "id"));
		if (kind == NULL || id == NULL ||
		    strcmp(kind, CONFIRM_KIND_SEALED) != 0 || d->n == DOCS_MAX)
			continue;
		buf_init(&d->b[d->n], 32u << 20);
		rc = doc_get(e, user_id, id, &d->b[d->n]);
		d->n++;
		if (rc != PC_OK)
			break;
		snprintf(name, sizeof(name), "confirmations/%.64s.pdf", id);
		rc = archive_add(
		    za, name, d->b[d->n - 1].data, d->b[d->n - 1].len);
		if (rc != PC_OK)
			break;
	}
	return rc;
}

/* The bytes of the finished in-memory archive src into out. */
static enum pc_rc
zip_bytes(zip_source_t *src, struct buf *out)
{
	zip_stat_t st;
	zip_int64_t n;
	uint8_t *p;
	enum pc_rc rc = PC_OK;

	if (zip_source_stat(src, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
	    st.size > PRIVACY_ZIP_MAX || zip_source_open(src) < 0)
		return PC_ELIMIT;
	p = buf_extend(out, (size_t)st.size);
	if (p == NULL)
		rc = buf_rc(out);
	else {
		n = zip_source_read(src, p, st.size);
		if (n < 0 || (zip_uint64_t)n != st.size)
			rc = PC_EIO;
	}
	zip_source_close(src);
	return rc;
}

enum pc_rc
privacy_export(const struct pc_env *e, const char *user_id, const char *lang,
    struct buf *zip, struct pc_err *err)
{
	struct export_docs *d = calloc(1, sizeof(*d));
	zip_source_t *src = NULL;
	zip_error_t ze;
	zip_t *za = NULL;
	json_t *data = NULL, *doc = NULL;
	char when[32], *text = NULL;
	struct db *db = NULL;
	size_t i;
	enum pc_rc rc;

	zip_error_init(&ze);
	if (d == NULL)
		return PC_ENOMEM;
	rc = privacy_data(e, user_id, &data);
	if (rc != PC_OK)
		goto out;
	clock_fmt_iso(clock_now(), when, sizeof(when));
	doc = json_pack("{s:s,s:s,s:O}", "format", "pecete-my-data/1",
	    "exported_at", when, "data", data);
	text = doc != NULL
	           ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	                                 JSON_ENSURE_ASCII)
	           : NULL;
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	za = src != NULL ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	if (text == NULL || za == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	zip_source_keep(src); /* read back after zip_close */
	rc = archive_add(za, "my-data.json", text, strlen(text));
	if (rc != PC_OK)
		goto out;
	buf_init(&d->b[d->n], 16u << 20);
	rc = issuance_terms_pdf(e, user_id, &d->b[d->n]);
	if (rc == PC_OK)
		rc = archive_add(
		    za, "terms-signed.pdf", d->b[d->n].data, d->b[d->n].len);
	else if (rc == PC_ENOTFOUND || rc == PC_ESTATE)
		rc = PC_OK; /* no certificate issued yet */
	d->n++;
	if (rc == PC_OK)
		rc = add_invoices(e, user_id, lang, data, za, d, err);
	if (rc == PC_OK)
		rc = add_confirmations(e, user_id, data, za, d);
	if (rc != PC_OK)
		goto out;
	if (zip_close(za) < 0) {
		log_warnx(
		    "privacy: cannot make the archive: %s", zip_strerror(za));
		rc = PC_EINTERNAL;
		goto out;
	}
	za = NULL;
	rc = zip_bytes(src, zip);
	if (rc == PC_OK && store_acquire(e->store, &db) == PC_OK) {
		rc = store_audit_printf(db, user_id, "privacy.export",
		    "bytes=%zu documents=%zu", zip->len, d->n);
		store_release(e->store, db);
	}
out:
	if (za != NULL)
		zip_discard(za);
	zip_source_free(src);
	zip_error_fini(&ze);
	for (i = 0; i < d->n; i++)
		buf_cleanup(&d->b[i]);
	free(d);
	free(text);
	json_decref(doc);
	json_decref(data);
	return rc;
}

/* ---- erasure --------------------------------------------------------------
 */

#define YEAR_S (365LL * 86400)
#define LOGS_KEEP_S (2 * YEAR_S) /* security logs, at least */

static int
kept_add(json_t *kept, const char *what, const char *id, int64_t until,
    const char *why)
{
	return json_array_append_new(kept,
	    json_pack("{s:s,s:s,s:I,s:s}", "what", what, "id",
	        id != NULL ? id : "", "until", (json_int_t)until, "why", why));
}

/* What stays and until when, from what we hold (d); *live when a
 * certificate is still valid or suspended. */
static json_t *
kept_list(const struct pc_env *e, json_t *d, int64_t now, bool *live)
{
	int64_t years = e->conf->ra.retention_accepted_years, end = 0, at;
	json_t *kept = json_array(), *x;
	size_t i;

	*live = false;
	if (kept == NULL)
		return NULL;
	json_array_foreach(json_object_get(d, "certificates"), i, x)
	{
		at = json_integer_value(json_object_get(x, "not_after"));
		if (at > now &&
		    (json_integer_value(json_object_get(x, "status")) ==
		            CERT_GOOD ||
		        json_integer_value(json_object_get(x, "reason")) == 6))
			*live = true;
		if (at > end)
			end = at;
		kept_add(kept, "certificate",
		    json_string_value(json_object_get(x, "serial")),
		    at + years * YEAR_S,
		    "a qualified certificate and its registration data "
		    "(eIDAS art. 24(2)(h))");
	}
	json_array_foreach(json_object_get(d, "documents"), i, x)
	{
		const char *k = json_string_value(json_object_get(x, "kind"));

		if (k != NULL && (strcmp(k, STORE_DOC_TERMS) == 0 ||
		                     strcmp(k, STORE_DOC_RENEWAL_TERMS) == 0))
			kept_add(kept, "signed terms",
			    json_string_value(json_object_get(x, "id")),
			    (end > now ? end : now) + years * YEAR_S,
			    "the contract of the trust service");
	}
	json_array_foreach(json_object_get(d, "identification"), i, x)
	{
		at = json_integer_value(json_object_get(x, "retain_until"));
		if (at > now &&
		    json_integer_value(json_object_get(x, "purged_at")) == 0)
			kept_add(kept, "identification evidence",
			    json_string_value(json_object_get(x, "id")), at,
			    "the evidence of the identity checked before "
			    "issuance");
	}
	json_array_foreach(json_object_get(d, "invoices"), i, x)
	{
		at = json_integer_value(json_object_get(x, "issued_at"));
		kept_add(kept, "invoice",
		    json_string_value(json_object_get(x, "order")),
		    at + e->conf->privacy.invoice_years * YEAR_S,
		    "financial and tax law");
	}
	kept_add(kept, "audit log entries", "", now + LOGS_KEEP_S,
	    "security logs, kept at least 2 years (tamper-evident chain)");
	return kept;
}

struct drop_ctx {
	const struct pc_env *e;
	struct db *db;
	const char *user_id;
	int n;
};

static enum pc_rc
drop_one(void *arg, const char *doc_id)
{
	struct drop_ctx *c = arg;

	c->n++;
	return doc_drop(c->e, c->db, c->user_id, doc_id);
}

enum pc_rc
privacy_erase(const struct pc_env *e, const char *user_id, const char *password,
    const char *code, json_t **kept, struct pc_err *err)
{
	struct drop_ctx c = { e, NULL, user_id, 0 };
	struct db *db = NULL;
	json_t *d = NULL, *k = NULL;
	int64_t now = clock_now();
	bool live = false;
	enum pc_rc rc;

	*kept = NULL;
	rc = acct_reauth(e, user_id, password, code, "erasure", err);
	if (rc == PC_OK)
		rc = privacy_data(e, user_id, &d);
	if (rc != PC_OK)
		goto out;
	k = kept_list(e, d, now, &live);
	if (k == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (live) {
		rc = pc_fail(err, PC_ESTATE, PCE_ERASURE_CERT_VALID, NULL);
		goto out;
	}
	rc = store_write_begin(e->store, &db);
	c.db = db;
	if (rc == PC_OK)
		rc = store_privacy_docs(db, user_id, drop_one, &c);
	if (rc == PC_OK)
		rc = store_privacy_erase(db, user_id, now);
	if (rc == PC_OK)
		rc = store_audit_printf(db, user_id, "privacy.erase",
		    "documents=%d kept=%zu", c.n, json_array_size(k));
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK) {
		*kept = k;
		k = NULL;
	}
out:
	json_decref(d);
	json_decref(k);
	return rc;
}

/* ---- retention ---------------------------------------------------------- */

static const struct {
	const char *name, *why;
} ret_rules[STORE_RET_N] = {
	[STORE_RET_INVOICES] = { "invoices",
	    "financial and tax law ([privacy] invoice_years after issue)" },
	[STORE_RET_UNPAID] = { "unpaid_orders",
	    "billing data of orders never paid ([privacy] unpaid_order_days)" },
	[STORE_RET_TERMS] = { "signed_terms",
	    "the trust service contract ([ra] retention_accepted_years after "
	    "the holder's last certificate ends)" },
	[STORE_RET_RENEWALS] = { "renewal_documents",
	    "registration data given at renewals (as signed terms)" },
	[STORE_RET_SESSIONS] = { "sessions",
	    "sign-in sessions and their addresses ([account] session_max_s "
	    "after last use)" },
	[STORE_RET_OUTBOX] = { "outbox",
	    "e-mails and SMS once sent or failed ([privacy] outbox_days)" },
	[STORE_RET_MESSAGES] = { "messages",
	    "complaints and requests: the limitation period ([privacy] "
	    "messages_years after the answer)" },
	[STORE_RET_AUDIT] = { "audit_log",
	    "security logs: at least 2 years; never deleted (the sealed chain "
	    "would not verify)" },
};

struct ret_drop {
	const struct pc_env *e;
	struct db *db;
	int64_t n;
};

static enum pc_rc
ret_drop_one(void *arg, const char *user_id, const char *doc_id)
{
	struct ret_drop *c = arg;

	c->n++;
	return doc_drop(c->e, c->db, user_id, doc_id);
}

enum pc_rc
privacy_retention(const struct pc_env *e, bool apply, json_t **report)
{
	struct store_retention r[STORE_RET_N];
	struct ret_drop c = { e, NULL, 0 };
	struct db *db = NULL;
	int64_t now = clock_now(), total = 0;
	json_t *rows = NULL, *o;
	size_t i;
	enum pc_rc rc;

	if (report != NULL)
		*report = NULL;
	memset(r, 0, sizeof(r));
	r[STORE_RET_INVOICES].keep_s = e->conf->privacy.invoice_years * YEAR_S;
	r[STORE_RET_UNPAID].keep_s = e->conf->privacy.unpaid_order_days * 86400;
	r[STORE_RET_TERMS].keep_s = r[STORE_RET_RENEWALS].keep_s =
	    e->conf->ra.retention_accepted_years * YEAR_S;
	r[STORE_RET_SESSIONS].keep_s = e->conf->account.session_max_s;
	r[STORE_RET_OUTBOX].keep_s = e->conf->privacy.outbox_days * 86400;
	r[STORE_RET_MESSAGES].keep_s = e->conf->privacy.messages_years * YEAR_S;
	r[STORE_RET_AUDIT].keep_s = LOGS_KEEP_S;
	rc = apply ? store_write_begin(e->store, &db)
	           : store_acquire(e->store, &db);
	c.db = db;
	if (rc == PC_OK && apply)
		rc = store_retention_docs(
		    db, now, r[STORE_RET_TERMS].keep_s, ret_drop_one, &c);
	if (rc == PC_OK)
		rc = store_retention(db, now, apply, r);
	if (rc == PC_OK && apply)
		rc = inbox_purge(e, db, now - r[STORE_RET_MESSAGES].keep_s,
		    &r[STORE_RET_MESSAGES].applied);
	if (rc == PC_OK && apply) {
		r[STORE_RET_TERMS].applied = c.n;
		for (i = 0; i < STORE_RET_N; i++)
			total += r[i].applied;
		if (total > 0)
			rc = store_audit_printf(db, "job:retention",
			    "privacy.retention",
			    "invoices=%lld unpaid_orders=%lld terms=%lld "
			    "renewals=%lld sessions=%lld outbox=%lld "
			    "messages=%lld",
			    (long long)r[STORE_RET_INVOICES].applied,
			    (long long)r[STORE_RET_UNPAID].applied,
			    (long long)r[STORE_RET_TERMS].applied,
			    (long long)r[STORE_RET_RENEWALS].applied,
			    (long long)r[STORE_RET_SESSIONS].applied,
			    (long long)r[STORE_RET_OUTBOX].applied,
			    (long long)r[STORE_RET_MESSAGES].applied);
	}
	if (apply)
		rc = store_write_end(e->store, db, rc);
	else if (db != NULL)
		store_release(e->store, db);
	if (rc != PC_OK || report == NULL)
		return rc;
	rows = json_array();
	for (i = 0; rows != NULL && i < STORE_RET_N; i++) {
		o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "name",
		    ret_rules[i].name, "why", ret_rules[i].why, "keep_s",
		    (json_int_t)r[i].keep_s, "held", (json_int_t)r[i].held,
		    "due", (json_int_t)r[i].due, "next_due",
		    (json_int_t)r[i].next_due, "deleted",
		    (json_int_t)r[i].applied);
		if (o == NULL || json_array_append_new(rows, o) != 0) {
			json_decref(rows);
			rows = NULL;
		}
	}
	if (rows == NULL)
		return PC_ENOMEM;
	*report = json_pack("{s:I,s:b,s:o}", "at", (json_int_t)now, "applied",
	    apply, "rules", rows);
	return *report != NULL ? PC_OK : PC_ENOMEM;
}
