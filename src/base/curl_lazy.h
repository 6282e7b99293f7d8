/*
 * curl_lazy.h: libcurl, loaded on first use (see base/lazylib.h). Include
 * this instead of <curl/curl.h>; call curl_lazy_load() before the first
 * curl call (it also runs curl_global_init once).
 */
#ifndef PC_CURL_LAZY_H
#define PC_CURL_LAZY_H

/* The type-checking macros of curl.h would wrap our pointers. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "base/pc.h"

#define CURL_LAZY_FUNCS(X)                                                     \
	X(curl_easy_cleanup)                                                   \
	X(curl_easy_getinfo)                                                   \
	X(curl_easy_init)                                                      \
	X(curl_easy_perform)                                                   \
	X(curl_easy_setopt)                                                    \
	X(curl_easy_strerror)                                                  \
	X(curl_global_init)                                                    \
	X(curl_mime_addpart)                                                   \
	X(curl_mime_data)                                                      \
	X(curl_mime_encoder)                                                   \
	X(curl_mime_filename)                                                  \
	X(curl_mime_free)                                                      \
	X(curl_mime_headers)                                                   \
	X(curl_mime_init)                                                      \
	X(curl_mime_name)                                                      \
	X(curl_mime_subparts)                                                  \
	X(curl_mime_type)                                                      \
	X(curl_slist_append)                                                   \
	X(curl_slist_free_all)

struct curl_fns {
#define CURL_LAZY_FIELD(f) __typeof__(&f) f;
	CURL_LAZY_FUNCS(CURL_LAZY_FIELD)
#undef CURL_LAZY_FIELD
};

extern struct curl_fns curl_fns;

/* Load libcurl and run curl_global_init once; PC_EUNAVAIL when missing. */
enum pc_rc curl_lazy_load(void);

#ifndef CURL_LAZY_IMPL
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_cleanup curl_fns.curl_easy_cleanup
#define curl_easy_getinfo curl_fns.curl_easy_getinfo
#define curl_easy_init curl_fns.curl_easy_init
#define curl_easy_perform curl_fns.curl_easy_perform
#define curl_easy_setopt curl_fns.curl_easy_setopt
#define curl_easy_strerror curl_fns.curl_easy_strerror
#define curl_global_init curl_fns.curl_global_init
#define curl_mime_addpart curl_fns.curl_mime_addpart
#define curl_mime_data curl_fns.curl_mime_data
#define curl_mime_encoder curl_fns.curl_mime_encoder
#define curl_mime_filename curl_fns.curl_mime_filename
#define curl_mime_free curl_fns.curl_mime_free
#define curl_mime_headers curl_fns.curl_mime_headers
#define curl_mime_init curl_fns.curl_mime_init
#define curl_mime_name curl_fns.curl_mime_name
#define curl_mime_subparts curl_fns.curl_mime_subparts
#define curl_mime_type curl_fns.curl_mime_type
#define curl_slist_append curl_fns.curl_slist_append
#define curl_slist_free_all curl_fns.curl_slist_free_all
#endif

#endif /* PC_CURL_LAZY_H */
