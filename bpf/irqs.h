/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __IRQS_H
#define __IRQS_H

#include "hist.h"

#define IRQS_NAME_LEN 32
#define IRQS_NR_SOFTIRQS 10

/* hardirqs: totals by the interrupt action's name, and with -C by CPU
 * (0 without it). */
struct irqs_key {
	char name[IRQS_NAME_LEN];
	__u32 cpu;
};

/* Per interrupt (or softirq vector): the count, the total and the longest
 * time, and with -d the distribution of handler times. */
struct irqs_info {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	struct hist hist;
};

#endif /* __IRQS_H */
