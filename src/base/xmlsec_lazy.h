/*
 * xmlsec_lazy.h: libxmlsec1 with its OpenSSL back end (Debian
 * libxmlsec1-openssl), loaded on first use (see base/lazylib.h), for the
 * XML signatures of EU trusted lists (src/validate/tl_sig.c). Include
 * this instead of the xmlsec headers (before base/xml_lazy.h: it
 * includes libxml2's headers first); call xmlsec_lazy_load() before the
 * first xmlSec call: it loads libxml2 too and initialises xmlsec once.
 * The compile line needs xmlsec1-openssl's pkg-config flags (its ABI
 * depends on XMLSEC_NO_SIZE_T).
 */
#ifndef PC_XMLSEC_LAZY_H
#define PC_XMLSEC_LAZY_H

#include <xmlsec/xmlsec.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/list.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>

#include "base/pc.h"

#define XMLSEC_LAZY_FUNCS(X)                                                   \
	X(xmlSecAddIDs)                                                        \
	X(xmlSecCheckVersionExt)                                               \
	X(xmlSecDSigCtxCreate)                                                 \
	X(xmlSecDSigCtxDestroy)                                                \
	X(xmlSecDSigCtxEnableReferenceTransform)                               \
	X(xmlSecDSigCtxVerify)                                                 \
	X(xmlSecErrorsSetCallback)                                             \
	X(xmlSecInit)                                                          \
	X(xmlSecKeyDestroy)                                                    \
	X(xmlSecOpenSSLAppInit)                                                \
	X(xmlSecOpenSSLAppKeyLoadMemory)                                       \
	X(xmlSecOpenSSLInit)                                                   \
	X(xmlSecOpenSSLTransformSha256GetKlass)                                \
	X(xmlSecOpenSSLTransformSha384GetKlass)                                \
	X(xmlSecOpenSSLTransformSha512GetKlass)                                \
	X(xmlSecPtrListGetItem)                                                \
	X(xmlSecPtrListGetSize)                                                \
	X(xmlSecTransformEnvelopedGetKlass)                                    \
	X(xmlSecTransformExclC14NGetKlass)                                     \
	X(xmlSecTransformExclC14NWithCommentsGetKlass)                         \
	X(xmlSecTransformInclC14N11GetKlass)                                   \
	X(xmlSecTransformInclC14N11WithCommentsGetKlass)                       \
	X(xmlSecTransformInclC14NGetKlass)                                     \
	X(xmlSecTransformInclC14NWithCommentsGetKlass)

struct xmlsec_fns {
#define XMLSEC_LAZY_FIELD(f) __typeof__(&f) f;
	XMLSEC_LAZY_FUNCS(XMLSEC_LAZY_FIELD)
#undef XMLSEC_LAZY_FIELD
};

extern struct xmlsec_fns xmlsec_fns;

/*
 * Load libxml2 and libxmlsec1-openssl and initialise xmlsec (once,
 * thread-safe); PC_EUNAVAIL (logged) when either is missing or does not
 * start.
 */
enum pc_rc xmlsec_lazy_load(void);

#ifndef XMLSEC_LAZY_IMPL
#define xmlSecAddIDs xmlsec_fns.xmlSecAddIDs
#define xmlSecCheckVersionExt xmlsec_fns.xmlSecCheckVersionExt
#define xmlSecDSigCtxCreate xmlsec_fns.xmlSecDSigCtxCreate
#define xmlSecDSigCtxDestroy xmlsec_fns.xmlSecDSigCtxDestroy
#define xmlSecDSigCtxEnableReferenceTransform                                  \
	xmlsec_fns.xmlSecDSigCtxEnableReferenceTransform
#define xmlSecDSigCtxVerify xmlsec_fns.xmlSecDSigCtxVerify
#define xmlSecErrorsSetCallback xmlsec_fns.xmlSecErrorsSetCallback
#define xmlSecInit xmlsec_fns.xmlSecInit
#define xmlSecKeyDestroy xmlsec_fns.xmlSecKeyDestroy
#define xmlSecOpenSSLAppInit xmlsec_fns.xmlSecOpenSSLAppInit
#define xmlSecOpenSSLAppKeyLoadMemory xmlsec_fns.xmlSecOpenSSLAppKeyLoadMemory
#define xmlSecOpenSSLInit xmlsec_fns.xmlSecOpenSSLInit
#define xmlSecOpenSSLTransformSha256GetKlass                                   \
	xmlsec_fns.xmlSecOpenSSLTransformSha256GetKlass
#define xmlSecOpenSSLTransformSha384GetKlass                                   \
	xmlsec_fns.xmlSecOpenSSLTransformSha384GetKlass
#define xmlSecOpenSSLTransformSha512GetKlass                                   \
	xmlsec_fns.xmlSecOpenSSLTransformSha512GetKlass
#define xmlSecPtrListGetItem xmlsec_fns.xmlSecPtrListGetItem
#define xmlSecPtrListGetSize xmlsec_fns.xmlSecPtrListGetSize
#define xmlSecTransformEnvelopedGetKlass                                       \
	xmlsec_fns.xmlSecTransformEnvelopedGetKlass
#define xmlSecTransformExclC14NGetKlass                                        \
	xmlsec_fns.xmlSecTransformExclC14NGetKlass
#define xmlSecTransformExclC14NWithCommentsGetKlass                            \
	xmlsec_fns.xmlSecTransformExclC14NWithCommentsGetKlass
#define xmlSecTransformInclC14N11GetKlass                                      \
	xmlsec_fns.xmlSecTransformInclC14N11GetKlass
#define xmlSecTransformInclC14N11WithCommentsGetKlass                          \
	xmlsec_fns.xmlSecTransformInclC14N11WithCommentsGetKlass
#define xmlSecTransformInclC14NGetKlass                                        \
	xmlsec_fns.xmlSecTransformInclC14NGetKlass
#define xmlSecTransformInclC14NWithCommentsGetKlass                            \
	xmlsec_fns.xmlSecTransformInclC14NWithCommentsGetKlass
#endif

#endif /* PC_XMLSEC_LAZY_H */
