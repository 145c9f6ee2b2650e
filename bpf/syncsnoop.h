/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __SYNCSNOOP_H
#define __SYNCSNOOP_H

/* One sync-family call, sent when it is entered. */
struct event {
	__u64 ts_ns;     /* bpf_ktime_get_ns() at entry: since boot */
	__u32 pid;
	__u32 tid;
	__u32 sys;       /* the syscall's number */
	__u32 pad;
	char comm[16];
};

#endif /* __SYNCSNOOP_H */
