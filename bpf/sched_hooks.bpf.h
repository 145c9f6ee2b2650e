/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The programs of the scheduler tools (runqlat, runqslower, cpudist,
 * offcputime, wakeuptime; libtools::sched names them): tp_btf and raw_tp on
 * sched_wakeup, sched_wakeup_new and sched_switch. Include it after
 * defining
 *   int on_switch(void *ctx, struct task_struct *prev, struct task_struct *next)
 *   int on_wakeup(void *ctx, struct task_struct *p)  (woken, or new)
 * A tool that follows switches only (sched::switch_hooks) defines
 * SCHED_HOOKS_SWITCH_ONLY instead of on_wakeup; one that follows wakeups but
 * not new tasks, SCHED_HOOKS_NO_WAKEUP_NEW. */
#ifndef __BPFTK_SCHED_HOOKS_BPF_H
#define __BPFTK_SCHED_HOOKS_BPF_H

#if defined(SCHED_HOOKS_SWITCH_ONLY)
#define SCHED_WAKEUP_PROGS(kind, prefix)
#elif defined(SCHED_HOOKS_NO_WAKEUP_NEW)
#define SCHED_WAKEUP_PROGS(kind, prefix)					\
	SEC(#kind "/sched_wakeup")						\
	int BPF_PROG(prefix##_wakeup, struct task_struct *p) { return on_wakeup(ctx, p); }
#else
#define SCHED_WAKEUP_PROGS(kind, prefix)					\
	SEC(#kind "/sched_wakeup")						\
	int BPF_PROG(prefix##_wakeup, struct task_struct *p) { return on_wakeup(ctx, p); } \
	SEC(#kind "/sched_wakeup_new")						\
	int BPF_PROG(prefix##_wakeup_new, struct task_struct *p) { return on_wakeup(ctx, p); }
#endif

#define SCHED_PROGS(kind, prefix)						\
	SCHED_WAKEUP_PROGS(kind, prefix)					\
	SEC(#kind "/sched_switch")						\
	int BPF_PROG(prefix##_switch, bool preempt, struct task_struct *prev,	\
		     struct task_struct *next)					\
	{									\
		return on_switch(ctx, prev, next);				\
	}

SCHED_PROGS(tp_btf, tp_btf)
SCHED_PROGS(raw_tp, raw)

#endif /* __BPFTK_SCHED_HOOKS_BPF_H */
