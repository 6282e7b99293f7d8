/*
 * pki_keysrc.c: a key source over an open struct hsm (CLI, signer).
 *
 * The proxy EVP_PKEY of hsm_proxy_pkey_new calls hsm_key_ref_sign with a
 * struct hsm_key_ref it does not own. We allocate the ref on the heap and
 * hang it on the EVP_PKEY as ex_data, whose free callback releases it when
 * the key is freed: no lifetime to track elsewhere.
 */
#include <pthread.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/log.h"
#include "pki/pki.h"

static int ref_idx = -1;
static pthread_once_t ref_once = PTHREAD_ONCE_INIT;

static void
ref_free(
    void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	free(ptr);
}

static void
ref_idx_init(void)
{
	ref_idx = EVP_PKEY_get_ex_new_index(0, NULL, NULL, NULL, ref_free);
}

static EVP_PKEY *
keysrc_hsm_load(void *arg, const char *label, EVP_PKEY *pub)
{
	struct hsm *h = arg;
	struct hsm_key_ref *ref = NULL;
	const struct hsm_key *key;
	EVP_PKEY *pk = NULL;

	if (pthread_once(&ref_once, ref_idx_init) != 0 || ref_idx < 0) {
		log_error("pki: no ex_data index for key refs");
		goto out;
	}
	if (hsm_key_find(h, label, &key) != PC_OK) {
		log_error("pki: key %s not found in the HSM", label);
		goto out;
	}
	ref = calloc(1, sizeof(*ref));
	if (ref == NULL)
		goto out;
	ref->hsm = h;
	ref->key = key;
	pk = hsm_proxy_pkey_new(pub, hsm_key_ref_sign, ref);
	if (pk == NULL) {
		ossl_fail("pki: proxy key");
		goto out;
	}
	if (EVP_PKEY_set_ex_data(pk, ref_idx, ref) != 1) {
		ossl_fail("pki: key ref");
		EVP_PKEY_free(pk);
		pk = NULL;
		goto out;
	}
	ref = NULL; /* owned by pk now */
out:
	free(ref);
	return pk;
}

static enum pc_rc
keysrc_hsm_generate(
    void *arg, enum hsm_key_type type, const char *label, EVP_PKEY **pub)
{
	return hsm_key_generate(arg, type, label, pub);
}

static enum pc_rc
keysrc_hsm_destroy(void *arg, const char *label)
{
	return hsm_key_destroy(arg, label);
}

/*
 * Fill ks with a key source over h (borrowed; must outlive every key and
 * struct pki made with ks).
 */
void
pki_keysrc_hsm(struct pki_keysrc *ks, struct hsm *h)
{
	ks->load = keysrc_hsm_load;
	ks->generate = keysrc_hsm_generate;
	ks->destroy = keysrc_hsm_destroy;
	ks->arg = h;
}
