/*
 * curl_lazy.c: the libcurl function table (see curl_lazy.h).
 */
#define CURL_LAZY_IMPL
#include "base/curl_lazy.h"
#include "base/lazylib.h"
#include "base/log.h"

struct curl_fns curl_fns;

static struct lazylib curl_lib = LAZYLIB_INIT("libcurl.so.4", "libcurl4");

static bool
curl_fill(void *h)
{
	bool ok = true;

#define CURL_LAZY_SYM(f)                                                       \
	ok = lazylib_sym(h, curl_lib.soname, #f, (void **)&curl_fns.f) && ok;
	CURL_LAZY_FUNCS(CURL_LAZY_SYM)
#undef CURL_LAZY_SYM
	if (ok && curl_fns.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("curl_global_init failed");
		ok = false;
	}
	return ok;
}

enum pc_rc
curl_lazy_load(void)
{
	return lazylib_load(&curl_lib, curl_fill);
}
