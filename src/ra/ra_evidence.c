/*
 * ra_evidence.c: the evidence of an identification: the manifest that
 * binds the session's data to every file's hash (stamped by our TSA at
 * submission, so its integrity can be shown years later), its export for
 * an auditor, and its deletion when the retention period ends.
 *
 * The manifest is JSON with sorted keys, written once; the stamp covers
 * its exact bytes, which are kept as they are.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "account/account.h"
#include "base/clock.h"
#include "base/log.h"
#include "ra/ra_int.h"

static json_t *
loads_or(const char *text, json_t *dflt)
{
	json_t *v = text != NULL ? json_loads(text, 0, NULL) : NULL;

	if (v == NULL)
		return dflt;
	json_decref(dflt);
	return v;
}

static json_t *
iso(int64_t t)
{
	char s[32];

	if (t == 0)
		return json_null();
	clock_fmt_iso(t, s, sizeof(s));
	return json_string(s);
}

static enum pc_rc
file_entry(void *arg, const struct store_idv_file *f)
{
	json_t *a = arg;

	return json_array_append_new(
	           a, json_pack("{s:s,s:s,s:I,s:s}", "kind", f->kind, "type",
	                  f->ctype, "size", (json_int_t)f->plain_len, "sha256",
	                  f->sha256)) == 0
	           ? PC_OK
	           : PC_ENOMEM;
}

enum pc_rc
ra_manifest_build(const struct pc_env *e, const struct store_idv_case *c,
    char **json, char sha_hex[65])
{
	static const char *const consents[] = { RA_CONSENT_PRIVACY,
		RA_CONSENT_BIOMETRIC, RA_CONSENT_IMAGES, RA_CONSENT_RECORDING };
	json_t *m = NULL, *files, *cons;
	const char *version = acct_consent_version(e->conf, "privacy");
	uint8_t md[32];
	unsigned mdlen = 0;
	size_t i;
	enum pc_rc rc;

	*json = NULL;
	files = json_array();
	cons = json_array();
	if (files == NULL || cons == NULL) {
		json_decref(files);
		json_decref(cons);
		return PC_ENOMEM;
	}
	for (i = 0; i < PC_ARRAY_LEN(consents); i++)
		json_array_append_new(
		    cons, json_pack("{s:s,s:s}", "kind", consents[i], "version",
		              version != NULL ? version : ""));
	STORE_ONE(
	    rc, e->store, store_idv_files_each(db, c->id, file_entry, files));
	if (rc != PC_OK) {
		json_decref(files);
		json_decref(cons);
		return rc;
	}
	m = json_pack("{s:s,s:i,s:s,s:I,s:s,s:s,s:s,s:{s:s,s:s,s:b},s:o,"
	              "s:o,s:o,s:{s:o,s:I},s:o,s:s,s:s,s:o,s:o,s:o}",
	    "type", "pecete-identification-evidence", "version", 1, "case",
	    c->id, "attempt", (json_int_t)c->attempt, "user", c->user_id,
	    "order", c->order_id, "document_type", c->doc_type, "declared",
	    "email", c->email != NULL ? c->email : "", "phone",
	    c->phone != NULL ? c->phone : "", "phone_changed", c->phone_changed,
	    "consents", cons, "challenges",
	    loads_or(c->challenges, json_array()), "steps",
	    loads_or(c->steps, json_array()), "sms", "verified_at",
	    iso(c->sms_verified_at), "failures", (json_int_t)c->sms_failures,
	    "client", loads_or(c->client, json_object()), "ip", c->ip,
	    "user_agent", c->user_agent != NULL ? c->user_agent : "",
	    "created_at", iso(c->created_at), "submitted_at",
	    iso(c->submitted_at), "files", files);
	if (m == NULL)
		return PC_ENOMEM;
	*json = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	if (*json == NULL)
		return PC_ENOMEM;
	if (EVP_Digest(*json, strlen(*json), md, &mdlen, EVP_sha256(), NULL) !=
	        1 ||
	    mdlen != sizeof(md)) {
		free(*json);
		*json = NULL;
		return PC_ECRYPTO;
	}
	hex_encode(md, sizeof(md), sha_hex);
	return PC_OK;
}

/* ---- export ------------------------------------------------------------- */

static const char *
ext_of(const char *ctype)
{
	if (strcmp(ctype, "video/webm") == 0)
		return "webm";
	if (strcmp(ctype, "video/mp4") == 0)
		return "mp4";
	if (strcmp(ctype, "image/png") == 0)
		return "png";
	if (strcmp(ctype, "image/webp") == 0)
		return "webp";
	return "jpg";
}

struct export_ctx {
	const struct pc_env *e;
	const char *dir;
	struct store_idv_file f[8];
	size_t n;
};

static enum pc_rc
export_collect(void *arg, const struct store_idv_file *f)
{
	struct export_ctx *x = arg;

	if (x->n >= PC_ARRAY_LEN(x->f))
		return PC_ELIMIT;
	x->f[x->n++] = *f;
	return PC_OK;
}

static enum pc_rc
export_file(const struct export_ctx *x, const struct store_idv_file *f)
{
	uint8_t key[VAULT_KEY_WRAPPED];
	struct buf b;
	char src[600], dst[600];
	enum pc_rc rc;

	buf_init(&b, (size_t)f->plain_len + 1);
	ra_file_path(x->e, f->case_id, f->kind, src, sizeof(src));
	snprintf(
	    dst, sizeof(dst), "%s/%s.%s", x->dir, f->kind, ext_of(f->ctype));
	rc = hex_decode(str_from(f->key_hex), key, sizeof(key));
	if (rc == PC_OK)
		rc = vault_read(x->e->vault, src, key, &b);
	if (rc == PC_OK)
		rc = file_write_atomic(dst, b.data, b.len, 0600);
	buf_cleanup(&b);
	return rc;
}

enum pc_rc
ra_evidence_export(
    const struct pc_env *e, const char *id, const char *dir, struct pc_err *err)
{
	struct store_idv_case c;
	struct export_ctx x;
	struct db *db = NULL;
	char path[600];
	size_t i;
	enum pc_rc rc;

	memset(&x, 0, sizeof(x));
	x.e = e;
	x.dir = dir;
	rc = store_acquire(e->store, &db);
	if (rc != PC_OK)
		return rc;
	rc = store_idv_get(db, id, &c);
	if (rc == PC_OK)
		rc = store_idv_files_each(db, id, export_collect, &x);
	store_release(e->store, db);
	if (rc == PC_ENOTFOUND)
		return pc_fail(err, rc, PCE_NOT_FOUND, NULL);
	if (rc != PC_OK)
		return rc;
	if (c.manifest == NULL || c.manifest_tst == NULL) {
		rc = pc_fail(err, PC_ESTATE, PCE_IDV_STATE, NULL);
		goto out;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = PC_EIO;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	rc = file_write_atomic(path, c.manifest, strlen(c.manifest), 0600);
	snprintf(path, sizeof(path), "%s/manifest.tsr", dir);
	if (rc == PC_OK)
		rc = file_write_atomic(
		    path, c.manifest_tst, c.manifest_tst_len, 0600);
	for (i = 0; rc == PC_OK && i < x.n; i++)
		rc = export_file(&x, &x.f[i]);
out:
	store_idv_case_cleanup(&c);
	return rc;
}

/* ---- retention ---------------------------------------------------------- */

struct purge_ctx {
	char id[64][STORE_ID_LEN + 1];
	size_t n;
};

static enum pc_rc
purge_collect(void *arg, const struct store_idv_case *c)
{
	struct purge_ctx *x = arg;

	if (x->n < PC_ARRAY_LEN(x->id))
		snprintf(x->id[x->n++], sizeof(x->id[0]), "%s", c->id);
	return PC_OK;
}

/* Remove a case's directory and its files. */
static enum pc_rc
rm_case_dir(const struct pc_env *e, const char *id)
{
	char dir[512], path[800];
	struct dirent *d;
	DIR *dp;
	enum pc_rc rc = PC_OK;

	ra_case_dir(e, id, dir, sizeof(dir));
	dp = opendir(dir);
	if (dp == NULL)
		return errno == ENOENT ? PC_OK : PC_EIO;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (unlink(path) != 0 && errno != ENOENT)
			rc = PC_EIO;
	}
	closedir(dp);
	if (rc == PC_OK && rmdir(dir) != 0 && errno != ENOENT)
		rc = PC_EIO;
	return rc;
}

enum pc_rc
ra_purge(const struct pc_env *e, int64_t *purged)
{
	struct purge_ctx x;
	struct db *db = NULL;
	int64_t now = clock_now();
	size_t i;
	enum pc_rc rc;

	*purged = 0;
	memset(&x, 0, sizeof(x));
	/* A recording never submitted is not evidence of anything. */
	rc = store_write_begin(e->store, &db);
	if (rc == PC_OK)
		rc = store_idv_abandon_old(db,
		    now - e->conf->ra.retention_open_days * 86400, now, now);
	rc = store_write_end(e->store, db, rc);
	if (rc == PC_OK)
		rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		rc = store_idv_expired(db, now, 64, purge_collect, &x);
		store_release(e->store, db);
	}
	for (i = 0; rc == PC_OK && i < x.n; i++) {
		/* Files first: a row marked purged never points at files
		 * left behind. */
		rc = rm_case_dir(e, x.id[i]);
		if (rc == PC_OK)
			rc = store_write_begin(e->store, &db);
		if (rc == PC_OK) {
			rc = store_idv_files_delete(db, x.id[i]);
			if (rc == PC_OK)
				rc = store_idv_purged(db, x.id[i], now);
			if (rc == PC_OK)
				rc = store_audit_printf(db, "system",
				    "idv.purged", "case=%s", x.id[i]);
			rc = store_write_end(e->store, db, rc);
		}
		if (rc == PC_OK)
			(*purged)++;
	}
	if (*purged > 0)
		log_info("ra: evidence of %lld cases deleted (retention ended)",
		    (long long)*purged);
	return rc;
}
