/*
 * vt_client.h: reaching the agent from the module and from the
 * pecete-vtoken commands: its socket path, a connection with bounded
 * time-outs, starting it on demand, one request and its answer.
 */
#ifndef PC_VT_CLIENT_H
#define PC_VT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "vtoken/vt_proto.h"

#define VT_PATH_MAX 108 /* sockaddr_un's sun_path */

/* $XDG_RUNTIME_DIR/pecete-vtoken (or /tmp/pecete-vtoken-UID without it):
 * 0 or -1 (too long). */
int vt_run_dir(char *out, size_t n);
int vt_sock_path(char *out, size_t n);
/* Connect with send/receive time-outs of timeout_ms; -1 when nobody
 * listens. */
int vt_connect(int timeout_ms);
/*
 * Start the agent (argv: agent, "agent") when nobody listens, then
 * connect. agent: the program; NULL for $PECETE_VTOKEN_AGENT or the
 * installed path. -1 when it cannot be reached.
 */
int vt_connect_start(const char *agent, int timeout_ms);
/*
 * Send o (finished by vt_out_end) on a new connection and read the
 * answer into *body (malloc'd) parsed in *m. 0, or -1 (agent unreachable
 * or the answer malformed).
 */
int vt_call(const char *agent, int timeout_ms, struct vt_out *o, uint8_t **body,
    struct vt_msg *m);

#endif
