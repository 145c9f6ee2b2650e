/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPSTATES_H
#define __TCPSTATES_H

#include "net.h"

/* One state change of a TCP socket. */
struct event {
	struct net_tuple t;
	__u64 skaddr;
	__u64 ts_us;    /* monotonic */
	__u64 delta_us; /* time in the old state; 0 when not seen entering it */
	__u32 pid;      /* the task current at the change (may be unrelated in softirq) */
	__s32 oldstate;
	__s32 newstate;
	char comm[16];
};

#endif /* __TCPSTATES_H */
