/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPRETRANS_H
#define __TCPRETRANS_H

#include "net.h"

/* What was sent again (the T column). */
enum retrans_type {
	RETRANSMIT = 1, /* R: a retransmitted segment */
	TLP = 2,        /* L: a tail loss probe */
};

/* One retransmission; saddr:sport is the local end. */
struct event {
	struct net_tuple t;
	__u32 pid;
	__u32 state; /* TCP state of the socket */
	__u32 type;  /* enum retrans_type */
	__u32 seq;   /* the segment's first sequence number; 0 for a loss probe */
};

#endif /* __TCPRETRANS_H */
