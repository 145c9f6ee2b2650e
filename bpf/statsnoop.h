/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __STATSNOOP_H
#define __STATSNOOP_H

#define STATSNOOP_PATH_MAX 4096

/* One statfs(2), stat(2), lstat(2), fstatat(2) or statx(2), sent when the
 * call returns. Only the first `path_len` bytes of `path` travel through the
 * ring buffer. */
struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__s32 ret;
	__u32 path_len;   /* bytes of path, without the NUL */
	__u8 truncated;   /* the path was longer than STATSNOOP_PATH_MAX */
	__u8 pad[3];
	char comm[16];
	char path[STATSNOOP_PATH_MAX];
};

#endif /* __STATSNOOP_H */
