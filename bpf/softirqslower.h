/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __SOFTIRQSLOWER_H
#define __SOFTIRQSLOWER_H

/* What an event measured (libbpf-tools' stages, in its order). */
#define SOFTIRQSLOWER_RAISE 0 /* from softirq_raise to the handler's entry */
#define SOFTIRQSLOWER_RUN 1   /* the handler, from its entry to its exit */

/* One softirq slower than the threshold, sent at the stage's end. The task
 * is the one running on the CPU then: the interrupted task, or ksoftirqd. */
struct event {
	__u64 delta_ns;
	__u32 stage; /* SOFTIRQSLOWER_RAISE or SOFTIRQSLOWER_RUN */
	__u32 vec;   /* the softirq vector, < IRQS_NR_SOFTIRQS */
	__u32 cpu;
	__u32 pid;
	__u32 tid;
	char comm[16];
};

#endif /* __SOFTIRQSLOWER_H */
