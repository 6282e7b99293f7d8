/*
 * hbsub_lazy.c: the libharfbuzz-subset function table (see hbsub_lazy.h).
 */
#define HBSUB_LAZY_IMPL
#include "base/lazylib.h"
#include "sign/hbsub_lazy.h"

struct hbsub_fns hbsub_fns;

static struct lazylib hbsub_lib =
    LAZYLIB_INIT("libharfbuzz-subset.so.0", "libharfbuzz-subset0");

LAZYLIB_FILL(hbsub_fill, hbsub_lib, hbsub_fns, HBSUB_LAZY_FUNCS)

enum pc_rc
hbsub_lazy_load(void)
{
	return lazylib_load(&hbsub_lib, hbsub_fill);
}
