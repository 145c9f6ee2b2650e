/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __STACKCOUNT_H
#define __STACKCOUNT_H

/* Events are counted by stacks (and, with -P, by process). */
struct key_t {
	__u32 tgid;   /* 0 unless -P */
	__s32 user_stack_id;
	__s32 kern_stack_id;
	char comm[16]; /* empty unless -P */
};

#endif /* __STACKCOUNT_H */
