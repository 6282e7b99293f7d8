/*
 * hsm.c: the PKCS#11 client: module loading, token lookup and creation,
 * the session pool. Keys (lookup, public parts, cache): hsm_keys.c.
 *
 * A module is loaded (dlopen) and initialised once per process and shared
 * by every struct hsm on it (a reference count): PKCS#11 state is per
 * process, so C_Finalize must wait for the last user. Login is per token
 * and application too: the first session logs in, the others inherit it.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>

#include "base/log.h"
#include "base/secret.h"
#include "hsm/hsm_int.h"

struct hsm_module {
	struct hsm_module *m_next;
	void *m_dl;
	CK_FUNCTION_LIST_PTR m_f;
	unsigned m_refs;
	bool m_finalize; /* we initialised it, so we finalise it */
};

static pthread_mutex_t mod_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hsm_module *mod_list;

/* clang-format off */
#define RV(x) { x, #x }
static const struct {
	CK_RV rv;
	const char *name;
} rv_names[] = {
	RV(CKR_OK), RV(CKR_CANCEL), RV(CKR_HOST_MEMORY),
	RV(CKR_SLOT_ID_INVALID), RV(CKR_GENERAL_ERROR), RV(CKR_FUNCTION_FAILED),
	RV(CKR_ARGUMENTS_BAD), RV(CKR_ATTRIBUTE_READ_ONLY),
	RV(CKR_ATTRIBUTE_SENSITIVE), RV(CKR_ATTRIBUTE_TYPE_INVALID),
	RV(CKR_ATTRIBUTE_VALUE_INVALID), RV(CKR_DATA_INVALID),
	RV(CKR_DATA_LEN_RANGE), RV(CKR_DEVICE_ERROR), RV(CKR_DEVICE_MEMORY),
	RV(CKR_DEVICE_REMOVED), RV(CKR_FUNCTION_CANCELED),
	RV(CKR_FUNCTION_NOT_SUPPORTED), RV(CKR_KEY_HANDLE_INVALID),
	RV(CKR_KEY_SIZE_RANGE), RV(CKR_KEY_TYPE_INCONSISTENT),
	RV(CKR_KEY_FUNCTION_NOT_PERMITTED), RV(CKR_MECHANISM_INVALID),
	RV(CKR_MECHANISM_PARAM_INVALID), RV(CKR_OBJECT_HANDLE_INVALID),
	RV(CKR_OPERATION_ACTIVE), RV(CKR_OPERATION_NOT_INITIALIZED),
	RV(CKR_PIN_INCORRECT), RV(CKR_PIN_INVALID), RV(CKR_PIN_LEN_RANGE),
	RV(CKR_PIN_EXPIRED), RV(CKR_PIN_LOCKED), RV(CKR_SESSION_CLOSED),
	RV(CKR_SESSION_COUNT), RV(CKR_SESSION_HANDLE_INVALID),
	RV(CKR_SESSION_READ_ONLY), RV(CKR_SESSION_EXISTS),
	RV(CKR_SESSION_READ_WRITE_SO_EXISTS), RV(CKR_SIGNATURE_INVALID),
	RV(CKR_SIGNATURE_LEN_RANGE), RV(CKR_TEMPLATE_INCOMPLETE),
	RV(CKR_TEMPLATE_INCONSISTENT), RV(CKR_TOKEN_NOT_PRESENT),
	RV(CKR_TOKEN_NOT_RECOGNIZED), RV(CKR_TOKEN_WRITE_PROTECTED),
	RV(CKR_USER_ALREADY_LOGGED_IN), RV(CKR_USER_NOT_LOGGED_IN),
	RV(CKR_USER_PIN_NOT_INITIALIZED), RV(CKR_USER_TYPE_INVALID),
	RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN), RV(CKR_BUFFER_TOO_SMALL),
	RV(CKR_CRYPTOKI_NOT_INITIALIZED), RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
	RV(CKR_DOMAIN_PARAMS_INVALID), RV(CKR_CURVE_NOT_SUPPORTED),
};
/* clang-format on */
#undef RV

/*
 * The name of a CK_RV; tmp (n bytes) holds the text for unknown values.
 */
const char *
hsm_rv_name(CK_RV rv, char *tmp, size_t n)
{
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(rv_names); i++)
		if (rv_names[i].rv == rv)
			return rv_names[i].name;
	snprintf(tmp, n, "CKR_0x%08lx", (unsigned long)rv);
	return tmp;
}

/*
 * Log that PKCS#11 function fn returned rv and map rv to a status.
 */
enum pc_rc
hsm_rv_fail(const char *fn, CK_RV rv)
{
	char tmp[32];

	log_warnx("hsm: %s failed: %s", fn, hsm_rv_name(rv, tmp, sizeof(tmp)));
	switch (rv) {
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
	case CKR_PIN_EXPIRED:
	case CKR_PIN_LOCKED:
		return PC_EAUTH;
	case CKR_HOST_MEMORY:
	case CKR_DEVICE_MEMORY:
		return PC_ENOMEM;
	case CKR_KEY_HANDLE_INVALID:
	case CKR_OBJECT_HANDLE_INVALID:
		return PC_ENOTFOUND;
	case CKR_ARGUMENTS_BAD:
	case CKR_DATA_INVALID:
	case CKR_DATA_LEN_RANGE:
	case CKR_MECHANISM_INVALID:
	case CKR_MECHANISM_PARAM_INVALID:
	case CKR_KEY_TYPE_INCONSISTENT:
	case CKR_KEY_FUNCTION_NOT_PERMITTED:
		return PC_EINVAL;
	default:
		return PC_EHSM;
	}
}

/*
 * True when rv says the session (or the login) is gone.
 */
bool
hsm_rv_session_lost(CK_RV rv)
{
	return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	       rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
	       rv == CKR_USER_NOT_LOGGED_IN || rv == CKR_DEVICE_ERROR;
}

static enum pc_rc
module_get(const char *path, struct hsm_module **out)
{
	CK_C_INITIALIZE_ARGS args;
	CK_C_GetFunctionList gfl;
	struct hsm_module *m, *nm = NULL;
	void *dl;
	enum pc_rc rc = PC_EHSM;
	CK_RV rv;

	*out = NULL;
	pthread_mutex_lock(&mod_lock);
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		log_warnx("hsm: cannot load module %s: %s", path, dlerror());
		goto out;
	}
	for (m = mod_list; m != NULL; m = m->m_next)
		if (m->m_dl == dl)
			break;
	if (m != NULL) {
		dlclose(dl); /* drop the extra reference */
		dl = NULL;
		m->m_refs++;
		*out = m;
		rc = PC_OK;
		goto out;
	}
	*(void **)&gfl = dlsym(dl, "C_GetFunctionList");
	if (gfl == NULL) {
		log_warnx("hsm: %s has no C_GetFunctionList", path);
		goto out;
	}
	nm = calloc(1, sizeof(*nm));
	if (nm == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rv = gfl(&nm->m_f);
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_GetFunctionList", rv);
		goto out;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = nm->m_f->C_Initialize(&args);
	if (rv == CKR_OK)
		nm->m_finalize = true;
	else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		rc = hsm_rv_fail("C_Initialize", rv);
		goto out;
	}
	/* SoftHSM leaves an error on OpenSSL's queue when it starts. */
	ERR_clear_error();
	nm->m_dl = dl;
	nm->m_refs = 1;
	nm->m_next = mod_list;
	mod_list = nm;
	*out = nm;
	nm = NULL;
	dl = NULL;
	rc = PC_OK;
out:
	if (dl != NULL && rc != PC_OK)
		dlclose(dl);
	free(nm);
	pthread_mutex_unlock(&mod_lock);
	return rc;
}

static void
module_put(struct hsm_module *m)
{
	struct hsm_module **pp;

	if (m == NULL)
		return;
	pthread_mutex_lock(&mod_lock);
	if (--m->m_refs == 0) {
		for (pp = &mod_list; *pp != NULL; pp = &(*pp)->m_next)
			if (*pp == m) {
				*pp = m->m_next;
				break;
			}
		if (m->m_finalize)
			(void)m->m_f->C_Finalize(NULL);
		ERR_clear_error();
		dlclose(m->m_dl);
		free(m);
	}
	pthread_mutex_unlock(&mod_lock);
}

static enum pc_rc
label_pad(const char *label, CK_UTF8CHAR pad[32])
{
	size_t n;

	n = strlen(label);
	if (n == 0 || n > 32) {
		log_warnx("hsm: token label must have 1 to 32 bytes");
		return PC_EINVAL;
	}
	memset(pad, ' ', 32);
	memcpy(pad, label, n);
	return PC_OK;
}

/*
 * Find the slot holding the token labelled label. PC_ENOTFOUND if none,
 * PC_ESTATE if more than one. With label NULL, find the first slot with an
 * uninitialised token instead.
 */
static enum pc_rc
slot_find(CK_FUNCTION_LIST_PTR f, const char *label, CK_SLOT_ID *slot)
{
	CK_SLOT_ID *slots = NULL;
	CK_UTF8CHAR pad[32];
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0, i, found = 0;
	enum pc_rc rc;
	CK_RV rv;

	if (label != NULL) {
		rc = label_pad(label, pad);
		if (rc != PC_OK)
			return rc;
	}
	rv = f->C_GetSlotList(CK_TRUE, NULL, &n);
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_GetSlotList", rv);
		goto out;
	}
	slots = calloc(n + 1, sizeof(*slots));
	if (slots == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_GetSlotList", rv);
		goto out;
	}
	for (i = 0; i < n; i++) {
		rv = f->C_GetTokenInfo(slots[i], &ti);
		if (rv != CKR_OK)
			continue;
		if (label == NULL) {
			if (!(ti.flags & CKF_TOKEN_INITIALIZED)) {
				*slot = slots[i];
				found = 1;
				break;
			}
			continue;
		}
		if ((ti.flags & CKF_TOKEN_INITIALIZED) &&
		    CRYPTO_memcmp(ti.label, pad, sizeof(pad)) == 0) {
			if (found++ == 0)
				*slot = slots[i];
		}
	}
	if (found == 0)
		rc = PC_ENOTFOUND;
	else if (found > 1) {
		log_warnx("hsm: %lu tokens are labelled %s", found, label);
		rc = PC_ESTATE;
	} else
		rc = PC_OK;
out:
	free(slots);
	return rc;
}

static enum pc_rc
login(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_USER_TYPE who,
    const char *pin)
{
	CK_RV rv;

	rv = f->C_Login(
	    s, who, (CK_UTF8CHAR_PTR)(uintptr_t)pin, (CK_ULONG)strlen(pin));
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return PC_OK;
	return hsm_rv_fail("C_Login", rv);
}

/*
 * Initialise a token labelled label in the first slot with an uninitialised
 * token, set its SO PIN so_pin and its user PIN user_pin.
 */
enum pc_rc
hsm_token_create(const char *module, const char *label, const char *so_pin,
    const char *user_pin)
{
	struct hsm_module *m = NULL;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_UTF8CHAR pad[32];
	CK_SLOT_ID slot;
	bool logged = false;
	enum pc_rc rc;
	CK_RV rv;

	RETURN_VAL_IF_FAIL(module != NULL && label != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(so_pin != NULL && user_pin != NULL, PC_EINTERNAL);
	rc = label_pad(label, pad);
	if (rc != PC_OK)
		return rc;
	rc = module_get(module, &m);
	if (rc != PC_OK)
		goto out;
	rc = slot_find(m->m_f, label, &slot);
	if (rc == PC_OK || rc == PC_ESTATE) {
		log_warnx("hsm: a token labelled %s exists", label);
		rc = PC_EEXIST;
		goto out;
	}
	if (rc != PC_ENOTFOUND)
		goto out;
	rc = slot_find(m->m_f, NULL, &slot);
	if (rc == PC_ENOTFOUND) {
		log_warnx("hsm: no slot with an uninitialised token");
		rc = PC_ESTATE;
	}
	if (rc != PC_OK)
		goto out;
	rv = m->m_f->C_InitToken(slot, (CK_UTF8CHAR_PTR)(uintptr_t)so_pin,
	    (CK_ULONG)strlen(so_pin), pad);
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_InitToken", rv);
		goto out;
	}
	/* The slot may move after initialisation: find it again by label. */
	rc = slot_find(m->m_f, label, &slot);
	if (rc != PC_OK)
		goto out;
	rv = m->m_f->C_OpenSession(
	    slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_OpenSession", rv);
		goto out;
	}
	rc = login(m->m_f, s, CKU_SO, so_pin);
	if (rc != PC_OK)
		goto out;
	logged = true;
	rv = m->m_f->C_InitPIN(s, (CK_UTF8CHAR_PTR)(uintptr_t)user_pin,
	    (CK_ULONG)strlen(user_pin));
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_InitPIN", rv);
		goto out;
	}
	log_info("hsm: token %s created", label);
out:
	if (logged)
		(void)m->m_f->C_Logout(s);
	if (s != CK_INVALID_HANDLE)
		(void)m->m_f->C_CloseSession(s);
	ERR_clear_error();
	module_put(m);
	return rc;
}

static enum pc_rc
sess_open(struct hsm *h, CK_SESSION_HANDLE *s)
{
	enum pc_rc rc;
	CK_RV rv;

	rv = h->h_f->C_OpenSession(
	    h->h_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	if (rv != CKR_OK) {
		*s = CK_INVALID_HANDLE;
		return hsm_rv_fail("C_OpenSession", rv);
	}
	rc = login(h->h_f, *s, CKU_USER, h->h_pin);
	if (rc != PC_OK) {
		(void)h->h_f->C_CloseSession(*s);
		*s = CK_INVALID_HANDLE;
	}
	return rc;
}

/*
 * The label of the only initialised token of module (trailing blanks
 * removed) into label (at least 33 bytes). PC_ENOTFOUND when there is none,
 * PC_ESTATE when there are several (the caller must name one).
 */
enum pc_rc
hsm_token_only(const char *module, char *label, size_t n)
{
	struct hsm_module *m = NULL;
	CK_SLOT_ID *slots = NULL;
	CK_TOKEN_INFO ti;
	CK_ULONG ns = 0, i, found = 0;
	size_t len;
	enum pc_rc rc;
	CK_RV rv;

	RETURN_VAL_IF_FAIL(
	    module != NULL && label != NULL && n > 32, PC_EINTERNAL);
	rc = module_get(module, &m);
	if (rc != PC_OK)
		return rc;
	rv = m->m_f->C_GetSlotList(CK_TRUE, NULL, &ns);
	if (rv == CKR_OK) {
		slots = calloc(ns + 1, sizeof(*slots));
		if (slots == NULL) {
			rc = PC_ENOMEM;
			goto out;
		}
		rv = m->m_f->C_GetSlotList(CK_TRUE, slots, &ns);
	}
	if (rv != CKR_OK) {
		rc = hsm_rv_fail("C_GetSlotList", rv);
		goto out;
	}
	for (i = 0; i < ns; i++) {
		if (m->m_f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !(ti.flags & CKF_TOKEN_INITIALIZED))
			continue;
		if (found++ == 0) {
			len = sizeof(ti.label);
			while (len > 0 && ti.label[len - 1] == ' ')
				len--;
			memcpy(label, ti.label, len);
			label[len] = '\0';
		}
	}
	rc = found == 0 ? PC_ENOTFOUND : found > 1 ? PC_ESTATE : PC_OK;
out:
	ERR_clear_error();
	free(slots);
	module_put(m);
	return rc;
}

/*
 * Load the module, find the token, open the pool and log in.
 */
enum pc_rc
hsm_open(const struct hsm_opts *opts, struct hsm **out)
{
	struct hsm *h = NULL;
	bool locks = false;
	enum pc_rc rc;
	unsigned i;

	RETURN_VAL_IF_FAIL(out != NULL, PC_EINTERNAL);
	*out = NULL;
	RETURN_VAL_IF_FAIL(opts != NULL && opts->module != NULL, PC_EINTERNAL);
	RETURN_VAL_IF_FAIL(
	    opts->token_label != NULL && opts->pin != NULL, PC_EINTERNAL);
	if (opts->pool < 1 || opts->pool > HSM_POOL_MAX) {
		log_warnx("hsm: pool must be 1 to %d sessions", HSM_POOL_MAX);
		return PC_EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return PC_ENOMEM;
	for (i = 0; i < HSM_POOL_MAX; i++)
		h->h_sess[i] = CK_INVALID_HANDLE;
	if (pthread_mutex_init(&h->h_lock, NULL) != 0 ||
	    pthread_mutex_init(&h->h_genlock, NULL) != 0 ||
	    pthread_cond_init(&h->h_cond, NULL) != 0) {
		free(h);
		return PC_ENOMEM;
	}
	locks = true;
	h->h_pin = secret_strdup(opts->pin);
	if (h->h_pin == NULL) {
		rc = PC_ENOMEM;
		goto out;
	}
	rc = module_get(opts->module, &h->h_mod);
	if (rc != PC_OK)
		goto out;
	h->h_f = h->h_mod->m_f;
	rc = slot_find(h->h_f, opts->token_label, &h->h_slot);
	if (rc == PC_ENOTFOUND)
		log_warnx("hsm: no token labelled %s", opts->token_label);
	if (rc != PC_OK)
		goto out;
	for (i = 0; i < opts->pool; i++) {
		rc = sess_open(h, &h->h_sess[i]);
		if (rc != PC_OK)
			goto out;
		h->h_nsess++;
		h->h_free[h->h_nfree++] = i;
	}
	log_debug("hsm", "hsm: token %s open, %u sessions", opts->token_label,
	    h->h_nsess);
out:
	ERR_clear_error();
	if (rc != PC_OK && locks) {
		hsm_close(h);
		h = NULL;
	}
	*out = h;
	return rc;
}

/*
 * Close the sessions (the login ends with the last one), free the key
 * cache and release the module.
 */
void
hsm_close(struct hsm *h)
{
	struct hsm_key *k, *next;
	unsigned i;

	if (h == NULL)
		return;
	if (h->h_f != NULL)
		for (i = 0; i < h->h_nsess; i++)
			if (h->h_sess[i] != CK_INVALID_HANDLE)
				(void)h->h_f->C_CloseSession(h->h_sess[i]);
	for (k = h->h_keys; k != NULL; k = next) {
		next = k->k_next;
		EVP_PKEY_free(k->k_pub);
		free(k);
	}
	module_put(h->h_mod);
	secret_strfree(h->h_pin);
	pthread_cond_destroy(&h->h_cond);
	pthread_mutex_destroy(&h->h_genlock);
	pthread_mutex_destroy(&h->h_lock);
	free(h);
}

/*
 * Borrow a session from the pool, opening it again if it was lost.
 */
enum pc_rc
hsm_sess_get(struct hsm *h, unsigned *idx, CK_SESSION_HANDLE *s)
{
	enum pc_rc rc = PC_OK;
	unsigned i;

	pthread_mutex_lock(&h->h_lock);
	while (h->h_nfree == 0)
		pthread_cond_wait(&h->h_cond, &h->h_lock);
	i = h->h_free[--h->h_nfree];
	pthread_mutex_unlock(&h->h_lock);
	if (h->h_sess[i] == CK_INVALID_HANDLE) {
		rc = sess_open(h, &h->h_sess[i]);
		if (rc != PC_OK) {
			hsm_sess_put(h, i, false);
			return rc;
		}
		log_info("hsm: session reopened");
	}
	*idx = i;
	*s = h->h_sess[i];
	return rc;
}

/*
 * Give a session back to the pool; a lost one is closed and reopened by the
 * next hsm_sess_get.
 */
void
hsm_sess_put(struct hsm *h, unsigned idx, bool lost)
{
	if (lost && h->h_sess[idx] != CK_INVALID_HANDLE) {
		(void)h->h_f->C_CloseSession(h->h_sess[idx]);
		h->h_sess[idx] = CK_INVALID_HANDLE;
	}
	pthread_mutex_lock(&h->h_lock);
	h->h_free[h->h_nfree++] = idx;
	pthread_cond_signal(&h->h_cond);
	pthread_mutex_unlock(&h->h_lock);
}
