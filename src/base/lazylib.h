/*
 * lazylib.h: load a shared library on first use.
 *
 * pecete is one program for the server and for one-shot commands. The
 * libraries only the server or the network paths need (libpq, libcurl,
 * libmicrohttpd, libxml2, and what they pull in: gnutls, krb5, ldap, ...)
 * are not linked: they are dlopen()ed the first time a function of theirs
 * is needed, so `pecete sign` starts like a small program.
 *
 * A shim header per library (e.g. store/pq_lazy.h) lists the functions it
 * uses in an X-macro, declares a struct of pointers with __typeof__ of the
 * real prototypes, and #defines each name to its pointer, so calling code
 * is unchanged. A function missing from the list fails the link (the
 * library is not linked), which keeps the list complete.
 */
#ifndef PC_LAZYLIB_H
#define PC_LAZYLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/pc.h"

struct lazylib {
	const char *soname;  /* e.g. "libpq.so.5" */
	const char *package; /* Debian package, for the error message */
	pthread_once_t once;
	enum pc_rc rc;
	void *handle;
};

#define LAZYLIB_INIT(so, pkg)                                                  \
	{                                                                      \
		(so), (pkg), PTHREAD_ONCE_INIT, PC_OK, NULL                    \
	}

/*
 * dlopen the library once (thread-safe) and call fill(handle), which looks
 * up every symbol with lazylib_sym. PC_EUNAVAIL, logged with the package
 * to install, when the library or a symbol is missing.
 */
enum pc_rc lazylib_load(struct lazylib *l, bool (*fill)(void *handle));

/* Look up name into *slot; false (logged) when missing. */
bool lazylib_sym(
    void *handle, const char *soname, const char *name, void **slot);

/*
 * LAZYLIB_FILL(name, lib, fns, FUNCS) defines static bool name(void *h),
 * the fill of lazylib_load: every function the shim's X-macro FUNCS lists
 * looked up from lib (a struct lazylib) into the table fns.
 */
#define LAZYLIB_SYM_(f) ok = lazylib_sym(h, so, #f, (void **)&t->f) && ok;
#define LAZYLIB_FILL(name, lib, fns, FUNCS)                                    \
	static bool name(void *h)                                              \
	{                                                                      \
		const char *so = (lib).soname;                                 \
		__typeof__(fns) *t = &(fns);                                   \
		bool ok = true;                                                \
                                                                               \
		FUNCS(LAZYLIB_SYM_)                                            \
		return ok;                                                     \
	}

/*
 * LAZYLIB_DEFINE(p, FUNCS, soname, package): the whole of a shim that
 * needs nothing more than its symbols: the table p_fns and
 * enum pc_rc p_lazy_load(void) (lazylib_load of soname).
 */
#define LAZYLIB_DEFINE(p, FUNCS, so, pkg)                                      \
	struct p##_fns p##_fns;                                                \
	static struct lazylib p##_lib = LAZYLIB_INIT(so, pkg);                 \
	LAZYLIB_FILL(p##_fill, p##_lib, p##_fns, FUNCS)                        \
	enum pc_rc p##_lazy_load(void)                                         \
	{                                                                      \
		return lazylib_load(&p##_lib, p##_fill);                       \
	}

#endif /* PC_LAZYLIB_H */
