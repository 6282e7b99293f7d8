/*
 * hbsub_lazy.c: the libharfbuzz-subset function table (see hbsub_lazy.h).
 */
#define HBSUB_LAZY_IMPL
#include "base/lazylib.h"
#include "sign/hbsub_lazy.h"

struct hbsub_fns hbsub_fns;

static struct lazylib hbsub_lib =
    LAZYLIB_INIT("libharfbuzz-subset.so.0", "libharfbuzz-subset0");

static bool
hbsub_fill(void *h)
{
	bool ok = true;

#define HBSUB_LAZY_SYM(f)                                                      \
	ok = lazylib_sym(h, hbsub_lib.soname, #f, (void **)&hbsub_fns.f) && ok;
	HBSUB_LAZY_FUNCS(HBSUB_LAZY_SYM)
#undef HBSUB_LAZY_SYM
	return ok;
}

enum pc_rc
hbsub_lazy_load(void)
{
	return lazylib_load(&hbsub_lib, hbsub_fill);
}
