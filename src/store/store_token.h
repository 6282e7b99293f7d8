/*
 * store_token.h: access tokens of the remote-signing API (CSC, OAuth2),
 * kept as the SHA-256 (hex) of the token, never the token. SQL lives in
 * store_token.c only.
 */
#ifndef PC_STORE_TOKEN_H
#define PC_STORE_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"

#define STORE_TOKEN_HASH_LEN 64
#define STORE_TOKEN_ID_MAX 64

struct store_token {
	char hash[STORE_TOKEN_HASH_LEN + 1];
	char user_id[STORE_TOKEN_ID_MAX + 1];
	char client_id[STORE_TOKEN_ID_MAX + 1]; /* "": none (auth/login) */
	char scope[16];                         /* "service", "credential" */
	char credential[STORE_SERIAL_MAX + 1];  /* "": any of the user's */
	int64_t created_at, expires_at;
	int64_t revoked_at;                    /* 0: not revoked */
	char grant_id[STORE_TOKEN_ID_MAX + 1]; /* OAuth2: its grant; "" */
	/* OAuth2 credential scope: the SAD minted at the consent, XORed
	 * with a pad only the token derives (csc_oauth.c); "" none */
	char sad_enc[STORE_TOKEN_HASH_LEN + 1];
	/* ... and the token hash the signer bound that SAD to at the
	 * consent (before this random token existed); "" none */
	char sad_bind[STORE_TOKEN_HASH_LEN + 1];
	/* Read with the token (store_token_get), never written: what the
	 * bearer check needs in the same read. */
	char auth_mode[16]; /* its OAuth2 client's auth mode; "" none */
	bool user_active;   /* its user's account is active */
	int64_t grant_used; /* its OAuth2 grant's last use; 0 none */
};

/* Insert; PC_EEXIST when the hash is there already. */
enum pc_rc store_token_insert(struct db *db, const struct store_token *t);
/* OUT: *t, with its client's auth mode and its user's state (one read).
 * PC_ENOTFOUND when there is no such hash. */
enum pc_rc store_token_get(
    struct db *db, const char *hash, struct store_token *t);
/* Revoke (revoked_at = now) the token hash of user_id: PC_ENOTFOUND
 * when it is not one of the user's live tokens. */
enum pc_rc store_token_revoke(
    struct db *db, const char *hash, const char *user_id, int64_t now);
/* Delete tokens that ended before before. OUT: *n deleted (may be NULL). */
enum pc_rc store_token_purge(struct db *db, int64_t before, int64_t *n);

#endif /* PC_STORE_TOKEN_H */
