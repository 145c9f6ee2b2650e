/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __TCPPKTLAT_H
#define __TCPPKTLAT_H

#include "net.h"

/* One read of received TCP data: how long the data had waited for it. */
struct event {
	struct net_tuple t; /* source = the local end */
	__u64 ts_ns;        /* bpf_ktime_get_ns() at the read */
	__u64 delta_ns;     /* from the last data segment's arrival to the read */
	__u32 pid;          /* the reader */
	__u32 tid;
	char comm[16];
};

#endif /* __TCPPKTLAT_H */
