// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0)
/* runqlen: run queue length, sampled on every CPU by a CPU-clock perf event.
 * Each sample counts the tasks waiting (not running) in the current task's
 * CFS run queue, or with -H in the CPU's whole run queue. */
#include "bpftk.bpf.h"
#include "runqlen.h"

const volatile bool targ_host = false;

/* One histogram per CPU: user space sums them, or shows each with -C. */
BPFTK_PERCPU_SLOT(hists, struct hist);

/* cfs_rq.nr_running was renamed nr_queued in 6.14. */
struct cfs_rq___pre_6_14 {
	unsigned int nr_running;
} __attribute__((preserve_access_index));

static __always_inline __u64 cfs_queued(struct cfs_rq *cfs)
{
	if (bpf_core_field_exists(cfs->nr_queued))
		return BPF_CORE_READ(cfs, nr_queued);
	return BPF_CORE_READ((struct cfs_rq___pre_6_14 *)cfs, nr_running);
}

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cfs_rq *cfs = BPF_CORE_READ(task, se.cfs_rq);
	struct hist *h;
	__u64 len;

	if (targ_host)
		len = BPF_CORE_READ(cfs, rq, nr_running);
	else
		len = cfs_queued(cfs);
	/* Waiting tasks: the running one is not queued for the CPU. */
	if (len > 0)
		len--;
	if (len >= BPFTK_HIST_SLOTS)
		len = BPFTK_HIST_SLOTS - 1;
	h = percpu_slot(&hists);
	if (h)
		h->slots[len]++; /* per-CPU value: no other writer */
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
