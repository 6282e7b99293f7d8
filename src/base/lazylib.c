/*
 * lazylib.c: dlopen on first use (see lazylib.h).
 */
#include <dlfcn.h>
#include <string.h>

#include "base/lazylib.h"
#include "base/log.h"

/* pthread_once takes no argument: one pending library at a time. */
static pthread_mutex_t lazylib_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lazylib *lazylib_cur;
static bool (*lazylib_fill)(void *);

static void
lazylib_once(void)
{
	struct lazylib *l = lazylib_cur;

	l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (l->handle == NULL) {
		log_error("cannot load %s (%s); install the Debian package "
		          "%s",
		    l->soname, dlerror(), l->package);
		l->rc = PC_EUNAVAIL;
		return;
	}
	if (!lazylib_fill(l->handle)) {
		l->rc = PC_EUNAVAIL;
		return;
	}
	l->rc = PC_OK;
}

enum pc_rc
lazylib_load(struct lazylib *l, bool (*fill)(void *handle))
{
	enum pc_rc rc;

	pthread_mutex_lock(&lazylib_mu);
	lazylib_cur = l;
	lazylib_fill = fill;
	pthread_once(&l->once, lazylib_once);
	rc = l->rc;
	pthread_mutex_unlock(&lazylib_mu);
	return rc;
}

bool
lazylib_sym(void *handle, const char *soname, const char *name, void **slot)
{
	dlerror();
	*slot = dlsym(handle, name);
	if (*slot == NULL) {
		log_error(
		    "%s has no symbol %s (version too old?)", soname, name);
		return false;
	}
	return true;
}
