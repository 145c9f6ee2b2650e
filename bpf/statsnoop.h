/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __STATSNOOP_H
#define __STATSNOOP_H

#include "path_event.h"

#define STATSNOOP_PATH_MAX 4096

/* One statfs(2), stat(2), lstat(2), fstatat(2) or statx(2), sent when the
 * call returns. Only the first `path_len` bytes of `path` travel through the
 * ring buffer. */
struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	__s32 ret;
	PATH_EVENT_TAIL(STATSNOOP_PATH_MAX);
};

#endif /* __STATSNOOP_H */
