/*
 * api.h: the handlers behind the routes table, and the application state
 * they share. Handlers call the layers below (pki, store, signer client);
 * they never touch SQL, OpenSSL, MuPDF or the HSM directly.
 */
#ifndef PC_API_H
#define PC_API_H

#include "base/conf.h"
#include "http/http.h"
#include "pki/pki.h"
#include "signer/signer.h"
#include "store/store.h"

struct app {
	const struct conf *conf;
	struct store *store;
	struct pki *pki;
	struct signer_client *signer;
	int64_t started_at;
};

/* The router's authorize hook (api_auth.c): sessions, CSRF, limits. */
enum pc_rc api_authorize(struct req *r, const struct route *route,
    struct resp *w);

/* Public trust services (api_pki.c). */
enum pc_rc api_healthz_get(struct req *r, struct resp *w);
enum pc_rc api_pki_file_get(struct req *r, struct resp *w);
enum pc_rc api_ocsp_get(struct req *r, struct resp *w);
enum pc_rc api_ocsp_post(struct req *r, struct resp *w);
enum pc_rc api_tsa_post(struct req *r, struct resp *w);

#endif /* PC_API_H */
