// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* statsnoop: statfs(2), stat(2), lstat(2), fstatat(2) and statx(2) with their
 * results. The path is read when the call returns, as opensnoop does.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_{enter,exit}_{statfs,newstat,statx,newfstatat,newlstat}
 *   raw_tp      sys_enter / sys_exit  (kernels without syscall tracepoints) */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "statsnoop.h"

const volatile __u32 targ_tgid = 0;

struct args {
	const char *fname;
};

static __always_inline void fill(struct event *e, const struct args *a)
{
	e->ts_ns = bpf_ktime_get_ns();
}

#include "path_calls.bpf.h"

static __always_inline int trace_enter(const char *path)
{
	struct args a = { .fname = path };

	if (id_allowed(targ_tgid, bpf_get_current_pid_tgid() >> 32))
		thread_entry_set(&start, &a);
	return 0;
}

SYSCALL_ENTER(statfs, trace_enter((const char *)ctx->args[0]))
SYSCALL_ENTER(newstat, trace_enter((const char *)ctx->args[0]))
SYSCALL_ENTER(newlstat, trace_enter((const char *)ctx->args[0]))
SYSCALL_ENTER(statx, trace_enter((const char *)ctx->args[1]))
SYSCALL_ENTER(newfstatat, trace_enter((const char *)ctx->args[1]))
SYSCALL_EXIT(statfs, path_call_exit(ctx->ret))
SYSCALL_EXIT(newstat, path_call_exit(ctx->ret))
SYSCALL_EXIT(newlstat, path_call_exit(ctx->ret))
SYSCALL_EXIT(statx, path_call_exit(ctx->ret))
SYSCALL_EXIT(newfstatat, path_call_exit(ctx->ret))

/* Kernels without syscall tracepoints: the stat family among all calls. */
static __always_inline int raw_enter(struct bpf_raw_tracepoint_args *ctx, long nr)
{
	if (nr == NR_statfs || nr == NR_stat || nr == NR_lstat)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 1));
	if (nr == NR_newfstatat || nr == NR_statx)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 2));
	return 0;
}

RAW_SYS_ENTER(raw_enter(ctx, nr))

RAW_SYS_EXIT(path_call_exit(RAW_SYSCALL_RET(ctx)))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
