/*
 * signer_seccomp.c: the system calls the signer process may never make.
 *
 * The signer holds the HSM PIN and the TOTP key and signs; it never runs
 * a program, starts a process, listens, traces or changes identity. A
 * seccomp filter installed when it starts kills it (SIGSYS, the whole
 * process) on any of those, so code run through a bug in a parser cannot
 * do them either; the supervisor then starts a fresh signer. A deny-list,
 * not an allow-list: the HSM module, SQLite and libpq make many calls
 * that vary with versions, and an allow-list that misses one kills
 * signing in production.
 *
 * The web process of a privilege-separated server (signer_privsep.c) gets
 * the same filter once it is the web user, less listen, accept and bind
 * (it serves HTTP): the keeper, not it, starts signers, so it too never
 * runs a program or starts a process.
 *
 * Threads are allowed (clone with CLONE_THREAD); clone3 answers ENOSYS
 * so the C library falls back to clone, whose flags the filter can read.
 * Sanitizer builds keep ptrace and clone without CLONE_THREAD: the leak
 * checker stops the world with them at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "base/log.h"
#include "signer/signer_int.h"

#if defined(__x86_64__)
#define SC_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SC_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SC_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SC_SANITIZER 1
#endif
#endif

#define SC_DATA(f) offsetof(struct seccomp_data, f)
#define SC_KILL BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

/* Never made by the signer: killed on sight. The first SC_NET entries
 * the web process makes (it serves HTTP). */
#define SC_NET 4
static const int sc_denied[] = {
	SYS_listen,
	SYS_accept,
	SYS_accept4,
	SYS_bind,
	SYS_execve,
	SYS_execveat,
#ifdef SYS_fork
	SYS_fork,
#endif
#ifdef SYS_vfork
	SYS_vfork,
#endif
#ifndef SC_SANITIZER
	SYS_ptrace,
#endif
	SYS_process_vm_readv,
	SYS_process_vm_writev,
	SYS_setuid,
	SYS_setgid,
	SYS_setreuid,
	SYS_setregid,
	SYS_setresuid,
	SYS_setresgid,
	SYS_setgroups,
	SYS_setfsuid,
	SYS_setfsgid,
	SYS_mount,
	SYS_umount2,
	SYS_pivot_root,
	SYS_chroot,
	SYS_unshare,
	SYS_setns,
	SYS_init_module,
	SYS_finit_module,
	SYS_delete_module,
	SYS_kexec_load,
	SYS_kexec_file_load,
	SYS_bpf,
	SYS_perf_event_open,
	SYS_keyctl,
	SYS_add_key,
	SYS_request_key,
	SYS_personality,
	SYS_userfaultfd,
	SYS_reboot,
	SYS_swapon,
	SYS_swapoff,
	SYS_acct,
#ifdef SYS_iopl
	SYS_iopl,
	SYS_ioperm,
#endif
};

#ifdef SC_ARCH
/* The architecture checks (6), two per denied call, clone3 (2), clone (5)
 * and the final allow (1). */
#define SC_MAX_INSNS (6 + 2 * PC_ARRAY_LEN(sc_denied) + 8)

static size_t
sc_build(struct sock_filter *f, bool web)
{
	size_t n = 0, i;

	/* Another architecture's numbers (x32, i386 on x86-64): killed. */
	f[n++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, SC_DATA(arch));
	f[n++] = (struct sock_filter)BPF_JUMP(
	    BPF_JMP | BPF_JEQ | BPF_K, SC_ARCH, 1, 0);
	f[n++] = (struct sock_filter)SC_KILL;
	f[n++] =
	    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SC_DATA(nr));
#if defined(__x86_64__)
	f[n++] = (struct sock_filter)BPF_JUMP(
	    BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1);
	f[n++] = (struct sock_filter)SC_KILL;
#endif
	for (i = web ? SC_NET : 0; i < PC_ARRAY_LEN(sc_denied); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(
		    BPF_JMP | BPF_JEQ | BPF_K, (unsigned)sc_denied[i], 0, 1);
		f[n++] = (struct sock_filter)SC_KILL;
	}
	/* clone3's flags are in memory the filter cannot read: ENOSYS
	 * makes the C library use clone. */
	f[n++] = (struct sock_filter)BPF_JUMP(
	    BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(
	    BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
#ifndef SC_SANITIZER
	/* clone: threads only (a new process would escape the filter's
	 * purpose, not the filter). */
	f[n++] = (struct sock_filter)BPF_JUMP(
	    BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	f[n++] = (struct sock_filter)BPF_STMT(
	    BPF_LD | BPF_W | BPF_ABS, SC_DATA(args[0]));
	f[n++] = (struct sock_filter)BPF_JUMP(
	    BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0);
	f[n++] = (struct sock_filter)SC_KILL;
	f[n++] =
	    (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
#endif
	f[n++] =
	    (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return n;
}

static enum pc_rc
sc_install(bool web)
{
	struct sock_filter f[SC_MAX_INSNS];
	struct sock_fprog prog;

	prog.len = (unsigned short)sc_build(f, web);
	RETURN_VAL_IF_FAIL(prog.len <= SC_MAX_INSNS, PC_EINTERNAL);
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		log_warn("%s: cannot install the system call filter",
		    web ? "serve" : "signer");
		return PC_EIO;
	}
	return PC_OK;
}

enum pc_rc
signer_seccomp_install(void)
{
	return sc_install(false);
}

enum pc_rc
signer_seccomp_web(void)
{
	return sc_install(true);
}
#else
enum pc_rc
signer_seccomp_install(void)
{
	log_warnx("signer: no system call filter for this architecture");
	return PC_OK;
}

enum pc_rc
signer_seccomp_web(void)
{
	log_warnx("serve: no system call filter for this architecture");
	return PC_OK;
}
#endif
