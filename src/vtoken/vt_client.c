/*
 * vt_client.c: the agent's socket from the client side (vt_client.h).
 * libc only: it runs inside the applications that load the module.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vtoken/vt_client.h"

#ifndef VT_AGENT_PATH
#define VT_AGENT_PATH "/usr/local/bin/pecete-vtoken"
#endif

extern char **environ;

int
vt_run_dir(char *out, size_t n)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	int k;

	if (x != NULL && x[0] == '/')
		k = snprintf(out, n, "%s/pecete-vtoken", x);
	else
		k = snprintf(
		    out, n, "/tmp/pecete-vtoken-%lu", (unsigned long)getuid());
	return k > 0 && (size_t)k < n ? 0 : -1;
}

int
vt_sock_path(char *out, size_t n)
{
	char d[VT_PATH_MAX];
	int k;

	if (vt_run_dir(d, sizeof(d)) != 0)
		return -1;
	k = snprintf(out, n, "%s/sock", d);
	return k > 0 && (size_t)k < n ? 0 : -1;
}

int
vt_connect(int timeout_ms)
{
	struct sockaddr_un a;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	int fd;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (vt_sock_path(a.sun_path, sizeof(a.sun_path)) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* The agent must be ours: another user's socket in a directory it
	 * made first would see the codes and forge the answers. */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
	    cr.uid != getuid() ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
vt_connect_start(const char *agent, int timeout_ms)
{
	char *argv[3];
	pid_t pid;
	int fd, st, i;
	posix_spawn_file_actions_t fa;

	fd = vt_connect(timeout_ms);
	if (fd >= 0)
		return fd;
	if (agent == NULL)
		agent = getenv("PECETE_VTOKEN_AGENT");
	if (agent == NULL || agent[0] == '\0')
		agent = VT_AGENT_PATH;
	argv[0] = (char *)(uintptr_t)agent;
	argv[1] = (char *)(uintptr_t) "agent";
	argv[2] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	/* The agent forks: its first process exits once the socket listens. */
	i = posix_spawn(&pid, agent, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (i != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (i = 0; i < 50; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		fd = vt_connect(timeout_ms);
		if (fd >= 0)
			return fd;
		nanosleep(&ts, NULL);
	}
	return -1;
}

int
vt_call(const char *agent, int timeout_ms, struct vt_out *o, uint8_t **body,
    struct vt_msg *m)
{
	size_t len;
	int fd;

	*body = NULL;
	if (vt_out_end(o) != 0)
		return -1;
	fd = vt_connect_start(agent, timeout_ms);
	if (fd < 0)
		return -1;
	if (vt_send(fd, o) != 0 || vt_recv(fd, body, &len) != 0 ||
	    vt_parse(*body, len, m) != 0 || m->op != VT_OP_REPLY) {
		close(fd);
		free(*body);
		*body = NULL;
		return -1;
	}
	close(fd);
	return 0;
}
