/*
 * mhd_lazy.h: libmicrohttpd, loaded on first use (see base/lazylib.h).
 * Include this instead of <microhttpd.h>; call mhd_lazy_load() before the
 * first MHD call. Only http/server.c uses it.
 */
#ifndef PC_MHD_LAZY_H
#define PC_MHD_LAZY_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "base/pc.h"

#define MHD_LAZY_FUNCS(X)                                                      \
	X(MHD_add_response_header)                                             \
	X(MHD_create_response_from_buffer)                                     \
	X(MHD_create_response_from_buffer_with_free_callback)                  \
	X(MHD_create_response_from_fd)                                         \
	X(MHD_destroy_response)                                                \
	X(MHD_get_connection_info)                                             \
	X(MHD_get_connection_values)                                           \
	X(MHD_get_daemon_info)                                                 \
	X(MHD_lookup_connection_value)                                         \
	X(MHD_queue_response)                                                  \
	X(MHD_start_daemon)                                                    \
	X(MHD_stop_daemon)

struct mhd_fns {
#define MHD_LAZY_FIELD(f) __typeof__(&f) f;
	MHD_LAZY_FUNCS(MHD_LAZY_FIELD)
#undef MHD_LAZY_FIELD
};

extern struct mhd_fns mhd_fns;

/* Load libmicrohttpd; PC_EUNAVAIL (logged) when it is not installed. */
enum pc_rc mhd_lazy_load(void);

#ifndef MHD_LAZY_IMPL
#define MHD_add_response_header mhd_fns.MHD_add_response_header
#define MHD_create_response_from_buffer mhd_fns.MHD_create_response_from_buffer
#define MHD_create_response_from_buffer_with_free_callback                     \
	mhd_fns.MHD_create_response_from_buffer_with_free_callback
#define MHD_create_response_from_fd mhd_fns.MHD_create_response_from_fd
#define MHD_destroy_response mhd_fns.MHD_destroy_response
#define MHD_get_connection_info mhd_fns.MHD_get_connection_info
#define MHD_get_connection_values mhd_fns.MHD_get_connection_values
#define MHD_get_daemon_info mhd_fns.MHD_get_daemon_info
#define MHD_lookup_connection_value mhd_fns.MHD_lookup_connection_value
#define MHD_queue_response mhd_fns.MHD_queue_response
#define MHD_start_daemon mhd_fns.MHD_start_daemon
#define MHD_stop_daemon mhd_fns.MHD_stop_daemon
#endif

#endif /* PC_MHD_LAZY_H */
