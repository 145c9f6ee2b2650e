/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __CAPABLE_H
#define __CAPABLE_H

/* -u: report each capability once per process or per cgroup. */
#define CAPABLE_UNIQUE_OFF 0
#define CAPABLE_UNIQUE_PID 1
#define CAPABLE_UNIQUE_CGROUP 2

/* One capability check. audit and insetid are -1 where the hook cannot
 * know them (the tracepoint has no options argument). */
struct event {
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 cap;
	__s32 ret;
	__s32 audit;
	__s32 insetid;
	__s32 kern_stack_id;
	__s32 user_stack_id;
	char comm[16];
};

#endif /* __CAPABLE_H */
