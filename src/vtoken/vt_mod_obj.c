/*
 * vt_mod_obj.c: the PKCS#11 module's objects (vt_mod.h): per credential
 * from the agent a certificate, a private key and a public key (same
 * CKA_ID), per CA a certificate; their attributes computed from the
 * certificate; C_GetAttributeValue and C_FindObjects*.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "vtoken/vt_client.h"
#include "vtoken/vt_mod.h"
#include "vtoken/vt_proto.h"

void
vt_ents_free(void)
{
	size_t i;

	for (i = 0; i < vt_lib.nents; i++) {
		struct ent *e = &vt_lib.ents[i];

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
	memset(vt_lib.ents, 0, sizeof(vt_lib.ents));
	memset(vt_lib.objs, 0, sizeof(vt_lib.objs));
	vt_lib.nents = vt_lib.nobjs = 0;
	vt_lib.gen++;
	vt_lib.loaded = vt_lib.present = false;
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
void
vt_load(void)
{
	const struct vt_field *id, *kind, *cert;
	size_t a = 0, b = 0, c = 0;
	struct vt_out o;
	struct vt_msg m;
	uint8_t *body = NULL;
	int rc;

	if (vt_lib.loaded)
		return;
	vt_out_begin(&o, VT_OP_LIST);
	pthread_mutex_unlock(&vt_lib.mu);
	rc = vt_call(NULL, LIST_TIMEOUT_MS, &o, &body, &m);
	pthread_mutex_lock(&vt_lib.mu);
	vt_out_free(&o);
	if (vt_lib.loaded || !vt_lib.init) { /* another thread was quicker */
		free(body);
		return;
	}
	vt_ents_free();
	if (rc != 0 || vt_get_u32(&m, VT_T_RV, CKR_GENERAL_ERROR) != CKR_OK) {
		free(body);
		return;
	}
	while (vt_lib.nents < ENTS_MAX &&
	       (id = vt_next(&m, VT_T_ID, &a)) != NULL &&
	       (kind = vt_next(&m, VT_T_KIND, &b)) != NULL &&
	       (cert = vt_next(&m, VT_T_CERT, &c)) != NULL) {
		struct ent *e = &vt_lib.ents[vt_lib.nents];

		if (id->len >= sizeof(e->id) || kind->len >= sizeof(e->kind))
			continue;
		memcpy(e->id, id->val, id->len);
		memcpy(e->kind, kind->val, kind->len);
		e->der = dup_bytes(cert->val, cert->len);
		e->len = cert->len;
		if (e->der == NULL || ent_describe(e) != 0) {
			vt_lib.nents++;
			vt_ents_free();
			free(body);
			return;
		}
		vt_lib.objs[vt_lib.nobjs++] =
		    (struct obj){ CKO_CERTIFICATE, vt_lib.nents };
		if (strcmp(e->kind, "ca") != 0) {
			vt_lib.objs[vt_lib.nobjs++] =
			    (struct obj){ CKO_PRIVATE_KEY, vt_lib.nents };
			vt_lib.objs[vt_lib.nobjs++] =
			    (struct obj){ CKO_PUBLIC_KEY, vt_lib.nents };
		}
		vt_lib.nents++;
	}
	free(body);
	vt_lib.loaded = vt_lib.present = true;
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
	const struct ent *e = &vt_lib.ents[o->ent];
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

const struct obj *
vt_obj_get(CK_OBJECT_HANDLE h)
{
	return h >= 1 && h <= vt_lib.nobjs ? &vt_lib.objs[h - 1] : NULL;
}

CK_RV
C_GetAttributeValue(
    CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR tpl, CK_ULONG n)
{
	struct sess *s;
	CK_RV rv = vt_enter_sess(h, &s), res = CKR_OK;
	const struct obj *o;
	CK_ULONG i;

	if (rv != CKR_OK)
		return rv;
	o = vt_obj_get(oh);
	if (o == NULL)
		return vt_leave(CKR_OBJECT_HANDLE_INVALID);
	if (tpl == NULL && n > 0)
		return vt_leave(CKR_ARGUMENTS_BAD);
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
	return vt_leave(res);
}

CK_RV
C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tpl, CK_ULONG n)
{
	struct sess *s;
	size_t i;
	CK_RV rv;

	rv = vt_enter_sess(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (tpl == NULL && n > 0)
		return vt_leave(CKR_ARGUMENTS_BAD);
	if (s->finding)
		return vt_leave(CKR_OPERATION_ACTIVE);
	s->nfound = s->pos = 0;
	for (i = 0; i < vt_lib.nobjs; i++) {
		CK_ULONG j;
		bool match = true;

		for (j = 0; match && j < n; j++) {
			struct aval a;

			match = attr(&vt_lib.objs[i], tpl[j].type, &a) == 0 &&
			        a.n == tpl[j].ulValueLen &&
			        (a.n == 0 ||
			            (tpl[j].pValue != NULL &&
			                memcmp(a.p, tpl[j].pValue, a.n) == 0));
		}
		if (match)
			s->found[s->nfound++] = i + 1;
	}
	s->finding = true;
	return vt_leave(CKR_OK);
}

CK_RV
C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
    CK_ULONG_PTR count)
{
	struct sess *s;
	CK_RV rv;

	rv = vt_enter_sess(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (out == NULL || count == NULL)
		return vt_leave(CKR_ARGUMENTS_BAD);
	if (!s->finding)
		return vt_leave(CKR_OPERATION_NOT_INITIALIZED);
	*count = 0;
	while (*count < max && s->pos < s->nfound)
		out[(*count)++] = s->found[s->pos++];
	return vt_leave(CKR_OK);
}

CK_RV
C_FindObjectsFinal(CK_SESSION_HANDLE h)
{
	struct sess *s;
	CK_RV rv;

	rv = vt_enter_sess(h, &s);
	if (rv != CKR_OK)
		return rv;
	if (!s->finding)
		return vt_leave(CKR_OPERATION_NOT_INITIALIZED);
	s->finding = false;
	return vt_leave(CKR_OK);
}
