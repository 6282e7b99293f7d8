/*
 * csc_util.c: what the CSC calls share. Base64 and base64url as the API
 * meets them (hashes in JSON bodies are base64, the OAuth2 flows' are
 * base64url; both decode, through base/b64.c, to the same bytes: the
 * canonical form the signer compares); DNs as UTF-8; algorithm OIDs; the
 * credential and SAD checks of signHash and signDoc.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "base/b64.h"
#include "csc/csc.h"
#include "store/store.h"

enum pc_rc
csc_b64_decode(const char *in, uint8_t *out, size_t max, size_t *outlen)
{
	*outlen = 0;
	if (in == NULL)
		return PC_EINVAL;
	return b64_decode(in, strlen(in), out, max, outlen);
}

char *
csc_b64_encode(const uint8_t *p, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                        "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(4 * ((n + 2) / 3) + 1), *q;
	size_t i;
	uint32_t v;

	if (out == NULL)
		return NULL;
	q = out;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*q++ = a[v >> 18];
		*q++ = a[(v >> 12) & 63];
		*q++ = a[(v >> 6) & 63];
		*q++ = a[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16 |
		    (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		*q++ = a[v >> 18];
		*q++ = a[(v >> 12) & 63];
		*q++ = i + 1 < n ? a[(v >> 6) & 63] : '=';
		*q++ = '=';
	}
	*q = '\0';
	return out;
}

char *
csc_dn_utf8(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL, *p;
	long len;

	if (b == NULL)
		return NULL;
	/* RFC 4514 in UTF-8 (1.0.4.0 §11.5, 2.0.0.2 §11.4): RFC 2253's
	 * flags but non-ASCII left as UTF-8, not escaped as \C8\98. */
	if (X509_NAME_print_ex(
	        b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &p);
		out = malloc((size_t)len + 1);
		if (out != NULL) {
			memcpy(out, p, (size_t)len);
			out[len] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

int
csc_oid_nid(const char *oid)
{
	ASN1_OBJECT *o;
	int nid;

	if (oid == NULL || oid[0] < '0' || oid[0] > '2' || strlen(oid) > 64)
		return NID_undef;
	o = OBJ_txt2obj(oid, 1);
	if (o == NULL)
		return NID_undef;
	nid = OBJ_obj2nid(o);
	ASN1_OBJECT_free(o);
	return nid;
}

bool
csc_md_ok(int nid)
{
	return nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
}

enum pc_rc
csc_sign_args(const struct csc_token *t, const char *serial, const char **sad,
    struct pc_err *err)
{
	if (serial == NULL || serial[0] == '\0' ||
	    strlen(serial) > STORE_SERIAL_MAX ||
	    (t->credential[0] != '\0' && strcmp(t->credential, serial) != 0))
		return pc_fail(
		    err, PC_ENOTFOUND, PCE_CREDENTIAL_UNKNOWN, "credentialID");
	/* A credential-scope token of the OAuth2 consent carries its SAD
	 * (CSC v2: SAD may then be left out). */
	if ((*sad == NULL || (*sad)[0] == '\0') && t->sad[0] != '\0')
		*sad = t->sad;
	if (*sad == NULL || (*sad)[0] == '\0' || strlen(*sad) > SIGNER_SAD_MAX)
		return pc_fail(err, PC_EAUTH, PCE_SAD_INVALID, "SAD");
	return PC_OK;
}
