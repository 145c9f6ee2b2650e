// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* sigsnoop: signals sent, by kill(2), tkill(2), tgkill(2) or the kernel.
 * Hooks: the syscall tracepoints of the kill family (sender, target and
 * result) and signal:signal_generate (every signal the kernel generates,
 * with the target's name). A signal sent by one of the syscalls is reported
 * once, at the syscall's exit, with the name its signal_generate saw. */
#include "bpftk.bpf.h"
#include "sigsnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile __u64 targ_signals = 0; /* bit sig-1; 0: every signal */
const volatile bool failed_only = false;
const volatile bool syscalls_only = false; /* -k: no kernel-generated signals */
const volatile bool kill_only = false;     /* killsnoop: kill(2) alone */

/* kill family calls in flight, by thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct event);
} pending SEC(".maps");

static __always_inline bool signal_wanted(int sig)
{
	if (!targ_signals)
		return true;
	return sig > 0 && sig <= 64 && (targ_signals & (1ULL << (sig - 1)));
}

static __always_inline int on_enter(__u32 how, __u32 tpid, int sig)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct event e = {};

	if (kill_only && how != SIGSNOOP_KILL)
		return 0;
	if (targ_tgid && targ_tgid != id >> 32)
		return 0;
	if (!signal_wanted(sig))
		return 0;
	e.pid = id >> 32;
	e.tpid = tpid;
	e.sig = sig;
	e.how = how;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	bpf_map_update_elem(&pending, &tid, &e, BPF_ANY);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct event *e = bpf_map_lookup_elem(&pending, &tid);

	if (!e)
		return 0;
	e->ret = ret;
	if (!failed_only || ret < 0)
		emit(e, sizeof(*e));
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int tp_enter_kill(struct syscall_trace_enter *ctx)
{
	return on_enter(SIGSNOOP_KILL, ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int tp_enter_tkill(struct syscall_trace_enter *ctx)
{
	return on_enter(SIGSNOOP_TKILL, ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_tgkill")
int tp_enter_tgkill(struct syscall_trace_enter *ctx)
{
	return on_enter(SIGSNOOP_TGKILL, ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_kill")
int tp_exit_kill(struct syscall_trace_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_tkill")
int tp_exit_tkill(struct syscall_trace_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_tgkill")
int tp_exit_tgkill(struct syscall_trace_exit *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/signal/signal_generate")
int tp_generate(struct trace_event_raw_signal_generate *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct event *p = bpf_map_lookup_elem(&pending, &tid);
	struct event e = {};

	if (p) { /* inside a kill family call: name its target */
		bpf_probe_read_kernel_str(&p->tcomm, sizeof(p->tcomm), ctx->comm);
		return 0;
	}
	if (syscalls_only || failed_only)
		return 0;
	if (targ_tgid && targ_tgid != id >> 32)
		return 0;
	if (!signal_wanted(ctx->sig))
		return 0;
	e.pid = id >> 32;
	e.tpid = ctx->pid;
	e.sig = ctx->sig;
	e.how = SIGSNOOP_KERNEL;
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	bpf_probe_read_kernel_str(&e.tcomm, sizeof(e.tcomm), ctx->comm);
	emit(&e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
