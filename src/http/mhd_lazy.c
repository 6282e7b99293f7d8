/*
 * mhd_lazy.c: the libmicrohttpd function table (see mhd_lazy.h).
 */
#define MHD_LAZY_IMPL
#include "base/lazylib.h"
#include "http/mhd_lazy.h"

LAZYLIB_DEFINE(mhd, MHD_LAZY_FUNCS, "libmicrohttpd.so.12", "libmicrohttpd12")
