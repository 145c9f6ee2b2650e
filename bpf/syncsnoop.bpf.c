// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* syncsnoop: sync(2), fsync(2), fdatasync(2), msync(2), sync_file_range(2)
 * and syncfs(2) calls.
 * Hook: tracepoint syscalls:sys_enter_<call> (all optional but sync). */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "syncsnoop.h"

const volatile __u32 targ_tgid = 0;

/* The event is built here, and this map puts `struct event` in the BTF the
 * skeleton's types come from. */
BPFTK_SCRATCH(struct event);

static __always_inline int trace(__u32 sys)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *e;

	if (!id_allowed(targ_tgid, id >> 32))
		return 0;
	e = percpu_slot(&scratch);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->sys = sys;
	e->pad = 0;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	emit(e, sizeof(*e));
	return 0;
}

/* One program per call; the number in the context names the call. */
SYSCALL_ENTER(sync, trace(ctx->nr))
SYSCALL_ENTER(fsync, trace(ctx->nr))
SYSCALL_ENTER(fdatasync, trace(ctx->nr))
SYSCALL_ENTER(msync, trace(ctx->nr))
SYSCALL_ENTER(sync_file_range, trace(ctx->nr))
SYSCALL_ENTER(syncfs, trace(ctx->nr))

char LICENSE[] SEC("license") = "Dual BSD/GPL";
