/*
 * xml_lazy.h: libxml2, loaded on first use (see base/lazylib.h). Include
 * this instead of <libxml/parser.h> and <libxml/tree.h>; call
 * xml_lazy_load() before the first xml call.
 */
#ifndef PC_XML_LAZY_H
#define PC_XML_LAZY_H

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/pc.h"

#define XML_LAZY_FUNCS(X)                                                      \
	X(xmlDocDumpFormatMemoryEnc)                                           \
	X(xmlDocGetRootElement)                                                \
	X(xmlDocSetRootElement)                                                \
	X(xmlFreeDoc)                                                          \
	X(xmlGetProp)                                                          \
	X(xmlNewDoc)                                                           \
	X(xmlNewDocNode)                                                       \
	X(xmlNewNs)                                                            \
	X(xmlNewProp)                                                          \
	X(xmlNewTextChild)                                                     \
	X(xmlNodeGetContent)                                                   \
	X(xmlReadMemory)                                                       \
	X(xmlSetNs)                                                            \
	X(xmlStrcmp)

struct xml_fns {
#define XML_LAZY_FIELD(f) __typeof__(&f) f;
	XML_LAZY_FUNCS(XML_LAZY_FIELD)
#undef XML_LAZY_FIELD
	xmlFreeFunc *free_var; /* xmlFree is a variable, not a function */
};

extern struct xml_fns xml_fns;

/* Load libxml2; PC_EUNAVAIL (logged) when it is not installed. */
enum pc_rc xml_lazy_load(void);

#ifndef XML_LAZY_IMPL
#undef xmlFree
#define xmlFree (*xml_fns.free_var)
#define xmlDocDumpFormatMemoryEnc xml_fns.xmlDocDumpFormatMemoryEnc
#define xmlDocGetRootElement xml_fns.xmlDocGetRootElement
#define xmlDocSetRootElement xml_fns.xmlDocSetRootElement
#define xmlFreeDoc xml_fns.xmlFreeDoc
#define xmlGetProp xml_fns.xmlGetProp
#define xmlNewDoc xml_fns.xmlNewDoc
#define xmlNewDocNode xml_fns.xmlNewDocNode
#define xmlNewNs xml_fns.xmlNewNs
#define xmlNewProp xml_fns.xmlNewProp
#define xmlNewTextChild xml_fns.xmlNewTextChild
#define xmlNodeGetContent xml_fns.xmlNodeGetContent
#define xmlReadMemory xml_fns.xmlReadMemory
#define xmlSetNs xml_fns.xmlSetNs
#define xmlStrcmp xml_fns.xmlStrcmp
#endif

#endif /* PC_XML_LAZY_H */
