/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPTOP_H
#define __TCPTOP_H

#include "net.h"

/* A connection as one process uses it. */
struct traffic_key {
	struct net_tuple t;
	__u32 pid;
	char comm[16];
};

struct traffic {
	__u64 sent;
	__u64 received;
};

#endif /* __TCPTOP_H */
