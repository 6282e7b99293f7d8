/*
 * xml_lazy.c: the libxml2 function table (see xml_lazy.h).
 */
#define XML_LAZY_IMPL
#include "base/lazylib.h"
#include "base/xml_lazy.h"

struct xml_fns xml_fns;

static struct lazylib xml_lib = LAZYLIB_INIT("libxml2.so.2", "libxml2");

LAZYLIB_FILL(xml_fill_table, xml_lib, xml_fns, XML_LAZY_FUNCS)

static bool
xml_fill(void *h)
{
	bool ok = xml_fill_table(h);

	ok = lazylib_sym(
	         h, xml_lib.soname, "xmlFree", (void **)&xml_fns.free_var) &&
	     ok;
	return ok;
}

enum pc_rc
xml_lazy_load(void)
{
	return lazylib_load(&xml_lib, xml_fill);
}
