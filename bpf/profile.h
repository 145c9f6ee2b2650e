/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __PROFILE_H
#define __PROFILE_H

/* What samples are counted by: the process and its two stacks. A stack id
 * is negative when it was not taken (-1: not asked for) or was lost. */
struct key_t {
	__u32 pid;
	__s32 user_stack_id;
	__s32 kern_stack_id;
	char comm[16];
};

#endif /* __PROFILE_H */
