// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* opensnoop: open(2), openat(2) and openat2(2) with their results.
 * Hook alternatives, in order of preference:
 *   tracepoint  syscalls:sys_{enter,exit}_open{,at,at2}  (fires only for these calls)
 *   raw_tp      sys_enter / sys_exit                     (kernels without syscall tracepoints) */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "opensnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_pid = 0;
const volatile __u32 targ_uid = BPFTK_INVALID_UID;
const volatile bool targ_failed = false;
/* -f: O_* bits of which one must be set, and a bitmap of accepted access modes
 * (bit 0 O_RDONLY, bit 1 O_WRONLY, bit 2 O_RDWR); both zero means no filter. */
const volatile __u64 targ_flag_bits = 0;
const volatile __u32 targ_accmodes = 0;

struct args {
	const char *fname;
	__u64 flags;
	__u32 mode;
	__s32 dfd;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct args);
} start SEC(".maps");

/* The event is built here: it is too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} scratch SEC(".maps");

static __always_inline bool flags_match(__u64 flags)
{
	if (!targ_flag_bits && !targ_accmodes)
		return true;
	if (flags & targ_flag_bits)
		return true;
	return targ_accmodes & (1 << (flags & 3));
}

static __always_inline int trace_enter(const char *fname, __u64 flags, __u32 mode, __s32 dfd)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, pid = (__u32)id;

	if (targ_tgid && targ_tgid != tgid)
		return 0;
	if (targ_pid && targ_pid != pid)
		return 0;
	if (targ_uid != BPFTK_INVALID_UID && targ_uid != (__u32)bpf_get_current_uid_gid())
		return 0;
	if (!flags_match(flags))
		return 0;

	struct args args = { .fname = fname, .flags = flags, .mode = mode, .dfd = dfd };
	bpf_map_update_elem(&start, &pid, &args, BPF_ANY);
	return 0;
}

static __always_inline int trace_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = (__u32)id, zero = 0;
	struct args *ap = bpf_map_lookup_elem(&start, &pid);
	struct event *e;
	__u32 len;

	if (!ap)
		return 0;
	if (targ_failed && ret >= 0)
		goto cleanup;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		goto cleanup;

	e->pid = id >> 32;
	e->tid = pid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->flags = ap->flags;
	e->mode = ap->mode;
	e->dfd = ap->dfd;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	len = read_user_path(e->path, sizeof(e->path), ap->fname, &e->truncated);
	e->path_len = len;
	emit(e, offsetof(struct event, path) + len);
cleanup:
	bpf_map_delete_elem(&start, &pid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int tp_enter_open(struct syscall_trace_enter *ctx)
{
	return trace_enter((const char *)ctx->args[0], ctx->args[1], ctx->args[2], -100 /* AT_FDCWD */);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct syscall_trace_enter *ctx)
{
	return trace_enter((const char *)ctx->args[1], ctx->args[2], ctx->args[3], ctx->args[0]);
}

static __always_inline int enter_openat2(int dfd, const char *fname, struct open_how *how)
{
	struct open_how h = {};

	bpf_probe_read_user(&h, sizeof(h), how);
	return trace_enter(fname, h.flags, h.mode, dfd);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int tp_enter_openat2(struct syscall_trace_enter *ctx)
{
	return enter_openat2(ctx->args[0], (const char *)ctx->args[1], (struct open_how *)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_open")
int tp_exit_open(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int tp_exit_openat2(struct syscall_trace_exit *ctx)
{
	return trace_exit(ctx->ret);
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	long nr = RAW_SYSCALL_NR(ctx);

	if (nr == NR_open)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 1), RAW_SYSCALL_ARG(ctx, 2),
				   RAW_SYSCALL_ARG(ctx, 3), -100);
	if (nr == NR_openat)
		return trace_enter((const char *)RAW_SYSCALL_ARG(ctx, 2), RAW_SYSCALL_ARG(ctx, 3),
				   RAW_SYSCALL_ARG(ctx, 4), RAW_SYSCALL_ARG(ctx, 1));
	if (nr == NR_openat2)
		return enter_openat2(RAW_SYSCALL_ARG(ctx, 1), (const char *)RAW_SYSCALL_ARG(ctx, 2),
				     (struct open_how *)RAW_SYSCALL_ARG(ctx, 3));
	return 0;
}

SEC("raw_tp/sys_exit")
int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	/* Only calls that trace_enter recorded have an entry in `start`. */
	return trace_exit(RAW_SYSCALL_RET(ctx));
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
