/*
 * tl_sign.c: sign a test trusted list (tests/integration/trusted_lists.sh)
 * the way ETSI TS 119 612 lists are signed: an enveloped XML signature
 * (exclusive c14n, SHA-256, the signer's certificate in KeyInfo) over the
 * whole document, appended as the root's last child. Linked with
 * libxmlsec1-openssl directly: a test tool, not part of pecete.
 *
 * Usage: tl_sign KEY.pem CERT.pem IN.xml OUT.xml [hole]
 *
 * With "hole" the reference keeps the TSP services out of what is signed
 * (an XPath transform instead of the enveloped one): a signature that
 * verifies while the services can be changed at will, which the verifier
 * must refuse.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

int
main(int argc, char **argv)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr root, sig, ref, ki;
	xmlSecDSigCtxPtr ctx = NULL;
	xmlSecTransformId alg;
	FILE *f;
	int ret = 1;

	if (argc != 5 && !(argc == 6 && strcmp(argv[5], "hole") == 0)) {
		fprintf(stderr, "usage: tl_sign KEY.pem CERT.pem IN.xml "
		                "OUT.xml [hole]\n");
		return 2;
	}
	xmlInitParser();
	if (xmlSecInit() < 0 || xmlSecCryptoAppInit(NULL) < 0 ||
	    xmlSecCryptoInit() < 0) {
		fprintf(stderr, "tl_sign: xmlsec does not start\n");
		return 1;
	}
	doc = xmlReadFile(argv[3], NULL, XML_PARSE_NONET);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root == NULL) {
		fprintf(stderr, "tl_sign: %s: not XML\n", argv[3]);
		goto out;
	}
	ctx = xmlSecDSigCtxCreate(NULL);
	if (ctx == NULL)
		goto out;
	ctx->signKey = xmlSecCryptoAppKeyLoad(
	    argv[1], xmlSecKeyDataFormatPem, NULL, NULL, NULL);
	if (ctx->signKey == NULL || xmlSecCryptoAppKeyCertLoad(ctx->signKey,
	                                argv[2], xmlSecKeyDataFormatPem) < 0) {
		fprintf(stderr, "tl_sign: cannot load the key or cert\n");
		goto out;
	}
	/* The test keys are RSA. */
	alg = xmlSecTransformRsaSha256Id;
	sig = xmlSecTmplSignatureCreate(
	    doc, xmlSecTransformExclC14NId, alg, (const xmlChar *)"sig-tl");
	if (sig == NULL || xmlAddChild(root, sig) == NULL)
		goto out;
	ref = xmlSecTmplSignatureAddReference(
	    sig, xmlSecTransformSha256Id, NULL, (const xmlChar *)"", NULL);
	if (ref == NULL)
		goto out;
	if (argc == 6) {
		static const xmlChar *ns[] = { (const xmlChar *)"tsl",
			(const xmlChar *)"http://uri.etsi.org/02231/v2#",
			(const xmlChar *)"ds",
			(const xmlChar *)"http://www.w3.org/2000/09/xmldsig#",
			NULL };
		xmlNodePtr xp;

		xp = xmlSecTmplReferenceAddTransform(
		    ref, xmlSecTransformXPathId);
		if (xp == NULL ||
		    xmlSecTmplTransformAddXPath(xp,
		        (const xmlChar *)"not(ancestor-or-self::ds:Signature) "
		                         "and not(ancestor-or-self::"
		                         "tsl:TrustServiceProviderList)",
		        ns) < 0)
			goto out;
	} else if (xmlSecTmplReferenceAddTransform(
	               ref, xmlSecTransformEnvelopedId) == NULL)
		goto out;
	if (xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) ==
	    NULL)
		goto out;
	ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
	if (ki == NULL || xmlSecTmplKeyInfoAddX509Data(ki) == NULL)
		goto out;
	if (xmlSecDSigCtxSign(ctx, sig) < 0) {
		fprintf(stderr, "tl_sign: signing failed\n");
		goto out;
	}
	f = fopen(argv[4], "wb");
	if (f == NULL || xmlDocDump(f, doc) < 0) {
		fprintf(stderr, "tl_sign: cannot write %s\n", argv[4]);
		if (f != NULL)
			fclose(f);
		goto out;
	}
	ret = fclose(f) == 0 ? 0 : 1;
out:
	if (ctx != NULL)
		xmlSecDSigCtxDestroy(ctx);
	if (doc != NULL)
		xmlFreeDoc(doc);
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
	return ret;
}
