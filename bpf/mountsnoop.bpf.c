// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* mountsnoop: mount(2), umount2(2), fsopen(2), fsconfig(2), fsmount(2) and
 * move_mount(2), with their arguments and results. Arguments are read at
 * entry, sent with the result at exit.
 * Hook: the syscalls:sys_{enter,exit}_* tracepoints of those calls (the
 * new mount API ones where the kernel has them, 5.2+). */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "mountsnoop.h"

#define FSCONFIG_SET_STRING 1

const volatile __u32 targ_tgid = 0;

BPFTK_HASH(calls, __u32, struct event, 1024);

static const struct event empty_event;

/* A fresh event for this thread's call, or NULL when filtered out. */
static __always_inline struct event *begin(__u32 op)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct task_struct *task;
	struct event *e;

	if (!id_allowed(targ_tgid, id >> 32))
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
	struct event *e = thread_entry(&calls);

	if (!e)
		return 0;
	e->delta_ns = bpf_ktime_get_ns() - e->delta_ns;
	e->ret = ret;
	emit(e, sizeof(*e));
	thread_entry_clear(&calls);
	return 0;
}

/* The arguments of call `op`, a constant: each program keeps its own branch. */
static __always_inline int enter(__u32 op, struct syscall_trace_enter *ctx)
{
	struct event *e = begin(op);

	if (!e)
		return 0;
	if (op == MOUNTSNOOP_MOUNT) {
		str(e, 0, (const char *)ctx->args[0]);
		str(e, 1, (const char *)ctx->args[1]);
		str(e, 2, (const char *)ctx->args[2]);
		e->flags = ctx->args[3];
		str(e, 3, (const char *)ctx->args[4]);
	} else if (op == MOUNTSNOOP_UMOUNT) {
		str(e, 1, (const char *)ctx->args[0]);
		e->flags = ctx->args[1];
	} else if (op == MOUNTSNOOP_FSOPEN) {
		str(e, 2, (const char *)ctx->args[0]);
		e->flags = ctx->args[1];
	} else if (op == MOUNTSNOOP_FSCONFIG) {
		e->fd1 = ctx->args[0];
		e->cmd = ctx->args[1];
		str(e, 0, (const char *)ctx->args[2]);
		if (e->cmd == FSCONFIG_SET_STRING)
			str(e, 1, (const char *)ctx->args[3]);
		e->aux = ctx->args[4];
	} else if (op == MOUNTSNOOP_FSMOUNT) {
		e->fd1 = ctx->args[0];
		e->flags = ctx->args[1];
		e->attr = ctx->args[2];
	} else if (op == MOUNTSNOOP_MOVE_MOUNT) {
		e->fd1 = ctx->args[0];
		str(e, 0, (const char *)ctx->args[1]);
		e->fd2 = ctx->args[2];
		str(e, 1, (const char *)ctx->args[3]);
		e->flags = ctx->args[4];
	}
	return 0;
}

/* The entry and exit programs of each call. */
#define MOUNT_CALL(call, op) SYSCALL_ENTER(call, enter(op, ctx)) SYSCALL_EXIT(call, finish(ctx->ret))

MOUNT_CALL(mount, MOUNTSNOOP_MOUNT)
MOUNT_CALL(umount, MOUNTSNOOP_UMOUNT)
MOUNT_CALL(fsopen, MOUNTSNOOP_FSOPEN)
MOUNT_CALL(fsconfig, MOUNTSNOOP_FSCONFIG)
MOUNT_CALL(fsmount, MOUNTSNOOP_FSMOUNT)
MOUNT_CALL(move_mount, MOUNTSNOOP_MOVE_MOUNT)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
