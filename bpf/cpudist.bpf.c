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

#define CPUDIST_ALL ((__u32)-1)

const volatile __u32 targ_tgid = 0;
const volatile bool targ_offcpu = false;
const volatile bool targ_per_process = false;
const volatile bool targ_per_thread = false;
const volatile bool targ_ms = false;

/* When each thread was switched in (on-CPU) or out (-O). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

static const struct hist zero_hist;

static __always_inline bool wanted(struct task_struct *t)
{
	if (!BPF_CORE_READ(t, pid)) /* idle */
		return false;
	if (targ_tgid && targ_tgid != BPF_CORE_READ(t, tgid))
		return false;
	return task_cgroup_allowed(t);
}

static __always_inline void mark(struct task_struct *t, __u64 ts)
{
	__u32 pid = BPF_CORE_READ(t, pid);

	if (wanted(t))
		bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
}

static __always_inline void account(struct task_struct *t, __u64 ts)
{
	__u32 pid = BPF_CORE_READ(t, pid), key;
	struct hist *h;
	__u64 *tsp;

	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return;
	if (ts < *tsp)
		goto cleanup;
	if (targ_per_process)
		key = BPF_CORE_READ(t, tgid);
	else if (targ_per_thread)
		key = pid;
	else
		key = CPUDIST_ALL;
	h = lookup_or_init(&hists, &key, &zero_hist);
	if (!h)
		goto cleanup;
	if (!h->comm[0])
		BPF_CORE_READ_STR_INTO(&h->comm, t, comm);
	hist_add_log2(h, (ts - *tsp) / (targ_ms ? 1000000 : 1000));
cleanup:
	bpf_map_delete_elem(&start, &pid);
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next)
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
