/* SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0) */
#ifndef __LLCSTAT_H
#define __LLCSTAT_H

#define LLCSTAT_MAX_ENTRIES 10240

/* Counts are kept per CPU and process (and thread, with -t). */
struct llc_key {
	__u32 cpu;
	__u32 pid;
	__u32 tid; /* the pid unless -t */
};

struct llc_counts {
	__u64 refs;   /* cache references, in events (samples x period) */
	__u64 misses; /* cache misses, likewise */
	char comm[16];
};

#endif /* __LLCSTAT_H */
