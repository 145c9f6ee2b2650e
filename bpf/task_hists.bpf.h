/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What cpudist and runqlat share: log2 histograms of times a task spent
 * (on a CPU, in the run queue), one for all, or one per process (-P) or
 * thread (-L), named after the first task counted; -p keeps one process
 * and -m counts milliseconds. Include after bpftk.bpf.h and hist.bpf.h. */
#ifndef __BPFTK_TASK_HISTS_BPF_H
#define __BPFTK_TASK_HISTS_BPF_H

const volatile __u32 targ_tgid = 0;
const volatile bool targ_per_process = false;
const volatile bool targ_per_thread = false;
const volatile bool targ_ms = false;

BPFTK_HASH_NO_PREALLOC(hists, __u32, struct hist, 10240);

/* Count `delta_ns` for task `t` in its histogram: that of its process with
 * -P, of its thread with -L, else `other` (the key of all, or the tool's
 * own grouping). */
static __always_inline void task_hist_count(struct task_struct *t, __u32 other, __u64 delta_ns)
{
	static const struct hist zero;
	struct hist *h;
	__u32 key = other;

	if (targ_per_process)
		key = BPF_CORE_READ(t, tgid);
	else if (targ_per_thread)
		key = BPF_CORE_READ(t, pid);
	h = lookup_or_init(&hists, &key, &zero);
	if (!h)
		return;
	if (!h->comm[0])
		BPF_CORE_READ_STR_INTO(&h->comm, t, comm);
	hist_add_log2(h, delta_ns / (targ_ms ? 1000000 : 1000));
}

#endif /* __BPFTK_TASK_HISTS_BPF_H */
