/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What runqlat and runqslower share: a task waits in the run queue from
 * being made runnable (woken, new, or preempted while running) until it is
 * switched in. Define `bool runq_wanted(struct task_struct *t)`, the tasks
 * to time, then include; sched_hooks.bpf.h goes after the tool's
 * on_switch(), which calls runq_switch(). */
#ifndef __BPFTK_RUNQ_BPF_H
#define __BPFTK_RUNQ_BPF_H

#include "start.bpf.h"

static __always_inline int on_wakeup(void *ctx, struct task_struct *t)
{
	if (runq_wanted(t))
		start_now(BPF_CORE_READ(t, pid));
	return 0;
}

/* `next` is switched in: *delta is the time it waited in the queue (false
 * when it was not timed). `prev`, preempted while running (TASK_RUNNING),
 * goes straight back to the queue. */
static __always_inline bool runq_switch(void *ctx, struct task_struct *prev,
					struct task_struct *next, __s64 *delta)
{
	if (task_state(prev) == 0)
		on_wakeup(ctx, prev);
	return start_take(BPF_CORE_READ(next, pid), bpf_ktime_get_ns(), delta);
}

#endif /* __BPFTK_RUNQ_BPF_H */
