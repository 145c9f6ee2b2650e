/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPCONNLAT_H
#define __TCPCONNLAT_H

#include "net.h"

/* One connect that got established: how long from SYN_SENT. */
struct event {
	struct net_tuple t; /* source = the local end */
	__u64 ts_ns;        /* when it was established */
	__u64 delta_ns;     /* connect latency */
	__u32 pid;          /* the process that called connect */
	__u32 pad;
	char comm[16];
};

#endif /* __TCPCONNLAT_H */
