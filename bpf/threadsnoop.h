/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __THREADSNOOP_H
#define __THREADSNOOP_H

#define THREADSNOOP_PATH_MAX 4096

/* One pthread_create() call: who, and the new thread's start function:
 * its address and, where the kernel can tell (5.17+), the file mapped
 * there and the offset in it. Only the first path_len bytes of path are
 * sent. */
struct event {
	__u64 ts_ns;
	__u64 start;
	__u64 file_offset;
	__u32 pid;
	__u32 tid;
	char comm[16];
	__u32 path_len; /* 0: no file known */
	__u32 pad;
	char path[THREADSNOOP_PATH_MAX + 256]; /* room for dentry_path's last name */
};

#endif /* __THREADSNOOP_H */
