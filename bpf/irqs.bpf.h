/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What hardirqs and softirqs share: the handler's start time per CPU (a
 * handler does not nest within another on its CPU) and the accounting. */
#ifndef __IRQS_BPF_H
#define __IRQS_BPF_H

#include "cgroup.bpf.h"
#include "hist.bpf.h"
#include "irqs.h"

const volatile bool targ_dist = false;
const volatile bool targ_ns = false;
const volatile int targ_cpu = -1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} irq_start SEC(".maps");

static __always_inline bool irq_wanted(void)
{
	if (targ_cpu >= 0 && bpf_get_smp_processor_id() != (__u32)targ_cpu)
		return false;
	return cgroup_allowed();
}

static __always_inline void irq_enter(void)
{
	__u32 zero = 0;
	__u64 *ts = bpf_map_lookup_elem(&irq_start, &zero);

	if (ts)
		*ts = irq_wanted() ? bpf_ktime_get_ns() : 0;
}

/* Account the handler that started at irq_enter() into `info`. */
static __always_inline void irq_account(struct irqs_info *info)
{
	__u32 zero = 0;
	__u64 *ts = bpf_map_lookup_elem(&irq_start, &zero), delta;

	if (!ts || !*ts || !info)
		return;
	delta = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	__sync_fetch_and_add(&info->count, 1);
	__sync_fetch_and_add(&info->total_ns, delta);
	if (targ_dist)
		hist_add_log2(&info->hist, targ_ns ? delta : delta / 1000);
}

#endif /* __IRQS_BPF_H */
