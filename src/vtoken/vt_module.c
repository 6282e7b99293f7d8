/*
 * vt_module.c: libpecete-pkcs11.so, the virtual token's PKCS#11 2.40
 * module (STYLE §9: a static function list, handle tables, one library
 * context). A thin client of the pecete-vtoken agent: objects come from
 * the agent's cache (one LIST when the token is first looked at), each
 * signature is one SIGN request; the agent asks the code. One slot, one
 * token. Fork: a child sees CKR_CRYPTOKI_NOT_INITIALIZED until it calls
 * C_Initialize. Built without sanitizers (it runs inside other programs);
 * it never aborts: every failure is a CK_RV. This file: the library,
 * slot and token, mechanisms, sessions, login, the function list (objects:
 * vt_mod_obj.c; signing: vt_mod_sign.c; shared: vt_mod.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vtoken/vt_mod.h"

struct vt_lib vt_lib = { .mu = PTHREAD_MUTEX_INITIALIZER };

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
user_out(void)
{
	vt_lib.user = false;
	memset(vt_lib.user_code, 0, sizeof(vt_lib.user_code));
}

static void
ctx_reset(void)
{
	size_t i;

	for (i = 0; i < SESS_MAX; i++)
		sess_reset(&vt_lib.sess[i]);
	vt_ents_free();
	user_out();
	vt_lib.init = false;
}

CK_RV
vt_enter(void)
{
	/* A child after fork: not initialized, and the mutex, copied in
	 * whatever state the parent's threads left it, is not touched. */
	if (!vt_lib.init || vt_lib.pid != getpid())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	pthread_mutex_lock(&vt_lib.mu);
	if (!vt_lib.init || vt_lib.pid != getpid()) {
		pthread_mutex_unlock(&vt_lib.mu);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	return CKR_OK;
}

CK_RV
vt_leave(CK_RV rv)
{
	pthread_mutex_unlock(&vt_lib.mu);
	return rv;
}

struct sess *
vt_sess_get(CK_SESSION_HANDLE h)
{
	if (h == 0 || h > SESS_MAX || !vt_lib.sess[h - 1].open)
		return NULL;
	return &vt_lib.sess[h - 1];
}

CK_RV
vt_enter_sess(CK_SESSION_HANDLE h, struct sess **sp)
{
	CK_RV rv = vt_enter();

	if (rv != CKR_OK)
		return rv;
	*sp = vt_sess_get(h);
	return *sp != NULL ? CKR_OK : vt_leave(CKR_SESSION_HANDLE_INVALID);
}

/* What a slot call needs before it runs (enter_slot). */
enum slot_need {
	NEED_SLOT,  /* the slot id and the out argument */
	NEED_STATE, /* and the agent's state loaded */
	NEED_TOKEN, /* and the token present */
};

/*
 * vt_enter for a call on the slot: the slot id and the out argument (out,
 * NULL: CKR_ARGUMENTS_BAD) checked, then as much as need asks. Holds the
 * lock on CKR_OK; has left it on any other answer.
 */
static CK_RV
enter_slot(CK_SLOT_ID slot, const void *out, enum slot_need need)
{
	CK_RV rv = vt_enter();

	if (rv != CKR_OK)
		return rv;
	if (slot != SLOT_ID)
		return vt_leave(CKR_SLOT_ID_INVALID);
	if (out == NULL)
		return vt_leave(CKR_ARGUMENTS_BAD);
	if (need >= NEED_STATE)
		vt_load();
	if (need >= NEED_TOKEN && !vt_lib.present)
		return vt_leave(CKR_TOKEN_NOT_PRESENT);
	return CKR_OK;
}

/* A list answered the PKCS#11 way: its size alone when list is NULL,
 * CKR_BUFFER_TOO_SMALL (and the size) when *count is short. Leaves. */
static CK_RV
give_list(CK_ULONG_PTR list, CK_ULONG_PTR count, const CK_ULONG *all, size_t n)
{
	if (list != NULL && *count < n) {
		*count = n;
		return vt_leave(CKR_BUFFER_TOO_SMALL);
	}
	if (list != NULL && n > 0)
		memcpy(list, all, n * sizeof(all[0]));
	*count = n;
	return vt_leave(CKR_OK);
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
	if (vt_lib.init && vt_lib.pid != getpid()) {
		/* A child after fork: what the parent had is dropped, and
		 * the mutex made anew (one thread runs here). */
		pthread_mutex_init(&vt_lib.mu, NULL);
		ctx_reset();
	}
	pthread_mutex_lock(&vt_lib.mu);
	if (vt_lib.init)
		return vt_leave(CKR_CRYPTOKI_ALREADY_INITIALIZED);
	vt_lib.init = true;
	vt_lib.pid = getpid();
	return vt_leave(CKR_OK);
}

CK_RV
C_Finalize(CK_VOID_PTR reserved)
{
	CK_RV rv;

	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	rv = vt_enter();
	if (rv != CKR_OK)
		return rv;
	ctx_reset();
	return vt_leave(CKR_OK);
}

CK_RV
C_GetInfo(CK_INFO_PTR info)
{
	CK_RV rv = vt_enter();

	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return vt_leave(CKR_ARGUMENTS_BAD);
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad(info->manufacturerID, sizeof(info->manufacturerID), "Pecete");
	pad(info->libraryDescription, sizeof(info->libraryDescription),
	    "Pecete virtual token");
	info->libraryVersion.major = 0;
	info->libraryVersion.minor = 1;
	return vt_leave(CKR_OK);
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
	static const CK_SLOT_ID one = SLOT_ID;
	CK_RV rv = enter_slot(SLOT_ID, count, NEED_STATE);

	if (rv != CKR_OK)
		return rv;
	return give_list(list, count, &one, present && !vt_lib.present ? 0 : 1);
}

CK_RV
C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = enter_slot(slot, info, NEED_STATE);

	if (rv != CKR_OK)
		return rv;
	memset(info, 0, sizeof(*info));
	pad(info->slotDescription, sizeof(info->slotDescription),
	    "Pecete virtual token (pecete-vtoken agent)");
	pad(info->manufacturerID, sizeof(info->manufacturerID), "Pecete");
	info->flags =
	    CKF_REMOVABLE_DEVICE | (vt_lib.present ? CKF_TOKEN_PRESENT : 0);
	return vt_leave(CKR_OK);
}

CK_RV
C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = enter_slot(slot, info, NEED_TOKEN);
	size_t i, n = 0;

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < SESS_MAX; i++)
		n += vt_lib.sess[i].open;
	memset(info, 0, sizeof(*info));
	pad(info->label, sizeof(info->label), "Pecete");
	pad(info->manufacturerID, sizeof(info->manufacturerID), "Pecete");
	pad(info->model, sizeof(info->model), "virtual token");
	pad(info->serialNumber, sizeof(info->serialNumber),
	    vt_lib.nents > 0 ? vt_lib.ents[0].id : "0");
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
	return vt_leave(CKR_OK);
}

static bool
has_kt(CK_KEY_TYPE kt)
{
	size_t i;

	for (i = 0; i < vt_lib.nents; i++)
		if (strcmp(vt_lib.ents[i].kind, "ca") != 0 &&
		    vt_lib.ents[i].kt == kt)
			return true;
	return false;
}

CK_RV
C_GetMechanismList(
    CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	CK_MECHANISM_TYPE all[8];
	CK_RV rv = enter_slot(slot, count, NEED_TOKEN);
	size_t n = 0, i;

	if (rv != CKR_OK)
		return rv;
	if (has_kt(CKK_RSA))
		for (i = 0; i < sizeof(rsa_mechs) / sizeof(rsa_mechs[0]); i++)
			all[n++] = rsa_mechs[i];
	if (has_kt(CKK_EC))
		for (i = 0; i < sizeof(ec_mechs) / sizeof(ec_mechs[0]); i++)
			all[n++] = ec_mechs[i];
	return give_list(list, count, all, n);
}

bool
vt_mech_kt(CK_MECHANISM_TYPE m, CK_KEY_TYPE *kt)
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
	CK_RV rv = enter_slot(slot, info, NEED_SLOT);
	CK_KEY_TYPE kt;

	if (rv != CKR_OK)
		return rv;
	if (!vt_mech_kt(type, &kt))
		return vt_leave(CKR_MECHANISM_INVALID);
	info->ulMinKeySize = kt == CKK_RSA ? 2048 : 256;
	info->ulMaxKeySize = kt == CKK_RSA ? 4096 : 384;
	info->flags = CKF_HW | CKF_SIGN;
	return vt_leave(CKR_OK);
}

/* ---- sessions ------------------------------------------------------------ */

CK_RV
C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR h)
{
	CK_RV rv = enter_slot(slot, h, NEED_TOKEN);
	size_t i;

	if (rv != CKR_OK)
		return rv;
	if (!(flags & CKF_SERIAL_SESSION))
		return vt_leave(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	/* Read-write sessions are given (tools open them to sign), though
	 * nothing can be written: creating objects is not supported. */
	for (i = 0; i < SESS_MAX; i++)
		if (!vt_lib.sess[i].open) {
			sess_reset(&vt_lib.sess[i]);
			vt_lib.sess[i].open = true;
			vt_lib.sess[i].flags = flags;
			*h = i + 1;
			return vt_leave(CKR_OK);
		}
	return vt_leave(CKR_SESSION_COUNT);
}

CK_RV
C_CloseSession(CK_SESSION_HANDLE h)
{
	struct sess *s;
	size_t i, n = 0;
	CK_RV rv;

	rv = vt_enter_sess(h, &s);
	if (rv != CKR_OK)
		return rv;
	sess_reset(s);
	for (i = 0; i < SESS_MAX; i++)
		n += vt_lib.sess[i].open;
	if (n == 0) /* the login ends with the last session */
		user_out();
	return vt_leave(CKR_OK);
}

CK_RV
C_CloseAllSessions(CK_SLOT_ID slot)
{
	CK_RV rv = enter_slot(slot, &slot, NEED_SLOT); /* no out argument */
	size_t i;

	if (rv != CKR_OK)
		return rv;
	for (i = 0; i < SESS_MAX; i++)
		sess_reset(&vt_lib.sess[i]);
	user_out();
	return vt_leave(CKR_OK);
}

CK_RV
C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	struct sess *s;
	CK_RV rv;

	rv = vt_enter_sess(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return vt_leave(CKR_ARGUMENTS_BAD);
	info->slotID = SLOT_ID;
	if (s->flags & CKF_RW_SESSION)
		info->state =
		    vt_lib.user ? CKS_RW_USER_FUNCTIONS : CKS_RW_PUBLIC_SESSION;
	else
		info->state =
		    vt_lib.user ? CKS_RO_USER_FUNCTIONS : CKS_RO_PUBLIC_SESSION;
	info->flags = s->flags;
	info->ulDeviceError = 0;
	return vt_leave(CKR_OK);
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
	struct sess *s;
	CK_RV rv;

	rv = vt_enter_sess(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (user == CKU_SO)
		return vt_leave(CKR_USER_TYPE_INVALID);
	if (user == CKU_CONTEXT_SPECIFIC) {
		if (!s->signing)
			return vt_leave(CKR_OPERATION_NOT_INITIALIZED);
		return vt_leave(take_code(pin, len, s->code, sizeof(s->code)));
	}
	if (user != CKU_USER)
		return vt_leave(CKR_USER_TYPE_INVALID);
	if (vt_lib.user)
		return vt_leave(CKR_USER_ALREADY_LOGGED_IN);
	rv = take_code(pin, len, vt_lib.user_code, sizeof(vt_lib.user_code));
	if (rv == CKR_OK)
		vt_lib.user = true;
	return vt_leave(rv);
}

CK_RV
C_Logout(CK_SESSION_HANDLE h)
{
	struct sess *s;
	CK_RV rv = vt_enter_sess(h, &s);

	if (rv != CKR_OK)
		return rv;
	if (!vt_lib.user)
		return vt_leave(CKR_USER_NOT_LOGGED_IN);
	user_out();
	return vt_leave(CKR_OK);
}

/* ---- what the token does not do ---------------------------------------- */

#define NS(name, args)                                                         \
	CK_RV name args                                                        \
	{                                                                      \
		CK_RV _rv = vt_enter();                                        \
		return _rv != CKR_OK ? _rv                                     \
		                     : vt_leave(CKR_FUNCTION_NOT_SUPPORTED);   \
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
	CK_RV rv = vt_enter();

	return rv != CKR_OK ? rv : vt_leave(CKR_FUNCTION_NOT_SUPPORTED);
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
