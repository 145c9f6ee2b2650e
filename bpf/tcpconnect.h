/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPCONNECT_H
#define __TCPCONNECT_H

#include "net.h"

/* One connect attempt that sent a SYN. */
struct event {
	struct net_tuple t; /* source = the local end */
	__u64 ts_ns;
	__u32 pid;
	__u32 uid;
	char comm[16];
};

#endif /* __TCPCONNECT_H */
