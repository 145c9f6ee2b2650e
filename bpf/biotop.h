/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BIOTOP_H
#define __BIOTOP_H

#define BIOTOP_COMM_LEN 16

/* I/O of one process, disk and direction in the interval. */
struct io_key {
	__u32 pid;
	__u32 dev;   /* kernel dev_t */
	__u32 write; /* 1: a write, 0: anything else */
	char comm[BIOTOP_COMM_LEN];
};

struct io_val {
	__u64 bytes;
	__u64 us; /* issue to completion, summed */
	__u32 io;
	__u32 pad;
};

#endif /* __BIOTOP_H */
