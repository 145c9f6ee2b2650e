/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __THREADSNOOP_H
#define __THREADSNOOP_H

/* One pthread_create() call: who, and the new thread's start function. */
struct event {
	__u64 ts_ns;
	__u64 start;
	__u32 pid;
	__u32 tid;
	char comm[16];
};

#endif /* __THREADSNOOP_H */
