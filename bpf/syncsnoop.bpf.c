// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* syncsnoop: sync(2), fsync(2), fdatasync(2), msync(2), sync_file_range(2)
 * and syncfs(2) calls.
 * Hook: tracepoint syscalls:sys_enter_<call> (all optional but sync). */
#include "bpftk.bpf.h"
#include "syncsnoop.h"

const volatile __u32 targ_tgid = 0;

/* The event is built here, and this map puts `struct event` in the BTF the
 * skeleton's types come from. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} scratch SEC(".maps");

static __always_inline int trace(__u32 sys)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, zero = 0;
	struct event *e;

	if (targ_tgid && targ_tgid != tgid)
		return 0;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->pid = tgid;
	e->tid = (__u32)id;
	e->sys = sys;
	e->pad = 0;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	emit(e, sizeof(*e));
	return 0;
}

/* One program per call, each named for the syscall_hooks! convention;
 * the number in the context names the call. */
#define SYNC_CALL(call)                                             \
	SEC("tracepoint/syscalls/sys_enter_" #call)                 \
	int tp_enter_##call(struct syscall_trace_enter *ctx)        \
	{                                                           \
		return trace(ctx->nr);                              \
	}

SYNC_CALL(sync)
SYNC_CALL(fsync)
SYNC_CALL(fdatasync)
SYNC_CALL(msync)
SYNC_CALL(sync_file_range)
SYNC_CALL(syncfs)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
