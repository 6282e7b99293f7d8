/*
 * tl_sig.c: the enveloped XML signature of a trusted list, checked with
 * xmlsec1 (OpenSSL back end, loaded on first use: base/xmlsec_lazy.h)
 * against the public keys of the certificates we expect. The key in the
 * signature's KeyInfo is never used: only ours. References may point only
 * into the document (no files, no network) and use only canonicalisation
 * and the enveloped-signature transform (no XPath, no XSLT); one of them
 * must cover the whole list.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "base/xmlsec_lazy.h"
#include "base/log.h"
#include "base/xml_lazy.h"
#include "validate/tl.h"

#define NS_DS "http://www.w3.org/2000/09/xmldsig#"

/* The ds:Signature child of the root, or NULL (also when two). */
static xmlNodePtr
sig_node(xmlNodePtr root)
{
	xmlNodePtr c, found = NULL;

	for (c = root->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns == NULL ||
		    strcmp((const char *)c->ns->href, NS_DS) != 0 ||
		    strcmp((const char *)c->name, "Signature") != 0)
			continue;
		if (found != NULL)
			return NULL;
		found = c;
	}
	return found;
}

static bool
enable_transforms(xmlSecDSigCtxPtr ctx)
{
	xmlSecTransformId ids[] = {
		xmlSecTransformEnvelopedId,
		xmlSecTransformInclC14NId,
		xmlSecTransformInclC14NWithCommentsId,
		xmlSecTransformInclC14N11Id,
		xmlSecTransformInclC14N11WithCommentsId,
		xmlSecTransformExclC14NId,
		xmlSecTransformExclC14NWithCommentsId,
		xmlSecOpenSSLTransformSha256Id,
		xmlSecOpenSSLTransformSha384Id,
		xmlSecOpenSSLTransformSha512Id,
	};
	size_t i;

	for (i = 0; i < PC_ARRAY_LEN(ids); i++)
		if (xmlSecDSigCtxEnableReferenceTransform(ctx, ids[i]) < 0)
			return false;
	return true;
}

/* Did a verified reference cover the whole document? */
static bool
covers_root(xmlSecDSigCtxPtr ctx, xmlNodePtr root)
{
	xmlSecDSigReferenceCtxPtr ref;
	xmlChar *id;
	xmlSecSize i, n;
	bool ok = false;

	id = xmlGetProp(root, (const xmlChar *)"Id");
	n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
	for (i = 0; i < n && !ok; i++) {
		ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);
		if (ref == NULL || ref->status != xmlSecDSigStatusSucceeded)
			continue;
		if (ref->uri == NULL || ref->uri[0] == '\0')
			ok = true;
		else if (id != NULL && ref->uri[0] == '#' &&
		         strcmp((const char *)ref->uri + 1, (const char *)id) ==
		             0)
			ok = true;
	}
	if (id != NULL)
		xmlFree(id);
	return ok;
}

/* Verify the signature node with cert's public key: 1 yes, 0 no, -1
 * could not be tried. */
static int
verify_with(xmlNodePtr sig, xmlNodePtr root, X509 *cert)
{
	xmlSecDSigCtxPtr ctx;
	unsigned char *der = NULL;
	int len, ret = -1;

	len = i2d_X509(cert, &der);
	if (len <= 0)
		return -1;
	ctx = xmlSecDSigCtxCreate(NULL);
	if (ctx == NULL)
		goto out;
	ctx->enabledReferenceUris =
	    xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
	ctx->signKey = xmlSecOpenSSLAppKeyLoadMemory(
	    der, (xmlSecSize)len, xmlSecKeyDataFormatCertDer, NULL, NULL, NULL);
	if (ctx->signKey == NULL || !enable_transforms(ctx))
		goto out;
	ret = 0;
	if (xmlSecDSigCtxVerify(ctx, sig) == 0 &&
	    ctx->status == xmlSecDSigStatusSucceeded && covers_root(ctx, root))
		ret = 1;
out:
	if (ctx != NULL)
		xmlSecDSigCtxDestroy(ctx);
	OPENSSL_free(der);
	return ret;
}

enum pc_rc
tl_sig_verify(const uint8_t *p, size_t n, X509 *const *certs, int ncerts,
    char *err, size_t errlen)
{
	static const xmlChar *idattrs[] = { (const xmlChar *)"Id", NULL };
	xmlDocPtr doc = NULL;
	xmlNodePtr root, sig;
	enum pc_rc rc;
	int i, v, tried = 0;

	if (n == 0 || n > TL_MAX_BYTES) {
		snprintf(err, errlen, "%s", n == 0 ? "empty" : "too large");
		return PC_EINVAL;
	}
	if (ncerts == 0) {
		snprintf(err, errlen,
		    "no certificate to check its signature "
		    "with");
		return PC_EINVAL;
	}
	rc = xmlsec_lazy_load();
	if (rc != PC_OK) {
		snprintf(err, errlen, "libxmlsec1-openssl is not installed");
		return rc;
	}
	doc = xmlReadMemory((const char *)p, (int)n, "tl.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL || doc->intSubset != NULL) {
		snprintf(err, errlen,
		    "not a well-formed XML document without "
		    "DOCTYPE");
		rc = PC_EINVAL;
		goto out;
	}
	sig = sig_node(root);
	if (sig == NULL) {
		snprintf(err, errlen,
		    "not signed (no one ds:Signature under "
		    "its root)");
		rc = PC_EINVAL;
		goto out;
	}
	/* Same-document references name elements by their Id. */
	xmlSecAddIDs(doc, root, idattrs);
	rc = PC_EINVAL;
	for (i = 0; i < ncerts && rc != PC_OK; i++) {
		v = verify_with(sig, root, certs[i]);
		if (v >= 0)
			tried++;
		if (v == 1)
			rc = PC_OK;
	}
	if (rc != PC_OK)
		snprintf(err, errlen,
		    tried == 0 ? "its signature could not be checked (no "
		                 "usable key among the %d expected "
		                 "certificates)"
		               : "its XML signature does not verify with "
		                 "the %d expected signing certificate(s) "
		                 "(broken, or made by another key)",
		    ncerts);
out:
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}
