/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BASHREADLINE_H
#define __BASHREADLINE_H

#define BASHREADLINE_LINE_MAX 1024

/* One line read by an interactive bash. */
struct event {
	__u32 pid;
	__u32 len;       /* bytes of line, without the NUL */
	__u8 truncated;  /* the line was longer than BASHREADLINE_LINE_MAX */
	__u8 pad[7];
	char line[BASHREADLINE_LINE_MAX];
};

#endif /* __BASHREADLINE_H */
