/*
 * curl_lazy.c: the libcurl function table (see curl_lazy.h).
 */
#define CURL_LAZY_IMPL
#include "base/curl_lazy.h"
#include "base/lazylib.h"
#include "base/log.h"

struct curl_fns curl_fns;

static struct lazylib curl_lib = LAZYLIB_INIT("libcurl.so.4", "libcurl4");

LAZYLIB_FILL(curl_fill_table, curl_lib, curl_fns, CURL_LAZY_FUNCS)

static bool
curl_fill(void *h)
{
	bool ok = curl_fill_table(h);

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
