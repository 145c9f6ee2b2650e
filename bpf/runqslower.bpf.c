// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* runqslower: tasks that waited in the run queue longer than a threshold,
 * from being made runnable (woken, new, or preempted) until they ran.
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_wakeup, sched_wakeup_new, sched_switch
 *   raw_tp  the same tracepoints, without BTF arguments */
#include "bpftk.bpf.h"
#include "runqslower.h"

const volatile __u64 min_us = 0;
const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_tid = 0;
/* -c COMM: only tasks whose name starts with it ("" for all). */
const volatile char targ_comm[16] = {};

BPFTK_EXPORT_TYPE(event);

static __always_inline bool comm_prefix_allowed(struct task_struct *t)
{
	char comm[16];
	int i;

	if (!targ_comm[0])
		return true;
	BPF_CORE_READ_STR_INTO(&comm, t, comm);
	for (i = 0; i < 16 && targ_comm[i]; i++)
		if (comm[i] != targ_comm[i])
			return false;
	return true;
}

static __always_inline bool runq_wanted(struct task_struct *t)
{
	return task_allowed(t, targ_tgid) && id_allowed(targ_tid, BPF_CORE_READ(t, pid)) &&
	       comm_prefix_allowed(t);
}

#include "runq.bpf.h"

static __always_inline int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
{
	struct event e = {};
	__s64 delta;

	if (!runq_switch(ctx, prev, next, &delta) || delta < 0)
		return 0;
	e.delta_us = delta / 1000;
	if (min_us && e.delta_us <= min_us)
		return 0;
	e.tid = BPF_CORE_READ(next, pid);
	e.pid = BPF_CORE_READ(next, tgid);
	e.prev_tid = BPF_CORE_READ(prev, pid);
	BPF_CORE_READ_STR_INTO(&e.comm, next, comm);
	BPF_CORE_READ_STR_INTO(&e.prev_comm, prev, comm);
	emit(&e, sizeof(e));
	return 0;
}

#include "sched_hooks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
