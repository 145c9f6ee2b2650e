// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* wakeuptime: time threads spend blocked, summed by the stack of the task
 * that woke them. A thread's block starts as it is switched out; the time is
 * counted at its wakeup, where the current task is the waker.
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_switch, sched_wakeup
 *   raw_tp  the same tracepoints */
#include "bpftk.bpf.h"
#include "stacks.bpf.h"
#include "start.bpf.h" /* when each thread was switched out */
#include "wakeuptime.h"

#define PF_KTHREAD 0x00200000

const volatile __u32 targ_tgid = 0;
const volatile bool user_threads_only = false;
const volatile __u64 min_block_us = 1;
const volatile __u64 max_block_us = (__u64)-1;

BPFTK_HASH(counts, struct key_t, __u64, 16384);

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	if (!task_allowed(prev, targ_tgid))
		return 0;
	if (user_threads_only && (BPF_CORE_READ(prev, flags) & PF_KTHREAD))
		return 0;
	start_now(BPF_CORE_READ(prev, pid));
	return 0;
}

static __always_inline int on_wakeup(void *ctx, struct task_struct *p)
{
	struct key_t key = {};
	__u64 delta, zero = 0, *count;
	__s64 elapsed;

	if (!start_take(BPF_CORE_READ(p, pid), bpf_ktime_get_ns(), &elapsed))
		return 0;
	delta = (__u64)elapsed / 1000;
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

#define SCHED_HOOKS_NO_WAKEUP_NEW
#include "sched_hooks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
