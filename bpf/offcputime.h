/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __OFFCPUTIME_H
#define __OFFCPUTIME_H

/* Blocked time is summed by thread and the stacks it blocked in. */
struct key_t {
	__u32 pid;  /* thread id (the CPU number for an idle thread) */
	__u32 tgid;
	__s32 user_stack_id;
	__s32 kern_stack_id;
};

struct val_t {
	__u64 delta_us;
	char comm[16];
};

#endif /* __OFFCPUTIME_H */
