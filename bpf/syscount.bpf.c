// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* syscount: system calls counted (and with -L timed) by syscall or process.
 * Hook alternatives, in order of preference:
 *   raw_tp      sys_enter / sys_exit
 *   tracepoint  raw_syscalls:sys_enter / sys_exit */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "syscalls.bpf.h"
#include "start.bpf.h" /* -L: when each thread entered its syscall */
#include "syscount.h"

const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_tid = 0; /* -t: one thread */
const volatile bool targ_failed = false;
const volatile int targ_errno = 0; /* a positive errno, 0: any */
const volatile bool measure_latency = false;
const volatile bool count_by_process = false;

BPFTK_HASH(data, __u32, struct data_t, 10240);

static const struct data_t zero_data;

static __always_inline bool wanted(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	return id_allowed(targ_tgid, id >> 32) && id_allowed(targ_tid, (__u32)id) &&
	       cgroup_allowed();
}

static __always_inline int on_enter(void)
{
	if (measure_latency && wanted())
		start_now((__u32)bpf_get_current_pid_tgid());
	return 0;
}

static __always_inline int on_exit(long nr, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct data_t *d;
	__s64 delta = 0;
	__u32 key;

	if (nr < 0) /* not a syscall: a signal return, say */
		return 0;
	if (!wanted())
		return 0;
	if (measure_latency && !start_take((__u32)id, bpf_ktime_get_ns(), &delta))
		return 0;
	if (targ_failed && ret >= 0)
		return 0;
	if (targ_errno && ret != -targ_errno)
		return 0;
	key = count_by_process ? id >> 32 : (__u32)nr;
	d = lookup_or_init(&data, &key, &zero_data);
	if (!d)
		return 0;
	/* The latest name: a process that execs shows what it became. */
	if (count_by_process)
		bpf_get_current_comm(&d->comm, sizeof(d->comm));
	__sync_fetch_and_add(&d->count, 1);
	if (measure_latency)
		__sync_fetch_and_add(&d->total_ns, delta);
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return on_enter();
}

SEC("raw_tp/sys_exit")
int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit(RAW_SYSCALL_EXIT_NR(ctx), RAW_SYSCALL_RET(ctx));
}

SEC("tracepoint/raw_syscalls/sys_enter")
int tp_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter();
}

SEC("tracepoint/raw_syscalls/sys_exit")
int tp_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	return on_exit(ctx->id, ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
