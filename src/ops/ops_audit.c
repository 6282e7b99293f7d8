/*
 * ops_audit.c: anchors of the audit chain. The chain alone shows an
 * edited or removed row only to someone who does not recompute it; an
 * administrator of the database can rewrite every hash after a change,
 * or delete the newest rows. So every few minutes the head of the chain
 * (its id and hash) is time-stamped by our TSA (whose key only the signer
 * holds) and the token appended to a file in the data directory, outside
 * the database. Verification replays each anchor: the row must exist and
 * carry the anchored hash, and the token must verify over it. Rows after
 * the last anchor have only the chain's protection.
 *
 * File format, one anchor per line:
 *   <row id> <row hash, hex> <anchored at, unix> <TimeStampResp, hex>
 * The token's imprint is SHA-256 of "pecete-audit-anchor <id> <hash>".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "ops/ops.h"
#include "hsm/hsm.h"
#include "pki/pki.h"
#include "signer/signer.h"
#include "store/store.h"

#define ANCHOR_TSR_MAX 8192
#define ANCHOR_LINE_MAX (2 * ANCHOR_TSR_MAX + 256)

static void
anchor_imprint(int64_t id, const char *hash, uint8_t md[32])
{
	char msg[128];
	int n;

	n = snprintf(
	    msg, sizeof(msg), "pecete-audit-anchor %" PRId64 " %s", id, hash);
	EVP_Digest(msg, (size_t)n, md, NULL, EVP_sha256(), NULL);
}

static void
anchor_path(const struct conf *c, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", c->data_dir, OPS_AUDIT_ANCHORS);
}

/* The id of the last anchor in the file (0: none). */
static int64_t
last_anchored(const char *path)
{
	char line[ANCHOR_LINE_MAX];
	int64_t id = 0, v;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%" SCNd64, &v) == 1 && v > id)
			id = v;
	fclose(f);
	return id;
}

enum pc_rc
ops_audit_anchor(const struct pc_env *e, int64_t *anchored)
{
	char path[4096], hash[STORE_AUDIT_HEX + 1], *hex = NULL, *line = NULL;
	struct buf tsr;
	uint8_t md[32];
	int64_t id = 0;
	size_t len;
	int fd = -1;
	enum pc_rc rc;

	*anchored = 0;
	buf_init(&tsr, ANCHOR_TSR_MAX);
	STORE_ONE(rc, e->store, store_audit_hash(db, 0, &id, hash));
	if (rc == PC_ENOTFOUND) {
		rc = PC_OK; /* nothing to anchor yet */
		goto out;
	}
	if (rc != PC_OK)
		goto out;
	anchor_path(e->conf, path, sizeof(path));
	if (last_anchored(path) >= id)
		goto out; /* the head has not moved */
	anchor_imprint(id, hash, md);
	rc = pki_tsa_stamp(e->pki, md, &tsr);
	if (rc != PC_OK)
		goto out;
	hex = malloc(2 * tsr.len + 1);
	if (hex == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	hex_encode(tsr.data, tsr.len, hex);
	len = strlen(hex) + 128;
	line = malloc(len);
	if (line == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	len = (size_t)snprintf(line, len, "%" PRId64 " %s %lld %s\n", id, hash,
	    (long long)clock_now(), hex);
	/* One write of the whole line, appended, then on disk. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		log_warn("audit: cannot append the anchor to %s", path);
		rc = PC_EIO;
		goto out;
	}
	*anchored = id;
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(hex);
	buf_cleanup(&tsr);
	return rc;
}

/* One anchor line against the rows; the verdict into r. */
static void
check_anchor(struct db *db, struct pki *p, char *line, int lineno,
    struct ops_audit_report *r)
{
	char hash[STORE_AUDIT_HEX + 1], have[STORE_AUDIT_HEX + 1], when[32];
	long long at;
	int64_t id, gen;
	uint8_t md[32], der[ANCHOR_TSR_MAX];
	size_t n;
	char *tok;
	enum pc_rc rc;

	line[strcspn(line, "\n")] = '\0';
	tok = strrchr(line, ' ');
	n = tok != NULL ? strlen(tok + 1) / 2 : 0;
	if (sscanf(line, "%" SCNd64 " %64s %lld ", &id, hash, &at) != 3 ||
	    id <= 0 || strlen(hash) != STORE_AUDIT_HEX || n == 0 ||
	    n > sizeof(der) || strlen(tok + 1) != 2 * n) {
		snprintf(r->why, sizeof(r->why),
		    "anchor line %d is not an anchor", lineno);
		r->bad_anchor_line = lineno;
		return;
	}
	anchor_imprint(id, hash, md);
	if (hex_decode(str_from(tok + 1), der, n) != PC_OK ||
	    pki_tsa_check(p, der, n, md, &gen) != PC_OK) {
		snprintf(r->why, sizeof(r->why),
		    "anchor line %d (row %" PRId64 "): its time-stamp does "
		    "not verify: the anchor file was altered",
		    lineno, id);
		r->bad_anchor_line = lineno;
		return;
	}
	clock_fmt_iso(gen, when, sizeof(when));
	rc = store_audit_hash(db, id, NULL, have);
	if (rc == PC_ENOTFOUND) {
		snprintf(r->why, sizeof(r->why),
		    "row %" PRId64 ", anchored at %s, is missing: the log "
		    "was truncated",
		    id, when);
		r->bad_row = id;
	} else if (rc != PC_OK || strcmp(have, hash) != 0) {
		snprintf(r->why, sizeof(r->why),
		    "row %" PRId64 " differs from its anchor of %s: rows up "
		    "to it were changed and the chain recomputed",
		    id, when);
		r->bad_row = id;
	} else {
		r->anchors_ok++;
		r->last_anchor_row = id;
		r->last_anchor_at = gen;
	}
}

enum pc_rc
ops_audit_check(const struct conf *c, struct db *db, struct pki *p,
    void *seal_pub, struct ops_audit_report *r)
{
	struct store_audit_report sr;
	char path[4096], *line;
	int lineno = 0;
	FILE *f;
	enum pc_rc rc;

	memset(r, 0, sizeof(*r));
	rc = store_audit_verify(
	    db, seal_pub != NULL ? ops_audit_unseal : NULL, seal_pub, &sr);
	r->rows = sr.rows;
	r->sealed = sr.sealed;
	r->unsealed = sr.unsealed;
	r->covered = sr.covered;
	r->seals_checked = sr.seals_checked;
	if (rc == PC_ECRYPTO && sr.bad_id != 0) {
		r->bad_row = sr.bad_id;
		snprintf(r->why, sizeof(r->why),
		    "the chain breaks at row %" PRId64
		    ": that row (or the one before it) was edited, removed "
		    "or reordered",
		    r->bad_row);
		return PC_ECRYPTO;
	}
	if (rc == PC_ECRYPTO) {
		r->bad_row = sr.bad_seal_id;
		snprintf(r->why, sizeof(r->why),
		    "row %" PRId64 " has %s: it was edited and the chain "
		    "recomputed from it, or its seal removed",
		    r->bad_row,
		    "a seal that does not verify, or none and no sealed "
		    "row after it");
		r->bad_seal = true;
		return PC_ECRYPTO;
	}
	if (rc != PC_OK)
		return rc;
	anchor_path(c, path, sizeof(path));
	f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? PC_OK : PC_EIO; /* no anchor yet */
	line = malloc(ANCHOR_LINE_MAX);
	if (line == NULL) {
		fclose(f);
		return PC_ENOMEM;
	}
	while (fgets(line, ANCHOR_LINE_MAX, f) != NULL) {
		lineno++;
		r->anchors++;
		check_anchor(db, p, line, lineno, r);
		if (r->why[0] != '\0')
			break;
	}
	free(line);
	fclose(f);
	return r->why[0] != '\0' ? PC_ECRYPTO : PC_OK;
}

/* ---- seals ------------------------------------------------------------ */

static enum pc_rc
seal_copy(
    enum pc_rc rc, const uint8_t *der, size_t len, uint8_t *sig, size_t *n)
{
	if (rc != PC_OK)
		return rc;
	if (len == 0 || len > STORE_AUDIT_SEAL_MAX)
		return PC_ECRYPTO;
	memcpy(sig, der, len);
	*n = len;
	return PC_OK;
}

enum pc_rc
ops_audit_seal_hsm(void *arg, const uint8_t hash[32], uint8_t *sig, size_t *n)
{
	const struct hsm_key *key;
	uint8_t der[HSM_SIG_MAX];
	size_t len = 0;
	enum pc_rc rc;

	rc = hsm_key_find(arg, HSM_AUDIT_SEAL_LABEL, &key);
	if (rc == PC_OK)
		rc = hsm_key_sign(
		    arg, key, HSM_MECH_ECDSA, NID_sha256, hash, 32, der, &len);
	return seal_copy(rc, der, len, sig, n);
}

enum pc_rc
ops_audit_seal_signer(
    void *arg, const uint8_t hash[32], uint8_t *sig, size_t *n)
{
	uint8_t der[HSM_SIG_MAX];
	size_t len = 0;
	enum pc_rc rc;

	rc = signer_client_sign_service(arg, HSM_AUDIT_SEAL_LABEL,
	    HSM_MECH_ECDSA, NID_sha256, hash, 32, der, &len);
	return seal_copy(rc, der, len, sig, n);
}

bool
ops_audit_unseal(
    void *arg, const uint8_t hash[32], const uint8_t *sig, size_t n)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(arg, NULL);
	bool ok;

	ok = c != NULL && EVP_PKEY_verify_init(c) > 0 &&
	     EVP_PKEY_verify(c, sig, n, hash, 32) == 1;
	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return ok;
}

/* ---- export ----------------------------------------------------------- */

struct export_w {
	FILE *f;
	EVP_MD_CTX *md;
	int64_t n;
	bool failed;
};

/* Write and hash s (len bytes). */
static void
export_put(struct export_w *w, const char *s, size_t len)
{
	if (w->failed)
		return;
	if (fwrite(s, 1, len, w->f) != len || !EVP_DigestUpdate(w->md, s, len))
		w->failed = true;
}

static enum pc_rc
export_row(void *arg, const struct store_audit_row *r)
{
	struct export_w *w = arg;
	json_t *o;
	char *s;

	o = json_pack("{sIsIssssssssssss}", "id", (json_int_t)r->id, "at",
	    (json_int_t)r->at, "actor", r->actor, "event", r->event, "detail",
	    r->detail, "prev_hash", r->prev_hash, "hash", r->hash, "seal",
	    r->seal != NULL ? r->seal : "");
	s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
	              : NULL;
	json_decref(o);
	if (s == NULL)
		return PC_ENOMEM;
	if (w->n > 0)
		export_put(w, ",\n", 2);
	export_put(w, s, strlen(s));
	free(s);
	w->n++;
	return w->failed ? PC_EIO : PC_OK;
}

/* The PEM of pub, malloc()ed; NULL on failure. */
static char *
pub_pem(EVP_PKEY *pub)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *out = NULL;
	long len;

	if (b != NULL && PEM_write_bio_PUBKEY(b, pub) == 1 &&
	    (len = BIO_get_mem_data(b, &p)) > 0 &&
	    (out = malloc((size_t)len + 1)) != NULL) {
		memcpy(out, p, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(b);
	return out;
}

enum pc_rc
ops_audit_export(const struct pc_env *e, struct db *db, void *seal_pub,
    int64_t from, int64_t to, const char *path, int64_t *nrows)
{
	struct ops_audit_report rep;
	struct export_w w = { 0 };
	struct buf tsr;
	char tsr_path[4096], when[32], *pem = NULL, *head = NULL;
	json_t *h = NULL;
	uint8_t md[32];
	int fd = -1;
	enum pc_rc rc;

	*nrows = 0;
	buf_init(&tsr, ANCHOR_TSR_MAX);
	/* Only an intact log is vouched for. */
	rc = ops_audit_check(e->conf, db, e->pki, seal_pub, &rep);
	if (rc == PC_ECRYPTO)
		log_warnx("audit: not exported: %s", rep.why);
	if (rc != PC_OK)
		goto out;
	if (snprintf(tsr_path, sizeof(tsr_path), "%s.tsr", path) >=
	    (int)sizeof(tsr_path)) {
		rc = PC_EINVAL;
		goto out;
	}
	pem = pub_pem(seal_pub);
	clock_fmt_iso(clock_now(), when, sizeof(when));
	h = json_pack("{sssssIsIss}", "format", "pecete-audit-export/1",
	    "exported_at", when, "from", (json_int_t)from, "to", (json_int_t)to,
	    "seal_key", pem != NULL ? pem : "");
	head = h != NULL ? json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER)
	                 : NULL;
	w.md = EVP_MD_CTX_new();
	if (pem == NULL || head == NULL || w.md == NULL ||
	    !EVP_DigestInit_ex(w.md, EVP_sha256(), NULL)) {
		rc = PC_ENOMEM;
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	w.f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (w.f == NULL) {
		log_warn("audit: cannot write %s", path);
		rc = PC_EIO;
		goto out;
	}
	fd = -1;
	/* The header object, its closing brace replaced by the rows. */
	export_put(&w, head, strlen(head) - 1);
	export_put(&w, ",\"rows\":[\n", 10);
	rc =
	    store_audit_each(db, from, to > 0 ? to : INT64_MAX, export_row, &w);
	export_put(&w, "\n]}\n", 4);
	if (rc == PC_OK &&
	    (w.failed || fflush(w.f) != 0 || fsync(fileno(w.f)) != 0))
		rc = PC_EIO;
	if (rc != PC_OK)
		goto out;
	if (!EVP_DigestFinal_ex(w.md, md, NULL)) {
		rc = PC_ECRYPTO;
		goto out;
	}
	rc = pki_tsa_stamp(e->pki, md, &tsr);
	if (rc == PC_OK)
		rc = file_write_atomic(tsr_path, tsr.data, tsr.len, 0600);
	if (rc == PC_OK)
		*nrows = w.n;
out:
	if (w.f != NULL)
		fclose(w.f);
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(w.md);
	json_decref(h);
	free(head);
	free(pem);
	buf_cleanup(&tsr);
	return rc;
}
