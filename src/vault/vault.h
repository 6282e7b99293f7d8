/*
 * vault.h: files encrypted at rest (identification videos and photos; next,
 * documents to sign and signed outputs).
 *
 * One master key, 32 random bytes in a file of the data directory
 * ([store] vault_key_file, mode 0600), never in the database: a copy of
 * the database alone reveals no file. Each file has its own random key,
 * kept in the caller's row wrapped (secretbox) by the master key, and is
 * written as a libsodium secretstream (XChaCha20-Poly1305):
 *
 *	"PCV1" | secretstream header (24) | record* where
 *	record = u32 big-endian length | secretstream message (len bytes)
 *
 * the last message tagged FINAL. A record can be neither dropped,
 * reordered, altered nor added after the FINAL one without the read
 * failing.
 *
 * Files are written in pieces across requests (a resumable upload): the
 * push state between pieces is kept, wrapped, in struct vault_wip, which
 * the caller stores with its row. vault_append first cuts the file back
 * to the length the row recorded, so a piece written by a request that
 * died before its row was updated is dropped, not doubled. Two writers of
 * one file must be kept apart by the caller (a conditional update of its
 * row before writing).
 */
#ifndef PC_VAULT_H
#define PC_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/pc.h"

/* Wrapped: nonce (24) + MAC (16) + the secret. */
#define VAULT_WRAP_OVERHEAD 40
#define VAULT_KEY_WRAPPED (32 + VAULT_WRAP_OVERHEAD)
#define VAULT_STATE_WRAPPED (52 + VAULT_WRAP_OVERHEAD)
/* The largest piece one vault_append takes. */
#define VAULT_PIECE_MAX (4u << 20)

struct vault;

/* A file being written: what the caller keeps in its row between pieces. */
struct vault_wip {
	uint8_t key[VAULT_KEY_WRAPPED];     /* the file key, wrapped */
	uint8_t state[VAULT_STATE_WRAPPED]; /* the push state, wrapped */
	int64_t enc_len;                    /* bytes of the file on disk */
	int64_t plain_len;                  /* bytes given so far */
	bool final;                         /* the FINAL record is written */
};

/*
 * Open the vault with the key in key_file (32 bytes, mode 0600). create:
 * make the file (random key) when it does not exist. OUT: *out
 * (vault_close). PC_ENOTFOUND without it, PC_EPERM when group-readable
 * (secret_file_why says what to do).
 */
enum pc_rc vault_open(const char *key_file, bool create, struct vault **out);
void vault_close(struct vault *v);

/* Start path (must not exist; its directory must). OUT: *w. */
enum pc_rc vault_create(struct vault *v, const char *path, struct vault_wip *w);
/*
 * Append n bytes (n <= VAULT_PIECE_MAX; n may be 0 with final) to the file
 * w describes; final writes the FINAL record (nothing may follow). The
 * file is synced before returning. On success *w is the new state to
 * store; on failure *w is unchanged. PC_ESTATE after final.
 */
enum pc_rc vault_append(struct vault *v, const char *path, struct vault_wip *w,
    const uint8_t *p, size_t n, bool final);

/*
 * Write a whole file at once (it must not exist): p[0..n) in pieces and
 * the FINAL record. OUT: key, the file's wrapped key for the caller's row.
 * On failure nothing is left at path.
 */
enum pc_rc vault_write_file(struct vault *v, const char *path, const uint8_t *p,
    size_t n, uint8_t key[VAULT_KEY_WRAPPED]);

/*
 * Read path with its wrapped key, handing each decrypted piece to fn
 * (which may stop the walk by returning non-OK). PC_EINVAL when the file
 * was altered, cut, or is not a finished vault file (integrity is checked
 * before the FINAL piece is handed over, piece by piece).
 */
enum pc_rc vault_read_each(struct vault *v, const char *path,
    const uint8_t key[VAULT_KEY_WRAPPED],
    enum pc_rc (*fn)(void *arg, const uint8_t *p, size_t n), void *arg);
/* The whole plain text into out (bounded by out's maximum). */
enum pc_rc vault_read(struct vault *v, const char *path,
    const uint8_t key[VAULT_KEY_WRAPPED], struct buf *out);
/*
 * vault_read with the file's wrapped key as stored (hex): PC_EUNAVAIL when
 * v is NULL (no vault configured), else vault_read's status.
 */
enum pc_rc vault_read_hex(
    struct vault *v, const char *path, const char *key_hex, struct buf *out);
/* SHA-256 of the plain text (hex, 65 bytes) and its length. */
enum pc_rc vault_sha256(struct vault *v, const char *path,
    const uint8_t key[VAULT_KEY_WRAPPED], char hex[65], int64_t *len);

#endif /* PC_VAULT_H */
