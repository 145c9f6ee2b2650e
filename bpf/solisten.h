/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __SOLISTEN_H
#define __SOLISTEN_H

/* One listen(2) of an IPv4 or IPv6 socket, with the socket's address and
 * port after the call. */
struct event {
	__u8 addr[16]; /* network order; IPv4 in the first 4 bytes */
	__u32 pid;
	__s32 ret;
	__s32 backlog;
	__u16 port;
	__u16 family;
	__u16 type; /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 pad;
	char comm[16];
};

#endif /* __SOLISTEN_H */
