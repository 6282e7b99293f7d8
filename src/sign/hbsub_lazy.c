/*
 * hbsub_lazy.c: the libharfbuzz-subset function table (see hbsub_lazy.h).
 */
#define HBSUB_LAZY_IMPL
#include "base/lazylib.h"
#include "sign/hbsub_lazy.h"

LAZYLIB_DEFINE(
    hbsub, HBSUB_LAZY_FUNCS, "libharfbuzz-subset.so.0", "libharfbuzz-subset0")
