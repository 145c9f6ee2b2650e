/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BIOSTACKS_H
#define __BIOSTACKS_H

#include "hist.h"

#define BIOSTACKS_COMM_LEN 16

/* A histogram per process, disk and the kernel stack that started the I/O. */
struct stack_key {
	__u32 pid;
	__u32 dev;	    /* kernel dev_t */
	__s32 kern_stack_id; /* in stackmap; negative: lost */
	char comm[BIOSTACKS_COMM_LEN];
};

#endif /* __BIOSTACKS_H */
