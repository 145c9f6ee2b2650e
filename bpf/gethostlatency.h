/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __GETHOSTLATENCY_H
#define __GETHOSTLATENCY_H

#define GETHOSTLATENCY_HOST_LEN 80

/* One name lookup, from the call to its return. */
struct event {
	__u64 start_ns;  /* at the call; the latency once it has returned */
	__u32 pid;
	__u32 tid;
	__u32 len;       /* bytes of host, without the NUL */
	__u8 truncated;  /* the name was longer than the buffer */
	__u8 pad[3];
	char comm[16];
	char host[GETHOSTLATENCY_HOST_LEN];
};

#endif /* __GETHOSTLATENCY_H */
