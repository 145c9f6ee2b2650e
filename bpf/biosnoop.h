/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BIOSNOOP_H
#define __BIOSNOOP_H

#define BIOSNOOP_COMM_LEN 16 /* BPFTK_COMM_LEN */

/* One completed request. */
struct event {
	__u64 ts_ns;	 /* completion, bpf_ktime_get_ns */
	__u64 sector;	 /* first sector, 512-byte units */
	__u64 delta_ns;	 /* issue to completion */
	__u64 qdelta_ns; /* start (queueing) to issue; 0 when issued directly */
	__u32 len;	 /* bytes, as issued */
	__u32 pid;	 /* the thread group that started the request */
	__u32 dev;	 /* kernel dev_t of the disk */
	__u32 cmd_flags;
	char comm[BIOSNOOP_COMM_LEN];
};

#endif /* __BIOSNOOP_H */
