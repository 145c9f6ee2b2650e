/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
/* What the network tools' events share with Rust (libtools::net reads it). */
#ifndef __BPFTK_NET_H
#define __BPFTK_NET_H

/* How many ports a -P/-L/-D list may name. */
#define BPFTK_MAX_PORTS 64

/* A connection's two ends. Addresses are in network order; an IPv4 address
 * fills the first 4 bytes. Ports are in host order. */
struct net_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 family; /* AF_INET (2) or AF_INET6 (10) */
	__u16 pad;
};

#endif /* __BPFTK_NET_H */
