/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __RUNQSLOWER_H
#define __RUNQSLOWER_H

/* A task that waited in the run queue longer than the threshold, sent as
 * the scheduler switches to it. */
struct event {
	__u64 delta_us;
	__u32 tid;
	__u32 pid;
	__u32 prev_tid;
	__u32 pad;
	char comm[16];
	char prev_comm[16];
};

#endif /* __RUNQSLOWER_H */
