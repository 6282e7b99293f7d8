/*
 * signer_keeper.c: starting the signer program, directly or through the
 * keeper.
 *
 * Started as root with [server] user and [signer] user set, `pecete
 * serve` forks the keeper before anything else: a small process that
 * takes the signer's identity at once and starts (and restarts) the
 * signer for the web process, which then drops to its own user. The web
 * process can no longer start a signer itself (it could not give it the
 * signer's identity) nor signal it (another user's process), so it asks
 * the keeper over a control socket:
 *
 *   web -> keeper   'S'              start a signer
 *                   'K'              kill the running signer
 *   keeper -> web   'P' pid + fds    started; the channels' web ends
 *                   'E' errno        could not start one
 *                   'D' pid status   the signer ended (waitpid status)
 *
 * SOCK_SEQPACKET keeps each message whole. The keeper ends with the web
 * process: EOF on the control socket, or SIGTERM when its parent dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "signer/signer.h"
#include "signer/signer_int.h"

enum pc_rc
signer_exec_child(const char *exe, char *const argv[], unsigned nchan,
    int web_fds[], pid_t *pid_out)
{
	int pairs[SIGNER_CHANNELS_MAX][2];
	unsigned i, made = 0;
	pid_t pid;

	if (nchan == 0 || nchan > SIGNER_CHANNELS_MAX)
		return PC_EINVAL;
	for (i = 0; i < nchan; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		        pairs[i]) != 0) {
			log_warn("signer: socketpair");
			goto fail;
		}
		made++;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("signer: fork");
		goto fail;
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls until exec. */
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (i = 0; i < nchan; i++) {
			/* Move the child ends above the target range first. */
			int hi = fcntl(pairs[i][1], F_DUPFD, 3 + (int)nchan);

			if (hi < 0)
				_exit(127);
			pairs[i][1] = hi;
		}
		for (i = 0; i < nchan; i++)
			if (dup2(pairs[i][1], 3 + (int)i) < 0)
				_exit(127);
		close_range(3 + nchan, ~0U, 0);
		execv(exe, argv);
		_exit(127);
	}
	for (i = 0; i < nchan; i++) {
		close(pairs[i][1]);
		web_fds[i] = pairs[i][0];
	}
	*pid_out = pid;
	return PC_OK;
fail:
	for (i = 0; i < made; i++) {
		close(pairs[i][0]);
		close(pairs[i][1]);
	}
	return PC_EIO;
}

/* ---- the keeper's messages ------------------------------------------- */

struct keeper_msg {
	char type;
	int32_t a, b;
};

/* A keeper message's header and control buffer (up to
 * SIGNER_CHANNELS_MAX descriptors), for sendmsg and recvmsg. */
struct keeper_mh {
	struct msghdr mh;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int) * SIGNER_CHANNELS_MAX)];
		struct cmsghdr align;
	} u;
};

static void
keeper_mh_init(struct keeper_mh *k, struct keeper_msg *m)
{
	memset(k, 0, sizeof(*k));
	k->iov.iov_base = m;
	k->iov.iov_len = sizeof(*m);
	k->mh.msg_iov = &k->iov;
	k->mh.msg_iovlen = 1;
	k->mh.msg_control = k->u.buf;
	k->mh.msg_controllen = sizeof(k->u.buf);
}

static enum pc_rc
keeper_send(
    int ctl, char type, int32_t a, int32_t b, const int *fds, unsigned nfds)
{
	struct keeper_msg m = { type, a, b };
	struct keeper_mh k;
	struct cmsghdr *c;
	ssize_t n;

	keeper_mh_init(&k, &m);
	if (nfds > 0) {
		k.mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&k.mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	} else {
		k.mh.msg_control = NULL;
		k.mh.msg_controllen = 0;
	}
	do
		n = sendmsg(ctl, &k.mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(m) ? PC_OK : PC_EIO;
}

/*
 * One message; fds (up to max) received with it are stored in fds and
 * counted in *nfds (more than max: closed, PC_EINVAL). PC_EIO on EOF.
 */
static enum pc_rc
keeper_recv(
    int ctl, struct keeper_msg *m, int *fds, unsigned max, unsigned *nfds)
{
	struct keeper_mh k;
	struct cmsghdr *c;
	unsigned i, got = 0;
	ssize_t n;
	enum pc_rc rc = PC_OK;

	*nfds = 0;
	keeper_mh_init(&k, m);
	do
		n = recvmsg(ctl, &k.mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return PC_EIO;
	for (c = CMSG_FIRSTHDR(&k.mh); c != NULL; c = CMSG_NXTHDR(&k.mh, c)) {
		int *cf = (int *)(void *)CMSG_DATA(c);
		unsigned nf;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nf = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < nf; i++) {
			if (got < max)
				fds[got++] = cf[i];
			else {
				close(cf[i]);
				rc = PC_EINVAL;
			}
		}
	}
	*nfds = got;
	if (n != (ssize_t)sizeof(*m) || (k.mh.msg_flags & MSG_CTRUNC))
		rc = PC_EINVAL;
	return rc;
}

/* ---- the keeper process ---------------------------------------------- */

struct keeper {
	int ctl;
	const char *exe;
	char *const *argv;
	unsigned nchan;
	pid_t child;
	int pidfd;
};

static void
keeper_spawn(struct keeper *k)
{
	int fds[SIGNER_CHANNELS_MAX];
	unsigned i;
	pid_t pid;

	if (k->child > 0) {
		keeper_send(k->ctl, 'E', EBUSY, 0, NULL, 0);
		return;
	}
	if (signer_exec_child(k->exe, k->argv, k->nchan, fds, &pid) != PC_OK) {
		keeper_send(k->ctl, 'E', errno, 0, NULL, 0);
		return;
	}
	k->child = pid;
	k->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	keeper_send(k->ctl, 'P', (int32_t)pid, 0, fds, k->nchan);
	for (i = 0; i < k->nchan; i++)
		close(fds[i]);
}

/* The signer ended (or not yet: then nothing). */
static void
keeper_reap(struct keeper *k, int flags, bool report)
{
	int status = 0;
	pid_t w;

	do
		w = waitpid(k->child, &status, flags);
	while (w < 0 && errno == EINTR);
	if (w != k->child)
		return;
	if (k->pidfd >= 0)
		close(k->pidfd);
	k->pidfd = -1;
	if (report)
		keeper_send(k->ctl, 'D', (int32_t)k->child, status, NULL, 0);
	k->child = 0;
}

static int
keeper_main(struct keeper *k)
{
	struct pollfd p[2];
	struct keeper_msg m;
	unsigned nfds;
	int fds[1];

	for (;;) {
		p[0].fd = k->ctl;
		p[0].events = POLLIN;
		p[1].fd = k->pidfd;
		p[1].events = POLLIN;
		if (poll(p, k->pidfd >= 0 ? 2 : 1, k->child > 0 ? 1000 : -1) <
		        0 &&
		    errno != EINTR)
			break;
		/* The pidfd wakes the poll; without one (old kernels) the
		 * child is looked at every second. */
		if (k->child > 0)
			keeper_reap(k, WNOHANG, true);
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (keeper_recv(k->ctl, &m, fds, 0, &nfds) != PC_OK)
			break; /* the web process is gone */
		if (m.type == 'S')
			keeper_spawn(k);
		else if (m.type == 'K' && k->child > 0)
			kill(k->child, SIGKILL);
	}
	if (k->child > 0) {
		kill(k->child, SIGTERM);
		keeper_reap(k, 0, false);
	}
	return 0;
}

enum pc_rc
signer_keeper_start(const char *exe, char *const argv[], unsigned nchan,
    const struct signer_ids *ids, int *ctl_out, pid_t *pid_out)
{
	struct keeper k;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return PC_EIO;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return PC_EIO;
	}
	if (pid > 0) {
		close(sv[1]);
		*ctl_out = sv[0];
		*pid_out = pid;
		return PC_OK;
	}
	/* The keeper: the signer's identity (and the web group, for the
	 * shared database), for good, before anything else. The web side
	 * blocks SIGINT/SIGTERM for its sigwait: not here. */
	{
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	close(sv[0]);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (setgroups(1, &ids->web_gid) != 0 ||
	    setresgid(ids->signer_gid, ids->signer_gid, ids->signer_gid) != 0 ||
	    setresuid(ids->signer_uid, ids->signer_uid, ids->signer_uid) != 0 ||
	    setresuid(0, 0, 0) == 0) {
		log_warn("signer keeper: cannot take the signer's user");
		_exit(1);
	}
	/* Cleared by the identity change: set after it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_DUMPABLE, 0);
	if (getppid() == 1)
		_exit(0);
	log_set_proc("pecete-keeper");
	memset(&k, 0, sizeof(k));
	k.ctl = sv[1];
	k.exe = exe;
	k.argv = argv;
	k.nchan = nchan;
	k.pidfd = -1;
	_exit(keeper_main(&k));
}

/* ---- the web side's requests ----------------------------------------- */

enum pc_rc
signer_keeper_spawn(int ctl, unsigned nchan, int web_fds[], pid_t *pid)
{
	struct keeper_msg m;
	unsigned n, i;
	enum pc_rc rc;

	rc = keeper_send(ctl, 'S', 0, 0, NULL, 0);
	if (rc != PC_OK)
		return rc;
	for (;;) {
		rc = keeper_recv(ctl, &m, web_fds, nchan, &n);
		if (rc == PC_OK && m.type == 'P' && n == nchan) {
			*pid = (pid_t)m.a;
			return PC_OK;
		}
		for (i = 0; i < n; i++)
			close(web_fds[i]);
		if (rc != PC_OK)
			return rc;
		if (m.type == 'E') {
			log_warnx("signer keeper: cannot start the signer (%s)",
			    strerror(m.a));
			return PC_EIO;
		}
		/* A 'D' for a signer already counted as dead: skip it. */
	}
}

enum pc_rc
signer_keeper_wait(int ctl, pid_t pid, int *status)
{
	struct keeper_msg m;
	unsigned n, i;
	int fds[SIGNER_CHANNELS_MAX];

	for (;;) {
		if (keeper_recv(ctl, &m, fds, SIGNER_CHANNELS_MAX, &n) != PC_OK)
			return PC_EIO;
		for (i = 0; i < n; i++)
			close(fds[i]);
		if (m.type == 'D' && (pid_t)m.a == pid) {
			*status = m.b;
			return PC_OK;
		}
	}
}

void
signer_keeper_kill(int ctl)
{
	keeper_send(ctl, 'K', 0, 0, NULL, 0);
}
