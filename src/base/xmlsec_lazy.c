/*
 * xmlsec_lazy.c: the libxmlsec1-openssl function table and its one-time
 * initialisation (see xmlsec_lazy.h).
 */
#include <pthread.h>
#include <stdarg.h>

#define XMLSEC_LAZY_IMPL
#include "base/lazylib.h"
#include "base/log.h"
#include "base/xmlsec_lazy.h"
#include "base/xml_lazy.h"

struct xmlsec_fns xmlsec_fns;

/* The OpenSSL back end needs (and loads) libxmlsec1.so.1: dlsym on its
 * handle finds the core's symbols too. */
static struct lazylib xmlsec_lib =
    LAZYLIB_INIT("libxmlsec1-openssl.so.1", "libxmlsec1-openssl");
static pthread_once_t xmlsec_once = PTHREAD_ONCE_INIT;
static enum pc_rc xmlsec_rc = PC_EUNAVAIL;

LAZYLIB_FILL(xmlsec_fill, xmlsec_lib, xmlsec_fns, XMLSEC_LAZY_FUNCS)

/* xmlsec's errors go to our debug log (PC_DEBUG=validate), not stderr:
 * a refused list is said once by its caller. */
static void
xmlsec_errors(const char *file, int line, const char *func, const char *obj,
    const char *subj, int reason, const char *msg)
{
	(void)file;
	(void)line;
	log_debug("validate", "xmlsec: %s: %s %s reason=%d %s",
	    func != NULL ? func : "?", obj != NULL ? obj : "",
	    subj != NULL ? subj : "", reason, msg != NULL ? msg : "");
}

static void
xmlsec_init(void)
{
	if (xml_lazy_load() != PC_OK ||
	    lazylib_load(&xmlsec_lib, xmlsec_fill) != PC_OK)
		return;
	if (xmlsec_fns.xmlSecInit() < 0 ||
	    xmlsec_fns.xmlSecCheckVersionExt(XMLSEC_VERSION_MAJOR,
	        XMLSEC_VERSION_MINOR, XMLSEC_VERSION_SUBMINOR,
	        xmlSecCheckVersionABICompatible) != 1 ||
	    xmlsec_fns.xmlSecOpenSSLAppInit(NULL) < 0 ||
	    xmlsec_fns.xmlSecOpenSSLInit() < 0) {
		log_error("xmlsec: libxmlsec1-openssl does not start "
		          "(version %s expected)",
		    XMLSEC_VERSION);
		return;
	}
	/* After xmlSecInit, which sets its own (stderr). */
	xmlsec_fns.xmlSecErrorsSetCallback(xmlsec_errors);
	xmlsec_rc = PC_OK;
}

enum pc_rc
xmlsec_lazy_load(void)
{
	pthread_once(&xmlsec_once, xmlsec_init);
	return xmlsec_rc;
}
