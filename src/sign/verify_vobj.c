/*
 * verify_vobj.c: the validation objects of a report (vreport.h, struct
 * sign_vobj): each entry's certificate chain, its timestamp token and the
 * SHA-256 of its signature value, and the file's CRLs and OCSP responses,
 * by value for the ETSI TS 119 102-2 XML report (src/validate/).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "sign/verify_int.h"

#define OID_SIG_TST "1.2.840.113549.1.9.16.2.14"

/*
 * The object of type for p[0..n) (copied), an existing one when the same
 * bytes are there already: its 1-based index, 0 when full (SIGN_VOBJS_MAX
 * objects or SIGN_VOBJS_MAX_BYTES) or out of memory: the report then
 * lacks it (and whatever refers to it), nothing else.
 */
static int
vobj_add(struct sign_report *r, enum sign_vo_type type, const uint8_t *p,
    size_t n, bool anchor)
{
	struct sign_vobj *o;
	uint8_t md[32];
	int i;

	if (p == NULL || n == 0 ||
	    EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL) != 1)
		return 0;
	for (i = 0; i < r->nobjs; i++)
		if (r->objs[i].type == type &&
		    memcmp(r->objs[i].sha256, md, sizeof(md)) == 0) {
			r->objs[i].anchor = r->objs[i].anchor || anchor;
			return i + 1;
		}
	if (r->objs == NULL)
		r->objs = calloc(SIGN_VOBJS_MAX, sizeof(*r->objs));
	if (r->objs == NULL || r->nobjs >= SIGN_VOBJS_MAX ||
	    n > SIGN_VOBJS_MAX_BYTES - r->objs_bytes)
		return 0;
	o = &r->objs[r->nobjs];
	o->der = malloc(n);
	if (o->der == NULL)
		return 0;
	memcpy(o->der, p, n);
	o->len = n;
	r->objs_bytes += n;
	o->type = type;
	o->anchor = anchor;
	memcpy(o->sha256, md, sizeof(md));
	return ++r->nobjs;
}

static int
vobj_cert(struct sign_report *r, X509 *x, bool anchor)
{
	unsigned char *der = NULL;
	int n, idx;

	n = i2d_X509(x, &der);
	idx = n > 0 ? vobj_add(r, SIGN_VO_CERT, der, (size_t)n, anchor) : 0;
	OPENSSL_free(der);
	return idx;
}

/* The signature value's digest and the signature timestamp token. */
static void
vobj_cms(struct sign_report *r, struct ventry *e)
{
	struct sign_vsig *s = e->s;
	const unsigned char *p = e->der;
	CMS_ContentInfo *cms;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *sig;
	ASN1_OBJECT *obj;
	X509_ATTRIBUTE *a;
	ASN1_TYPE *t;
	int i;

	if (p == NULL || e->derlen == 0)
		return;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)e->derlen);
	si = cms != NULL ? sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0)
	                 : NULL;
	sig = si != NULL ? CMS_SignerInfo_get0_signature(si) : NULL;
	if (sig != NULL && EVP_Digest(sig->data, (size_t)sig->length,
	                       s->sv_sha256, NULL, EVP_sha256(), NULL) == 1)
		s->sv_have = true;
	if (s->kind == SIGN_VK_DOCTS) {
		s->vo_ts = vobj_add(r, SIGN_VO_TST, e->der, e->derlen, false);
	} else if (si != NULL && s->ts.present) {
		obj = OBJ_txt2obj(OID_SIG_TST, 1);
		i = obj != NULL ? CMS_unsigned_get_attr_by_OBJ(si, obj, -1)
		                : -1;
		ASN1_OBJECT_free(obj);
		a = i >= 0 ? CMS_unsigned_get_attr(si, i) : NULL;
		t = a != NULL ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
		if (t != NULL && t->type == V_ASN1_SEQUENCE)
			s->vo_ts =
			    vobj_add(r, SIGN_VO_TST, t->value.sequence->data,
			        (size_t)t->value.sequence->length, false);
	}
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
}

void
vvobj_collect(struct vctx *v, struct sign_report *r, struct ventry *es, int n)
{
	unsigned char *der;
	int i, j, len;

	for (i = 0; i < n; i++) {
		struct ventry *e = &es[i];
		struct sign_vsig *s = e->s;
		int nc;

		vobj_cms(r, e);
		s->nchain = 0;
		if (e->chain != NULL) {
			nc = sk_X509_num(e->chain);
			s->chain_trusted = nc > 0;
			for (j = 0; j < nc && s->nchain < SIGN_VCHAIN_MAX; j++)
				s->vo_chain[s->nchain++] = vobj_cert(
				    r, sk_X509_value(e->chain, j), j == nc - 1);
			/* A chain cut short keeps its anchor last. */
			if (nc > SIGN_VCHAIN_MAX)
				s->vo_chain[SIGN_VCHAIN_MAX - 1] = vobj_cert(
				    r, sk_X509_value(e->chain, nc - 1), true);
		} else if (e->signer != NULL) {
			s->vo_chain[s->nchain++] =
			    vobj_cert(r, e->signer, false);
		}
		for (j = 0; j < sk_X509_num(e->ts_chain); j++)
			(void)vobj_cert(r, sk_X509_value(e->ts_chain, j),
			    j == sk_X509_num(e->ts_chain) - 1);
	}
	for (i = 0; i < sk_X509_CRL_num(v->vd_crls); i++) {
		der = NULL;
		len = i2d_X509_CRL(sk_X509_CRL_value(v->vd_crls, i), &der);
		if (len > 0)
			(void)vobj_add(r, SIGN_VO_CRL, der, (size_t)len, false);
		OPENSSL_free(der);
	}
	for (i = 0; i < v->vd_nocsp; i++) {
		der = NULL;
		len = i2d_OCSP_BASICRESP(v->vd_ocsp[i], &der);
		if (len > 0)
			(void)vobj_add(
			    r, SIGN_VO_OCSP, der, (size_t)len, false);
		OPENSSL_free(der);
	}
	for (i = 0; i < sk_X509_num(v->vd_certs); i++)
		(void)vobj_cert(r, sk_X509_value(v->vd_certs, i), false);
}
