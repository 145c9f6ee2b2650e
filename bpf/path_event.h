/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* The fields that end the event of a call with a path (opensnoop,
 * statsnoop; path_calls.bpf.h fills them): only the first `path_len`
 * bytes of `path` travel through the ring buffer. */
#ifndef __BPFTK_PATH_EVENT_H
#define __BPFTK_PATH_EVENT_H

#define PATH_EVENT_TAIL(path_max)						\
	__u32 path_len;   /* bytes of path, without the NUL */			\
	__u8 truncated;   /* the path was longer than path_max */		\
	__u8 pad[3];								\
	char comm[16];								\
	char path[path_max]

#endif /* __BPFTK_PATH_EVENT_H */
