/*
 * pq_lazy.c: the libpq function table (see pq_lazy.h).
 */
#define PQ_LAZY_IMPL
#include "base/lazylib.h"
#include "store/pq_lazy.h"

struct pq_fns pq_fns;

static struct lazylib pq_lib = LAZYLIB_INIT("libpq.so.5", "libpq5");

static bool
pq_fill(void *h)
{
	bool ok = true;

#define PQ_LAZY_SYM(f)                                                         \
	ok = lazylib_sym(h, pq_lib.soname, #f, (void **)&pq_fns.f) && ok;
	PQ_LAZY_FUNCS(PQ_LAZY_SYM)
#undef PQ_LAZY_SYM
	return ok;
}

enum pc_rc
pq_lazy_load(void)
{
	return lazylib_load(&pq_lib, pq_fill);
}
