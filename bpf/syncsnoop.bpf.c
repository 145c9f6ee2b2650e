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

SEC("tracepoint/syscalls/sys_enter_sync")
int tp_sync(void *ctx)
{
	return trace(SYS_SYNC);
}

SEC("tracepoint/syscalls/sys_enter_fsync")
int tp_fsync(void *ctx)
{
	return trace(SYS_FSYNC);
}

SEC("tracepoint/syscalls/sys_enter_fdatasync")
int tp_fdatasync(void *ctx)
{
	return trace(SYS_FDATASYNC);
}

SEC("tracepoint/syscalls/sys_enter_msync")
int tp_msync(void *ctx)
{
	return trace(SYS_MSYNC);
}

SEC("tracepoint/syscalls/sys_enter_sync_file_range")
int tp_sync_file_range(void *ctx)
{
	return trace(SYS_SYNC_FILE_RANGE);
}

SEC("tracepoint/syscalls/sys_enter_syncfs")
int tp_syncfs(void *ctx)
{
	return trace(SYS_SYNCFS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
