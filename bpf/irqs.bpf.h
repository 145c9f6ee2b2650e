/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What hardirqs, softirqs and softirqslower share: the handler's start time
 * per CPU (a handler does not nest within another on its CPU) and the
 * accounting. */
#ifndef __IRQS_BPF_H
#define __IRQS_BPF_H

#include "cgroup.bpf.h"
#include "hist.bpf.h"
#include "irqs.h"

const volatile bool targ_dist = false;
const volatile bool targ_ns = false;
const volatile int targ_cpu = -1;
/* hardirqs -C: totals by action and CPU. */
const volatile bool targ_per_cpu = false;

BPFTK_PERCPU_SLOT(irq_start, __u64);

static __always_inline bool irq_wanted(void)
{
	if (targ_cpu >= 0 && bpf_get_smp_processor_id() != (__u32)targ_cpu)
		return false;
	return cgroup_allowed();
}

static __always_inline void irq_enter(void)
{
	__u64 *ts = percpu_slot(&irq_start);

	if (ts)
		*ts = irq_wanted() ? bpf_ktime_get_ns() : 0;
}

/* The time since irq_enter() on this CPU into *delta, clearing it; false
 * when that entry was not seen (before the tool attached) or not wanted. */
static __always_inline bool irq_elapsed(__u64 *delta)
{
	__u64 *ts = percpu_slot(&irq_start);

	if (!ts || !*ts)
		return false;
	*delta = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	return true;
}

/* Account the handler that started at irq_enter() into `info`. */
static __always_inline void irq_account(struct irqs_info *info)
{
	__u64 delta;

	if (!info || !irq_elapsed(&delta))
		return;
	__sync_fetch_and_add(&info->count, 1);
	__sync_fetch_and_add(&info->total_ns, delta);
	/* Racy across CPUs sharing a key: a longer time can at worst be lost
	 * to a shorter one stored at the same instant. */
	if (delta > info->max_ns)
		info->max_ns = delta;
	if (targ_dist)
		hist_add_log2(&info->hist, targ_ns ? delta : delta / 1000);
}

/* The programs of hardirqs and softirqs: tp_btf (tp_btf_entry, tp_btf_exit)
 * and raw_tp (raw_entry, raw_exit) on the tracepoints `entry` and `exit`,
 * whose arguments are the rest; the exit programs return `exit_call`. */
#define IRQ_PROGRAMS(entry, exit, exit_call, ...)				\
	IRQ_PROGRAMS_ENTRY(entry, exit, (irq_enter(), 0), exit_call, __VA_ARGS__)
/* The same with entry programs that return `entry_call` (softirqslower's,
 * which measures the wait since the raise, then calls irq_enter()). */
#define IRQ_PROGRAMS_ENTRY(entry, exit, entry_call, exit_call, ...)		\
	IRQ_PROGRAM_PAIR(tp_btf, tp_btf, entry, exit, entry_call, exit_call,	\
			 __VA_ARGS__)						\
	IRQ_PROGRAM_PAIR(raw_tp, raw, entry, exit, entry_call, exit_call,	\
			 __VA_ARGS__)
#define IRQ_PROGRAM_PAIR(kind, prefix, entry, exit, entry_call, exit_call, ...)	\
	SEC(#kind "/" #entry)							\
	int BPF_PROG(prefix##_entry, __VA_ARGS__) { return entry_call; }	\
	SEC(#kind "/" #exit)							\
	int BPF_PROG(prefix##_exit, __VA_ARGS__) { return exit_call; }

#endif /* __IRQS_BPF_H */
