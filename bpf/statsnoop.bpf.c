// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* statsnoop: statfs(2), stat(2), lstat(2), fstat(2), fstatat(2) and
 * statx(2) with their results. The path is read when the call returns, as
 * opensnoop does; for fstat(2), and a call given an empty path
 * (AT_EMPTY_PATH), it is the path of the file behind the descriptor.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_{enter,exit}_{statfs,newstat,statx,newfstat,newfstatat,newlstat}
 *   raw_tp      sys_enter / sys_exit  (kernels without syscall tracepoints) */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "statsnoop.h"
#include "task_files.bpf.h"
#include "dentry_path.bpf.h"

const volatile __u32 targ_tgid = 0;

#define NO_FD -1

struct args {
	const char *fname;
	__s32 fd;   /* fstat(2)'s descriptor, an *at(2) call's dirfd, or NO_FD */
	__u32 call; /* STATSNOOP_* */
};

static __always_inline void fill(struct event *e, const struct args *a)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->call = a->call;
}

/* The path of the file behind a->fd, for a call with no path: built here,
 * where dentry_path() has the room it asks for. */
struct fd_path_buf {
	char buf[DPATH_MAX + 256];
};
BPFTK_PERCPU_SLOT(fd_paths, struct fd_path_buf);

static __always_inline __u32 fd_path(struct event *e, const struct args *a)
{
	struct fd_path_buf *f;
	struct file *file;
	long len;

	if (a->fd < 0)
		return 0;
	f = percpu_slot(&fd_paths);
	file = fd_file(a->fd);
	if (!f || !file)
		return 0;
	len = dentry_path(f->buf, BPF_CORE_READ(file, f_path.dentry),
			  BPF_CORE_READ(file, f_path.mnt));
	if (len <= 0)
		return 0; /* too deep, or a file of no directory (a pipe, a socket) */
	if (len > STATSNOOP_PATH_MAX - 1) {
		len = STATSNOOP_PATH_MAX - 1;
		e->truncated = 1;
	}
	bpf_probe_read_kernel(e->path, len & (STATSNOOP_PATH_MAX - 1), f->buf);
	return len;
}
#define PATH_CALLS_NO_PATH fd_path

#include "path_calls.bpf.h"

static __always_inline int trace_enter(const char *path, __s32 fd, __u32 call)
{
	struct args a = { .fname = path, .fd = fd, .call = call };

	if (id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32))
		thread_entry_set(&start, &a);
	return 0;
}

SYSCALL_ENTER(statfs, trace_enter((const char *)ctx->args[0], NO_FD, STATSNOOP_STATFS))
SYSCALL_ENTER(newstat, trace_enter((const char *)ctx->args[0], NO_FD, STATSNOOP_NEWSTAT))
SYSCALL_ENTER(newlstat, trace_enter((const char *)ctx->args[0], NO_FD, STATSNOOP_NEWLSTAT))
SYSCALL_ENTER(newfstat, trace_enter(NULL, ctx->args[0], STATSNOOP_NEWFSTAT))
SYSCALL_ENTER(statx, trace_enter((const char *)ctx->args[1], ctx->args[0], STATSNOOP_STATX))
SYSCALL_ENTER(newfstatat, trace_enter((const char *)ctx->args[1], ctx->args[0],
				      STATSNOOP_NEWFSTATAT))
SYSCALL_EXIT(statfs, path_call_exit(ctx->ret))
SYSCALL_EXIT(newstat, path_call_exit(ctx->ret))
SYSCALL_EXIT(newlstat, path_call_exit(ctx->ret))
SYSCALL_EXIT(newfstat, path_call_exit(ctx->ret))
SYSCALL_EXIT(statx, path_call_exit(ctx->ret))
SYSCALL_EXIT(newfstatat, path_call_exit(ctx->ret))

/* Kernels without syscall tracepoints: the stat family among all calls. */
#define ARG(n) RAW_SYSCALL_ARG(ctx, n)
static __always_inline int raw_enter(struct bpf_raw_tracepoint_args *ctx, long nr)
{
	if (nr == NR_statfs)
		return trace_enter((const char *)ARG(1), NO_FD, STATSNOOP_STATFS);
	if (nr == NR_stat)
		return trace_enter((const char *)ARG(1), NO_FD, STATSNOOP_NEWSTAT);
	if (nr == NR_lstat)
		return trace_enter((const char *)ARG(1), NO_FD, STATSNOOP_NEWLSTAT);
	if (nr == NR_fstat)
		return trace_enter(NULL, ARG(1), STATSNOOP_NEWFSTAT);
	if (nr == NR_newfstatat)
		return trace_enter((const char *)ARG(2), ARG(1), STATSNOOP_NEWFSTATAT);
	if (nr == NR_statx)
		return trace_enter((const char *)ARG(2), ARG(1), STATSNOOP_STATX);
	return 0;
}

RAW_SYS_ENTER(raw_enter(ctx, nr))

RAW_SYS_EXIT(path_call_exit(RAW_SYSCALL_RET(ctx)))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
