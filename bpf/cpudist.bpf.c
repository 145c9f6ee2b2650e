// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* cpudist: how long tasks run on a CPU each time they are switched in (or,
 * with -O, how long they are off it), as log2 histograms. Every slice is
 * counted, voluntary or preempted (bcc and libbpf-tools count on-CPU time
 * only for preempted tasks).
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_switch
 *   raw_tp  sched_switch */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "hist.bpf.h"
#include "task_hists.bpf.h"
#include "start.bpf.h" /* when each thread was switched in (on-CPU) or out (-O) */

#define CPUDIST_ALL ((__u32)-1)

const volatile bool targ_offcpu = false;
const volatile bool targ_include_idle = false; /* -I: the idle tasks too (PID 0) */

/* Where a thread's time is kept: by thread ID, but every CPU's idle task
 * has ID 0, so those are kept by CPU, under keys no thread ID reaches
 * (PIDs stop below 2^22). Both switches of an idle task happen on its CPU. */
static __always_inline __u32 start_key(struct task_struct *t)
{
	__u32 tid = BPF_CORE_READ(t, pid);

	return tid ? tid : 0x80000000u | bpf_get_smp_processor_id();
}

static __always_inline bool counted(struct task_struct *t)
{
	if (!BPF_CORE_READ(t, pid))
		return targ_include_idle && !targ_tgid && task_cgroup_allowed(t);
	return task_allowed(t, targ_tgid) && task_cgroup_allowed(t);
}

static __always_inline void mark(struct task_struct *t, __u64 ts)
{
	if (counted(t))
		start_at(start_key(t), ts);
}

static __always_inline void account(struct task_struct *t, __u64 ts)
{
	__s64 delta;

	if (start_take(start_key(t), ts, &delta) && delta >= 0)
		task_hist_count(t, CPUDIST_ALL, delta);
}

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	__u64 ts = bpf_ktime_get_ns();

	if (targ_offcpu) {
		mark(prev, ts);
		account(next, ts);
	} else {
		account(prev, ts);
		mark(next, ts);
	}
	return 0;
}

#define SCHED_HOOKS_SWITCH_ONLY
#include "sched_hooks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
