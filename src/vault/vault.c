/*
 * vault.c: files encrypted at rest (see vault.h for the format and the
 * rules).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "base/log.h"
#include "base/rnd.h"
#include "base/secret.h"
#include "vault/vault.h"

#define MAGIC "PCV1"
#define MAGIC_LEN 4
#define HDR_LEN crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define KEY_LEN crypto_secretstream_xchacha20poly1305_KEYBYTES
#define NONCE_LEN crypto_secretbox_NONCEBYTES
#define STATE_LEN sizeof(crypto_secretstream_xchacha20poly1305_state)

_Static_assert(
    KEY_LEN + VAULT_WRAP_OVERHEAD == VAULT_KEY_WRAPPED, "wrapped key size");
_Static_assert(STATE_LEN + VAULT_WRAP_OVERHEAD == VAULT_STATE_WRAPPED,
    "wrapped state size");
_Static_assert(NONCE_LEN + crypto_secretbox_MACBYTES == VAULT_WRAP_OVERHEAD,
    "wrap overhead");

struct vault {
	uint8_t *master; /* KEY_LEN bytes of locked memory */
};

/* ---- the master key ------------------------------------------------- */

static enum pc_rc
key_file_make(const char *path)
{
	uint8_t k[32];
	char hex[65];
	enum pc_rc rc;

	rc = rnd_bytes(k, sizeof(k));
	if (rc != PC_OK)
		return rc;
	sodium_bin2hex(hex, sizeof(hex), k, sizeof(k));
	hex[64] = '\n';
	rc = file_write_atomic(path, hex, 65, 0600);
	secret_wipe(k, sizeof(k));
	secret_wipe(hex, sizeof(hex));
	if (rc == PC_OK)
		log_info("vault: made a new key in %s: keep a copy with the "
		         "backups and on every node",
		    path);
	return rc;
}

enum pc_rc
vault_open(const char *key_file, bool create, struct vault **out)
{
	struct vault *v = NULL;
	char *hex = NULL;
	size_t n = 0;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(key_file != NULL && out != NULL, PC_EINTERNAL);
	*out = NULL;
	if (sodium_init() < 0)
		return PC_ECRYPTO;
	rc = secret_read_file(key_file, 128, &hex);
	if (rc == PC_ENOTFOUND && create) {
		rc = key_file_make(key_file);
		if (rc == PC_OK)
			rc = secret_read_file(key_file, 128, &hex);
	}
	if (rc != PC_OK)
		return rc;
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	v->master = secret_alloc(KEY_LEN);
	if (v->master == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	if (sodium_hex2bin(
	        v->master, KEY_LEN, hex, strlen(hex), NULL, &n, NULL) != 0 ||
	    n != KEY_LEN) {
		log_warnx("vault: %s does not hold 64 hex digits", key_file);
		rc = PC_EINVAL;
		goto out;
	}
	*out = v;
	v = NULL;
out:
	secret_strfree(hex);
	vault_close(v);
	return rc;
}

void
vault_close(struct vault *v)
{
	if (v == NULL)
		return;
	if (v->master != NULL)
		secret_free(v->master, KEY_LEN);
	free(v);
}

/* ---- wrapping secrets under the master key --------------------------- */

static enum pc_rc
wrap(const struct vault *v, const uint8_t *in, size_t n, uint8_t *out)
{
	enum pc_rc rc;

	rc = rnd_bytes(out, NONCE_LEN);
	if (rc != PC_OK)
		return rc;
	crypto_secretbox_easy(out + NONCE_LEN, in, n, out, v->master);
	return PC_OK;
}

static enum pc_rc
unwrap(const struct vault *v, const uint8_t *in, size_t n, uint8_t *out)
{
	if (crypto_secretbox_open_easy(
	        out, in + NONCE_LEN, n - NONCE_LEN, in, v->master) != 0) {
		log_warnx("vault: a wrapped key does not open with this "
		          "vault key");
		return PC_EINVAL;
	}
	return PC_OK;
}

/* ---- writing ---------------------------------------------------------- */

static enum pc_rc
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return PC_EIO;
		p += k;
		n -= (size_t)k;
	}
	return PC_OK;
}

enum pc_rc
vault_create(struct vault *v, const char *path, struct vault_wip *w)
{
	crypto_secretstream_xchacha20poly1305_state *st = NULL;
	uint8_t *key = NULL, head[MAGIC_LEN + HDR_LEN];
	int fd = -1;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    v != NULL && path != NULL && w != NULL, PC_EINTERNAL);
	memset(w, 0, sizeof(*w));
	key = secret_alloc(KEY_LEN);
	st = secret_alloc(STATE_LEN);
	if (key == NULL || st == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	crypto_secretstream_xchacha20poly1305_keygen(key);
	memcpy(head, MAGIC, MAGIC_LEN);
	crypto_secretstream_xchacha20poly1305_init_push(
	    st, head + MAGIC_LEN, key);
	rc = wrap(v, key, KEY_LEN, w->key);
	if (rc == PC_OK)
		rc = wrap(v, (const uint8_t *)st, STATE_LEN, w->state);
	if (rc != PC_OK)
		goto out;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("vault: create %s", path);
		rc = errno == EEXIST ? PC_EEXIST : PC_EIO;
		goto out;
	}
	rc = write_all(fd, head, sizeof(head));
	if (rc == PC_OK && fsync(fd) != 0)
		rc = PC_EIO;
	if (rc != PC_OK) {
		log_warn("vault: write %s", path);
		unlink(path);
		goto out;
	}
	w->enc_len = (int64_t)sizeof(head);
out:
	if (fd >= 0)
		close(fd);
	if (key != NULL)
		secret_free(key, KEY_LEN);
	if (st != NULL)
		secret_free(st, STATE_LEN);
	if (rc != PC_OK)
		memset(w, 0, sizeof(*w));
	return rc;
}

enum pc_rc
vault_append(struct vault *v, const char *path, struct vault_wip *w,
    const uint8_t *p, size_t n, bool final)
{
	crypto_secretstream_xchacha20poly1305_state *st = NULL;
	uint8_t *rec = NULL, newstate[VAULT_STATE_WRAPPED];
	unsigned long long clen = 0;
	size_t rlen = 4 + n + ABYTES;
	int fd = -1;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    v != NULL && path != NULL && w != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(p != NULL || n == 0, PC_EINTERNAL);
	if (w->final)
		return PC_ESTATE;
	if (n > VAULT_PIECE_MAX || (n == 0 && !final))
		return PC_EINVAL;
	st = secret_alloc(STATE_LEN);
	rec = malloc(rlen);
	if (st == NULL || rec == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = unwrap(v, w->state, VAULT_STATE_WRAPPED, (uint8_t *)st);
	if (rc != PC_OK)
		goto out;
	crypto_secretstream_xchacha20poly1305_push(st, rec + 4, &clen, p, n,
	    NULL, 0,
	    final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
	rec[0] = (uint8_t)(clen >> 24);
	rec[1] = (uint8_t)(clen >> 16);
	rec[2] = (uint8_t)(clen >> 8);
	rec[3] = (uint8_t)clen;
	rc = wrap(v, (const uint8_t *)st, STATE_LEN, newstate);
	if (rc != PC_OK)
		goto out;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_warn("vault: open %s", path);
		rc = PC_EIO;
		goto out;
	}
	/* What a request that died after writing left: dropped. */
	if (ftruncate(fd, (off_t)w->enc_len) != 0 ||
	    lseek(fd, (off_t)w->enc_len, SEEK_SET) != (off_t)w->enc_len) {
		log_warn("vault: truncate %s", path);
		rc = PC_EIO;
		goto out;
	}
	rc = write_all(fd, rec, 4 + (size_t)clen);
	if (rc == PC_OK && fsync(fd) != 0)
		rc = PC_EIO;
	if (rc != PC_OK) {
		log_warn("vault: write %s", path);
		goto out;
	}
	memcpy(w->state, newstate, sizeof(newstate));
	w->enc_len += 4 + (int64_t)clen;
	w->plain_len += (int64_t)n;
	w->final = final;
out:
	if (fd >= 0)
		close(fd);
	if (st != NULL)
		secret_free(st, STATE_LEN);
	free(rec);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

static enum pc_rc
read_full(int fd, uint8_t *p, size_t n, size_t *got)
{
	ssize_t k;

	*got = 0;
	while (*got < n) {
		k = read(fd, p + *got, n - *got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return PC_EIO;
		if (k == 0)
			break;
		*got += (size_t)k;
	}
	return PC_OK;
}

enum pc_rc
vault_read_each(struct vault *v, const char *path,
    const uint8_t key[VAULT_KEY_WRAPPED],
    enum pc_rc (*fn)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	crypto_secretstream_xchacha20poly1305_state *st = NULL;
	uint8_t *k = NULL, head[MAGIC_LEN + HDR_LEN], lenb[4], *rec = NULL,
	        *plain = NULL, tag = 0;
	unsigned long long plen;
	size_t got, rlen;
	int fd;
	enum pc_rc rc;

	RETURN_VAL_IF_FAIL(
	    v != NULL && path != NULL && key != NULL && fn, PC_EINTERNAL);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? PC_ENOTFOUND : PC_EIO;
	k = secret_alloc(KEY_LEN);
	st = secret_alloc(STATE_LEN);
	rec = malloc(VAULT_PIECE_MAX + ABYTES);
	plain = malloc(VAULT_PIECE_MAX);
	if (k == NULL || st == NULL || rec == NULL || plain == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = unwrap(v, key, VAULT_KEY_WRAPPED, k);
	if (rc != PC_OK)
		goto out;
	rc = read_full(fd, head, sizeof(head), &got);
	if (rc != PC_OK)
		goto out;
	if (got != sizeof(head) || memcmp(head, MAGIC, MAGIC_LEN) != 0 ||
	    crypto_secretstream_xchacha20poly1305_init_pull(
	        st, head + MAGIC_LEN, k) != 0) {
		rc = PC_EINVAL;
		goto out;
	}
	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		rc = read_full(fd, lenb, 4, &got);
		if (rc != PC_OK)
			goto out;
		rlen = (size_t)lenb[0] << 24 | (size_t)lenb[1] << 16 |
		       (size_t)lenb[2] << 8 | lenb[3];
		/* Cut before FINAL, or a length no writer makes. */
		if (got != 4 || rlen < ABYTES ||
		    rlen > VAULT_PIECE_MAX + ABYTES) {
			rc = PC_EINVAL;
			goto out;
		}
		rc = read_full(fd, rec, rlen, &got);
		if (rc != PC_OK)
			goto out;
		if (got != rlen ||
		    crypto_secretstream_xchacha20poly1305_pull(
		        st, plain, &plen, &tag, rec, rlen, NULL, 0) != 0) {
			rc = PC_EINVAL;
			goto out;
		}
		/* Nothing may follow the FINAL record. */
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
			rc = read_full(fd, lenb, 1, &got);
			if (rc == PC_OK && got != 0)
				rc = PC_EINVAL;
			if (rc != PC_OK)
				goto out;
		}
		if (plen > 0) {
			rc = fn(arg, plain, (size_t)plen);
			if (rc != PC_OK)
				goto out;
		}
	}
	rc = PC_OK;
out:
	if (rc == PC_EINVAL)
		log_warnx(
		    "vault: %s is altered, cut or not a vault file", path);
	close(fd);
	if (k != NULL)
		secret_free(k, KEY_LEN);
	if (st != NULL)
		secret_free(st, STATE_LEN);
	free(rec);
	if (plain != NULL) {
		secret_wipe(plain, VAULT_PIECE_MAX);
		free(plain);
	}
	return rc;
}

static enum pc_rc
to_buf(void *arg, const uint8_t *p, size_t n)
{
	struct buf *b = arg;

	buf_append(b, p, n);
	return buf_rc(b);
}

enum pc_rc
vault_read(struct vault *v, const char *path,
    const uint8_t key[VAULT_KEY_WRAPPED], struct buf *out)
{
	return vault_read_each(v, path, key, to_buf, out);
}

enum pc_rc
vault_read_hex(
    struct vault *v, const char *path, const char *key_hex, struct buf *out)
{
	uint8_t key[VAULT_KEY_WRAPPED];
	enum pc_rc rc;

	if (v == NULL)
		return PC_EUNAVAIL;
	if (key_hex == NULL)
		return PC_EDB;
	rc = hex_decode(str_from(key_hex), key, sizeof(key));
	if (rc == PC_OK)
		rc = vault_read(v, path, key, out);
	secret_wipe(key, sizeof(key));
	return rc;
}

struct hash_ctx {
	EVP_MD_CTX *md;
	int64_t len;
};

static enum pc_rc
to_hash(void *arg, const uint8_t *p, size_t n)
{
	struct hash_ctx *h = arg;

	h->len += (int64_t)n;
	return EVP_DigestUpdate(h->md, p, n) == 1 ? PC_OK : PC_ECRYPTO;
}

enum pc_rc
vault_sha256(struct vault *v, const char *path,
    const uint8_t key[VAULT_KEY_WRAPPED], char hex[65], int64_t *len)
{
	struct hash_ctx h = { NULL, 0 };
	uint8_t md[32];
	unsigned mdlen = 0;
	enum pc_rc rc;

	h.md = EVP_MD_CTX_new();
	if (h.md == NULL || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h.md);
		return PC_ECRYPTO;
	}
	rc = vault_read_each(v, path, key, to_hash, &h);
	if (rc == PC_OK &&
	    (EVP_DigestFinal_ex(h.md, md, &mdlen) != 1 || mdlen != sizeof(md)))
		rc = PC_ECRYPTO;
	EVP_MD_CTX_free(h.md);
	if (rc != PC_OK)
		return rc;
	hex_encode(md, sizeof(md), hex);
	*len = h.len;
	return PC_OK;
}

enum pc_rc
vault_write_file(struct vault *v, const char *path, const uint8_t *p, size_t n,
    uint8_t key[VAULT_KEY_WRAPPED])
{
	struct vault_wip w;
	size_t off = 0, k;
	enum pc_rc rc;

	rc = vault_create(v, path, &w);
	while (rc == PC_OK) {
		k = n - off > VAULT_PIECE_MAX ? VAULT_PIECE_MAX : n - off;
		rc = vault_append(v, path, &w, p + off, k, off + k == n);
		off += k;
		if (off == n)
			break;
	}
	if (rc == PC_OK)
		memcpy(key, w.key, VAULT_KEY_WRAPPED);
	else if (rc != PC_EEXIST)
		unlink(path);
	secret_wipe(&w, sizeof(w));
	return rc;
}
