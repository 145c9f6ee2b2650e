// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* runqslower: tasks that waited in the run queue longer than a threshold,
 * from being made runnable (woken, new, or preempted) until they ran.
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_wakeup, sched_wakeup_new, sched_switch
 *   raw_tp  the same tracepoints, without BTF arguments */
#include "bpftk.bpf.h"
#include "runqslower.h"

#define TASK_RUNNING 0

const volatile __u64 min_us = 0;
const volatile __u32 targ_tgid = 0;
const volatile __u32 targ_tid = 0;

/* When each runnable task was enqueued, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

BPFTK_EXPORT_TYPE(event);

static __always_inline void enqueue(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid), tid = BPF_CORE_READ(t, pid);
	__u64 ts;

	if (!tid) /* the idle task */
		return;
	if (targ_tgid && targ_tgid != tgid)
		return;
	if (targ_tid && targ_tid != tid)
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next)
{
	struct event e = {};
	__u64 *tsp;
	__s64 delta;
	__u32 tid;

	/* A task preempted while running goes straight back to the queue. */
	if (task_state(prev) == TASK_RUNNING)
		enqueue(prev);

	tid = BPF_CORE_READ(next, pid);
	tsp = bpf_map_lookup_elem(&start, &tid);
	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&start, &tid);
	if (delta < 0)
		return 0;
	e.delta_us = delta / 1000;
	if (min_us && e.delta_us <= min_us)
		return 0;
	e.tid = tid;
	e.pid = BPF_CORE_READ(next, tgid);
	e.prev_tid = BPF_CORE_READ(prev, pid);
	BPF_CORE_READ_STR_INTO(&e.comm, next, comm);
	BPF_CORE_READ_STR_INTO(&e.prev_comm, prev, comm);
	emit(&e, sizeof(e));
	return 0;
}

#include "sched_hooks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
