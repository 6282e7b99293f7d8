/*
 * privacy.c: access and portability (privacy.h). The data comes from one
 * table of what we hold (store_privacy.c); the documents from the
 * modules that make them (issuance: the signed terms; shop: invoices).
 * The ZIP is made in memory: an export is a few documents and a JSON.
 */
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "base/clock.h"
#include "base/log.h"
#include "issuance/issuance.h"
#include "privacy/privacy.h"
#include "shop/shop.h"
#include "store/store_privacy.h"

#define DOCS_MAX 64 /* documents in one export, at most */

enum pc_rc
privacy_data(const struct pc_env *e, const char *user_id, json_t **out)
{
	struct db *db = NULL;
	enum pc_rc rc;

	*out = NULL;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_privacy_dump(db, user_id, out);
	store_release(e->store, db);
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
