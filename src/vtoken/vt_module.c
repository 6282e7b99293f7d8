/*
 * vt_module.c: libpecete-pkcs11.so, the virtual token's PKCS#11 2.40
 * module (STYLE §9: a static function list, handle tables, one library
 * context). A thin client of the pecete-vtoken agent: objects come from
 * the agent's cache (one LIST when the token is first looked at), each
 * signature is one SIGN request; the agent asks the code. One slot, one
 * token. Fork: a child sees CKR_CRYPTOKI_NOT_INITIALIZED until it calls
 * C_Initialize. Built without sanitizers (it runs inside other programs);
 * it never aborts: every failure is a CK_RV.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>

#include "vtoken/vt_client.h"
#include "vtoken/vt_proto.h"

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

static struct {
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
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const CK_MECHANISM_TYPE rsa_mechs[] = { CKM_RSA_PKCS,
	CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS,
	CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS };
static const CK_MECHANISM_TYPE ec_mechs[] = { CKM_ECDSA, CKM_ECDSA_SHA256 };

/* ---- the library context ---------------------------------------------- */

static void
sess_reset(struct sess *s)
{
	EVP_MD_CTX_free(s->md);
	free(s->data);
	memset(s, 0, sizeof(*s));
}

static void
ents_free(void)
{
	size_t i;

	for (i = 0; i < g.nents; i++) {
		struct ent *e = &g.ents[i];

		free(e->der);
		free(e->subject);
		free(e->issuer);
		free(e->serial);
		free(e->spki);
		free(e->mod);
		free(e->exp);
		free(e->ecparams);
		free(e->ecpoint);
	}
	memset(g.ents, 0, sizeof(g.ents));
	memset(g.objs, 0, sizeof(g.objs));
	g.nents = g.nobjs = 0;
	g.gen++;
	g.loaded = g.present = false;
}

static void
ctx_reset(void)
{
	size_t i;

	for (i = 0; i < SESS_MAX; i++)
		sess_reset(&g.sess[i]);
	ents_free();
	g.user = false;
	memset(g.user_code, 0, sizeof(g.user_code));
	g.init = false;
}

/* Lock and check: initialized, and in the process that initialized. */
static CK_RV
enter(void)
{
	/* A child after fork: not initialized, and the mutex, copied in
	 * whatever state the parent's threads left it, is not touched. */
	if (!g.init || g.pid != getpid())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	pthread_mutex_lock(&g.mu);
	if (!g.init || g.pid != getpid()) {
		pthread_mutex_unlock(&g.mu);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	return CKR_OK;
}

static CK_RV
leave(CK_RV rv)
{
	pthread_mutex_unlock(&g.mu);
	return rv;
}

static uint8_t *
dup_bytes(const void *p, size_t n)
{
	uint8_t *d = malloc(n > 0 ? n : 1);

	if (d != NULL && n > 0)
		memcpy(d, p, n);
	return d;
}

/* i2d of an object into *out (malloc'd). */
#define I2D(fn, x, out, outlen)                                                \
	do {                                                                   \
		unsigned char *_p = NULL;                                      \
		int _n = fn(x, &_p);                                           \
		if (_n > 0) {                                                  \
			*(out) = dup_bytes(_p, (size_t)_n);                    \
			*(outlen) = (size_t)_n;                                \
		}                                                              \
		OPENSSL_free(_p);                                              \
	} while (0)

static int
bn_param(EVP_PKEY *k, const char *name, uint8_t **out, size_t *len)
{
	BIGNUM *b = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(k, name, &b) != 1)
		return -1;
	n = BN_num_bytes(b);
	*out = malloc(n > 0 ? (size_t)n : 1);
	if (*out != NULL)
		*len = (size_t)BN_bn2bin(b, *out);
	BN_free(b);
	return *out != NULL ? 0 : -1;
}

/* What the objects of e show, from its certificate. */
static int
ent_describe(struct ent *e)
{
	const unsigned char *p = e->der;
	X509 *x = d2i_X509(NULL, &p, (long)e->len);
	EVP_PKEY *k;
	unsigned int dl = 0;
	int rc = -1;

	if (x == NULL)
		return -1;
	k = X509_get0_pubkey(x);
	if (k == NULL)
		goto out;
	I2D(i2d_X509_NAME, X509_get_subject_name(x), &e->subject,
	    &e->subject_len);
	I2D(i2d_X509_NAME, X509_get_issuer_name(x), &e->issuer, &e->issuer_len);
	I2D(i2d_ASN1_INTEGER, X509_get0_serialNumber(x), &e->serial,
	    &e->serial_len);
	I2D(i2d_PUBKEY, k, &e->spki, &e->spki_len);
	if (e->subject == NULL || e->issuer == NULL || e->serial == NULL ||
	    e->spki == NULL ||
	    !X509_pubkey_digest(x, EVP_sha1(), e->ckid, &dl) || dl != 20)
		goto out;
	e->bits = (size_t)EVP_PKEY_get_bits(k);
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
		e->kt = CKK_RSA;
		if (bn_param(k, OSSL_PKEY_PARAM_RSA_N, &e->mod, &e->mod_len) ||
		    bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e->exp, &e->exp_len))
			goto out;
	} else if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
		char gname[64];
		size_t gl = 0;
		unsigned char pt[256];
		size_t ptl = 0;
		ASN1_OBJECT *oid;
		ASN1_OCTET_STRING *os;

		e->kt = CKK_EC;
		if (EVP_PKEY_get_utf8_string_param(k,
		        OSSL_PKEY_PARAM_GROUP_NAME, gname, sizeof(gname),
		        &gl) != 1 ||
		    EVP_PKEY_get_octet_string_param(k,
		        OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt),
		        &ptl) != 1)
			goto out;
		oid = OBJ_nid2obj(OBJ_sn2nid(gname));
		if (oid == NULL)
			goto out;
		I2D(i2d_ASN1_OBJECT, oid, &e->ecparams, &e->ecparams_len);
		os = ASN1_OCTET_STRING_new();
		if (os == NULL || !ASN1_OCTET_STRING_set(os, pt, (int)ptl)) {
			ASN1_OCTET_STRING_free(os);
			goto out;
		}
		I2D(i2d_ASN1_OCTET_STRING, os, &e->ecpoint, &e->ecpoint_len);
		ASN1_OCTET_STRING_free(os);
		if (e->ecparams == NULL || e->ecpoint == NULL)
			goto out;
	} else {
		goto out;
	}
	if (strcmp(e->kind, "sign") == 0)
		snprintf(e->label, sizeof(e->label), "Pecete signing");
	else if (strcmp(e->kind, "auth") == 0)
		snprintf(e->label, sizeof(e->label), "Pecete authentication");
	else if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	             NID_commonName, e->label, sizeof(e->label)) < 0)
		snprintf(e->label, sizeof(e->label), "Pecete CA");
	rc = 0;
out:
	X509_free(x);
	return rc;
}

/*
 * The objects, from the agent (started when needed), once per
 * C_Initialize; again while the token is absent. Called locked; the
 * agent is asked unlocked.
 */
static void
load(void)
{
	const struct vt_field *id, *kind, *cert;
	size_t a = 0, b = 0, c = 0;
	struct vt_out o;
	struct vt_msg m;
	uint8_t *body = NULL;
	int rc;

	if (g.loaded)
		return;
	vt_out_begin(&o, VT_OP_LIST);
	pthread_mutex_unlock(&g.mu);
	rc = vt_call(NULL, LIST_TIMEOUT_MS, &o, &body, &m);
	pthread_mutex_lock(&g.mu);
	vt_out_free(&o);
	if (g.loaded || !g.init) { /* another thread was quicker */
		free(body);
		return;
	}
	ents_free();
	if (rc != 0 || vt_get_u32(&m, VT_T_RV, CKR_GENERAL_ERROR) != CKR_OK) {
		free(body);
		return;
	}
	while (g.nents < ENTS_MAX && (id = vt_next(&m, VT_T_ID, &a)) != NULL &&
	       (kind = vt_next(&m, VT_T_KIND, &b)) != NULL &&
	       (cert = vt_next(&m, VT_T_CERT, &c)) != NULL) {
		struct ent *e = &g.ents[g.nents];

		if (id->len >= sizeof(e->id) || kind->len >= sizeof(e->kind))
			continue;
		memcpy(e->id, id->val, id->len);
		memcpy(e->kind, kind->val, kind->len);
		e->der = dup_bytes(cert->val, cert->len);
		e->len = cert->len;
		if (e->der == NULL || ent_describe(e) != 0) {
			g.nents++;
			ents_free();
			free(body);
			return;
		}
		g.objs[g.nobjs++] = (struct obj){ CKO_CERTIFICATE, g.nents };
		if (strcmp(e->kind, "ca") != 0) {
			g.objs[g.nobjs++] =
			    (struct obj){ CKO_PRIVATE_KEY, g.nents };
			g.objs[g.nobjs++] =
			    (struct obj){ CKO_PUBLIC_KEY, g.nents };
		}
		g.nents++;
	}
	free(body);
	g.loaded = g.present = true;
}

static struct sess *
sess_get(CK_SESSION_HANDLE h)
{
	if (h == 0 || h > SESS_MAX || !g.sess[h - 1].open)
		return NULL;
	return &g.sess[h - 1];
}

static void
pad(unsigned char *dst, size_t n, const char *s)
{
	size_t l = strlen(s);

	memset(dst, ' ', n);
	memcpy(dst, s, l < n ? l : n);
}

/* ---- general ------------------------------------------------------------ */

CK_RV
C_Initialize(CK_VOID_PTR args)
{
	CK_C_INITIALIZE_ARGS *ia = args;

	if (ia != NULL && ia->pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	/* We lock with pthreads: fine whether or not the app allows OS
	 * locking; its own mutex functions are not needed. */
	if (g.init && g.pid != getpid()) {
		/* A child after fork: what the parent had is dropped, and
		 * the mutex made anew (one thread runs here). */
		pthread_mutex_init(&g.mu, NULL);
		ctx_reset();
	}
	pthread_mutex_lock(&g.mu);
	if (g.init)
		return leave(CKR_CRYPTOKI_ALREADY_INITIALIZED);
	g.init = true;
	g.pid = getpid();
	return leave(CKR_OK);
}

CK_RV
C_Finalize(CK_VOID_PTR reserved)
{
	CK_RV rv;

	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	rv = enter();
	if (rv != CKR_OK)
		return rv;
	ctx_reset();
	return leave(CKR_OK);
}

CK_RV
C_GetInfo(CK_INFO_PTR info)
{
	CK_RV rv = enter();

	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad(info->manufacturerID, sizeof(info->manufacturerID), "Pecete");
	pad(info->libraryDescription, sizeof(info->libraryDescription),
	    "Pecete virtual token");
	info->libraryVersion.major = 0;
	info->libraryVersion.minor = 1;
	return leave(CKR_OK);
}

extern CK_FUNCTION_LIST vt_functions;

VT_EXPORT CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &vt_functions;
	return CKR_OK;
}

/* ---- slot and token --------------------------------------------------- */

CK_RV
C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_RV rv = enter();

	if (rv != CKR_OK)
		return rv;
	if (count == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	load();
	if (present && !g.present) {
		*count = 0;
		return leave(CKR_OK);
	}
	if (list != NULL && *count < 1) {
		*count = 1;
		return leave(CKR_BUFFER_TOO_SMALL);
	}
	if (list != NULL)
		list[0] = SLOT_ID;
	*count = 1;
	return leave(CKR_OK);
}

CK_RV
C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = enter();

	if (rv != CKR_OK)
		return rv;
	if (slot != SLOT_ID)
		return leave(CKR_SLOT_ID_INVALID);
	if (info == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	load();
	memset(info, 0, sizeof(*info));
	pad(info->slotDescription, sizeof(info->slotDescription),
	    "Pecete virtual token (pecete-vtoken agent)");
	pad(info->manufacturerID, sizeof(info->manufacturerID), "Pecete");
	info->flags =
	    CKF_REMOVABLE_DEVICE | (g.present ? CKF_TOKEN_PRESENT : 0);
	return leave(CKR_OK);
}

CK_RV
C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = enter();
	size_t i, n = 0;

	if (rv != CKR_OK)
		return rv;
	if (slot != SLOT_ID)
		return leave(CKR_SLOT_ID_INVALID);
	if (info == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	load();
	if (!g.present)
		return leave(CKR_TOKEN_NOT_PRESENT);
	for (i = 0; i < SESS_MAX; i++)
		n += g.sess[i].open;
	memset(info, 0, sizeof(*info));
	pad(info->label, sizeof(info->label), "Pecete");
	pad(info->manufacturerID, sizeof(info->manufacturerID), "Pecete");
	pad(info->model, sizeof(info->model), "virtual token");
	pad(info->serialNumber, sizeof(info->serialNumber),
	    g.nents > 0 ? g.ents[0].id : "0");
	/* The code is asked by the agent (pinentry): a protected path. */
	info->flags = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED |
	              CKF_PROTECTED_AUTHENTICATION_PATH;
	info->ulMaxSessionCount = SESS_MAX;
	info->ulSessionCount = n;
	info->ulMaxRwSessionCount = SESS_MAX;
	info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
	info->ulMaxPinLen = 16;
	info->ulMinPinLen = 6;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	return leave(CKR_OK);
}

static bool
has_kt(CK_KEY_TYPE kt)
{
	size_t i;

	for (i = 0; i < g.nents; i++)
		if (strcmp(g.ents[i].kind, "ca") != 0 && g.ents[i].kt == kt)
			return true;
	return false;
}

CK_RV
C_GetMechanismList(
    CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_MECHANISM_TYPE all[8];
	CK_RV rv = enter();
	size_t n = 0, i;

	if (rv != CKR_OK)
		return rv;
	if (slot != SLOT_ID)
		return leave(CKR_SLOT_ID_INVALID);
	if (count == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	load();
	if (!g.present)
		return leave(CKR_TOKEN_NOT_PRESENT);
	if (has_kt(CKK_RSA))
		for (i = 0; i < sizeof(rsa_mechs) / sizeof(rsa_mechs[0]); i++)
			all[n++] = rsa_mechs[i];
	if (has_kt(CKK_EC))
		for (i = 0; i < sizeof(ec_mechs) / sizeof(ec_mechs[0]); i++)
			all[n++] = ec_mechs[i];
	if (list != NULL && *count < n) {
		*count = n;
		return leave(CKR_BUFFER_TOO_SMALL);
	}
	if (list != NULL)
		memcpy(list, all, n * sizeof(all[0]));
	*count = n;
	return leave(CKR_OK);
}

static bool
mech_kt(CK_MECHANISM_TYPE m, CK_KEY_TYPE *kt)
{
	size_t i;

	for (i = 0; i < sizeof(rsa_mechs) / sizeof(rsa_mechs[0]); i++)
		if (rsa_mechs[i] == m) {
			*kt = CKK_RSA;
			return true;
		}
	for (i = 0; i < sizeof(ec_mechs) / sizeof(ec_mechs[0]); i++)
		if (ec_mechs[i] == m) {
			*kt = CKK_EC;
			return true;
		}
	return false;
}

CK_RV
C_GetMechanismInfo(
    CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	CK_RV rv = enter();
	CK_KEY_TYPE kt;

	if (rv != CKR_OK)
		return rv;
	if (slot != SLOT_ID)
		return leave(CKR_SLOT_ID_INVALID);
	if (info == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	if (!mech_kt(type, &kt))
		return leave(CKR_MECHANISM_INVALID);
	info->ulMinKeySize = kt == CKK_RSA ? 2048 : 256;
	info->ulMaxKeySize = kt == CKK_RSA ? 4096 : 384;
	info->flags = CKF_HW | CKF_SIGN;
	return leave(CKR_OK);
}

/* ---- sessions ------------------------------------------------------------ */

CK_RV
C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR h)
{
	CK_RV rv = enter();
	size_t i;

	if (rv != CKR_OK)
		return rv;
	if (slot != SLOT_ID)
		return leave(CKR_SLOT_ID_INVALID);
	if (h == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	if (!(flags & CKF_SERIAL_SESSION))
		return leave(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	/* Read-write sessions are given (tools open them to sign), though
	 * nothing can be written: creating objects is not supported. */
	load();
	if (!g.present)
		return leave(CKR_TOKEN_NOT_PRESENT);
	for (i = 0; i < SESS_MAX; i++)
		if (!g.sess[i].open) {
			sess_reset(&g.sess[i]);
			g.sess[i].open = true;
			g.sess[i].flags = flags;
			*h = i + 1;
			return leave(CKR_OK);
		}
	return leave(CKR_SESSION_COUNT);
}

CK_RV
C_CloseSession(CK_SESSION_HANDLE h)
{
	CK_RV rv = enter();
	struct sess *s;
	size_t i, n = 0;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	sess_reset(s);
	for (i = 0; i < SESS_MAX; i++)
		n += g.sess[i].open;
	if (n == 0) { /* the login ends with the last session */
		g.user = false;
		memset(g.user_code, 0, sizeof(g.user_code));
	}
	return leave(CKR_OK);
}

CK_RV
C_CloseAllSessions(CK_SLOT_ID slot)
{
	CK_RV rv = enter();
	size_t i;

	if (rv != CKR_OK)
		return rv;
	if (slot != SLOT_ID)
		return leave(CKR_SLOT_ID_INVALID);
	for (i = 0; i < SESS_MAX; i++)
		sess_reset(&g.sess[i]);
	g.user = false;
	memset(g.user_code, 0, sizeof(g.user_code));
	return leave(CKR_OK);
}

CK_RV
C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	CK_RV rv = enter();
	struct sess *s;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (info == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	info->slotID = SLOT_ID;
	if (s->flags & CKF_RW_SESSION)
		info->state =
		    g.user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
	else
		info->state =
		    g.user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
	info->flags = s->flags;
	info->ulDeviceError = 0;
	return leave(CKR_OK);
}

/*
 * Keep a code given as the PIN (6 to 10 digits) for one signature. No PIN
 * (the protected path), or one that is not a code (tools that insist on
 * a PIN: "agent"), leaves the code to the agent's prompt.
 */
static CK_RV
take_code(CK_UTF8CHAR_PTR pin, CK_ULONG len, char *out, size_t n)
{
	CK_ULONG i;

	memset(out, 0, n);
	if (pin == NULL || len < 6 || len > 10 || len >= n)
		return CKR_OK;
	for (i = 0; i < len; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return CKR_OK;
	memcpy(out, pin, len);
	return CKR_OK;
}

CK_RV
C_Login(
    CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	CK_RV rv = enter();
	struct sess *s;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (user == CKU_SO)
		return leave(CKR_USER_TYPE_INVALID);
	if (user == CKU_CONTEXT_SPECIFIC) {
		if (!s->signing)
			return leave(CKR_OPERATION_NOT_INITIALIZED);
		return leave(take_code(pin, len, s->code, sizeof(s->code)));
	}
	if (user != CKU_USER)
		return leave(CKR_USER_TYPE_INVALID);
	if (g.user)
		return leave(CKR_USER_ALREADY_LOGGED_IN);
	rv = take_code(pin, len, g.user_code, sizeof(g.user_code));
	if (rv == CKR_OK)
		g.user = true;
	return leave(rv);
}

CK_RV
C_Logout(CK_SESSION_HANDLE h)
{
	CK_RV rv = enter();

	if (rv != CKR_OK)
		return rv;
	if (sess_get(h) == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (!g.user)
		return leave(CKR_USER_NOT_LOGGED_IN);
	g.user = false;
	memset(g.user_code, 0, sizeof(g.user_code));
	return leave(CKR_OK);
}

/* ---- objects ------------------------------------------------------------- */

struct aval {
	const void *p;
	size_t n;
	CK_ULONG ul;
	CK_BBOOL b;
};

#define AV_UL(v) (a->ul = (v), a->p = &a->ul, a->n = sizeof(CK_ULONG), 0)
#define AV_B(v) (a->b = (v), a->p = &a->b, a->n = sizeof(CK_BBOOL), 0)
#define AV_P(ptr, len) (a->p = (ptr), a->n = (len), 0)

/* The value of attribute t of object o: 0, -1 (none), -2 (sensitive). */
static int
attr(const struct obj *o, CK_ATTRIBUTE_TYPE t, struct aval *a)
{
	const struct ent *e = &g.ents[o->ent];
	bool key = o->cls != CKO_CERTIFICATE, priv = o->cls == CKO_PRIVATE_KEY;

	switch (t) {
	case CKA_CLASS:
		return AV_UL(o->cls);
	case CKA_TOKEN:
		return AV_B(CK_TRUE);
	case CKA_PRIVATE:
	case CKA_MODIFIABLE:
		return AV_B(CK_FALSE);
	case CKA_LABEL:
		return AV_P(e->label, strlen(e->label));
	case CKA_ID:
		return AV_P(e->ckid, sizeof(e->ckid));
	case CKA_SUBJECT:
		return AV_P(e->subject, e->subject_len);
	}
	if (!key) {
		switch (t) {
		case CKA_CERTIFICATE_TYPE:
			return AV_UL(CKC_X_509);
		case CKA_VALUE:
			return AV_P(e->der, e->len);
		case CKA_ISSUER:
			return AV_P(e->issuer, e->issuer_len);
		case CKA_SERIAL_NUMBER:
			return AV_P(e->serial, e->serial_len);
		case CKA_TRUSTED:
			return AV_B(CK_FALSE);
		case CKA_CERTIFICATE_CATEGORY:
			return AV_UL(strcmp(e->kind, "ca") == 0 ? 2 : 1);
		case CKA_PUBLIC_KEY_INFO:
			return AV_P(e->spki, e->spki_len);
		}
		return -1;
	}
	switch (t) {
	case CKA_KEY_TYPE:
		return AV_UL(e->kt);
	case CKA_LOCAL:
	case CKA_DERIVE:
	case CKA_ENCRYPT:
	case CKA_DECRYPT:
	case CKA_WRAP:
	case CKA_UNWRAP:
	case CKA_VERIFY_RECOVER:
	case CKA_SIGN_RECOVER:
		return AV_B(CK_FALSE);
	case CKA_SIGN:
		return priv ? AV_B(CK_TRUE) : -1;
	case CKA_VERIFY:
		return priv ? -1 : AV_B(CK_TRUE);
	case CKA_SENSITIVE:
	case CKA_ALWAYS_SENSITIVE:
	case CKA_NEVER_EXTRACTABLE:
		return priv ? AV_B(CK_TRUE) : -1;
	case CKA_EXTRACTABLE:
		return priv ? AV_B(CK_FALSE) : -1;
	case CKA_ALWAYS_AUTHENTICATE:
		/* The qualified key: a code for each signature. */
		return priv ? AV_B(strcmp(e->kind, "sign") == 0) : -1;
	case CKA_PUBLIC_KEY_INFO:
		return AV_P(e->spki, e->spki_len);
	case CKA_MODULUS:
		return e->kt == CKK_RSA ? AV_P(e->mod, e->mod_len) : -1;
	case CKA_PUBLIC_EXPONENT:
		return e->kt == CKK_RSA ? AV_P(e->exp, e->exp_len) : -1;
	case CKA_MODULUS_BITS:
		return e->kt == CKK_RSA ? AV_UL(e->bits) : -1;
	case CKA_EC_PARAMS:
		return e->kt == CKK_EC ? AV_P(e->ecparams, e->ecparams_len)
		                       : -1;
	case CKA_EC_POINT:
		return e->kt == CKK_EC && !priv
		           ? AV_P(e->ecpoint, e->ecpoint_len)
		           : -1;
	case CKA_PRIVATE_EXPONENT:
	case CKA_PRIME_1:
	case CKA_PRIME_2:
	case CKA_EXPONENT_1:
	case CKA_EXPONENT_2:
	case CKA_COEFFICIENT:
	case CKA_VALUE:
		return priv ? -2 : -1;
	}
	return -1;
}

static const struct obj *
obj_get(CK_OBJECT_HANDLE h)
{
	return h >= 1 && h <= g.nobjs ? &g.objs[h - 1] : NULL;
}

CK_RV
C_GetAttributeValue(
    CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR tpl, CK_ULONG n)
{
	CK_RV rv = enter(), res = CKR_OK;
	const struct obj *o;
	CK_ULONG i;

	if (rv != CKR_OK)
		return rv;
	if (sess_get(h) == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	o = obj_get(oh);
	if (o == NULL)
		return leave(CKR_OBJECT_HANDLE_INVALID);
	if (tpl == NULL && n > 0)
		return leave(CKR_ARGUMENTS_BAD);
	for (i = 0; i < n; i++) {
		struct aval a;
		int k = attr(o, tpl[i].type, &a);

		if (k == -2) {
			tpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			res = CKR_ATTRIBUTE_SENSITIVE;
		} else if (k != 0) {
			tpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			res = CKR_ATTRIBUTE_TYPE_INVALID;
		} else if (tpl[i].pValue == NULL) {
			tpl[i].ulValueLen = a.n;
		} else if (tpl[i].ulValueLen < a.n) {
			tpl[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			res = CKR_BUFFER_TOO_SMALL;
		} else {
			memcpy(tpl[i].pValue, a.p, a.n);
			tpl[i].ulValueLen = a.n;
		}
	}
	/* ATTRIBUTE_SENSITIVE, TYPE_INVALID and BUFFER_TOO_SMALL are all
	 * "the others were done" (§5.7). */
	return leave(res);
}

CK_RV
C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tpl, CK_ULONG n)
{
	CK_RV rv = enter();
	struct sess *s;
	size_t i;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (tpl == NULL && n > 0)
		return leave(CKR_ARGUMENTS_BAD);
	if (s->finding)
		return leave(CKR_OPERATION_ACTIVE);
	s->nfound = s->pos = 0;
	for (i = 0; i < g.nobjs; i++) {
		CK_ULONG j;
		bool match = true;

		for (j = 0; match && j < n; j++) {
			struct aval a;

			match = attr(&g.objs[i], tpl[j].type, &a) == 0 &&
			        a.n == tpl[j].ulValueLen &&
			        (a.n == 0 ||
			            (tpl[j].pValue != NULL &&
			                memcmp(a.p, tpl[j].pValue, a.n) == 0));
		}
		if (match)
			s->found[s->nfound++] = i + 1;
	}
	s->finding = true;
	return leave(CKR_OK);
}

CK_RV
C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
    CK_ULONG_PTR count)
{
	CK_RV rv = enter();
	struct sess *s;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (out == NULL || count == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	if (!s->finding)
		return leave(CKR_OPERATION_NOT_INITIALIZED);
	*count = 0;
	while (*count < max && s->pos < s->nfound)
		out[(*count)++] = s->found[s->pos++];
	return leave(CKR_OK);
}

CK_RV
C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	CK_RV rv = enter();
	struct sess *s;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (!s->finding)
		return leave(CKR_OPERATION_NOT_INITIALIZED);
	s->finding = false;
	return leave(CKR_OK);
}

/* ---- signing ----------------------------------------------------------- */

struct halg {
	CK_MECHANISM_TYPE ck;
	const char *oid, *rsa, *ecdsa;
	size_t len;
	uint8_t di[19]; /* DigestInfo's prefix */
	CK_RSA_PKCS_MGF_TYPE mgf;
	const char *name;
};

static const struct halg halgs[] = {
	{ CKM_SHA256, "2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.1.11",
	    "1.2.840.10045.4.3.2", 32,
	    { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	        0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 },
	    CKG_MGF1_SHA256, "SHA256" },
	{ CKM_SHA384, "2.16.840.1.101.3.4.2.2", "1.2.840.113549.1.1.12",
	    "1.2.840.10045.4.3.3", 48,
	    { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	        0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 },
	    CKG_MGF1_SHA384, "SHA384" },
	{ CKM_SHA512, "2.16.840.1.101.3.4.2.3", "1.2.840.113549.1.1.13",
	    "1.2.840.10045.4.3.4", 64,
	    { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	        0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 },
	    CKG_MGF1_SHA512, "SHA512" },
};

static const struct halg *
halg_by_ck(CK_MECHANISM_TYPE ck)
{
	size_t i;

	for (i = 0; i < 3; i++)
		if (halgs[i].ck == ck)
			return &halgs[i];
	return NULL;
}

static const struct halg *
halg_by_len(size_t len)
{
	size_t i;

	for (i = 0; i < 3; i++)
		if (halgs[i].len == len)
			return &halgs[i];
	return NULL;
}

/* The hash the mechanism computes itself (NULL: the app gives it). */
static const struct halg *
mech_hash(CK_MECHANISM_TYPE m)
{
	switch (m) {
	case CKM_SHA256_RSA_PKCS:
	case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_ECDSA_SHA256:
		return &halgs[0];
	case CKM_SHA384_RSA_PKCS:
		return &halgs[1];
	case CKM_SHA512_RSA_PKCS:
		return &halgs[2];
	}
	return NULL;
}

static bool
is_pss(CK_MECHANISM_TYPE m)
{
	return m == CKM_RSA_PKCS_PSS || m == CKM_SHA256_RSA_PKCS_PSS;
}

CK_RV
C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
	CK_RV rv = enter();
	const struct obj *o;
	const struct halg *hm;
	struct sess *s;
	CK_KEY_TYPE kt;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (mech == NULL)
		return leave(CKR_ARGUMENTS_BAD);
	if (s->signing)
		return leave(CKR_OPERATION_ACTIVE);
	o = obj_get(key);
	if (o == NULL || o->cls != CKO_PRIVATE_KEY)
		return leave(CKR_KEY_HANDLE_INVALID);
	if (!mech_kt(mech->mechanism, &kt))
		return leave(CKR_MECHANISM_INVALID);
	if (kt != g.ents[o->ent].kt)
		return leave(CKR_KEY_TYPE_INCONSISTENT);
	memset(&s->pss, 0, sizeof(s->pss));
	if (is_pss(mech->mechanism)) {
		const struct halg *ph;

		if (mech->pParameter == NULL ||
		    mech->ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
			return leave(CKR_MECHANISM_PARAM_INVALID);
		memcpy(&s->pss, mech->pParameter, sizeof(s->pss));
		ph = halg_by_ck(s->pss.hashAlg);
		if (ph == NULL || s->pss.mgf != ph->mgf ||
		    (mech->mechanism == CKM_SHA256_RSA_PKCS_PSS &&
		        ph != &halgs[0]))
			return leave(CKR_MECHANISM_PARAM_INVALID);
	}
	hm = mech_hash(mech->mechanism);
	if (hm != NULL) {
		s->md = EVP_MD_CTX_new();
		if (s->md == NULL ||
		    EVP_DigestInit_ex(
		        s->md, EVP_get_digestbyname(hm->name), NULL) != 1) {
			EVP_MD_CTX_free(s->md);
			s->md = NULL;
			return leave(CKR_HOST_MEMORY);
		}
	}
	s->mech = mech->mechanism;
	s->obj = key - 1;
	s->data = NULL;
	s->data_len = 0;
	memset(s->code, 0, sizeof(s->code));
	s->signing = true;
	return leave(CKR_OK);
}

static void
sign_end(struct sess *s)
{
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
	free(s->data);
	s->data = NULL;
	s->data_len = 0;
	memset(s->code, 0, sizeof(s->code));
	s->signing = false;
}

static size_t
sig_len(const struct ent *e)
{
	return e->kt == CKK_RSA ? (e->bits + 7) / 8 : 2 * ((e->bits + 7) / 8);
}

/* RSASSA-PSS-params DER for hash ha and salt length salt. */
static size_t
pss_params(const struct halg *ha, CK_ULONG salt, uint8_t *out)
{
	static const uint8_t mgf1[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
		0xf7, 0x0d, 0x01, 0x01, 0x08 };
	uint8_t alg[15];
	size_t n = 0, body;

	alg[0] = 0x30;
	alg[1] = 13;
	memcpy(alg + 2, ha->di + 4, 13); /* OID and NULL from DigestInfo */
	body = 2 + 15 + 2 + 2 + sizeof(mgf1) + 15 + (salt < 128 ? 5 : 6);
	out[n++] = 0x30;
	out[n++] = (uint8_t)body;
	out[n++] = 0xa0;
	out[n++] = 15;
	memcpy(out + n, alg, 15);
	n += 15;
	out[n++] = 0xa1;
	out[n++] = (uint8_t)(2 + sizeof(mgf1) + 15);
	out[n++] = 0x30;
	out[n++] = (uint8_t)(sizeof(mgf1) + 15);
	memcpy(out + n, mgf1, sizeof(mgf1));
	n += sizeof(mgf1);
	memcpy(out + n, alg, 15);
	n += 15;
	out[n++] = 0xa2;
	if (salt < 128) {
		out[n++] = 3;
		out[n++] = 0x02;
		out[n++] = 1;
		out[n++] = (uint8_t)salt;
	} else {
		out[n++] = 4;
		out[n++] = 0x02;
		out[n++] = 2;
		out[n++] = (uint8_t)(salt >> 8);
		out[n++] = (uint8_t)salt;
	}
	return n;
}

/*
 * The hash to sign and the algorithms for the agent, from what the app
 * gave (data, or the hash the module computed). Then one SIGN request,
 * unlocked; the signature as PKCS#11 has it (ECDSA: r || s).
 */
static CK_RV
sign_do(struct sess *s, const uint8_t *data, size_t len, uint8_t *sig,
    CK_ULONG_PTR siglen)
{
	const struct ent *e = &g.ents[g.objs[s->obj].ent];
	const struct halg *ha = NULL;
	const uint8_t *hash = data;
	uint8_t params[64], *body = NULL;
	size_t hlen = len, plen = 0, need = sig_len(e);
	const struct vt_field *f;
	const char *signalg;
	struct vt_out o;
	struct vt_msg m;
	char code[32];
	unsigned gen;
	CK_RV rv;
	int rc;

	if (s->mech == CKM_RSA_PKCS) {
		size_t i;

		for (i = 0; i < 3 && ha == NULL; i++)
			if (len == 19 + halgs[i].len &&
			    memcmp(data, halgs[i].di, 19) == 0)
				ha = &halgs[i];
		if (ha == NULL) /* not a DigestInfo of SHA-2 */
			return CKR_DATA_INVALID;
		hash = data + 19;
		hlen = ha->len;
	} else if (is_pss(s->mech)) {
		ha = halg_by_ck(s->pss.hashAlg);
		if (ha == NULL || hlen != ha->len)
			return CKR_DATA_LEN_RANGE;
		if (s->pss.sLen != ha->len && s->pss.sLen != need - ha->len - 2)
			return CKR_MECHANISM_PARAM_INVALID;
		plen = pss_params(ha, s->pss.sLen, params);
	} else {
		ha = mech_hash(s->mech);
		if (ha == NULL)
			ha = halg_by_len(hlen);
		if (ha == NULL || hlen != ha->len)
			return CKR_DATA_LEN_RANGE;
	}
	signalg = e->kt == CKK_EC ? ha->ecdsa
	          : plen > 0      ? "1.2.840.113549.1.1.10"
	                          : ha->rsa;
	vt_out_begin(&o, VT_OP_SIGN);
	vt_out_str(&o, VT_T_ID, e->id);
	vt_out_str(&o, VT_T_HASHALG, ha->oid);
	vt_out_str(&o, VT_T_SIGNALG, signalg);
	vt_out_add(&o, VT_T_HASH, hash, hlen);
	if (plen > 0)
		vt_out_add(&o, VT_T_PARAMS, params, plen);
	/* The code the app gave: this operation's, else the login's
	 * (once: a code is good for one authorization). */
	snprintf(code, sizeof(code), "%s",
	    s->code[0] != '\0' ? s->code : g.user_code);
	if (s->code[0] == '\0')
		memset(g.user_code, 0, sizeof(g.user_code));
	if (code[0] != '\0')
		vt_out_str(&o, VT_T_PIN, code);
	memset(code, 0, sizeof(code));
	gen = g.gen;
	pthread_mutex_unlock(&g.mu);
	rc = vt_call(NULL, SIGN_TIMEOUT_MS, &o, &body, &m);
	pthread_mutex_lock(&g.mu);
	if (o.p != NULL)
		memset(o.p, 0, o.len);
	vt_out_free(&o);
	if (rc == 0 && (!g.init || gen != g.gen)) {
		/* finalized meanwhile by another thread: e is gone */
		free(body);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	if (rc != 0)
		return CKR_DEVICE_REMOVED;
	rv = vt_get_u32(&m, VT_T_RV, CKR_GENERAL_ERROR);
	f = vt_get(&m, VT_T_SIG);
	if (rv == CKR_OK && f == NULL)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK && e->kt == CKK_RSA) {
		if (f->len != need)
			rv = CKR_DEVICE_ERROR;
		else
			memcpy(sig, f->val, need);
	} else if (rv == CKR_OK) {
		const unsigned char *p = f->val;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)f->len);
		const BIGNUM *r, *sv;

		if (es == NULL) {
			rv = CKR_DEVICE_ERROR;
		} else {
			ECDSA_SIG_get0(es, &r, &sv);
			if (BN_bn2binpad(r, sig, (int)need / 2) < 0 ||
			    BN_bn2binpad(sv, sig + need / 2, (int)need / 2) < 0)
				rv = CKR_DEVICE_ERROR;
			ECDSA_SIG_free(es);
		}
	}
	free(body);
	if (rv == CKR_OK)
		*siglen = need;
	return rv;
}

/* Size query or too small: the operation goes on (§5.2). */
static bool
size_only(const struct sess *s, CK_BYTE_PTR sig, CK_ULONG_PTR siglen, CK_RV *rv)
{
	size_t need = sig_len(&g.ents[g.objs[s->obj].ent]);

	if (sig == NULL) {
		*siglen = need;
		*rv = CKR_OK;
		return true;
	}
	if (*siglen < need) {
		*siglen = need;
		*rv = CKR_BUFFER_TOO_SMALL;
		return true;
	}
	return false;
}

static CK_RV
absorb(struct sess *s, const uint8_t *p, size_t n)
{
	uint8_t *d;

	if (s->md != NULL)
		return EVP_DigestUpdate(s->md, p, n) == 1 ? CKR_OK
		                                          : CKR_FUNCTION_FAILED;
	if (n > DATA_MAX - s->data_len)
		return CKR_DATA_LEN_RANGE;
	d = realloc(s->data, s->data_len + n + 1);
	if (d == NULL)
		return CKR_HOST_MEMORY;
	if (n > 0)
		memcpy(d + s->data_len, p, n);
	s->data = d;
	s->data_len += n;
	return CKR_OK;
}

/* Finish: the digest (hashing mechanisms) or the data, then sign. */
static CK_RV
finish(struct sess *s, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	uint8_t dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	if (s->md != NULL) {
		if (EVP_DigestFinal_ex(s->md, dg, &dl) != 1)
			return CKR_FUNCTION_FAILED;
		return sign_do(s, dg, dl, sig, siglen);
	}
	return sign_do(s, s->data != NULL ? s->data : (const uint8_t *)"",
	    s->data_len, sig, siglen);
}

CK_RV
C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
    CK_ULONG_PTR siglen)
{
	CK_RV rv = enter();
	struct sess *s;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (!s->signing)
		return leave(CKR_OPERATION_NOT_INITIALIZED);
	if (siglen == NULL || (data == NULL && len > 0)) {
		sign_end(s);
		return leave(CKR_ARGUMENTS_BAD);
	}
	if (size_only(s, sig, siglen, &rv))
		return leave(rv);
	rv = absorb(s, data, len);
	if (rv == CKR_OK)
		rv = finish(s, sig, siglen);
	/* The session may have been closed while unlocked. */
	if (sess_get(h) == s)
		sign_end(s);
	return leave(rv);
}

CK_RV
C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	CK_RV rv = enter();
	struct sess *s;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (!s->signing)
		return leave(CKR_OPERATION_NOT_INITIALIZED);
	rv = part == NULL && len > 0 ? CKR_ARGUMENTS_BAD : absorb(s, part, len);
	if (rv != CKR_OK)
		sign_end(s);
	return leave(rv);
}

CK_RV
C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	CK_RV rv = enter();
	struct sess *s;

	if (rv != CKR_OK)
		return rv;
	s = sess_get(h);
	if (s == NULL)
		return leave(CKR_SESSION_HANDLE_INVALID);
	if (!s->signing)
		return leave(CKR_OPERATION_NOT_INITIALIZED);
	if (siglen == NULL) {
		sign_end(s);
		return leave(CKR_ARGUMENTS_BAD);
	}
	if (size_only(s, sig, siglen, &rv))
		return leave(rv);
	rv = finish(s, sig, siglen);
	if (sess_get(h) == s)
		sign_end(s);
	return leave(rv);
}

/* ---- what the token does not do ---------------------------------------- */

#define NS(name, args)                                                         \
	CK_RV name args                                                        \
	{                                                                      \
		CK_RV _rv = enter();                                           \
		return _rv != CKR_OK ? _rv                                     \
		                     : leave(CKR_FUNCTION_NOT_SUPPORTED);      \
	}

NS(C_InitToken,
    (CK_SLOT_ID a, CK_UTF8CHAR_PTR b, CK_ULONG c, CK_UTF8CHAR_PTR d))
NS(C_InitPIN, (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c))
NS(C_SetPIN, (CK_SESSION_HANDLE a, CK_UTF8CHAR_PTR b, CK_ULONG c,
                 CK_UTF8CHAR_PTR d, CK_ULONG e))
NS(C_GetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c))
NS(C_SetOperationState, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                            CK_OBJECT_HANDLE d, CK_OBJECT_HANDLE e))
NS(C_CreateObject, (CK_SESSION_HANDLE a, CK_ATTRIBUTE_PTR b, CK_ULONG c,
                       CK_OBJECT_HANDLE_PTR d))
NS(C_CopyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c,
                     CK_ULONG d, CK_OBJECT_HANDLE_PTR e))
NS(C_DestroyObject, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b))
NS(C_GetObjectSize, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ULONG_PTR c))
NS(C_SetAttributeValue,
    (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b, CK_ATTRIBUTE_PTR c, CK_ULONG d))
NS(C_EncryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
NS(C_Encrypt, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
                  CK_ULONG_PTR e))
NS(C_EncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                        CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_EncryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c))
NS(C_DecryptInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
NS(C_Decrypt, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
                  CK_ULONG_PTR e))
NS(C_DecryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                        CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_DecryptFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c))
NS(C_DigestInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b))
NS(C_Digest, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d,
                 CK_ULONG_PTR e))
NS(C_DigestUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c))
NS(C_DigestKey, (CK_SESSION_HANDLE a, CK_OBJECT_HANDLE b))
NS(C_DigestFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG_PTR c))
NS(C_SignRecoverInit,
    (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
NS(C_SignRecover, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                      CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_VerifyInit, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
NS(C_Verify,
    (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c, CK_BYTE_PTR d, CK_ULONG e))
NS(C_VerifyUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c))
NS(C_VerifyFinal, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c))
NS(C_VerifyRecoverInit,
    (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c))
NS(C_VerifyRecover, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                        CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_DigestEncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                              CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_DecryptDigestUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                              CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_SignEncryptUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                            CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_DecryptVerifyUpdate, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c,
                              CK_BYTE_PTR d, CK_ULONG_PTR e))
NS(C_GenerateKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c,
                      CK_ULONG d, CK_OBJECT_HANDLE_PTR e))
NS(C_GenerateKeyPair,
    (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, CK_ULONG d,
        CK_ATTRIBUTE_PTR e, CK_ULONG f, CK_OBJECT_HANDLE_PTR g_,
        CK_OBJECT_HANDLE_PTR h))
NS(C_WrapKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c,
                  CK_OBJECT_HANDLE d, CK_BYTE_PTR e, CK_ULONG_PTR f))
NS(C_UnwrapKey,
    (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c, CK_BYTE_PTR d,
        CK_ULONG e, CK_ATTRIBUTE_PTR f, CK_ULONG g_, CK_OBJECT_HANDLE_PTR h))
NS(C_DeriveKey, (CK_SESSION_HANDLE a, CK_MECHANISM_PTR b, CK_OBJECT_HANDLE c,
                    CK_ATTRIBUTE_PTR d, CK_ULONG e, CK_OBJECT_HANDLE_PTR f))
NS(C_SeedRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c))
NS(C_GenerateRandom, (CK_SESSION_HANDLE a, CK_BYTE_PTR b, CK_ULONG c))

CK_RV
C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV
C_CancelFunction(CK_SESSION_HANDLE h)
{
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV
C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR r)
{
	CK_RV rv = enter();

	return rv != CKR_OK ? rv : leave(CKR_FUNCTION_NOT_SUPPORTED);
}

CK_FUNCTION_LIST vt_functions = { { 2, 40 }, C_Initialize, C_Finalize,
	C_GetInfo, C_GetFunctionList, C_GetSlotList, C_GetSlotInfo,
	C_GetTokenInfo, C_GetMechanismList, C_GetMechanismInfo, C_InitToken,
	C_InitPIN, C_SetPIN, C_OpenSession, C_CloseSession, C_CloseAllSessions,
	C_GetSessionInfo, C_GetOperationState, C_SetOperationState, C_Login,
	C_Logout, C_CreateObject, C_CopyObject, C_DestroyObject,
	C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue,
	C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal, C_EncryptInit,
	C_Encrypt, C_EncryptUpdate, C_EncryptFinal, C_DecryptInit, C_Decrypt,
	C_DecryptUpdate, C_DecryptFinal, C_DigestInit, C_Digest, C_DigestUpdate,
	C_DigestKey, C_DigestFinal, C_SignInit, C_Sign, C_SignUpdate,
	C_SignFinal, C_SignRecoverInit, C_SignRecover, C_VerifyInit, C_Verify,
	C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover,
	C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate,
	C_DecryptVerifyUpdate, C_GenerateKey, C_GenerateKeyPair, C_WrapKey,
	C_UnwrapKey, C_DeriveKey, C_SeedRandom, C_GenerateRandom,
	C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent };

/* ---- PKCS#11 3.0's entry, offering the 2.40 list ------------------------ */

typedef struct {
	CK_UTF8CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} vt_interface;

static vt_interface vt_iface = { (CK_UTF8CHAR *)(uintptr_t) "PKCS 11",
	&vt_functions, 0 };

VT_EXPORT CK_RV C_GetInterfaceList(vt_interface *list, CK_ULONG_PTR count);
VT_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
    vt_interface **iface, CK_FLAGS flags);

CK_RV
C_GetInterfaceList(vt_interface *list, CK_ULONG_PTR count)
{
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list == NULL) {
		*count = 1;
		return CKR_OK;
	}
	if (*count < 1) {
		*count = 1;
		return CKR_BUFFER_TOO_SMALL;
	}
	list[0] = vt_iface;
	*count = 1;
	return CKR_OK;
}

CK_RV
C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
    vt_interface **iface, CK_FLAGS flags)
{
	if (iface == NULL)
		return CKR_ARGUMENTS_BAD;
	if ((name != NULL && strcmp((const char *)name, "PKCS 11") != 0) ||
	    (version != NULL &&
	        (version->major != 2 || version->minor != 40)) ||
	    (flags & ~vt_iface.flags) != 0)
		return CKR_ARGUMENTS_BAD;
	*iface = &vt_iface;
	return CKR_OK;
}
