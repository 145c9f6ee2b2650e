/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __FUTEXCTN_H
#define __FUTEXCTN_H

#include "hist.h"

/* The waits of one thread on one lock from one user stack; with -s, of one
 * process on one lock, without the stack. */
struct futexctn_key {
	__u64 pid_tgid;      /* the thread's pid_tgid; with -s the process ID */
	__u64 uaddr;         /* the futex word's user address: the lock */
	__s32 user_stack_id; /* in the stack map, negative when lost; -1 with -s */
	__u32 pad;
};

/* What the waits of a key add up to, in micro- or (-m) milliseconds. */
struct futexctn_hist {
	struct hist hist;    /* log2 buckets, and the comm of the last waiter */
	__u64 contended;     /* waits */
	__u64 total_elapsed; /* their sum */
	__u64 min;
	__u64 max;
};

#endif /* __FUTEXCTN_H */
