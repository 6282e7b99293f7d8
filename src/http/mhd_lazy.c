/*
 * mhd_lazy.c: the libmicrohttpd function table (see mhd_lazy.h).
 */
#define MHD_LAZY_IMPL
#include "base/lazylib.h"
#include "http/mhd_lazy.h"

struct mhd_fns mhd_fns;

static struct lazylib mhd_lib =
    LAZYLIB_INIT("libmicrohttpd.so.12", "libmicrohttpd12");

static bool
mhd_fill(void *h)
{
	bool ok = true;

#define MHD_LAZY_SYM(f)                                                        \
	ok = lazylib_sym(h, mhd_lib.soname, #f, (void **)&mhd_fns.f) && ok;
	MHD_LAZY_FUNCS(MHD_LAZY_SYM)
#undef MHD_LAZY_SYM
	return ok;
}

enum pc_rc
mhd_lazy_load(void)
{
	return lazylib_load(&mhd_lib, mhd_fill);
}
