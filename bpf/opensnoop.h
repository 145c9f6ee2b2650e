/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __OPENSNOOP_H
#define __OPENSNOOP_H

#include "path_event.h"

#define OPENSNOOP_PATH_MAX 4096

/* One open(2), openat(2) or openat2(2), sent when the call returns.
 * Only the first `path_len` bytes of `path` travel through the ring buffer. */
struct event {
	__u64 flags;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__s32 ret;
	__u32 mode;
	__u32 pad0;
	__u64 callers[2]; /* -c: the first two user frames, innermost first; 0 when none */
	PATH_EVENT_TAIL(OPENSNOOP_PATH_MAX);
};

#endif /* __OPENSNOOP_H */
