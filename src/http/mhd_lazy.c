/*
 * mhd_lazy.c: the libmicrohttpd function table (see mhd_lazy.h).
 */
#define MHD_LAZY_IMPL
#include "base/lazylib.h"
#include "http/mhd_lazy.h"

struct mhd_fns mhd_fns;

static struct lazylib mhd_lib =
    LAZYLIB_INIT("libmicrohttpd.so.12", "libmicrohttpd12");

LAZYLIB_FILL(mhd_fill, mhd_lib, mhd_fns, MHD_LAZY_FUNCS)

enum pc_rc
mhd_lazy_load(void)
{
	return lazylib_load(&mhd_lib, mhd_fill);
}
