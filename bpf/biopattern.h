/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BIOPATTERN_H
#define __BIOPATTERN_H

/* Per disk: where the last request ended, and what followed on from it. */
struct counter {
	__u64 last_sector;
	__u64 bytes;
	__u32 sequential;
	__u32 random;
};

#endif /* __BIOPATTERN_H */
