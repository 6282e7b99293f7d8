/*
 * pq_lazy.c: the libpq function table (see pq_lazy.h).
 */
#define PQ_LAZY_IMPL
#include "base/lazylib.h"
#include "store/pq_lazy.h"

struct pq_fns pq_fns;

static struct lazylib pq_lib = LAZYLIB_INIT("libpq.so.5", "libpq5");

LAZYLIB_FILL(pq_fill, pq_lib, pq_fns, PQ_LAZY_FUNCS)

enum pc_rc
pq_lazy_load(void)
{
	return lazylib_load(&pq_lib, pq_fill);
}
