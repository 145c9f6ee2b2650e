/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __EXITSNOOP_H
#define __EXITSNOOP_H

/* One process (or, with -T, thread) exit. */
struct event {
	__u64 age_ns;     /* since the task started (monotonic) */
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 exit_code;  /* task->exit_code: (code << 8) | 0x80 if core dumped | signal */
	char comm[16];
};

#endif /* __EXITSNOOP_H */
