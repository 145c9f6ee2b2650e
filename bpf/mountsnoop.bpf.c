// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* mountsnoop: mount(2), umount2(2), fsopen(2), fsconfig(2), fsmount(2) and
 * move_mount(2), with their arguments and results. Arguments are read at
 * entry, sent with the result at exit.
 * Hook: the syscalls:sys_{enter,exit}_* tracepoints of those calls (the
 * new mount API ones where the kernel has them, 5.2+). */
#include "bpftk.bpf.h"
#include "mountsnoop.h"

#define FSCONFIG_SET_STRING 1

const volatile __u32 targ_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct event);
} calls SEC(".maps");

static const struct event empty_event;

/* A fresh event for this thread's call, or NULL when filtered out. */
static __always_inline struct event *begin(__u32 op)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct task_struct *task;
	struct event *e;

	if (targ_tgid && targ_tgid != id >> 32)
		return 0;
	if (bpf_map_update_elem(&calls, &tid, &empty_event, BPF_ANY))
		return 0;
	e = bpf_map_lookup_elem(&calls, &tid);
	if (!e)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	e->delta_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = tid;
	e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->op = op;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	return e;
}

static __always_inline void str(struct event *e, int i, const char *src)
{
	char *dst = i == 0 ? e->str0 : i == 1 ? e->str1 : i == 2 ? e->str2 : e->str3;

	if (src)
		bpf_probe_read_user_str(dst, MOUNTSNOOP_STR_LEN, src);
}

static __always_inline int finish(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct event *e = bpf_map_lookup_elem(&calls, &tid);

	if (!e)
		return 0;
	e->delta_ns = bpf_ktime_get_ns() - e->delta_ns;
	e->ret = ret;
	emit(e, sizeof(*e));
	bpf_map_delete_elem(&calls, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mount")
int tp_enter_mount(struct syscall_trace_enter *ctx)
{
	struct event *e = begin(MOUNTSNOOP_MOUNT);

	if (!e)
		return 0;
	str(e, 0, (const char *)ctx->args[0]);
	str(e, 1, (const char *)ctx->args[1]);
	str(e, 2, (const char *)ctx->args[2]);
	e->flags = ctx->args[3];
	str(e, 3, (const char *)ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_umount")
int tp_enter_umount(struct syscall_trace_enter *ctx)
{
	struct event *e = begin(MOUNTSNOOP_UMOUNT);

	if (!e)
		return 0;
	str(e, 1, (const char *)ctx->args[0]);
	e->flags = ctx->args[1];
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fsopen")
int tp_enter_fsopen(struct syscall_trace_enter *ctx)
{
	struct event *e = begin(MOUNTSNOOP_FSOPEN);

	if (!e)
		return 0;
	str(e, 2, (const char *)ctx->args[0]);
	e->flags = ctx->args[1];
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fsconfig")
int tp_enter_fsconfig(struct syscall_trace_enter *ctx)
{
	struct event *e = begin(MOUNTSNOOP_FSCONFIG);

	if (!e)
		return 0;
	e->fd1 = ctx->args[0];
	e->cmd = ctx->args[1];
	str(e, 0, (const char *)ctx->args[2]);
	if (e->cmd == FSCONFIG_SET_STRING)
		str(e, 1, (const char *)ctx->args[3]);
	e->aux = ctx->args[4];
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fsmount")
int tp_enter_fsmount(struct syscall_trace_enter *ctx)
{
	struct event *e = begin(MOUNTSNOOP_FSMOUNT);

	if (!e)
		return 0;
	e->fd1 = ctx->args[0];
	e->flags = ctx->args[1];
	e->attr = ctx->args[2];
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_move_mount")
int tp_enter_move_mount(struct syscall_trace_enter *ctx)
{
	struct event *e = begin(MOUNTSNOOP_MOVE_MOUNT);

	if (!e)
		return 0;
	e->fd1 = ctx->args[0];
	str(e, 0, (const char *)ctx->args[1]);
	e->fd2 = ctx->args[2];
	str(e, 1, (const char *)ctx->args[3]);
	e->flags = ctx->args[4];
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mount")
int tp_exit_mount(struct syscall_trace_exit *ctx) { return finish(ctx->ret); }
SEC("tracepoint/syscalls/sys_exit_umount")
int tp_exit_umount(struct syscall_trace_exit *ctx) { return finish(ctx->ret); }
SEC("tracepoint/syscalls/sys_exit_fsopen")
int tp_exit_fsopen(struct syscall_trace_exit *ctx) { return finish(ctx->ret); }
SEC("tracepoint/syscalls/sys_exit_fsconfig")
int tp_exit_fsconfig(struct syscall_trace_exit *ctx) { return finish(ctx->ret); }
SEC("tracepoint/syscalls/sys_exit_fsmount")
int tp_exit_fsmount(struct syscall_trace_exit *ctx) { return finish(ctx->ret); }
SEC("tracepoint/syscalls/sys_exit_move_mount")
int tp_exit_move_mount(struct syscall_trace_exit *ctx) { return finish(ctx->ret); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
