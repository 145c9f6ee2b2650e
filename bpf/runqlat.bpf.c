// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* runqlat: run-queue latency, from a task being made runnable (woken, new,
 * or preempted while running) until it runs, as a log2 histogram.
 * Hook alternatives, in order of preference:
 *   tp_btf  sched_wakeup, sched_wakeup_new, sched_switch
 *   raw_tp  the same tracepoints, without BTF arguments */
#include "bpftk.bpf.h"
#include "cgroup.bpf.h"
#include "hist.bpf.h"
#include "runqlat.h"

#define TASK_RUNNING 0

const volatile __u32 targ_tgid = 0;
const volatile bool targ_per_process = false;
const volatile bool targ_per_thread = false;
const volatile bool targ_per_pidns = false;
const volatile bool targ_ms = false;

/* When each runnable task was enqueued, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* most runs use one key */
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

static const struct hist zero_hist;

static __always_inline void enqueue(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid), pid = BPF_CORE_READ(t, pid);
	__u64 ts;

	if (!pid) /* the idle task */
		return;
	if (targ_tgid && targ_tgid != tgid)
		return;
	if (!task_cgroup_allowed(t))
		return;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
}

/* The pid namespace a task lives in (task_active_pid_ns), by inode. */
static __always_inline __u32 pid_namespace(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid;

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	return BPF_CORE_READ(upid.ns, ns.inum);
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next)
{
	__u32 pid, key;
	struct hist *h;
	__u64 *tsp;
	__s64 delta;

	/* A task preempted while running goes straight back to the queue. */
	if (task_state(prev) == TASK_RUNNING)
		enqueue(prev);

	pid = BPF_CORE_READ(next, pid);
	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	if (delta < 0)
		goto cleanup;

	if (targ_per_process)
		key = BPF_CORE_READ(next, tgid);
	else if (targ_per_thread)
		key = pid;
	else if (targ_per_pidns)
		key = pid_namespace(next);
	else
		key = RUNQLAT_ALL;
	h = lookup_or_init(&hists, &key, &zero_hist);
	if (!h)
		goto cleanup;
	if (!h->comm[0])
		BPF_CORE_READ_STR_INTO(&h->comm, next, comm);
	hist_add_log2(h, delta / (targ_ms ? 1000000 : 1000));
cleanup:
	bpf_map_delete_elem(&start, &pid);
	return 0;
}

#include "sched_hooks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
