// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* sigsnoop: signals sent, by kill(2), tkill(2), tgkill(2) or the kernel.
 * Hooks: the syscall tracepoints of the kill family (sender, target and
 * result) and signal:signal_generate (every signal the kernel generates,
 * with the target's name). A signal sent by one of the syscalls is reported
 * once, at the syscall's exit, with the name its signal_generate saw. */
#include "bpftk.bpf.h"
#include "syscalls.bpf.h"
#include "sigsnoop.h"

const volatile __u32 targ_tgid = 0;
const volatile __u64 targ_signals = 0; /* bit sig-1; 0: every signal */
const volatile bool targ_failed = false;
const volatile bool syscalls_only = false; /* -k, killsnoop: no kernel-generated signals */

/* kill family calls in flight, by thread. */
BPFTK_HASH(pending, __u32, struct event, 10240);

static __always_inline bool signal_wanted(int sig)
{
	if (!targ_signals)
		return true;
	return sig > 0 && sig <= 64 && (targ_signals & (1ULL << (sig - 1)));
}

/* A signal from the current process to `tpid`: its event begun in *e;
 * false when -p or -s leaves it out. */
static __always_inline bool signal_from(struct event *e, __u32 tpid, int sig, __u32 how)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!id_allowed(targ_tgid, id >> 32) || !signal_wanted(sig))
		return false;
	e->pid = id >> 32;
	e->tpid = tpid;
	e->sig = sig;
	e->how = how;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	return true;
}

static __always_inline int on_enter(__u32 how, __u32 tpid, int sig)
{
	struct event e = {};

	if (signal_from(&e, tpid, sig, how))
		thread_entry_set(&pending, &e);
	return 0;
}

static __always_inline int on_exit(long ret)
{
	struct event *e = thread_entry(&pending);

	if (!e)
		return 0;
	e->ret = ret;
	if (!targ_failed || ret < 0)
		emit(e, sizeof(*e));
	thread_entry_clear(&pending);
	return 0;
}

SYSCALL_ENTER(kill, on_enter(SIGSNOOP_KILL, ctx->args[0], ctx->args[1]))
SYSCALL_ENTER(tkill, on_enter(SIGSNOOP_TKILL, ctx->args[0], ctx->args[1]))
SYSCALL_ENTER(tgkill, on_enter(SIGSNOOP_TGKILL, ctx->args[1], ctx->args[2]))
SYSCALL_EXIT(kill, on_exit(ctx->ret))
SYSCALL_EXIT(tkill, on_exit(ctx->ret))
SYSCALL_EXIT(tgkill, on_exit(ctx->ret))

SEC("tracepoint/signal/signal_generate")
int tp_generate(struct trace_event_raw_signal_generate *ctx)
{
	struct event *p = thread_entry(&pending);
	struct event e = {};

	if (p) { /* inside a kill family call: name its target */
		bpf_probe_read_kernel_str(&p->tcomm, sizeof(p->tcomm), ctx->comm);
		return 0;
	}
	if (syscalls_only || targ_failed)
		return 0;
	if (!signal_from(&e, ctx->pid, ctx->sig, SIGSNOOP_KERNEL))
		return 0;
	bpf_probe_read_kernel_str(&e.tcomm, sizeof(e.tcomm), ctx->comm);
	emit(&e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
