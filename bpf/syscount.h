/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __SYSCOUNT_H
#define __SYSCOUNT_H

/* Per syscall number, or per process with -P. */
struct data_t {
	__u64 count;
	__u64 total_ns;
	char comm[16];
};

#endif /* __SYSCOUNT_H */
