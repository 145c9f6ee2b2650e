/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __KLOCKSTAT_H
#define __KLOCKSTAT_H

/* The kinds of lock, as the lock:contention_begin tracepoint flags them
 * (include/trace/events/lock.h); the fentry and kprobe routes set them
 * from the function hooked. 0 is a semaphore (down()). */
#define LCB_F_SPIN (1U << 0)
#define LCB_F_READ (1U << 1)
#define LCB_F_WRITE (1U << 2)
#define LCB_F_RT (1U << 3)
#define LCB_F_PERCPU (1U << 4)
#define LCB_F_MUTEX (1U << 5)

/* Statistics of one caller's stack (or one thread, -P), as upstream's. */
struct lock_stat {
	__u64 acq_count;
	__u64 acq_total_time; /* ns */
	__u64 acq_max_time;
	__u64 acq_max_id;     /* pid << 32 | tid of the longest wait */
	__u64 acq_max_lock_ptr;
	char acq_max_comm[16];
	__u64 hld_count;
	__u64 hld_total_time;
	__u64 hld_max_time;
	__u64 hld_max_id;
	__u64 hld_max_lock_ptr;
	char hld_max_comm[16];
	__u32 flags;          /* LCB_F_* of the acquisitions, or'ed */
	__u32 pad;
};

#endif /* __KLOCKSTAT_H */
