/*
 * pq_lazy.c: the libpq function table (see pq_lazy.h).
 */
#define PQ_LAZY_IMPL
#include "base/lazylib.h"
#include "store/pq_lazy.h"

LAZYLIB_DEFINE(pq, PQ_LAZY_FUNCS, "libpq.so.5", "libpq5")
