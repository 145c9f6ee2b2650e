/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __STATSNOOP_H
#define __STATSNOOP_H

#include "path_event.h"

#define STATSNOOP_PATH_MAX 4096

/* The call, numbered as libbpf-tools' statsnoop numbers them for -s. */
#define STATSNOOP_STATFS 1
#define STATSNOOP_NEWSTAT 2
#define STATSNOOP_STATX 3
#define STATSNOOP_NEWFSTAT 4
#define STATSNOOP_NEWFSTATAT 5
#define STATSNOOP_NEWLSTAT 6

/* One statfs(2), stat(2), lstat(2), fstat(2), fstatat(2) or statx(2), sent
 * when the call returns. Only the first `path_len` bytes of `path` travel
 * through the ring buffer. For fstat(2), and a call given an empty path
 * (AT_EMPTY_PATH), `path` is the file's behind the descriptor. */
struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__s32 ret;
	__u32 call;  /* STATSNOOP_* */
	PATH_EVENT_TAIL(STATSNOOP_PATH_MAX);
};

#endif /* __STATSNOOP_H */
