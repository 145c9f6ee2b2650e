/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __MDFLUSH_H
#define __MDFLUSH_H

#define MDFLUSH_DISK_LEN 32

/* A flush request to an md (software RAID) device. */
struct event {
	__u32 pid;
	__u32 tid;
	__u32 dev;   /* the md device's kernel dev_t, where the disk name is unknown */
	__u32 pad;
	char comm[16];
	char disk[MDFLUSH_DISK_LEN]; /* "md0"; empty on the tracepoint route */
};

#endif /* __MDFLUSH_H */
