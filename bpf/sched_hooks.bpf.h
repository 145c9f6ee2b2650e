/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The programs of the scheduler tools that follow tasks made runnable and
 * switched in (runqlat, runqslower, cpudist; tools/src/sched.rs names them):
 * tp_btf and raw_tp on sched_wakeup, sched_wakeup_new and sched_switch.
 * Include it after defining on_switch(prev, next) and enqueue(p); a tool
 * that follows switches only (sched::switch_hooks) defines
 * SCHED_HOOKS_SWITCH_ONLY instead of enqueue. */
#ifndef __BPFTK_SCHED_HOOKS_BPF_H
#define __BPFTK_SCHED_HOOKS_BPF_H

#ifndef SCHED_HOOKS_SWITCH_ONLY
SEC("tp_btf/sched_wakeup")
int BPF_PROG(tp_btf_wakeup, struct task_struct *p)
{
	enqueue(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tp_btf_wakeup_new, struct task_struct *p)
{
	enqueue(p);
	return 0;
}

#endif

SEC("tp_btf/sched_switch")
int BPF_PROG(tp_btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}

#ifndef SCHED_HOOKS_SWITCH_ONLY
SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_wakeup, struct task_struct *p)
{
	enqueue(p);
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_wakeup_new, struct task_struct *p)
{
	enqueue(p);
	return 0;
}

#endif

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}

#endif /* __BPFTK_SCHED_HOOKS_BPF_H */
