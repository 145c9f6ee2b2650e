/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __BINDSNOOP_H
#define __BINDSNOOP_H

/* Socket options in effect at bind time (the OPTS column, FTNRr). */
enum bind_opt {
	BIND_OPT_FREEBIND = 1 << 0,             /* IP_FREEBIND */
	BIND_OPT_TRANSPARENT = 1 << 1,          /* IP_TRANSPARENT */
	BIND_OPT_BIND_ADDRESS_NO_PORT = 1 << 2, /* IP_BIND_ADDRESS_NO_PORT */
	BIND_OPT_REUSEADDR = 1 << 3,            /* SO_REUSEADDR */
	BIND_OPT_REUSEPORT = 1 << 4,            /* SO_REUSEPORT */
};

/* One bind(2) of an IPv4 or IPv6 socket. The address and port are the
 * socket's after a bind that worked, the ones asked for after one that
 * failed. */
struct event {
	__u8 addr[16]; /* network order; IPv4 in the first 4 bytes */
	__u32 pid;
	__u32 uid;
	__s32 ret;
	__u32 bound_dev_if;
	__u16 port;
	__u16 family;
	__u16 proto; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 opts;   /* enum bind_opt bits */
	__u8 pad;
	char comm[16];
};

#endif /* __BINDSNOOP_H */
