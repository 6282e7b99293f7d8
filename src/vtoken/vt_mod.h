/*
 * vt_mod.h: the PKCS#11 module's own declarations, shared by its files
 * (not installed): vt_module.c (the library, slot, token, sessions,
 * login), vt_mod_obj.c (objects and attributes), vt_mod_sign.c (signing).
 * One library context, vt_lib, under its mutex; handles are table
 * indexes + 1.
 */
#ifndef VT_MOD_H
#define VT_MOD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#define VT_EXPORT __attribute__((visibility("default")))
#define SLOT_ID 1
#define ENTS_MAX 16
#define OBJS_MAX (3 * ENTS_MAX)
#define SESS_MAX 64
#define LIST_TIMEOUT_MS 25000  /* the agent may refresh from the server */
#define SIGN_TIMEOUT_MS 150000 /* a person types the code */
#define DATA_MAX (64 * 1024 * 1024)

/* One certificate from the agent, with what its objects show. */
struct ent {
	char id[128]; /* credentialID ("" for a CA) */
	char kind[8]; /* sign, auth, ca */
	uint8_t *der; /* the certificate */
	size_t len;
	uint8_t ckid[20]; /* CKA_ID: SHA-1 of the public key */
	char label[64];
	uint8_t *subject, *issuer, *serial, *spki, *mod, *exp, *ecparams,
	    *ecpoint;
	size_t subject_len, issuer_len, serial_len, spki_len, mod_len, exp_len,
	    ecparams_len, ecpoint_len;
	CK_KEY_TYPE kt;
	size_t bits;
};

struct obj {
	CK_OBJECT_CLASS cls;
	size_t ent;
};

struct sess {
	bool open;
	CK_FLAGS flags;
	/* find */
	bool finding;
	CK_OBJECT_HANDLE found[OBJS_MAX];
	size_t nfound, pos;
	/* sign */
	bool signing;
	CK_MECHANISM_TYPE mech;
	size_t obj;
	CK_RSA_PKCS_PSS_PARAMS pss;
	EVP_MD_CTX *md; /* the hashing mechanisms */
	uint8_t *data;  /* the raw mechanisms, multi-part */
	size_t data_len;
	char code[32]; /* C_Login(CKU_CONTEXT_SPECIFIC)'s PIN */
};

/* The library context: the only state of the module. */
struct vt_lib {
	pthread_mutex_t mu;
	bool init;
	pid_t pid;
	bool loaded, present;
	struct ent ents[ENTS_MAX];
	size_t nents;
	struct obj objs[OBJS_MAX];
	size_t nobjs;
	struct sess sess[SESS_MAX];
	bool user;          /* C_Login(CKU_USER) */
	unsigned gen;       /* changes when the objects are dropped */
	char user_code[32]; /* its PIN: one signature's code */
};
extern struct vt_lib vt_lib;

/* vt_module.c */
/* Lock and check: initialized, in the process that initialized. CKR_OK:
 * locked (end with vt_leave); else unlocked. */
CK_RV vt_enter(void);
/* Unlock and return rv. */
CK_RV vt_leave(CK_RV rv);
/* The open session of handle h, or NULL. */
struct sess *vt_sess_get(CK_SESSION_HANDLE h);
/* vt_enter, then the open session of h into *sp (else unlocked,
 * CKR_SESSION_HANDLE_INVALID). */
CK_RV vt_enter_sess(CK_SESSION_HANDLE h, struct sess **sp);
/* The key type mechanism m signs with (false: not ours). */
bool vt_mech_kt(CK_MECHANISM_TYPE m, CK_KEY_TYPE *kt);

/* vt_mod_obj.c */
/* The objects from the agent, once per C_Initialize (again while the
 * token is absent). Called locked; the agent is asked unlocked. */
void vt_load(void);
/* Drop the objects (a new generation). */
void vt_ents_free(void);
/* The object of handle h, or NULL. */
const struct obj *vt_obj_get(CK_OBJECT_HANDLE h);

#endif
