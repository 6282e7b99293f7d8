/*
 * hsm_int.h: internals shared by the files of src/hsm/ (not for callers).
 */
#ifndef PC_HSM_INT_H
#define PC_HSM_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <p11-kit/pkcs11.h>

#include "hsm/hsm.h"

#define HSM_POOL_MAX 64

/* One loaded and initialised module, shared by the struct hsm of a process. */
struct hsm_module;

struct hsm_key {
	struct hsm_key *k_next;
	char k_label[HSM_LABEL_MAX + 1];
	enum hsm_key_type k_type;
	CK_OBJECT_HANDLE k_priv;
	EVP_PKEY *k_pub;
	atomic_bool k_dead; /* destroyed by hsm_key_destroy */
};

struct hsm {
	struct hsm_module *h_mod;
	CK_FUNCTION_LIST_PTR h_f;
	CK_SLOT_ID h_slot;
	char *h_pin; /* secret memory, for logging in again */

	pthread_mutex_t h_lock; /* pool and key cache */
	pthread_cond_t h_cond;
	CK_SESSION_HANDLE h_sess[HSM_POOL_MAX];
	unsigned h_nsess;
	unsigned h_free[HSM_POOL_MAX]; /* stack of free h_sess indexes */
	unsigned h_nfree;

	struct hsm_key *h_keys;
	pthread_mutex_t h_genlock; /* serialises generate/destroy */
};

/* Name of a CK_RV ("CKR_PIN_INCORRECT"), or "CKR_0x..." for others. */
const char *hsm_rv_name(CK_RV rv, char *tmp, size_t n);
/* Log fn failing with rv and map rv to a pc_rc. */
enum pc_rc hsm_rv_fail(const char *fn, CK_RV rv);
/* True when rv means the session is gone and must be opened again. */
bool hsm_rv_session_lost(CK_RV rv);

/* Borrow a logged-in session (waits for one). OUT: *idx for hsm_sess_put. */
enum pc_rc hsm_sess_get(struct hsm *h, unsigned *idx, CK_SESSION_HANDLE *s);
/* Give a session back; lost = rv said the session is gone (reopen it). */
void hsm_sess_put(struct hsm *h, unsigned idx, bool lost);

/*
 * Find objects of class cls (or any when cls is (CK_ULONG)-1) labelled
 * label. OUT: up to max handles in out, *n the number found (may be > max).
 */
enum pc_rc hsm_find_objects(struct hsm *h, CK_SESSION_HANDLE s,
    CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *out, size_t max,
    size_t *n);

/*
 * Add a key found or generated to the cache (under h_lock). Takes pub.
 * OUT: *key.
 */
enum pc_rc hsm_key_cache_add(struct hsm *h, const char *label,
    enum hsm_key_type type, CK_OBJECT_HANDLE priv, EVP_PKEY *pub,
    const struct hsm_key **key);
/* Mark the cached keys labelled label as destroyed. */
void hsm_key_cache_kill(struct hsm *h, const char *label);

/* Build the public key of a public (or RSA private) object. OUT: *pub. */
enum pc_rc hsm_pub_read(struct hsm *h, CK_SESSION_HANDLE s,
    CK_OBJECT_HANDLE obj, CK_KEY_TYPE kt, EVP_PKEY **pub,
    enum hsm_key_type *type);

/*
 * Split a DER DigestInfo of SHA-256/384/512 into its digest. OUT: *md_nid,
 * *hash (points into p), *hlen. PC_EINVAL for anything else.
 */
enum pc_rc hsm_digestinfo_parse(const uint8_t *p, size_t n, int *md_nid,
    const uint8_t **hash, size_t *hlen);

#endif /* PC_HSM_INT_H */
