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

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "ops/ops.h"
#include "pki/pki.h"
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
	struct db *db = NULL;
	struct buf tsr;
	uint8_t md[32];
	int64_t id = 0;
	size_t len;
	int fd = -1;
	enum pc_rc rc;

	*anchored = 0;
	buf_init(&tsr, ANCHOR_TSR_MAX);
	rc = store_acquire(e->store, &db);
	if (rc == PC_OK) {
		rc = store_audit_hash(db, 0, &id, hash);
		store_release(e->store, db);
	}
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
    struct ops_audit_report *r)
{
	char path[4096], *line;
	int lineno = 0;
	FILE *f;
	enum pc_rc rc;

	memset(r, 0, sizeof(*r));
	rc = store_audit_verify(db, &r->rows, &r->bad_row);
	if (rc == PC_ECRYPTO) {
		snprintf(r->why, sizeof(r->why),
		    "the chain breaks at row %" PRId64
		    ": that row (or the one before it) was edited, removed "
		    "or reordered",
		    r->bad_row);
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
