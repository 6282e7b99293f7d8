/*
 * env.h: the one context every domain call takes (DESIGN §2).
 *
 * The faces build it once per request (api_env) or per command (the CLI)
 * and pass it down: account, shop, RA, signing and jobs read what they
 * need from it instead of positional arguments. It borrows everything;
 * nothing in it is owned or freed by the callee.
 */
#ifndef PC_ENV_H
#define PC_ENV_H

struct conf;
struct store;
struct signer_client;
struct pki;
struct vault;
struct websign_pool;

struct pc_env {
	const struct conf *conf;
	struct store *store;
	struct signer_client *signer; /* NULL in one-shot commands */
	struct pki *pki;              /* NULL when not needed */
	struct vault *vault; /* encrypted files; NULL when not needed */
	/* signing in the browser's worker pool; NULL: signed in the call */
	struct websign_pool *sign_pool;
	const char *ip;     /* the caller's address; NULL (CLI) */
	const char *actor;  /* who acts, for the audit: a user id, "cli" */
	const char *req_id; /* for log lines; NULL outside requests */
};

#endif /* PC_ENV_H */
