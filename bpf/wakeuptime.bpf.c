// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* wakeuptime: time threads spend blocked, summed by the stack of the task
 * that woke them. A thread's block starts as it is switched out; the time is
 * counted at its wakeup, where the current task is the waker.
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_switch, sched_wakeup
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#include "wakeuptime.h"

#define PF_KTHREAD 0x00200000

const volatile __u32 targ_tgid = 0;
const volatile bool user_threads_only = false;
const volatile __u64 min_block_us = 1;
const volatile __u64 max_block_us = (__u64)-1;

/* When each thread was switched out. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct key_t);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int on_switch(struct task_struct *prev)
{
	__u32 pid = BPF_CORE_READ(prev, pid);
	__u64 ts;

	if (!pid)
		return 0;
	if (targ_tgid && targ_tgid != BPF_CORE_READ(prev, tgid))
		return 0;
	if (user_threads_only && (BPF_CORE_READ(prev, flags) & PF_KTHREAD))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

static __always_inline int on_wakeup(void *ctx, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	struct key_t key = {};
	__u64 *tsp, delta, zero = 0, *count;

	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	delta = (bpf_ktime_get_ns() - *tsp) / 1000;
	bpf_map_delete_elem(&start, &pid);
	if (delta < min_block_us || delta > max_block_us)
		return 0;
	key.w_k_stack_id = bpf_get_stackid(ctx, &stackmap, 0);
	BPF_CORE_READ_STR_INTO(&key.target, p, comm);
	bpf_get_current_comm(&key.waker, sizeof(key.waker));
	count = lookup_or_init(&counts, &key, &zero);
	if (count)
		__sync_fetch_and_add(count, delta);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_btf_wakeup, struct task_struct *p)
{
	return on_wakeup(ctx, p);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_wakeup, struct task_struct *p)
{
	return on_wakeup(ctx, p);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
