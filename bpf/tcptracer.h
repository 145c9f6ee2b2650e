/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPTRACER_H
#define __TCPTRACER_H

#include "net.h"

/* The T column. */
enum tcptracer_type {
	TCPTRACER_CONNECT = 1, /* C: an outgoing connection got established */
	TCPTRACER_ACCEPT = 2,  /* A: a process accepted a connection */
	TCPTRACER_CLOSE = 3,   /* X: a process ended its side of a connection */
};

struct event {
	struct net_tuple t; /* source = the local end */
	__u64 ts_ns;
	__u32 pid;
	__u32 netns; /* network namespace inode number */
	__u32 kind;  /* enum tcptracer_type */
	__u32 uid;
	char comm[16];
};

#endif /* __TCPTRACER_H */
