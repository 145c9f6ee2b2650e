/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPDROP_H
#define __TCPDROP_H

#include "net.h"

/* The reason when the hook has none (kprobe tcp_drop on old kernels). */
#define TCPDROP_NO_REASON 0xffffffff

/* One dropped TCP packet. The tuple is the packet's: saddr:sport is its
 * source, whichever end that is. */
struct event {
	struct net_tuple t;
	__u32 pid;
	__u32 reason;        /* enum skb_drop_reason, or TCPDROP_NO_REASON */
	__s32 kern_stack_id; /* -1 when not taken */
	__u8 state;          /* the socket's TCP state; 0: no socket known */
	__u8 tcpflags;       /* byte 13 of the TCP header */
	__u16 pad;
};

#endif /* __TCPDROP_H */
