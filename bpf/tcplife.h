/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPLIFE_H
#define __TCPLIFE_H

#include "net.h"

/* Who owns a connection: the task in whose context it changed state. */
struct ident {
	__u32 pid;
	char comm[16];
};

/* One closed connection. */
struct event {
	struct net_tuple t;
	__u64 ts_us;   /* at close, monotonic */
	__u64 span_us; /* from the last state before FIN_WAIT1 to CLOSE */
	__u64 rx_b;    /* tcp_sock bytes_received */
	__u64 tx_b;    /* tcp_sock bytes_acked */
	__u32 pid;
	char comm[16];
};

#endif /* __TCPLIFE_H */
