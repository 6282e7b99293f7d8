/*
 * store_oauth.h: the OAuth2 authorization server's tables (migration 19):
 * clients, authorization requests (PAR/authorize to the code's
 * exchange), grants and refresh tokens. Secrets (client secrets, request
 * handles, codes, refresh tokens) are kept as their SHA-256 (hex). SQL
 * lives in store_oauth.c only.
 */
#ifndef PC_STORE_OAUTH_H
#define PC_STORE_OAUTH_H

#include <stdint.h>

#include "base/pc.h"
#include "store/store.h"
#include "store/store_token.h"

#define STORE_OAUTH_NAME_MAX 120

struct store_oauth_client {
	char id[STORE_TOKEN_ID_MAX + 1];
	char name[STORE_OAUTH_NAME_MAX + 1];
	char type[16];                              /* public|confidential */
	char secret_hash[STORE_TOKEN_HASH_LEN + 1]; /* "": public */
	char *redirect_uris;                        /* one per line */
	char auth_mode[16];                         /* explicit|oauth2code */
	int64_t created_at;
};

/* Request states. */
#define OAUTH_REQ_PUSHED "pushed"     /* PAR: waiting for authorize */
#define OAUTH_REQ_PENDING "pending"   /* at the consent page */
#define OAUTH_REQ_APPROVED "approved" /* a code given, not exchanged */
#define OAUTH_REQ_USED "used"         /* the code exchanged */
#define OAUTH_REQ_DENIED "denied"

struct store_oauth_req {
	char id[STORE_TOKEN_ID_MAX + 1];
	char par_hash[STORE_TOKEN_HASH_LEN + 1];
	char consent_hash[STORE_TOKEN_HASH_LEN + 1];
	char code_hash[STORE_TOKEN_HASH_LEN + 1];
	char client_id[STORE_TOKEN_ID_MAX + 1];
	char *redirect_uri;
	char scope[16];
	char *state;
	char challenge[STORE_TOKEN_HASH_LEN + 1]; /* S256, base64url */
	char credential[STORE_SERIAL_MAX + 1];
	char *details; /* JSON {hash_oid, hashes[], labels[]} */
	int64_t num;
	char user_id[STORE_TOKEN_ID_MAX + 1];
	char sad_enc[STORE_TOKEN_HASH_LEN + 1];
	char grant_id[STORE_TOKEN_ID_MAX + 1];
	char status[16];
	int64_t created_at, expires_at;
};

struct store_oauth_grant {
	char id[STORE_TOKEN_ID_MAX + 1];
	char user_id[STORE_TOKEN_ID_MAX + 1];
	char client_id[STORE_TOKEN_ID_MAX + 1];
	char scope[16];
	char credential[STORE_SERIAL_MAX + 1];
	int64_t created_at, last_used, revoked_at;
	char client_name[STORE_OAUTH_NAME_MAX + 1]; /* read: the client's */
};

struct store_oauth_refresh {
	char hash[STORE_TOKEN_HASH_LEN + 1];
	char grant_id[STORE_TOKEN_ID_MAX + 1];
	int64_t created_at, expires_at, used_at;
};

enum pc_rc store_oauth_client_insert(
    struct db *db, const struct store_oauth_client *c);
/* OUT: *c (store_oauth_client_cleanup). PC_ENOTFOUND. */
enum pc_rc store_oauth_client_get(
    struct db *db, const char *id, struct store_oauth_client *c);
enum pc_rc store_oauth_client_each(struct db *db,
    enum pc_rc (*fn)(void *arg, const struct store_oauth_client *c), void *arg);
/* Delete the client, its requests and grants; its tokens revoked. */
enum pc_rc store_oauth_client_delete(
    struct db *db, const char *id, int64_t now);
void store_oauth_client_cleanup(struct store_oauth_client *c);

enum pc_rc store_oauth_req_insert(
    struct db *db, const struct store_oauth_req *q);
/* By column col ("par_hash", "consent_hash", "code_hash") = hash. */
enum pc_rc store_oauth_req_get(struct db *db, const char *col, const char *hash,
    struct store_oauth_req *q);
/*
 * Write q's consent_hash, code_hash, user_id, sad_enc, grant_id, status
 * and expires_at where the row is q->id in state from: PC_ESTATE when it
 * is not (another request took it first).
 */
enum pc_rc store_oauth_req_move(
    struct db *db, const struct store_oauth_req *q, const char *from);
void store_oauth_req_cleanup(struct store_oauth_req *q);
/* Delete requests that ended before before. OUT: *n (may be NULL). */
enum pc_rc store_oauth_req_purge(struct db *db, int64_t before, int64_t *n);
/*
 * A used request keeps only what replay detection needs (its code's hash,
 * its grant): the client's state, the documents' details and the masked
 * SAD are cleared.
 */
enum pc_rc store_oauth_req_scrub(struct db *db, const char *id);
/* Delete refresh tokens that expired before before. OUT: *n (may be
 * NULL). */
enum pc_rc store_oauth_refresh_purge(struct db *db, int64_t before, int64_t *n);

enum pc_rc store_oauth_grant_insert(
    struct db *db, const struct store_oauth_grant *g);
enum pc_rc store_oauth_grant_get(
    struct db *db, const char *id, struct store_oauth_grant *g);
/*
 * The user's live grants with the client's name (at most 200): every
 * service grant first, newest first, then the credential grants made
 * after cred_since (a credential grant ends with its SAD: older ones give
 * nothing more, and must not push the service grants out of the list).
 */
enum pc_rc store_oauth_grant_each(struct db *db, const char *user_id,
    int64_t cred_since,
    enum pc_rc (*fn)(void *arg, const struct store_oauth_grant *g), void *arg);
/* The grant's last use is now (at most once a minute). */
enum pc_rc store_oauth_grant_touch(struct db *db, const char *id, int64_t now);
/*
 * Revoke the grant (of user_id; NULL: whoever's), its access tokens and
 * its refresh tokens. PC_ENOTFOUND when it is not a live grant.
 */
enum pc_rc store_oauth_grant_revoke(
    struct db *db, const char *id, const char *user_id, int64_t now);

enum pc_rc store_oauth_refresh_insert(
    struct db *db, const struct store_oauth_refresh *t);
enum pc_rc store_oauth_refresh_get(
    struct db *db, const char *hash, struct store_oauth_refresh *t);
/* Mark used (used_at = now) when unused: PC_ESTATE when used already. */
enum pc_rc store_oauth_refresh_use(
    struct db *db, const char *hash, int64_t now);

#endif /* PC_STORE_OAUTH_H */
