/*
 * vt_mod_sign.c: the PKCS#11 module's signing (vt_mod.h): C_SignInit
 * checks the mechanism against the key and the PSS parameters; C_Sign,
 * C_SignUpdate and C_SignFinal hash (the hashing mechanisms) or gather
 * the data, then one SIGN request to the agent, unlocked.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "vtoken/vt_client.h"
#include "vtoken/vt_mod.h"
#include "vtoken/vt_proto.h"

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
	const struct obj *o;
	const struct halg *hm;
	struct sess *s;
	CK_KEY_TYPE kt;
	CK_RV rv;

	rv = vt_enter_sess(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (mech == NULL)
		return vt_leave(CKR_ARGUMENTS_BAD);
	if (s->signing)
		return vt_leave(CKR_OPERATION_ACTIVE);
	o = vt_obj_get(key);
	if (o == NULL || o->cls != CKO_PRIVATE_KEY)
		return vt_leave(CKR_KEY_HANDLE_INVALID);
	if (!vt_mech_kt(mech->mechanism, &kt))
		return vt_leave(CKR_MECHANISM_INVALID);
	if (kt != vt_lib.ents[o->ent].kt)
		return vt_leave(CKR_KEY_TYPE_INCONSISTENT);
	memset(&s->pss, 0, sizeof(s->pss));
	if (is_pss(mech->mechanism)) {
		const struct halg *ph;

		if (mech->pParameter == NULL ||
		    mech->ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
			return vt_leave(CKR_MECHANISM_PARAM_INVALID);
		memcpy(&s->pss, mech->pParameter, sizeof(s->pss));
		ph = halg_by_ck(s->pss.hashAlg);
		if (ph == NULL || s->pss.mgf != ph->mgf ||
		    (mech->mechanism == CKM_SHA256_RSA_PKCS_PSS &&
		        ph != &halgs[0]))
			return vt_leave(CKR_MECHANISM_PARAM_INVALID);
	}
	hm = mech_hash(mech->mechanism);
	if (hm != NULL) {
		s->md = EVP_MD_CTX_new();
		if (s->md == NULL ||
		    EVP_DigestInit_ex(
		        s->md, EVP_get_digestbyname(hm->name), NULL) != 1) {
			EVP_MD_CTX_free(s->md);
			s->md = NULL;
			return vt_leave(CKR_HOST_MEMORY);
		}
	}
	s->mech = mech->mechanism;
	s->obj = key - 1;
	s->data = NULL;
	s->data_len = 0;
	memset(s->code, 0, sizeof(s->code));
	s->signing = true;
	return vt_leave(CKR_OK);
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
	const struct ent *e = &vt_lib.ents[vt_lib.objs[s->obj].ent];
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
	    s->code[0] != '\0' ? s->code : vt_lib.user_code);
	if (s->code[0] == '\0')
		memset(vt_lib.user_code, 0, sizeof(vt_lib.user_code));
	if (code[0] != '\0')
		vt_out_str(&o, VT_T_PIN, code);
	memset(code, 0, sizeof(code));
	gen = vt_lib.gen;
	pthread_mutex_unlock(&vt_lib.mu);
	rc = vt_call(NULL, SIGN_TIMEOUT_MS, &o, &body, &m);
	pthread_mutex_lock(&vt_lib.mu);
	if (o.p != NULL)
		memset(o.p, 0, o.len);
	vt_out_free(&o);
	if (rc == 0 && (!vt_lib.init || gen != vt_lib.gen)) {
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
	size_t need = sig_len(&vt_lib.ents[vt_lib.objs[s->obj].ent]);

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

/* Lock and find h's signing operation. CKR_OK: locked, *sp set; else
 * unlocked. */
static CK_RV
sign_enter(CK_SESSION_HANDLE h, struct sess **sp)
{
	CK_RV rv = vt_enter_sess(h, sp);

	if (rv != CKR_OK)
		return rv;
	if (!(*sp)->signing)
		return vt_leave(CKR_OPERATION_NOT_INITIALIZED);
	return CKR_OK;
}

/*
 * The end of C_Sign (one_part: data) and C_SignFinal: a size query or a
 * small buffer leaves the operation as it was; else sign and end it (the
 * session may have been closed while unlocked). Unlocks.
 */
static CK_RV
sign_last(CK_SESSION_HANDLE h, struct sess *s, bool one_part, CK_BYTE_PTR data,
    CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	CK_RV rv;

	if (siglen == NULL || (data == NULL && len > 0)) {
		sign_end(s);
		return vt_leave(CKR_ARGUMENTS_BAD);
	}
	if (size_only(s, sig, siglen, &rv))
		return vt_leave(rv);
	rv = one_part ? absorb(s, data, len) : CKR_OK;
	if (rv == CKR_OK)
		rv = finish(s, sig, siglen);
	if (vt_sess_get(h) == s)
		sign_end(s);
	return vt_leave(rv);
}

CK_RV
C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
    CK_ULONG_PTR siglen)
{
	struct sess *s;
	CK_RV rv = sign_enter(h, &s);

	if (rv != CKR_OK)
		return rv;
	return sign_last(h, s, true, data, len, sig, siglen);
}

CK_RV
C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	struct sess *s;
	CK_RV rv = sign_enter(h, &s);

	if (rv != CKR_OK)
		return rv;
	rv = part == NULL && len > 0 ? CKR_ARGUMENTS_BAD : absorb(s, part, len);
	if (rv != CKR_OK)
		sign_end(s);
	return vt_leave(rv);
}

CK_RV
C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	struct sess *s;
	CK_RV rv = sign_enter(h, &s);

	if (rv != CKR_OK)
		return rv;
	return sign_last(h, s, false, NULL, 0, sig, siglen);
}
