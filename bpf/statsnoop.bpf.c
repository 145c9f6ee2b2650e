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
const volatile bool targ_failed = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, const char *);
} start SEC(".maps");

/* The event is built here: it is too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} scratch SEC(".maps");

static __always_inline int trace_enter(const char *path)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;

	if (targ_tgid && targ_tgid != tgid)
		return 0;
	bpf_map_update_elem(&start, &tid, &path, BPF_ANY);
	return 0;
}

static __always_inline int trace_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0;
	const char **pathp = bpf_map_lookup_elem(&start, &tid);
	struct event *e;
	__u32 len;

	if (!pathp)
		return 0;
	if (targ_failed && ret >= 0)
		goto cleanup;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		goto cleanup;

	e->ts_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = tid;
	e->ret = ret;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	len = read_user_path(e->path, sizeof(e->path), *pathp, &e->truncated);
	e->path_len = len;
	emit(e, offsetof(struct event, path) + len);
cleanup:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_statfs")
int tp_enter_statfs(struct syscall_trace_enter *ctx)
{
	return trace_enter((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_newstat")
int tp_enter_newstat(struct syscall_trace_enter *ctx)
{
	return trace_enter((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_newlstat")
int tp_enter_newlstat(struct syscall_trace_enter *ctx)
{
	return trace_enter((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_statx")
int tp_enter_statx(struct syscall_trace_enter *ctx)
{
	return trace_enter((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_newfstatat")
int tp_enter_newfstatat(struct syscall_trace_enter *ctx)
{
	return trace_enter((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_statfs")
int tp_exit_statfs(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_newstat")
int tp_exit_newstat(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_newlstat")
int tp_exit_newlstat(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_statx")
int tp_exit_statx(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_newfstatat")
int tp_exit_newfstatat(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = RAW_SYSCALL_NR(ctx);

	if (nr == NR_statfs || nr == NR_stat || nr == NR_lstat)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 1));
	if (nr == NR_newfstatat || nr == NR_statx)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 2));
	return 0;
}

SEC("raw_tp/sys_exit")
int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return trace_exit(RAW_SYSCALL_RET(ctx));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
