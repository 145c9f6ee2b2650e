/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __WAKEUPTIME_H
#define __WAKEUPTIME_H

/* Blocked time is summed by who woke whom, and the waker's kernel stack. */
struct key_t {
	char waker[16];
	char target[16];
	__s32 w_k_stack_id;
	__u32 pad;
};

#endif /* __WAKEUPTIME_H */
