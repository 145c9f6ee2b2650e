// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* runqlat: run-queue latency, from a task being made runnable (woken, new,
 * or preempted while running) until it runs, as a log2 histogram.
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_wakeup, sched_wakeup_new, sched_switch
 *   raw_tp  the same tracepoints, without BTF arguments */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "hist.bpf.h"
#include "task_hists.bpf.h"
#include "runqlat.h"

const volatile bool targ_per_pidns = false;

static __always_inline bool runq_wanted(struct task_struct *t)
{
	return task_allowed(t, targ_tgid) && task_cgroup_allowed(t);
}

#include "runq.bpf.h"

/* The pid namespace a task lives in (task_active_pid_ns), by inode. */
static __always_inline __u32 pid_namespace(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid;

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	return BPF_CORE_READ(upid.ns, ns.inum);
}

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	__s64 delta;

	if (!runq_switch(ctx, prev, next, &delta) || delta < 0)
		return 0;
	task_hist_count(next, targ_per_pidns ? pid_namespace(next) : RUNQLAT_ALL, delta);
	return 0;
}

#include "sched_hooks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
